//! The status trail in DynamoDB, as the receipts function writes it: one item
//! per event and provider (`trail#{event}#{provider}`) holding the latest
//! status by the trail's order, its recipient's key and its hour (what
//! `lookup` finds trails by), and one item per receipt the provider sent
//! (`receipt#{provider}#{id}`) so that a receipt sent again is recognised.
//! Receipts arrive late, twice and out of order: the status only moves
//! forward (a conditional update on its rank and time), and every write is
//! safe to repeat.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use switchboard_providers::receipt::Receipt;

use crate::store::recipients::RecipientKeys;
use crate::store::{call_config, is_conditional_failure, now_secs, number, owner_token};

/// What recording one receipt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The trail moved to this receipt's status.
    Moved,
    /// The trail already holds a later status; the receipt is kept as seen.
    Kept,
    /// The provider sent this receipt before: nothing new was written.
    Duplicate,
}

/// The trail table.
#[derive(Debug, Clone)]
pub struct Trail {
    pub(super) client: aws_sdk_dynamodb::Client,
    pub(super) table: String,
    retention: Duration,
    recipients: RecipientKeys,
}

/// The key of the trail item of `event_id` at `provider`.
pub fn trail_key(event_id: &str, provider: &str) -> String {
    format!("trail#{event_id}#{provider}")
}

impl Trail {
    /// The trail in `table`, items kept for `retention`, a recipient stored
    /// as its key under `recipients`.
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        retention: Duration,
        recipients: RecipientKeys,
    ) -> Trail {
        Trail {
            client,
            table,
            retention,
            recipients,
        }
    }

    /// The key `recipient` of `channel` is found by.
    pub fn recipient_key(&self, channel: &str, recipient: &str) -> Option<String> {
        self.recipients.key(channel, recipient)
    }

    fn ttl(&self) -> AttributeValue {
        number(now_secs() + self.retention.as_secs())
    }

    /// Records `receipt` from `provider` (its `channel`), by `deadline`. A
    /// receipt seen before changes nothing, even where its time is its
    /// arrival (Twilio gives none); one whose recording failed half-way is
    /// recorded by its retry, and counted once.
    pub async fn record(
        &self,
        provider: &str,
        channel: &str,
        receipt: &Receipt,
        deadline: Option<Instant>,
    ) -> Result<Recorded, String> {
        if self.seen(provider, receipt, deadline).await? {
            return Ok(Recorded::Duplicate);
        }
        let moved = self.advance(provider, channel, receipt, deadline).await?;
        let first_time = self.mark_seen(provider, receipt, deadline).await?;
        Ok(match (first_time, moved) {
            (false, _) => Recorded::Duplicate,
            (true, true) => Recorded::Moved,
            (true, false) => Recorded::Kept,
        })
    }

    fn seen_key(provider: &str, receipt: &Receipt) -> AttributeValue {
        AttributeValue::S(format!("receipt#{provider}#{}", receipt.receipt_id))
    }

    /// Whether `provider` sent this receipt before (a consistent read).
    async fn seen(
        &self,
        provider: &str,
        receipt: &Receipt,
        deadline: Option<Instant>,
    ) -> Result<bool, String> {
        let config = call_config(deadline)?;
        let read = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", Self::seen_key(provider, receipt))
            .consistent_read(true)
            .customize()
            .config_override(config)
            .send()
            .await
            .map_err(|error| {
                format!(
                    "the trail table `{}` could not be read: {}",
                    self.table,
                    DisplayErrorContext(&error)
                )
            })?;
        Ok(read.item.is_some())
    }

    /// Moves the trail item to the receipt's status unless it holds a higher
    /// rank, or the same rank at a later or equal time: `false` when kept.
    /// What the receipt does not say is left as an earlier receipt wrote it.
    async fn advance(
        &self,
        provider: &str,
        channel: &str,
        receipt: &Receipt,
        deadline: Option<Instant>,
    ) -> Result<bool, String> {
        let config = call_config(deadline)?;
        let mut set = vec![
            "#status = :status",
            "#rank = :rank",
            "#at = :at",
            "provider = :provider",
            "channel = :channel",
            "event_id = :event",
            "#hour = :hour",
            "#ttl = :ttl",
        ];
        let mut values = vec![
            (":status", AttributeValue::S(receipt.status.to_string())),
            (":rank", number(u64::from(receipt.status.rank()))),
            (":at", number(receipt.at_ms)),
            (":provider", AttributeValue::S(provider.to_string())),
            (":channel", AttributeValue::S(channel.to_string())),
            (":event", AttributeValue::S(receipt.event_id.clone())),
            (":hour", AttributeValue::S(hour_of(receipt.at_ms))),
            (":ttl", self.ttl()),
        ];
        let recipient = receipt.recipient.as_deref();
        if let Some(key) = recipient.and_then(|r| self.recipients.key(channel, r)) {
            set.push("#recipient = :recipient");
            values.push((":recipient", AttributeValue::S(key)));
        }
        let present = |value: &Option<String>| value.clone().filter(|text| !text.is_empty());
        if let Some(reason) = present(&receipt.reason) {
            set.push("reason = :reason");
            values.push((":reason", AttributeValue::S(reason)));
        }
        if let Some(message_id) = present(&receipt.message_id) {
            set.push("message_id = :message_id");
            values.push((":message_id", AttributeValue::S(message_id)));
        }
        if let Some(trigger) = present(&receipt.trigger_source) {
            set.push("trigger_source = if_not_exists(trigger_source, :trigger)");
            values.push((":trigger", AttributeValue::S(trigger)));
        }
        if let Some(sent_at) = receipt.sent_at_ms {
            set.push("sent_at = if_not_exists(sent_at, :sent_at)");
            values.push((":sent_at", number(sent_at)));
        }
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(
                "id",
                AttributeValue::S(trail_key(&receipt.event_id, provider)),
            )
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(
                "attribute_not_exists(id) OR #rank < :rank OR (#rank = :rank AND #at < :at)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#rank", "rank")
            .expression_attribute_names("#at", "at")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_names("#hour", "hour");
        if set.iter().any(|part| part.starts_with("#recipient")) {
            update = update.expression_attribute_names("#recipient", "recipient");
        }
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        match update.customize().config_override(config).send().await {
            Ok(_) => Ok(true),
            Err(error) if is_conditional_failure(&error) => Ok(false),
            Err(error) => Err(format!(
                "the trail table `{}` could not be updated: {}",
                self.table,
                DisplayErrorContext(&error)
            )),
        }
    }

    /// Records that `provider` sent this receipt: `false` when it had before.
    /// The item holds a token of this call, so that a put the SDK repeated
    /// after the first was applied (its answer late or lost) is known as ours.
    async fn mark_seen(
        &self,
        provider: &str,
        receipt: &Receipt,
        deadline: Option<Instant>,
    ) -> Result<bool, String> {
        let config = call_config(deadline)?;
        let owner = owner_token();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", Self::seen_key(provider, receipt))
            .item("owner", AttributeValue::S(owner.clone()))
            .item("ttl", self.ttl())
            .condition_expression("attribute_not_exists(id)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .customize()
            .config_override(config)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(error) if is_conditional_failure(&error) => {
                let held = match error.as_service_error() {
                    Some(PutItemError::ConditionalCheckFailedException(failed)) => failed
                        .item()
                        .and_then(|item| item.get("owner"))
                        .and_then(|value| value.as_s().ok())
                        .cloned(),
                    _ => None,
                };
                Ok(held.as_deref() == Some(owner.as_str()))
            }
            Err(error) => Err(format!(
                "the trail table `{}` could not record the receipt: {}",
                self.table,
                DisplayErrorContext(&error)
            )),
        }
    }
}

/// The hour bucket of `at_ms` (`2026-12-07T22`, UTC): the `by_hour` index's
/// key, which `switchboard status --since` reads hour by hour.
pub fn hour_of(at_ms: u64) -> String {
    i64::try_from(at_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(String::new, |t| t.format("%Y-%m-%dT%H").to_string())
}
