//! The email bombing guard (`[email.limits]`) through the real pipeline,
//! counting in DynamoDB on moto: signing one victim's address up again and
//! again — a new user each time, the address spelled differently — sends
//! `per_recipient` mails and no more, answering `Ok`; other addresses and the
//! sources it does not watch are unaffected; a failed send gives its count back.

use std::sync::Arc;

use switchboard::cognito::event::CustomSenderEvent;
use switchboard::config::Config;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ErrorKind, ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError, OutcomeStatus};
use switchboard_testkit::moto::moto;

async fn app(sender: Arc<dyn Sender>, tune: impl FnOnce(&mut Config)) -> App {
    let mut config = switchboard::testing::defaults();
    config.email.limits.table = Some(moto().create_idempotency_table().await);
    config.email.limits.per_recipient = 3;
    config.email.limits.window_seconds = switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON;
    config.delivery.max_attempts = 1;
    tune(&mut config);
    TestApp::new(config)
        .sender(sender)
        .aws(moto().sdk_config())
        .as_configured()
        .build()
        .await
        .unwrap()
}

fn memory() -> Arc<ScriptedSender> {
    Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS))
}

/// A `source` mail to `address` for a new user each time, as each sign-up
/// with the victim's address makes one.
fn mail_to(source: &str, address: &str) -> CustomSenderEvent {
    static USERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut event = switchboard::testing::example_event(source);
    switchboard::testing::set_attribute(&mut event, "email", address);
    let user = USERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    event.user_name = format!("email-limits-user-{user}");
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_one_address_up_again_and_again_sends_per_recipient_mails_and_no_more() {
    let sender = memory();
    let app = app(sender.clone(), |_| {}).await;
    let spellings = [
        "victim.person@gmail.com",
        "Victim.Person@Gmail.com",
        "victimperson+1@gmail.com",
        "v.i.c.t.i.m.person+bomb@googlemail.com",
    ];
    let mut statuses = Vec::new();
    for address in spellings {
        let outcome = app
            .handle(mail_to("CustomEmailSender_SignUp", address))
            .await
            .unwrap();
        statuses.push(outcome.status);
    }
    assert_eq!(
        statuses,
        [
            OutcomeStatus::Delivered,
            OutcomeStatus::Delivered,
            OutcomeStatus::Delivered,
            OutcomeStatus::Limited
        ],
        "one mailbox, however it is written"
    );
    assert_eq!(sender.recipients(), spellings[..3], "each as written");
    let limited = app
        .handle(mail_to(
            "CustomEmailSender_ForgotPassword",
            "VICTIM.PERSON@gmail.com",
        ))
        .await
        .unwrap();
    assert_eq!(
        limited.status,
        OutcomeStatus::Limited,
        "forgot-password counts too"
    );
    assert_eq!(limited.recipient, "V***@g***.com", "masked");
    let other = app
        .handle(mail_to(
            "CustomEmailSender_SignUp",
            "someone.else@gmail.com",
        ))
        .await
        .unwrap();
    assert_eq!(other.status, OutcomeStatus::Delivered);
    let mfa = app
        .handle(mail_to(
            "CustomEmailSender_Authentication",
            "victim.person@gmail.com",
        ))
        .await
        .unwrap();
    assert_eq!(
        mfa.status,
        OutcomeStatus::Delivered,
        "a source it does not watch (an MFA code the user asked for)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sources_it_counts_are_configurable_and_checked() {
    let sender = memory();
    let app = app(sender.clone(), |c| {
        c.email.limits.per_recipient = 1;
        c.email.limits.trigger_sources = vec!["customemailsender_authentication".into()];
    })
    .await;
    for _ in 0..2 {
        let sign_up = app
            .handle(mail_to("CustomEmailSender_SignUp", "jane@acme.test"))
            .await
            .unwrap();
        assert_eq!(sign_up.status, OutcomeStatus::Delivered);
    }
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let event = mail_to("CustomEmailSender_Authentication", "jane@acme.test");
        statuses.push(app.handle(event).await.unwrap().status);
    }
    assert_eq!(statuses, [OutcomeStatus::Delivered, OutcomeStatus::Limited]);

    let mut config = switchboard::testing::defaults();
    config.email.limits.per_recipient = 1;
    config.email.limits.trigger_sources = vec!["CustomSMSSender_SignUp".into()];
    let error = TestApp::new(config)
        .sender(memory())
        .aws(moto().sdk_config())
        .as_configured()
        .build()
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(
        &error,
        &[
            "email.limits.trigger_sources",
            "CustomSMSSender_SignUp",
            "email trigger source",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_send_gives_its_count_back() {
    let failing = Arc::new(ScriptedSender::failing(
        "memory",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        1,
    ));
    let app = app(failing.clone(), |c| c.email.limits.per_recipient = 1).await;
    let event = mail_to("CustomEmailSender_SignUp", "retry@acme.test");
    let error = app.handle(event.clone()).await.unwrap_err();
    assert!(matches!(error, HandleError::Send(_)), "{error}");
    let retry = app.handle(event).await.unwrap();
    assert_eq!(
        retry.status,
        OutcomeStatus::Delivered,
        "Lambda's retry still sends"
    );
    let next = app
        .handle(mail_to("CustomEmailSender_SignUp", "retry@acme.test"))
        .await
        .unwrap();
    assert_eq!(
        next.status,
        OutcomeStatus::Limited,
        "the delivered one counted"
    );
}
