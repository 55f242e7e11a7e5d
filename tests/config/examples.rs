//! Every shipped example configuration loads and builds (no network: clients are
//! built, nothing is sent).
// figment's Jail closures return its (large) error type.
#![allow(clippy::result_large_err)]

use figment::Jail;
use switchboard::config::Config;
use switchboard::startup::{self, Runtime, StartupOptions};

/// Inside a figment `Jail`: this binary's other tests change the environment
/// in jails too, and a jail holds them off while this one runs.
#[test]
fn every_example_configuration_builds() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/examples");
    Jail::expect_with(|jail| {
        for name in [
            "SENDGRID_API_KEY",
            "TWILIO_API_KEY_SECRET",
            "TWILIO_AUTH_TOKEN",
            "MAILGUN_API_KEY",
            "SMTP_PASSWORD",
            "SMS_WEBHOOK_SECRET",
        ] {
            jail.set_env(name, "fake-secret-for-a-local-test");
        }
        let mut checked = 0;
        let copies = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            // Secrets come from the environment in the examples; CA files from the
            // host, so the copy that is loaded leaves them out.
            let text = std::fs::read_to_string(&path).unwrap();
            let without_ca: String = text
                .lines()
                .filter(|line| !line.trim_start().starts_with("ca_file"))
                .map(|line| format!("{line}\n"))
                .collect();
            let copy = copies.path().join(path.file_name().unwrap());
            std::fs::write(&copy, without_ca).unwrap();
            let mut config =
                Config::load_file(&copy).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            config.cognito.lookup_missing_recipient = false;
            let options = StartupOptions {
                aws: Some(switchboard_testkit::moto::offline_sdk_config()),
                ..StartupOptions::new(Runtime::Lambda)
            };
            // Built and dropped inside the runtime: the SMTP pool's drop needs it.
            runtime
                .block_on(async { startup::build(&config, options).await.map(drop) })
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            checked += 1;
        }
        assert_eq!(checked, 4);
        Ok(())
    });
}
