//! Resend (`POST /emails`), bearer key.
//!
//! Local bodies or a stored template (`template: {id, variables}`). Each request
//! carries `Idempotency-Key: <the event's stable id>`, so a retry of the same
//! Cognito event — ours, Lambda's, or a redrive within Resend's 24 hours — is
//! answered with the first send's id instead of a second email. The trigger
//! source and pool go into `tags`. Resend sets open and click tracking per domain,
//! with no per-message override: keep them off in the domain's settings.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http;
use crate::{
    mime, Backend, BuildContext, Channel, EmailMessage, ErrorKind, Message, Provider, SecretValue,
    SendError,
};

/// Resend's API host.
pub const RESEND_DEFAULT_BASE_URL: &str = "https://api.resend.com";
/// Resend's limit on an idempotency key.
const MAX_IDEMPOTENCY_KEY: usize = 256;

/// `type = "resend"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResendConfig {
    /// API key with sending access (a secret reference recommended).
    pub api_key: SecretValue,
    /// API host.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    RESEND_DEFAULT_BASE_URL.into()
}

impl ResendConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        ResendConfig {
            api_key: SecretValue::new(api_key),
            base_url: default_base_url(),
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Resend>, SendError> {
        let base = http::base_url(name, "base_url", &self.base_url)?;
        Ok(Provider::new(
            name,
            Resend {
                endpoint: http::endpoint(&base, "/emails"),
                client: context.http.for_provider(name, self.timeout_ms)?,
                api_key: context.secret(name, "api_key", &self.api_key)?,
            },
        ))
    }
}

/// The Resend backend.
#[derive(Debug)]
pub struct Resend {
    api_key: SecretString,
    endpoint: String,
    client: http::Client,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl Resend {
    /// The JSON body this backend POSTs for `email` as provider `provider`
    /// (whose stored template, if any, is used).
    pub fn request_body(&self, provider: &str, email: &EmailMessage) -> Result<Value, SendError> {
        let to = mime::recipient(provider, &email.to)?;
        let from = mime::mailbox(provider, "sender", &email.from)?;
        let context = &email.context;
        let mut body = json!({
            "from": from.to_string(),
            "to": [to.to_string()],
            "tags": [
                { "name": "trigger_source", "value": tag_value(&context.trigger_source) },
                { "name": "user_pool_id", "value": tag_value(&context.user_pool_id) },
            ],
        });
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = json!(mime::mailbox(provider, "reply-to", reply_to)?.to_string());
        }
        match email.esp_template_for(provider) {
            Some((template, variables)) => {
                body["template"] = json!({ "id": template, "variables": variables });
            }
            None => {
                body["subject"] = json!(email.subject);
                body["text"] = json!(email.text);
                body["html"] = json!(email.html);
            }
        }
        Ok(body)
    }
}

/// Tag values are ASCII letters, digits, `_` and `-`, at most 256 characters.
fn tag_value(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

/// Resend's table: its error `name` says more than the status.
fn kind(status: StatusCode, name: Option<&str>, message: Option<&str>) -> ErrorKind {
    let names_recipient = message.is_some_and(|m| m.contains("`to`"));
    match (status.as_u16(), name) {
        // A validation error about the `to` field is about this recipient.
        (422, Some("validation_error")) if names_recipient => ErrorKind::Rejected,
        // An unverified domain or a testing-only key: our configuration.
        (403, Some("validation_error")) => ErrorKind::Config,
        (422, Some("invalid_from_address")) => ErrorKind::Config,
        // The first request with this key is still in flight: try again shortly.
        (409, Some("concurrent_idempotent_requests")) => ErrorKind::RateLimited,
        // Out of today's quota: waiting minutes will not help; the next provider may.
        (429, Some("daily_quota_exceeded" | "monthly_quota_exceeded")) => ErrorKind::Config,
        _ => http::kind_for_status(status),
    }
}

#[async_trait]
impl Backend for Resend {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let email = message.email_only(provider)?;
        let mut request = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .json(&self.request_body(provider, email)?);
        if let Some(event_id) = &email.context.event_id {
            let key: String = format!("switchboard-{event_id}")
                .chars()
                .take(MAX_IDEMPOTENCY_KEY)
                .collect();
            request = request.header("Idempotency-Key", key);
        }
        let response = http::send(provider, request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id(provider, "Resend", reply.and_then(|r| r.id)));
        }
        let name = reply.as_ref().and_then(|r| r.name.as_deref());
        let text = reply.as_ref().and_then(|r| r.message.as_deref());
        let detail = response.error_detail("Resend", name, text);
        let kind = kind(status, name, text);
        Err(response.error(provider, kind, detail))
    }
}
