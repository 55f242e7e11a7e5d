//! Twilio's status callbacks: a form signed with X-Twilio-Signature over the
//! callback URL (our correlation in its query) and the fields.

use serde_json::json;

use super::{forge, headers, Provider, Signing};
use crate::harness::{function_url, sign, RECEIPTS_URL};

const TWILIO_TOKEN: &str = "twilio-receipts-auth-token-0123";

pub fn provider() -> Provider {
    let receipt = |event_id: &str, status: &str, sent_at: u64, signing: Signing| {
        let (twilio_status, error) = match status {
            "delivered" => ("delivered", ""),
            "undelivered" => ("undelivered", "30003"),
            "blocked" => ("undelivered", "30007"),
            "failed" => ("failed", "30008"),
            _ => ("sent", ""),
        };
        let query = format!(
            "sb_event_id={event_id}&sb_sent_at={sent_at}&trigger_source=CustomSMSSender_SignUp"
        );
        let url = format!("{RECEIPTS_URL}/tw?{query}");
        let mut params = json!({
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "ApiVersion": "2010-04-01",
            "From": "+15005550006",
            "To": "+12025550177",
            "MessageSid": format!("SM{}", &event_id[..32]),
            "MessageStatus": twilio_status,
            "SmsStatus": twilio_status,
        });
        if !error.is_empty() {
            params["ErrorCode"] = json!(error);
        }
        let token = match signing {
            Signing::OtherKey => "another-accounts-auth-token",
            _ => TWILIO_TOKEN,
        };
        let signature =
            sign(json!({"kind": "twilio", "auth_token": token, "url": url, "params": params}));
        let mut body: String = crate::harness::form_body(&params);
        if signing == Signing::Forged {
            body = forge(&body);
        }
        function_url(
            "/tw",
            &query,
            &headers(signature, "application/x-www-form-urlencoded"),
            body.as_bytes(),
        )
    };
    let section = format!("type=twilio account_sid=AC0123456789abcdef0123456789abcdef auth_token={TWILIO_TOKEN} from=+15005550006");
    Provider::new("tw", "sms", false, &section, receipt).refusing(
        || {
            let body = format!(
                "MessageSid=SM1&MessageStatus=delivered&Body={}",
                "x".repeat(20_000)
            );
            function_url(
                "/tw",
                "",
                &headers(
                    json!({"x-twilio-signature": "x"}),
                    "application/x-www-form-urlencoded",
                ),
                body.as_bytes(),
            )
        },
        || {
            let url = format!("{RECEIPTS_URL}/tw");
            let params = json!({"Unexpected": "form"});
            let signature = sign(
                json!({"kind": "twilio", "auth_token": TWILIO_TOKEN, "url": url, "params": params}),
            );
            function_url(
                "/tw",
                "",
                &headers(signature, "application/x-www-form-urlencoded"),
                b"Unexpected=form",
            )
        },
    )
}
