//! The SMS pumping guard: at most `per_number` messages to one phone number and
//! `per_country` to one country per window, counted in DynamoDB.
//!
//! Each counter that applies is incremented by one conditional `UpdateItem`,
//! only while it is below its limit (`attribute_not_exists(#count) OR #count <
//! :limit`), so concurrent invocations cannot exceed a limit (no read, then
//! write). When a later counter refuses, the earlier ones are given back, so a
//! message refused by one limit does not use up another. Windows
//! are fixed (multiples of `window_seconds` since the epoch) and part of each
//! item's key, so nothing ever has to reset a counter; the `ttl` attribute lets
//! DynamoDB delete old windows. Numbers are stored only as SHA-256.

use std::time::Duration;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::hex;

use super::store::{is_conditional_failure, now_secs, number};
use super::{store_failure, OnStoreError, StoreError};
use crate::sms::phone::E164;

/// The per-country limits: an override by calling code, else the default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountryLimits {
    /// Every country without an override; 0 = no limit.
    pub default: u32,
    /// Calling code → limit; 0 = no limit.
    pub by_code: std::collections::BTreeMap<u16, u32>,
}

impl CountryLimits {
    /// The limit for `calling_code` and the key that sets it.
    fn for_code(&self, calling_code: u16) -> (u32, String) {
        match self.by_code.get(&calling_code) {
            Some(&limit) => (limit, format!("sms.limits.per_country.{calling_code}")),
            None => (self.default, "sms.limits.per_country.default".into()),
        }
    }
}

/// The limit a message ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The setting (`sms.limits.per_number`, `sms.limits.per_country.44`, …).
    pub setting: String,
    /// Messages allowed per window.
    pub allowed: u32,
    /// The window's length in seconds.
    pub window_seconds: u64,
}

/// What the guard decided for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Within every limit; the counters were taken (give them back with
    /// [`SmsLimiter::give_back`] if nothing is sent).
    Allowed(Reservation),
    /// Over `Limit`: do not send.
    Limited(Limit),
    /// Send, uncounted: no limit applies (email, no `[sms.limits]`), or the
    /// table failed and `on_store_error = "deliver"`.
    Uncounted,
}

/// The counters one allowed message took.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reservation {
    keys: Vec<String>,
}

/// The guard; built once per cold start.
#[derive(Debug, Clone)]
pub struct SmsLimiter {
    client: aws_sdk_dynamodb::Client,
    table: String,
    per_number: u32,
    per_country: CountryLimits,
    window: Duration,
    on_store_error: OnStoreError,
}

struct Counter {
    key: String,
    limit: u32,
    setting: String,
}

fn sha256_hex(text: &str) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes()).as_ref())
}

impl SmsLimiter {
    /// A guard counting in `table`.
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        per_number: u32,
        per_country: CountryLimits,
        window: Duration,
        on_store_error: OnStoreError,
    ) -> Self {
        SmsLimiter {
            client,
            table,
            per_number,
            per_country,
            window: window.max(Duration::from_secs(1)),
            on_store_error,
        }
    }

    fn counters(&self, to: &E164, window_start: u64) -> Vec<Counter> {
        let mut counters = Vec::new();
        if self.per_number > 0 {
            counters.push(Counter {
                key: format!(
                    "sms-limit#number#{}#{window_start}",
                    sha256_hex(to.as_str())
                ),
                limit: self.per_number,
                setting: "sms.limits.per_number".into(),
            });
        }
        let (limit, setting) = self.per_country.for_code(to.calling_code());
        if limit > 0 {
            counters.push(Counter {
                key: format!("sms-limit#country#{}#{window_start}", to.calling_code()),
                limit,
                setting,
            });
        }
        counters
    }

    /// Takes one message from every limit that applies to `to`, or none if any
    /// of them is used up.
    pub async fn reserve(&self, to: &E164) -> Result<Verdict, StoreError> {
        let window = self.window.as_secs();
        let now = now_secs();
        let window_start = now - now % window;
        // Kept a window past its end, so a late clock never meets a deleted count.
        let ttl = window_start.saturating_add(window.saturating_mul(2));
        let mut taken = Reservation::default();
        for counter in self.counters(to, window_start) {
            match self.take(&counter, ttl).await {
                Ok(true) => taken.keys.push(counter.key),
                Ok(false) => {
                    self.give_back(taken).await;
                    return Ok(Verdict::Limited(Limit {
                        setting: counter.setting,
                        allowed: counter.limit,
                        window_seconds: window,
                    }));
                }
                Err(detail) => {
                    self.give_back(taken).await;
                    store_failure(self.on_store_error, "SMS limit", &self.table, detail)?;
                    return Ok(Verdict::Uncounted);
                }
            }
        }
        Ok(Verdict::Allowed(taken))
    }

    /// One conditional increment: `false` when the counter is at its limit.
    /// Single-item writes, not a transaction: DynamoDB applies writes to one item
    /// one at a time, while concurrent transactions on a shared counter (a
    /// country's) would cancel each other with `TransactionConflict`.
    async fn take(&self, counter: &Counter, ttl: u64) -> Result<bool, String> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(counter.key.clone()))
            .update_expression("SET #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl")
            .condition_expression("attribute_not_exists(#count) OR #count < :limit")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":ttl", number(ttl))
            .expression_attribute_values(":limit", number(counter.limit.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_conditional_failure(&e) => Ok(false),
            Err(e) => Err(format!("UpdateItem failed: {}", DisplayErrorContext(&e))),
        }
    }

    /// Returns a reservation's counts after nothing was sent, so that a failed
    /// delivery (and Lambda's retry of it) does not use up the recipient's quota.
    pub async fn give_back(&self, reservation: Reservation) {
        for key in reservation.keys {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(key))
                .update_expression("SET #count = #count - :one")
                .condition_expression("#count > :zero")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":zero", number(0))
                .expression_attribute_values(":one", number(1))
                .send()
                .await;
            if let Err(error) = result {
                tracing::warn!(table = %self.table, error = %DisplayErrorContext(&error), "could not give back an SMS limit count after a failed send");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_country_override_wins_over_the_default_and_names_its_key() {
        let limits = CountryLimits {
            default: 500,
            by_code: [(44, 100), (1, 0)].into(),
        };
        assert_eq!(
            limits.for_code(44),
            (100, "sms.limits.per_country.44".into())
        );
        assert_eq!(limits.for_code(1), (0, "sms.limits.per_country.1".into()));
        assert_eq!(
            limits.for_code(49),
            (500, "sms.limits.per_country.default".into())
        );
    }
}
