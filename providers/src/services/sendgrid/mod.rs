//! SendGrid v3 Mail Send (`POST /v3/mail/send`).
//!
//! Local bodies (text, then HTML: SendGrid requires that order) or a dynamic
//! template with `dynamic_template_data`. The trigger source goes into
//! `categories` and `custom_args` for SendGrid's own statistics and event webhook,
//! with the event's id and send time (`crate::correlation`) for its receipts.
//! Tracking (open pixel, click rewriting, unsubscribe footer, Google Analytics
//! parameters) is turned off per request unless `tracking = true`.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};

mod config;
mod receipts;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{SendGridConfig, SENDGRID_DEFAULT_BASE_URL};

use crate::correlation::Correlation;
use crate::http;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

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
    /// The JSON body this backend POSTs for `email`, rendered by SendGrid's
    /// dynamic `template` when one is given.
    pub fn request_body(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<Value, SendError> {
        let to = mime::recipient(&email.to)?;
        let from = mime::mailbox("sender", &email.from)?;
        let trigger = &email.context.trigger_source;
        let mut personalization = json!({ "to": [{ "email": to.to_string() }] });
        let mut body = json!({
            "personalizations": [],
            "from": address_json(&from),
            "categories": [category(trigger)],
            "custom_args": { "trigger_source": trigger, "user_pool_id": email.context.user_pool_id },
        });
        if let Some(reply_to) = &email.reply_to {
            body["reply_to"] = address_json(&mime::mailbox("reply-to", reply_to)?);
        }
        match template {
            Some(template) => {
                body["template_id"] = json!(template.id);
                personalization["dynamic_template_data"] = template.variables.clone();
            }
            None => {
                body["subject"] = json!(email.subject);
                body["content"] = json!([
                    { "type": "text/plain", "value": email.text },
                    { "type": "text/html", "value": email.html },
                ]);
            }
        }
        if let Some(correlation) = Correlation::now(&email.context) {
            for (key, value) in correlation.pairs() {
                body["custom_args"][key] = json!(value);
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

    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let request = self
            .client
            .post(&self.endpoint)
            .bearer_auth(self.api_key.expose_secret())
            .json(&self.request_body(email, template)?);
        let response = http::send(request).await?;
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
        Err(response.error(kind(status, body.as_ref()), detail))
    }
}
