//! Twilio Programmable Messaging (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`)
//! over reqwest. Errors are mapped with Twilio's own error `code` as well as the
//! HTTP status, because Twilio answers 400 for both bad numbers and bad requests.

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::http;
use crate::{Backend, BuildContext, Channel, ErrorKind, Message, Provider, SecretValue, SendError};

/// Twilio's default API host; regional edges look like `https://api.dublin.ie1.twilio.com`.
pub const TWILIO_DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// `type = "twilio"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    /// Account SID (`AC…`).
    pub account_sid: String,
    /// The account's Auth Token; or use `api_key_sid` + `api_key_secret`.
    #[serde(default)]
    pub auth_token: Option<SecretValue>,
    /// API Key SID (`SK…`), revocable, recommended.
    #[serde(default)]
    pub api_key_sid: Option<String>,
    /// API Key secret.
    #[serde(default)]
    pub api_key_secret: Option<SecretValue>,
    /// Sender number or alphanumeric ID; or use `messaging_service_sid`.
    #[serde(default)]
    pub from: Option<String>,
    /// Messaging Service SID (`MG…`), which picks the number.
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    /// Delivery receipt URL (`StatusCallback`).
    #[serde(default)]
    pub status_callback: Option<String>,
    /// API host; a regional edge such as `https://api.dublin.ie1.twilio.com`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    TWILIO_DEFAULT_BASE_URL.into()
}

/// Who the message comes from.
#[derive(Debug, Clone)]
enum Origin {
    /// A Twilio phone number or alphanumeric sender ID (`From`).
    Number(String),
    /// A Messaging Service (`MessagingServiceSid`).
    MessagingService(String),
}

impl TwilioConfig {
    /// A configuration for `account_sid` with every default and no credentials or sender.
    pub fn new(account_sid: impl Into<String>) -> Self {
        TwilioConfig {
            account_sid: account_sid.into(),
            auth_token: None,
            api_key_sid: None,
            api_key_secret: None,
            from: None,
            messaging_service_sid: None,
            status_callback: None,
            base_url: default_base_url(),
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

    /// Builds the provider named `name`.
    pub fn into_sender(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Twilio>, SendError> {
        let config_error = |detail: String| SendError::new(name, ErrorKind::Config, detail);
        let sid = self.account_sid.trim();
        if !sid.starts_with("AC") || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(config_error(format!(
                "`account_sid` = `{sid}` is not an Account SID (AC…)"
            )));
        }
        let (user, password) = match (&self.auth_token, &self.api_key_sid, &self.api_key_secret) {
            (Some(token), None, None) => {
                (sid.to_string(), context.secret(name, "auth_token", token)?)
            }
            (None, Some(key_sid), Some(secret)) => (
                key_sid.clone(),
                context.secret(name, "api_key_secret", secret)?,
            ),
            _ => {
                return Err(config_error(
                    "set either `auth_token`, or `api_key_sid` and `api_key_secret`".into(),
                ))
            }
        };
        let from = match (&self.from, &self.messaging_service_sid) {
            (Some(number), None) => Origin::Number(number.clone()),
            (None, Some(service)) => Origin::MessagingService(service.clone()),
            _ => {
                return Err(config_error(
                    "set either `from` or `messaging_service_sid`".into(),
                ))
            }
        };
        let base = http::base_url(name, "base_url", &self.base_url)?;
        Ok(Provider::new(
            name,
            Twilio {
                endpoint: http::endpoint(
                    &base,
                    &format!("/2010-04-01/Accounts/{sid}/Messages.json"),
                ),
                client: context.http.for_provider(name, self.timeout_ms)?,
                user,
                password,
                from,
                status_callback: self.status_callback.clone(),
            },
        ))
    }
}

/// The Twilio backend.
#[derive(Debug)]
pub struct Twilio {
    endpoint: String,
    user: String,
    password: SecretString,
    from: Origin,
    status_callback: Option<String>,
    client: http::Client,
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

/// Twilio's error codes that say more than the HTTP status (which is 400 for
/// most of them).
fn kind_for_code(code: u32) -> Option<ErrorKind> {
    match code {
        // About this recipient: invalid 'To' number; 'To' unsubscribed (STOP);
        // 'To' not reachable by SMS; 'To' not a mobile number.
        21211 | 21610 | 21612 | 21614 => Some(ErrorKind::Rejected),
        // About our account or sender: region not enabled; invalid 'From';
        // 'From' not SMS-capable; trial account and unverified 'To'; unknown resource.
        21408 | 21212 | 21606 | 21608 | 20404 => Some(ErrorKind::Config),
        20003 | 20005 => Some(ErrorKind::Auth),
        20429 => Some(ErrorKind::RateLimited),
        _ => None,
    }
}

#[async_trait]
impl Backend for Twilio {
    const CHANNELS: &'static [Channel] = &[Channel::Sms];

    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError> {
        let sms = message.sms_only(provider)?;
        let mut form: Vec<(&str, &str)> = vec![("To", &sms.to), ("Body", &sms.body)];
        match &self.from {
            Origin::Number(number) => {
                form.push(("From", sms.sender_id.as_deref().unwrap_or(number)))
            }
            Origin::MessagingService(sid) => form.push(("MessagingServiceSid", sid)),
        }
        if let Some(callback) = &self.status_callback {
            form.push(("StatusCallback", callback));
        }
        let request = self
            .client
            .post(&self.endpoint)
            .basic_auth(&self.user, Some(self.password.expose_secret()))
            .form(&form);
        let response = http::send(provider, request).await?;
        let status = response.status;
        if status.is_success() {
            let sid = serde_json::from_str::<Created>(&response.body).ok();
            return Ok(response.accepted_id(provider, "Twilio", sid.map(|c| c.sid)));
        }
        let body = serde_json::from_str::<TwilioError>(&response.body).ok();
        let code = body.as_ref().and_then(|b| b.code);
        let message = body.as_ref().and_then(|b| b.message.as_deref());
        let detail = response.error_detail("Twilio", code, message);
        let kind = code
            .and_then(kind_for_code)
            .unwrap_or_else(|| http::kind_for_status(status));
        Err(response.error(provider, kind, detail))
    }
}
