//! Every shipped example configuration loads and builds (no network: clients are
//! built, nothing is sent).

use switchboard::config::Config;
use switchboard::startup::{self, Runtime, StartupOptions};

#[tokio::test(flavor = "multi_thread")]
async fn every_example_configuration_builds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/config/examples");
    // The only test in this binary, so setting the environment races with nothing.
    for name in [
        "SENDGRID_API_KEY",
        "TWILIO_API_KEY_SECRET",
        "TWILIO_AUTH_TOKEN",
        "MAILGUN_API_KEY",
        "SMTP_PASSWORD",
        "SMS_WEBHOOK_SECRET",
    ] {
        std::env::set_var(name, "fake-secret-for-a-local-test");
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
        let aws = switchboard_testkit::moto::offline_sdk_config();
        let options = StartupOptions {
            aws: Some(aws),
            ..StartupOptions::new(Runtime::Lambda)
        };
        startup::build(&config, options)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        checked += 1;
    }
    assert_eq!(checked, 4);
}
