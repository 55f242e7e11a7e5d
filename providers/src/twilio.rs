//! Twilio Programmable Messaging (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`)
//! over reqwest. Errors are mapped with Twilio's own error `code` as well as the
//! HTTP status, because Twilio answers 400 for both bad numbers and bad requests.

use async_trait::async_trait;
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::http::{self, HttpTimeouts};
use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Twilio's default API host; regional edges look like `https://api.dublin.ie1.twilio.com`.
pub const TWILIO_DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// How Twilio authenticates us.
#[derive(Clone)]
pub enum TwilioAuth {
    /// The Account SID and its Auth Token.
    AuthToken(SecretString),
    /// An API Key SID and secret (revocable, recommended).
    ApiKey {
        /// `SK…`
        sid: String,
        /// The key's secret.
        secret: SecretString,
    },
}

/// Who the message comes from.
#[derive(Debug, Clone)]
pub enum TwilioSender {
    /// A Twilio phone number or alphanumeric sender ID (`From`).
    From(String),
    /// A Messaging Service (`MessagingServiceSid`, `MG…`), which picks the number.
    MessagingService(String),
}

/// Settings for [`Twilio`].
#[derive(Clone)]
pub struct TwilioConfig {
    /// `AC…`
    pub account_sid: String,
    /// Credentials.
    pub auth: TwilioAuth,
    /// Sender.
    pub sender: TwilioSender,
    /// Optional `StatusCallback` URL for delivery receipts.
    pub status_callback: Option<String>,
    /// API host (default [`TWILIO_DEFAULT_BASE_URL`]).
    pub base_url: String,
    /// Timeouts.
    pub timeouts: HttpTimeouts,
}

/// The Twilio backend.
pub struct Twilio {
    name: String,
    endpoint: String,
    user: String,
    password: SecretString,
    sender: TwilioSender,
    status_callback: Option<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for Twilio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("user", &self.user)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Created {
    sid: String,
}

#[derive(Deserialize)]
struct TwilioError {
    #[serde(default)]
    code: Option<u32>,
    #[serde(default)]
    message: Option<String>,
}

impl Twilio {
    /// A Twilio backend named `name`.
    pub fn new(name: impl Into<String>, config: TwilioConfig) -> Result<Self, SendError> {
        let name = name.into();
        let sid = config.account_sid.trim();
        if !sid.starts_with("AC") || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(SendError::new(
                &name,
                ErrorKind::Config,
                format!("`account_sid` = `{sid}` is not an Account SID (AC…)"),
            ));
        }
        let base: Url = http::base_url(&name, "base_url", &config.base_url)?;
        let (user, password) = match config.auth {
            TwilioAuth::AuthToken(token) => (sid.to_string(), token),
            TwilioAuth::ApiKey { sid, secret } => (sid, secret),
        };
        Ok(Twilio {
            endpoint: http::endpoint(&base, &format!("/2010-04-01/Accounts/{sid}/Messages.json")),
            client: http::client(&name, config.timeouts)?,
            user,
            password,
            sender: config.sender,
            status_callback: config.status_callback,
            name,
        })
    }

    fn error(
        &self,
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        text: &str,
    ) -> SendError {
        let body = serde_json::from_str::<TwilioError>(text).ok();
        let code = body.as_ref().and_then(|b| b.code);
        let message = body
            .and_then(|b| b.message)
            .unwrap_or_else(|| http::excerpt(text));
        let detail = match code {
            Some(code) => format!("Twilio error {code} ({status}): {message}"),
            None => format!("Twilio answered {status}: {message}"),
        };
        let base = http::status_error(&self.name, status, headers, detail.clone());
        let kind = match code {
            // Invalid 'To' number; not a mobile number; unsubscribed recipient;
            // not allowed to send to this region.
            Some(21211 | 21614 | 21610 | 21408 | 21612) => ErrorKind::Rejected,
            Some(20003 | 20005) => ErrorKind::Auth,
            Some(20429) => ErrorKind::RateLimited,
            _ => return base,
        };
        let mut error = SendError::new(&self.name, kind, detail).with_status(status.as_u16());
        if let Some(wait) = base.retry_after() {
            error = error.with_retry_after(wait);
        }
        error
    }
}

#[async_trait]
impl Sender for Twilio {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Sms]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let sms = message.sms_only(&self.name)?;
        let mut form: Vec<(&str, &str)> = vec![("To", &sms.to), ("Body", &sms.body)];
        match &self.sender {
            TwilioSender::From(from) => {
                form.push(("From", sms.sender_id.as_deref().unwrap_or(from)))
            }
            TwilioSender::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        if let Some(callback) = &self.status_callback {
            form.push(("StatusCallback", callback));
        }
        let response = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .form(&form)
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
        let message_id = serde_json::from_str::<Created>(&text).map(|c| c.sid).unwrap_or_else(|_| {
            tracing::warn!(provider = %self.name, %status, "Twilio accepted the message without a readable sid");
            "unknown".to_string()
        });
        Ok(Delivery::new(self.name.clone(), message_id))
    }
}
