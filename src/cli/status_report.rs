//! `switchboard status`'s tables, as a person reads them: an event's trail, a
//! recipient's trails, and a summary per provider and channel.

use crate::receipts::lookup::TrailEntry;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A time as RFC 3339 in UTC, ms precision; `-` when unknown.
fn time(ms: Option<u64>) -> String {
    ms.and_then(|ms| i64::try_from(ms).ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or("-".to_string(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
}

/// The time from the send to the provider's latest status.
fn after(entry: &TrailEntry) -> String {
    match (entry.sent_at_ms, entry.at_ms) {
        (Some(sent), Some(at)) if at >= sent => format!("{:.1} s", (at - sent) as f64 / 1000.0),
        _ => "-".into(),
    }
}

fn row(out: &mut String, first: &str, entry: &TrailEntry) {
    let _ = writeln!(
        out,
        "  {first:<14}{:<12} {:<6} {:<12} {:<25} {:<25} {:>10}  {}",
        entry.provider,
        entry.channel,
        entry.status,
        time(entry.sent_at_ms),
        time(entry.at_ms),
        after(entry),
        entry.reason.as_deref().unwrap_or("-"),
    );
}

fn header(out: &mut String, first: &str) {
    let _ = writeln!(
        out,
        "  {first:<14}{:<12} {:<6} {:<12} {:<25} {:<25} {:>10}  REASON",
        "PROVIDER", "CHANNEL", "STATUS", "SENT", "AT", "AFTER"
    );
}

/// One event's trail at each provider that has one.
pub fn trail_table(event_id: &str, entries: &[TrailEntry]) -> String {
    let mut out = format!("event {event_id}\n");
    header(&mut out, "");
    for entry in entries {
        row(&mut out, "", entry);
    }
    out
}

/// A recipient's trails, newest first, each with the start of its event's id
/// (`status --event` takes the whole id, printed below each).
pub fn recipient_table(who: &str, entries: &[TrailEntry]) -> String {
    let mut out = format!("{who}: {} trail(s), newest first\n", entries.len());
    header(&mut out, "EVENT");
    for entry in entries {
        row(
            &mut out,
            &entry.event_id.chars().take(12).collect::<String>(),
            entry,
        );
    }
    let _ = writeln!(out, "\nevents (for status --event):");
    for entry in entries {
        let _ = writeln!(out, "  {}", entry.event_id);
    }
    out
}

/// Per provider and channel over `window`: how many trails ended how, the
/// delivered share of those with an outcome, and the median time to delivery.
pub fn summary_table(entries: &[TrailEntry], window: &str) -> String {
    let mut groups: BTreeMap<(&str, &str), Vec<&TrailEntry>> = BTreeMap::new();
    for entry in entries {
        groups
            .entry((entry.provider.as_str(), entry.channel.as_str()))
            .or_default()
            .push(entry);
    }
    let mut out = format!(
        "receipts of the last {window}: {} trail(s)\n",
        entries.len()
    );
    let _ = writeln!(
        out,
        "  {:<12} {:<6} {:>7} {:>9} {:>13} {:>8} {:>10} {:>10} {:>14}",
        "PROVIDER",
        "CHANNEL",
        "TRAILS",
        "DELIVERED",
        "NOT DELIVERED",
        "DEFERRED",
        "COMPLAINED",
        "DELIVERED%",
        "MEDIAN TIME"
    );
    for ((provider, channel), group) in &groups {
        let count = |statuses: &[&str]| {
            group
                .iter()
                .filter(|e| statuses.contains(&e.status.as_str()))
                .count()
        };
        let delivered = count(&["delivered"]);
        let lost = count(&["undelivered", "bounced", "blocked", "failed"]);
        let share = match delivered + lost {
            0 => "-".to_string(),
            outcomes => format!("{:.1}", 100.0 * delivered as f64 / outcomes as f64),
        };
        let _ = writeln!(
            out,
            "  {:<12} {:<6} {:>7} {:>9} {:>13} {:>8} {:>10} {:>10} {:>14}",
            provider,
            channel,
            group.len(),
            delivered,
            lost,
            count(&["deferred"]),
            count(&["complained"]),
            share,
            median_time_to_delivery(group),
        );
    }
    out
}

fn median_time_to_delivery(group: &[&TrailEntry]) -> String {
    let mut times: Vec<u64> = group
        .iter()
        .filter(|e| e.status == "delivered")
        .filter_map(|e| e.at_ms?.checked_sub(e.sent_at_ms?))
        .collect();
    if times.is_empty() {
        return "-".into();
    }
    times.sort_unstable();
    format!("{:.1} s", times[times.len() / 2] as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(provider: &str, status: &str, sent: u64, at: u64) -> TrailEntry {
        TrailEntry {
            event_id: "ab".repeat(32),
            provider: provider.into(),
            channel: "sms".into(),
            status: status.into(),
            at_ms: Some(at),
            sent_at_ms: Some(sent),
            reason: None,
            message_id: None,
            trigger_source: None,
        }
    }

    #[test]
    fn the_summary_counts_outcomes_and_takes_the_median_of_deliveries() {
        let entries = [
            entry("tw", "delivered", 0, 1_000),
            entry("tw", "delivered", 0, 3_000),
            entry("tw", "delivered", 0, 9_000),
            entry("tw", "undelivered", 0, 5_000),
            entry("tw", "deferred", 0, 5_000),
        ];
        let table = summary_table(&entries, "1h");
        let line = table
            .lines()
            .find(|l| l.trim_start().starts_with("tw"))
            .unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cells,
            ["tw", "sms", "5", "3", "1", "1", "0", "75.0", "3.0", "s"]
        );
    }
}
