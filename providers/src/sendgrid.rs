//! SendGrid v3 Mail Send (`POST /v3/mail/send`).
//!
//! Local bodies (text, then HTML: SendGrid requires that order) or a dynamic
//! template with `dynamic_template_data`. The trigger source goes into
//! `categories` and `custom_args` for SendGrid's own statistics and event webhook.
//! Tracking (open pixel, click rewriting, unsubscribe footer, Google Analytics
//! parameters) is turned off per request unless `tracking = true`.

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

/// SendGrid's default API host; `https://api.eu.sendgrid.com` for EU data residency.
pub const SENDGRID_DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";

/// `type = "sendgrid"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendGridConfig {
    /// API key with the Mail Send permission (a secret reference recommended).
    pub api_key: SecretValue,
    /// API host; `https://api.eu.sendgrid.com` for EU data residency.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Validate without delivering (SendGrid's sandbox mode).
    #[serde(default)]
    pub sandbox_mode: bool,
    /// Leave open, click and subscription tracking to the account's settings.
    /// Off by default: every request turns them off, so reset links stay the
    /// links you rendered and no pixel reports who opened a security mail.
    #[serde(default)]
    pub tracking: bool,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    SENDGRID_DEFAULT_BASE_URL.into()
}

impl SendGridConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        SendGridConfig {
            api_key: SecretValue::new(api_key),
            base_url: default_base_url(),
            sandbox_mode: false,
            tracking: false,
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<SendGrid>, SendError> {
        let base = http::base_url(name, "base_url", &self.base_url)?;
        Ok(Provider::new(
            name,
            SendGrid {
                endpoint: http::endpoint(&base, "/v3/mail/send"),
                client: context.http.for_provider(name, self.timeout_ms)?,
                api_key: context.secret(name, "api_key", &self.api_key)?,
                sandbox_mode: self.sandbox_mode,
                tracking: self.tracking,
            },
        ))
    }
}

/// The SendGrid backend.
#[derive(Debug)]
pub struct SendGrid {
    api_key: SecretString,
    endpoint: String,
    sandbox_mode: bool,
    tracking: bool,
    client: http::Client,
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
    /// The JSON body this backend POSTs for `email` as provider `provider`
    /// (whose ESP template, if any, is used).
    pub fn request_body(&self, provider: &str, email: &EmailMessage) -> Result<Value, SendError> {
        let to = mime::recipient(provider, &email.to)?;
        let from = mime::mailbox(provider, "sender", &email.from)?;
        let trigger = &email.context.trigger_source;
        let mut personalization = json!({ "to": [{ "email": to.to_string() }] });
        let mut body = json!({
            "personalizations": [],
            "from": address_json(&from),
            "categories": [category(trigger)],
            "custom_args": { "trigger_source": trigger, "user_pool_id": email.context.user_pool_id },
        });
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = address_json(&mime::mailbox(provider, "reply-to", reply_to)?);
        }
        match email.esp_template_for(provider) {
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
        if !self.tracking {
            body["tracking_settings"] = json!({
                "click_tracking": { "enable": false, "enable_text": false },
                "open_tracking": { "enable": false },
                "subscription_tracking": { "enable": false },
                "ganalytics": { "enable": false },
            });
        }
        Ok(body)
    }
}

/// SendGrid's `errors[]`: each message (redacted) with the field it is about.
fn error_detail(body: &ErrorBody) -> String {
    body.errors
        .iter()
        .map(|e| match (&e.message, &e.field) {
            (Some(m), Some(f)) => format!("{} (field `{f}`)", http::provider_message(m)),
            (Some(m), None) => http::provider_message(m),
            (None, Some(f)) => format!("field `{f}`"),
            (None, None) => "unspecified".into(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// SendGrid's table: a 400 is about this recipient only when its fields say so
/// (`personalizations.N.to…`); otherwise the shared HTTP table.
fn kind(status: StatusCode, body: Option<&ErrorBody>) -> ErrorKind {
    let about_recipient = body.is_some_and(|b| {
        b.errors.iter().any(|e| {
            e.field
                .as_deref()
                .is_some_and(|f| f.starts_with("personalizations") && f.contains(".to"))
        })
    });
    match status.as_u16() {
        400 if about_recipient => ErrorKind::Rejected,
        _ => http::kind_for_status(status),
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
impl Backend for SendGrid {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let email = message.email_only(provider)?;
        let request = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .json(&self.request_body(provider, email)?);
        let response = http::send(provider, request).await?;
        let status = response.status;
        if status.is_success() {
            return Ok(response
                .headers
                .get("x-message-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .unwrap_or_else(|| format!("sendgrid-{}", status.as_u16())));
        }
        let body = serde_json::from_str::<ErrorBody>(&response.body)
            .ok()
            .filter(|b| !b.errors.is_empty());
        let detail = match &body {
            Some(body) => error_detail(body),
            None => response.unshown_body(),
        };
        let detail = format!(
            "SendGrid answered {status}: {detail}{}",
            http::status_hint(status)
        );
        Err(response.error(provider, kind(status, body.as_ref()), detail))
    }
}
