//! Mailgun Messages API (`POST /v3/{domain}/messages`, multipart form).
//!
//! Local bodies or a stored template (`template` + `t:variables`); the trigger
//! source goes into `o:tag`. Open and click tracking are turned off per message
//! unless `tracking = true`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::http;
use crate::{
    mime, Backend, BuildContext, Channel, EmailMessage, ErrorKind, Message, Provider, SecretValue,
    SendError,
};

/// Mailgun's API host for a region (`us` or `eu`).
pub fn mailgun_region_base_url(region: &str) -> Option<&'static str> {
    match region {
        "us" => Some("https://api.mailgun.net"),
        "eu" => Some("https://api.eu.mailgun.net"),
        _ => None,
    }
}

/// `type = "mailgun"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MailgunConfig {
    /// Private API key or a domain sending key (a secret reference recommended).
    pub api_key: SecretValue,
    /// Sending domain, e.g. `mg.acme.test`.
    pub domain: String,
    /// `us` or `eu`; ignored when `base_url` is set.
    #[serde(default = "default_region")]
    pub region: String,
    /// API host instead of the region's.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Leave open and click tracking to the domain's settings. Off by default:
    /// every message sets `o:tracking`, `o:tracking-clicks` and
    /// `o:tracking-opens` to `no`, which override the domain's settings.
    #[serde(default)]
    pub tracking: bool,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_region() -> String {
    "us".into()
}

impl MailgunConfig {
    /// A configuration for `domain` with `api_key` and every default.
    pub fn new(api_key: impl Into<String>, domain: impl Into<String>) -> Self {
        MailgunConfig {
            api_key: SecretValue::new(api_key),
            domain: domain.into(),
            region: default_region(),
            base_url: None,
            tracking: false,
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Mailgun>, SendError> {
        let config_error = |detail: String| SendError::new(name, ErrorKind::Config, detail);
        let domain = self.domain.trim();
        if domain.is_empty() || domain.contains('/') {
            return Err(config_error(
                "`domain` must be your Mailgun sending domain, e.g. `mg.example.com`".into(),
            ));
        }
        let base_url = match &self.base_url {
            Some(url) => url.as_str(),
            None => mailgun_region_base_url(&self.region).ok_or_else(|| {
                config_error(format!(
                    "`region` = `{}`; expected `us` or `eu` (or set `base_url`)",
                    self.region
                ))
            })?,
        };
        let base = http::base_url(name, "base_url", base_url)?;
        Ok(Provider::new(
            name,
            Mailgun {
                endpoint: http::endpoint(&base, &format!("/v3/{domain}/messages")),
                client: context.http.for_provider(name, self.timeout_ms)?,
                api_key: context.secret(name, "api_key", &self.api_key)?,
                tracking: self.tracking,
            },
        ))
    }
}

/// The Mailgun backend.
#[derive(Debug)]
pub struct Mailgun {
    api_key: SecretString,
    endpoint: String,
    tracking: bool,
    client: http::Client,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl Mailgun {
    fn form(&self, provider: &str, email: &EmailMessage) -> Result<Form, SendError> {
        let to = mime::recipient(provider, &email.to)?;
        let from = mime::mailbox(provider, "sender", &email.from)?;
        let mut form = Form::new()
            .text("from", from.to_string())
            .text("to", to.to_string())
            .text("o:tag", email.context.trigger_source.clone())
            .text("v:trigger_source", email.context.trigger_source.clone());
        if !self.tracking {
            form = form
                .text("o:tracking", "no")
                .text("o:tracking-clicks", "no")
                .text("o:tracking-opens", "no");
        }
        if let Some(reply_to) = &email.reply_to {
            form = form.text(
                "h:Reply-To",
                mime::mailbox(provider, "reply-to", reply_to)?.to_string(),
            );
        }
        Ok(match email.esp_template_for(provider) {
            Some((template, variables)) => form
                .text("template", template.to_string())
                .text("t:variables", variables.to_string()),
            None => form
                .text("subject", email.subject.clone())
                .text("text", email.text.clone())
                .text("html", email.html.clone()),
        })
    }
}

/// Mailgun's table: a 400 naming the `to` parameter is about this recipient;
/// otherwise the shared HTTP table (a 404 is an unknown domain: configuration).
fn kind(status: StatusCode, message: Option<&str>) -> ErrorKind {
    let about_recipient = message.is_some_and(|m| {
        let m = m.trim_start_matches(['\'', '"']);
        m.starts_with("to' parameter")
            || m.starts_with("to\" parameter")
            || m.starts_with("to parameter")
    });
    match status.as_u16() {
        400 if about_recipient => ErrorKind::Rejected,
        _ => http::kind_for_status(status),
    }
}

#[async_trait]
impl Backend for Mailgun {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let email = message.email_only(provider)?;
        let request = self
            .client
            .post(&self.endpoint)
            .basic_auth("api", Some(self.api_key.expose_secret()))
            .multipart(self.form(provider, email)?);
        let response = http::send(provider, request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id(provider, "Mailgun", reply.and_then(|r| r.id)));
        }
        let message = reply.and_then(|r| r.message);
        let kind = kind(status, message.as_deref());
        let detail = response.error_detail("Mailgun", None::<&str>, message.as_deref());
        Err(response.error(provider, kind, detail))
    }
}
