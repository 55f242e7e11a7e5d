//! What the integration tests build the pipeline with (feature `testing`): the
//! embedded defaults as a test starts from, one builder for an [`App`] on them
//! with the test's own senders, and raw JSON handed over as Lambda hands it.

use std::path::Path;
use std::sync::Arc;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use switchboard_providers::{ProviderConfig, Sender};

use crate::cognito::event::CustomSenderEvent;
use crate::config::{Config, DEFAULT_TOML};
use crate::startup::{self, Runtime, Senders, StartupError, StartupOptions};
use crate::{App, HandleError, Outcome};

/// The embedded defaults without the Cognito recipient look-up (no AWS), as
/// every test starts.
pub fn defaults() -> Config {
    let mut config = Config::embedded_defaults().expect("the embedded defaults are valid");
    config.cognito.lookup_missing_recipient = false;
    config
}

/// [`defaults`] with the embedded outbox writing into `dir`.
pub fn defaults_with_outbox(dir: &Path) -> Config {
    let figment = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Serialized::default("providers.outbox.dir", dir));
    let mut config = Config::from_figment(&figment).expect("the embedded defaults are valid");
    config.cognito.lookup_missing_recipient = false;
    config
}

/// A `[providers.NAME]` section read from TOML text, exactly as a configuration
/// file would give it: `provider("texts", "type = \"twilio\"\naccount_sid = …")`.
/// Tests configure real providers this way, by their `type` as users do, never
/// by a service's Rust type.
pub fn provider(name: &str, section: &str) -> ProviderConfig {
    let figment = Figment::from(Toml::string(DEFAULT_TOML))
        .merge(Toml::string(&format!("[providers.{name}]\n{section}")));
    let mut config = Config::from_figment(&figment)
        .unwrap_or_else(|error| panic!("[providers.{name}] does not read: {error}"));
    config
        .providers
        .remove(name)
        .expect("the section was just read")
}

/// The embedded example event of `trigger_source` (`examples/events/`), parsed;
/// its code is under the development key.
pub fn example_event(trigger_source: &str) -> CustomSenderEvent {
    let (_, json) = crate::cli::examples::EVENTS
        .iter()
        .find(|(name, _)| *name == trigger_source)
        .unwrap_or_else(|| panic!("no example event for {trigger_source}"));
    crate::cognito::event::parse_custom_sender(json.as_bytes()).expect("the examples parse")
}

/// Routes `trigger_source` by `route` in `config`.
pub fn set_route(config: &mut Config, trigger_source: &str, route: crate::config::RouteConfig) {
    config.routes.insert(trigger_source.to_string(), route);
}

/// Sets the user attribute `key` of `event` to `value`.
pub fn set_attribute(event: &mut CustomSenderEvent, key: &str, value: impl Into<String>) {
    event
        .request
        .user_attributes
        .insert(key.to_string(), value.into());
}

/// Builds an [`App`] as a cold start does, with the test's senders in place of
/// configured providers (or with the configured providers, when it gives none).
#[derive(Debug)]
pub struct TestApp {
    config: Config,
    registry: Senders,
    options: StartupOptions,
}

impl TestApp {
    /// An app on `config`, decrypting with the development key, run locally.
    pub fn new(config: Config) -> Self {
        TestApp {
            config,
            registry: Senders::new(),
            options: StartupOptions::demo(),
        }
    }

    /// `senders` as the providers, and as the email and the SMS chain, in order.
    pub fn senders(mut self, senders: &[Arc<dyn Sender>]) -> Self {
        let names: Vec<String> = senders.iter().map(|s| s.name().to_string()).collect();
        self.config.email.providers = names.clone();
        self.config.sms.providers = names;
        self.registry = senders
            .iter()
            .map(|sender| (sender.name().to_string(), Arc::clone(sender)))
            .collect();
        self
    }

    /// One sender as the provider of both chains.
    pub fn sender(self, sender: Arc<dyn Sender>) -> Self {
        self.senders(&[sender])
    }

    /// The AWS configuration (a moto server's) for KMS, DynamoDB and Cognito.
    pub fn aws(mut self, aws: aws_config::SdkConfig) -> Self {
        self.options.aws = Some(aws);
        self
    }

    /// Decrypt as the configuration says (KMS with `decrypt.key_arn`) instead
    /// of with the development key.
    pub fn as_configured(mut self) -> Self {
        self.options.force_insecure_dev_key = false;
        self
    }

    /// Where the app believes it runs.
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.options.runtime = runtime;
        self
    }

    /// Configures provider `name` from TOML text (see [`provider`]).
    pub fn provider(mut self, name: &str, section: &str) -> Self {
        self.config
            .providers
            .insert(name.to_string(), provider(name, section));
        self
    }

    /// The configuration, changed by `tune`.
    pub fn configure(mut self, tune: impl FnOnce(&mut Config)) -> Self {
        tune(&mut self.config);
        self
    }

    /// Builds the app, or the start-up error a cold start would report: with
    /// the test's senders when it gave some, else with the configured providers.
    pub async fn build(self) -> Result<App, StartupError> {
        if self.registry.is_empty() {
            return startup::build(&self.config, self.options).await;
        }
        startup::build_with(&self.config, self.options, self.registry).await
    }

    /// Builds the app; a start-up error fails the test.
    pub async fn start(self) -> App {
        self.build()
            .await
            .unwrap_or_else(|error| panic!("the test app does not start: {error}"))
    }
}

impl App {
    /// Parses `payload` as a custom sender event and handles it, as Lambda
    /// would hand it over.
    pub async fn handle_json(&self, payload: &[u8]) -> Result<Outcome, HandleError> {
        let event = crate::cognito::event::parse_custom_sender(payload)?;
        self.handle(event).await
    }
}
