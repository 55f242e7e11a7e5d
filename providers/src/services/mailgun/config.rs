//! `[providers.NAME]` with `type = "mailgun"`.

use serde::{Deserialize, Serialize};

use super::Mailgun;
use crate::http::{self, Api};
use crate::receipt::ReceiptReader;
use crate::{BuildContext, ErrorKind, SecretValue, SendError, Service};

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
    /// The HTTP webhook signing key: the receipts function verifies the
    /// webhooks with it.
    #[serde(default)]
    pub webhook_signing_key: Option<SecretValue>,
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
            webhook_signing_key: None,
        }
    }

}

impl Service for MailgunConfig {
    const TYPE: &'static str = "mailgun";
    const RECEIPT_KEYS: &'static [&'static str] = &["webhook_signing_key"];
    type Backend = Mailgun;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("api_key", &self.api_key)]
    }

    fn receipt_secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        self.webhook_signing_key
            .iter()
            .map(|key| ("webhook_signing_key", key))
            .collect()
    }

    fn receipts(
        &self,
        context: &BuildContext<'_>,
    ) -> Option<Result<Box<dyn ReceiptReader>, SendError>> {
        let key = self.webhook_signing_key.as_ref()?;
        Some(context.secret("webhook_signing_key", key).map(|signing_key| {
            Box::new(super::receipts::MailgunReceipts { signing_key }) as Box<dyn ReceiptReader>
        }))
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Mailgun, SendError> {
        let config_error = |detail: String| SendError::backend(ErrorKind::Config, detail);
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
        let api = Api::new(context, base_url, self.timeout_ms)?;
        Ok(Mailgun {
            endpoint: api.endpoint(&format!("/v3/{domain}/messages")),
            client: api.client,
            api_key: context.secret("api_key", &self.api_key)?,
            tracking: self.tracking,
        })
    }
}

