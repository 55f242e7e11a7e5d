//! Resend (`POST /emails`), bearer key.
//!
//! Local bodies or a stored template (`template: {id, variables}`). Each request
//! carries `Idempotency-Key: <the event's stable id>`, so a retry of the same
//! Cognito event — ours, Lambda's, or a redrive within Resend's 24 hours — is
//! answered with the first send's id instead of a second email. The trigger
//! source, pool, event id and send time (`crate::correlation`) go into `tags`. Resend sets open and click tracking per domain,
//! with no per-message override: keep them off in the domain's settings.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};

mod config;
mod receipts;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{ResendConfig, RESEND_DEFAULT_BASE_URL};

use crate::correlation::Correlation;
use crate::http;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

/// Resend's limit on an idempotency key.
const MAX_IDEMPOTENCY_KEY: usize = 256;

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
    /// The JSON body this backend POSTs for `email`, rendered by the stored
    /// `template` when one is given.
    pub fn request_body(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<Value, SendError> {
        let to = mime::recipient(&email.to)?;
        let from = mime::mailbox("sender", &email.from)?;
        let context = &email.context;
        let mut body = json!({
            "from": from.to_string(),
            "to": [to.to_string()],
            "tags": [
                { "name": "trigger_source", "value": tag_value(&context.trigger_source) },
                { "name": "user_pool_id", "value": tag_value(&context.user_pool_id) },
            ],
        });
        if let (Some(correlation), Some(tags)) =
            (Correlation::now(context), body["tags"].as_array_mut())
        {
            for (key, value) in correlation.pairs() {
                tags.push(json!({ "name": key, "value": tag_value(&value) }));
            }
        }
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = json!(mime::mailbox("reply-to", reply_to)?.to_string());
        }
        match template {
            Some(template) => {
                body["template"] = json!({ "id": template.id, "variables": template.variables });
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

    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let mut request = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .json(&self.request_body(email, template)?);
        if let Some(event_id) = &email.context.event_id {
            let key: String = format!("switchboard-{event_id}")
                .chars()
                .take(MAX_IDEMPOTENCY_KEY)
                .collect();
            request = request.header("Idempotency-Key", key);
        }
        let response = http::send(request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id("Resend", reply.and_then(|r| r.id)));
        }
        let name = reply.as_ref().and_then(|r| r.name.as_deref());
        let text = reply.as_ref().and_then(|r| r.message.as_deref());
        let detail = response.error_detail("Resend", name, text);
        let kind = kind(status, name, text);
        Err(response.error(kind, detail))
    }
}
