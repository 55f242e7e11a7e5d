//! Postmark Email API (`POST /email`, or `/email/withTemplate` for a server
//! template), authenticated with `X-Postmark-Server-Token`.
//!
//! The trigger source goes into `Tag` and `Metadata`; the message stream is
//! configurable (`outbound`, Postmark's default transactional stream). Open and
//! link tracking are off per message unless `tracking = true`.

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

/// Postmark's API host.
pub const POSTMARK_DEFAULT_BASE_URL: &str = "https://api.postmarkapp.com";
/// The server token Postmark accepts without delivering anything (its test mode).
pub const POSTMARK_TEST_TOKEN: &str = "POSTMARK_API_TEST";

/// `type = "postmark"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PostmarkConfig {
    /// Server API token (a secret reference recommended).
    pub api_key: SecretValue,
    /// API host.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Message stream ID; `outbound` is every server's transactional stream.
    #[serde(default = "default_message_stream")]
    pub message_stream: String,
    /// Leave open and link tracking to the server's settings. Off by default:
    /// every message sends `TrackOpens: false` and `TrackLinks: "None"`.
    #[serde(default)]
    pub tracking: bool,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    POSTMARK_DEFAULT_BASE_URL.into()
}

fn default_message_stream() -> String {
    "outbound".into()
}

impl PostmarkConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        PostmarkConfig {
            api_key: SecretValue::new(api_key),
            base_url: default_base_url(),
            message_stream: default_message_stream(),
            tracking: false,
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Whether the token is Postmark's test token: accepted, never delivered.
    pub fn is_test_token(&self) -> bool {
        self.api_key.configured() == POSTMARK_TEST_TOKEN
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Postmark>, SendError> {
        let base = http::base_url(name, "base_url", &self.base_url)?;
        if self.message_stream.trim().is_empty() {
            return Err(SendError::new(
                name,
                ErrorKind::Config,
                "`message_stream` is empty; use `outbound` or your transactional stream's ID",
            ));
        }
        Ok(Provider::new(
            name,
            Postmark {
                endpoint: http::endpoint(&base, "/email"),
                template_endpoint: http::endpoint(&base, "/email/withTemplate"),
                client: context.http.for_provider(name, self.timeout_ms)?,
                token: context.secret(name, "api_key", &self.api_key)?,
                message_stream: self.message_stream.clone(),
                tracking: self.tracking,
            },
        ))
    }
}

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
    /// The endpoint and JSON body this backend POSTs for `email` as provider
    /// `provider` (whose server template, if any, is used).
    pub fn request(
        &self,
        provider: &str,
        email: &EmailMessage,
    ) -> Result<(&str, Value), SendError> {
        let to = mime::recipient(provider, &email.to)?;
        let from = mime::mailbox(provider, "sender", &email.from)?;
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
        if let Some(reply_to) = &email.reply_to {
            body["ReplyTo"] = json!(mime::mailbox(provider, "reply-to", reply_to)?.to_string());
        }
        if !self.tracking {
            body["TrackOpens"] = json!(false);
            body["TrackLinks"] = json!("None");
        }
        Ok(match email.esp_template_for(provider) {
            Some((template, variables)) => {
                // A numeric ID is a TemplateId; anything else is the template's alias.
                match template.parse::<u64>() {
                    Ok(id) => body["TemplateId"] = json!(id),
                    Err(_) => body["TemplateAlias"] = json!(template),
                }
                body["TemplateModel"] = variables.clone();
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

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let email = message.email_only(provider)?;
        let (endpoint, body) = self.request(provider, email)?;
        let request = self
            .client
            .post(endpoint)
            .header(reqwest::header::ACCEPT, "application/json")
            .header("X-Postmark-Server-Token", self.token.expose_secret())
            .json(&body);
        let response = http::send(provider, request).await?;
        let status = response.status;
        let reply = serde_json::from_str::<Reply>(&response.body).ok();
        if status.is_success() {
            return Ok(response.accepted_id(
                provider,
                "Postmark",
                reply.and_then(|r| r.message_id),
            ));
        }
        let code = reply.as_ref().and_then(|r| r.error_code);
        let text = reply.as_ref().and_then(|r| r.message.as_deref());
        let detail = response.error_detail("Postmark", code, text);
        let kind = kind(status, code, text);
        Err(response.error(provider, kind, detail))
    }
}
