//! Cold start: configuration → decryptor → providers → routes → templates, all
//! validated before the first event, failing with one actionable message.

use std::sync::Arc;

use crate::app::App;
use crate::config::{Config, DecryptMode};
use crate::decrypt::{kms_client_for, DecryptError, Decryptor, EsdkDecryptor};
use crate::directory::UserDirectory;
use crate::idempotency::IdempotencyGuard;
use crate::key_arn::KeyArn;
use crate::registry::{self, Registry};
use crate::render::{AppVars, Renderer};
use crate::route::RouteTable;
use crate::segments;
use std::time::Duration;

/// Where the function runs; decides what is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Inside AWS Lambda (`AWS_LAMBDA_RUNTIME_API` is set).
    Lambda,
    /// A command line, a test, a developer's machine.
    Local,
}

impl Runtime {
    /// Detects the runtime from the environment.
    pub fn detect() -> Runtime {
        if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            Runtime::Lambda
        } else {
            Runtime::Local
        }
    }
}

/// Why the function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The configuration is wrong; the message names the key and the fix.
    #[error("configuration error: {0}")]
    Config(String),
    /// The configuration could not be loaded.
    #[error(transparent)]
    Load(#[from] crate::config::ConfigError),
    /// The decryptor could not be built.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// A template is broken.
    #[error("template error: {0}")]
    Template(#[from] crate::render::RenderError),
}

/// Choices the caller makes on top of the configuration.
#[derive(Debug, Clone)]
pub struct StartupOptions {
    /// Where we run.
    pub runtime: Runtime,
    /// Use the insecure development key whatever the configuration says (the demo).
    pub force_insecure_dev_key: bool,
    /// The AWS configuration to use instead of the standard chain.
    pub aws: Option<aws_config::SdkConfig>,
}

impl StartupOptions {
    /// Options for `runtime` with the standard AWS configuration chain.
    pub fn new(runtime: Runtime) -> Self {
        StartupOptions {
            runtime,
            force_insecure_dev_key: false,
            aws: None,
        }
    }
}

/// Builds the [`App`] from configuration.
pub async fn build(config: &Config, mut options: StartupOptions) -> Result<App, StartupError> {
    if options.aws.is_none() && needs_aws(config, &options) {
        options.aws = Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
    }
    let registry = registry::build(&config.providers, options.aws.as_ref()).await?;
    build_with(config, options, registry).await
}

fn uses_kms(config: &Config, options: &StartupOptions) -> bool {
    !options.force_insecure_dev_key && config.decrypt.effective_mode() == DecryptMode::Kms
}

/// AWS configuration is loaded only when something needs it, so the demo and
/// local runs never probe for credentials.
fn needs_aws(config: &Config, options: &StartupOptions) -> bool {
    uses_kms(config, options)
        || config.cognito.lookup_missing_recipient
        || registry::needs_aws(&config.providers)
}

/// Builds the [`App`] with providers already built: tests add their own senders here.
pub async fn build_with(
    config: &Config,
    options: StartupOptions,
    registry: Registry,
) -> Result<App, StartupError> {
    refuse_local_only_setups(config, &options)?;
    let routes = RouteTable::build(config, &registry)?;
    let renderer = Renderer::new(
        config.templates.dir.as_deref(),
        config.templates.default_locale.as_deref(),
    )?;
    let app = AppVars {
        name: &config.app.name,
        url: &config.app.url,
        support_url: &config.app.support_url,
    };
    for (source, route) in routes.iter() {
        let samples = renderer
            .check(&route.template, route.channel, app)
            .map_err(|e| StartupError::Config(format!("route {source}: {e}")))?;
        for body in samples {
            let segments = segments::count(&body).segments;
            if segments > route.max_segments {
                return Err(StartupError::Config(format!(
                    "route {source}: template `{}.sms` renders to {segments} SMS segments with sample data, more than max_segments = {}; shorten it or raise the limit",
                    route.template, route.max_segments
                )));
            }
        }
    }

    let use_kms = uses_kms(config, &options);
    let sdk_config = match options.aws {
        Some(sdk_config) => Some(sdk_config),
        None if needs_aws(config, &options) => {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        }
        None => None,
    };
    let decryptor: Arc<dyn Decryptor> = if use_kms {
        let key_arn = kms_key_arn(config)?;
        let sdk_config = sdk_config.as_ref().ok_or_else(|| {
            StartupError::Config("KMS decryption needs an AWS configuration".into())
        })?;
        let kms = kms_client_for(&key_arn, sdk_config).await;
        Arc::new(EsdkDecryptor::kms(key_arn, kms).await?)
    } else {
        tracing::warn!("decrypting with the INSECURE development key: for the demo and tests only");
        Arc::new(EsdkDecryptor::insecure_dev_key().await?)
    };
    let guard = match (&config.idempotency.table, &sdk_config) {
        (Some(table), Some(sdk_config)) => Some(IdempotencyGuard::new(
            aws_sdk_dynamodb::Client::new(sdk_config),
            table.clone(),
            Duration::from_millis(config.idempotency.lock_timeout_ms),
            Duration::from_secs(config.idempotency.retention_hours * 3600),
            config.idempotency.on_store_error,
        )),
        (Some(_), None) => {
            return Err(StartupError::Config(
                "idempotency.table needs an AWS configuration".into(),
            ))
        }
        (None, _) => None,
    };
    let directory = match (&sdk_config, config.cognito.lookup_missing_recipient) {
        (Some(sdk_config), true) => Some(UserDirectory::new(sdk_config)),
        _ => None,
    };
    Ok(App {
        decryptor,
        routes,
        renderer,
        directory,
        app: config.app.clone(),
        clients: config.clients.clone(),
        sms_default_region: config.sms.default_region.clone(),
        guard,
        emit_metrics: options.runtime == Runtime::Lambda,
    })
}

fn kms_key_arn(config: &Config) -> Result<KeyArn, StartupError> {
    let value = config.decrypt.key_arn.as_deref().ok_or_else(|| {
        StartupError::Config(
            "decrypt.mode is \"kms\" but decrypt.key_arn is not set; set SWITCHBOARD_DECRYPT__KEY_ARN to the KMS key ARN of the user pool's LambdaConfig (KMSKeyID)".into(),
        )
    })?;
    value
        .parse()
        .map_err(|e| StartupError::Config(format!("decrypt.key_arn: {e}")))
}

/// Inside Lambda, a development setup is a misconfigured deploy: fail the init
/// loudly instead of decrypting with a public key or writing codes to /tmp.
fn refuse_local_only_setups(config: &Config, options: &StartupOptions) -> Result<(), StartupError> {
    if options.runtime != Runtime::Lambda {
        return Ok(());
    }
    if options.force_insecure_dev_key || config.decrypt.effective_mode() == DecryptMode::InsecureDev
    {
        return Err(StartupError::Config(
            "inside Lambda the insecure development key is refused; set SWITCHBOARD_DECRYPT__KEY_ARN to the KMS key ARN of the user pool's LambdaConfig (KMSKeyID)".into(),
        ));
    }
    let outbox_only = |names: &[String]| {
        names
            .iter()
            .all(|name| config.providers.get(name).is_some_and(registry::is_outbox))
    };
    let mut chains = vec![
        ("email.providers".to_string(), &config.email.providers),
        ("sms.providers".to_string(), &config.sms.providers),
    ];
    for (source, route) in &config.routes {
        if let Some(providers) = &route.providers {
            chains.push((format!("routes.{source}.providers"), providers));
        }
    }
    for (key, names) in chains {
        if !names.is_empty() && outbox_only(names) {
            return Err(StartupError::Config(format!(
                "inside Lambda `{key}` = [{}] delivers only to the outbox (files in the function's /tmp reach nobody); configure a real provider, e.g. SWITCHBOARD_{}=<provider name>",
                names.join(", "),
                key.to_ascii_uppercase().replace('.', "__")
            )));
        }
    }
    Ok(())
}
