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
use switchboard_providers::Channel;

use super::attributes;
use super::compose::{user_locale, Composer};
use super::outcome::HandleError;
use crate::cognito::event::{CallerContext, EmailTrigger, EventError, TriggerSource};
use crate::config::EmailVerification;
use crate::render::TemplateVars;
use crate::route::RouteTable;

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
    pub caller_context: Option<CallerContext>,
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
    /// Where Cognito puts the confirmation link when the pool confirms by link,
    /// e.g. `{##Click Here##}`.
    #[serde(default)]
    pub link_parameter: Option<String>,
    /// Metadata the app passed.
    #[serde(default)]
    pub client_metadata: Option<HashMap<String, String>>,
}

/// The custom sender sources whose routes (and so templates) a CustomMessage
/// source shares: `CustomMessage_SignUp` → `CustomEmailSender_SignUp` and
/// `CustomSMSSender_SignUp`. A source this version does not know gets the
/// unknown custom sender sources, which take their channel's default route.
pub fn sender_sources(trigger_source: &str) -> (TriggerSource, TriggerSource) {
    let suffix = trigger_source
        .strip_prefix(PREFIX)
        .unwrap_or(trigger_source);
    let email = TriggerSource::parse(&format!("CustomEmailSender_{suffix}"));
    let sms = match suffix {
        // There is no CustomSMSSender_AccountTakeOverNotification; reuse the email name.
        "AccountTakeOverNotification" => {
            TriggerSource::Email(EmailTrigger::AccountTakeOverNotification)
        }
        _ => TriggerSource::parse(&format!("CustomSMSSender_{suffix}")),
    };
    (email, sms)
}

/// Whether the username placeholder must appear (AdminCreateUser invitations).
pub fn needs_username(trigger_source: &str) -> bool {
    trigger_source == "CustomMessage_AdminCreateUser"
}

/// Whether the mail confirms a sign-up, and so carries the link when the pool
/// confirms by link. Cognito's link (its hosted `/confirmUser`) confirms a
/// sign-up only; attribute verification always takes the code
/// (`VerifyUserAttribute` has no link form), so its mail keeps the code alone.
pub fn carries_link(trigger_source: &str, verification: EmailVerification) -> bool {
    verification == EmailVerification::Link
        && matches!(
            trigger_source,
            "CustomMessage_SignUp" | "CustomMessage_ResendCode"
        )
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

/// Renders a CustomMessage event's response from the same templates, with
/// Cognito's placeholders where the code and username go.
pub fn answer(
    routes: &RouteTable,
    composer: &Composer,
    verification: EmailVerification,
    payload: Value,
) -> Result<Value, HandleError> {
    let event: CustomMessageEvent =
        serde_path_to_error::deserialize(&payload).map_err(|e| EventError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    let trigger = event.trigger_source.clone();
    let (email_source, sms_source) = sender_sources(&trigger);
    let email_route = routes.get(&email_source, Channel::Email);
    let sms_route = routes.get(&sms_source, Channel::Sms);
    let empty = HashMap::new();
    let attributes = event.request.user_attributes.as_ref().unwrap_or(&empty);
    let metadata = event.request.client_metadata.as_ref().unwrap_or(&empty);
    let client = event
        .caller_context
        .as_ref()
        .and_then(|c| c.client_id.as_deref());
    let username_placeholder = event
        .request
        .username_parameter
        .as_deref()
        .filter(|_| needs_username(&trigger));
    let link_placeholder = event
        .request
        .link_parameter
        .as_deref()
        .filter(|link| !link.is_empty() && carries_link(&trigger, verification));
    let (shown_attributes, shown_metadata) = (
        attributes::user_attributes(attributes),
        attributes::client_metadata(metadata),
    );
    let vars = TemplateVars {
        code: &event.request.code_parameter,
        username: username_placeholder.unwrap_or(&event.user_name),
        link_parameter: link_placeholder.unwrap_or_default(),
        user: &shown_attributes,
        trigger_source: &trigger,
        user_pool_id: &event.user_pool_id,
        client_id: client,
        client_metadata: &shown_metadata,
        app: composer.app_vars(client),
    };
    let locale = user_locale(attributes, metadata);
    let renderer = composer.renderer();
    let email = renderer.email(&email_route.template, locale, &vars)?;
    let sms = renderer.sms(&sms_route.template, locale, &vars)?;
    let mut required = vec![Placeholder {
        field: "request.codeParameter",
        value: event.request.code_parameter.as_str(),
        variable: "code",
        why: "",
        fix: "",
    }];
    if let Some(value) = username_placeholder {
        required.push(Placeholder {
            field: "request.usernameParameter",
            value,
            variable: "username",
            why: "",
            fix: "",
        });
    }
    // The link is for the mail; an SMS cannot confirm by link.
    let mut email_required = required.clone();
    if let Some(value) = link_placeholder {
        email_required.push(Placeholder {
            field: "request.linkParameter",
            value,
            variable: "link_parameter",
            why: " (cognito.email_verification = \"link\")",
            fix: " where the link goes, or set cognito.email_verification = \"code\" if the pool confirms with a code",
        });
    }
    let email_template = format!("{}.html", email_route.template);
    let sms_template = format!("{}.sms", sms_route.template);
    for (part, required) in [
        (
            (
                "emailMessage",
                &email.html,
                EMAIL_MAX_CHARS,
                &email_template,
            ),
            &email_required,
        ),
        (
            ("smsMessage", &sms, SMS_MAX_CHARS, &sms_template),
            &required,
        ),
    ] {
        check(part, required).map_err(|problem| HandleError::CustomMessage {
            trigger_source: trigger.clone(),
            problem,
        })?;
    }
    tracing::info!(trigger_source = %trigger, outcome = "rendered", "custom message rendered");
    Ok(respond(payload, email.subject, email.html, sms))
}

/// A Cognito placeholder the answer must carry.
#[derive(Clone, Copy)]
struct Placeholder<'a> {
    /// Where Cognito sent it (`request.codeParameter`).
    field: &'static str,
    /// The placeholder itself (`{####}`).
    value: &'a str,
    /// The template variable that renders it.
    variable: &'static str,
    /// Why the answer needs it, when a setting asked for it.
    why: &'static str,
    /// What else the fix may be, beyond adding the variable.
    fix: &'static str,
}

/// Cognito's rules for one part of the answer: within its limit, with every
/// placeholder. `part` is (field, text, limit, template file).
fn check(
    part: (&str, &String, usize, &String),
    required: &[Placeholder<'_>],
) -> Result<(), String> {
    let (what, text, max, template) = part;
    let chars = text.chars().count();
    if chars > max {
        return Err(format!(
            "{what} is {chars} characters; Cognito allows {max}. Shorten `{template}`"
        ));
    }
    match required.iter().find(|p| !text.contains(p.value)) {
        Some(p) => Err(format!(
            "{what} must contain {} `{}`{}; `{template}` does not render it: add {{{{ {} }}}}{}",
            p.field, p.value, p.why, p.variable, p.fix
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_message_sources_share_the_sender_routes() {
        let (email, sms) = sender_sources("CustomMessage_ForgotPassword");
        assert_eq!(email.to_string(), "CustomEmailSender_ForgotPassword");
        assert_eq!(sms.to_string(), "CustomSMSSender_ForgotPassword");
        let (email, sms) = sender_sources("CustomMessage_SomethingNew");
        assert_eq!(email.template(), crate::cognito::event::FALLBACK_TEMPLATE);
        assert_eq!(
            sms,
            TriggerSource::Unknown("CustomSMSSender_SomethingNew".into()),
            "an unknown source is not mistaken for SignUp"
        );
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
