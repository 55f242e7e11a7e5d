//! Checks every backend passes, run from each backend's tests (enable the
//! `conformance` feature). Each takes a sender wired to a real local peer.

use crate::{
    Channel, Delivery, EmailMessage, Message, MessageContext, SendError, Sender, SmsMessage,
};

/// The code every conformance message carries; it must never leak.
pub const SECRET_CODE: &str = "CONFORMANCE-CODE-508314";

/// A sample email carrying [`SECRET_CODE`].
pub fn sample_email(to: &str, from: &str) -> Message {
    Message::Email(EmailMessage {
        to: to.into(),
        from: from.into(),
        reply_to: None,
        subject: "Your conformance code".into(),
        html: format!("<p>Your code is <b>{SECRET_CODE}</b></p>"),
        text: format!("Your code is {SECRET_CODE}"),
        esp_template: None,
        context: context(),
    })
}

/// [`sample_email`] from `Acme Support <no-reply@acme.test>` to `jane@example.com`,
/// replying to `help@acme.test`: what the HTTP email services' tests send.
pub fn sample_email_with_reply_to() -> Message {
    let mut message = sample_email("jane@example.com", "Acme Support <no-reply@acme.test>");
    if let Message::Email(email) = &mut message {
        email.reply_to = Some("help@acme.test".into());
    }
    message
}

/// A sample SMS carrying [`SECRET_CODE`].
pub fn sample_sms(to: &str) -> Message {
    Message::Sms(SmsMessage {
        to: to.into(),
        body: format!("Your code is {SECRET_CODE}"),
        sender_id: None,
        default_sender_id: None,
        validity: None,
        context: context(),
    })
}

fn context() -> MessageContext {
    MessageContext {
        trigger_source: "CustomEmailSender_SignUp".into(),
        user_pool_id: "us-east-1_conformance".into(),
        event_id: None,
        deadline: None,
    }
}

fn assert_no_secret(text: &str, what: &str) {
    assert!(
        !text.contains(SECRET_CODE),
        "{what} contains the code: {text}"
    );
}

/// A healthy peer: the message is delivered and reported with a message ID, and
/// nothing the caller may log contains the code.
pub async fn delivers(sender: &dyn Sender, message: &Message) -> Delivery {
    assert!(
        sender.channels().contains(&message.channel()),
        "{} must support {}",
        sender.name(),
        message.channel()
    );
    let delivery = sender
        .send(message)
        .await
        .unwrap_or_else(|e| panic!("{} should deliver: {e}", sender.name()));
    assert_eq!(delivery.provider, sender.name());
    assert!(
        !delivery.message_id.trim().is_empty(),
        "a message ID is reported"
    );
    assert_no_secret(&format!("{delivery:?}"), "the delivery");
    assert_no_secret(&format!("{sender:?}"), "the sender's Debug");
    assert_no_secret(&format!("{message:?}"), "the message's Debug");
    delivery
}

/// A peer failing transiently: the error is temporary, names the provider and
/// does not contain the code.
pub async fn maps_transient_failure(sender: &dyn Sender, message: &Message) -> SendError {
    let error = sender
        .send(message)
        .await
        .expect_err("a failing peer must not report delivery");
    assert!(error.is_temporary(), "{error} should be temporary");
    assert_eq!(error.provider(), sender.name());
    assert_no_secret(&error.to_string(), "the error");
    assert_no_secret(&format!("{error:?}"), "the error's Debug");
    error
}

/// An email to something that is not an address is rejected before it is sent
/// (`to` is [`sample_email_with_reply_to`]'s otherwise).
pub async fn rejects_an_invalid_recipient(sender: &dyn Sender) -> SendError {
    let Message::Email(email) = sample_email_with_reply_to() else {
        unreachable!("a sample email")
    };
    let bad = EmailMessage {
        to: "not an address".into(),
        ..email
    };
    let error = sender
        .send(&Message::Email(bad))
        .await
        .expect_err("an invalid recipient must not be sent");
    assert_eq!(error.kind(), crate::ErrorKind::Rejected, "{error}");
    error
}

/// A message for a channel the backend does not serve is refused, not sent.
pub async fn refuses_other_channel(sender: &dyn Sender) {
    let other = if sender.channels().contains(&Channel::Email) {
        sample_sms("+12025550123")
    } else {
        sample_email("a@example.com", "b@example.com")
    };
    if sender.channels().contains(&other.channel()) {
        return; // serves both channels
    }
    let error = sender
        .send(&other)
        .await
        .expect_err("wrong channel must fail");
    assert!(!error.is_temporary(), "{error}");
}
