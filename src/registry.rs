//! Builds one sender per `[providers.NAME]`, once per cold start.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_providers::{Outbox, Sender};

use crate::config::ProviderConfig;
use crate::startup::StartupError;

/// The configured providers by name.
pub type Registry = BTreeMap<String, Arc<dyn Sender>>;

/// Builds every configured provider.
pub fn build(providers: &BTreeMap<String, ProviderConfig>) -> Result<Registry, StartupError> {
    let mut registry = Registry::new();
    for (name, config) in providers {
        validate_name(name)?;
        let sender: Arc<dyn Sender> = match config {
            ProviderConfig::Outbox { dir } => Arc::new(Outbox::new(name.clone(), dir.clone())),
        };
        registry.insert(name.clone(), sender);
    }
    Ok(registry)
}

/// Provider names travel through environment variables, which lose case.
fn validate_name(name: &str) -> Result<(), StartupError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(StartupError::Config(format!(
            "provider name `{name}` (in [providers.{name}]) must use only lower-case letters, digits, '-' and '_', because environment variables cannot carry case; rename it, e.g. `{}`",
            name.to_ascii_lowercase()
        )))
    }
}

/// Whether a provider only writes files (and so reaches nobody inside Lambda).
pub fn is_outbox(config: &ProviderConfig) -> bool {
    matches!(config, ProviderConfig::Outbox { .. })
}
