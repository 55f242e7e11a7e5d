//! The SMS pumping guard: at most `per_number` messages to one phone number and
//! `per_country` to one country per window, counted in DynamoDB.
//!
//! Each counter that applies is incremented by one conditional `UpdateItem`,
//! only while it is below its limit, so concurrent invocations cannot exceed a
//! limit (no read, then write). When a later counter refuses, the earlier ones
//! are given back. Windows are fixed (multiples of `window_seconds` since the
//! epoch) and part of each item's key, so nothing ever resets a counter; the
//! `ttl` attribute lets DynamoDB delete old windows.
//!
//! **Safe to retry.** Each counter keeps the tokens of the events it counted
//! (a short form of the event's id, the same for every retry of one event): an
//! increment whose condition fails on an item that already holds our token was
//! our own earlier attempt, applied and answered late, and counts as taken; a
//! give-back removes the token with the count, so a repeated give-back finds
//! nothing to remove. The SDK may therefore retry every call, and a message is
//! counted once — also when Lambda retries the event.
//!
//! **No hot item.** A country's limit is split over `country_shards` items of
//! `ceil(limit / shards)` each; an event starts at the shard its token picks
//! and moves to the next while one is full or throttled, so a busy calling
//! code spreads its writes over the shards (DynamoDB serves about 1,000 writes
//! per second per item) and a throttled shard never sends uncounted. Numbers
//! are stored only as an HMAC-SHA256 under `sms.limits.number_key` (SHA-256
//! without one).

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use switchboard_providers::text::hex;

use super::store::{call_config, is_conditional_failure, now_secs, number};
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

    /// The largest limit of any country.
    pub fn largest(&self) -> u32 {
        self.by_code.values().copied().fold(self.default, u32::max)
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

/// The counters one allowed message took, and the token it took them with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reservation {
    keys: Vec<String>,
    token: String,
}

/// The guard; built once per cold start.
#[derive(Debug, Clone)]
pub struct SmsLimiter {
    client: aws_sdk_dynamodb::Client,
    table: String,
    per_number: u32,
    per_country: CountryLimits,
    window: Duration,
    shards: u32,
    on_store_error: OnStoreError,
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

/// One counter to take, in order of the items to try.
struct Counter {
    /// The items that may count it: one for a number, the shards for a country.
    keys: Vec<String>,
    limit_per_item: u32,
    limit: u32,
    setting: String,
}

/// Why an item did not count a message.
enum Refused {
    /// At its limit.
    Full,
    /// DynamoDB throttled it (a hot item): another item may count.
    Throttled(String),
    /// The store failed otherwise.
    Failed(String),
}

impl SmsLimiter {
    /// A guard counting in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, limits: Limits) -> Self {
        SmsLimiter {
            client,
            table,
            per_number: limits.per_number,
            per_country: limits.per_country,
            window: limits.window.max(Duration::from_secs(1)),
            shards: limits.country_shards.max(1),
            on_store_error: limits.on_store_error,
            number_key: limits
                .number_key
                .map(|key| aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key)),
        }
    }

    /// The number as stored: keyed when a key is configured, so that a reader
    /// of the table cannot try the (small) space of phone numbers.
    fn stored_number(&self, to: &E164) -> String {
        match &self.number_key {
            Some(key) => format!(
                "k{}",
                hex(aws_lc_rs::hmac::sign(key, to.as_str().as_bytes()).as_ref())
            ),
            None => hex(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                to.as_str().as_bytes(),
            )
            .as_ref()),
        }
    }

    fn counters(&self, to: &E164, window_start: u64, token: &str) -> Vec<Counter> {
        let mut counters = Vec::new();
        if self.per_number > 0 {
            counters.push(Counter {
                keys: vec![format!(
                    "sms-limit#number#{}#{window_start}",
                    self.stored_number(to)
                )],
                limit_per_item: self.per_number,
                limit: self.per_number,
                setting: "sms.limits.per_number".into(),
            });
        }
        let (limit, setting) = self.per_country.for_code(to.calling_code());
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
                    format!(
                        "sms-limit#country#{}#{window_start}#{shard}",
                        to.calling_code()
                    )
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
        let window = self.window.as_secs();
        let now = now_secs();
        let window_start = now - now % window;
        // Kept a window past its end, so a late clock never meets a deleted count.
        let ttl = window_start.saturating_add(window.saturating_mul(2));
        let mut taken = Reservation {
            keys: Vec::new(),
            token: token.to_string(),
        };
        for counter in self.counters(to, window_start, token) {
            match self.take(&counter, token, ttl, deadline).await {
                Ok(Some(key)) => taken.keys.push(key),
                Ok(None) => {
                    self.give_back(taken, deadline).await;
                    return Ok(Verdict::Limited(Limit {
                        setting: counter.setting,
                        allowed: counter.limit,
                        window_seconds: window,
                    }));
                }
                Err(detail) => {
                    self.give_back(taken, deadline).await;
                    store_failure(self.on_store_error, "SMS limit", &self.table, detail)?;
                    return Ok(Verdict::Uncounted);
                }
            }
        }
        Ok(Verdict::Allowed(taken))
    }

    /// Counts the message in the first of `counter`'s items with room: the key
    /// that counted it, `None` when every item is full.
    async fn take(
        &self,
        counter: &Counter,
        token: &str,
        ttl: u64,
        deadline: Option<Instant>,
    ) -> Result<Option<String>, String> {
        let mut throttled = None;
        for key in &counter.keys {
            match self
                .take_item(key, counter.limit_per_item, token, ttl, deadline)
                .await
            {
                Ok(()) => return Ok(Some(key.clone())),
                Err(Refused::Full) => {}
                Err(Refused::Throttled(detail)) => throttled = Some(detail),
                Err(Refused::Failed(detail)) => return Err(detail),
            }
        }
        // Every item full, or those with room throttled: a throttled item may
        // have room, so that is the store failing, not the limit.
        match throttled {
            Some(detail) => Err(detail),
            None => Ok(None),
        }
    }

    /// One conditional increment that records `token`. Single-item writes, not a
    /// transaction: DynamoDB applies writes to one item one at a time, while
    /// concurrent transactions on a shared counter would cancel each other.
    async fn take_item(
        &self,
        key: &str,
        limit: u32,
        token: &str,
        ttl: u64,
        deadline: Option<Instant>,
    ) -> Result<(), Refused> {
        let config = call_config(deadline).map_err(Refused::Failed)?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_string()))
            .update_expression(
                "SET #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl ADD #tokens :tokens",
            )
            .condition_expression(
                "(attribute_not_exists(#count) OR #count < :limit) AND NOT contains(#tokens, :token)",
            )
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_names("#tokens", "tokens")
            .expression_attribute_values(":zero", number(0))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":ttl", number(ttl))
            .expression_attribute_values(":limit", number(limit.into()))
            .expression_attribute_values(":tokens", AttributeValue::Ss(vec![token.to_string()]))
            .expression_attribute_values(":token", AttributeValue::S(token.to_string()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .customize()
            .config_override(config)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_conditional_failure(&e) => {
                if holds_token(&e, token) {
                    tracing::info!(table = %self.table, "an SMS count was applied and answered late; it is this event's own");
                    Ok(())
                } else {
                    Err(Refused::Full)
                }
            }
            Err(e) if is_throttled(&e) => Err(Refused::Throttled(format!(
                "UpdateItem throttled on every attempt: {}",
                DisplayErrorContext(&e)
            ))),
            Err(e) => Err(Refused::Failed(format!(
                "UpdateItem failed: {}",
                DisplayErrorContext(&e)
            ))),
        }
    }

    /// Returns a reservation's counts after nothing was sent, so that a failed
    /// delivery (and Lambda's retry of it) does not use up the recipient's quota.
    /// Only a count that still holds the reservation's token is given back, so a
    /// repeated give-back subtracts nothing twice.
    pub async fn give_back(&self, reservation: Reservation, deadline: Option<Instant>) {
        for key in reservation.keys {
            let config = match call_config(deadline) {
                Ok(config) => config,
                Err(detail) => {
                    tracing::warn!(table = %self.table, %detail, "could not give back an SMS limit count after a failed send");
                    return;
                }
            };
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(key))
                .update_expression("SET #count = #count - :one DELETE #tokens :tokens")
                .condition_expression("contains(#tokens, :token)")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#tokens", "tokens")
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(
                    ":tokens",
                    AttributeValue::Ss(vec![reservation.token.clone()]),
                )
                .expression_attribute_values(":token", AttributeValue::S(reservation.token.clone()))
                .customize()
                .config_override(config)
                .send()
                .await;
            match result {
                Ok(_) => {}
                // Already given back (our own earlier attempt, answered late).
                Err(e) if is_conditional_failure(&e) => {}
                Err(error) => {
                    tracing::warn!(table = %self.table, error = %DisplayErrorContext(&error), "could not give back an SMS limit count after a failed send");
                }
            }
        }
    }
}

/// The token an event's counts are recorded under: 12 hex digits of its stable
/// id (the same for every retry of it, ours and Lambda's), else random ones.
pub fn token_for(event: &crate::cognito::event::CustomSenderEvent) -> String {
    match event.id() {
        Some(id) => id.chars().take(12).collect(),
        None => {
            let mut bytes = [0u8; 6];
            if aws_lc_rs::rand::fill(&mut bytes).is_err() {
                // Never observed; the clock still separates events.
                let millis = switchboard_providers::text::epoch_millis().to_be_bytes();
                bytes.copy_from_slice(&millis[2..]);
            }
            hex(&bytes)
        }
    }
}

/// Whether the item a failed condition returned holds `token`.
fn holds_token<R>(error: &SdkError<UpdateItemError, R>, token: &str) -> bool {
    let Some(UpdateItemError::ConditionalCheckFailedException(failure)) = error.as_service_error()
    else {
        return false;
    };
    failure
        .item()
        .and_then(|item| item.get("tokens"))
        .and_then(|tokens| tokens.as_ss().ok())
        .is_some_and(|tokens| tokens.iter().any(|t| t == token))
}

/// Whether DynamoDB refused the write for throughput: it was not applied.
fn is_throttled<R>(error: &SdkError<UpdateItemError, R>) -> bool {
    error.as_service_error().is_some_and(|e| {
        matches!(
            e.code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
            )
        )
    })
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
        assert_eq!(limits.largest(), 500);
    }
}
