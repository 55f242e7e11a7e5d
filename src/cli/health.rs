//! `switchboard health`: the fleet's view of each provider, with the caller's
//! credentials — `health` shows each provider's state, delivered share and who
//! demoted it; `health demote NAME [--channel] [--for 1h] [--reason]` moves it
//! to the back of its chains in every warm environment within `refresh_ms`,
//! without touching the function; `health restore NAME` brings it back.

use std::fmt::Write;
use std::time::Duration;

use anyhow::{bail, Context};
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::epoch_millis;
use switchboard_providers::Channel;

use crate::cognito::event::TriggerSource;
use crate::config::Config;
use crate::health::record::{HealthTable, Subject};
use crate::health::verdict::{delivered_share, judge, Floor};
use crate::startup::{self, Runtime, StartupOptions};

/// What `health` was asked.
#[derive(Debug, Clone)]
pub enum Action {
    /// Each provider's state.
    Show,
    /// Demote `provider` (on `channel`, else every channel it sends) for `for`.
    Demote {
        provider: String,
        channel: Option<String>,
        r#for: String,
        reason: Option<String>,
    },
    /// Undo an operator's demotion.
    Restore {
        provider: String,
        channel: Option<String>,
    },
}

const DEMOTION: [&str; 3] = ["demoted_until", "demoted_by", "demoted_reason"];

/// Carries out `action`.
pub async fn run(action: Action) -> anyhow::Result<()> {
    let (config, options) = startup::configure(StartupOptions::new(Runtime::Local)).await?;
    let table = config.health.table.clone().ok_or_else(|| {
        anyhow::anyhow!("`health.table` is not set: name the table the fleet's health is kept in")
    })?;
    let aws = match options.aws {
        Some(aws) => aws,
        None => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
    };
    let health = HealthTable::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let subjects = subjects(&config);
    match action {
        Action::Show => show(&config, &health, &subjects).await,
        Action::Demote {
            provider,
            channel,
            r#for,
            reason,
        } => {
            let lasting = humantime::parse_duration(r#for.trim()).with_context(|| {
                format!(
                    "--for `{}` is not a duration: write it as 30m, 1h or 2days",
                    r#for
                )
            })?;
            let by = std::env::var("USER")
                .map_or("an operator".into(), |user| format!("operator {user}"));
            let until = epoch_millis()
                .saturating_add(u64::try_from(lasting.as_millis()).unwrap_or(u64::MAX));
            for channel in channels_of(&config, &subjects, &provider, channel.as_deref())? {
                let values = vec![
                    AttributeValue::N(until.to_string()),
                    AttributeValue::S(by.clone()),
                    AttributeValue::S(reason.clone().unwrap_or_else(|| "no reason given".into())),
                ];
                health
                    .set_state((&provider, channel), &DEMOTION, Some(values), None, None)
                    .await
                    .map_err(anyhow::Error::msg)?;
                super::print(&format!(
                    "{provider} ({channel}) demoted for {}: every warm environment tries it last within {} ms",
                    humantime::format_duration(Duration::from_millis(lasting.as_millis() as u64)),
                    config.health.refresh_ms
                ));
            }
            Ok(())
        }
        Action::Restore { provider, channel } => {
            for channel in channels_of(&config, &subjects, &provider, channel.as_deref())? {
                health
                    .set_state((&provider, channel), &DEMOTION, None, None, None)
                    .await
                    .map_err(anyhow::Error::msg)?;
                super::print(&format!(
                    "{provider} ({channel}) restored: back in its place within {} ms, unless its receipts or a breaker keep it demoted",
                    config.health.refresh_ms
                ));
            }
            Ok(())
        }
    }
}

/// Every provider and the channels its chains use it on.
fn subjects(config: &Config) -> Vec<Subject> {
    let mut subjects: Vec<Subject> = Vec::new();
    let mut add = |names: &[String], channel: Channel| {
        for name in names {
            if !subjects.contains(&(name.clone(), channel)) {
                subjects.push((name.clone(), channel));
            }
        }
    };
    add(&config.email.providers, Channel::Email);
    add(&config.sms.providers, Channel::Sms);
    for (source, route) in &config.routes {
        if let Some(channel) = TriggerSource::parse_ignore_case(source).channel() {
            add(route.providers.as_deref().unwrap_or_default(), channel);
        }
    }
    subjects
}

/// The channels of `provider` to act on: `channel` when given, else each one
/// its chains use it on.
fn channels_of(
    config: &Config,
    subjects: &[Subject],
    provider: &str,
    channel: Option<&str>,
) -> anyhow::Result<Vec<Channel>> {
    if !config.providers.contains_key(provider) {
        let names: Vec<&str> = config.providers.keys().map(String::as_str).collect();
        bail!(
            "no provider `{provider}` is configured ({})",
            names.join(", ")
        );
    }
    match channel.map(str::trim) {
        Some("email") => Ok(vec![Channel::Email]),
        Some("sms") => Ok(vec![Channel::Sms]),
        Some(other) => bail!("--channel `{other}`: email or sms"),
        None => {
            let used: Vec<Channel> = subjects
                .iter()
                .filter(|(name, _)| name == provider)
                .map(|(_, channel)| *channel)
                .collect();
            if used.is_empty() {
                bail!("`{provider}` is in no chain: name the channel with --channel email|sms");
            }
            Ok(used)
        }
    }
}

async fn show(config: &Config, health: &HealthTable, subjects: &[Subject]) -> anyhow::Result<()> {
    let now_ms = epoch_millis();
    let h = &config.health;
    let records = health
        .read(subjects, now_ms / 60_000, h.window_minutes, None)
        .await
        .map_err(anyhow::Error::msg)?;
    let floor = Floor::of(h);
    let mut out = format!(
        "the fleet's health ({}; demoted below {:.0}% delivered over {} messages in {} min)\n",
        health.name(),
        h.min_delivered * 100.0,
        h.min_samples,
        h.window_minutes
    );
    let _ = writeln!(
        out,
        "  {:<14} {:<6} {:<9} {:>10} {:>9}  WHY",
        "PROVIDER", "CHANNEL", "STATE", "DELIVERED%", "MESSAGES"
    );
    for subject in subjects {
        let record = records.get(subject).cloned().unwrap_or_default();
        let (share, samples) = delivered_share(&record, now_ms, floor.receipt_timeout_ms);
        let verdict = judge(&record, now_ms, &floor);
        let _ = writeln!(
            out,
            "  {:<14} {:<6} {:<9} {:>10} {:>9}  {}",
            subject.0,
            subject.1.to_string(),
            if verdict.is_some() {
                "demoted"
            } else {
                "in place"
            },
            if samples == 0 {
                "-".to_string()
            } else {
                format!("{:.1}", share * 100.0)
            },
            samples,
            verdict.map_or(String::new(), |why| why.describe()),
        );
    }
    super::print(&out);
    Ok(())
}
