//! `[health]`: the fleet's provider health — the table every environment
//! shares and the figures that demote a provider.

use serde::Deserialize;

use super::de;

/// `[health]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthConfig {
    /// The DynamoDB table of the health records (partition key `id`, TTL
    /// `ttl`); none: each environment learns alone.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
    /// How old an environment's copy may be before an event reads it again, ms.
    pub refresh_ms: u64,
    /// The delivered share below which a provider is demoted.
    pub min_delivered: f64,
    /// The messages with an outcome the share needs before it counts.
    pub min_samples: u64,
    /// The minutes of sends the share is taken over.
    pub window_minutes: u64,
    /// After how long a message accepted without a receipt counts as lost.
    pub receipt_timeout_s: u64,
    /// The share of events that still try a demoted provider first.
    pub probe_share: f64,
    /// The longest the health's read before an event, or its writes after
    /// one, may hold the event up, ms.
    pub io_timeout_ms: u64,
}
