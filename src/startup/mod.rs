//! Cold start: configuration → AWS → secrets and providers → routes → templates
//! → decryptor, all validated before the first event, failing with one
//! actionable [`StartupError`].

mod checks;
mod connections;
mod error;
mod guards;
mod health;
mod options;
mod prime;
mod profile;
pub mod receipts;
mod route_table;
pub mod senders;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use error::{Refusal, Refusals, StartupError};
pub use options::{Runtime, StartupOptions};
pub use senders::Senders;
use switchboard_providers::layer::{CircuitEvent, Observer};

use crate::cognito::decrypt::{
    any_of, insecure_dev_keyring, kms_client_for, kms_keyring, Decryptor, EsdkDecryptor,
};
use crate::cognito::directory::UserDirectory;
use crate::cognito::key_arn::KeyArn;
use crate::cognito::keys::{self, KeySet, PoolKeys};
use crate::config::{Config, DecryptConfig, Layer};
use crate::pipeline::compose::Composer;
use crate::pipeline::metrics;
use crate::pipeline::recipient::Recipients;
use crate::pipeline::App;
use crate::render::Renderer;
use profile::InitProfile;

/// Loads the configuration as a cold start does: the AWS configuration is loaded
/// once, before an SSM configuration layer (`SWITCHBOARD_CONFIG=ssm:/…`) needs
/// it, and handed on for building.
pub async fn configure(
    mut options: StartupOptions,
) -> Result<(Config, StartupOptions), StartupError> {
    let layer = Layer::from_env()?;
    if layer.needs_aws() && options.aws.is_none() {
        options.aws = Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
    }
    let config = Config::load_layer(&layer, options.aws.as_ref()).await?;
    Ok((config, options))
}

/// Builds the [`App`] from configuration.
pub async fn build(config: &Config, options: StartupOptions) -> Result<App, StartupError> {
    let mut profile = InitProfile::start();
    crate::secrets::redact_environment_credentials();
    let aws = aws_config(config, options.clone()).await;
    profile.mark("aws");
    let used = config.chained_providers();
    let preconnect = (config.delivery.preconnect && options.runtime == Runtime::Lambda)
        .then_some((connections::PRECONNECT_TIMEOUT, &used));
    let refused = checks::lambda_only(config, options.runtime, options.force_insecure_dev_key);
    let built = senders::build_opening(config, aws.as_ref(), options.runtime, preconnect).await;
    let (registry, opening) = with_every_refusal(refused, built)?;
    profile.mark("providers");
    let app = assemble(config, &options, aws, registry, &mut profile).await?;
    opening.finish().await;
    profile.mark("connections");
    profile.log(options.runtime == Runtime::Lambda);
    Ok(app)
}

/// `built`, unless the configuration's refusals or the providers' (a sandbox)
/// stop the start: then all of them at once, so a first deploy learns every
/// fix in one round. A provider that fails to build otherwise is reported
/// once the configuration's refusals are fixed.
fn with_every_refusal<T>(
    mut refused: Vec<Refusal>,
    built: Result<T, StartupError>,
) -> Result<T, StartupError> {
    match built {
        Err(StartupError::Refused(Refusals(more))) => {
            refused.extend(more);
            Err(StartupError::Refused(Refusals(refused)))
        }
        _ if !refused.is_empty() => Err(StartupError::Refused(Refusals(refused))),
        built => built,
    }
}

/// Builds the [`App`] with providers already built: tests add their own senders here.
pub async fn build_with(
    config: &Config,
    options: StartupOptions,
    registry: Senders,
) -> Result<App, StartupError> {
    let refused = checks::lambda_only(config, options.runtime, options.force_insecure_dev_key);
    if !refused.is_empty() {
        return Err(StartupError::Refused(Refusals(refused)));
    }
    let aws = aws_config(config, options.clone()).await;
    assemble(config, &options, aws, registry, &mut InitProfile::start()).await
}

/// The caller's AWS configuration, else the standard chain — loaded only when
/// something needs it, so the demo and local runs never probe for credentials.
async fn aws_config(config: &Config, options: StartupOptions) -> Option<aws_config::SdkConfig> {
    let needed = options.uses_kms(config)
        || config.cognito.lookup_missing_recipient
        || config.idempotency.table.is_some()
        || config.sms.limits.enabled()
        || config.email.limits.enabled()
        || config.health.table.is_some()
        || senders::needs_aws(&config.providers);
    match options.aws {
        Some(aws) => Some(aws),
        None if needed => {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        }
        None => None,
    }
}

async fn assemble(
    config: &Config,
    options: &StartupOptions,
    aws: Option<aws_config::SdkConfig>,
    registry: Senders,
    profile: &mut InitProfile,
) -> Result<App, StartupError> {
    for legacy in config.legacy_calling_codes() {
        tracing::warn!(
            "{}; a calling code keeps this meaning for one release",
            legacy.describe()
        );
    }
    checks::delivery(&config.delivery)?;
    checks::mailboxes(config)?;
    checks::receipts(config)?;
    health::check(config)?;
    let emit_metrics = options.runtime == Runtime::Lambda;
    let fleet_parts = health::parts(config);
    // Inside Lambda each circuit breaker change is an EMF line, as each event
    // is; with the fleet's health, each opening and reinstatement is shared.
    let metric: Option<Observer> = emit_metrics.then(|| {
        Arc::new(|event: &CircuitEvent<'_>| {
            println!(
                "{}",
                crate::logging::outgoing_json(metrics::circuit_line(event))
            )
        }) as Observer
    });
    let shared = fleet_parts.as_ref().map(|parts| parts.notes.observer());
    let observer: Option<Observer> = match (metric, shared) {
        (Some(metric), Some(shared)) => Some(Arc::new(move |event: &CircuitEvent<'_>| {
            metric(event);
            shared(event);
        })),
        (metric, shared) => metric.or(shared),
    };
    let standing = fleet_parts
        .as_ref()
        .map(|parts| Arc::clone(&parts.standing));
    let routes = route_table::build(config, &registry, observer, standing.as_ref())?;
    profile.mark("checks+routes");
    let templates = templates_dir(config.templates.dir.as_deref(), Path::new(LAYER_TEMPLATES));
    let renderer = Renderer::new(
        templates.as_deref(),
        config.templates.default_locale.as_deref(),
    )
    .map_err(|error| StartupError::Template { route: None, error })?;
    let composer = Composer::new(renderer, config.app.clone(), config.clients.clone());
    checks::templates(&routes, composer.renderer(), composer.app_vars(None))?;
    profile.mark("templates");

    let decryptor = decryptor(config, options, aws.as_ref()).await?;
    profile.mark("decryptor");
    prime::encryption_sdk().await?;
    profile.mark("prime");
    let guards = guards::build(config, aws.as_ref()).await?;
    let fleet = match fleet_parts {
        Some(parts) => Some(Arc::new(health::fleet(
            config,
            parts,
            &routes,
            aws.as_ref(),
            emit_metrics,
        )?)),
        None => None,
    };
    let directory = match (&aws, config.cognito.lookup_missing_recipient) {
        (Some(aws), true) => Some(UserDirectory::new(aws)),
        _ => None,
    };
    Ok(App {
        decryptor,
        routes,
        composer,
        recipients: Recipients::new(directory, config.sms.default_region.clone()),
        guards,
        budget: Duration::from_millis(config.delivery.budget_ms),
        deadline_margin: Duration::from_millis(config.delivery.deadline_margin_ms),
        emit_metrics,
        email_verification: config.cognito.email_verification,
        fleet,
    })
}

/// Where a Lambda layer puts templates (`switchboard/templates/` in the layer zip).
pub const LAYER_TEMPLATES: &str = "/opt/switchboard/templates";

/// The configured template directory, else the layer's when it exists.
fn templates_dir(configured: Option<&Path>, layer: &Path) -> Option<PathBuf> {
    match configured {
        Some(dir) => Some(dir.to_path_buf()),
        None => layer.is_dir().then(|| layer.to_path_buf()),
    }
}

async fn decryptor(
    config: &Config,
    options: &StartupOptions,
    aws: Option<&aws_config::SdkConfig>,
) -> Result<Arc<dyn Decryptor>, StartupError> {
    let decrypt = &config.decrypt;
    for pool in &decrypt.user_pools {
        if !keys::is_user_pool_id(pool) {
            return Err(StartupError::UserPoolId {
                value: pool.clone(),
            });
        }
    }
    if !options.uses_kms(config) {
        tracing::warn!("decrypting with the INSECURE development key: for the demo and tests only");
        let dev = KeySet::dev_key(insecure_dev_keyring().await?);
        let keys = PoolKeys::new(Some(dev), [], decrypt.user_pools.clone());
        return Ok(Arc::new(EsdkDecryptor::with_keys(keys)?));
    }
    let aws = aws.ok_or(StartupError::NeedsAws {
        what: "decrypt.key_arn",
    })?;
    let default = match decrypt.default_key_setting() {
        Some((setting, arns)) => Some(key_set(setting, &arns, aws).await?),
        None => None,
    };
    let mut per_pool = Vec::new();
    for (pool, pool_keys) in &decrypt.pools {
        let setting = DecryptConfig::pool_key_setting(pool);
        match pool_keys.all().as_slice() {
            [] => {
                let source = "".parse::<KeyArn>().expect_err("an empty ARN is refused");
                return Err(StartupError::KeyArn { setting, source });
            }
            arns => per_pool.push((pool.clone(), key_set(&setting, arns, aws).await?)),
        }
    }
    if default.is_none() && per_pool.is_empty() {
        return Err(StartupError::MissingKeyArn);
    }
    let keys = PoolKeys::new(default, per_pool, decrypt.user_pools.clone());
    Ok(Arc::new(EsdkDecryptor::with_keys(keys)?))
}

/// The keyring for `arns` (the first is the current key), each key checked with
/// `kms:DescribeKey` on its own region's client.
async fn key_set(
    setting: &str,
    arns: &[&str],
    aws: &aws_config::SdkConfig,
) -> Result<KeySet, StartupError> {
    let mut keys = Vec::new();
    let mut keyrings = Vec::new();
    for (position, arn) in arns.iter().enumerate() {
        let key: KeyArn = arn.parse().map_err(|source| StartupError::KeyArn {
            setting: setting.to_string(),
            source,
        })?;
        let kms = kms_client_for(&key, aws);
        // An older key that no longer works must not stop the current one.
        match prime::kms_key(&kms, &key).await {
            Err(error) if position > 0 => {
                tracing::warn!(%error, "an older key in {setting} cannot decrypt; codes under it will fail")
            }
            result => result?,
        }
        keyrings.push(kms_keyring(&key, kms).await?);
        keys.push(key);
    }
    Ok(KeySet::kms(setting, keys, any_of(keyrings).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_come_from_the_setting_else_from_a_layer_that_exists() {
        let layer = tempfile::tempdir().unwrap();
        let missing = layer.path().join("missing");
        let mine = Path::new("/srv/templates");
        assert_eq!(
            templates_dir(Some(mine), layer.path()),
            Some(mine.to_path_buf())
        );
        assert_eq!(
            templates_dir(None, layer.path()),
            Some(layer.path().to_path_buf())
        );
        assert_eq!(templates_dir(None, &missing), None);
    }
}
