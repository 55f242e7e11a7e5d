//! Postmark's webhooks: unsigned records behind Basic credentials and a
//! custom header; our metadata in `Metadata`.

use serde_json::json;

use super::{chrono_now, padding, Provider, Signing};
use crate::harness::function_url;

const POSTMARK_USER: &str = "switchboard";
const POSTMARK_PASSWORD: &str = "postmark-webhook-password-0123";
const POSTMARK_TOKEN: &str = "postmark-webhook-token-0123";

pub fn provider() -> Provider {
    let authorised = |body: String, signing: Signing| {
        use base64::Engine;
        let password = match signing {
            Signing::OtherKey => "a-guessed-password",
            _ => POSTMARK_PASSWORD,
        };
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{POSTMARK_USER}:{password}"));
        let headers = json!({
            "authorization": format!("Basic {basic}"),
            "x-switchboard-webhook-token": if signing == Signing::Forged { "a-forged-token" } else { POSTMARK_TOKEN },
        });
        function_url(
            "/pm",
            "",
            &super::headers(headers, "application/json"),
            body.as_bytes(),
        )
    };
    let receipt = move |event_id: &str, status: &str, sent_at: u64, signing: Signing| {
        let metadata = json!({"sb_event_id": event_id, "sb_sent_at": sent_at.to_string(), "trigger_source": "CustomEmailSender_SignUp"});
        let record = match status {
            "delivered" => {
                json!({"RecordType": "Delivery", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Recipient": "recipient@example.com", "DeliveredAt": chrono_now(), "Details": "smtp;250 2.0.0 OK", "Metadata": metadata})
            }
            "bounced" | "deferred" | "blocked" => {
                json!({"RecordType": "Bounce", "ID": record_id(event_id, status), "Type": match status { "bounced" => "HardBounce", "deferred" => "SoftBounce", _ => "Blocked" }, "TypeCode": 1, "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Email": "recipient@example.com", "BouncedAt": chrono_now(), "Metadata": metadata})
            }
            "complained" => {
                json!({"RecordType": "SpamComplaint", "ID": record_id(event_id, status), "Type": "SpamComplaint", "TypeCode": 100001, "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "Email": "recipient@example.com", "BouncedAt": chrono_now(), "Metadata": metadata})
            }
            _ => json!({"RecordType": "Open", "MessageID": "883953f4", "Metadata": metadata}),
        };
        authorised(record.to_string(), signing)
    };
    let section = format!("type=postmark api_key=postmark-receipts-test webhook_username={POSTMARK_USER} webhook_password={POSTMARK_PASSWORD} webhook_token={POSTMARK_TOKEN}");
    Provider::new("pm", "email", false, &section, receipt).refusing(
        move || authorised(padding(), Signing::Right),
        move || authorised("not json".into(), Signing::Right),
    )
}

/// Postmark's id of one bounce record: one per event and status, as Postmark's are.
fn record_id(event_id: &str, status: &str) -> u64 {
    let event = event_id.bytes().fold(0u64, |sum, b| {
        sum.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let status = status.bytes().fold(0u64, |sum, b| {
        sum.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    (event ^ status.rotate_left(17)) % 1_000_000_000
}
