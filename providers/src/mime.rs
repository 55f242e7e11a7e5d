//! Builds RFC 5322 messages with lettre's builder, shared by every backend that
//! speaks MIME (the outbox today, SMTP next). Header values go through lettre's
//! typed headers, so a CR/LF in a subject or display name is encoded, never injected.

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Address;

use crate::{EmailMessage, ErrorKind, SendError};

const TRIGGER_HEADER: &str = "X-Switchboard-Trigger";

/// Parses a recipient: a bare address only, so a value like `"x" <a@b>, c@d` cannot
/// smuggle in a second recipient or a display name.
pub(crate) fn recipient(value: &str) -> Result<Address, SendError> {
    value.trim().parse().map_err(|e| {
        SendError::backend(
            ErrorKind::Rejected,
            format!("recipient is not a valid email address ({e})"),
        )
    })
}

/// Parses a configured mailbox (`Name <address>` or `address`).
pub(crate) fn mailbox(what: &str, value: &str) -> Result<Mailbox, SendError> {
    value.parse().map_err(|e| {
        SendError::backend(
            ErrorKind::Config,
            format!("{what} `{value}` is not a valid mailbox ({e}); expected `Name <address@domain>` or `address@domain`"),
        )
    })
}

/// Whether `value` is a mailbox a provider accepts as a sender or reply-to
/// (`Name <address@domain>` or `address@domain`); the problem if not.
pub fn check_mailbox(value: &str) -> Result<(), String> {
    value.parse::<Mailbox>().map(|_| ()).map_err(|e| {
        format!("not a valid mailbox ({e}); expected `Name <address@domain>` or `address@domain`")
    })
}

/// The RFC 5322 bytes the SMTP and outbox backends produce for `email`.
pub fn to_rfc5322(email: &EmailMessage) -> Result<Vec<u8>, SendError> {
    Ok(build(email)?.formatted())
}

/// Builds a `multipart/alternative` (text, then HTML) message with `Date` and `Message-ID`.
pub(crate) fn build(email: &EmailMessage) -> Result<lettre::Message, SendError> {
    let to = recipient(&email.to)?;
    let from = mailbox("sender", &email.from)?;
    let mut builder = lettre::Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(email.subject.as_str())
        .date_now()
        .message_id(None)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(TRIGGER_HEADER),
            header_token(&email.context.trigger_source),
        ));
    if let Some(reply_to) = &email.reply_to {
        builder = builder.reply_to(mailbox("reply-to", reply_to)?);
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| {
            SendError::backend(
                ErrorKind::Rejected,
                format!("cannot build the message: {e}"),
            )
        })
}

/// Keeps a value safe for a custom header: trigger sources are `[A-Za-z_]` anyway.
fn header_token(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageContext;

    fn email(to: &str, subject: &str) -> EmailMessage {
        EmailMessage {
            to: to.into(),
            from: "Acme Support <no-reply@acme.test>".into(),
            reply_to: Some("help@acme.test".into()),
            subject: subject.into(),
            html: "<p>Your code is <b>123456</b></p>".into(),
            text: "Your code is 123456".into(),
            esp_template: None,
            context: MessageContext {
                trigger_source: "CustomEmailSender_SignUp\r\nBcc: evil@x.test".into(),
                user_pool_id: "us-east-1_abc".into(),
                event_id: None,
                deadline: None,
            },
        }
    }

    #[test]
    fn builds_multipart_alternative_with_required_headers() {
        let raw = String::from_utf8(
            build(&email("jane@example.com", "Welcome"))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8"),
            "{raw}"
        );
        assert!(
            raw.contains("Content-Type: text/html; charset=utf-8"),
            "{raw}"
        );
        assert!(raw.contains("\r\nMessage-ID: <"), "{raw}");
        assert!(raw.contains("\r\nDate: "), "{raw}");
        assert!(raw.contains("\r\nReply-To: help@acme.test"), "{raw}");
        assert!(
            raw.contains("\r\nX-Switchboard-Trigger: CustomEmailSender_SignUpBccevilxtest\r\n"),
            "{raw}"
        );
    }

    #[test]
    fn crlf_in_subject_cannot_inject_a_header() {
        let raw = String::from_utf8(
            build(&email("jane@example.com", "Hi\r\nBcc: victim@evil.test"))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }

    #[test]
    fn recipient_with_display_name_trick_is_rejected() {
        let err = build(&email("\"x\" <a@b.test>, c@d.test", "Hi")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Rejected);
    }

    #[test]
    fn utf8_subject_is_encoded() {
        let raw = String::from_utf8(
            build(&email("jane@example.com", "Bestätigungscode"))
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("Subject: =?utf-8?"), "{raw}");
    }
}
