//! The fleet learns together: several Lambda environments of the real binary,
//! each frozen between invocations as Lambda freezes it, sharing one health
//! table on moto — an operator's demotion reaches every warm environment within
//! `refresh_ms` and a restore brings the provider back; a breaker one
//! environment opened moves the provider back in another; receipts that say a
//! provider drops messages demote it, and recover it; a health table that fails
//! or hangs changes nothing for delivery.

mod breaker;
mod demote;
mod receipts;
mod unreachable;

mod harness {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use serde_json::Value;
    use switchboard_testkit::environment::Environment;
    use switchboard_testkit::hostile::{Hostile, Mode};
    use switchboard_testkit::lambda::provider_env;
    use switchboard_testkit::moto::moto;

    pub const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");
    /// How old an environment's copy of the health may be, in these tests.
    pub const REFRESH: Duration = Duration::from_millis(300);
    pub const POOL: &str = "us-east-1_EXAMPLE1";

    /// A provider stand-in that accepts every message with `id`.
    pub fn accepting(id: &str) -> Hostile {
        Hostile::start(vec![Mode::with_headers(202, &[("X-Message-Id", id)], "")])
    }

    /// The fleet's environment: codes under a fresh key, email through SendGrid
    /// `first` then `second` (each at its stand-in), SMS through a webhook, the
    /// health in a fresh table; `extra` last.
    pub async fn fleet_env(
        first: &Hostile,
        second: &Hostile,
        extra: &[(&'static str, String)],
    ) -> (Vec<(&'static str, String)>, String, String) {
        let key = moto().create_kms_key().await;
        let table = moto().create_idempotency_table().await;
        let mut env = vec![
            ("SWITCHBOARD_APP__NAME", "Acme".to_string()),
            (
                "SWITCHBOARD_EMAIL__FROM",
                "Acme <no-reply@acme.test>".into(),
            ),
            (
                "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT",
                "false".into(),
            ),
            ("SWITCHBOARD_DECRYPT__KEY_ARN", key.clone()),
            ("SWITCHBOARD_EMAIL__PROVIDERS", "first,second".into()),
            ("SWITCHBOARD_SMS__PROVIDERS", "hook".into()),
            ("SWITCHBOARD_HEALTH__TABLE", table.clone()),
            (
                "SWITCHBOARD_HEALTH__REFRESH_MS",
                REFRESH.as_millis().to_string(),
            ),
            ("SWITCHBOARD_HEALTH__PROBE_SHARE", "0".into()),
            // Generous for a busy test machine sharing one moto server.
            ("SWITCHBOARD_HEALTH__IO_TIMEOUT_MS", "3000".into()),
        ];
        for (name, stand_in) in [("first", first), ("second", second)] {
            env.extend(provider_env(
                name,
                &[
                    ("type", "sendgrid".into()),
                    ("api_key", format!("SG.{name}")),
                    ("base_url", stand_in.url()),
                ],
            ));
        }
        env.extend(provider_env(
            "hook",
            &[
                ("type", "webhook".into()),
                ("url", "http://127.0.0.1:9/hook".into()),
                ("secret", "a-secret-of-enough-length".into()),
            ],
        ));
        env.extend(extra.iter().cloned());
        (env, key, table)
    }

    /// A sign-up email event with its code encrypted under `key`, as Cognito does.
    pub fn email_event(key: &str, code: &str) -> Value {
        let mut event = switchboard_testkit::lambda::example("events/CustomEmailSender_SignUp");
        event["request"]["code"] =
            switchboard_testkit::python::mint_with_python(moto(), key, POOL, code).into();
        event
    }

    /// The provider that delivered `event` in `environment`.
    pub fn delivered_by(environment: &mut Environment, event: &Value) -> String {
        let outcome = environment.invoke(event);
        assert_eq!(outcome["status"], "delivered", "{outcome}");
        outcome["provider"].as_str().unwrap().to_string()
    }

    /// Lets every frozen environment's copy grow older than `REFRESH`.
    pub fn after_refresh() {
        std::thread::sleep(REFRESH + Duration::from_millis(200));
    }

    /// Runs the binary's command line with `env`, as operator `fleet-test`.
    pub fn command_line(args: &[&str], env: &[(&str, String)]) -> (bool, String, String) {
        let mut env = env.to_vec();
        env.push(("USER", "fleet-test".into()));
        switchboard_testkit::lambda::command_line(BINARY, args, &env)
    }

    /// `switchboard health`'s line for `provider`.
    pub fn health_line(env: &[(&str, String)], provider: &str) -> String {
        let (ok, out, err) = command_line(&["health"], env);
        assert!(ok, "{err}");
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{provider} ")))
            .unwrap_or_else(|| panic!("a line for {provider}:\n{out}"))
            .to_string()
    }

    /// Each of `environments` delivers a new event through `provider`.
    pub fn each_delivers_by(environments: &mut [&mut Environment], key: &str, provider: &str) {
        for environment in environments.iter_mut() {
            static NEXT: AtomicU32 = AtomicU32::new(400_000);
            let code = NEXT.fetch_add(1, Ordering::Relaxed).to_string();
            assert_eq!(
                delivered_by(environment, &email_event(key, &code)),
                provider
            );
        }
    }
}
