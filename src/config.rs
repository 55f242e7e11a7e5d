//! Layered configuration: embedded `config/default.toml` → a TOML file
//! (`SWITCHBOARD_CONFIG`, else `./switchboard.toml` if present) → `SWITCHBOARD_*`
//! environment variables with `__` for nesting. Later layers win, so
//! `SWITCHBOARD_EMAIL__PROVIDERS=backup` swaps the email provider chain without a
//! deploy. Unknown keys are errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};

use crate::event::TriggerSource;
use crate::secrets::SecretValue;

/// The embedded defaults, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");
/// Environment variable naming the configuration file.
pub const CONFIG_PATH_VAR: &str = "SWITCHBOARD_CONFIG";
/// File read when `SWITCHBOARD_CONFIG` is not set, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "switchboard.toml";
const ENV_PREFIX: &str = "SWITCHBOARD_";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How `request.code` is decrypted.
    pub decrypt: DecryptConfig,
    /// Product details available to templates.
    pub app: AppConfig,
    /// Named provider instances.
    #[serde(default)]
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
}

/// `[idempotency]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// DynamoDB table (partition key `id`, string; TTL attribute `ttl`); "" disables the guard.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub table: Option<String>,
    /// How long an in-progress claim blocks duplicates, in ms (at least the function timeout).
    pub lock_timeout_ms: u64,
    /// How long completed events are remembered, in hours (Lambda keeps events up to 6 h).
    pub retention_hours: u64,
    /// `deliver` (default) or `fail` when DynamoDB itself fails.
    pub on_store_error: crate::idempotency::OnStoreError,
}

/// `[delivery]`: how hard each provider is tried.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Calls per provider, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the first retry (full jitter, doubling per retry), in ms.
    pub base_delay_ms: u64,
    /// Largest backoff, in ms.
    pub max_delay_ms: u64,
    /// Time one provider may take, retries included, in ms.
    pub budget_ms: u64,
    /// Time one attempt may take, in ms.
    pub attempt_timeout_ms: u64,
    /// Stop retrying this long before the Lambda deadline, in ms, so that the
    /// invocation can still report the failure (and Lambda retry it).
    pub deadline_margin_ms: u64,
}

/// `[decrypt]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptConfig {
    /// `kms` or `insecure-dev`; when absent: `kms` if `key_arn` is set, else `insecure-dev`.
    #[serde(default)]
    pub mode: Option<DecryptMode>,
    /// Full ARN of the user pool's KMS key (its LambdaConfig `KMSKeyID`).
    #[serde(default, deserialize_with = "empty_as_none")]
    pub key_arn: Option<String>,
}

/// Which keyring decrypts codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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
        self.mode.unwrap_or(if self.key_arn.is_some() {
            DecryptMode::Kms
        } else {
            DecryptMode::InsecureDev
        })
    }
}

/// `[app]`
#[derive(Debug, Clone, Deserialize, Serialize)]
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
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    /// Directory whose files override or add to the embedded templates.
    #[serde(default, deserialize_with = "empty_path_as_none")]
    pub dir: Option<PathBuf>,
    /// Locale when the user has none (`locale` attribute, then `clientMetadata.locale`).
    #[serde(default, deserialize_with = "empty_as_none")]
    pub default_locale: Option<String>,
}

/// `[clients.<app client ID>]`: branding and sender per app client.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Product name for this client's users.
    #[serde(default)]
    pub name: Option<String>,
    /// Product URL.
    #[serde(default)]
    pub url: Option<String>,
    /// Support URL.
    #[serde(default)]
    pub support_url: Option<String>,
    /// Sender mailbox.
    #[serde(default)]
    pub from: Option<String>,
    /// Reply-to address.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// SMS sender ID.
    #[serde(default)]
    pub sender_id: Option<String>,
}

/// `[providers.NAME]`: one provider instance, by `type`.
///
/// Secret values (`api_key`, `password`) may be literal or a reference:
/// `env:NAME` reads an environment variable at cold start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ProviderConfig {
    /// Files in a directory (development).
    Outbox {
        /// Directory for `.eml` and `.json` files, relative to the working directory.
        dir: PathBuf,
    },
    /// SendGrid v3 Mail Send.
    Sendgrid {
        /// API key (secret reference recommended).
        api_key: SecretValue,
        /// API host; `https://api.eu.sendgrid.com` for EU data residency.
        #[serde(default = "sendgrid_base_url")]
        base_url: String,
        /// Validate without delivering.
        #[serde(default)]
        sandbox_mode: bool,
        /// Whole-request timeout in milliseconds.
        #[serde(default = "http_timeout_ms")]
        timeout_ms: u64,
    },
    /// Mailgun Messages API.
    Mailgun {
        /// API key (secret reference recommended).
        api_key: SecretValue,
        /// Sending domain.
        domain: String,
        /// `us` or `eu`; ignored when `base_url` is set.
        #[serde(default = "mailgun_region")]
        region: String,
        /// API host instead of the region's.
        #[serde(default)]
        base_url: Option<String>,
        /// Whole-request timeout in milliseconds.
        #[serde(default = "http_timeout_ms")]
        timeout_ms: u64,
    },
    /// SMTP relay.
    Smtp {
        /// `smtp://host:587` (STARTTLS required) or `smtps://host:465`.
        url: String,
        /// AUTH user.
        #[serde(default)]
        username: Option<String>,
        /// AUTH password (secret reference recommended).
        #[serde(default)]
        password: Option<SecretValue>,
        /// Extra trusted root certificates (PEM).
        #[serde(default)]
        ca_file: Option<PathBuf>,
        /// Allow `smtp://` without TLS. Only for a relay on the same host.
        #[serde(default)]
        dangerous_plaintext: bool,
        /// Connect and per-command timeout in milliseconds.
        #[serde(default = "http_timeout_ms")]
        timeout_ms: u64,
        /// Most pooled connections.
        #[serde(default = "smtp_max_connections")]
        max_connections: u32,
    },
    /// Amazon SES v2.
    Ses {
        /// Region, if not the function's.
        #[serde(default)]
        region: Option<String>,
        /// Configuration set name.
        #[serde(default)]
        configuration_set: Option<String>,
        /// Sending authorization identity ARN.
        #[serde(default)]
        from_arn: Option<String>,
    },
    /// Twilio Programmable Messaging.
    Twilio {
        /// Account SID (`AC…`).
        account_sid: String,
        /// Auth Token; or use `api_key_sid` + `api_key_secret`.
        #[serde(default)]
        auth_token: Option<SecretValue>,
        /// API Key SID (`SK…`).
        #[serde(default)]
        api_key_sid: Option<String>,
        /// API Key secret.
        #[serde(default)]
        api_key_secret: Option<SecretValue>,
        /// Sender number or alphanumeric ID; or use `messaging_service_sid`.
        #[serde(default)]
        from: Option<String>,
        /// Messaging Service SID (`MG…`).
        #[serde(default)]
        messaging_service_sid: Option<String>,
        /// Delivery receipt URL.
        #[serde(default)]
        status_callback: Option<String>,
        /// API host; a regional edge such as `https://api.dublin.ie1.twilio.com`.
        #[serde(default = "twilio_base_url")]
        base_url: String,
        /// Whole-request timeout in milliseconds.
        #[serde(default = "http_timeout_ms")]
        timeout_ms: u64,
    },
    /// Amazon SNS SMS.
    Sns {
        /// Region, if not the function's.
        #[serde(default)]
        region: Option<String>,
        /// Alphanumeric sender ID.
        #[serde(default)]
        sender_id: Option<String>,
        /// Origination number (E.164).
        #[serde(default)]
        origination_number: Option<String>,
        /// Most USD per message, e.g. "0.50".
        #[serde(default)]
        max_price: Option<String>,
    },
    /// A signed JSON webhook (both channels).
    Webhook {
        /// HTTPS URL (plain http only to loopback).
        url: String,
        /// HMAC-SHA256 signing secret (at least 16 characters).
        secret: SecretValue,
        /// Whole-request timeout in milliseconds.
        #[serde(default = "http_timeout_ms")]
        timeout_ms: u64,
    },
}

fn twilio_base_url() -> String {
    "https://api.twilio.com".into()
}

fn sendgrid_base_url() -> String {
    "https://api.sendgrid.com".into()
}

fn mailgun_region() -> String {
    "us".into()
}

fn http_timeout_ms() -> u64 {
    10_000
}

fn smtp_max_connections() -> u32 {
    4
}

impl ProviderConfig {
    /// The secret settings of this provider: (key, value).
    pub fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        match self {
            ProviderConfig::Sendgrid { api_key, .. } | ProviderConfig::Mailgun { api_key, .. } => {
                vec![("api_key", api_key)]
            }
            ProviderConfig::Smtp { password, .. } => {
                password.iter().map(|p| ("password", p)).collect()
            }
            ProviderConfig::Twilio {
                auth_token,
                api_key_secret,
                ..
            } => auth_token
                .iter()
                .map(|t| ("auth_token", t))
                .chain(api_key_secret.iter().map(|s| ("api_key_secret", s)))
                .collect(),
            ProviderConfig::Webhook { secret, .. } => vec![("secret", secret)],
            ProviderConfig::Outbox { .. }
            | ProviderConfig::Ses { .. }
            | ProviderConfig::Sns { .. } => Vec::new(),
        }
    }

    /// The `type` value.
    pub fn type_name(&self) -> &'static str {
        match self {
            ProviderConfig::Outbox { .. } => "outbox",
            ProviderConfig::Sendgrid { .. } => "sendgrid",
            ProviderConfig::Mailgun { .. } => "mailgun",
            ProviderConfig::Smtp { .. } => "smtp",
            ProviderConfig::Ses { .. } => "ses",
            ProviderConfig::Twilio { .. } => "twilio",
            ProviderConfig::Sns { .. } => "sns",
            ProviderConfig::Webhook { .. } => "webhook",
        }
    }
}

/// `[email]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannelConfig {
    /// Provider chain, in failover order.
    #[serde(deserialize_with = "provider_list")]
    pub providers: Vec<String>,
    /// Sender mailbox (`Name <address>`).
    pub from: String,
    /// Optional reply-to address.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub reply_to: Option<String>,
}

/// `[sms]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmsChannelConfig {
    /// Provider chain, in failover order.
    #[serde(deserialize_with = "provider_list")]
    pub providers: Vec<String>,
    /// Alphanumeric sender ID or origination number, where the provider supports one.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub sender_id: Option<String>,
    /// Region (ISO 3166 code, e.g. "DE") for phone numbers not in E.164 form.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub default_region: Option<String>,
    /// Most segments one SMS may cost.
    pub max_segments: usize,
    /// Only these country calling codes (e.g. [1, 44, 49]); empty = all.
    #[serde(default)]
    pub allowed_countries: Vec<u16>,
    /// Never these country calling codes.
    #[serde(default)]
    pub denied_countries: Vec<u16>,
}

/// `[routes.<TriggerSource>]`: overrides for one trigger source.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Provider chain for this source instead of the channel's.
    #[serde(default, deserialize_with = "optional_provider_list")]
    pub providers: Option<Vec<String>>,
    /// Template name instead of the source's default.
    #[serde(default)]
    pub template: Option<String>,
    /// Sender mailbox for this source (email only).
    #[serde(default)]
    pub from: Option<String>,
    /// Reply-to for this source (email only).
    #[serde(default)]
    pub reply_to: Option<String>,
    /// `failover` (default) or `round_robin` over the chain.
    #[serde(default)]
    pub strategy: Option<StrategyConfig>,
    /// `false` drops this source on purpose: logged, not sent, reported as handled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Provider-side templates for this source: provider name → template ID
    /// (SendGrid dynamic template `d-…`, Mailgun template name, SES template name).
    #[serde(default)]
    pub esp_templates: BTreeMap<String, String>,
    /// Sender ID for this source (SMS only).
    #[serde(default)]
    pub sender_id: Option<String>,
    /// Segment cap for this source (SMS only).
    #[serde(default)]
    pub max_segments: Option<usize>,
    /// Allowed calling codes for this source (SMS only).
    #[serde(default)]
    pub allowed_countries: Option<Vec<u16>>,
    /// Denied calling codes for this source (SMS only).
    #[serde(default)]
    pub denied_countries: Option<Vec<u16>>,
}

/// How a route uses its provider chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyConfig {
    /// The first provider; the next only on failure.
    Failover,
    /// Rotate the first provider per message; the others back it up.
    RoundRobin,
}

/// `[cognito]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CognitoConfig {
    /// Look the user up with `AdminGetUser` when the event lacks the recipient attribute.
    pub lookup_missing_recipient: bool,
}

/// A configuration that cannot be loaded; the message names the key and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A layer could not be read or does not fit the schema.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The file named by `SWITCHBOARD_CONFIG` does not exist.
    #[error(
        "{CONFIG_PATH_VAR} names `{0}`, which does not exist; point it at a TOML file or unset it"
    )]
    MissingFile(PathBuf),
}

impl Config {
    /// Loads the layers from the process environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file = match std::env::var_os(CONFIG_PATH_VAR) {
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.is_file() {
                    return Err(ConfigError::MissingFile(path));
                }
                Some(path)
            }
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        Self::figment(file.as_deref()).extract().map_err(describe)
    }

    /// The embedded defaults alone, ignoring files and the environment.
    pub fn embedded_defaults() -> Result<Config, ConfigError> {
        Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .map_err(describe)
    }

    /// The layered sources: defaults, then `file`, then the environment.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let env = Env::prefixed(ENV_PREFIX)
            .ignore(&["config", "log"])
            .split("__")
            .map(|key| canonical_env_key(key.as_str()).into())
            // Last: every `map`/`filter` resets this flag to true.
            .lowercase(false);
        figment.merge(env)
    }
}

/// Environment variables are upper-case by convention; keys are lower-case, except
/// trigger source names under `routes`, which get their canonical spelling so that
/// `SWITCHBOARD_ROUTES__CUSTOMEMAILSENDER_SIGNUP__TEMPLATE` overrides the same route
/// as `[routes.CustomEmailSender_SignUp]` in a file.
fn canonical_env_key(key: &str) -> String {
    let mut parts: Vec<String> = key.split('.').map(str::to_ascii_lowercase).collect();
    if parts.len() >= 2 && parts[0] == "routes" {
        if let TriggerSource::Email(_) | TriggerSource::Sms(_) =
            TriggerSource::parse_ignore_case(&parts[1])
        {
            parts[1] = TriggerSource::parse_ignore_case(&parts[1]).to_string();
        }
    }
    parts.join(".")
}

/// One message per problem, each naming the key and where its value came from.
fn describe(error: figment::Error) -> ConfigError {
    let problems: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = if e.path.is_empty() {
                String::new()
            } else {
                format!(" at key `{}`", e.path.join("."))
            };
            let source = e
                .metadata
                .as_ref()
                .map(|m| match &m.source {
                    Some(source) => format!(" (from {} {source})", m.name),
                    None => format!(" (from {})", m.name),
                })
                .unwrap_or_default();
            format!("{}{key}{source}", e.kind)
        })
        .collect();
    ConfigError::Invalid(problems.join("; "))
}

fn empty_path_as_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<PathBuf>, D::Error> {
    Ok(empty_as_none(deserializer)?.map(PathBuf::from))
}

fn empty_as_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value.filter(|v| !v.trim().is_empty()))
}

/// A provider chain as a TOML array, or as `a,b` from an environment variable.
#[derive(Deserialize)]
#[serde(untagged)]
enum ProviderList {
    List(Vec<String>),
    Text(String),
}

impl From<ProviderList> for Vec<String> {
    fn from(list: ProviderList) -> Self {
        let names = match list {
            ProviderList::List(names) => names,
            ProviderList::Text(text) => text.split(',').map(str::to_string).collect(),
        };
        names
            .into_iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect()
    }
}

fn provider_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(ProviderList::deserialize(deserializer)?.into())
}

fn optional_provider_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<ProviderList>::deserialize(deserializer)?.map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_keys_get_canonical_route_names() {
        assert_eq!(
            canonical_env_key("ROUTES.CUSTOMEMAILSENDER_FORGOTPASSWORD.PROVIDERS"),
            "routes.CustomEmailSender_ForgotPassword.providers"
        );
        assert_eq!(canonical_env_key("EMAIL.PROVIDERS"), "email.providers");
        assert_eq!(
            canonical_env_key("ROUTES.CUSTOMSMSSENDER_NEWTHING.TEMPLATE"),
            "routes.customsmssender_newthing.template"
        );
    }
}
