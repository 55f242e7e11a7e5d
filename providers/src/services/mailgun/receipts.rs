//! Mailgun's webhooks: one JSON event per request, `{"signature": {timestamp,
//! token, signature}, "event-data": {…}}`, where `signature` is hex
//! HMAC-SHA256 (the webhook signing key) over the timestamp and the token.
//! Mailgun signs those two only, not the event: the signature is checked and
//! its time held to the window before anything else of the body is read, and
//! a token seen twice stores nothing (the receipts function records each).

use aws_lc_rs::{constant_time, hmac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::Channel;
use crate::receipt::{
    correlation_in, text_of, within_window, Read, Receipt, ReceiptError, ReceiptReader,
    ReceiptRequest, Status,
};

/// One Mailgun event with its headers is a few kilobytes.
const MAX_BODY: usize = 256 * 1024;

/// Reads a Mailgun provider's webhooks.
pub(super) struct MailgunReceipts {
    pub(super) signing_key: SecretString,
}

impl std::fmt::Debug for MailgunReceipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailgunReceipts")
    }
}

#[derive(Deserialize)]
struct Signed {
    signature: Signature,
    #[serde(rename = "event-data")]
    event: Value,
}

#[derive(Deserialize)]
struct Signature {
    timestamp: String,
    token: String,
    signature: String,
}

/// The hex signature of `timestamp` and `token` under `key`.
fn signature(key: &str, timestamp: &str, token: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    crate::text::hex(hmac::sign(&key, format!("{timestamp}{token}").as_bytes()).as_ref())
}

impl ReceiptReader for MailgunReceipts {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        let signed: Signed = serde_json::from_str(text_of(request.body)?).map_err(|_| {
            ReceiptError::Malformed("not a Mailgun webhook (`signature` and `event-data`)".into())
        })?;
        let Signature {
            timestamp,
            token,
            signature: given,
        } = &signed.signature;
        let expected = signature(self.signing_key.expose_secret(), timestamp, token);
        constant_time::verify_slices_are_equal(
            expected.as_bytes(),
            given.trim().to_ascii_lowercase().as_bytes(),
        )
        .map_err(|_| {
            ReceiptError::Unauthorized(
                "the signature does not match under the webhook signing key".into(),
            )
        })?;
        let signed_at: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| ReceiptError::Malformed("signature.timestamp is not a number".into()))?;
        within_window(signed_at, request.now_secs)?;
        Ok(vec![read_event(&signed.event, token, request.now_secs)])
    }
}

/// The event, known by the token it was signed with: Mailgun signs only the
/// token and its time, so a token seen before — with this event or any other
/// pasted under it — stores nothing.
fn read_event(event: &Value, token: &str, now_secs: u64) -> Read {
    let text = |value: &Value| match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let status = match (
        event["event"].as_str(),
        event["severity"].as_str(),
        event["reason"].as_str(),
    ) {
        (Some("delivered"), _, _) => Status::Delivered,
        (Some("failed"), Some("temporary"), _) => Status::Deferred,
        (Some("failed"), _, Some("bounce")) => Status::Bounced,
        (Some("failed"), _, Some(reason)) if reason.starts_with("suppress-") => Status::Blocked,
        (Some("failed"), _, _) => Status::Undelivered,
        (Some("rejected"), _, _) => Status::Failed,
        (Some("complained"), _, _) => Status::Complained,
        _ => return Read::Ignored,
    };
    let variables = &event["user-variables"];
    let Some((event_id, sent_at_ms, trigger_source)) =
        correlation_in(|key| text(&variables[key]))
    else {
        return Read::NotOurs;
    };
    let at_ms = event["timestamp"]
        .as_f64()
        .filter(|secs| *secs > 0.0)
        .map_or(now_secs * 1000, |secs| (secs * 1000.0) as u64);
    let message_id = event["message"]["headers"]["message-id"]
        .as_str()
        .map(|id| id.trim_matches(['<', '>']).to_string());
    Read::Receipt(Receipt {
        event_id,
        sent_at_ms,
        trigger_source,
        status,
        at_ms,
        reason: text(&event["delivery-status"]["code"]).or_else(|| text(&event["reason"])),
        receipt_id: format!("token:{token}"),
        destination: None,
        recipient: text(&event["recipient"]),
        message_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example Mailgun's documentation verifies.
    #[test]
    fn the_signature_is_mailguns() {
        assert_eq!(
            signature(
                "key-test",
                "1534108637",
                "651869375b9df3c98fc15c4889b102119add1235c38fc92824"
            ),
            "7554b372d6cc548ad0aa3c9a84a58db76611c083b69a71a96a9d7fcebedc9c3d"
        );
    }
}
