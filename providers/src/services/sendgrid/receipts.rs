//! SendGrid's Signed Event Webhook: a JSON array of events, signed with ECDSA
//! P-256 over the `X-Twilio-Email-Event-Webhook-Timestamp` header followed by
//! the raw body; the signature header is base64 DER, the verification key the
//! base64 DER public key SendGrid shows. The custom args a message carried come
//! back as top-level fields of each of its events.

use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_ASN1};
use base64::Engine;
use serde_json::Value;

use crate::Channel;
use crate::receipt::{
    correlation_in, text_of, within_window, Read, Receipt, ReceiptError, ReceiptReader,
    ReceiptRequest, Status,
};

/// SendGrid batches up to about a thousand events per request.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Drops of an address SendGrid suppresses: it never tried to send.
const SUPPRESSED: [&str; 3] = [
    "Bounced Address",
    "Unsubscribed Address",
    "Spam Reporting Address",
];

/// Reads a SendGrid provider's signed event webhook.
pub(super) struct SendGridReceipts {
    /// The verification key.
    key: ParsedPublicKey,
}

impl std::fmt::Debug for SendGridReceipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SendGridReceipts")
    }
}

impl SendGridReceipts {
    /// The reader for the verification key as SendGrid shows it (base64 DER),
    /// or why it is no key.
    pub(super) fn new(verification_key: &str) -> Result<SendGridReceipts, String> {
        let public_key = base64::engine::general_purpose::STANDARD
            .decode(verification_key.trim())
            .map_err(|_| "is not base64 (copy the Verification Key SendGrid shows)".to_string())?;
        let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &public_key)
            .map_err(|_| "is not an ECDSA P-256 public key".to_string())?;
        Ok(SendGridReceipts { key })
    }
}

impl ReceiptReader for SendGridReceipts {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        let header = |name: &str| {
            request
                .header(name)
                .ok_or_else(|| ReceiptError::Unauthorized(format!("no {name} header")))
        };
        let timestamp = header("x-twilio-email-event-webhook-timestamp")?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(header("x-twilio-email-event-webhook-signature")?.trim())
            .map_err(|_| ReceiptError::Unauthorized("the signature is not base64".into()))?;
        let mut signed = timestamp.as_bytes().to_vec();
        signed.extend_from_slice(request.body);
        self.key
            .verify_sig(&signed, &signature)
            .map_err(|_| {
                ReceiptError::Unauthorized(
                    "the signature does not verify under the verification key".into(),
                )
            })?;
        let signed_at: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| ReceiptError::Malformed("the timestamp is not a number".into()))?;
        within_window(signed_at, request.now_secs)?;
        let events: Vec<Value> = serde_json::from_str(text_of(request.body)?)
            .map_err(|_| ReceiptError::Malformed("not a JSON array of events".into()))?;
        Ok(events
            .iter()
            .map(|event| read_event(event, request.now_secs))
            .collect())
    }
}

fn read_event(event: &Value, now_secs: u64) -> Read {
    let text = |key: &str| event[key].as_str().map(str::to_string);
    let status = match (event["event"].as_str(), event["type"].as_str()) {
        (Some("delivered"), _) => Status::Delivered,
        (Some("deferred"), _) => Status::Deferred,
        (Some("bounce"), Some("blocked")) => Status::Blocked,
        (Some("bounce"), _) => Status::Bounced,
        (Some("dropped"), _)
            if event["reason"]
                .as_str()
                .is_some_and(|r| SUPPRESSED.contains(&r)) =>
        {
            Status::Blocked
        }
        (Some("dropped"), _) => Status::Failed,
        (Some("spamreport"), _) => Status::Complained,
        _ => return Read::Ignored,
    };
    let Some((event_id, sent_at_ms, trigger_source)) = correlation_in(text) else {
        return Read::NotOurs;
    };
    let at_ms = event["timestamp"]
        .as_u64()
        .map_or(now_secs * 1000, |secs| secs.saturating_mul(1000));
    Read::Receipt(Receipt {
        event_id,
        sent_at_ms,
        trigger_source,
        status,
        at_ms,
        reason: text("status").or_else(|| event["attempt"].as_str().map(|a| format!("attempt {a}"))),
        receipt_id: text("sg_event_id").unwrap_or_else(|| format!("{at_ms}:{status}")),
        destination: None,
        recipient: text("email"),
        message_id: text("sg_message_id"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// sendgrid-python's own test vector (test/unit/test_eventwebhook.py).
    #[test]
    fn sendgrids_own_example_verifies_and_a_changed_byte_does_not() {
        let reader = SendGridReceipts::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==").unwrap();
        let body = "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";
        let headers: BTreeMap<String, String> = [
            ("x-twilio-email-event-webhook-timestamp", "1600112502"),
            ("x-twilio-email-event-webhook-signature", "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let request = |body: &'static str| ReceiptRequest {
            url: "https://receipts.example.test/sg",
            headers: &headers,
            body: body.as_bytes(),
            now_secs: 1_600_112_510,
            now_ms: 1_600_112_510_000,
        };
        assert_eq!(reader.read(&request(body)), Ok(vec![Read::NotOurs]));
        let changed = body.replace("hello@", "hellO@");
        let changed: &'static str = Box::leak(changed.into_boxed_str());
        assert!(matches!(
            reader.read(&request(changed)),
            Err(ReceiptError::Unauthorized(_))
        ));
        assert!(SendGridReceipts::new("not a key").is_err());
    }
}
