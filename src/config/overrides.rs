//! What changes the channels' defaults for some messages:
//! `[routes.<TriggerSource>]` for one trigger source and `[clients.<app client
//! ID>]` for one app client's users.
//!
//! `from`, `reply_to` and `sender_id` appear in both; they stay separate fields
//! because serde's `flatten` cannot be combined with `deny_unknown_fields`, and a
//! typo must stay an error.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::de;
use crate::sms::countries::CountryEntry;

/// `[routes.<TriggerSource>]`: overrides for one trigger source.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Provider chain for this source instead of the channel's.
    #[serde(default, deserialize_with = "de::optional_list")]
    pub providers: Option<Vec<String>>,
    /// Template name instead of the source's default.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub template: Option<String>,
    /// Sender mailbox for this source (email only).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub from: Option<String>,
    /// Reply-to for this source (email only).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub reply_to: Option<String>,
    /// `failover` (default) or `round_robin` over the chain.
    #[serde(default)]
    pub strategy: Option<StrategyConfig>,
    /// `false` drops this source on purpose: logged, not sent, reported as handled.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Provider-side templates for this source: provider name → template ID
    /// (SendGrid dynamic template `d-…`, Mailgun template name, SES template name).
    #[serde(default)]
    pub esp_templates: BTreeMap<String, String>,
    /// Sender ID for this source (SMS only).
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub sender_id: Option<String>,
    /// Segment cap for this source (SMS only).
    #[serde(default)]
    pub max_segments: Option<usize>,
    /// How long this source's SMS may wait undelivered (0: the provider's default).
    #[serde(default)]
    pub validity_seconds: Option<u64>,
    /// Allowed regions for this source (SMS only).
    #[serde(default, deserialize_with = "de::optional_list")]
    pub allowed_countries: Option<Vec<CountryEntry>>,
    /// Denied regions for this source (SMS only).
    #[serde(default, deserialize_with = "de::optional_list")]
    pub denied_countries: Option<Vec<CountryEntry>>,
}

/// How a route uses its provider chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyConfig {
    /// The first provider; the next only on failure.
    Failover,
    /// Rotate the first provider per message; the others back it up.
    RoundRobin,
}

/// `[clients.<app client ID>]`: branding and sender per app client.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Product name for this client's users.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub name: Option<String>,
    /// Product URL.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub url: Option<String>,
    /// Support URL.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub support_url: Option<String>,
    /// Sender mailbox.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub from: Option<String>,
    /// Reply-to address.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub reply_to: Option<String>,
    /// SMS sender ID.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub sender_id: Option<String>,
}
