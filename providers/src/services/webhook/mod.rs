//! A signed JSON webhook, for both channels: deliver through anything (an internal
//! service, a chat bot, another ESP).
//!
//! Signed by default with the Standard Webhooks scheme (<https://www.standardwebhooks.com>),
//! so receivers verify with an existing library: `webhook-id` (the event's
//! stable id), `webhook-timestamp` (Unix seconds) and
//! `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
//! `signature = "switchboard"` keeps the original scheme for existing receivers:
//! `X-Switchboard-Timestamp` and `X-Switchboard-Signature: v1=<hex HMAC-SHA256(secret,
//! "<timestamp>.<body>")>`. Either way `message_id` is the event's stable id — the
//! same for every retry of one Cognito event, ours and Lambda's — so receivers can
//! use it as their idempotency key.

use async_trait::async_trait;
use aws_lc_rs::hmac;
use base64::Engine;
use serde::Serialize;

mod config;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{SignatureScheme, WebhookConfig};

use crate::http;
use crate::text::epoch_millis;
use crate::{
    Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, MessageContext, SendError,
    SmsMessage,
};

/// Standard Webhooks: the message id header (the event's stable id).
pub const STANDARD_ID_HEADER: &str = "webhook-id";
/// Standard Webhooks: the Unix timestamp the signature covers.
pub const STANDARD_TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// Standard Webhooks: `v1,<base64 signature>`.
pub const STANDARD_SIGNATURE_HEADER: &str = "webhook-signature";
/// `signature = "switchboard"`: the Unix timestamp the signature covers.
pub const TIMESTAMP_HEADER: &str = "X-Switchboard-Timestamp";
/// `signature = "switchboard"`: `v1=<hex signature>`.
pub const SIGNATURE_HEADER: &str = "X-Switchboard-Signature";

/// The webhook backend.
#[derive(Debug)]
pub struct Webhook {
    url: String,
    key: hmac::Key,
    scheme: SignatureScheme,
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

/// `webhook-signature` for message `id` sent at `timestamp` (Standard Webhooks).
fn standard_signature(key: &hmac::Key, id: &str, timestamp: u64, body: &[u8]) -> String {
    let mut context = hmac::Context::with_key(key);
    context.update(id.as_bytes());
    context.update(format!(".{timestamp}.").as_bytes());
    context.update(body);
    let signature = base64::engine::general_purpose::STANDARD.encode(context.sign().as_ref());
    format!("v1,{signature}")
}

/// `X-Switchboard-Signature` for a body sent at `timestamp`.
fn switchboard_signature(key: &hmac::Key, timestamp: u64, body: &[u8]) -> String {
    let mut context = hmac::Context::with_key(key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    format!("v1={}", crate::text::hex(context.sign().as_ref()))
}

impl<'a> Payload<'a> {
    fn email(email: &'a EmailMessage, message_id: &'a str) -> Self {
        Payload {
            subject: Some(&email.subject),
            text: Some(&email.text),
            html: Some(&email.html),
            ..Payload::new(Channel::Email, &email.to, &email.context, message_id)
        }
    }

    fn sms(sms: &'a SmsMessage, message_id: &'a str) -> Self {
        Payload {
            body: Some(&sms.body),
            ..Payload::new(Channel::Sms, &sms.to, &sms.context, message_id)
        }
    }

    fn new(channel: Channel, to: &'a str, context: &'a MessageContext, message_id: &'a str) -> Self {
        Payload {
            channel,
            to,
            subject: None,
            text: None,
            html: None,
            body: None,
            trigger_source: &context.trigger_source,
            user_pool_id: &context.user_pool_id,
            message_id,
        }
    }
}

/// The id of a message: the event's stable id, the same for every retry of it
/// (receivers de-duplicate on it), else a fresh one.
fn message_id(context: &MessageContext) -> String {
    match &context.event_id {
        Some(event_id) => event_id.clone(),
        None => uuid::Uuid::new_v4().to_string(),
    }
}

impl Webhook {
    async fn post(&self, message_id: &str, payload: &Payload<'_>) -> Result<String, SendError> {
        let body = serde_json::to_vec(payload).map_err(|e| {
            SendError::backend(ErrorKind::Other, format!("cannot encode the payload: {e}"))
        })?;
        let timestamp = epoch_millis() / 1000;
        let request = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        let request = match self.scheme {
            SignatureScheme::Standard => request
                .header(STANDARD_ID_HEADER, message_id)
                .header(STANDARD_TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    STANDARD_SIGNATURE_HEADER,
                    standard_signature(&self.key, message_id, timestamp, &body),
                ),
            SignatureScheme::Switchboard => request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    SIGNATURE_HEADER,
                    switchboard_signature(&self.key, timestamp, &body),
                ),
        }
        .body(body);
        let response = http::send(request).await?;
        let status = response.status;
        if status.is_success() {
            return Ok(message_id.to_string());
        }
        // The receiver is ours to define: its body is never shown (it may echo the code).
        let detail = format!(
            "webhook answered {status}: {}{}",
            response.unshown_body(),
            http::status_hint(status)
        );
        Err(response.error(http::kind_for_status(status), detail))
    }
}

#[async_trait]
impl Backend for Webhook {
    const CHANNELS: &'static [Channel] = &[Channel::Email, Channel::Sms];

    /// Posts the locally rendered bodies: the receiver has no templates of ours.
    async fn send_email(
        &self,
        email: &EmailMessage,
        _template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let id = message_id(&email.context);
        self.post(&id, &Payload::email(email, &id)).await
    }

    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let id = message_id(&sms.context);
        self.post(&id, &Payload::sms(sms, &id)).await
    }
}
