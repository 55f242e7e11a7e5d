//! The CustomMessage trigger: Cognito delivers, with our templates.
//!
//! Attached as the pool's CustomMessage trigger, the same function answers
//! `CustomMessage_*` events (synchronously) with `response.emailSubject`,
//! `response.emailMessage` and `response.smsMessage` rendered from the same
//! templates as the custom senders, with Cognito's placeholders
//! (`request.codeParameter`, and `usernameParameter` for AdminCreateUser) where
//! the code and username go. Teams can move between "Cognito delivers" and "we
//! deliver through our ESP" without rewriting templates.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::event::{EmailTrigger, SmsTrigger, TriggerSource};

/// The trigger source prefix of CustomMessage events.
pub const PREFIX: &str = "CustomMessage_";
/// Cognito's documented limit for `emailMessage`, in characters.
pub const EMAIL_MAX_CHARS: usize = 20_000;
/// Cognito's documented limit for `smsMessage`, in characters.
pub const SMS_MAX_CHARS: usize = 140;

/// The parts of a CustomMessage event we read; the rest is returned untouched.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomMessageEvent {
    /// `CustomMessage_SignUp`, …
    pub trigger_source: String,
    /// The user pool.
    pub user_pool_id: String,
    /// The Cognito username.
    pub user_name: String,
    /// Who called Cognito.
    #[serde(default)]
    pub caller_context: Option<crate::event::CallerContext>,
    /// The request.
    pub request: CustomMessageRequest,
}

/// `request` of a CustomMessage event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomMessageRequest {
    /// The user's attributes.
    #[serde(default)]
    pub user_attributes: Option<HashMap<String, String>>,
    /// Where Cognito puts the code, e.g. `{####}`.
    pub code_parameter: String,
    /// Where Cognito puts the username (AdminCreateUser).
    #[serde(default)]
    pub username_parameter: Option<String>,
    /// Metadata the app passed.
    #[serde(default)]
    pub client_metadata: Option<HashMap<String, String>>,
}

/// The custom sender sources whose routes (and so templates) a CustomMessage
/// source shares: `CustomMessage_SignUp` → `CustomEmailSender_SignUp` and
/// `CustomSMSSender_SignUp`.
pub fn sender_sources(trigger_source: &str) -> (TriggerSource, TriggerSource) {
    let suffix = trigger_source
        .strip_prefix(PREFIX)
        .unwrap_or(trigger_source);
    let email = format!("CustomEmailSender_{suffix}")
        .parse()
        .unwrap_or_else(|never| match never {});
    let sms = match suffix {
        // There is no CustomSMSSender_AccountTakeOverNotification; reuse the email name.
        "AccountTakeOverNotification" => {
            TriggerSource::Email(EmailTrigger::AccountTakeOverNotification)
        }
        _ => format!("CustomSMSSender_{suffix}")
            .parse()
            .unwrap_or(TriggerSource::Sms(SmsTrigger::SignUp)),
    };
    (email, sms)
}

/// Whether the username placeholder must appear (AdminCreateUser invitations).
pub fn needs_username(trigger_source: &str) -> bool {
    trigger_source == "CustomMessage_AdminCreateUser"
}

/// Writes the rendered messages into `event["response"]`, keeping everything else.
pub fn respond(
    mut event: Value,
    email_subject: String,
    email_message: String,
    sms_message: String,
) -> Value {
    if !event.get("response").is_some_and(Value::is_object) {
        event["response"] = Value::Object(Default::default());
    }
    event["response"]["emailSubject"] = Value::String(email_subject);
    event["response"]["emailMessage"] = Value::String(email_message);
    event["response"]["smsMessage"] = Value::String(sms_message);
    event
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_message_sources_share_the_sender_routes() {
        let (email, sms) = sender_sources("CustomMessage_ForgotPassword");
        assert_eq!(email.to_string(), "CustomEmailSender_ForgotPassword");
        assert_eq!(sms.to_string(), "CustomSMSSender_ForgotPassword");
        let (email, _) = sender_sources("CustomMessage_SomethingNew");
        assert_eq!(email.template(), crate::event::FALLBACK_TEMPLATE);
    }

    #[test]
    fn respond_keeps_the_rest_of_the_event() {
        let event = serde_json::json!({"triggerSource": "CustomMessage_SignUp", "request": {"x": 1}, "response": {"smsMessage": null}});
        let out = respond(event, "s".into(), "e".into(), "m".into());
        assert_eq!(out["request"]["x"], 1);
        assert_eq!(
            out["response"],
            serde_json::json!({"emailSubject": "s", "emailMessage": "e", "smsMessage": "m"})
        );
    }
}
