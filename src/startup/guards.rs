//! `[idempotency]`, `[sms.limits]` and `[email.limits]` → the pipeline's
//! DynamoDB guards, checked before the first event: a table and AWS for each
//! guard that is on; for the SMS limits every per-country key is `default` or a
//! region, for the email limits every source an email trigger source, and no
//! window empty.

use std::time::Duration;

use super::StartupError;
use crate::aws;
use crate::cognito::event::TriggerSource;
use crate::config::Config;
use crate::pipeline::guards::email_limit::{EmailLimiter, EmailLimits};
use crate::pipeline::guards::idempotency::IdempotencyGuard;
use crate::pipeline::guards::sms_limit::{CountryLimits, Limits, SmsLimiter};
use crate::pipeline::guards::Guards;
use crate::secrets::SecretResolver;
use crate::sms::countries::CountryEntry;
use secrecy::ExposeSecret;
use switchboard_providers::redaction::redactor;

/// The guards the configuration turns on.
pub(super) async fn build(
    config: &Config,
    aws_config: Option<&aws_config::SdkConfig>,
) -> Result<Guards, StartupError> {
    Ok(Guards {
        idempotency: idempotency(config, aws_config)?,
        sms_limit: sms_limiter(config, aws_config).await?,
        email_limit: email_limiter(config, aws_config).await?,
    })
}

/// The email bombing guard, or `None` without `email.limits.per_recipient`.
async fn email_limiter(
    config: &Config,
    aws_config: Option<&aws_config::SdkConfig>,
) -> Result<Option<EmailLimiter>, StartupError> {
    let limits = &config.email.limits;
    let mut sources = Vec::new();
    for name in &limits.trigger_sources {
        let source = TriggerSource::parse_ignore_case(name);
        if !matches!(source, TriggerSource::Email(_)) {
            return Err(StartupError::Limits {
                key: "email.limits.trigger_sources".into(),
                value: name.clone(),
                problem: "not an email trigger source; name them as Cognito does, e.g. CustomEmailSender_SignUp".into(),
            });
        }
        sources.push(source);
    }
    if !limits.enabled() {
        return Ok(None);
    }
    if limits.window_seconds == 0 {
        return Err(StartupError::Limits {
            key: "email.limits.window_seconds".into(),
            value: "0".into(),
            problem: "a window must last at least 1 second; 3600 counts per hour".into(),
        });
    }
    let Some(table) = config.email_limits_table() else {
        return Err(StartupError::Limits {
            key: "email.limits.per_recipient".into(),
            value: limits.per_recipient.to_string(),
            problem: "nothing can count it: set email.limits.table (or idempotency.table) to a DynamoDB table with partition key `id` (string)".into(),
        });
    };
    let aws_config = aws_config.ok_or(StartupError::NeedsAws {
        what: "email.limits",
    })?;
    let recipient_key = match &limits.recipient_key {
        Some(reference) => {
            let mut resolver = SecretResolver::new(Some(aws_config));
            let key = resolver
                .resolve("email.limits.recipient_key", reference)
                .await?;
            redactor().add_credential(key.expose_secret());
            Some(key.expose_secret().as_bytes().to_vec())
        }
        None => {
            tracing::warn!("email.limits.recipient_key is not set: addresses are stored as plain SHA-256, which a reader with a list of addresses can test; set it to a secret reference");
            None
        }
    };
    Ok(Some(EmailLimiter::new(
        aws_sdk_dynamodb::Client::new(&aws::with_timeouts(aws_config, aws::DYNAMODB)),
        table.to_string(),
        EmailLimits {
            per_recipient: limits.per_recipient,
            window: Duration::from_secs(limits.window_seconds),
            sources,
            recipient_key,
            on_store_error: config.idempotency.on_store_error,
        },
    )))
}

/// The idempotency guard, or `None` without `idempotency.table`.
fn idempotency(
    config: &Config,
    aws_config: Option<&aws_config::SdkConfig>,
) -> Result<Option<IdempotencyGuard>, StartupError> {
    let settings = &config.idempotency;
    let Some(table) = &settings.table else {
        return Ok(None);
    };
    let aws_config = aws_config.ok_or(StartupError::NeedsAws {
        what: "idempotency.table",
    })?;
    Ok(Some(IdempotencyGuard::new(
        aws_sdk_dynamodb::Client::new(&aws::with_timeouts(aws_config, aws::DYNAMODB)),
        table.clone(),
        Duration::from_millis(settings.lock_timeout_ms),
        Duration::from_secs(settings.retention_hours.saturating_mul(3600)),
        settings.on_store_error,
    )))
}

/// The most a shard of a country's count may hold: each counted event's token
/// is kept in the shard's item, and writes cost by the item's size.
const MAX_PER_SHARD: u32 = 5000;

/// The SMS pumping guard, or `None` when no limit is set.
async fn sms_limiter(
    config: &Config,
    aws_config: Option<&aws_config::SdkConfig>,
) -> Result<Option<SmsLimiter>, StartupError> {
    let limits = &config.sms.limits;
    let per_country = country_limits(&limits.per_country)?;
    if !limits.enabled() {
        return Ok(None);
    }
    if limits.window_seconds == 0 {
        return Err(StartupError::Limits {
            key: "sms.limits.window_seconds".into(),
            value: "0".into(),
            problem: "a window must last at least 1 second; 3600 counts per hour".into(),
        });
    }
    let shards = limits.country_shards.max(1);
    let largest = per_country.largest();
    if largest.div_ceil(shards) > MAX_PER_SHARD {
        return Err(StartupError::Limits {
            key: "sms.limits.country_shards".into(),
            value: limits.country_shards.to_string(),
            problem: format!(
                "a country limit of {largest} over {shards} shards leaves more than {MAX_PER_SHARD} per item; set it to at least {}",
                largest.div_ceil(MAX_PER_SHARD)
            ),
        });
    }
    let Some(table) = config.sms_limits_table() else {
        let (key, value) = if limits.per_number > 0 {
            ("sms.limits.per_number", limits.per_number.to_string())
        } else {
            (
                "sms.limits.per_country",
                format!("{:?}", limits.per_country),
            )
        };
        return Err(StartupError::Limits {
            key: key.into(),
            value,
            problem: "nothing can count it: set sms.limits.table (or idempotency.table) to a DynamoDB table with partition key `id` (string)".into(),
        });
    };
    let aws_config = aws_config.ok_or(StartupError::NeedsAws { what: "sms.limits" })?;
    let number_key = match &limits.number_key {
        Some(reference) => {
            let mut resolver = SecretResolver::new(Some(aws_config));
            let key = resolver.resolve("sms.limits.number_key", reference).await?;
            redactor().add_credential(key.expose_secret());
            Some(key.expose_secret().as_bytes().to_vec())
        }
        None => {
            if limits.per_number > 0 {
                tracing::warn!("sms.limits.number_key is not set: phone numbers are stored as plain SHA-256, which a reader of the table can reverse; set it to a secret reference");
            }
            None
        }
    };
    Ok(Some(SmsLimiter::new(
        aws_sdk_dynamodb::Client::new(&aws::with_timeouts(aws_config, aws::DYNAMODB)),
        table.to_string(),
        Limits {
            per_number: limits.per_number,
            per_country,
            window: Duration::from_secs(limits.window_seconds),
            country_shards: shards,
            number_key,
            on_store_error: config.idempotency.on_store_error,
        },
    )))
}

/// `per_country`'s keys: `default`, a region (`GB`), or a calling code as
/// older configurations wrote them (`"44"`, counted as before; check-config
/// asks for regions).
fn country_limits(
    configured: &std::collections::BTreeMap<String, u32>,
) -> Result<CountryLimits, StartupError> {
    let mut limits = CountryLimits::default();
    for (key, &limit) in configured {
        if key.eq_ignore_ascii_case("default") {
            limits.default = limit;
            continue;
        }
        match key.parse::<CountryEntry>() {
            Ok(CountryEntry::Region(region)) => {
                limits.by_region.insert(region, limit);
            }
            Ok(CountryEntry::CallingCode(code)) => {
                limits.by_code.insert(code, limit);
            }
            Err(problem) => {
                return Err(StartupError::Limits {
                    key: format!("sms.limits.per_country.{key}"),
                    value: limit.to_string(),
                    problem: format!("the key must be `default` or a region: {problem}"),
                })
            }
        }
    }
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_country_keys_are_default_regions_or_calling_codes() {
        let parsed = country_limits(
            &[
                ("default".into(), 500),
                ("gb".into(), 100),
                ("+1".into(), 0),
            ]
            .into(),
        )
        .unwrap();
        assert_eq!(parsed.default, 500);
        assert_eq!(
            parsed.by_region,
            [(crate::sms::countries::Region::parse("GB").unwrap(), 100)].into()
        );
        assert_eq!(parsed.by_code, [(1, 0)].into());
        for bad in ["uk", "4444", "0", "", "0999", "044", "+-1"] {
            let error = country_limits(&[(bad.to_string(), 5)].into())
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(&format!("sms.limits.per_country.{bad}"))
                    && error.contains("ISO 3166"),
                "{error}"
            );
        }
    }
}
