//! The end-to-end bound on attempts through the real pipeline: a failing chain
//! makes exactly `max_attempts` per provider, then fails (no retry storms).

use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::testing::provider;
use switchboard::HandleError;

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_chain_makes_exactly_max_attempts_per_provider_then_fails() {
    let sendgrid = switchboard_testkit::answering(503).await;
    let mailgun = switchboard_testkit::answering(429).await;
    let mut config = switchboard::testing::defaults();
    config.delivery.max_attempts = 3;
    config.delivery.base_delay_ms = 1;
    config.delivery.max_delay_ms = 5;
    config.providers.insert(
        "sendgrid".into(),
        provider(
            "sendgrid",
            &format!(
                "type = 'sendgrid'\napi_key = 'SG.k'\nbase_url = '{}'\ntimeout_ms = 2000",
                sendgrid.uri()
            ),
        ),
    );
    config.providers.insert(
        "mailgun".into(),
        provider(
            "mailgun",
            &format!(
                "type = 'mailgun'\napi_key = 'key-k'\ndomain = 'mg.acme.test'\n\
                 base_url = '{}'\ntimeout_ms = 2000",
                mailgun.uri()
            ),
        ),
    );
    config.email.providers = vec!["sendgrid".into(), "mailgun".into()];
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    let app = startup::build(&config, options).await.unwrap();
    let (_, json) = switchboard::cli::examples::EVENTS
        .iter()
        .find(|(n, _)| *n == "CustomEmailSender_SignUp")
        .unwrap();
    let err = app.handle_json(json.as_bytes()).await.unwrap_err();
    let HandleError::Send(send) = &err else {
        panic!("{err}")
    };
    assert!(send.is_temporary(), "Lambda should retry: {err}");
    assert_eq!(send.attempts().len(), 6, "{:?}", send.attempts());
    assert_eq!(sendgrid.received_requests().await.unwrap().len(), 3);
    assert_eq!(mailgun.received_requests().await.unwrap().len(), 3);
}
