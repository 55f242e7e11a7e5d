//! `[providers.NAME]` with `type = "webhook"`.

use aws_lc_rs::hmac;
use base64::Engine;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::Webhook;
use crate::http;
use crate::{BuildContext, ErrorKind, SecretValue, SendError, Service};

/// The shortest signing key accepted, in bytes.
const MIN_SECRET_LEN: usize = 16;
/// Standard Webhooks' secret prefix; the rest is the base64 of the key.
const STANDARD_SECRET_PREFIX: &str = "whsec_";

/// How requests are signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureScheme {
    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    #[default]
    Standard,
    /// `X-Switchboard-Timestamp` and `X-Switchboard-Signature` (hex).
    Switchboard,
}

/// `type = "webhook"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// HTTPS URL (plain http only to a loopback address).
    pub url: String,
    /// HMAC-SHA256 signing secret: `whsec_<base64 key>` (Standard Webhooks'
    /// form), or any other text of at least 16 characters used as the key's bytes.
    pub secret: SecretValue,
    /// `standard` (default) or `switchboard`.
    #[serde(default)]
    pub signature: SignatureScheme,
    /// Whole-request timeout in milliseconds.
    #[serde(default = "http::default_timeout_ms")]
    pub timeout_ms: u64,
}

impl WebhookConfig {
    /// A configuration for `url` signed with `secret` (Standard Webhooks).
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        WebhookConfig {
            url: url.into(),
            secret: SecretValue::new(secret),
            signature: SignatureScheme::default(),
            timeout_ms: http::DEFAULT_TIMEOUT_MS,
        }
    }

}

impl Service for WebhookConfig {
    const TYPE: &'static str = "webhook";
    type Backend = Webhook;

    #[cfg(feature = "testing")]
    fn stand_in() -> Option<crate::testing::StandIn> {
        Some(super::stand_in::STAND_IN)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        vec![("secret", &self.secret)]
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Webhook, SendError> {
        let url = http::base_url("url", &self.url)?;
        let secret = context.secret("secret", &self.secret)?;
        let key = signing_key(secret.expose_secret())
            .map_err(|detail| SendError::backend(ErrorKind::Config, detail))?;
        Ok(Webhook {
            key: hmac::Key::new(hmac::HMAC_SHA256, &key),
            scheme: self.signature,
            client: context.http.client_for(&url, self.timeout_ms)?,
            url: url.to_string(),
        })
    }
}

/// The HMAC key a secret stands for: the decoded base64 after `whsec_`, else the
/// text's own bytes. Errors never contain the secret.
fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    let key = match secret.strip_prefix(STANDARD_SECRET_PREFIX) {
        // Padding optional, as Standard Webhooks' own libraries accept it.
        Some(encoded) => base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(encoded.trim_end_matches('='))
            .map_err(|_| {
                "`secret` starts with `whsec_` but the rest is not base64; use the secret \
                 exactly as your Standard Webhooks library generated it"
                    .to_string()
            })?,
        None => secret.as_bytes().to_vec(),
    };
    if key.len() < MIN_SECRET_LEN {
        return Err(format!(
            "`secret` must be at least {MIN_SECRET_LEN} bytes of key (e.g. `whsec_` and the \
             base64 of 24 random bytes)"
        ));
    }
    Ok(key)
}

