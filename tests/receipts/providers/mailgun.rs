//! Mailgun's webhooks: one event, our `v:` variables in `user-variables`, the
//! HMAC over the signed timestamp and token.

use serde_json::{json, Value};

use super::{headers, signed_at, Provider, Signing};
use crate::harness::{function_url, now_secs, sign};

const MAILGUN_KEY: &str = "mailgun-webhook-signing-key-0123";

pub fn provider() -> Provider {
    let signed = |event: Value, signing: Signing| {
        let at = signed_at(signing);
        let token = format!(
            "{:x}",
            at.wrapping_mul(2_654_435_761) ^ event.to_string().len() as u64
        );
        let key = match signing {
            Signing::OtherKey => "another-signing-key",
            _ => MAILGUN_KEY,
        };
        let signature =
            sign(json!({"kind": "mailgun", "key": key, "timestamp": at, "token": token}));
        let mut body = json!({
            "signature": {"timestamp": at.to_string(), "token": token, "signature": signature["signature"]},
            "event-data": event,
        })
        .to_string();
        if signing == Signing::Forged {
            // The body is not signed; the signature is: change it.
            body = body.replacen("\"signature\":\"", "\"signature\":\"0", 1);
        }
        function_url(
            "/mg",
            "",
            &headers(json!({}), "application/json"),
            body.as_bytes(),
        )
    };
    let receipt = move |event_id: &str, status: &str, sent_at: u64, signing: Signing| {
        let (event, severity, reason) = match status {
            "delivered" => ("delivered", "", ""),
            "deferred" => ("failed", "temporary", "generic"),
            "bounced" => ("failed", "permanent", "bounce"),
            "blocked" => ("failed", "permanent", "suppress-bounce"),
            "complained" => ("complained", "", ""),
            _ => ("opened", "", ""),
        };
        signed(
            json!({
                "id": format!("mg-{status}-{}", &event_id[..16]),
                "event": event,
                "severity": severity,
                "reason": reason,
                "timestamp": now_secs() as f64 + 0.25,
                "recipient": "recipient@example.com",
                "user-variables": {"sb_event_id": event_id, "sb_sent_at": sent_at.to_string(), "trigger_source": "CustomEmailSender_SignUp"},
                "message": {"headers": {"message-id": "20261207.1.ABC@mg.acme.test"}},
                "delivery-status": {"code": if status == "delivered" { 250 } else { 550 }, "message": "OK"},
            }),
            signing,
        )
    };
    let section = format!("type=mailgun api_key=key-receipts-test domain=mg.acme.test webhook_signing_key={MAILGUN_KEY}");
    Provider::new("mg", "email", true, &section, receipt).refusing(
        move || signed(json!({"padding": "x".repeat(300_000)}), Signing::Right),
        || {
            function_url(
                "/mg",
                "",
                &headers(json!({}), "application/json"),
                b"{\"event-data\": {}}",
            )
        },
    )
}
