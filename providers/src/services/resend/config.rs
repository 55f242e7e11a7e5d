//! `[providers.NAME]` with `type = "resend"`.

use serde::{Deserialize, Serialize};

use super::Resend;
use crate::http::{self, Api};
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
        }
    }

}

impl Service for ResendConfig {
    const TYPE: &'static str = "resend";
    type Backend = Resend;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("api_key", &self.api_key)]
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

