//! The real binary as Lambda runs it (the Runtime API stand-in), and what a
//! cold start refuses inside Lambda.

mod breaker;
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
