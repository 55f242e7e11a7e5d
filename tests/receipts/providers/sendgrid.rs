//! SendGrid's Signed Event Webhook: a batch of events, our custom args as
//! top-level fields, signed with ECDSA P-256 over the timestamp and the body.

use serde_json::json;

use super::{as_sent, json_request, signed_at, Provider, Signing};
use crate::harness::{now_secs, sign};

pub fn provider() -> Provider {
    let keys = sign(json!({"kind": "sendgrid-key"}));
    let other = sign(json!({"kind": "sendgrid-key"}));
    let public_key = keys["public_key"].as_str().unwrap().to_string();
    let (private, other_private) = (
        keys["private_key_pem"].as_str().unwrap().to_string(),
        other["private_key_pem"].as_str().unwrap().to_string(),
    );
    let signed = move |body: String, signing: Signing| {
        let key = match signing {
            Signing::OtherKey => &other_private,
            _ => &private,
        };
        let at = signed_at(signing);
        let headers = sign(
            json!({"kind": "sendgrid", "private_key_pem": key, "timestamp": at, "body": body}),
        );
        json_request("/sg", headers, &as_sent(body, signing))
    };
    let receipt = {
        let signed = signed.clone();
        move |event_id: &str, status: &str, sent_at: u64, signing: Signing| {
            let (event, kind) = match status {
                "delivered" => ("delivered", ""),
                "deferred" => ("deferred", ""),
                "bounced" => ("bounce", "bounce"),
                "blocked" => ("bounce", "blocked"),
                "complained" => ("spamreport", ""),
                _ => ("processed", ""),
            };
            let mut item = json!({
                "email": "recipient@example.com",
                "timestamp": now_secs(),
                "event": event,
                "sg_event_id": format!("sg-{status}-{}", &event_id[..16]),
                "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
                "sb_event_id": event_id,
                "sb_sent_at": sent_at.to_string(),
                "trigger_source": "CustomEmailSender_SignUp",
            });
            if !kind.is_empty() {
                item["type"] = json!(kind);
                item["status"] = json!("5.1.1");
                item["reason"] = json!("550 5.1.1 unknown recipient");
            }
            // A batch, as SendGrid sends: an open of another account's message beside ours.
            let other = json!({"email": "someone@example.org", "timestamp": now_secs(), "event": "open", "sg_event_id": "sg-open-other"});
            signed(json!([item, other]).to_string(), signing)
        }
    };
    let (over, bad) = (signed.clone(), signed);
    let section =
        format!("type=sendgrid api_key=SG.receipts-test webhook_verification_key={public_key}");
    Provider::new("sg", "email", true, &section, receipt).refusing(
        move || over(format!("[{}]", "{},".repeat(800_000)), Signing::Right),
        move || bad("{\"not\": \"an array\"}".into(), Signing::Right),
    )
}
