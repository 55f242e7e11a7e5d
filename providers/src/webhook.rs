//! A signed JSON webhook, for both channels: deliver through anything (an internal
//! service, a chat bot, another ESP).
//!
//! Each request carries `X-Switchboard-Timestamp` (Unix seconds) and
//! `X-Switchboard-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
//! so the receiver can check origin and reject replays. `message_id` is the event's
//! stable id — the same for every retry of one Cognito event, ours and Lambda's —
//! so receivers can use it as their idempotency key.

use async_trait::async_trait;
use aws_lc_rs::hmac;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::http;
use crate::text::epoch_millis;
use crate::{Backend, BuildContext, Channel, ErrorKind, Message, Provider, SecretValue, SendError};

/// Header with the Unix timestamp the signature covers.
pub const TIMESTAMP_HEADER: &str = "X-Switchboard-Timestamp";
/// Header with the signature.
pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";
/// The shortest signing secret accepted.
const MIN_SECRET_LEN: usize = 16;

/// `type = "webhook"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// HTTPS URL (plain http only to a loopback address).
    pub url: String,
    /// HMAC-SHA256 signing secret, at least 16 characters.
    pub secret: SecretValue,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

impl WebhookConfig {
    /// A configuration for `url` signed with `secret`.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: SecretValue::new(secret),
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Webhook>, SendError> {
        let url = http::base_url(name, "url", &self.url)?.to_string();
        let secret = context.secret(name, "secret", &self.secret)?;
        if secret.expose_secret().len() < MIN_SECRET_LEN {
            return Err(SendError::new(
                name,
                ErrorKind::Config,
                format!("`secret` must be at least {MIN_SECRET_LEN} characters"),
            ));
        }
        Ok(Provider::new(
            name,
            Webhook {
                key: hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes()),
                client: context.http.for_provider(name, self.timeout_ms)?,
                url,
            },
        ))
    }
}

/// The webhook backend.
#[derive(Debug)]
pub struct Webhook {
    url: String,
    key: hmac::Key,
    client: http::Client,
}

#[derive(Serialize)]
struct Payload<'a> {
    channel: Channel,
    to: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    trigger_source: &'a str,
    user_pool_id: &'a str,
    message_id: &'a str,
}

/// The signature of `body` sent at `timestamp`, as the header carries it.
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), timestamp, body)
}

fn sign(key: &hmac::Key, timestamp: u64, body: &[u8]) -> String {
    let mut context = hmac::Context::with_key(key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    let hex: String = context
        .sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v1={hex}")
}

fn payload<'a>(message: &'a Message, message_id: &'a str) -> Payload<'a> {
    let context = message.context();
    let mut payload = Payload {
        channel: message.channel(),
        to: message.recipient(),
        subject: None,
        text: None,
        html: None,
        body: None,
        trigger_source: &context.trigger_source,
        user_pool_id: &context.user_pool_id,
        message_id,
    };
    match message {
        Message::Email(email) => {
            payload.subject = Some(&email.subject);
            payload.text = Some(&email.text);
            payload.html = Some(&email.html);
        }
        Message::Sms(sms) => payload.body = Some(&sms.body),
    }
    payload
}

#[async_trait]
impl Backend for Webhook {
    const CHANNELS: &'static [Channel] = &[Channel::Email, Channel::Sms];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        // Stable across retries of one event, so receivers can de-duplicate.
        let message_id = match &message.context().event_id {
            Some(event_id) => event_id.clone(),
            None => uuid::Uuid::new_v4().to_string(),
        };
        let body = serde_json::to_vec(&payload(message, &message_id)).map_err(|e| {
            SendError::new(
                provider,
                ErrorKind::Other,
                format!("cannot encode the payload: {e}"),
            )
        })?;
        let timestamp = epoch_millis() / 1000;
        let request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(&self.key, timestamp, &body))
            .body(body);
        let response = http::send(provider, request).await?;
        let status = response.status;
        if status.is_success() {
            return Ok(message_id);
        }
        // The receiver is ours to define: its body is never shown (it may echo the code).
        let detail = format!(
            "webhook answered {status}: {}{}",
            response.unshown_body(),
            http::status_hint(status)
        );
        Err(response.error(provider, http::kind_for_status(status), detail))
    }
}
