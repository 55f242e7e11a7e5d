//! The real binary as Lambda runs it (the Runtime API stand-in), and what a
//! cold start refuses inside Lambda.

mod breaker;
mod correlation;
mod echoed_secrets;
mod entropy;
mod faults;
mod first_start;
mod hostile_attributes;
mod hostile_aws;
mod no_secrets;
mod preconnect;
mod refusals;
mod runtime;
mod sms_limits;

/// The stand-in with this crate's binary.
mod harness {
    use std::path::Path;

    use serde_json::Value;

    pub use switchboard_testkit::lambda::example;

    const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");

    /// Runs `events` through the binary with only `env` (plus `PATH` and moto's
    /// endpoint) and a function timeout of 15 s.
    pub fn run_as_lambda(dir: &Path, events: &[Value], env: &[(&str, String)]) -> (Value, String) {
        run_as_lambda_with_timeout(dir, events, env, 15_000)
    }

    /// As [`run_as_lambda`], with the function's timeout in milliseconds.
    pub fn run_as_lambda_with_timeout(
        dir: &Path,
        events: &[Value],
        env: &[(&str, String)],
        timeout_ms: u64,
    ) -> (Value, String) {
        switchboard_testkit::lambda::run(BINARY, dir, events, env, timeout_ms)
    }

    /// The pool of the example events.
    pub const POOL: &str = "us-east-1_EXAMPLE1";

    /// The example event `name` (`events/CustomEmailSender_SignUp`) carrying
    /// `code` encrypted as Cognito does, under `key`.
    pub fn minted(name: &str, key: &str, code: &str) -> Value {
        let mut event = example(name);
        event["request"]["code"] = switchboard_testkit::python::mint_with_python(
            switchboard_testkit::moto::moto(),
            key,
            POOL,
            code,
        )
        .into();
        event
    }

    pub use switchboard_testkit::lambda::provider_env;

    /// A signed webhook provider `name` at `url`.
    pub fn webhook_env(name: &str, url: String) -> Vec<(&'static str, String)> {
        let secret = "a-secret-of-enough-length".to_string();
        provider_env(
            name,
            &[("type", "webhook".into()), ("url", url), ("secret", secret)],
        )
    }

    /// A deploy's environment: codes under `key`, every email and SMS to the
    /// signed webhook `HOOK` at `url`.
    pub fn delivering_to(key: &str, url: String) -> Vec<(&'static str, String)> {
        let mut env = branding();
        env.push(("SWITCHBOARD_DECRYPT__KEY_ARN", key.to_string()));
        env.extend(webhook_env("hook", url));
        env.push(("SWITCHBOARD_EMAIL__PROVIDERS", "hook".into()));
        env.push(("SWITCHBOARD_SMS__PROVIDERS", "hook".into()));
        env
    }

    /// Codes under `key`; email through a SendGrid `PRIMARY` at `primary`, then
    /// a signed webhook `BACKUP` at `backup`, which also takes every SMS.
    pub fn primary_then_backup(
        key: &str,
        primary: String,
        backup: String,
    ) -> Vec<(&'static str, String)> {
        let mut env = branding();
        env.push(("SWITCHBOARD_DECRYPT__KEY_ARN", key.to_string()));
        let sendgrid = [
            ("type", "sendgrid".into()),
            ("api_key", "SG.primary".into()),
            ("base_url", primary),
        ];
        env.extend(provider_env("primary", &sendgrid));
        env.extend(webhook_env("backup", backup));
        env.push(("SWITCHBOARD_EMAIL__PROVIDERS", "primary,backup".into()));
        env.push(("SWITCHBOARD_SMS__PROVIDERS", "backup".into()));
        env
    }

    /// The first metric line of `printed` whose `name` counts 1.
    pub fn metric_line(printed: &str, name: &str) -> Value {
        printed
            .lines()
            .filter(|l| l.contains("CloudWatchMetrics"))
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|m| m[name] == 1)
            .unwrap_or_else(|| panic!("a {name} metric line: {printed}"))
    }

    /// The `status` each invocation answered, every one an answer (not an error).
    pub fn statuses(results: &Value, printed: &str) -> Vec<String> {
        results["invocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["status"], "response", "{i}\n{printed}");
                let body: Value = serde_json::from_str(i["body"].as_str().unwrap()).unwrap();
                body["status"].as_str().unwrap().to_string()
            })
            .collect()
    }

    /// What a deploy must set besides its providers: its product and sender.
    pub fn branding() -> Vec<(&'static str, String)> {
        vec![
            ("SWITCHBOARD_APP__NAME", "Acme".into()),
            (
                "SWITCHBOARD_EMAIL__FROM",
                "Acme <no-reply@acme.test>".into(),
            ),
            (
                "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT",
                "false".into(),
            ),
        ]
    }
}
