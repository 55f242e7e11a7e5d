//! `switchboard status --event ID`: an event's delivery trail across every
//! configured provider — the operator's "did this code arrive?" — read from the
//! receipts' trail table with the caller's credentials, one read per provider.

use std::fmt::Write;
use std::time::Duration;

use crate::receipts::trail::{Trail, TrailEntry};
use crate::startup::{self, Runtime, StartupOptions};

/// Prints the trail of `event_id`; fails when the table is not configured or
/// no provider has a receipt for it.
pub async fn run(event_id: &str) -> anyhow::Result<()> {
    let event_id = event_id.trim();
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
    let trail = Trail::new(aws_sdk_dynamodb::Client::new(&aws), table, Duration::ZERO);
    let providers: Vec<&str> = config.providers.keys().map(String::as_str).collect();
    let entries = trail
        .read(event_id, providers.iter().copied())
        .await
        .map_err(anyhow::Error::msg)?;
    if entries.is_empty() {
        anyhow::bail!(
            "no receipt for event {event_id} at any configured provider ({}): it was not sent, its provider has no receipts, or they have not arrived",
            providers.join(", ")
        );
    }
    super::print(&table_of(event_id, &entries));
    Ok(())
}

/// The trail as a person reads it.
pub fn table_of(event_id: &str, entries: &[TrailEntry]) -> String {
    let time = |ms: Option<u64>| {
        ms.and_then(|ms| i64::try_from(ms).ok())
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map_or("-".to_string(), |t| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            })
    };
    let mut out = format!("event {event_id}\n");
    let _ = writeln!(
        out,
        "  {:<12} {:<6} {:<12} {:<25} {:<25} {:>10}  REASON",
        "PROVIDER", "CHANNEL", "STATUS", "SENT", "AT", "AFTER"
    );
    for entry in entries {
        let after = match (entry.sent_at_ms, entry.at_ms) {
            (Some(sent), Some(at)) if at >= sent => format!("{:.1} s", (at - sent) as f64 / 1000.0),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "  {:<12} {:<6} {:<12} {:<25} {:<25} {:>10}  {}",
            entry.provider,
            entry.channel,
            entry.status,
            time(entry.sent_at_ms),
            time(entry.at_ms),
            after,
            entry.reason.as_deref().unwrap_or("-"),
        );
    }
    out
}
