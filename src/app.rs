//! Handling one event: parse → decrypt → route → render → send.

use std::sync::Arc;
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use switchboard_providers::{
    mask_recipient, Channel, EmailMessage, EspTemplate, Message, MessageContext, SendError,
    SmsMessage,
};

use crate::decrypt::{unescape_cognito_html, DecryptError, Decryptor};
use crate::directory::{LookupError, UserDirectory};
use crate::event::{parse_custom_sender, CustomSenderEvent, EventError};
use crate::render::{AppVars, RenderError, Renderer, TemplateVars};
use crate::route::{Route, RouteTable};

/// Everything built once per cold start and shared by every invocation.
#[derive(Debug)]
pub struct App {
    pub(crate) decryptor: Arc<dyn Decryptor>,
    pub(crate) routes: RouteTable,
    pub(crate) renderer: Renderer,
    pub(crate) directory: Option<UserDirectory>,
    pub(crate) app_name: String,
}

/// A delivered event.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The event's trigger source.
    pub trigger_source: String,
    /// Email or SMS.
    pub channel: Channel,
    /// The provider that accepted the message.
    pub provider: String,
    /// The provider's message ID.
    pub message_id: String,
    /// The recipient, masked.
    pub recipient: String,
}

/// Why an event was not delivered. Returned to Lambda as the invocation error, so
/// the event is retried and, after the last retry, dead-lettered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// The payload is not a custom sender event.
    #[error(transparent)]
    Event(#[from] EventError),
    /// Neither the trigger source nor `request.type` says email or SMS.
    #[error("cannot tell the channel of trigger source `{0}`: it is neither CustomEmailSender_* nor CustomSMSSender_* and request.type is not customEmailSenderRequestV1/customSMSSenderRequestV1")]
    UnknownChannel(String),
    /// The source needs a code and the event has none.
    #[error("{0} events must carry request.code, but it is null or empty")]
    MissingCode(String),
    /// The code could not be decrypted.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// No address or number to send to.
    #[error("user `{user}` in pool `{pool}` has no `{attribute}` attribute{}; nothing can be sent", if *.looked_up { " (not in the event, nor in Cognito AdminGetUser)" } else { " in the event (set cognito.lookup_missing_recipient = true to ask Cognito)" })]
    NoRecipient {
        /// `email` or `phone_number`.
        attribute: &'static str,
        /// User pool ID.
        pool: String,
        /// Username.
        user: String,
        /// Whether Cognito was asked.
        looked_up: bool,
    },
    /// The recipient attribute is present but unusable.
    #[error("user `{user}`: `{attribute}` is {problem}")]
    BadRecipient {
        /// `email` or `phone_number`.
        attribute: &'static str,
        /// Username.
        user: String,
        /// What is wrong (without the value).
        problem: &'static str,
    },
    /// The recipient look-up failed.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// A template failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Every provider failed.
    #[error("not delivered: {0}")]
    Send(#[from] SendError),
}

impl App {
    /// The route an event of `source` on `channel` takes.
    pub fn route_for(&self, source: &crate::event::TriggerSource, channel: Channel) -> &Route {
        self.routes.get(source, channel)
    }

    /// Handles one Lambda payload.
    pub async fn handle_json(&self, payload: &[u8]) -> Result<Outcome, HandleError> {
        self.handle(parse_custom_sender(payload)?).await
    }

    /// Handles one parsed event, logging one line with the outcome.
    pub async fn handle(&self, event: CustomSenderEvent) -> Result<Outcome, HandleError> {
        let started = Instant::now();
        let trigger_source = event.trigger_source.to_string();
        let result = self.deliver(event).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(outcome) => tracing::info!(
                trigger_source = %outcome.trigger_source,
                channel = %outcome.channel,
                provider = %outcome.provider,
                message_id = %outcome.message_id,
                recipient = %outcome.recipient,
                latency_ms,
                outcome = "delivered",
                "event delivered"
            ),
            Err(error) => {
                tracing::error!(trigger_source, latency_ms, outcome = "failed", error = %error, "event not delivered")
            }
        }
        result
    }

    async fn deliver(&self, event: CustomSenderEvent) -> Result<Outcome, HandleError> {
        let channel = event
            .channel()
            .ok_or_else(|| HandleError::UnknownChannel(event.trigger_source.to_string()))?;
        let route = self.routes.get(&event.trigger_source, channel);
        let code = self.decrypt_code(&event).await?;
        let recipient = self.recipient(&event, channel).await?;
        let message = self.render(&event, route, code.as_ref(), recipient)?;
        let delivery = route.sender.send(&message).await?;
        Ok(Outcome {
            trigger_source: event.trigger_source.to_string(),
            channel,
            provider: delivery.provider,
            message_id: delivery.message_id,
            recipient: mask_recipient(message.recipient()),
        })
    }

    async fn decrypt_code(
        &self,
        event: &CustomSenderEvent,
    ) -> Result<Option<SecretString>, HandleError> {
        let Some(ciphertext) = event.code() else {
            if event.trigger_source.requires_code() {
                return Err(HandleError::MissingCode(event.trigger_source.to_string()));
            }
            return Ok(None);
        };
        let code = self
            .decryptor
            .decrypt(ciphertext, &event.user_pool_id)
            .await?;
        if event.trigger_source.code_is_temporary_password() {
            return Ok(Some(SecretString::from(unescape_cognito_html(
                code.expose_secret(),
            ))));
        }
        Ok(Some(code))
    }

    async fn recipient(
        &self,
        event: &CustomSenderEvent,
        channel: Channel,
    ) -> Result<String, HandleError> {
        let attribute = match channel {
            Channel::Email => "email",
            Channel::Sms => "phone_number",
        };
        let in_event = event
            .request
            .user_attributes
            .get(attribute)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let value = match (in_event, &self.directory) {
            (Some(value), _) => value,
            (None, Some(directory)) => directory
                .attribute(&event.user_pool_id, &event.user_name, attribute)
                .await?
                .ok_or_else(|| no_recipient(event, attribute, true))?,
            (None, None) => return Err(no_recipient(event, attribute, false)),
        };
        if channel == Channel::Sms && !looks_like_e164(&value) {
            return Err(HandleError::BadRecipient {
                attribute,
                user: event.user_name.clone(),
                problem: "not an E.164 phone number (`+` and 8 to 15 digits)",
            });
        }
        Ok(value)
    }

    fn render(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        code: Option<&SecretString>,
        to: String,
    ) -> Result<Message, HandleError> {
        let trigger_source = event.trigger_source.to_string();
        let vars = TemplateVars {
            code: code.map(|c| c.expose_secret()).unwrap_or_default(),
            username: &event.user_name,
            user: &event.request.user_attributes,
            trigger_source: &trigger_source,
            user_pool_id: &event.user_pool_id,
            client_id: event.caller_context.client_id.as_deref(),
            client_metadata: &event.request.client_metadata,
            app: AppVars {
                name: &self.app_name,
            },
        };
        let context = MessageContext {
            trigger_source: trigger_source.clone(),
            user_pool_id: event.user_pool_id.clone(),
        };
        Ok(match route.channel {
            Channel::Email => {
                let rendered = self.renderer.email(&route.template, &vars)?;
                let esp_template = (!route.esp_templates.is_empty()).then(|| EspTemplate {
                    ids: route.esp_templates.clone(),
                    variables: serde_json::to_value(&vars).unwrap_or_default(),
                });
                Message::Email(EmailMessage {
                    to,
                    from: route.from.clone(),
                    reply_to: route.reply_to.clone(),
                    subject: rendered.subject,
                    html: rendered.html,
                    text: rendered.text,
                    esp_template,
                    context,
                })
            }
            Channel::Sms => Message::Sms(SmsMessage {
                to,
                body: self.renderer.sms(&route.template, &vars)?,
                sender_id: route.sender_id.clone(),
                context,
            }),
        })
    }
}

fn no_recipient(
    event: &CustomSenderEvent,
    attribute: &'static str,
    looked_up: bool,
) -> HandleError {
    HandleError::NoRecipient {
        attribute,
        pool: event.user_pool_id.clone(),
        user: event.user_name.clone(),
        looked_up,
    }
}

/// A shape check only; numbering-plan validation comes with the SMS providers.
fn looks_like_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::looks_like_e164;

    #[test]
    fn e164_shape() {
        assert!(looks_like_e164("+4915112345678"));
        assert!(!looks_like_e164("015112345678"));
        assert!(!looks_like_e164("+49 151 1234"));
        assert!(!looks_like_e164("+1800FLOWERS"));
        assert!(!looks_like_e164("+0123456789"));
    }
}
