//! A secret as configured: a reference (`env:NAME`, `ssm:/path`,
//! `secretsmanager:id[#key]`) or, discouraged, the value itself. Resolving a
//! reference is the caller's job (it needs AWS clients); `Debug` and `Serialize`
//! show references and never a literal value.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// A configured secret: a reference, or the value itself.
#[derive(Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(transparent)]
pub struct SecretValue(String);

/// Where a secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource<'a> {
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
    pub fn source(&self) -> SecretSource<'_> {
        match self.0.split_once(':') {
            Some(("env", name)) => SecretSource::Env(name),
            Some(("ssm", name)) => SecretSource::Ssm(name),
            Some(("secretsmanager", rest)) => match rest.split_once('#') {
                Some((id, key)) => SecretSource::SecretsManager { id, key: Some(key) },
                None => SecretSource::SecretsManager {
                    id: rest,
                    key: None,
                },
            },
            _ => SecretSource::Inline(&self.0),
        }
    }

    /// Whether resolving needs AWS credentials.
    pub fn needs_aws(&self) -> bool {
        matches!(
            self.source(),
            SecretSource::Ssm(_) | SecretSource::SecretsManager { .. }
        )
    }

    /// The configured text, reference or literal. Only for resolving and caching:
    /// never log it.
    pub fn configured(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.source() {
            SecretSource::Inline(_) => f.write_str("<redacted>"),
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_redacted_and_references_shown() {
        assert_eq!(
            format!("{:?}", SecretValue::new("SG.super-secret")),
            "<redacted>"
        );
        assert_eq!(
            format!("{}", SecretValue::new("env:SENDGRID_KEY")),
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
            SecretSource::SecretsManager {
                id: "prod/sb",
                key: Some("sendgrid")
            }
        );
        assert_eq!(
            SecretValue::new("secretsmanager:prod/sb").source(),
            SecretSource::SecretsManager {
                id: "prod/sb",
                key: None
            }
        );
        assert_eq!(
            SecretValue::new("ssm:/a/b").source(),
            SecretSource::Ssm("/a/b")
        );
        assert!(SecretValue::new("ssm:/a").needs_aws() && !SecretValue::new("env:A").needs_aws());
    }
}
