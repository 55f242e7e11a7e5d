//! Builds one sender per `[providers.NAME]`, once per cold start: secrets are
//! resolved first, then each backend builds itself from its own section.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_providers::{BuildContext, ProviderConfig, Sender};

use super::error::StartupError;
use crate::secrets::SecretResolver;

/// The configured providers by name.
pub type Registry = BTreeMap<String, Arc<dyn Sender>>;

/// Whether any configured provider needs AWS credentials.
pub fn needs_aws(providers: &BTreeMap<String, ProviderConfig>) -> bool {
    providers.values().any(ProviderConfig::needs_aws)
}

/// Builds every configured provider. `aws` is required when [`needs_aws`] says so.
pub async fn build(
    providers: &BTreeMap<String, ProviderConfig>,
    aws: Option<&aws_config::SdkConfig>,
) -> Result<Registry, StartupError> {
    let mut resolver = SecretResolver::new(aws);
    let mut context = BuildContext {
        aws,
        ..BuildContext::default()
    };
    for (name, config) in providers {
        for (field, value) in config.secrets() {
            let secret = resolver
                .resolve(&format!("providers.{name}.{field}"), value)
                .await?;
            context
                .secrets
                .insert(value.configured().to_string(), secret);
        }
    }
    providers
        .iter()
        .map(|(name, config)| {
            let sender =
                config
                    .into_sender(name, &context)
                    .map_err(|error| StartupError::Provider {
                        name: name.clone(),
                        kind: config.type_name(),
                        error: Box::new(error),
                    })?;
            Ok((name.clone(), sender))
        })
        .collect()
}
