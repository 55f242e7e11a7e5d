//! Postmark Email API (`POST /email`, or `/email/withTemplate` for a server
//! template), authenticated with `X-Postmark-Server-Token`.
//!
//! The trigger source goes into `Tag` and `Metadata`, with the event's id and
//! send time (`crate::correlation`) for its receipts; the message stream is
//! configurable (`outbound`, Postmark's default transactional stream). Open and
//! link tracking are off per message unless `tracking = true`.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};

mod config;
mod receipts;
#[cfg(feature = "testing")]
mod stand_in;

pub use config::{PostmarkConfig, POSTMARK_DEFAULT_BASE_URL, POSTMARK_TEST_TOKEN};

use crate::correlation::Correlation;
use crate::http;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

/// The Postmark backend.
#[derive(Debug)]
pub struct Postmark {
    token: SecretString,
    endpoint: String,
    template_endpoint: String,
    message_stream: String,
    tracking: bool,
    client: http::Client,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Reply {
    #[serde(default)]
    error_code: Option<u32>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, rename = "MessageID")]
    message_id: Option<String>,
}

impl Postmark {
    /// The endpoint and JSON body this backend POSTs for `email`, rendered by
    /// the server `template` when one is given.
    pub fn request(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<(&str, Value), SendError> {
        let to = mime::recipient(&email.to)?;
        let from = mime::mailbox("sender", &email.from)?;
        let context = &email.context;
        let mut body = json!({
            "From": from.to_string(),
            "To": to.to_string(),
            "Tag": context.trigger_source,
            "Metadata": {
                "trigger_source": context.trigger_source,
                "user_pool_id": context.user_pool_id,
            },
            "MessageStream": self.message_stream,
        });
        // Metadata: at most 10 keys of 20 characters, values of 80; these fit.
        if let Some(correlation) = Correlation::now(context) {
            for (key, value) in correlation.pairs() {
                body["Metadata"][key] = json!(value);
            }
        }
        if let Some(reply_to) = &email.reply_to {
            body["ReplyTo"] = json!(mime::mailbox("reply-to", reply_to)?.to_string());
        }
        if !self.tracking {
            body["TrackOpens"] = json!(false);
            body["TrackLinks"] = json!("None");
        }
        Ok(match template {
            Some(template) => {
                // A numeric ID is a TemplateId; anything else is the template's alias.
                match template.id.parse::<u64>() {
                    Ok(id) => body["TemplateId"] = json!(id),
                    Err(_) => body["TemplateAlias"] = json!(template.id),
                }
                body["TemplateModel"] = template.variables.clone();
                (self.template_endpoint.as_str(), body)
            }
            None => {
                body["Subject"] = json!(email.subject);
                body["TextBody"] = json!(email.text);
                body["HtmlBody"] = json!(email.html);
                (self.endpoint.as_str(), body)
            }
        })
    }
}

/// Postmark's table: a 422 carries an `ErrorCode` that says what it is about.
fn kind(status: StatusCode, code: Option<u32>, message: Option<&str>) -> ErrorKind {
    match (status.as_u16(), code) {
        // Inactive recipient (hard bounce or spam complaint): about this recipient.
        (422, Some(406)) => ErrorKind::Rejected,
        // Invalid request: about this recipient only when it names the 'To' address.
        (422, Some(300)) if message.is_some_and(|m| m.contains("'To'")) => ErrorKind::Rejected,
        // Sender signature not found or not confirmed; not allowed to send
        // (credits); account pending; account may not send.
        (422, Some(400 | 401 | 405 | 412 | 413)) => ErrorKind::Config,
        // Bad or missing server token.
        (_, Some(10)) => ErrorKind::Auth,
        // Maintenance.
        (_, Some(100)) => ErrorKind::Unavailable,
        _ => http::kind_for_status(status),
    }
}

#[async_trait]
impl Backend for Postmark {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let (endpoint, body) = self.request(email, template)?;
        let request = self
            .client
            .post(endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("X-Postmark-Server-Token", self.token.expose_secret())
            .json(&body);
        let response = http::send(request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id("Postmark", reply.and_then(|r| r.message_id)));
        }
        let code = reply.as_ref().and_then(|r| r.error_code);
        let text = reply.as_ref().and_then(|r| r.message.as_deref());
        let detail = response.error_detail("Postmark", code, text);
        let kind = kind(status, code, text);
        Err(response.error(kind, detail))
    }
}
