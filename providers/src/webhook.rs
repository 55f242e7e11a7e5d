//! A signed JSON webhook, for both channels: deliver through anything (an internal
//! service, a chat bot, another ESP).
//!
//! Each request carries `X-Switchboard-Timestamp` (Unix seconds) and
//! `X-Switchboard-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`,
//! so the receiver can check origin and reject replays. `message_id` is unique per
//! attempt group and can serve as the receiver's idempotency key.

use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_lc_rs::hmac;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::http::{self, HttpTimeouts};
use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Header with the Unix timestamp the signature covers.
pub const TIMESTAMP_HEADER: &str = "X-Switchboard-Timestamp";
/// Header with the signature.
pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";

/// Settings for [`Webhook`].
#[derive(Clone)]
pub struct WebhookConfig {
    /// HTTPS URL (plain http only to a loopback address).
    pub url: String,
    /// Shared signing secret.
    pub secret: SecretString,
    /// Timeouts.
    pub timeouts: HttpTimeouts,
}

/// The webhook backend.
pub struct Webhook {
    name: String,
    url: String,
    key: hmac::Key,
    client: reqwest::Client,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
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
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    sign(&key, timestamp, body)
}

fn sign(key: &hmac::Key, timestamp: u64, body: &[u8]) -> String {
    let mut context = hmac::Context::with_key(key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    let tag = context.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

impl Webhook {
    /// A webhook backend named `name`.
    pub fn new(name: impl Into<String>, config: WebhookConfig) -> Result<Self, SendError> {
        let name = name.into();
        let url = http::base_url(&name, "url", &config.url)?.to_string();
        if config.secret.expose_secret().len() < 16 {
            return Err(SendError::new(
                &name,
                ErrorKind::Config,
                "`secret` must be at least 16 characters",
            ));
        }
        Ok(Webhook {
            key: hmac::Key::new(hmac::HMAC_SHA256, config.secret.expose_secret().as_bytes()),
            client: http::client(&name, config.timeouts)?,
            url,
            name,
        })
    }
}

#[async_trait]
impl Sender for Webhook {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Email, Channel::Sms]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let message_id = uuid::Uuid::new_v4().to_string();
        let context = message.context();
        let payload = match message {
            Message::Email(email) => Payload {
                channel: Channel::Email,
                to: &email.to,
                subject: Some(&email.subject),
                text: Some(&email.text),
                html: Some(&email.html),
                body: None,
                trigger_source: &context.trigger_source,
                user_pool_id: &context.user_pool_id,
                message_id: &message_id,
            },
            Message::Sms(sms) => Payload {
                channel: Channel::Sms,
                to: &sms.to,
                subject: None,
                text: None,
                html: None,
                body: Some(&sms.body),
                trigger_source: &context.trigger_source,
                user_pool_id: &context.user_pool_id,
                message_id: &message_id,
            },
        };
        let body = serde_json::to_vec(&payload).map_err(|e| {
            SendError::new(
                &self.name,
                ErrorKind::Other,
                format!("cannot encode the payload: {e}"),
            )
        })?;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(&self.key, timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| http::transport_error(&self.name, e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Delivery::new(self.name.clone(), message_id));
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Err(http::status_error(
            &self.name,
            status,
            &headers,
            format!("webhook answered {status}: {}", http::excerpt(&text)),
        ))
    }
}
