//! `[providers.NAME]` with `type = "postmark"`.

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::Postmark;
use crate::http::{self, Api};
use crate::receipt::ReceiptReader;
use crate::{
    BuildContext, ErrorKind, NeverDelivers, SecretSource, SecretValue, SendError, Service,
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
    /// The user name of the webhook URL's Basic credentials.
    #[serde(default)]
    pub webhook_username: Option<String>,
    /// The password of the webhook URL's Basic credentials.
    #[serde(default)]
    pub webhook_password: Option<SecretValue>,
    /// The value of the webhook's `X-Switchboard-Webhook-Token` header.
    #[serde(default)]
    pub webhook_token: Option<SecretValue>,
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
            webhook_username: None,
            webhook_password: None,
            webhook_token: None,
        }
    }

}

impl Service for PostmarkConfig {
    const TYPE: &'static str = "postmark";
    const RECEIPT_KEYS: &'static [&'static str] = &["webhook_username", "webhook_password", "webhook_token"];
    type Backend = Postmark;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("api_key", &self.api_key)]
    }

    /// The test token, whether configured as text or behind a reference.
    fn never_delivers(&self, context: &BuildContext<'_>) -> Option<NeverDelivers> {
        let token = context.secret("api_key", &self.api_key).ok()?;
        if token.expose_secret() != POSTMARK_TEST_TOKEN {
            return None;
        }
        let setting = match self.api_key.source() {
            SecretSource::Inline(_) => format!("api_key = {POSTMARK_TEST_TOKEN}"),
            _ => format!("api_key = `{}`, which is {POSTMARK_TEST_TOKEN}", self.api_key),
        };
        Some(NeverDelivers {
            key: "api_key",
            why: format!("{setting}, Postmark's test token: accepted, never delivered"),
            fix: "set {variable} to your server token (an ssm: or secretsmanager: reference)"
                .into(),
        })
    }

    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        let password = self.webhook_password.iter().map(|p| ("webhook_password", p));
        let token = self.webhook_token.iter().map(|t| ("webhook_token", t));
        password.chain(token).collect()
    }

    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let (username, password, token) = match (
            &self.webhook_username,
            &self.webhook_password,
            &self.webhook_token,
        ) {
            (None, None, None) => return None,
            (Some(username), Some(password), Some(token)) => (username, password, token),
            _ => {
                return Some(Err(SendError::backend(
                    ErrorKind::Config,
                    "set all of `webhook_username`, `webhook_password` and `webhook_token` (Postmark signs nothing: both the Basic credentials and the header are checked)",
                )))
            }
        };
        let built = (|| {
            Ok(Box::new(super::receipts::PostmarkReceipts {
                username: username.clone(),
                password: context.secret("webhook_password", password)?,
                token: context.secret("webhook_token", token)?,
            }) as Box<dyn ReceiptReader>)
        })();
        Some(built)
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Postmark, SendError> {
        let api = Api::new(context, &self.base_url, self.timeout_ms)?;
        if self.message_stream.trim().is_empty() {
            return Err(SendError::backend(
                ErrorKind::Config,
                "`message_stream` is empty; use `outbound` or your transactional stream's ID",
            ));
        }
        Ok(Postmark {
            endpoint: api.endpoint("/email"),
            template_endpoint: api.endpoint("/email/withTemplate"),
            token: context.secret("api_key", &self.api_key)?,
            client: api.client,
            message_stream: self.message_stream.clone(),
            tracking: self.tracking,
        })
    }
}

