//! A route's chain of providers through the pipeline: failover after an outage,
//! a rejected recipient that stops the chain, every attempt named when all
//! fail, and nothing sent past the invocation's deadline.

use std::sync::Arc;
use switchboard::providers::{ErrorKind, ScriptedSender};
use switchboard::{HandleError, Outcome};

use crate::fixtures::{app_with, example_with_code, scripted};
use switchboard::providers::testing::BOTH_CHANNELS;

#[tokio::test(flavor = "multi_thread")]
async fn failover_moves_on_after_an_outage() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        10,
    ));
    let backup = scripted("backup");
    let mut config = switchboard::testing::defaults();
    config.delivery.base_delay_ms = 1;
    let app = app_with(&mut config, &[&primary, &backup]).await;
    let outcome = app
        .handle(example_with_code("CustomSMSSender_Authentication", "1").await)
        .await
        .unwrap();
    assert_eq!(outcome.provider, "backup");
    assert_eq!(primary.attempts(), 3, "retried up to max_attempts first");
    assert_eq!(backup.accepted().len(), 1);
    assert_eq!(
        outcome.attempts, 4,
        "three failed attempts and one success are recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_recipient_does_not_fail_over_and_is_an_error() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        BOTH_CHANNELS,
        ErrorKind::Rejected,
        1,
    ));
    let backup = scripted("backup");
    let err = sign_up_through(&[&primary, &backup]).await.unwrap_err();
    assert!(
        matches!(&err, HandleError::Send(e) if e.kind() == ErrorKind::Rejected),
        "{err}"
    );
    assert_eq!(backup.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn when_every_provider_fails_the_invocation_fails_with_all_attempts_named() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        5,
    ));
    let backup = Arc::new(ScriptedSender::failing(
        "backup",
        BOTH_CHANNELS,
        ErrorKind::Auth,
        5,
    ));
    let err = sign_up_through(&[&primary, &backup]).await.unwrap_err();
    let text = err.to_string();
    switchboard_testkit::assert_mentions(&text, &["primary", "backup"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_sent_past_the_invocation_deadline() {
    let flaky = Arc::new(ScriptedSender::failing(
        "flaky",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        100,
    ));
    let mut config = switchboard::testing::defaults();
    config.delivery.max_attempts = 10;
    let app = app_with(&mut config, &[&flaky]).await;
    let event = example_with_code("CustomEmailSender_SignUp", "1").await;
    let err = app
        .handle_until(event, Some(std::time::Instant::now()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HandleError::Send(e) if e.is_temporary()),
        "Lambda retries the event: {err}"
    );
    assert_eq!(flaky.attempts(), 0, "no attempt starts past the deadline");
}

/// A sign-up email through a chain of `senders` on the embedded defaults.
async fn sign_up_through(senders: &[&Arc<ScriptedSender>]) -> Result<Outcome, HandleError> {
    let app = app_with(&mut switchboard::testing::defaults(), senders).await;
    app.handle(example_with_code("CustomEmailSender_SignUp", "1").await)
        .await
}
