//! Cold start of the fleet's health (`[health] table`): the standing every
//! chain reads, the notes its breakers write, and — once the routes are built —
//! the fleet of the providers they use.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use switchboard_providers::layer::Standing;

use super::error::StartupError;
use crate::aws;
use crate::config::Config;
use crate::health::fleet::{Fleet, FleetPolicy, Notes};
use crate::health::record::{HealthTable, Subject};
use crate::health::verdict::Floor;
use crate::route::RouteTable;

/// What the chains share with the fleet, made before them.
pub struct Parts {
    pub standing: Arc<Standing>,
    pub notes: Notes,
}

/// The parts when `[health] table` is set.
pub fn parts(config: &Config) -> Option<Parts> {
    config.health.table.as_ref().map(|_| Parts {
        standing: Standing::new(config.health.probe_share),
        notes: Notes::default(),
    })
}

/// `[health]` checked: shares between 0 and 1, a window and a refresh.
pub fn check(config: &Config) -> Result<(), StartupError> {
    let health = &config.health;
    let refused = |key: &str, value: String, problem: &str| {
        Err(StartupError::Health {
            key: format!("health.{key}"),
            value,
            problem: problem.into(),
        })
    };
    if !(0.0..=1.0).contains(&health.min_delivered) {
        return refused(
            "min_delivered",
            health.min_delivered.to_string(),
            "a share between 0 and 1 (0.8: demote below 80 % delivered)",
        );
    }
    if !(0.0..=1.0).contains(&health.probe_share) {
        return refused(
            "probe_share",
            health.probe_share.to_string(),
            "a share between 0 and 1 (0.05: one event in 20 still tries a demoted provider first)",
        );
    }
    if health.window_minutes == 0 {
        return refused("window_minutes", "0".into(), "at least 1 minute of sends");
    }
    if health.receipt_timeout_s >= health.window_minutes.saturating_mul(60) {
        return refused("receipt_timeout_s", health.receipt_timeout_s.to_string(), "shorter than the window (window_minutes × 60), or silence after a send is never counted");
    }
    if health.io_timeout_ms == 0 {
        return refused(
            "io_timeout_ms",
            "0".into(),
            "at least 1 ms (300: a slow table holds an event up at most that)",
        );
    }
    if health.refresh_ms == 0 {
        return refused(
            "refresh_ms",
            "0".into(),
            "at least 1 ms (5000: every environment follows within 5 s)",
        );
    }
    Ok(())
}

/// The fleet of every provider and channel the routes use.
pub fn fleet(
    config: &Config,
    parts: Parts,
    routes: &RouteTable,
    aws: Option<&aws_config::SdkConfig>,
    emit_metrics: bool,
) -> Result<Fleet, StartupError> {
    let table = config.health.table.clone().unwrap_or_default();
    let aws = aws.ok_or(StartupError::NeedsAws {
        what: "health.table",
    })?;
    let client = aws_sdk_dynamodb::Client::new(&aws::with_timeouts(aws, aws::DYNAMODB));
    let mut subjects: Vec<Subject> = Vec::new();
    for (_, route) in routes.iter() {
        for name in &route.provider_names {
            let subject = (name.clone(), route.channel);
            if !subjects.contains(&subject) {
                subjects.push(subject);
            }
        }
    }
    // A send is counted (and silence after it is loss) only when receipts are
    // deployed (`receipts.url`, the receipts function's) and the provider's
    // are configured: else a provider would be demoted for receipts nobody reads.
    let counted: HashSet<String> = match config.receipts.url {
        Some(_) => config
            .providers
            .iter()
            .filter(|(_, provider)| provider.receipts_configured())
            .map(|(name, _)| name.clone())
            .collect(),
        None => HashSet::new(),
    };
    let health = &config.health;
    let policy = FleetPolicy {
        floor: Floor::of(health),
        refresh: Duration::from_millis(health.refresh_ms),
        window_minutes: health.window_minutes,
        cool_down: Duration::from_millis(config.delivery.breaker.cool_down_ms),
        io_timeout: Duration::from_millis(health.io_timeout_ms),
    };
    let me = std::env::var("AWS_LAMBDA_LOG_STREAM_NAME")
        .unwrap_or_else(|_| format!("pid {}", std::process::id()));
    Ok(Fleet::new(
        HealthTable::new(client, table),
        policy,
        parts.standing,
        parts.notes,
        subjects,
        counted,
        me,
        emit_metrics,
    ))
}
