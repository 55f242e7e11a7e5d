//! `switchboard status`: did a code arrive? From the receipts' trail table
//! (`receipts.table`), with the caller's credentials, never a scan:
//! `--event ID` an event's trail at every configured provider; `--to ADDRESS`
//! and `--user NAME` (its email and phone number in the pool) the recipient's
//! trails over `--since` (24 hours by default); `--since` alone a summary per
//! provider and channel.

use std::time::Duration;

use anyhow::{bail, Context};

use super::status_report::{recipient_table, summary_table, trail_table};
use crate::cognito::directory::UserDirectory;
use crate::config::Config;
use crate::receipts::lookup::TrailEntry;
use crate::receipts::trail::Trail;
use crate::secrets::SecretResolver;
use crate::startup::{self, Runtime, StartupOptions};
use crate::store::recipients::RecipientKeys;

/// What `status` was asked.
#[derive(Debug, Clone, Default)]
pub struct Question {
    /// `--event ID`
    pub event: Option<String>,
    /// `--to ADDRESS`
    pub to: Option<String>,
    /// `--user NAME`
    pub user: Option<String>,
    /// `--pool ID` (for `--user`)
    pub pool: Option<String>,
    /// `--since DURATION`
    pub since: Option<String>,
}

/// How far back `--to` and `--user` look without `--since`.
const DEFAULT_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Answers `question`; fails when the table is not configured, the question
/// is not one of the three, or nothing was found.
pub async fn run(question: Question) -> anyhow::Result<()> {
    let (config, options) = startup::configure(StartupOptions::new(Runtime::Local)).await?;
    let table = config.receipts.table.clone().ok_or_else(|| {
        anyhow::anyhow!(
            "`receipts.table` is not set: name the table the receipts function writes to"
        )
    })?;
    let aws = match options.aws {
        Some(aws) => aws,
        None => aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
    };
    let label = question.since.clone().unwrap_or_else(|| "24h".into());
    let window = match question.since.as_deref() {
        Some(text) => humantime::parse_duration(text.trim()).with_context(|| {
            format!("--since `{text}` is not a duration: write it as 90m, 1h or 2days")
        })?,
        None => DEFAULT_WINDOW,
    };
    let now_ms = switchboard_providers::text::epoch_millis();
    let since_ms = now_ms.saturating_sub(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
    let mut resolver = SecretResolver::new(Some(&aws));
    // The recipient keys (secrets) are read only for a question about a recipient.
    let recipients = match question.to.is_some() || question.user.is_some() {
        true => startup::receipts::recipient_keys(&config, &mut resolver).await?,
        false => RecipientKeys::default(),
    };
    let trail = Trail::new(
        aws_sdk_dynamodb::Client::new(&aws),
        table,
        Duration::ZERO,
        recipients,
    );
    match question {
        Question { event: Some(event), to: None, user: None, since: None, .. } => {
            event_trail(&config, &trail, event.trim()).await
        }
        Question { event: None, to: Some(to), user: None, .. } => {
            let found = recipient_trails(&trail, &to, since_ms).await?;
            report_recipient(&to, &found, &label)
        }
        Question { event: None, to: None, user: Some(user), pool, .. } => {
            let pool = pool_of(&config, pool)?;
            let directory = UserDirectory::new(&aws);
            let mut found = Vec::new();
            let mut addresses = Vec::new();
            for attribute in ["email", "phone_number"] {
                if let Some(address) = directory.attribute(&pool, &user, attribute, None).await? {
                    found.extend(recipient_trails(&trail, &address, since_ms).await?);
                    addresses.push(address);
                }
            }
            if addresses.is_empty() {
                bail!("user `{user}` in pool {pool} has neither an email address nor a phone number");
            }
            found.sort_by_key(|entry| std::cmp::Reverse(entry.at_ms));
            report_recipient(&format!("user {user}"), &found, &label)
        }
        Question { event: None, to: None, user: None, since: Some(_), .. } => {
            let entries = trail.between(since_ms, now_ms).await.map_err(anyhow::Error::msg)?;
            super::print(&summary_table(&entries, &label));
            Ok(())
        }
        _ => bail!(
            "ask one question: --event ID, --to ADDRESS or --user NAME (each with --since to look further back than 24 hours), or --since alone for a summary"
        ),
    }
}

async fn event_trail(config: &Config, trail: &Trail, event_id: &str) -> anyhow::Result<()> {
    let providers: Vec<&str> = config.providers.keys().map(String::as_str).collect();
    let entries = trail
        .read(event_id, providers.iter().copied())
        .await
        .map_err(anyhow::Error::msg)?;
    if entries.is_empty() {
        bail!(
            "no receipt for event {event_id} at any configured provider ({}): it was not sent, its provider has no receipts, or they have not arrived",
            providers.join(", ")
        );
    }
    super::print(&trail_table(event_id, &entries));
    Ok(())
}

/// The trails of `address` (an email address, else a phone number).
async fn recipient_trails(
    trail: &Trail,
    address: &str,
    since_ms: u64,
) -> anyhow::Result<Vec<TrailEntry>> {
    let channel = if address.contains('@') {
        "email"
    } else {
        "sms"
    };
    let Some(key) = trail.recipient_key(channel, address) else {
        bail!(
            "`{}` is neither an email address nor a phone number in E.164 (+ and the country code)",
            switchboard_providers::mask_recipient(address)
        );
    };
    trail
        .of_recipient(&key, since_ms)
        .await
        .map_err(anyhow::Error::msg)
}

fn report_recipient(who: &str, found: &[TrailEntry], window: &str) -> anyhow::Result<()> {
    if found.is_empty() {
        bail!(
            "no receipt for {} in the last {window}: nothing was sent to it, its providers have no receipts, or they have not arrived",
            mask(who),
        );
    }
    super::print(&recipient_table(&mask(who), found));
    Ok(())
}

/// A recipient as the output may show it: masked, as every log line does.
fn mask(who: &str) -> String {
    match who.strip_prefix("user ") {
        Some(user) => format!("user {}", switchboard_providers::mask_username(user)),
        None => switchboard_providers::mask_recipient(who),
    }
}

/// The pool `--user` is looked up in: `--pool`, else the one pool the
/// configuration binds the function to.
fn pool_of(config: &Config, pool: Option<String>) -> anyhow::Result<String> {
    if let Some(pool) = pool {
        return Ok(pool);
    }
    match config.decrypt.user_pools.as_slice() {
        [pool] => Ok(pool.clone()),
        _ => bail!(
            "--user needs the user pool: pass --pool ID (decrypt.user_pools names {} pools)",
            config.decrypt.user_pools.len()
        ),
    }
}
