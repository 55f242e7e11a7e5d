//! The two channels' defaults: `[email]`, `[sms]` and their abuse limits
//! `[email.limits]` and `[sms.limits]`; every trigger source of a channel uses them unless its
//! `[routes.<TriggerSource>]` says otherwise (see `overrides.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;

use switchboard_providers::SecretValue;

use super::de;
use crate::sms::countries::CountryEntry;
use crate::sms::phone::NumberType;

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
    /// Rate limits against email bombing.
    pub limits: EmailLimitsConfig,
}

/// `[email.limits]`: messages to one address in a window, for the trigger
/// sources listed, counted in DynamoDB. A limit of 0 is no limit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailLimitsConfig {
    /// Messages to one address (its mailbox, see `counting_form`) per window.
    pub per_recipient: u32,
    /// The window's length in seconds.
    pub window_seconds: u64,
    /// The trigger sources counted (`CustomEmailSender_SignUp`, …).
    #[serde(deserialize_with = "de::list")]
    pub trigger_sources: Vec<String>,
    /// The DynamoDB table (partition key `id`); "" uses `idempotency.table`.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
    /// The HMAC key addresses are stored under (a secret reference); "" stores
    /// them as plain SHA-256, which a reader with a list of addresses can test.
    #[serde(default, deserialize_with = "de::empty_secret_as_none")]
    pub recipient_key: Option<SecretValue>,
}

impl EmailLimitsConfig {
    /// Whether a limit is set.
    pub fn enabled(&self) -> bool {
        self.per_recipient > 0
    }
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
    /// Only these regions (ISO 3166: `["US", "CA"]`); empty = every region.
    #[serde(default, deserialize_with = "de::list")]
    pub allowed_countries: Vec<CountryEntry>,
    /// Never these regions.
    #[serde(default, deserialize_with = "de::list")]
    pub denied_countries: Vec<CountryEntry>,
    /// The number types that may receive SMS (premium rate, shared cost and
    /// UAN are left out by default).
    #[serde(deserialize_with = "de::list")]
    pub allowed_number_types: Vec<NumberType>,
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
    /// Messages to one country per window: `default` for every region, and
    /// overrides by region (`{ default = 500, GB = 100 }`).
    #[serde(default)]
    pub per_country: BTreeMap<String, u32>,
    /// The window's length in seconds.
    pub window_seconds: u64,
    /// The DynamoDB table (partition key `id`); "" uses `idempotency.table`.
    #[serde(default, deserialize_with = "de::empty_as_none")]
    pub table: Option<String>,
    /// Items each country's count is split over, so that a busy country is
    /// not one hot item.
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
