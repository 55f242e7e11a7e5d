//! Mailgun Messages API (`POST /v3/{domain}/messages`, multipart form).
//!
//! Local bodies or a stored template (`template` + `t:variables`); the trigger
//! source goes into `o:tag`, the event's id and send time (`crate::correlation`)
//! into `v:` variables for its receipts. Open and click tracking are turned off per message
//! unless `tracking = true`.

use async_trait::async_trait;
use reqwest::multipart::Form;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

mod config;
mod receipts;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{mailgun_region_base_url, MailgunConfig};

use crate::correlation::Correlation;
use crate::http;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

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
    fn form(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<Form, SendError> {
        let to = mime::recipient(&email.to)?;
        let from = mime::mailbox("sender", &email.from)?;
        let mut form = Form::new()
            .text("from", from.to_string())
            .text("to", to.to_string())
            .text("o:tag", email.context.trigger_source.clone())
            .text("v:trigger_source", email.context.trigger_source.clone());
        if let Some(correlation) = Correlation::now(&email.context) {
            for (key, value) in correlation.pairs() {
                form = form.text(format!("v:{key}"), value);
            }
        }
        if !self.tracking {
            form = form
                .text("o:tracking", "no")
                .text("o:tracking-clicks", "no")
                .text("o:tracking-opens", "no");
        }
        if let Some(reply_to) = &email.reply_to {
            form = form.text(
                "h:Reply-To",
                mime::mailbox("reply-to", reply_to)?.to_string(),
            );
        }
        Ok(match template {
            Some(template) => form
                .text("template", template.id.to_string())
                .text("t:variables", template.variables.to_string()),
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

    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let request = self
            .client
            .post(&self.endpoint)
            .basic_auth("api", Some(self.api_key.expose_secret()))
            .multipart(self.form(email, template)?);
        let response = http::send(request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id("Mailgun", reply.and_then(|r| r.id)));
        }
        let message = reply.and_then(|r| r.message);
        let kind = kind(status, message.as_deref());
        let detail = response.error_detail("Mailgun", None::<&str>, message.as_deref());
        Err(response.error(kind, detail))
    }
}
