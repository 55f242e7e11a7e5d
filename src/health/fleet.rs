//! The sender's part in the fleet's health. Before an event, an environment
//! whose copy is older than `refresh_ms` reads the records of its providers
//! and demotes or restores each in its chains (a frozen Lambda environment runs
//! nothing in the background; a failed or slow read keeps the last copy and
//! never fails an event). After it, it tells the fleet what only it saw: a
//! message accepted (for a provider with receipts, so that silence counts as
//! loss) and its breakers' openings and reinstatements.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use switchboard_providers::layer::{CircuitEvent, Observer, Standing};
use switchboard_providers::text::epoch_millis;
use switchboard_providers::Channel;

use super::record::{Count, HealthTable, Subject};
use super::verdict::{judge, Demotion, Floor};
use crate::logging;
use crate::store::number;

/// The breaker changes heard during an event, written after it.
#[derive(Debug, Clone, Default)]
pub struct Notes(Arc<Mutex<Vec<(String, bool)>>>);

impl Notes {
    /// Hears each opening (`true`) and reinstatement (`false`).
    pub fn observer(&self) -> Observer {
        let notes = self.0.clone();
        Arc::new(move |event: &CircuitEvent<'_>| {
            let note = match *event {
                CircuitEvent::Opened { provider, .. } => (provider.to_string(), true),
                CircuitEvent::Reinstated { provider } => (provider.to_string(), false),
                CircuitEvent::Skipped { .. } => return,
            };
            notes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(note);
        })
    }

    fn take(&self) -> Vec<(String, bool)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// How the fleet's health is kept (`[health]`, and the breaker's cool-down).
#[derive(Debug, Clone)]
pub struct FleetPolicy {
    /// When a share demotes.
    pub floor: Floor,
    /// How old a copy may be before an event reads it again.
    pub refresh: Duration,
    /// The minutes of sends read.
    pub window_minutes: u64,
    /// How long a breaker this environment opened stays open (its record's end).
    pub cool_down: Duration,
    /// The longest a read or the writes after an event may take (`io_timeout_ms`).
    pub io_timeout: Duration,
}

/// This environment's copy of the fleet's health.
#[derive(Debug, Default)]
struct Copy {
    read_at: Option<Instant>,
    demoted: HashMap<Subject, Demotion>,
}

/// The sender's view of the fleet.
pub struct Fleet {
    table: HealthTable,
    policy: FleetPolicy,
    standing: Arc<Standing>,
    notes: Notes,
    subjects: Vec<Subject>,
    /// Providers whose receipts are configured: their sends are counted.
    counted: HashSet<String>,
    /// Who this environment is, in a breaker record.
    me: String,
    emit_metrics: bool,
    copy: Mutex<Copy>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("table", &self.table.name())
            .field("subjects", &self.subjects)
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// The fleet of `subjects` in `table`; `standing` is what the chains read,
    /// `notes` what their breakers told.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        table: HealthTable,
        policy: FleetPolicy,
        standing: Arc<Standing>,
        notes: Notes,
        subjects: Vec<Subject>,
        counted: HashSet<String>,
        me: String,
        emit_metrics: bool,
    ) -> Fleet {
        Fleet {
            table,
            policy,
            standing,
            notes,
            subjects,
            counted,
            me,
            emit_metrics,
            copy: Mutex::default(),
        }
    }

    /// Reads the records again when this copy is older than `refresh_ms`.
    pub async fn refresh(&self, deadline: Option<Instant>) {
        let now = Instant::now();
        {
            let mut copy = self.copy.lock().unwrap_or_else(PoisonError::into_inner);
            if copy
                .read_at
                .is_some_and(|at| now.duration_since(at) < self.policy.refresh)
            {
                return;
            }
            copy.read_at = Some(now);
        }
        let until = self.bounded(deadline);
        let now_ms = epoch_millis();
        let records = match self
            .table
            .read(
                &self.subjects,
                now_ms / 60_000,
                self.policy.window_minutes,
                until,
            )
            .await
        {
            Ok(records) => records,
            Err(problem) => {
                tracing::warn!(%problem, "the fleet's health was not read; the last copy stays");
                return;
            }
        };
        let demoted: HashMap<Subject, Demotion> = records
            .iter()
            .filter_map(|(subject, record)| {
                judge(record, now_ms, &self.policy.floor).map(|why| (subject.clone(), why))
            })
            .collect();
        let mut copy = self.copy.lock().unwrap_or_else(PoisonError::into_inner);
        for (subject, why) in &demoted {
            if !copy.demoted.contains_key(subject) {
                self.tell("ProviderDemoted", subject, &why.describe());
            }
        }
        for subject in copy.demoted.keys() {
            if !demoted.contains_key(subject) {
                self.tell("ProviderRestored", subject, "");
            }
        }
        self.standing.set(demoted.keys().cloned().collect());
        copy.demoted = demoted;
    }

    /// `deadline`, or the health's own time limit from now when sooner.
    fn bounded(&self, deadline: Option<Instant>) -> Option<Instant> {
        let budget = Instant::now() + self.policy.io_timeout;
        Some(deadline.map_or(budget, |d| d.min(budget)))
    }

    /// After an event: counts `delivered`'s send (provider, channel) when its
    /// provider's receipts come back, and writes the breakers' changes; within
    /// the health's time limit, failures only logged.
    pub async fn after(&self, delivered: Option<(&str, Channel)>, deadline: Option<Instant>) {
        let deadline = self.bounded(deadline);
        if let Some((provider, channel)) = delivered.filter(|(p, _)| self.counted.contains(*p)) {
            let minute = epoch_millis() / 60_000;
            if let Err(problem) = self
                .table
                .add((provider, channel), minute, Count::Sent, deadline)
                .await
            {
                tracing::warn!(%problem, "a send was not counted in the fleet's health");
            }
        }
        for (provider, opened) in self.notes.take() {
            let channels: Vec<Channel> = self
                .subjects
                .iter()
                .filter(|(name, _)| *name == provider)
                .map(|(_, channel)| *channel)
                .collect();
            for channel in channels {
                let names = ["breaker_until", "breaker_by"];
                let values = opened.then(|| {
                    let until = epoch_millis() + self.policy.cool_down.as_millis() as u64;
                    vec![number(until), AttributeValue::S(self.me.clone())]
                });
                // A reinstatement closes this environment's record, not another's.
                let only_if = (!opened).then_some(("breaker_by", self.me.as_str()));
                if let Err(problem) = self
                    .table
                    .set_state((&provider, channel), &names, values, only_if, deadline)
                    .await
                {
                    tracing::warn!(%problem, provider, "a breaker change was not shared with the fleet");
                }
            }
        }
    }

    /// One log line, and inside Lambda one metric line, per change.
    fn tell(&self, metric: &str, (provider, channel): &Subject, why: &str) {
        tracing::warn!(provider, %channel, why, "{metric}");
        if self.emit_metrics {
            let line = json!({
                "_aws": {
                    "Timestamp": epoch_millis(),
                    "CloudWatchMetrics": [{
                        "Namespace": "Switchboard",
                        "Dimensions": [["Provider", "Channel"]],
                        "Metrics": [{ "Name": metric, "Unit": "Count" }]
                    }]
                },
                "Provider": provider,
                "Channel": channel.to_string(),
                "Reason": why,
                metric: 1,
            });
            println!("{}", logging::outgoing_json(line));
        }
    }
}
