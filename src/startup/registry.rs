//! Builds one sender per `[providers.NAME]`, once per cold start: secrets are
//! resolved first, then each provider builds itself from its own section —
//! and, inside Lambda, one that would accept codes without delivering them
//! (judged on the resolved secrets) is refused.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_providers::{BuildContext, NeverDelivers, ProviderConfig, Sender};

use super::connections::Opening;
use super::error::{Refusal, StartupError};
use super::options::Runtime;
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
    runtime: Runtime,
) -> Result<Registry, StartupError> {
    Ok(build_opening(providers, aws, runtime, None).await?.0)
}

/// As [`build`], then starts opening the HTTP providers' connections, each
/// bounded by `preconnect` (none when `None`); the cold start awaits them last.
pub async fn build_opening(
    providers: &BTreeMap<String, ProviderConfig>,
    aws: Option<&aws_config::SdkConfig>,
    runtime: Runtime,
    preconnect: Option<Duration>,
) -> Result<(Registry, Opening), StartupError> {
    let context = resolve_secrets(providers, aws).await?;
    if runtime == Runtime::Lambda {
        for (name, config) in providers {
            if let Some(never) = config.never_delivers(&context) {
                return Err(StartupError::Refused(sandbox(name, never)));
            }
        }
    }
    let registry = providers
        .iter()
        .map(|(name, config)| {
            let sender = config
                .build(name, &context)
                .map_err(|error| StartupError::Provider {
                    name: name.clone(),
                    kind: config.type_name(),
                    error: Box::new(error),
                })?;
            Ok((name.clone(), sender))
        })
        .collect::<Result<Registry, StartupError>>()?;
    let opening = match preconnect {
        Some(timeout) => Opening::start(context.preconnect(timeout)),
        None => Opening::none(),
    };
    Ok((registry, opening))
}

/// Every secret reference of every provider, resolved once.
async fn resolve_secrets<'a>(
    providers: &BTreeMap<String, ProviderConfig>,
    aws: Option<&'a aws_config::SdkConfig>,
) -> Result<BuildContext<'a>, StartupError> {
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
    Ok(context)
}

/// The refusal of provider `name`, naming the variable that fixes it.
fn sandbox(name: &str, never: NeverDelivers) -> Refusal {
    let variable = format!(
        "SWITCHBOARD_PROVIDERS__{}__{}",
        name.to_uppercase(),
        never.key.to_uppercase()
    );
    Refusal::Sandbox {
        provider: name.to_string(),
        reason: format!(
            "has {}; {}",
            never.why,
            never.fix.replace("{variable}", &variable)
        ),
    }
}
