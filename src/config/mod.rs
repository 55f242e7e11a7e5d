//! Layered configuration: embedded `config/default.toml` → a TOML file
//! (`SWITCHBOARD_CONFIG`, else `./switchboard.toml` if present) → `SWITCHBOARD_*`
//! environment variables with `__` for nesting. Later layers win, so
//! `SWITCHBOARD_EMAIL__PROVIDERS=backup` swaps the email provider chain without a
//! deploy. Unknown keys are errors, and every error names the full key and the
//! layer its value came from.

mod channels;
mod de;
mod health;
mod implied;
mod overrides;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Toml};
use figment::Figment;
use serde::Deserialize;
use switchboard_providers::ProviderConfig;

pub use channels::{EmailChannelConfig, SmsChannelConfig, SmsLimitsConfig};
pub use health::HealthConfig;
pub use overrides::{ClientConfig, RouteConfig, StrategyConfig};

/// The embedded defaults, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");
/// Environment variable naming the configuration file.
pub const CONFIG_PATH_VAR: &str = "SWITCHBOARD_CONFIG";
/// File read when `SWITCHBOARD_CONFIG` is not set, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "switchboard.toml";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How `request.code` is decrypted.
    pub decrypt: DecryptConfig,
    /// Product details available to templates.
    pub app: AppConfig,
    /// Named provider instances. Read in a second pass, once each section's
    /// `type` is known (see [`Config::from_figment`]).
    #[serde(default, deserialize_with = "de::read_in_second_pass")]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Defaults for email trigger sources.
    pub email: EmailChannelConfig,
    /// Defaults for SMS trigger sources.
    pub sms: SmsChannelConfig,
    /// Per-trigger-source overrides, keyed by trigger source name.
    #[serde(default)]
    pub routes: BTreeMap<String, RouteConfig>,
    /// Cognito look-ups.
    pub cognito: CognitoConfig,
    /// Retries and time limits.
    pub delivery: DeliveryConfig,
    /// Template directory and default locale.
    #[serde(default)]
    pub templates: TemplatesConfig,
    /// Per-app-client overrides, keyed by `callerContext.clientId`.
    #[serde(default)]
    pub clients: BTreeMap<String, ClientConfig>,
    /// The DynamoDB duplicate guard.
    pub idempotency: IdempotencyConfig,
    /// Delivery receipts.
    pub receipts: ReceiptsConfig,
    /// The fleet's provider health.
    pub health: HealthConfig,
}

/// `[receipts]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptsConfig {
    /// The receipts function's URL (its Function URL): a provider that takes a
    /// callback per message (Twilio) gets `{url}/{provider name}`.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub url: Option<String>,
    /// The DynamoDB table of the status trail (partition key `id`, TTL `ttl`).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
    /// How long a trail is kept, in days.
    #[serde(default = "default_retention_days")]
    pub retention_days: u64,
}

fn default_retention_days() -> u64 {
    30
}

/// `[decrypt]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptConfig {
    /// `kms` or `insecure-dev`; when absent: `kms` if `key_arn` is set, else `insecure-dev`.
    #[serde(default)]
    pub mode: Option<DecryptMode>,
    /// Full ARN of the user pool's KMS key (its LambdaConfig `KMSKeyID`).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub key_arn: Option<String>,
    /// More keys whose codes still decrypt, for a key rotation: `[new, old]`.
    #[serde(default, deserialize_with = "de::list")]
    pub key_arns: Vec<String>,
    /// The only user pools whose events are decrypted; empty: any pool.
    #[serde(default, deserialize_with = "de::list")]
    pub user_pools: Vec<String>,
    /// A key per user pool (`[decrypt.pools."<pool id>"]`), for one function
    /// serving several pools; pools not listed use `key_arn` / `key_arns`.
    #[serde(default)]
    pub pools: BTreeMap<String, PoolKeyConfig>,
}

/// `[decrypt.pools."<pool id>"]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolKeyConfig {
    /// The pool's KMS key ARN.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub key_arn: Option<String>,
    /// More keys for this pool, for a rotation.
    #[serde(default, deserialize_with = "de::list")]
    pub key_arns: Vec<String>,
}

impl PoolKeyConfig {
    /// `key_arn` first, then `key_arns`, without repeats.
    pub fn all(&self) -> Vec<&str> {
        key_list(self.key_arn.as_deref(), &self.key_arns)
    }
}

/// `key_arn` first, then `key_arns`, without repeats.
fn key_list<'a>(key_arn: Option<&'a str>, key_arns: &'a [String]) -> Vec<&'a str> {
    let mut keys: Vec<&str> = key_arn.into_iter().collect();
    for key in key_arns {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    keys
}

/// Which keyring decrypts codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecryptMode {
    /// The strict KMS keyring on `decrypt.key_arn`.
    Kms,
    /// A fixed public AES key: demo and tests only, refused inside Lambda.
    InsecureDev,
}

impl DecryptConfig {
    /// The mode after applying the default rule.
    pub fn effective_mode(&self) -> DecryptMode {
        self.mode.unwrap_or(if self.has_keys() {
            DecryptMode::Kms
        } else {
            DecryptMode::InsecureDev
        })
    }

    /// Whether any KMS key is configured (for every pool or for one).
    pub fn has_keys(&self) -> bool {
        self.key_arn.is_some() || !self.key_arns.is_empty() || !self.pools.is_empty()
    }

    /// The keys for pools without their own: `key_arn` first, then `key_arns`.
    pub fn default_keys(&self) -> Vec<&str> {
        key_list(self.key_arn.as_deref(), &self.key_arns)
    }

    /// The keys for pools without their own and the setting they come from, for
    /// messages (`decrypt.key_arn`, or `decrypt.key_arns` for several); `None`
    /// when only pools have keys.
    pub fn default_key_setting(&self) -> Option<(&'static str, Vec<&str>)> {
        match self.default_keys() {
            keys if keys.is_empty() => None,
            keys if keys.len() == 1 => Some(("decrypt.key_arn", keys)),
            keys => Some(("decrypt.key_arns", keys)),
        }
    }

    /// The setting one pool's keys come from, for messages.
    pub fn pool_key_setting(pool: &str) -> String {
        format!("decrypt.pools.{pool}.key_arn")
    }
}

/// `[app]`: branding for templates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Product name shown in messages.
    pub name: String,
    /// Product URL for templates (`app.url`).
    #[serde(default)]
    pub url: String,
    /// Support URL for templates (`app.support_url`).
    #[serde(default)]
    pub support_url: String,
}

/// `[templates]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    /// Directory whose files override or add to the embedded templates.
    #[serde(default, deserialize_with = "de::empty_path_as_none")]
    pub dir: Option<PathBuf>,
    /// Locale when the user has none (`locale` attribute, then `clientMetadata.locale`).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub default_locale: Option<String>,
}

/// `[delivery]`: how hard and how long an event's message is tried.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Calls per provider, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the first retry (full jitter, doubling per retry), in ms.
    pub base_delay_ms: u64,
    /// Largest backoff, in ms.
    pub max_delay_ms: u64,
    /// The time one event's delivery may take — every provider, attempt and
    /// backoff — in ms; the Lambda deadline (minus the margin) cuts it shorter.
    pub budget_ms: u64,
    /// Time one attempt may take, in ms (at most `budget_ms`).
    pub attempt_timeout_ms: u64,
    /// The least time worth an attempt, in ms: no provider or retry starts with
    /// less left before the deadline.
    pub min_attempt_ms: u64,
    /// Stop this long before the Lambda deadline, in ms, so that the invocation
    /// can still report the failure (and Lambda retry it).
    pub deadline_margin_ms: u64,
    /// `[delivery.breaker]`: when a failing provider is skipped.
    pub breaker: BreakerConfig,
    /// Open the HTTP providers' connections during init (inside Lambda only).
    pub preconnect: bool,
}

/// `[delivery.breaker]`: a provider that failed `threshold` attempts in a row
/// (temporary failures only) is skipped for `cool_down_ms`, then probed once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerConfig {
    /// Temporary failures in a row that open a provider's circuit; 0 = off.
    pub threshold: u32,
    /// How long an open circuit skips the provider, in ms.
    pub cool_down_ms: u64,
}

/// `[cognito]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CognitoConfig {
    /// Look the user up with `AdminGetUser` when the event lacks the recipient attribute.
    pub lookup_missing_recipient: bool,
    /// How the pool confirms email addresses (its `DefaultEmailOption`); `link`
    /// puts `request.linkParameter` into CustomMessage sign-up mails.
    #[serde(default)]
    pub email_verification: EmailVerification,
}

/// `cognito.email_verification`: the pool's `VerificationMessageTemplate.DefaultEmailOption`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailVerification {
    /// `CONFIRM_WITH_CODE` (Cognito's default): the user types the code.
    #[default]
    Code,
    /// `CONFIRM_WITH_LINK`: the user clicks the link Cognito puts where
    /// `request.linkParameter` stands.
    Link,
}

/// `[idempotency]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// DynamoDB table (partition key `id`, string; TTL attribute `ttl`); "" disables the guard.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
    /// How long an in-progress claim blocks duplicates, in ms (at least the function timeout).
    pub lock_timeout_ms: u64,
    /// How long completed events are remembered, in hours (Lambda keeps events up to 6 h).
    pub retention_hours: u64,
    /// `deliver` (default) or `fail` when DynamoDB itself fails.
    pub on_store_error: OnStoreError,
}

/// What to do when the idempotency store itself fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnStoreError {
    /// Send anyway (default): a possible duplicate code beats a lost one.
    Deliver,
    /// Fail the invocation; Lambda retries it later.
    Fail,
}

/// A configuration that cannot be loaded; the message names the key and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or does not fit the schema; one line per problem.
    #[error("invalid configuration: {}", .0.join("; "))]
    Invalid(Vec<String>),
    /// The file named by `SWITCHBOARD_CONFIG` does not exist.
    #[error(
        "{CONFIG_PATH_VAR} names `{0}`, which does not exist; point it at a TOML file or unset it"
    )]
    MissingFile(PathBuf),
    /// The SSM parameter named by `SWITCHBOARD_CONFIG` cannot be read.
    #[error("{CONFIG_PATH_VAR} = `ssm:{name}`: {problem}")]
    Parameter {
        /// The parameter's name.
        name: String,
        /// What went wrong and the fix.
        problem: String,
    },
}

/// Where the layer between the embedded defaults and the environment comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layer {
    /// No file: defaults and environment only.
    None,
    /// A TOML file.
    File(PathBuf),
    /// An SSM parameter (String or SecureString) holding TOML: `ssm:/switchboard/config`.
    Ssm(String),
}

impl Layer {
    /// The layer `SWITCHBOARD_CONFIG` names, else `./switchboard.toml` if present.
    pub fn from_env() -> Result<Layer, ConfigError> {
        let Some(value) = std::env::var_os(CONFIG_PATH_VAR) else {
            let default = PathBuf::from(DEFAULT_CONFIG_FILE);
            return Ok(if default.is_file() {
                Layer::File(default)
            } else {
                Layer::None
            });
        };
        if let Some(name) = value.to_str().and_then(|v| v.strip_prefix("ssm:")) {
            return Ok(Layer::Ssm(name.to_string()));
        }
        let path = PathBuf::from(value);
        if !path.is_file() {
            return Err(ConfigError::MissingFile(path));
        }
        Ok(Layer::File(path))
    }

    /// Whether reading it needs AWS credentials.
    pub fn needs_aws(&self) -> bool {
        matches!(self, Layer::Ssm(_))
    }
}

impl Config {
    /// Loads the layers from the process environment, without AWS: a
    /// `SWITCHBOARD_CONFIG` naming an SSM parameter is an error here (see
    /// [`Config::load_layer`]).
    pub fn load() -> Result<Config, ConfigError> {
        match Layer::from_env()? {
            Layer::None => Self::from_figment(&Self::figment(None)),
            Layer::File(path) => Self::load_file(&path),
            Layer::Ssm(name) => Err(ConfigError::Parameter {
                name,
                problem: "reading an SSM parameter needs AWS; this command loads files only".into(),
            }),
        }
    }

    /// Loads the defaults, `layer` and the environment. An SSM parameter is read
    /// once (decrypted if it is a SecureString) with `aws`.
    pub async fn load_layer(
        layer: &Layer,
        aws: Option<&aws_config::SdkConfig>,
    ) -> Result<Config, ConfigError> {
        let Layer::Ssm(name) = layer else {
            return match layer {
                Layer::File(path) => Self::load_file(path),
                _ => Self::from_figment(&Self::figment(None)),
            };
        };
        let problem = |problem: String| ConfigError::Parameter {
            name: name.clone(),
            problem,
        };
        let aws = aws.ok_or_else(|| problem("no AWS configuration was loaded".into()))?;
        let text = crate::secrets::ssm_parameter(aws, name)
            .await
            .map_err(problem)?;
        check_syntax(&text).map_err(problem)?;
        let figment = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(de::Named::new(
                Toml::string(&text),
                format!("SSM parameter {name}"),
            ))
            .merge(de::EnvLayer::new());
        Self::from_figment(&figment)
    }

    /// The embedded defaults with `file` on top, ignoring the environment's
    /// `SWITCHBOARD_CONFIG` (the environment's keys still apply).
    pub fn load_file(file: &Path) -> Result<Config, ConfigError> {
        Self::from_figment(&Self::figment(Some(file)))
    }

    /// The embedded defaults alone, ignoring files and the environment.
    pub fn embedded_defaults() -> Result<Config, ConfigError> {
        Self::from_figment(&Figment::from(Toml::string(DEFAULT_TOML)))
    }

    /// The layered sources: defaults, then `file`, then the environment.
    fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment.merge(de::EnvLayer::new())
    }

    /// Reads a configuration from `figment`. Numbers and booleans are read from
    /// text where the schema asks for them (environment values are text).
    ///
    /// Provider sections are read in a second pass, each straight into its
    /// backend's settings once its `type` is known, so that a key keeps its
    /// source and full name (`providers.texts.from`) in errors.
    pub fn from_figment(figment: &Figment) -> Result<Config, ConfigError> {
        let mut config: Config = figment.extract_lossy().map_err(describe)?;
        let types: BTreeMap<String, de::ProviderType> = if figment.contains("providers") {
            figment.extract_inner_lossy("providers").map_err(describe)?
        } else {
            BTreeMap::new()
        };
        let mut problems = Vec::new();
        for (name, section) in types {
            if let Err(problem) = check_provider_name(&name) {
                problems.push(problem);
                continue;
            }
            let reader = de::ProviderSection::new(figment, &name);
            match ProviderConfig::read(&section.kind, reader) {
                Ok(provider) => {
                    config.providers.insert(name, provider);
                }
                Err(error) => match describe(error) {
                    ConfigError::Invalid(lines) => problems.extend(lines),
                    other => problems.push(other.to_string()),
                },
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(problems))
        }
    }
}

/// One line per problem, each naming the full key and where its value came from.
fn describe(error: figment::Error) -> ConfigError {
    use figment::error::Kind;
    let problems = error
        .into_iter()
        .map(|e| {
            let mut path = e.path.join(".");
            // Figment reports a missing key at its parent, and an unknown key
            // sometimes at its parent and sometimes at the key itself.
            let field = match &e.kind {
                Kind::MissingField(field) => Some(field.as_ref()),
                Kind::UnknownField(field, _) => Some(field.as_str()),
                _ => None,
            };
            if let Some(field) = field.filter(|f| e.path.last().map(String::as_str) != Some(*f)) {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(field);
            }
            let key = if path.is_empty() {
                String::new()
            } else {
                format!(" at key `{path}`")
            };
            let keys: Vec<&str> = path.split('.').collect();
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(source) => format!(" (from {} {source})", m.name),
                    None if m.name == de::ENV_LAYER => {
                        let profile = e.profile.clone().unwrap_or_default();
                        format!(" (from {} {})", m.name, m.interpolate(&profile, &keys))
                    }
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            format!("{}{key}{source}", e.kind)
        })
        .collect();
    ConfigError::Invalid(problems)
}

/// Provider names travel through environment variables, which lose case.
fn check_provider_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        return Ok(());
    }
    Err(format!(
        "provider name `{name}` (in [providers.{name}]) must use only lower-case letters, digits, '-' and '_', because environment variables cannot carry case; rename it, e.g. `{}`",
        name.to_ascii_lowercase()
    ))
}

/// A TOML syntax error placed by line and column, without the line: figment's
/// own message quotes it, and a layer may hold a secret.
fn check_syntax(text: &str) -> Result<(), String> {
    let Err(error) = toml::from_str::<toml::Table>(text) else {
        return Ok(());
    };
    let at = error
        .span()
        .map(|span| span.start)
        .unwrap_or(0)
        .min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    Err(format!(
        "TOML syntax error at line {line}, column {column}: {} (the line is not shown: it may hold a secret)",
        error.message().trim()
    ))
}
