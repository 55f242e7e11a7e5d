//! Resolves the secrets configuration names — `env:NAME`, `ssm:/parameter/name`
//! (SecureString, decrypted) or `secretsmanager:SECRET_ID[#json-key]` — once per
//! cold start. Resolved values live in `SecretString`s, are never logged, and
//! are removed by value from anything the process prints
//! (`switchboard_providers::redaction`).

use std::collections::HashMap;
use std::fmt;

use secrecy::SecretString;

use crate::aws;
use switchboard_providers::redaction::redactor;
use switchboard_providers::{SecretSource, SecretValue};

/// A secret that cannot be resolved; names the setting, its reference and the fix.
#[derive(Debug, thiserror::Error)]
#[error("`{key}` = `{value}`: {problem}")]
pub struct SecretError {
    /// The setting (`providers.primary.api_key`).
    pub key: String,
    /// The configured reference (a literal shows as `<redacted>`).
    pub value: String,
    /// What went wrong and how to fix it.
    pub problem: String,
}

/// Resolves secret references once per cold start, with a cache so a secret
/// named by several providers is fetched once.
pub struct SecretResolver {
    ssm: Option<aws_sdk_ssm::Client>,
    secrets_manager: Option<aws_sdk_secretsmanager::Client>,
    cache: HashMap<String, SecretString>,
}

impl fmt::Debug for SecretResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretResolver")
            .field("cached", &self.cache.len())
            .finish()
    }
}

impl SecretResolver {
    /// A resolver; `aws` is needed for `ssm:` and `secretsmanager:` references.
    pub fn new(aws: Option<&aws_config::SdkConfig>) -> Self {
        let limited = aws.map(|aws| aws::with_timeouts(aws, aws::SECRETS));
        SecretResolver {
            ssm: limited.as_ref().map(aws_sdk_ssm::Client::new),
            secrets_manager: limited.as_ref().map(aws_sdk_secretsmanager::Client::new),
            cache: HashMap::new(),
        }
    }

    /// Resolves `value`; `key` names the setting in errors (`providers.primary.api_key`).
    pub async fn resolve(
        &mut self,
        key: &str,
        value: &SecretValue,
    ) -> Result<SecretString, SecretError> {
        if let Some(cached) = self.cache.get(value.configured()) {
            return Ok(cached.clone());
        }
        let resolved = self
            .fetch(key, value.source())
            .await
            .map_err(|problem| SecretError {
                key: key.to_string(),
                value: value.to_string(),
                problem,
            })?;
        let secret = SecretString::from(resolved);
        self.cache
            .insert(value.configured().to_string(), secret.clone());
        Ok(secret)
    }

    /// The value from its source, or what went wrong and how to fix it.
    async fn fetch(&self, key: &str, source: SecretSource<'_>) -> Result<String, String> {
        const NO_AWS: &str = "no AWS configuration was loaded";
        match source {
            SecretSource::Inline(text) if text.trim().is_empty() => Err("is empty".into()),
            SecretSource::Inline(text) => {
                tracing::warn!(setting = key, "a secret is inline in the configuration; prefer an env:, ssm: or secretsmanager: reference");
                Ok(text.to_string())
            }
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(v),
                _ => Err(format!(
                    "the environment variable {name} is not set or empty"
                )),
            },
            SecretSource::Ssm(name) => fetch_ssm(self.ssm.as_ref().ok_or(NO_AWS)?, name).await,
            SecretSource::SecretsManager { id, key: json_key } => {
                let client = self.secrets_manager.as_ref().ok_or(NO_AWS)?;
                let output = client.get_secret_value().secret_id(id).send().await.map_err(|e| {
                    format!(
                        "Secrets Manager GetSecretValue failed: {} (the role needs secretsmanager:GetSecretValue)",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                    )
                })?;
                let text = output
                    .secret_string()
                    .ok_or("the secret has no SecretString")?;
                match json_key {
                    None => Ok(text.to_string()),
                    Some(json_key) => json_value(text, json_key),
                }
            }
        }
    }
}

/// The function's own AWS credentials, when the environment carries them (as
/// Lambda's does): removed by value from anything printed, as resolved secrets
/// are. The session token travels in every AWS request's headers.
pub fn redact_environment_credentials() {
    for name in ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] {
        match std::env::var(name) {
            // AWS issues 40 characters and more; a shorter value is a local
            // emulator's placeholder (moto's `testing`), common in ordinary text.
            Ok(value) if value.len() >= AWS_CREDENTIAL_CHARS => redactor().add_credential(&value),
            _ => {}
        }
    }
}

/// The shortest AWS secret access key or session token taken for a real one.
const AWS_CREDENTIAL_CHARS: usize = 16;

/// The value of SSM parameter `name` (a SecureString decrypted), or the problem.
pub async fn ssm_parameter(aws: &aws_config::SdkConfig, name: &str) -> Result<String, String> {
    let ssm = aws_sdk_ssm::Client::new(&aws::with_timeouts(aws, aws::SECRETS));
    fetch_ssm(&ssm, name).await
}

async fn fetch_ssm(ssm: &aws_sdk_ssm::Client, name: &str) -> Result<String, String> {
    let output = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| format!("SSM GetParameter failed: {} (the role needs ssm:GetParameter, and kms:Decrypt for SecureString)", aws_sdk_ssm::error::DisplayErrorContext(&e)))?;
    output
        .parameter()
        .and_then(|p| p.value())
        .map(str::to_string)
        .ok_or_else(|| "the parameter has no value".into())
}

/// One string key of a JSON secret.
fn json_value(text: &str, key: &str) -> Result<String, String> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| "the secret is not JSON, but the reference names a #key".to_string())?;
    json.get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("the secret's JSON has no string key `{key}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[tokio::test]
    async fn a_literal_resolves_to_itself() {
        let mut resolver = SecretResolver::new(None);
        assert_eq!(
            resolver
                .resolve("k", &SecretValue::new("abc"))
                .await
                .unwrap()
                .expose_secret(),
            "abc"
        );
    }

    #[tokio::test]
    async fn a_missing_environment_variable_is_named() {
        let mut resolver = SecretResolver::new(None);
        let err = resolver
            .resolve(
                "providers.p.api_key",
                &SecretValue::new("env:SWB_TEST_SURELY_UNSET_VARIABLE"),
            )
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("providers.p.api_key") && err.contains("SWB_TEST_SURELY_UNSET_VARIABLE"),
            "{err}"
        );
    }
}
