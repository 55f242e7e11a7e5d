//! Builds one sender per `[providers.NAME]`, once per cold start: secrets are
//! resolved first, then each provider builds itself from its own section —
//! and, inside Lambda, one that would accept codes without delivering them
//! (judged on the resolved secrets) is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use switchboard_providers::{BuildContext, NeverDelivers, ProviderConfig, Sender};

use super::connections::Opening;
use super::error::{Refusal, Refusals, StartupError};
use super::options::Runtime;
use crate::config::Config;
use crate::secrets::SecretResolver;
use secrecy::ExposeSecret;
use switchboard_providers::redaction::redactor;

/// The configured providers by name.
pub type Senders = BTreeMap<String, Arc<dyn Sender>>;

/// Whether any configured provider needs AWS credentials.
pub fn needs_aws(providers: &BTreeMap<String, ProviderConfig>) -> bool {
    providers.values().any(ProviderConfig::needs_aws)
}

/// Builds every configured provider of `config`. `aws` is required when
/// [`needs_aws`] says so.
pub async fn build(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
    runtime: Runtime,
) -> Result<Senders, StartupError> {
    Ok(build_opening(config, aws, runtime, None).await?.0)
}

/// As [`build`], then starts opening the connections of the HTTP providers in
/// `used` (those a chain names), each bounded by `preconnect` (none when
/// `None`); the cold start awaits them last.
pub async fn build_opening(
    config: &Config,
    aws: Option<&aws_config::SdkConfig>,
    runtime: Runtime,
    preconnect: Option<(Duration, &BTreeSet<String>)>,
) -> Result<(Senders, Opening), StartupError> {
    let providers = &config.providers;
    let mut context = resolve_secrets(providers, aws).await?;
    context.inside_lambda = runtime == Runtime::Lambda;
    context.receipts_url = config.receipts.url.clone();
    if runtime == Runtime::Lambda {
        let sandboxes: Vec<Refusal> = providers
            .iter()
            .filter_map(|(name, config)| {
                config
                    .never_delivers(&context)
                    .map(|never| sandbox(name, never))
            })
            .collect();
        if !sandboxes.is_empty() {
            // A public test credential stays readable in the refusal.
            return Err(StartupError::Refused(Refusals(sandboxes)));
        }
    }
    for secret in context.secrets.values() {
        redactor().add_credential(secret.expose_secret());
    }
    let mut registry = Senders::new();
    let mut used_origins = BTreeSet::new();
    for (name, config) in providers {
        let recorded = context.origins_recorded();
        let sender = config
            .build(name, &context)
            .map_err(|error| StartupError::Provider {
                name: name.clone(),
                kind: config.type_name(),
                error: Box::new(error),
            })?;
        if preconnect.is_some_and(|(_, used)| used.contains(name)) {
            used_origins.extend(context.origins_since(recorded));
        }
        registry.insert(name.clone(), sender);
    }
    let opening = match preconnect {
        Some((timeout, _)) => Opening::start(context.preconnect(used_origins, timeout)),
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
        redact_url_credentials(config);
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

/// Query values at least this long in a provider's URL are taken for tokens.
const URL_TOKEN_CHARS: usize = 8;

/// The credentials a provider's URLs carry (a webhook's `?token=`, a callback's
/// `user:password@`), removed by value from anything printed, as its secrets are.
fn redact_url_credentials(config: &ProviderConfig) {
    let Ok(section) = serde_json::to_value(config) else {
        return;
    };
    let serde_json::Value::Object(keys) = section else {
        return;
    };
    for value in keys.values().filter_map(serde_json::Value::as_str) {
        let Ok(url) = url::Url::parse(value) else {
            continue;
        };
        if let Some(password) = url.password() {
            redactor().add_credential(password);
            if let Ok(decoded) = percent_encoding::percent_decode_str(password).decode_utf8() {
                redactor().add_credential(&decoded);
            }
        }
        for (_, token) in url.query_pairs() {
            if token.chars().count() >= URL_TOKEN_CHARS {
                redactor().add_credential(&token);
            }
        }
    }
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
