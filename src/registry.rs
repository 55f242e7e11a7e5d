//! Builds one sender per `[providers.NAME]`, once per cold start.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use switchboard_providers::{aws_sdk_sesv2, aws_sdk_sns};
use switchboard_providers::{
    mailgun_region_base_url, ErrorKind, HttpTimeouts, Mailgun, MailgunConfig, Outbox, SendError,
    SendGrid, SendGridConfig, Sender, Ses, SesConfig, Smtp, SmtpConfig, Sns, SnsConfig, Twilio,
    TwilioAuth, TwilioConfig, TwilioSender, Webhook, WebhookConfig,
};

use crate::config::ProviderConfig;
use crate::secrets::{SecretResolver, SecretValue};
use crate::startup::StartupError;

/// The configured providers by name.
pub type Registry = BTreeMap<String, Arc<dyn Sender>>;

/// Whether any configured provider needs AWS credentials.
pub fn needs_aws(providers: &BTreeMap<String, ProviderConfig>) -> bool {
    let secret_in_aws = providers
        .values()
        .any(|p| p.secrets().iter().any(|(_, value)| value.needs_aws()));
    secret_in_aws
        || providers
            .values()
            .any(|p| matches!(p, ProviderConfig::Ses { .. } | ProviderConfig::Sns { .. }))
}

/// Builds every configured provider. `aws` is required when [`needs_aws`] says so.
pub async fn build(
    providers: &BTreeMap<String, ProviderConfig>,
    aws: Option<&aws_config::SdkConfig>,
) -> Result<Registry, StartupError> {
    let mut resolver = SecretResolver::new(aws);
    let mut registry = Registry::new();
    for (name, config) in providers {
        validate_name(name)?;
        let mut secrets = HashMap::new();
        for (field, value) in config.secrets() {
            let secret = resolver
                .resolve(&format!("providers.{name}.{field}"), value)
                .await?;
            secrets.insert(field, secret);
        }
        let sender = build_one(name, config, aws, &secrets).map_err(|e| {
            StartupError::Config(format!(
                "[providers.{name}] (type = \"{}\"): {}",
                config.type_name(),
                e.detail()
            ))
        })?;
        registry.insert(name.clone(), sender);
    }
    Ok(registry)
}

fn http_timeouts(timeout_ms: u64) -> HttpTimeouts {
    HttpTimeouts {
        request: Duration::from_millis(timeout_ms),
        ..HttpTimeouts::default()
    }
}

fn build_one(
    name: &str,
    config: &ProviderConfig,
    aws: Option<&aws_config::SdkConfig>,
    secrets: &HashMap<&'static str, SecretString>,
) -> Result<Arc<dyn Sender>, SendError> {
    let secret = |field: &str, _configured: &SecretValue| {
        secrets.get(field).cloned().ok_or_else(|| {
            SendError::new(
                name,
                ErrorKind::Config,
                format!("`{field}` was not resolved"),
            )
        })
    };
    Ok(match config {
        ProviderConfig::Outbox { dir } => Arc::new(Outbox::new(name, dir.clone())),
        ProviderConfig::Sendgrid {
            api_key,
            base_url,
            sandbox_mode,
            timeout_ms,
        } => Arc::new(SendGrid::new(
            name,
            SendGridConfig {
                api_key: secret("api_key", api_key)?,
                base_url: base_url.clone(),
                sandbox_mode: *sandbox_mode,
                timeouts: http_timeouts(*timeout_ms),
            },
        )?),
        ProviderConfig::Mailgun {
            api_key,
            domain,
            region,
            base_url,
            timeout_ms,
        } => {
            let base_url = match base_url {
                Some(url) => url.clone(),
                None => mailgun_region_base_url(region)
                    .ok_or_else(|| {
                        SendError::new(
                            name,
                            ErrorKind::Config,
                            format!(
                                "`region` = `{region}`; expected `us` or `eu` (or set `base_url`)"
                            ),
                        )
                    })?
                    .to_string(),
            };
            Arc::new(Mailgun::new(
                name,
                MailgunConfig {
                    api_key: secret("api_key", api_key)?,
                    domain: domain.clone(),
                    base_url,
                    timeouts: http_timeouts(*timeout_ms),
                },
            )?)
        }
        ProviderConfig::Smtp {
            url,
            username,
            password,
            ca_file,
            dangerous_plaintext,
            timeout_ms,
            max_connections,
        } => Arc::new(Smtp::new(
            name,
            SmtpConfig {
                url: url.clone(),
                username: username.clone(),
                password: password
                    .as_ref()
                    .map(|p| secret("password", p))
                    .transpose()?,
                ca_file: ca_file.clone(),
                dangerous_plaintext: *dangerous_plaintext,
                timeout: Duration::from_millis(*timeout_ms),
                max_connections: *max_connections,
            },
        )?),
        ProviderConfig::Ses {
            region,
            configuration_set,
            from_arn,
        } => Arc::new(Ses::new(
            name,
            aws_sdk_sesv2::Client::new(&aws_config_in(name, aws, region.as_deref())?),
            SesConfig {
                configuration_set: configuration_set.clone(),
                from_arn: from_arn.clone(),
            },
        )),
        ProviderConfig::Sns {
            region,
            sender_id,
            origination_number,
            max_price,
        } => Arc::new(Sns::new(
            name,
            aws_sdk_sns::Client::new(&aws_config_in(name, aws, region.as_deref())?),
            SnsConfig {
                sender_id: sender_id.clone(),
                origination_number: origination_number.clone(),
                max_price: max_price.clone(),
            },
        )),
        ProviderConfig::Twilio {
            account_sid,
            auth_token,
            api_key_sid,
            api_key_secret,
            from,
            messaging_service_sid,
            status_callback,
            base_url,
            timeout_ms,
        } => {
            let config_error = |detail: &str| SendError::new(name, ErrorKind::Config, detail);
            let auth = match (auth_token, api_key_sid, api_key_secret) {
                (Some(token), None, None) => TwilioAuth::AuthToken(secret("auth_token", token)?),
                (None, Some(sid), Some(key_secret)) => TwilioAuth::ApiKey {
                    sid: sid.clone(),
                    secret: secret("api_key_secret", key_secret)?,
                },
                _ => {
                    return Err(config_error(
                        "set either `auth_token`, or `api_key_sid` and `api_key_secret`",
                    ))
                }
            };
            let sender = match (from, messaging_service_sid) {
                (Some(from), None) => TwilioSender::From(from.clone()),
                (None, Some(sid)) => TwilioSender::MessagingService(sid.clone()),
                _ => return Err(config_error("set either `from` or `messaging_service_sid`")),
            };
            Arc::new(Twilio::new(
                name,
                TwilioConfig {
                    account_sid: account_sid.clone(),
                    auth,
                    sender,
                    status_callback: status_callback.clone(),
                    base_url: base_url.clone(),
                    timeouts: http_timeouts(*timeout_ms),
                },
            )?)
        }
        ProviderConfig::Webhook {
            url,
            secret: signing_secret,
            timeout_ms,
        } => Arc::new(Webhook::new(
            name,
            WebhookConfig {
                url: url.clone(),
                secret: secret("secret", signing_secret)?,
                timeouts: http_timeouts(*timeout_ms),
            },
        )?),
    })
}

/// The function's AWS configuration, in `region` when the provider names one.
fn aws_config_in(
    name: &str,
    aws: Option<&aws_config::SdkConfig>,
    region: Option<&str>,
) -> Result<aws_config::SdkConfig, SendError> {
    let aws = aws.ok_or_else(|| {
        SendError::new(name, ErrorKind::Config, "no AWS configuration was loaded")
    })?;
    Ok(match region {
        Some(region) => aws
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build(),
        None => aws.clone(),
    })
}

/// Provider names travel through environment variables, which lose case.
fn validate_name(name: &str) -> Result<(), StartupError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(StartupError::Config(format!(
            "provider name `{name}` (in [providers.{name}]) must use only lower-case letters, digits, '-' and '_', because environment variables cannot carry case; rename it, e.g. `{}`",
            name.to_ascii_lowercase()
        )))
    }
}

/// Whether a provider only writes files (and so reaches nobody inside Lambda).
pub fn is_outbox(config: &ProviderConfig) -> bool {
    matches!(config, ProviderConfig::Outbox { .. })
}
