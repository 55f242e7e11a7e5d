//! Resend's webhooks (Svix, Standard Webhooks): our tags in `data.tags`.

use serde_json::{json, Value};

use super::{as_sent, chrono_now, json_request, padding, signed_at, Provider, Signing};
use crate::harness::sign;

const RESEND_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_RESEND_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

pub fn provider() -> Provider {
    let signed = |body: String, signing: Signing| {
        let at = signed_at(signing);
        let secret = match signing {
            Signing::OtherKey => OTHER_RESEND_SECRET,
            _ => RESEND_SECRET,
        };
        let id = format!("msg_{:x}", at ^ body.len() as u64);
        let headers = sign(
            json!({"kind": "resend", "secret": secret, "id": id, "timestamp": at, "body": body}),
        );
        json_request("/rs", headers, &as_sent(body, signing))
    };
    let receipt = move |event_id: &str, status: &str, sent_at: u64, signing: Signing| {
        let (kind, bounce) = match status {
            "delivered" => ("email.delivered", Value::Null),
            "deferred" => ("email.delivery_delayed", Value::Null),
            "bounced" => (
                "email.bounced",
                json!({"type": "Permanent", "subType": "General", "message": "550 5.1.1"}),
            ),
            "blocked" => (
                "email.bounced",
                json!({"type": "Permanent", "subType": "Suppressed", "message": "suppressed"}),
            ),
            "complained" => ("email.complained", Value::Null),
            _ => ("email.opened", Value::Null),
        };
        let mut data = json!({
            "email_id": "56761188-7520-42d8-8898-ff6fc54ce618",
            "from": "Acme <no-reply@acme.test>",
            "to": ["recipient@example.com"],
            "subject": "Your code",
            "created_at": "2026-12-07T10:00:00.000000+00:00",
            "tags": {"sb_event_id": event_id, "sb_sent_at": sent_at.to_string(), "trigger_source": "CustomEmailSender_SignUp"},
        });
        if !bounce.is_null() {
            data["bounce"] = bounce;
        }
        let created = chrono_now();
        signed(
            json!({"type": kind, "created_at": created, "data": data}).to_string(),
            signing,
        )
    };
    let section = format!("type=resend api_key=re_receipts_test webhook_secret={RESEND_SECRET}");
    Provider::new("rs", "email", true, &section, receipt).refusing(
        move || signed(padding(), Signing::Right),
        move || signed("not json".into(), Signing::Right),
    )
}
