//! `switchboard check-config`: builds everything a cold start builds (providers,
//! routes, every template in every locale) and prints what it built, as a person
//! reads it, with secrets redacted — or fails with the problem.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use switchboard_providers::{Channel, ProviderConfig};

use crate::cognito::key_arn::KeyArn;
use crate::cognito::keys::{KeyRefusal, PoolKeys};
use crate::config::{Config, DecryptConfig, DecryptMode, DeliveryConfig};
use crate::route::Route;
use crate::sms::countries::CountryEntry;
use crate::startup::{self, Runtime, StartupOptions};
use crate::App;

/// `--user-pool` (and `--key-arn`): would this pool's codes, made under this key,
/// decrypt here? Answered as the function answers it per event ([`PoolKeys`]).
#[derive(Debug, Clone)]
pub struct PoolQuestion {
    /// The user pool ID.
    pub pool: String,
    /// The pool's `KMSKeyID`.
    pub key_arn: Option<String>,
}

/// How the error begins when the configuration loads but refuses the pool or its
/// key, which `switchboard doctor` reports apart from a configuration that fails.
pub const POOL_REFUSED: &str = "the configuration loads, but";

/// Validates the configuration (as inside Lambda with `lambda`) and prints it;
/// with `question`, fails unless that pool's codes decrypt here.
pub async fn run(lambda: bool, question: Option<PoolQuestion>) -> anyhow::Result<()> {
    let runtime = if lambda {
        Runtime::Lambda
    } else {
        Runtime::Local
    };
    let (config, options) = startup::configure(StartupOptions::new(runtime)).await?;
    let app = startup::build(&config, options).await?;
    let mut out = decrypt_section(&config.decrypt);
    out.push_str("\nproviders:\n");
    for (name, provider) in &config.providers {
        writeln!(out, "  {name:<12} {}", settings(provider))?;
    }
    out.push_str("\nroutes:\n");
    writeln!(
        out,
        "  {:<46} {:<7} {:<24} {:<22} {:<8} DETAILS",
        "TRIGGER SOURCE", "CHANNEL", "PROVIDERS", "TEMPLATE", "ENABLED"
    )?;
    for (source, route) in app.routes().iter() {
        writeln!(
            out,
            "  {:<46} {:<7} {:<24} {:<22} {:<8} {}",
            source,
            route.channel.to_string(),
            route.provider_names.join(" > "),
            route.template,
            if route.enabled { "yes" } else { "no" },
            details(route)
        )?;
    }
    out.push_str(&templates_section(&app));
    out.push_str(&delivery_section(&config.delivery));
    out.push_str(&sms_limits_section(&config));
    out.push_str(&email_limits_section(&config));
    out.push_str(&super::receipts_report::section(&config));
    if let Some(question) = question {
        match pool_answer(&config.decrypt, &question) {
            Ok(answer) => writeln!(out, "\n{answer}")?,
            Err(refusal) => {
                super::print(&out);
                anyhow::bail!("{POOL_REFUSED} {refusal}");
            }
        }
    }
    let legacy = config.legacy_calling_codes();
    if !legacy.is_empty() {
        super::print(&out);
        let list: Vec<String> = legacy
            .iter()
            .enumerate()
            .map(|(n, code)| format!("  {}. {}", n + 1, code.describe()))
            .collect();
        anyhow::bail!(
            "countries are ISO 3166 regions now; these settings still name calling codes (each keeps its old meaning for one release, so the function keeps sending):\n{}",
            list.join("\n")
        );
    }
    let mode = if lambda { "as inside Lambda" } else { "local" };
    writeln!(out, "\nconfiguration OK ({mode})")?;
    super::print(&out);
    Ok(())
}

/// The locales each template set the routes use is written in (`en` for the
/// base files), and which locales it lacks that another set has: those users
/// get the fallback (the default locale, else English) for that message.
fn templates_section(app: &App) -> String {
    let renderer = app.composer().renderer();
    let mut sets: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (_, route) in app.routes().iter() {
        let locales = renderer.covered_locales(&route.template, route.channel);
        sets.insert((route.template.clone(), route.channel.to_string()), locales);
    }
    let mut out =
        String::from("\ntemplates (locales; a user in a missing one gets the fallback):\n");
    for ((template, channel), locales) in &sets {
        // Against the channel's other sets: an SMS-only locale is not missing in mail.
        let every: BTreeSet<&String> = sets
            .iter()
            .filter(|((_, c), _)| c == channel)
            .flat_map(|(_, l)| l)
            .collect();
        let missing: Vec<&str> = every
            .iter()
            .filter(|l| !locales.contains(**l))
            .map(|l| l.as_str())
            .collect();
        let _ = write!(
            out,
            "  {:<30} {}",
            format!("{template} ({channel})"),
            locales
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        );
        if !missing.is_empty() {
            let _ = write!(out, "   missing: {}", missing.join(" "));
        }
        out.push('\n');
    }
    out
}

/// Which setting decrypts `question.pool`'s codes, or why they are refused.
fn pool_answer(decrypt: &DecryptConfig, question: &PoolQuestion) -> Result<String, KeyRefusal> {
    let default = decrypt
        .default_key_setting()
        .map(|(setting, keys)| (setting.to_string(), keys));
    let per_pool = decrypt.pools.iter().map(|(pool, keys)| {
        let setting = DecryptConfig::pool_key_setting(pool);
        (pool.clone(), (setting, keys.all()))
    });
    let keys = PoolKeys::new(default, per_pool, decrypt.user_pools.clone());
    let (setting, allowed) = keys.for_pool(&question.pool)?;
    let Some(key) = &question.key_arn else {
        return Ok(format!(
            "user pool {}: its codes decrypt under {setting}",
            question.pool
        ));
    };
    let same_key = |arn: &&str| {
        arn.parse::<KeyArn>()
            .is_ok_and(|arn| arn.names_same_key(key))
    };
    if !allowed.iter().any(same_key) {
        return Err(KeyRefusal::WrongKey {
            found: format!("KMS key `{key}`"),
            setting: setting.clone(),
            expected: allowed
                .iter()
                .map(|arn| format!("`{arn}`"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(format!(
        "user pool {}: its codes under {key} decrypt ({setting})",
        question.pool
    ))
}

/// Which keys decrypt which pools' codes.
fn decrypt_section(decrypt: &DecryptConfig) -> String {
    let mut out = String::from("decrypt:\n");
    let keys = decrypt.default_keys().join(", ");
    let line = |out: &mut String, key: &str, value: &str| {
        let _ = writeln!(out, "  {key:<12} {value}");
    };
    match decrypt.effective_mode() {
        DecryptMode::InsecureDev => line(&mut out, "mode", "insecure-dev (refused inside Lambda)"),
        DecryptMode::Kms => line(&mut out, "mode", "kms"),
    }
    if !keys.is_empty() {
        line(&mut out, "keys", &keys);
    }
    let pools = match decrypt.user_pools.as_slice() {
        [] => "any".to_string(),
        pools => pools.join(", "),
    };
    line(&mut out, "user_pools", &pools);
    for (pool, pool_keys) in &decrypt.pools {
        line(
            &mut out,
            &format!("pool {pool}"),
            &pool_keys.all().join(", "),
        );
    }
    out
}

/// How hard each provider is tried, how long an event may take, when a provider is skipped.
fn delivery_section(delivery: &DeliveryConfig) -> String {
    let mut out = String::from("\ndelivery:\n");
    let _ = writeln!(
        out,
        "  {:<12} {} per provider, {} ms each, backoff {}-{} ms",
        "attempts",
        delivery.max_attempts,
        delivery.attempt_timeout_ms,
        delivery.base_delay_ms,
        delivery.max_delay_ms
    );
    let _ = writeln!(
        out,
        "  {:<12} {} ms per event, ending {} ms before the Lambda deadline",
        "budget", delivery.budget_ms, delivery.deadline_margin_ms
    );
    let breaker = &delivery.breaker;
    let _ = match breaker.threshold {
        0 => writeln!(out, "  {:<12} off (delivery.breaker.threshold = 0)", "breaker"),
        n => writeln!(
            out,
            "  {:<12} after {n} temporary failures in a row a provider is skipped for {} ms, then probed once",
            "breaker", breaker.cool_down_ms
        ),
    };
    let _ = writeln!(
        out,
        "  {:<12} {}",
        "preconnect",
        if delivery.preconnect {
            "inside Lambda, the HTTP providers' connections are opened during init"
        } else {
            "off: the first event opens the providers' connections (delivery.preconnect = false)"
        }
    );
    out
}

/// The SMS pumping guard: which limits count where.
fn sms_limits_section(config: &Config) -> String {
    let limits = &config.sms.limits;
    let mut out = String::from("\nsms limits:\n");
    if !limits.enabled() {
        out.push_str("  none (set sms.limits.per_number / sms.limits.per_country)\n");
        return out;
    }
    let limit = |n: u32| match n {
        0 => "no limit".to_string(),
        n => n.to_string(),
    };
    // Regions as ISO writes them, whatever case the environment gave them.
    let mut countries = limits
        .per_country
        .iter()
        .map(|(key, n)| {
            let key = key
                .parse::<CountryEntry>()
                .map_or_else(|_| key.clone(), |entry| entry.to_string());
            format!("{key}={}", limit(*n))
        })
        .collect::<Vec<_>>();
    countries.sort();
    let table = config.sms_limits_table().unwrap_or("-");
    let _ = writeln!(out, "  {:<12} {}", "per_number", limit(limits.per_number));
    let _ = writeln!(
        out,
        "  {:<12} {}",
        "per_country",
        if countries.is_empty() {
            "no limit".to_string()
        } else {
            countries.join(" ")
        }
    );
    let _ = writeln!(out, "  {:<12} {} s", "window", limits.window_seconds);
    let _ = writeln!(out, "  {:<12} {table}", "table");
    out
}

/// The email bombing guard: how many messages one address gets, for which sources.
fn email_limits_section(config: &Config) -> String {
    let limits = &config.email.limits;
    let mut out = String::from("\nemail limits:\n");
    if !limits.enabled() {
        out.push_str("  none (set email.limits.per_recipient)\n");
        return out;
    }
    let _ = writeln!(
        out,
        "  {:<12} {} per {} s",
        "per_recipient", limits.per_recipient, limits.window_seconds
    );
    let _ = writeln!(
        out,
        "  {:<12} {}",
        "sources",
        limits.trigger_sources.join(" ")
    );
    let _ = writeln!(
        out,
        "  {:<12} {}",
        "table",
        config.email_limits_table().unwrap_or("-")
    );
    out
}

/// `type=sendgrid api_key=env:SENDGRID_API_KEY base_url=…`: every set key, secrets
/// as their reference (a literal shows as `<redacted>`), URLs without credentials.
fn settings(provider: &ProviderConfig) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(provider) else {
        return format!("type={}", provider.type_name());
    };
    let mut parts = vec![format!("type={}", provider.type_name())];
    for (key, value) in fields {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(text) if key != "type" => {
                parts.push(format!("{key}={}", without_url_credentials(&text)));
            }
            serde_json::Value::String(_) => {}
            other => parts.push(format!("{key}={other}")),
        }
    }
    parts.join(" ")
}

/// `value` as printed: a URL with its user, password and query values as `***`
/// (a webhook's `?token=`, a callback's `user:password@`); anything else as it is.
fn without_url_credentials(value: &str) -> String {
    let Ok(mut url) = url::Url::parse(value) else {
        return value.to_string();
    };
    if url.cannot_be_a_base()
        || (url.username().is_empty() && url.password().is_none() && url.query().is_none())
    {
        return value.to_string();
    }
    if !url.username().is_empty() {
        let _ = url.set_username("***");
    }
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query().is_some() {
        let keys: Vec<String> = url.query_pairs().map(|(key, _)| key.into_owned()).collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(keys.iter().map(|key| (key.as_str(), "***")));
    }
    url.to_string()
}

fn details(route: &Route) -> String {
    match route.channel {
        Channel::Email => {
            let esp_templates = route
                .esp_templates
                .iter()
                .map(|(provider, id)| format!("{provider}:{id}"))
                .collect::<Vec<_>>();
            format!(
                "from={} reply_to={} esp_templates={}",
                route.from,
                route.reply_to.as_deref().unwrap_or("-"),
                if esp_templates.is_empty() {
                    "-".to_string()
                } else {
                    esp_templates.join(",")
                }
            )
        }
        Channel::Sms => format!(
            "sender_id={} max_segments={} validity={} countries: {}",
            route.sender_id.as_deref().unwrap_or("-"),
            route.max_segments,
            route
                .validity
                .map_or("-".to_string(), |v| format!("{}s", v.as_secs())),
            route.countries.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_printed_without_its_credentials() {
        assert_eq!(
            without_url_credentials(
                "https://hookuser:urlpass@hooks.acme.test/hook/T0K3N?token=T0K3N&v=2"
            ),
            "https://***:***@hooks.acme.test/hook/T0K3N?token=***&v=***"
        );
        assert_eq!(
            without_url_credentials("https://api.sendgrid.com"),
            "https://api.sendgrid.com"
        );
        assert_eq!(without_url_credentials("env:KEY"), "env:KEY");
        assert_eq!(without_url_credentials("mg.acme.test"), "mg.acme.test");
    }
}
