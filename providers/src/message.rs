//! What is sent: a rendered email or SMS for one recipient, and where it comes from.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::mask::{mask_email, mask_phone};

/// The way a message reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// An email message.
    Email,
    /// A text message to a phone number.
    Sms,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        })
    }
}

/// Where a message comes from: carried along for tagging at the provider
/// (categories, tags, webhook fields) and for logs. Never secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MessageContext {
    /// The Cognito trigger source, e.g. `CustomEmailSender_ForgotPassword`.
    pub trigger_source: String,
    /// The user pool the event came from.
    pub user_pool_id: String,
    /// A stable id of the event: the same for every retry of it (ours and
    /// Lambda's), different for every other event. Receivers de-duplicate on it.
    pub event_id: Option<String>,
    /// When delivery must be over: the Lambda deadline minus a safety margin.
    /// Retries and timeouts stop there so the invocation can still report failure.
    #[serde(skip)]
    pub deadline: Option<std::time::Instant>,
}

/// Provider-side templates (SendGrid dynamic template, Mailgun stored template,
/// SES template) and the variables they are rendered with.
///
/// Template IDs are per provider name, because a failover chain may cross ESPs
/// whose template IDs differ. A provider without an entry sends the locally
/// rendered bodies.
#[derive(Clone, PartialEq, Default)]
pub struct EspTemplate {
    /// Provider name → that provider's template identifier.
    pub ids: BTreeMap<String, String>,
    /// Variables for the template; contains the code, so it is never logged.
    pub variables: serde_json::Value,
}

impl fmt::Debug for EspTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EspTemplate")
            .field("ids", &self.ids)
            .field("variables", &"<redacted>")
            .finish()
    }
}

/// An email ready to send.
#[derive(Clone, PartialEq)]
pub struct EmailMessage {
    /// Recipient address (`user@example.com`).
    pub to: String,
    /// Sender, with optional display name (`Acme <no-reply@acme.test>`).
    pub from: String,
    /// Optional reply-to address.
    pub reply_to: Option<String>,
    /// Subject line.
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
    /// A provider-side template to use instead of the bodies, where the provider supports one.
    pub esp_template: Option<EspTemplate>,
    /// Where the message comes from.
    pub context: MessageContext,
}

impl EmailMessage {
    /// The template ID and variables for `provider`, if the route names one for it.
    pub fn esp_template_for(&self, provider: &str) -> Option<(&str, &serde_json::Value)> {
        let template = self.esp_template.as_ref()?;
        let id = template.ids.get(provider)?;
        Some((id.as_str(), &template.variables))
    }
}

impl fmt::Debug for EmailMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailMessage")
            .field("to", &mask_email(&self.to))
            .field("from", &self.from)
            .field("subject_len", &self.subject.len())
            .field("html_len", &self.html.len())
            .field("text_len", &self.text.len())
            .field("esp_template", &self.esp_template)
            .field("context", &self.context)
            .finish()
    }
}

/// A text message ready to send.
#[derive(Clone, PartialEq)]
pub struct SmsMessage {
    /// Recipient phone number in E.164 form (`+4915112345678`).
    pub to: String,
    /// Message text.
    pub body: String,
    /// Alphanumeric sender ID or origination number for this message (a route's
    /// or an app client's): it replaces the provider's own.
    pub sender_id: Option<String>,
    /// The channel's default sender (`[sms] sender_id`): used only by a
    /// provider that has no sender of its own, never in place of one.
    pub default_sender_id: Option<String>,
    /// How long the code in it can be used: a provider that can drop a message
    /// still undelivered after that is told (AWS End User Messaging `TimeToLive`,
    /// Twilio `ValidityPeriod`), since a code that arrives expired is worse than none.
    pub validity: Option<Duration>,
    /// Where the message comes from.
    pub context: MessageContext,
}

impl fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsMessage")
            .field("to", &mask_phone(&self.to))
            .field("body_len", &self.body.chars().count())
            .field("sender_id", &self.sender_id)
            .field("default_sender_id", &self.default_sender_id)
            .field("validity", &self.validity)
            .field("context", &self.context)
            .finish()
    }
}

/// A rendered message for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// An email.
    Email(EmailMessage),
    /// A text message.
    Sms(SmsMessage),
}

impl Message {
    /// The channel this message goes through.
    pub fn channel(&self) -> Channel {
        match self {
            Message::Email(_) => Channel::Email,
            Message::Sms(_) => Channel::Sms,
        }
    }

    /// The recipient address or phone number, unmasked.
    pub fn recipient(&self) -> &str {
        match self {
            Message::Email(m) => &m.to,
            Message::Sms(m) => &m.to,
        }
    }

    /// Where the message comes from.
    pub fn context(&self) -> &MessageContext {
        match self {
            Message::Email(m) => &m.context,
            Message::Sms(m) => &m.context,
        }
    }
}
