//! SendGrid v3 Mail Send (`POST /v3/mail/send`).
//!
//! Local bodies (text, then HTML: SendGrid requires that order) or a dynamic
//! template with `dynamic_template_data`. The trigger source goes into
//! `categories` and `custom_args` for SendGrid's own statistics and event webhook.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::http::{self, HttpTimeouts};
use crate::{mime, Channel, Delivery, EmailMessage, Message, SendError, Sender};

/// SendGrid's default API host; `https://api.eu.sendgrid.com` for EU data residency.
pub const SENDGRID_DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";

/// Settings for [`SendGrid`].
#[derive(Clone)]
pub struct SendGridConfig {
    /// API key with the Mail Send permission.
    pub api_key: SecretString,
    /// API host (default [`SENDGRID_DEFAULT_BASE_URL`]).
    pub base_url: String,
    /// Validate without delivering (SendGrid's sandbox mode).
    pub sandbox_mode: bool,
    /// Timeouts.
    pub timeouts: HttpTimeouts,
}

/// The SendGrid backend.
pub struct SendGrid {
    name: String,
    api_key: SecretString,
    endpoint: String,
    sandbox_mode: bool,
    client: reqwest::Client,
}

impl std::fmt::Debug for SendGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendGrid")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("sandbox_mode", &self.sandbox_mode)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Deserialize)]
struct ErrorItem {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    field: Option<String>,
}

impl SendGrid {
    /// A SendGrid backend named `name`.
    pub fn new(name: impl Into<String>, config: SendGridConfig) -> Result<Self, SendError> {
        let name = name.into();
        let base: Url = http::base_url(&name, "base_url", &config.base_url)?;
        Ok(SendGrid {
            endpoint: http::endpoint(&base, "/v3/mail/send"),
            client: http::client(&name, config.timeouts)?,
            api_key: config.api_key,
            sandbox_mode: config.sandbox_mode,
            name,
        })
    }

    /// The JSON body this backend would POST for `email` (also used by benchmarks).
    pub fn request_body(&self, email: &EmailMessage) -> Result<Value, SendError> {
        let to = mime::recipient(&self.name, &email.to)?;
        let from = mime::mailbox(&self.name, "sender", &email.from)?;
        let trigger = &email.context.trigger_source;
        let mut personalization = json!({ "to": [{ "email": to.to_string() }] });
        let mut body = json!({
            "personalizations": [],
            "from": address_json(&from),
            "categories": [category(trigger)],
            "custom_args": { "trigger_source": trigger, "user_pool_id": email.context.user_pool_id },
        });
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = address_json(&mime::mailbox(&self.name, "reply-to", reply_to)?);
        }
        match email.esp_template_for(&self.name) {
            Some((template_id, variables)) => {
                body["template_id"] = json!(template_id);
                personalization["dynamic_template_data"] = variables.clone();
            }
            None => {
                body["subject"] = json!(email.subject);
                body["content"] = json!([
                    { "type": "text/plain", "value": email.text },
                    { "type": "text/html", "value": email.html },
                ]);
            }
        }
        body["personalizations"] = json!([personalization]);
        if self.sandbox_mode {
            body["mail_settings"] = json!({ "sandbox_mode": { "enable": true } });
        }
        Ok(body)
    }

    fn error(
        &self,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        text: &str,
    ) -> SendError {
        let detail = match serde_json::from_str::<ErrorBody>(text) {
            Ok(body) if !body.errors.is_empty() => body
                .errors
                .iter()
                .map(|e| match (&e.message, &e.field) {
                    (Some(m), Some(f)) => format!("{m} (field `{f}`)"),
                    (Some(m), None) => m.clone(),
                    (None, Some(f)) => format!("field `{f}`"),
                    (None, None) => "unspecified".into(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => http::excerpt(text),
        };
        let detail = format!("SendGrid answered {status}: {detail}");
        http::status_error(&self.name, status, headers, detail)
    }
}

fn address_json(mailbox: &lettre::message::Mailbox) -> Value {
    match &mailbox.name {
        Some(name) => json!({ "email": mailbox.email.to_string(), "name": name }),
        None => json!({ "email": mailbox.email.to_string() }),
    }
}

/// Categories are ASCII and at most 255 characters.
fn category(trigger: &str) -> String {
    trigger.chars().filter(char::is_ascii).take(255).collect()
}

#[async_trait]
impl Sender for SendGrid {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Email]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let email = message.email_only(&self.name)?;
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .json(&self.request_body(email)?)
            .send()
            .await
            .map_err(|e| http::transport_error(&self.name, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        if status.is_success() {
            let message_id = headers
                .get("x-message-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .unwrap_or_else(|| format!("sendgrid-{}", status.as_u16()));
            return Ok(Delivery::new(self.name.clone(), message_id));
        }
        let text = response.text().await.unwrap_or_default();
        Err(self.error(status, &headers, &text))
    }
}
