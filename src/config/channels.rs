//! The two channels' defaults: `[email]`, `[sms]` and the SMS pumping limits
//! `[sms.limits]`; every trigger source of a channel uses them unless its
//! `[routes.<TriggerSource>]` says otherwise (see `overrides.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

use switchboard_providers::SecretValue;

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
    /// How long an SMS may wait undelivered, for every source (0: the provider's
    /// own default); unset: each source's code lifetime (`TriggerSource::code_lifetime`).
    #[serde(default)]
    pub validity_seconds: Option<u64>,
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
    /// Items each country's count is split over, so that a busy calling code
    /// is not one hot item.
    pub country_shards: u32,
    /// The HMAC key numbers are stored under (a secret reference); "" stores
    /// them as plain SHA-256, which a reader of the table can reverse.
    #[serde(default, deserialize_with = "de::empty_secret_as_none")]
    pub number_key: Option<SecretValue>,
}

impl SmsLimitsConfig {
    /// Whether any limit is set.
    pub fn enabled(&self) -> bool {
        self.per_number > 0 || self.per_country.values().any(|&limit| limit > 0)
    }
}
