//! The outbox writes real files: `.eml` any mail client opens, `.json` for SMS.

use switchboard_providers::services::outbox::Outbox;
use switchboard_providers::{
    Channel, EmailMessage, ErrorKind, Message, MessageContext, Provider, Sender, SmsMessage,
};

fn context() -> MessageContext {
    MessageContext {
        trigger_source: "CustomEmailSender_SignUp".into(),
        user_pool_id: "us-east-1_abc".into(),
        event_id: None,
        deadline: None,
    }
}

fn email() -> Message {
    Message::Email(EmailMessage {
        to: "jane@example.com".into(),
        from: "Acme <no-reply@acme.test>".into(),
        reply_to: None,
        subject: "Your Acme code".into(),
        html: "<p>Code: <b>482913</b></p>".into(),
        text: "Code: 482913".into(),
        esp_template: None,
        context: context(),
    })
}

#[tokio::test]
async fn an_email_becomes_a_multipart_eml_file() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Provider::new("outbox", Outbox::new(dir.path().join("nested")));
    let delivery = outbox.send(&email()).await.unwrap();
    assert_eq!(delivery.provider, "outbox");
    assert!(
        delivery
            .message_id
            .ends_with("-CustomEmailSender_SignUp.eml"),
        "{}",
        delivery.message_id
    );
    let raw = std::fs::read_to_string(&delivery.message_id).unwrap();
    for needle in [
        "From: Acme <no-reply@acme.test>",
        "To: jane@example.com",
        "Subject: Your Acme code",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "Code: 482913",
        "Message-ID: <",
    ] {
        assert!(raw.contains(needle), "missing `{needle}` in:\n{raw}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no partial files left: {leftovers:?}");
}

#[tokio::test]
async fn an_sms_becomes_a_json_file_with_its_context() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Provider::new("dev", Outbox::new(dir.path()));
    let sms = Message::Sms(SmsMessage {
        to: "+12025550123".into(),
        body: "Your code is 111222".into(),
        sender_id: Some("Acme".into()),
        default_sender_id: None,
        validity: None,
        context: context(),
    });
    let delivery = outbox.send(&sms).await.unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&delivery.message_id).unwrap()).unwrap();
    assert_eq!(json["to"], "+12025550123");
    assert_eq!(json["body"], "Your code is 111222");
    assert_eq!(json["sender_id"], "Acme");
    assert_eq!(json["user_pool_id"], "us-east-1_abc");
}

#[tokio::test]
async fn two_messages_never_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Provider::new("outbox", Outbox::new(dir.path()));
    let a = outbox.send(&email()).await.unwrap();
    let b = outbox.send(&email()).await.unwrap();
    assert_ne!(a.message_id, b.message_id);
}

#[tokio::test]
async fn an_unwritable_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let outbox = Provider::new("outbox", Outbox::new(&blocker));
    let err = outbox.send(&email()).await.unwrap_err();
    assert!(err.to_string().contains("a-file"), "{err}");
    assert!(
        matches!(err.kind(), ErrorKind::Unavailable | ErrorKind::Config),
        "{err}"
    );
}

#[tokio::test]
async fn an_invalid_recipient_is_rejected_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Provider::new("outbox", Outbox::new(dir.path()));
    let Message::Email(mut bad) = email() else {
        unreachable!()
    };
    bad.to = "jane@example.com\r\nBcc: victim@example.com".into();
    let err = outbox.send(&Message::Email(bad)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert!(!err.is_temporary());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_outbox_serves_both_channels() {
    assert_eq!(
        Provider::new("o", Outbox::new("x")).channels(),
        &[Channel::Email, Channel::Sms]
    );
}
