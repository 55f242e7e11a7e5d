//! `[providers.NAME]` with `type = "twilio"`.

use serde::{Deserialize, Serialize};

use super::{Origin, Twilio};
use crate::http::{self, Api};
use crate::receipt::ReceiptReader;
use crate::{BuildContext, ErrorKind, Provider, SecretValue, SendError, Service};

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

}

impl Service for TwilioConfig {
    const TYPE: &'static str = "twilio";
    const RECEIPT_KEYS: &'static [&'static str] = &["auth_token"];
    type Backend = Twilio;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        let token = self.auth_token.iter().map(|t| ("auth_token", t));
        let key = self.api_key_secret.iter().map(|s| ("api_key_secret", s));
        token.chain(key).collect()
    }

    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        self.auth_token.iter().map(|t| ("auth_token", t)).collect()
    }

    /// Twilio signs its callbacks with the account's auth token (which can
    /// also send): a provider configured with an API key has no receipts.
    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let token = self.auth_token.as_ref()?;
        Some(context.secret("auth_token", token).map(|auth_token| {
            Box::new(super::receipts::TwilioReceipts { auth_token }) as Box<dyn ReceiptReader>
        }))
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Twilio, SendError> {
        let config_error = |detail: String| SendError::backend(ErrorKind::Config, detail);
        let sid = self.account_sid.trim();
        if !sid.starts_with("AC") || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(config_error(format!(
                "`account_sid` = `{sid}` is not an Account SID (AC…)"
            )));
        }
        let (user, password) = match (&self.auth_token, &self.api_key_sid, &self.api_key_secret) {
            (Some(token), None, None) => {
                (sid.to_string(), context.secret("auth_token", token)?)
            }
            (None, Some(key_sid), Some(secret)) => (
                key_sid.clone(),
                context.secret("api_key_secret", secret)?,
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
        let api = Api::new(context, &self.base_url, self.timeout_ms)?;
        Ok(Twilio {
            endpoint: api.endpoint(&format!("/2010-04-01/Accounts/{sid}/Messages.json")),
            client: api.client,
            user,
            password,
            from,
            status_callback: self
                .status_callback
                .as_deref()
                .map(|url| callback_url("status_callback", url))
                .transpose()?,
        })
    }

    /// With `receipts.url` set, each message's `StatusCallback` is the receipts
    /// function's path for this provider (`{receipts.url}/{name}`), which knows
    /// how to verify it.
    fn provider(
        &self,
        name: &str,
        context: &BuildContext<'_>,
    ) -> Result<Provider<Twilio>, SendError> {
        let mut backend = self.build(context).map_err(|error| error.named(name))?;
        if let Some(receipts) = context.receipts_url.as_deref() {
            if self.status_callback.is_some() {
                return Err(SendError::backend(
                    ErrorKind::Config,
                    "`status_callback` is set and so is `receipts.url`: Twilio takes one callback per message, and Switchboard puts the receipts function's there; remove `status_callback`",
                )
                .named(name));
            }
            if self.auth_token.is_none() {
                // Its callbacks would be signed with an auth token the receipts function does not have.
                tracing::warn!(
                    provider = name,
                    "receipts.url is set, but this Twilio provider sends with an API key: Twilio signs status callbacks with the account's auth token, so its messages carry no callback (set auth_token instead of the API key for receipts)"
                );
                return Ok(Provider::new(name, backend));
            }
            let url = format!("{}/{name}", receipts.trim_end_matches('/'));
            backend.status_callback =
                Some(callback_url("receipts.url", &url).map_err(|error| error.named(name))?);
        }
        Ok(Provider::new(name, backend))
    }
}

/// A callback URL Twilio can call: absolute, http(s).
fn callback_url(key: &str, url: &str) -> Result<url::Url, SendError> {
    url::Url::parse(url.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "https" | "http") && url.has_host())
        .ok_or_else(|| {
            SendError::backend(
                ErrorKind::Config,
                format!("`{key}` is not an absolute https:// (or http://) URL"),
            )
        })
}

