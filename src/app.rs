//! Handling one event: parse → decrypt → route → render → send.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use switchboard_providers::{
    mask_recipient, Channel, EmailMessage, EspTemplate, Message, MessageContext, SendError,
    SmsMessage,
};

use crate::config::{AppConfig, ClientConfig};
use crate::decrypt::{unescape_cognito_html, DecryptError, Decryptor};
use crate::directory::{LookupError, UserDirectory};
use crate::event::{parse_custom_sender, CustomSenderEvent, EventError, TriggerSource};
use crate::idempotency::{self, Claim, GuardError, IdempotencyGuard};
use crate::render::{AppVars, RenderError, Renderer, TemplateVars};
use crate::route::{Route, RouteTable};
use crate::{custom_message, metrics, phone, segments};

/// Everything built once per cold start and shared by every invocation.
#[derive(Debug)]
pub struct App {
    pub(crate) decryptor: Arc<dyn Decryptor>,
    pub(crate) routes: RouteTable,
    pub(crate) renderer: Renderer,
    pub(crate) directory: Option<UserDirectory>,
    pub(crate) app: AppConfig,
    pub(crate) clients: BTreeMap<String, ClientConfig>,
    pub(crate) sms_default_region: Option<String>,
    pub(crate) guard: Option<IdempotencyGuard>,
    pub(crate) emit_metrics: bool,
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
    /// Provider calls it took (1 when the first call succeeded).
    pub attempts: usize,
    /// `delivered`, or `disabled` when the route drops the source on purpose.
    pub status: OutcomeStatus,
    /// Whether another provider than the first in the chain delivered it.
    pub failed_over: bool,
}

/// What happened to a handled event.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    /// A provider accepted the message.
    Delivered,
    /// The route has `enabled = false`: nothing was sent, by configuration.
    Disabled,
    /// A duplicate of an event already delivered (idempotency guard): not sent again.
    Duplicate,
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
    /// The route does not send SMS to this country.
    #[error(
        "user `{user}`: SMS to country calling code +{calling_code} is not allowed by {setting}"
    )]
    CountryNotAllowed {
        /// Username.
        user: String,
        /// The destination's calling code.
        calling_code: u16,
        /// Which settings decided (`sms.allowed_countries` / `sms.denied_countries` or the route's).
        setting: &'static str,
    },
    /// The rendered SMS costs more segments than the route allows.
    #[error("the {trigger_source} SMS would cost {segments} segments, more than max_segments = {max}; shorten the template or raise the limit")]
    SmsTooLong {
        /// The trigger source.
        trigger_source: String,
        /// Segments the body needs.
        segments: usize,
        /// The route's cap.
        max: usize,
    },
    /// A CustomMessage response would break one of Cognito's rules.
    #[error("{trigger_source}: {problem}")]
    CustomMessage {
        /// The trigger source.
        trigger_source: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// Another invocation is delivering this event right now; Lambda retries later.
    #[error("this event is being delivered by another invocation right now (idempotency guard); retry later")]
    InProgress,
    /// The idempotency store failed and `on_store_error = "fail"`.
    #[error(transparent)]
    Idempotency(#[from] GuardError),
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

    /// Handles any payload this function is attached for: a custom sender event
    /// (the answer is the [`Outcome`]) or a CustomMessage event (the answer is the
    /// event with `response` filled in, which Cognito reads).
    pub async fn handle_payload(
        &self,
        payload: serde_json::Value,
        deadline: Option<Instant>,
    ) -> Result<serde_json::Value, HandleError> {
        let trigger = payload
            .get("triggerSource")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        if trigger.starts_with(custom_message::PREFIX) {
            return self.handle_custom_message(payload);
        }
        let bytes = serde_json::to_vec(&payload).unwrap_or_default();
        let event = parse_custom_sender(&bytes)?;
        let outcome = self.handle_until(event, deadline).await?;
        Ok(serde_json::to_value(outcome).unwrap_or_default())
    }

    /// Renders a CustomMessage event's response from the same templates, with
    /// Cognito's placeholders where the code and username go.
    pub fn handle_custom_message(
        &self,
        payload: serde_json::Value,
    ) -> Result<serde_json::Value, HandleError> {
        let event: custom_message::CustomMessageEvent = serde_path_to_error::deserialize(&payload)
            .map_err(|e| EventError {
                path: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        let trigger = event.trigger_source.clone();
        let problem = |problem: String| HandleError::CustomMessage {
            trigger_source: trigger.clone(),
            problem,
        };
        let (email_source, sms_source) = custom_message::sender_sources(&trigger);
        let email_route = self.routes.get(&email_source, Channel::Email);
        let sms_route = self.routes.get(&sms_source, Channel::Sms);
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
            .filter(|_| custom_message::needs_username(&trigger));
        let vars = TemplateVars {
            code: &event.request.code_parameter,
            username: username_placeholder.unwrap_or(&event.user_name),
            user: attributes,
            trigger_source: &trigger,
            user_pool_id: &event.user_pool_id,
            client_id: client,
            client_metadata: metadata,
            app: self.client_app(client),
        };
        let locale = user_locale(attributes, metadata);
        let email = self.renderer.email(&email_route.template, locale, &vars)?;
        let sms = self.renderer.sms(&sms_route.template, locale, &vars)?;
        let mut required = vec![(
            "request.codeParameter",
            event.request.code_parameter.as_str(),
        )];
        if let Some(placeholder) = username_placeholder {
            required.push(("request.usernameParameter", placeholder));
        }
        for (what, text, max, template) in [
            (
                "emailMessage",
                &email.html,
                custom_message::EMAIL_MAX_CHARS,
                format!("{}.html", email_route.template),
            ),
            (
                "smsMessage",
                &sms,
                custom_message::SMS_MAX_CHARS,
                format!("{}.sms", sms_route.template),
            ),
        ] {
            let chars = text.chars().count();
            if chars > max {
                return Err(problem(format!(
                    "{what} is {chars} characters; Cognito allows {max}. Shorten `{template}`"
                )));
            }
            for (name, placeholder) in &required {
                if !text.contains(placeholder) {
                    return Err(problem(format!("{what} must contain {name} `{placeholder}`; `{template}` does not render it")));
                }
            }
        }
        tracing::info!(trigger_source = %trigger, outcome = "rendered", "custom message rendered");
        Ok(custom_message::respond(
            payload,
            email.subject,
            email.html,
            sms,
        ))
    }

    fn client_app<'a>(&'a self, client_id: Option<&str>) -> AppVars<'a> {
        let client = client_id.and_then(|id| self.clients.get(id));
        let pick = |client_value: Option<&'a Option<String>>, default: &'a str| {
            client_value.and_then(|v| v.as_deref()).unwrap_or(default)
        };
        AppVars {
            name: pick(client.map(|c| &c.name), &self.app.name),
            url: pick(client.map(|c| &c.url), &self.app.url),
            support_url: pick(client.map(|c| &c.support_url), &self.app.support_url),
        }
    }

    /// Renders the message `source` would send, with sample data from the example
    /// events, for review (`switchboard render`). Nothing is sent.
    pub fn preview(
        &self,
        source: &TriggerSource,
        locale: Option<&str>,
        client_id: Option<&str>,
    ) -> Result<Message, HandleError> {
        let channel = source
            .channel()
            .ok_or_else(|| HandleError::UnknownChannel(source.to_string()))?;
        let example = crate::examples::EVENTS
            .iter()
            .find(|(name, _)| *name == source.to_string())
            .or_else(|| {
                let fallback = match channel {
                    Channel::Email => "CustomEmailSender_SignUp",
                    Channel::Sms => "CustomSMSSender_SignUp",
                };
                crate::examples::EVENTS
                    .iter()
                    .find(|(name, _)| *name == fallback)
            })
            .map(|(_, json)| *json)
            .ok_or_else(|| HandleError::UnknownChannel(source.to_string()))?;
        let mut event = parse_custom_sender(example.as_bytes())?;
        event.trigger_source = source.clone();
        if let Some(locale) = locale {
            event
                .request
                .user_attributes
                .insert("locale".into(), locale.to_string());
        }
        if let Some(client_id) = client_id {
            event.caller_context.client_id = Some(client_id.to_string());
        }
        let route = self.routes.get(source, channel);
        let code =
            SecretString::from(crate::examples::sample_code(&source.to_string()).to_string());
        let to = match channel {
            Channel::Email => event.request.user_attributes.get("email"),
            Channel::Sms => event.request.user_attributes.get("phone_number"),
        }
        .cloned()
        .unwrap_or_default();
        self.render(&event, route, source.requires_code().then_some(&code), to)
    }

    /// The resolved routes, for `check-config`.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    fn emit(&self, trigger_source: &str, result: &Result<Outcome, HandleError>, latency_ms: u64) {
        let (provider, delivered, failed_over) = match result {
            Ok(outcome) if outcome.status == OutcomeStatus::Delivered => (
                outcome.provider.clone(),
                true,
                outcome.attempts > 1 && outcome.failed_over,
            ),
            Ok(_) => return,
            Err(HandleError::Send(error)) => (error.provider().to_string(), false, false),
            Err(_) => ("none".to_string(), false, false),
        };
        let line = metrics::emf_line(&metrics::EventMetrics {
            provider: &provider,
            trigger_source,
            delivered,
            failed_over,
            latency_ms,
        });
        println!("{line}");
    }

    /// Handles one parsed event with no deadline (CLI, tests).
    pub async fn handle(&self, event: CustomSenderEvent) -> Result<Outcome, HandleError> {
        self.handle_until(event, None).await
    }

    /// Handles one parsed event; retries stop at `deadline`. Logs one line with
    /// the outcome (never the code; the recipient masked).
    pub async fn handle_until(
        &self,
        event: CustomSenderEvent,
        deadline: Option<Instant>,
    ) -> Result<Outcome, HandleError> {
        let started = Instant::now();
        let trigger_source = event.trigger_source.to_string();
        let result = self.deliver(event, deadline).await;
        let latency_ms = started.elapsed().as_millis() as u64;
        if self.emit_metrics {
            self.emit(&trigger_source, &result, latency_ms);
        }
        match &result {
            Ok(outcome) => tracing::info!(
                trigger_source = %outcome.trigger_source,
                channel = %outcome.channel,
                provider = %outcome.provider,
                message_id = %outcome.message_id,
                recipient = %outcome.recipient,
                attempts = outcome.attempts,
                latency_ms,
                outcome = ?outcome.status,
                "event handled"
            ),
            Err(HandleError::Send(error)) => tracing::error!(
                trigger_source,
                latency_ms,
                attempts = error.attempts().len().max(1),
                outcome = "failed",
                error = %error,
                "event not delivered"
            ),
            Err(error) => {
                tracing::error!(trigger_source, latency_ms, outcome = "failed", error = %error, "event not delivered")
            }
        }
        result
    }

    async fn deliver(
        &self,
        event: CustomSenderEvent,
        deadline: Option<Instant>,
    ) -> Result<Outcome, HandleError> {
        let channel = event
            .channel()
            .ok_or_else(|| HandleError::UnknownChannel(event.trigger_source.to_string()))?;
        let route = self.routes.get(&event.trigger_source, channel);
        let skipped = |status, message_id: String| Outcome {
            trigger_source: event.trigger_source.to_string(),
            channel,
            provider: String::new(),
            message_id,
            recipient: String::new(),
            attempts: 0,
            status,
            failed_over: false,
        };
        if !route.enabled {
            return Ok(skipped(OutcomeStatus::Disabled, String::new()));
        }
        let claimed = match (&self.guard, idempotency::key_for(&event)) {
            (Some(guard), Some(key)) => match guard.claim(&key).await? {
                Claim::Proceed(key) => Some((guard, key)),
                Claim::AlreadyDelivered(message_id) => {
                    return Ok(skipped(OutcomeStatus::Duplicate, message_id))
                }
                Claim::InProgress => return Err(HandleError::InProgress),
                Claim::Unguarded => None,
            },
            _ => None,
        };
        let result = self.send_event(&event, route, channel, deadline).await;
        if let Some((guard, key)) = claimed {
            match &result {
                Ok(outcome) => {
                    guard
                        .complete(&key, &outcome.provider, &outcome.message_id)
                        .await
                }
                Err(_) => guard.release(&key).await,
            }
        }
        result
    }

    async fn send_event(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        channel: Channel,
        deadline: Option<Instant>,
    ) -> Result<Outcome, HandleError> {
        let code = self.decrypt_code(event).await?;
        let recipient = self.recipient(event, channel).await?;
        let mut message = self.render(event, route, code.as_ref(), recipient)?;
        set_deadline(&mut message, deadline);
        let delivery = route.sender.send(&message).await?;
        let failed_over = delivery
            .attempts
            .iter()
            .any(|a| a.provider != delivery.provider);
        Ok(Outcome {
            trigger_source: event.trigger_source.to_string(),
            channel,
            provider: delivery.provider,
            message_id: delivery.message_id,
            recipient: mask_recipient(message.recipient()),
            failed_over,
            attempts: delivery.attempts.len().max(1),
            status: OutcomeStatus::Delivered,
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
        if channel == Channel::Sms {
            return self.sms_recipient(event, &value);
        }
        Ok(value)
    }

    /// Normalises a phone number and applies the route's country filter.
    fn sms_recipient(&self, event: &CustomSenderEvent, raw: &str) -> Result<String, HandleError> {
        let number = phone::normalise(raw, self.sms_default_region.as_deref()).map_err(|e| {
            HandleError::BadRecipient {
                attribute: "phone_number",
                user: event.user_name.clone(),
                problem: match e {
                    phone::PhoneError::Unparseable(_) => {
                        "not a phone number (expected E.164, e.g. +4915112345678)"
                    }
                    phone::PhoneError::Invalid(_) => "not a valid number for its country",
                },
            }
        })?;
        let route = self.routes.get(&event.trigger_source, Channel::Sms);
        if !route.countries.permits(&number) {
            return Err(HandleError::CountryNotAllowed {
                user: event.user_name.clone(),
                calling_code: number.calling_code(),
                setting: "the route's allowed_countries / denied_countries",
            });
        }
        Ok(number.as_str().to_string())
    }

    /// The `app` variables and sender identity for the event's app client.
    fn branding<'a>(&'a self, event: &CustomSenderEvent, route: &'a Route) -> Branding<'a> {
        let client_id = event.caller_context.client_id.as_deref();
        let client = client_id.and_then(|id| self.clients.get(id));
        Branding {
            app: self.client_app(client_id),
            from: client
                .and_then(|c| c.from.as_deref())
                .unwrap_or(&route.from),
            reply_to: client
                .and_then(|c| c.reply_to.as_deref())
                .or(route.reply_to.as_deref()),
            sender_id: client
                .and_then(|c| c.sender_id.as_deref())
                .or(route.sender_id.as_deref()),
        }
    }

    fn render(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        code: Option<&SecretString>,
        to: String,
    ) -> Result<Message, HandleError> {
        let trigger_source = event.trigger_source.to_string();
        let branding = self.branding(event, route);
        let vars = TemplateVars {
            code: code.map(|c| c.expose_secret()).unwrap_or_default(),
            username: &event.user_name,
            user: &event.request.user_attributes,
            trigger_source: &trigger_source,
            user_pool_id: &event.user_pool_id,
            client_id: event.caller_context.client_id.as_deref(),
            client_metadata: &event.request.client_metadata,
            app: branding.app,
        };
        let locale = user_locale(
            &event.request.user_attributes,
            &event.request.client_metadata,
        );
        let context = MessageContext {
            trigger_source: trigger_source.clone(),
            user_pool_id: event.user_pool_id.clone(),
            deadline: None,
        };
        Ok(match route.channel {
            Channel::Email => {
                let rendered = self.renderer.email(&route.template, locale, &vars)?;
                let esp_template = (!route.esp_templates.is_empty()).then(|| EspTemplate {
                    ids: route.esp_templates.clone(),
                    variables: serde_json::to_value(&vars).unwrap_or_default(),
                });
                Message::Email(EmailMessage {
                    to,
                    from: branding.from.to_string(),
                    reply_to: branding.reply_to.map(str::to_string),
                    subject: rendered.subject,
                    html: rendered.html,
                    text: rendered.text,
                    esp_template,
                    context,
                })
            }
            Channel::Sms => {
                let body = self.renderer.sms(&route.template, locale, &vars)?;
                let segments = segments::count(&body).segments;
                if segments > route.max_segments {
                    return Err(HandleError::SmsTooLong {
                        trigger_source,
                        segments,
                        max: route.max_segments,
                    });
                }
                Message::Sms(SmsMessage {
                    to,
                    body,
                    sender_id: branding.sender_id.map(str::to_string),
                    context,
                })
            }
        })
    }
}

/// Sender identity and `app` variables after per-client overrides.
struct Branding<'a> {
    app: AppVars<'a>,
    from: &'a str,
    reply_to: Option<&'a str>,
    sender_id: Option<&'a str>,
}

/// The user's `locale` attribute, else the app's `clientMetadata.locale`.
pub(crate) fn user_locale<'a>(
    attributes: &'a HashMap<String, String>,
    metadata: &'a HashMap<String, String>,
) -> Option<&'a str> {
    [attributes.get("locale"), metadata.get("locale")]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .find(|l| !l.trim().is_empty())
}

fn set_deadline(message: &mut Message, deadline: Option<Instant>) {
    match message {
        Message::Email(email) => email.context.deadline = deadline,
        Message::Sms(sms) => sms.context.deadline = deadline,
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
