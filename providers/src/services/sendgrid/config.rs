//! `[providers.NAME]` with `type = "sendgrid"`.

use serde::{Deserialize, Serialize};

use super::SendGrid;
use crate::http::{self, Api};
use crate::receipt::ReceiptReader;
use crate::{BuildContext, NeverDelivers, SecretValue, SendError, Service};

/// SendGrid's default API host; `https://api.eu.sendgrid.com` for EU data residency.
pub const SENDGRID_DEFAULT_BASE_URL: &str = "https://api.sendgrid.com";

/// `type = "sendgrid"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SendGridConfig {
    /// API key with the Mail Send permission (a secret reference recommended).
    pub api_key: SecretValue,
    /// API host; `https://api.eu.sendgrid.com` for EU data residency.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// Validate without delivering (SendGrid's sandbox mode).
    #[serde(default)]
    pub sandbox_mode: bool,
    /// Leave open, click and subscription tracking to the account's settings.
    /// Off by default: every request turns them off, so reset links stay the
    /// links you rendered and no pixel reports who opened a security mail.
    #[serde(default)]
    pub tracking: bool,
    /// The Signed Event Webhook's verification key (base64, as SendGrid
    /// shows it): the receipts function verifies its events with it.
    #[serde(default)]
    pub webhook_verification_key: Option<String>,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_base_url() -> String {
    SENDGRID_DEFAULT_BASE_URL.into()
}

impl SendGridConfig {
    /// A configuration with `api_key` and every default.
    pub fn new(api_key: impl Into<String>) -> Self {
        SendGridConfig {
            api_key: SecretValue::new(api_key),
            base_url: default_base_url(),
            sandbox_mode: false,
            tracking: false,
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
            webhook_verification_key: None,
        }
    }
}

impl Service for SendGridConfig {
    const TYPE: &'static str = "sendgrid";
    const RECEIPT_KEYS: &'static [&'static str] = &["webhook_verification_key"];
    type Backend = SendGrid;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("api_key", &self.api_key)]
    }

    fn never_delivers(&self, _context: &BuildContext<'_>) -> Option<NeverDelivers> {
        self.sandbox_mode.then(|| NeverDelivers {
            key: "sandbox_mode",
            why: "sandbox_mode = true: SendGrid accepts and never delivers".into(),
            fix: "set {variable}=false".into(),
        })
    }

    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let _ = context;
        let key = self.webhook_verification_key.as_deref()?;
        Some(
            super::receipts::SendGridReceipts::new(key)
                .map(|reader| Box::new(reader) as Box<dyn ReceiptReader>)
                .map_err(|why| {
                    SendError::backend(
                        crate::ErrorKind::Config,
                        format!("`webhook_verification_key` {why}"),
                    )
                }),
        )
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<SendGrid, SendError> {
        let api = Api::new(context, &self.base_url, self.timeout_ms)?;
        Ok(SendGrid {
            endpoint: api.endpoint("/v3/mail/send"),
            client: api.client,
            api_key: context.secret("api_key", &self.api_key)?,
            sandbox_mode: self.sandbox_mode,
            tracking: self.tracking,
        })
    }
}
