//! Postmark's webhooks: one JSON record per request (`Delivery`, `Bounce`,
//! `SpamComplaint`, …). Postmark signs nothing; the webhook URL carries Basic
//! credentials (`https://user:password@…`) and the webhook a custom header
//! (`X-Switchboard-Webhook-Token`), both compared in constant time. Without a
//! signed time, a replay is recognised by the record's id, which the receipts
//! function records.

use aws_lc_rs::constant_time;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::Channel;
use crate::receipt::{
    rfc3339_ms,
    correlation_in, text_of, Read, Receipt, ReceiptError, ReceiptReader, ReceiptRequest, Status,
};

/// The header that carries `webhook_token`.
pub const TOKEN_HEADER: &str = "x-switchboard-webhook-token";

/// One Postmark record is a few kilobytes.
const MAX_BODY: usize = 256 * 1024;

/// Reads a Postmark provider's webhooks.
pub(super) struct PostmarkReceipts {
    pub(super) username: String,
    pub(super) password: SecretString,
    pub(super) token: SecretString,
}

impl std::fmt::Debug for PostmarkReceipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostmarkReceipts")
    }
}

fn same(a: &str, b: &str) -> bool {
    constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

impl PostmarkReceipts {
    fn authorised(&self, request: &ReceiptRequest<'_>) -> Result<(), ReceiptError> {
        let basic = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded.trim())
                    .ok()
            })
            .and_then(|decoded| String::from_utf8(decoded).ok())
            .ok_or_else(|| ReceiptError::Unauthorized("no Basic credentials".into()))?;
        let (username, password) = basic.split_once(':').unwrap_or((&basic, ""));
        let credentials = same(username, &self.username)
            & same(password, self.password.expose_secret());
        let token = request
            .header(TOKEN_HEADER)
            .is_some_and(|token| same(token.trim(), self.token.expose_secret()));
        match credentials && token {
            true => Ok(()),
            false => Err(ReceiptError::Unauthorized(
                "the Basic credentials or the webhook token do not match".into(),
            )),
        }
    }
}

impl ReceiptReader for PostmarkReceipts {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn max_body(&self) -> usize {
        MAX_BODY
    }

    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        self.authorised(request)?;
        let record: Value = serde_json::from_str(text_of(request.body)?)
            .map_err(|_| ReceiptError::Malformed("not a JSON record".into()))?;
        Ok(vec![read_record(&record, request.now_secs)])
    }
}

fn read_record(record: &Value, now_secs: u64) -> Read {
    let kind = record["Type"].as_str().unwrap_or_default();
    let (status, time) = match record["RecordType"].as_str() {
        Some("Delivery") => (Status::Delivered, "DeliveredAt"),
        Some("SpamComplaint") => (Status::Complained, "BouncedAt"),
        Some("Bounce") => match kind {
            "HardBounce" | "BadEmailAddress" => (Status::Bounced, "BouncedAt"),
            "SoftBounce" | "Transient" | "DnsError" => (Status::Deferred, "BouncedAt"),
            "Blocked" | "DMARCPolicy" | "ManuallyDeactivated" | "SpamNotification"
            | "VirusNotification" | "Unconfirmed" => (Status::Blocked, "BouncedAt"),
            "SMTPApiError" | "TemplateRenderingFailed" => (Status::Failed, "BouncedAt"),
            "SpamComplaint" => (Status::Complained, "BouncedAt"),
            _ => return Read::Ignored,
        },
        _ => return Read::Ignored,
    };
    let metadata = &record["Metadata"];
    let Some((event_id, sent_at_ms, trigger_source)) = correlation_in(|key| match &metadata[key] {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }) else {
        return Read::NotOurs;
    };
    let at_ms = rfc3339_ms(&record[time]).unwrap_or(now_secs * 1000);
    let message_id = record["MessageID"].as_str().map(str::to_string);
    let receipt_id = match &record["ID"] {
        Value::Number(id) => format!("bounce:{id}"),
        _ => format!(
            "{}:{}",
            record["RecordType"].as_str().unwrap_or_default(),
            message_id.as_deref().unwrap_or_default()
        ),
    };
    Read::Receipt(Receipt {
        event_id,
        sent_at_ms,
        trigger_source,
        status,
        at_ms,
        reason: (!kind.is_empty()).then(|| kind.to_string()),
        receipt_id,
        destination: None,
        recipient: ["Recipient", "Email"]
            .iter()
            .find_map(|key| record[*key].as_str().filter(|text| !text.is_empty()))
            .map(str::to_string),
        message_id,
    })
}
