//! Why the function cannot start. Each message names the key and the fix; the
//! errors of the layers below (configuration, secrets, templates, keys) are
//! wrapped, never re-worded.

use switchboard_providers::{Channel, SendError};

use crate::cognito::decrypt::DecryptError;
use crate::cognito::key_arn::KeyArnError;
use crate::config::ConfigError;
use crate::render::RenderError;
use crate::secrets::SecretError;

/// Why the function cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A secret reference could not be resolved.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A provider section is inconsistent (`[providers.NAME]`).
    #[error("[providers.{name}] (type = \"{kind}\"): {}", .error.detail())]
    Provider {
        /// The provider's name.
        name: String,
        /// Its `type`.
        kind: &'static str,
        /// What building it reported.
        error: Box<SendError>,
    },
    /// A chain has no provider.
    #[error("`{key}` is empty: {trigger} needs at least one provider that sends {channel}")]
    EmptyChain {
        /// The chain's key (`email.providers`, `routes.X.providers`).
        key: String,
        /// The trigger source it serves.
        trigger: String,
        /// Its channel.
        channel: Channel,
    },
    /// A chain names a provider that is not configured.
    #[error("`{key}` names provider `{name}`, which is not configured; configured providers: {available} (add a [providers.{name}] section with a `type`)")]
    UnknownProvider {
        /// The chain's key.
        key: String,
        /// The name it gives.
        name: String,
        /// The configured names, or `none`.
        available: String,
    },
    /// A chain names a provider of the other channel.
    #[error("`{key}` names provider `{name}`, which cannot send {channel}")]
    WrongChannel {
        /// The chain's key.
        key: String,
        /// The provider.
        name: String,
        /// The channel it cannot send.
        channel: Channel,
    },
    /// A `[routes.X]` key is not a trigger source.
    #[error(
        "[routes.{key}]: `{key}` is not a custom sender trigger source; expected one of {known}"
    )]
    UnknownTriggerSource {
        /// The key as written.
        key: String,
        /// The known sources.
        known: String,
    },
    /// Two `[routes.X]` keys differ only in case.
    #[error("[routes.{key}] is configured twice (names are case-insensitive)")]
    DuplicateRoute {
        /// The second key.
        key: String,
    },
    /// `esp_templates` names a provider that is not in the route's chain.
    #[error("`routes.{trigger}.esp_templates` names provider `{name}`, which is not in this route's chain [{chain}]")]
    EspTemplateOutsideChain {
        /// The trigger source.
        trigger: String,
        /// The provider named.
        name: String,
        /// The route's chain.
        chain: String,
    },
    /// A template is broken (compile or sample render).
    #[error("{}template {error}", .route.as_ref().map(|r| format!("route {r}: ")).unwrap_or_default())]
    Template {
        /// The route that uses it, when a sample render failed.
        route: Option<String>,
        /// File, line and problem.
        error: RenderError,
    },
    /// A template's sample SMS costs more segments than the route allows.
    #[error("route {route}: template `{template}.sms` renders to {segments} SMS segments with sample data, more than max_segments = {max}; shorten it or raise the limit")]
    SmsTemplateTooLong {
        /// The trigger source.
        route: String,
        /// The template name.
        template: String,
        /// Segments the sample needs.
        segments: usize,
        /// The route's cap.
        max: usize,
    },
    /// A sender or reply-to is not a mailbox.
    #[error("`{key}` = `{value}`: {problem}")]
    Mailbox {
        /// The key (`email.from`, `routes.X.reply_to`, `clients.Y.from`).
        key: String,
        /// Its value.
        value: String,
        /// What is wrong.
        problem: String,
    },
    /// Two `[delivery]` settings contradict each other.
    #[error("`delivery.{key}` = {value} {problem}")]
    Delivery {
        /// The key.
        key: &'static str,
        /// Its value.
        value: u64,
        /// Why it does not work and what to set.
        problem: String,
    },
    /// `decrypt.mode = "kms"` without a key.
    #[error("decrypt.mode is \"kms\" but decrypt.key_arn is not set; set SWITCHBOARD_DECRYPT__KEY_ARN to the KMS key ARN of the user pool's LambdaConfig (KMSKeyID)")]
    MissingKeyArn,
    /// A configured key is not a key ARN.
    #[error("{setting}: {source}")]
    KeyArn {
        /// The setting, e.g. `decrypt.key_arns` or `decrypt.pools.<pool>.key_arn`.
        setting: String,
        /// Why the value is not a key ARN.
        source: KeyArnError,
    },
    /// `decrypt.user_pools` names something that is not a user pool ID.
    #[error("decrypt.user_pools: `{value}` is not a user pool ID; use the pool's ID as Cognito shows it, e.g. `us-east-1_AbCdEf123`")]
    UserPoolId {
        /// The value.
        value: String,
    },
    /// KMS says the pool's key cannot decrypt codes (checked at start-up).
    #[error("decrypt key `{key}`: {problem}")]
    KeyUnusable {
        /// The configured key ARN.
        key: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The Encryption SDK could not be set up.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// An `[sms.limits]` or `[email.limits]` setting cannot work.
    #[error("`{key}` = {value}: {problem}")]
    Limits {
        /// The key (`sms.limits.window_seconds`, `email.limits.per_recipient`, …).
        key: String,
        /// The value as configured.
        value: String,
        /// What is wrong and the fix.
        problem: String,
    },
    /// Something needs AWS but no AWS configuration was loaded.
    #[error("{what} needs an AWS configuration, but none was given")]
    NeedsAws {
        /// What needs it (`idempotency.table`).
        what: &'static str,
    },
    /// A `[health]` setting cannot work.
    #[error("`{key}` = {value}: {problem}")]
    Health {
        /// The key (`health.min_delivered`, …).
        key: String,
        /// The value as configured.
        value: String,
        /// What is wrong and the fix.
        problem: String,
    },
    /// The receipts function cannot work with its configuration.
    #[error("`{key}`: {problem}")]
    Receipts {
        /// The key (`receipts.table`, `SWITCHBOARD_FUNCTION`, …).
        key: String,
        /// What is wrong and the fix.
        problem: String,
    },
    /// Settings that only make sense outside Lambda: every one found, so that a
    /// first deploy learns them all in one start.
    #[error("{0}")]
    Refused(Refusals),
}

impl StartupError {
    /// The failure's class, as the Runtime API's init error names it.
    pub fn class(&self) -> &'static str {
        match self {
            StartupError::Refused(_) => "InitRefused",
            _ => "InitFailed",
        }
    }
}

/// Every refusal a start found, in the order of the configuration.
#[derive(Debug)]
pub struct Refusals(pub Vec<Refusal>);

impl Refusals {
    /// The refusals, first to last.
    pub fn all(&self) -> &[Refusal] {
        &self.0
    }
}

impl std::fmt::Display for Refusals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "inside Lambda {one}"),
            all => {
                write!(
                    f,
                    "inside Lambda {} settings would lose codes; fix each:",
                    all.len()
                )?;
                for (n, refusal) in all.iter().enumerate() {
                    write!(f, "\n  {}. {refusal}", n + 1)?;
                }
                Ok(())
            }
        }
    }
}

/// What Switchboard refuses inside Lambda: a setup that would lose codes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The public development key.
    #[error("the insecure development key is refused; set SWITCHBOARD_DECRYPT__KEY_ARN to the KMS key ARN of the user pool's LambdaConfig (KMSKeyID)")]
    DevelopmentKey,
    /// A chain that contains the outbox: a "delivery" that reaches nobody.
    #[error("`{key}` = [{names}] contains the outbox (files in the function's /tmp reach nobody, and a chain that ends there reports Ok for an undelivered code); name real providers only, e.g. {variable}=<provider name>")]
    OutboxInChain {
        /// The chain's key.
        key: String,
        /// Its providers.
        names: String,
        /// The environment variable that sets it.
        variable: String,
    },
    /// A provider that accepts messages without delivering them.
    #[error("[providers.{provider}] {reason}")]
    Sandbox {
        /// The provider.
        provider: String,
        /// What makes it a sandbox, and the fix.
        reason: String,
    },
    /// The embedded demo's branding: a deploy must name its product and sender.
    #[error("`{key}` = `{value}` is the demo's; set {variable} to your {what}")]
    DemoBranding {
        /// The key.
        key: String,
        /// Its value.
        value: String,
        /// The environment variable that sets it.
        variable: String,
        /// What belongs there.
        what: &'static str,
    },
}
