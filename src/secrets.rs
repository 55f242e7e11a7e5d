//! Secret values in configuration: literal, or a reference resolved once at cold
//! start. `Debug` and `Serialize` never show a literal secret.

use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Serialize, Serializer};

use crate::startup::StartupError;

/// A configured secret: `env:NAME`, or the value itself.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a configured value.
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    fn reference(&self) -> Option<(&str, &str)> {
        self.0
            .split_once(':')
            .filter(|(scheme, _)| matches!(*scheme, "env"))
    }

    /// Resolves the value; `key` names the setting in errors (`providers.primary.api_key`).
    pub fn resolve(&self, key: &str) -> Result<SecretString, StartupError> {
        match self.reference() {
            Some(("env", name)) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(SecretString::from(value)),
                _ => Err(StartupError::Config(format!(
                    "`{key}` = `env:{name}`, but the environment variable {name} is not set or empty"
                ))),
            },
            _ if self.0.trim().is_empty() => Err(StartupError::Config(format!("`{key}` is empty"))),
            _ => Ok(SecretString::from(self.0.clone())),
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reference() {
            Some((scheme, name)) => write!(f, "{scheme}:{name}"),
            None => f.write_str("<redacted>"),
        }
    }
}

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{self:?}"))
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
            serde_json::to_string(&SecretValue::new("SG.x")).unwrap(),
            "\"<redacted>\""
        );
    }

    #[test]
    fn a_literal_resolves_to_itself() {
        assert_eq!(
            SecretValue::new("abc")
                .resolve("k")
                .unwrap()
                .expose_secret(),
            "abc"
        );
    }

    #[test]
    fn a_missing_environment_variable_is_named() {
        let err = SecretValue::new("env:SWB_TEST_SURELY_UNSET_VARIABLE")
            .resolve("providers.p.api_key")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("providers.p.api_key") && err.contains("SWB_TEST_SURELY_UNSET_VARIABLE"),
            "{err}"
        );
    }
}
