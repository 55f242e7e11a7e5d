//! `[providers.NAME]` with `type = "resend"`.

use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::Resend;
use crate::http::{self, Api};
use crate::receipt::ReceiptReader;
use crate::{BuildContext, SecretValue, SendError, Service};

/// Resend's API host.
pub const RESEND_DEFAULT_BASE_URL: &str = "https://api.resend.com";

/// `type = "resend"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResendConfig {
    /// API key with sending access (a secret reference recommended).
    pub api_key: SecretValue,
    /// API host.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The webhook's signing secret (`whsec_…`): the receipts function
    /// verifies the webhooks with it.
    #[serde(default)]
    pub webhook_secret: Option<SecretValue>,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    RESEND_DEFAULT_BASE_URL.into()
}

impl ResendConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        ResendConfig {
            api_key: SecretValue::new(api_key),
            base_url: default_base_url(),
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
            webhook_secret: None,
        }
    }

}

impl Service for ResendConfig {
    const TYPE: &'static str = "resend";
    const RECEIPT_KEYS: &'static [&'static str] = &["webhook_secret"];
    type Backend = Resend;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("api_key", &self.api_key)]
    }

    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        self.webhook_secret
            .iter()
            .map(|secret| ("webhook_secret", secret))
            .collect()
    }

    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let secret = self.webhook_secret.as_ref()?;
        Some(context.secret("webhook_secret", secret).and_then(|secret| {
            super::receipts::ResendReceipts::new(secret.expose_secret())
                .map(|reader| Box::new(reader) as Box<dyn ReceiptReader>)
                .map_err(|why| {
                    SendError::backend(crate::ErrorKind::Config, format!("`webhook_secret` {why}"))
                })
        }))
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Resend, SendError> {
        let api = Api::new(context, &self.base_url, self.timeout_ms)?;
        Ok(Resend {
            endpoint: api.endpoint("/emails"),
            client: api.client,
            api_key: context.secret("api_key", &self.api_key)?,
        })
    }
}

