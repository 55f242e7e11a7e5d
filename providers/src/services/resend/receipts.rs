//! Resend's webhooks, delivered by Svix under the Standard Webhooks scheme:
//! `svix-id`, `svix-timestamp` and `svix-signature` (or their `webhook-*`
//! names), the signature a space-separated list of `v1,<base64 HMAC-SHA256>`
//! over `{id}.{timestamp}.{body}` with the base64 key after `whsec_`. The tags
//! a message carried come back as `data.tags`, an object of name to value.

use aws_lc_rs::{constant_time, hmac};
use base64::Engine;
use serde_json::Value;

use crate::Channel;
use crate::receipt::{
    rfc3339_ms,
    correlation_in, text_of, within_window, Read, Receipt, ReceiptError, ReceiptReader,
    ReceiptRequest, Status,
};

/// One Resend event is a few kilobytes.
const MAX_BODY: usize = 256 * 1024;

/// Reads a Resend provider's webhooks.
pub(super) struct ResendReceipts {
    key: hmac::Key,
}

impl std::fmt::Debug for ResendReceipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResendReceipts")
    }
}

impl ResendReceipts {
    /// The reader for the signing secret Resend shows (`whsec_…`), or why it is none.
    pub(super) fn new(secret: &str) -> Result<ResendReceipts, String> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix("whsec_").unwrap_or(encoded);
        // Padded or not, as libraries write them.
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let key = lenient
            .decode(encoded)
            .map_err(|_| "is not a signing secret (`whsec_` and base64, as Resend shows it)".to_string())?;
        Ok(ResendReceipts {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
        })
    }

    fn signature(&self, id: &str, timestamp: &str, body: &[u8]) -> String {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(id.as_bytes());
        context.update(b".");
        context.update(timestamp.as_bytes());
        context.update(b".");
        context.update(body);
        base64::engine::general_purpose::STANDARD.encode(context.sign())
    }
}

impl ReceiptReader for ResendReceipts {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        let header = |name: &str| {
            request
                .header(&format!("svix-{name}"))
                .or_else(|| request.header(&format!("webhook-{name}")))
                .ok_or_else(|| ReceiptError::Unauthorized(format!("no svix-{name} header")))
        };
        let (id, timestamp) = (header("id")?, header("timestamp")?);
        let expected = self.signature(id, timestamp, request.body);
        let matches = header("signature")?
            .split_whitespace()
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .any(|(_, given)| {
                constant_time::verify_slices_are_equal(expected.as_bytes(), given.as_bytes())
                    .is_ok()
            });
        if !matches {
            return Err(ReceiptError::Unauthorized(
                "no v1 signature matches under the signing secret".into(),
            ));
        }
        let signed_at: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| ReceiptError::Malformed("svix-timestamp is not a number".into()))?;
        within_window(signed_at, request.now_secs)?;
        let event: Value = serde_json::from_str(text_of(request.body)?)
            .map_err(|_| ReceiptError::Malformed("not a JSON event".into()))?;
        Ok(vec![read_event(&event, id, request.now_secs)])
    }
}

fn read_event(event: &Value, id: &str, now_secs: u64) -> Read {
    let data = &event["data"];
    let bounce = &data["bounce"];
    let status = match event["type"].as_str() {
        Some("email.delivered") => Status::Delivered,
        Some("email.delivery_delayed") => Status::Deferred,
        Some("email.bounced")
            if matches!(
                bounce["subType"].as_str(),
                Some("Suppressed" | "OnAccountSuppressionList")
            ) =>
        {
            Status::Blocked
        }
        Some("email.bounced") if bounce["type"].as_str() == Some("Transient") => {
            Status::Undelivered
        }
        Some("email.bounced") => Status::Bounced,
        Some("email.suppressed") => Status::Blocked,
        Some("email.failed") => Status::Failed,
        Some("email.complained") => Status::Complained,
        _ => return Read::Ignored,
    };
    let Some((event_id, sent_at_ms, trigger_source)) = correlation_in(|key| tag(&data["tags"], key))
    else {
        return Read::NotOurs;
    };
    let at_ms = rfc3339_ms(&event["created_at"]).unwrap_or(now_secs * 1000);
    let reason = match (bounce["type"].as_str(), bounce["subType"].as_str()) {
        (Some(kind), Some(sub)) => Some(format!("{kind}/{sub}")),
        _ => data["failed"]["reason"].as_str().map(str::to_string),
    };
    Read::Receipt(Receipt {
        event_id,
        sent_at_ms,
        trigger_source,
        status,
        at_ms,
        reason,
        receipt_id: id.to_string(),
        destination: None,
        recipient: data["to"]
            .as_array()
            .and_then(|to| to.first())
            .or(Some(&data["to"]))
            .and_then(Value::as_str)
            .map(str::to_string),
        message_id: data["email_id"].as_str().map(str::to_string),
    })
}

/// A tag's value: `data.tags` is an object of name to value in Resend's
/// webhooks, and a list of `{name, value}` as the send request has it.
fn tag(tags: &Value, name: &str) -> Option<String> {
    match tags {
        Value::Object(map) => map.get(name)?.as_str().map(str::to_string),
        Value::Array(list) => list
            .iter()
            .find(|t| t["name"] == name)?["value"]
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference library's own example.
    #[test]
    fn the_signature_is_standard_webhooks() {
        let reader = ResendReceipts::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            reader.signature(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                "1649367553",
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }
}
