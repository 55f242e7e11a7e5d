//! The SMS pumping guard: at most `per_number` messages to one phone number and
//! `per_country` to one country per window, counted in DynamoDB by
//! [`super::counter`] (conditional increments, retry-safe, no hot item).
//!
//! A country's limit is split over `country_shards` items of
//! `ceil(limit / shards)` each, so a busy country spreads its writes
//! (DynamoDB serves about 1,000 writes per second per item). Numbers are stored
//! only as an HMAC-SHA256 under `sms.limits.number_key` (SHA-256 without one).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub use super::counter::{token_for, Limit, Reservation, Verdict};
use super::counter::{Counter, CounterTable, Window};
use super::{OnStoreError, StoreError};
use crate::sms::countries::Region;
use crate::sms::phone::E164;
use crate::store::recipients::stored_key;

/// The per-country limits: an override by region, else by calling code (as
/// older configurations keyed them), else the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryLimits {
    /// Every region without an override; 0 = no limit.
    pub default: u32,
    /// Region → limit; 0 = no limit.
    pub by_region: BTreeMap<Region, u32>,
    /// Calling code → limit, every region of the code counted together, as
    /// before regions; 0 = no limit.
    pub by_code: BTreeMap<u16, u32>,
}

/// The limit that applies to one number, and what it counts by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CountryLimit {
    limit: u32,
    /// The setting that sets it.
    setting: String,
    /// What the count is kept for: the region, or the calling code an older
    /// configuration names (its items keep their names, so a running count goes on).
    counted_as: String,
}

impl CountryLimits {
    fn for_number(&self, to: &E164) -> CountryLimit {
        let region = to.region().unwrap_or(Region::NON_GEOGRAPHIC);
        if let Some(&limit) = self.by_region.get(&region) {
            return CountryLimit {
                limit,
                setting: format!("sms.limits.per_country.{region}"),
                counted_as: region.to_string(),
            };
        }
        let code = to.calling_code();
        match self.by_code.get(&code) {
            Some(&limit) => CountryLimit {
                limit,
                setting: format!("sms.limits.per_country.{code}"),
                counted_as: code.to_string(),
            },
            None => CountryLimit {
                limit: self.default,
                setting: "sms.limits.per_country.default".into(),
                counted_as: region.to_string(),
            },
        }
    }

    /// The largest limit of any country.
    pub fn largest(&self) -> u32 {
        self.by_region
            .values()
            .chain(self.by_code.values())
            .copied()
            .fold(self.default, u32::max)
    }
}

/// The guard; built once per cold start.
#[derive(Debug, Clone)]
pub struct SmsLimiter {
    counts: CounterTable,
    per_number: u32,
    per_country: CountryLimits,
    window: Duration,
    shards: u32,
    number_key: Option<aws_lc_rs::hmac::Key>,
}

/// The settings of an [`SmsLimiter`] besides its client and table.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Messages per number per window; 0 = none.
    pub per_number: u32,
    /// Messages per country per window.
    pub per_country: CountryLimits,
    /// The window.
    pub window: Duration,
    /// Items each country's count is split over (at least 1).
    pub country_shards: u32,
    /// The HMAC key numbers are stored under; `None`: plain SHA-256.
    pub number_key: Option<Vec<u8>>,
    /// What a failing table means.
    pub on_store_error: OnStoreError,
}

impl SmsLimiter {
    /// A guard counting in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, limits: Limits) -> Self {
        SmsLimiter {
            counts: CounterTable::new(client, table, "SMS limit", limits.on_store_error),
            per_number: limits.per_number,
            per_country: limits.per_country,
            window: limits.window.max(Duration::from_secs(1)),
            shards: limits.country_shards.max(1),
            number_key: limits
                .number_key
                .map(|key| aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key)),
        }
    }

    fn counters(&self, to: &E164, window_start: u64, token: &str) -> Vec<Counter> {
        let mut counters = Vec::new();
        if self.per_number > 0 {
            counters.push(Counter {
                keys: vec![format!(
                    "sms-limit#number#{}#{window_start}",
                    stored_key(self.number_key.as_ref(), to.as_str())
                )],
                limit_per_item: self.per_number,
                limit: self.per_number,
                setting: "sms.limits.per_number".into(),
            });
        }
        let CountryLimit {
            limit,
            setting,
            counted_as,
        } = self.per_country.for_number(to);
        if limit > 0 {
            let shards = self.shards.min(limit);
            // The event's token picks the first shard: a retry of the event
            // tries the same shards in the same order.
            let first = token.bytes().fold(0u32, |hash, b| {
                hash.wrapping_mul(31).wrapping_add(u32::from(b))
            }) % shards;
            let keys = (0..shards)
                .map(|i| {
                    let shard = (first + i) % shards;
                    format!("sms-limit#country#{counted_as}#{window_start}#{shard}")
                })
                .collect();
            counters.push(Counter {
                keys,
                limit_per_item: limit.div_ceil(shards),
                limit,
                setting,
            });
        }
        counters
    }

    /// Takes one message from every limit that applies to `to`, or none if any
    /// of them is used up; `token` is the event's (the same for every retry of
    /// it). Every call ends by `deadline`.
    pub async fn reserve(
        &self,
        to: &E164,
        token: &str,
        deadline: Option<Instant>,
    ) -> Result<Verdict, StoreError> {
        let window = Window::now(self.window);
        let counters = self.counters(to, window.start, token);
        self.counts.reserve(counters, token, window, deadline).await
    }

    /// Returns a reservation's counts after nothing was sent (see
    /// [`CounterTable::give_back`]).
    pub async fn give_back(&self, reservation: Reservation, deadline: Option<Instant>) {
        self.counts.give_back(reservation, deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_override_wins_then_a_calling_code_then_the_default() {
        let limits = CountryLimits {
            default: 500,
            by_region: [(Region::parse("GB").unwrap(), 100)].into(),
            by_code: [(1, 50)].into(),
        };
        let number = |n: &str| crate::sms::phone::normalise(n, None).unwrap();
        let gb = limits.for_number(&number("+447400123456"));
        assert_eq!(
            (gb.limit, gb.setting.as_str(), gb.counted_as.as_str()),
            (100, "sms.limits.per_country.GB", "GB")
        );
        let jm = limits.for_number(&number("+18762345678"));
        assert_eq!(
            (jm.limit, jm.setting.as_str(), jm.counted_as.as_str()),
            (50, "sms.limits.per_country.1", "1"),
            "a calling code counts its regions together, as it did"
        );
        let de = limits.for_number(&number("+4915112345678"));
        assert_eq!(
            (de.limit, de.setting.as_str(), de.counted_as.as_str()),
            (500, "sms.limits.per_country.default", "DE")
        );
        assert_eq!(limits.largest(), 500);
    }
}
