//! What both limit guards — SMS and email — count with: windowed counters in
//! DynamoDB, each taken by one conditional `UpdateItem` only while it is below
//! its limit (no read, then write), so concurrent invocations cannot exceed a
//! limit. When a later counter refuses, the earlier ones are given back.
//! Windows are fixed (multiples of the window since the epoch) and part of
//! each item's key, so nothing ever resets a counter; the `ttl` attribute lets
//! DynamoDB delete old windows.
//!
//! **Safe to retry.** Each counter keeps the tokens of the events it counted (a
//! short form of the event's id, the same for every retry of one event): an
//! increment whose condition fails on an item that already holds our token was
//! our own earlier attempt, applied and answered late, and counts as taken; a
//! give-back removes the token with the count, so a repeated give-back finds
//! nothing to remove. The SDK may therefore retry every call, and a message is
//! counted once — also when Lambda retries the event.
//!
//! **No hot item.** A counter may be split over several items (a country's
//! shards); an event starts at the item its token picks and moves to the next
//! while one is full or throttled, so a busy counter spreads its writes and a
//! throttled item never lets a message through uncounted.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use switchboard_providers::text::hex;

use super::{store_failure, OnStoreError, StoreError};
use crate::store::{call_config, is_conditional_failure, now_secs, number};

/// The limit a message ran into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// The setting (`sms.limits.per_number`, `email.limits.per_recipient`, …).
    pub setting: String,
    /// Messages allowed per window.
    pub allowed: u32,
    /// The window's length in seconds.
    pub window_seconds: u64,
}

/// What a limit guard decided for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Within every limit; the counters were taken (give them back with
    /// [`CounterTable::give_back`] if nothing is sent).
    Allowed(Reservation),
    /// Over `Limit`: do not send.
    Limited(Limit),
    /// Send, uncounted: no limit applies, or the table failed and
    /// `on_store_error = "deliver"`.
    Uncounted,
}

/// The counters one allowed message took, and the token it took them with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reservation {
    keys: Vec<String>,
    token: String,
}

/// One counter to take, with the items that may hold it in the order to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counter {
    /// One item, or a country's shards.
    pub keys: Vec<String>,
    /// What one item may hold.
    pub limit_per_item: u32,
    /// What the counter allows in all.
    pub limit: u32,
    /// The setting that sets it.
    pub setting: String,
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

/// The table a guard counts in.
#[derive(Debug, Clone)]
pub(crate) struct CounterTable {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// What the guard is called in logs and errors (`SMS limit`).
    guard: &'static str,
    on_store_error: OnStoreError,
}

/// The window one message is counted in, read from the clock once: its start
/// (part of each item's key) and when its items may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Seconds since the epoch, a multiple of the window's length.
    pub start: u64,
    seconds: u64,
    ttl: u64,
}

impl Window {
    /// The window of `length` that now falls in.
    pub(crate) fn now(length: Duration) -> Window {
        let seconds = length.as_secs().max(1);
        let now = now_secs();
        let start = now - now % seconds;
        Window {
            start,
            seconds,
            // Kept a window past its end, so a late clock never meets a deleted count.
            ttl: start.saturating_add(seconds.saturating_mul(2)),
        }
    }
}

impl CounterTable {
    pub(crate) fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        guard: &'static str,
        on_store_error: OnStoreError,
    ) -> Self {
        CounterTable {
            client,
            table,
            guard,
            on_store_error,
        }
    }

    /// Takes one message from every counter, or none if any is used up;
    /// `token` is the event's (the same for every retry of it). Every call
    /// ends by `deadline`.
    pub(crate) async fn reserve(
        &self,
        counters: Vec<Counter>,
        token: &str,
        window: Window,
        deadline: Option<Instant>,
    ) -> Result<Verdict, StoreError> {
        let mut taken = Reservation {
            keys: Vec::new(),
            token: token.to_string(),
        };
        for counter in counters {
            match self.take(&counter, token, window.ttl, deadline).await {
                Ok(Some(key)) => taken.keys.push(key),
                Ok(None) => {
                    self.give_back(taken, deadline).await;
                    return Ok(Verdict::Limited(Limit {
                        setting: counter.setting,
                        allowed: counter.limit,
                        window_seconds: window.seconds,
                    }));
                }
                Err(detail) => {
                    self.give_back(taken, deadline).await;
                    store_failure(self.on_store_error, self.guard, &self.table, detail)?;
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
                    tracing::info!(table = %self.table, guard = self.guard, "a count was applied and answered late; it is this event's own");
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
    pub(crate) async fn give_back(&self, reservation: Reservation, deadline: Option<Instant>) {
        for key in reservation.keys {
            let config = match call_config(deadline) {
                Ok(config) => config,
                Err(detail) => {
                    tracing::warn!(table = %self.table, %detail, "could not give back a {} count after a failed send", self.guard);
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
                    tracing::warn!(table = %self.table, error = %DisplayErrorContext(&error), "could not give back a {} count after a failed send", self.guard);
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
