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
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::http;
use crate::text::epoch_millis;
use crate::{Backend, BuildContext, Channel, ErrorKind, Message, Provider, SecretValue, SendError};

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
/// The shortest signing key accepted, in bytes.
const MIN_SECRET_LEN: usize = 16;
/// Standard Webhooks' secret prefix; the rest is the base64 of the key.
const STANDARD_SECRET_PREFIX: &str = "whsec_";

/// How requests are signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureScheme {
    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    #[default]
    Standard,
    /// `X-Switchboard-Timestamp` and `X-Switchboard-Signature` (hex).
    Switchboard,
}

/// `type = "webhook"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// HTTPS URL (plain http only to a loopback address).
    pub url: String,
    /// HMAC-SHA256 signing secret: `whsec_<base64 key>` (Standard Webhooks'
    /// form), or any other text of at least 16 characters used as the key's bytes.
    pub secret: SecretValue,
    /// `standard` (default) or `switchboard`.
    #[serde(default)]
    pub signature: SignatureScheme,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

impl WebhookConfig {
    /// A configuration for `url` signed with `secret` (Standard Webhooks).
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: SecretValue::new(secret),
            signature: SignatureScheme::default(),
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
        let key = signing_key(secret.expose_secret())
            .map_err(|detail| SendError::new(name, ErrorKind::Config, detail))?;
        Ok(Provider::new(
            name,
            Webhook {
                key: hmac::Key::new(hmac::HMAC_SHA256, &key),
                scheme: self.signature,
                client: context.http.for_provider(name, self.timeout_ms)?,
                url,
            },
        ))
    }
}

/// The HMAC key a secret stands for: the decoded base64 after `whsec_`, else the
/// text's own bytes. Errors never contain the secret.
fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    let key = match secret.strip_prefix(STANDARD_SECRET_PREFIX) {
        // Padding optional, as Standard Webhooks' own libraries accept it.
        Some(encoded) => base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| {
                "`secret` starts with `whsec_` but the rest is not base64; use the secret \
                 exactly as your Standard Webhooks library generated it"
                    .to_string()
            })?,
        None => secret.as_bytes().to_vec(),
    };
    if key.len() < MIN_SECRET_LEN {
        return Err(format!(
            "`secret` must be at least {MIN_SECRET_LEN} bytes of key (e.g. `whsec_` and the \
             base64 of 24 random bytes)"
        ));
    }
    Ok(key)
}

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
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        let request = match self.scheme {
            SignatureScheme::Standard => request
                .header(STANDARD_ID_HEADER, &message_id)
                .header(STANDARD_TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    STANDARD_SIGNATURE_HEADER,
                    standard_signature(&self.key, &message_id, timestamp, &body),
                ),
            SignatureScheme::Switchboard => request
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(
                    SIGNATURE_HEADER,
                    switchboard_signature(&self.key, timestamp, &body),
                ),
        }
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
