//! Mailgun Messages API (`POST /v3/{domain}/messages`, multipart form).
//!
//! Local bodies or a stored template (`template` + `t:variables`); the trigger
//! source goes into `o:tag`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::http::{self, HttpTimeouts};
use crate::{mime, Channel, Delivery, EmailMessage, ErrorKind, Message, SendError, Sender};

/// Mailgun's API host for a region.
pub fn mailgun_region_base_url(region: &str) -> Option<&'static str> {
    match region {
        "us" => Some("https://api.mailgun.net"),
        "eu" => Some("https://api.eu.mailgun.net"),
        _ => None,
    }
}

/// Settings for [`Mailgun`].
#[derive(Clone)]
pub struct MailgunConfig {
    /// Private API key (or a domain sending key).
    pub api_key: SecretString,
    /// Sending domain (`mg.acme.test`).
    pub domain: String,
    /// API host: from the region, or an explicit URL.
    pub base_url: String,
    /// Timeouts.
    pub timeouts: HttpTimeouts,
}

/// The Mailgun backend.
pub struct Mailgun {
    name: String,
    api_key: SecretString,
    endpoint: String,
    client: reqwest::Client,
}

impl std::fmt::Debug for Mailgun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailgun")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl Mailgun {
    /// A Mailgun backend named `name`.
    pub fn new(name: impl Into<String>, config: MailgunConfig) -> Result<Self, SendError> {
        let name = name.into();
        let domain = config.domain.trim();
        if domain.is_empty() || domain.contains('/') {
            return Err(SendError::new(
                &name,
                ErrorKind::Config,
                "`domain` must be your Mailgun sending domain, e.g. `mg.example.com`",
            ));
        }
        let base: Url = http::base_url(&name, "base_url", &config.base_url)?;
        Ok(Mailgun {
            endpoint: http::endpoint(&base, &format!("/v3/{domain}/messages")),
            client: http::client(&name, config.timeouts)?,
            api_key: config.api_key,
            name,
        })
    }

    fn form(&self, email: &EmailMessage) -> Result<Form, SendError> {
        let to = mime::recipient(&self.name, &email.to)?;
        let from = mime::mailbox(&self.name, "sender", &email.from)?;
        let mut form = Form::new()
            .text("from", from.to_string())
            .text("to", to.to_string())
            .text("o:tag", email.context.trigger_source.clone())
            .text("v:trigger_source", email.context.trigger_source.clone());
        if let Some(reply_to) = &email.reply_to {
            form = form.text(
                "h:Reply-To",
                mime::mailbox(&self.name, "reply-to", reply_to)?.to_string(),
            );
        }
        Ok(match email.esp_template_for(&self.name) {
            Some((template, variables)) => form
                .text("template", template.to_string())
                .text("t:variables", variables.to_string()),
            None => form
                .text("subject", email.subject.clone())
                .text("text", email.text.clone())
                .text("html", email.html.clone()),
        })
    }

    fn error(
        &self,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        text: &str,
    ) -> SendError {
        let detail = serde_json::from_str::<Reply>(text)
            .ok()
            .and_then(|r| r.message)
            .unwrap_or_else(|| http::excerpt(text));
        http::status_error(
            &self.name,
            status,
            headers,
            format!("Mailgun answered {status}: {detail}"),
        )
    }
}

#[async_trait]
impl Sender for Mailgun {
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
            .basic_auth("api", Some(self.api_key.expose_secret()))
            .multipart(self.form(email)?)
            .send()
            .await
            .map_err(|e| http::transport_error(&self.name, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| http::transport_error(&self.name, e))?;
        if !status.is_success() {
            return Err(self.error(status, &headers, &text));
        }
        // A 2xx means accepted; failing it would make failover send a duplicate.
        let message_id = serde_json::from_str::<Reply>(&text).ok().and_then(|r| r.id).unwrap_or_else(|| {
            tracing::warn!(provider = %self.name, %status, "Mailgun accepted the message without returning an id");
            "unknown".to_string()
        });
        Ok(Delivery::new(self.name.clone(), message_id))
    }
}
