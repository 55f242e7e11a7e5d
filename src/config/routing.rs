//! Where messages go: `[email]`, `[sms]`, `[routes.<TriggerSource>]` and
//! `[clients.<app client ID>]`.
//!
//! `from`, `reply_to` and `sender_id` appear in both routes and clients; they
//! stay separate fields because serde's `flatten` cannot be combined with
//! `deny_unknown_fields`, and a typo must stay an error.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::de;

/// `[email]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannelConfig {
    /// Provider chain, in failover order.
    #[serde(deserialize_with = "de::list")]
    pub providers: Vec<String>,
    /// Sender mailbox (`Name <address>`).
    pub from: String,
    /// Optional reply-to address.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub reply_to: Option<String>,
}

/// `[sms]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsChannelConfig {
    /// Provider chain, in failover order.
    #[serde(deserialize_with = "de::list")]
    pub providers: Vec<String>,
    /// Alphanumeric sender ID or origination number, where the provider supports one.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub sender_id: Option<String>,
    /// Region (ISO 3166 code, e.g. "DE") for phone numbers not in E.164 form.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub default_region: Option<String>,
    /// Most segments one SMS may cost.
    pub max_segments: usize,
    /// Only these country calling codes (e.g. [1, 44, 49]); empty = all.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_countries: Vec<u16>,
    /// Never these country calling codes.
    #[serde(default, deserialize_with = "de::list")]
    pub denied_countries: Vec<u16>,
    /// Rate limits against SMS pumping.
    pub limits: SmsLimitsConfig,
}

/// `[sms.limits]`: messages per destination number and per destination country in
/// a window, counted in DynamoDB. A limit of 0 is no limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsLimitsConfig {
    /// Messages to one phone number per window.
    pub per_number: u32,
    /// Messages to one country per window: `default` for every country, and
    /// overrides by calling code (`{ default = 500, "44" = 100 }`).
    #[serde(default)]
    pub per_country: BTreeMap<String, u32>,
    /// The window's length in seconds.
    pub window_seconds: u64,
    /// The DynamoDB table (partition key `id`); "" uses `idempotency.table`.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
}

impl SmsLimitsConfig {
    /// Whether any limit is set.
    pub fn enabled(&self) -> bool {
        self.per_number > 0 || self.per_country.values().any(|&limit| limit > 0)
    }
}

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
    /// Allowed calling codes for this source (SMS only).
    #[serde(default, deserialize_with = "de::optional_list")]
    pub allowed_countries: Option<Vec<u16>>,
    /// Denied calling codes for this source (SMS only).
    #[serde(default, deserialize_with = "de::optional_list")]
    pub denied_countries: Option<Vec<u16>>,
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

/// Provider names travel through environment variables, which lose case.
pub(super) fn check_provider_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        return Ok(());
    }
    Err(format!(
        "provider name `{name}` (in [providers.{name}]) must use only lower-case letters, digits, '-' and '_', because environment variables cannot carry case; rename it, e.g. `{}`",
        name.to_ascii_lowercase()
    ))
}
