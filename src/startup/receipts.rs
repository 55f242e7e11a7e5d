//! Cold start of the receipts function: the configuration's providers that
//! have receipts, each reader built from only the secrets its verification
//! needs (resolved here, nothing else of a provider's section is), the keys
//! recipients are stored under, and the trail table — refused with the fix when none of it is there.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::ExposeSecret;
use switchboard_providers::redaction::redactor;
use switchboard_providers::BuildContext;

use super::error::StartupError;
use super::options::{Runtime, StartupOptions};
use crate::aws;
use crate::config::Config;
use crate::health::record::HealthTable;
use crate::receipts::trail::Trail;
use crate::receipts::{ReceiptsApp, Source};
use crate::secrets::SecretResolver;
use crate::store::recipients::RecipientKeys;

/// Builds the receipts function from `config`.
pub async fn build(config: &Config, options: StartupOptions) -> Result<ReceiptsApp, StartupError> {
    crate::secrets::redact_environment_credentials();
    super::checks::receipts(config)?;
    let table = config
        .receipts
        .table
        .clone()
        .ok_or_else(|| StartupError::Receipts {
            key: "receipts.table".into(),
            problem: "the receipts function keeps each event's status trail in DynamoDB: name a table with partition key `id` (String) and TTL attribute `ttl` (the idempotency table will do)".into(),
        })?;
    let aws = match options.aws {
        Some(aws) => aws,
        None => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
    };
    let mut resolver = SecretResolver::new(Some(&aws));
    let mut context = BuildContext {
        aws: Some(&aws),
        inside_lambda: options.runtime == Runtime::Lambda,
        ..BuildContext::default()
    };
    for (name, provider) in &config.providers {
        for (field, value) in provider.receipt_secrets() {
            let secret = resolver
                .resolve(&format!("providers.{name}.{field}"), value)
                .await?;
            redactor().add_credential(secret.expose_secret());
            context
                .secrets
                .insert(value.configured().to_string(), secret);
        }
    }
    let mut sources = BTreeMap::new();
    for (name, provider) in &config.providers {
        match provider.receipts(name, &context) {
            None => {}
            Some(Ok(reader)) => {
                sources.insert(name.clone(), Source { reader });
            }
            Some(Err(error)) => {
                return Err(StartupError::Provider {
                    name: name.clone(),
                    kind: provider.type_name(),
                    error: Box::new(error),
                })
            }
        }
    }
    if sources.is_empty() {
        return Err(StartupError::Receipts {
            key: "providers".into(),
            problem: "no provider has receipts configured: set its webhook's signing secret in its section (docs/receipts.md lists the key of each provider)".into(),
        });
    }
    let client = aws_sdk_dynamodb::Client::new(&aws::with_timeouts(&aws, aws::DYNAMODB));
    let retention = Duration::from_secs(config.receipts.retention_days.saturating_mul(86_400));
    let recipients = recipient_keys(config, &mut resolver).await?;
    let mut app = ReceiptsApp::new(
        sources,
        Trail::new(client.clone(), table, retention, recipients),
        config.receipts.url.clone(),
        options.runtime == Runtime::Lambda,
    );
    if let Some(health) = &config.health.table {
        app = app.with_health(HealthTable::new(client, health.clone()));
    }
    tracing::info!(
        providers = app.providers().collect::<Vec<_>>().join(", "),
        "the receipts function reads these providers' receipts"
    );
    Ok(app)
}

/// The keys a recipient is stored under in the trail: the guards' own
/// (`email.limits.recipient_key`, `sms.limits.number_key`), so that the
/// trail holds no more of an address or a number than the guards do; plain
/// SHA-256 for a channel without one.
pub async fn recipient_keys(
    config: &Config,
    resolver: &mut SecretResolver,
) -> Result<RecipientKeys, StartupError> {
    let mut keys = Vec::new();
    for (name, reference) in [
        (
            "email.limits.recipient_key",
            &config.email.limits.recipient_key,
        ),
        ("sms.limits.number_key", &config.sms.limits.number_key),
    ] {
        keys.push(match reference {
            Some(reference) => {
                let key = resolver.resolve(name, reference).await?;
                redactor().add_credential(key.expose_secret());
                Some(key.expose_secret().as_bytes().to_vec())
            }
            None => None,
        });
    }
    Ok(RecipientKeys::new(keys[0].as_deref(), keys[1].as_deref()))
}
