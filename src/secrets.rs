//! Secret values in configuration: literal, or a reference resolved once at cold
//! start — `env:NAME`, `ssm:/parameter/name` (SecureString, decrypted) or
//! `secretsmanager:SECRET_ID[#json-key]`. `Debug` and `Serialize` never show a
//! literal secret; resolved values live in `SecretString`s.

use std::collections::HashMap;
use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};

use crate::startup::StartupError;

/// A configured secret: a reference, or the value itself.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretValue(String);

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// The value itself (inline in configuration).
    Inline(&'a str),
    /// An environment variable.
    Env(&'a str),
    /// An SSM parameter.
    Ssm(&'a str),
    /// A Secrets Manager secret, optionally one key of its JSON.
    SecretsManager {
        /// Secret name or ARN.
        id: &'a str,
        /// Key inside a JSON secret.
        key: Option<&'a str>,
    },
}

impl SecretValue {
    /// Wraps a configured value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    /// Where the value comes from.
    pub fn source(&self) -> Source<'_> {
        match self.0.split_once(':') {
            Some(("env", name)) => Source::Env(name),
            Some(("ssm", name)) => Source::Ssm(name),
            Some(("secretsmanager", rest)) => match rest.split_once('#') {
                Some((id, key)) => Source::SecretsManager { id, key: Some(key) },
                None => Source::SecretsManager {
                    id: rest,
                    key: None,
                },
            },
            _ => Source::Inline(&self.0),
        }
    }

    /// Whether resolving needs AWS credentials.
    pub fn needs_aws(&self) -> bool {
        matches!(
            self.source(),
            Source::Ssm(_) | Source::SecretsManager { .. }
        )
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source() {
            Source::Inline(_) => f.write_str("<redacted>"),
            _ => f.write_str(&self.0),
        }
    }
}

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:?}"))
    }
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
        SecretResolver {
            ssm: aws.map(aws_sdk_ssm::Client::new),
            secrets_manager: aws.map(aws_sdk_secretsmanager::Client::new),
            cache: HashMap::new(),
        }
    }

    /// Resolves `value`; `key` names the setting in errors (`providers.primary.api_key`).
    pub async fn resolve(
        &mut self,
        key: &str,
        value: &SecretValue,
    ) -> Result<SecretString, StartupError> {
        let fail = |why: String| StartupError::Config(format!("`{key}` = `{value:?}`: {why}"));
        if let Some(cached) = self.cache.get(&value.0) {
            return Ok(cached.clone());
        }
        let resolved = match value.source() {
            Source::Inline(text) if text.trim().is_empty() => return Err(fail("is empty".into())),
            Source::Inline(text) => {
                tracing::warn!(setting = key, "a secret is inline in the configuration; prefer an env:, ssm: or secretsmanager: reference");
                text.to_string()
            }
            Source::Env(name) => match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => v,
                _ => {
                    return Err(fail(format!(
                        "the environment variable {name} is not set or empty"
                    )))
                }
            },
            Source::Ssm(name) => {
                let ssm = self
                    .ssm
                    .as_ref()
                    .ok_or_else(|| fail("no AWS configuration was loaded".into()))?;
                let output = ssm
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| fail(format!("SSM GetParameter failed: {} (the role needs ssm:GetParameter, and kms:Decrypt for SecureString)", aws_sdk_ssm::error::DisplayErrorContext(&e))))?;
                output
                    .parameter()
                    .and_then(|p| p.value())
                    .map(str::to_string)
                    .ok_or_else(|| fail("the parameter has no value".into()))?
            }
            Source::SecretsManager { id, key: json_key } => {
                let client = self
                    .secrets_manager
                    .as_ref()
                    .ok_or_else(|| fail("no AWS configuration was loaded".into()))?;
                let output = client.get_secret_value().secret_id(id).send().await.map_err(|e| {
                    fail(format!(
                        "Secrets Manager GetSecretValue failed: {} (the role needs secretsmanager:GetSecretValue)",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                    ))
                })?;
                let text = output
                    .secret_string()
                    .ok_or_else(|| fail("the secret has no SecretString".into()))?;
                match json_key {
                    None => text.to_string(),
                    Some(json_key) => {
                        let json: serde_json::Value = serde_json::from_str(text).map_err(|_| {
                            fail("the secret is not JSON, but the reference names a #key".into())
                        })?;
                        json.get(json_key)
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_string)
                            .ok_or_else(|| {
                                fail(format!("the secret's JSON has no string key `{json_key}`"))
                            })?
                    }
                }
            }
        };
        let secret = SecretString::from(resolved);
        self.cache.insert(value.0.clone(), secret.clone());
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn literals_are_redacted_and_references_shown() {
        assert_eq!(
            format!("{:?}", SecretValue::new("SG.super-secret")),
            "<redacted>"
        );
        assert_eq!(
            format!("{:?}", SecretValue::new("env:SENDGRID_KEY")),
            "env:SENDGRID_KEY"
        );
        assert_eq!(
            format!("{:?}", SecretValue::new("ssm:/switchboard/key")),
            "ssm:/switchboard/key"
        );
        assert_eq!(
            serde_json::to_string(&SecretValue::new("SG.x")).unwrap(),
            "\"<redacted>\""
        );
    }

    #[test]
    fn references_are_parsed() {
        assert_eq!(
            SecretValue::new("secretsmanager:prod/sb#sendgrid").source(),
            Source::SecretsManager {
                id: "prod/sb",
                key: Some("sendgrid")
            }
        );
        assert_eq!(
            SecretValue::new("secretsmanager:prod/sb").source(),
            Source::SecretsManager {
                id: "prod/sb",
                key: None
            }
        );
        assert_eq!(SecretValue::new("ssm:/a/b").source(), Source::Ssm("/a/b"));
        assert!(SecretValue::new("ssm:/a").needs_aws() && !SecretValue::new("env:A").needs_aws());
    }

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
