//! Whether a record demotes its provider, and why: an operator's demotion, an
//! open breaker in another environment, or a delivered share below the floor
//! over enough messages — the messages the provider answers for: a hard bounce
//! of a nonexistent mailbox or an invalid number is the recipient's, and a
//! message accepted with no receipt after the receipt timeout is lost.

use switchboard_providers::receipt::Status;

use super::record::{Count, Record};
use crate::config::HealthConfig;

/// The figures a share is judged by (`[health]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Floor {
    /// The delivered share below which a provider is demoted.
    pub min_delivered: f64,
    /// The messages the share needs before it counts.
    pub min_samples: u64,
    /// After how long an accepted message with no receipt is lost.
    pub receipt_timeout_ms: u64,
}

impl Floor {
    /// The floor `[health]` sets.
    pub fn of(health: &HealthConfig) -> Floor {
        Floor {
            min_delivered: health.min_delivered,
            min_samples: health.min_samples,
            receipt_timeout_ms: health.receipt_timeout_s.saturating_mul(1000),
        }
    }
}

/// Why a provider is demoted.
#[derive(Debug, Clone, PartialEq)]
pub enum Demotion {
    /// `switchboard health demote`, by whom, why.
    Operator { by: String, reason: String },
    /// Another environment's breaker is open on it.
    Breaker { by: String },
    /// Its delivered share over `samples` messages.
    Share { share: f64, samples: u64 },
}

impl Demotion {
    /// The figure that moved it, as a metric line and `switchboard health` say it.
    pub fn describe(&self) -> String {
        match self {
            Demotion::Operator { by, reason } => format!("demoted by {by}: {reason}"),
            Demotion::Breaker { by } => format!("breaker open in {by}"),
            Demotion::Share { share, samples } => {
                format!("{:.1}% delivered of {samples}", share * 100.0)
            }
        }
    }
}

/// The delivered share of what the provider answers for, and how many messages
/// it is over: receipts with an outcome, and messages sent long enough ago
/// whose receipt never came.
pub fn delivered_share(record: &Record, now_ms: u64, receipt_timeout_ms: u64) -> (f64, u64) {
    let (mut delivered, mut lost) = (0u64, 0u64);
    // Sends and receipts of minutes long enough ago are summed before they are
    // compared: a send the sender counted in the minute after its receipt's
    // (`sb_sent_at` is when the attempt began) still meets its receipt.
    let (mut sent_old, mut answered_old) = (0u64, 0u64);
    for counts in &record.counts {
        delivered += counts.delivered;
        lost += counts.lost;
        if (counts.minute + 1) * 60_000 + receipt_timeout_ms <= now_ms {
            sent_old += counts.sent;
            answered_old += counts.delivered + counts.lost + counts.theirs;
        }
    }
    lost += sent_old.saturating_sub(answered_old);
    let samples = delivered + lost;
    match samples {
        0 => (1.0, 0),
        _ => (delivered as f64 / samples as f64, samples),
    }
}

/// The reasons a message is lost through the recipient's fault, not the
/// provider's: Twilio's invalid, unreachable, unknown and landline numbers, End
/// User Messaging's invalid and unreachable ones.
const THE_RECIPIENTS: [&str; 7] = [
    "21211",
    "21614",
    "30003",
    "30005",
    "30006",
    "TEXT_INVALID",
    "TEXT_UNREACHABLE",
];

/// Which count a receipt of `status` (with the provider's `reason`) adds to:
/// delivered; lost when the provider answers for it (blocked, undelivered,
/// failed); the recipient's for a bounce — a mailbox that does not take the
/// message — and a number that cannot take it; none for a deferral or a
/// complaint, which end nothing.
pub fn count_of(status: Status, reason: Option<&str>) -> Option<Count> {
    match status {
        Status::Delivered => Some(Count::Delivered),
        Status::Bounced => Some(Count::Theirs),
        Status::Undelivered | Status::Failed | Status::Blocked
            if reason.is_some_and(|r| {
                // 5.1.x: a bad mailbox or address (RFC 3463), as SES reports a suppressed one.
                THE_RECIPIENTS.contains(&r.trim()) || r.trim().starts_with("5.1.")
            }) =>
        {
            Some(Count::Theirs)
        }
        Status::Undelivered | Status::Failed | Status::Blocked => Some(Count::Lost),
        Status::Deferred | Status::Complained => None,
    }
}

/// What `record` says at `now_ms`: demoted and why, or not.
pub fn judge(record: &Record, now_ms: u64, floor: &Floor) -> Option<Demotion> {
    if record.demoted_until_ms.is_some_and(|until| until > now_ms) {
        return Some(Demotion::Operator {
            by: record
                .demoted_by
                .clone()
                .unwrap_or_else(|| "an operator".into()),
            reason: record.demoted_reason.clone().unwrap_or_default(),
        });
    }
    if record.breaker_until_ms.is_some_and(|until| until > now_ms) {
        return Some(Demotion::Breaker {
            by: record
                .breaker_by
                .clone()
                .unwrap_or_else(|| "another environment".into()),
        });
    }
    let (share, samples) = delivered_share(record, now_ms, floor.receipt_timeout_ms);
    (samples >= floor.min_samples && share < floor.min_delivered)
        .then_some(Demotion::Share { share, samples })
}

#[cfg(test)]
mod tests {
    use super::super::record::Counts;
    use super::*;

    const FLOOR: Floor = Floor {
        min_delivered: 0.8,
        min_samples: 20,
        receipt_timeout_ms: 120_000,
    };

    fn counts(minute: u64, sent: u64, delivered: u64, lost: u64, theirs: u64) -> Counts {
        Counts {
            minute,
            sent,
            delivered,
            lost,
            theirs,
        }
    }

    #[test]
    fn the_recipients_failures_do_not_count_and_silence_counts_only_after_the_timeout() {
        let now_ms = 100 * 60_000;
        // Minute 97 ended 2 minutes ago: its 10 unanswered messages are lost.
        let old = counts(97, 30, 20, 0, 0);
        let record = Record {
            counts: vec![old],
            ..Record::default()
        };
        assert_eq!(delivered_share(&record, now_ms, 120_000), (20.0 / 30.0, 30));
        // Minute 99 is too recent: only its receipts count.
        let recent = counts(99, 30, 20, 0, 0);
        let record = Record {
            counts: vec![recent],
            ..Record::default()
        };
        assert_eq!(delivered_share(&record, now_ms, 120_000), (1.0, 20));
        // A wave of dead addresses is the recipients': no demotion.
        let wave = counts(90, 100, 50, 0, 50);
        let record = Record {
            counts: vec![wave],
            ..Record::default()
        };
        assert_eq!(judge(&record, now_ms, &FLOOR), None);
        // A send counted in the minute after its receipt's still meets it.
        let split = vec![counts(95, 0, 10, 0, 0), counts(96, 10, 0, 0, 0)];
        let record = Record {
            counts: split,
            ..Record::default()
        };
        assert_eq!(delivered_share(&record, now_ms, 120_000), (1.0, 10));
    }

    #[test]
    fn a_share_below_the_floor_demotes_only_over_enough_messages() {
        let now_ms = 100 * 60_000;
        let few = Record {
            counts: vec![counts(99, 0, 5, 10, 0)],
            ..Record::default()
        };
        assert_eq!(judge(&few, now_ms, &FLOOR), None);
        let many = Record {
            counts: vec![counts(99, 0, 10, 15, 0)],
            ..Record::default()
        };
        assert_eq!(
            judge(&many, now_ms, &FLOOR),
            Some(Demotion::Share {
                share: 0.4,
                samples: 25
            })
        );
    }

    #[test]
    fn a_bounce_and_an_invalid_number_are_the_recipients_and_a_carrier_block_the_providers() {
        assert_eq!(
            count_of(Status::Bounced, Some("5.1.1")),
            Some(Count::Theirs)
        );
        assert_eq!(
            count_of(Status::Undelivered, Some("30005")),
            Some(Count::Theirs)
        );
        assert_eq!(
            count_of(Status::Undelivered, Some("30007")),
            Some(Count::Lost)
        );
        assert_eq!(
            count_of(Status::Blocked, Some("TEXT_BLOCKED")),
            Some(Count::Lost)
        );
        assert_eq!(
            count_of(Status::Blocked, Some("5.1.1")),
            Some(Count::Theirs)
        );
        assert_eq!(count_of(Status::Deferred, None), None);
        assert_eq!(count_of(Status::Delivered, None), Some(Count::Delivered));
    }

    #[test]
    fn an_operators_demotion_and_an_open_breaker_hold_until_they_end() {
        let record = Record {
            demoted_until_ms: Some(2_000),
            demoted_by: Some("ops".into()),
            breaker_until_ms: Some(5_000),
            ..Record::default()
        };
        assert!(matches!(
            judge(&record, 1_000, &FLOOR),
            Some(Demotion::Operator { .. })
        ));
        assert!(matches!(
            judge(&record, 3_000, &FLOOR),
            Some(Demotion::Breaker { .. })
        ));
        assert_eq!(judge(&record, 6_000, &FLOOR), None);
    }
}
