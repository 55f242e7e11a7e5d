//! Reading the status trail back, with the caller's credentials and never a
//! scan: one event's trail (a read per provider), a recipient's recent trails
//! (the `by_recipient` index) and an hour's trails (the `by_hour` index).

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use super::trail::{hour_of, trail_key, Trail};
use crate::store::number;

/// One provider's part of an event's trail, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailEntry {
    /// The event's id.
    pub event_id: String,
    /// The configured provider.
    pub provider: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The latest status by the trail's order.
    pub status: String,
    /// When the provider says it happened, ms since the epoch.
    pub at_ms: Option<u64>,
    /// When the attempt was sent, ms since the epoch.
    pub sent_at_ms: Option<u64>,
    /// The provider's reason code.
    pub reason: Option<String>,
    /// The provider's message id.
    pub message_id: Option<String>,
    /// The Cognito trigger source.
    pub trigger_source: Option<String>,
}

impl TrailEntry {
    fn from_item(item: &HashMap<String, AttributeValue>) -> TrailEntry {
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(text)) => Some(text.clone()),
            Some(AttributeValue::N(number)) => Some(number.clone()),
            _ => None,
        };
        let number = |name: &str| text(name).and_then(|n| n.parse().ok());
        TrailEntry {
            event_id: text("event_id").unwrap_or_default(),
            provider: text("provider").unwrap_or_default(),
            channel: text("channel").unwrap_or_default(),
            status: text("status").unwrap_or_default(),
            at_ms: number("at"),
            sent_at_ms: number("sent_at"),
            reason: text("reason"),
            message_id: text("message_id"),
            trigger_source: text("trigger_source"),
        }
    }
}

impl Trail {
    fn failed(&self, error: impl std::error::Error) -> String {
        format!(
            "the trail table `{}` could not be read: {}",
            self.table,
            DisplayErrorContext(error)
        )
    }

    /// The trail of `event_id` at each of `providers` that has one.
    pub async fn read(
        &self,
        event_id: &str,
        providers: impl IntoIterator<Item = &str>,
    ) -> Result<Vec<TrailEntry>, String> {
        let mut entries = Vec::new();
        for provider in providers {
            let item = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("id", AttributeValue::S(trail_key(event_id, provider)))
                .consistent_read(true)
                .send()
                .await
                .map_err(|error| self.failed(error))?;
            if let Some(item) = item.item {
                let mut entry = TrailEntry::from_item(&item);
                entry.provider = provider.to_string();
                entries.push(entry);
            }
        }
        Ok(entries)
    }

    /// The trails of the recipient whose key is `recipient_key` whose latest
    /// status came at or after `since_ms`, newest first.
    pub async fn of_recipient(
        &self,
        recipient_key: &str,
        since_ms: u64,
    ) -> Result<Vec<TrailEntry>, String> {
        self.query(
            "by_recipient",
            ("recipient", recipient_key.to_string()),
            since_ms,
            false,
        )
        .await
    }

    /// The trails whose latest status came between `since_ms` and `until_ms`,
    /// an hour bucket at a time.
    pub async fn between(&self, since_ms: u64, until_ms: u64) -> Result<Vec<TrailEntry>, String> {
        let mut entries = Vec::new();
        let mut hour_start = since_ms - since_ms % 3_600_000;
        while hour_start <= until_ms {
            entries.extend(
                self.query("by_hour", ("hour", hour_of(hour_start)), since_ms, true)
                    .await?
                    .into_iter()
                    .filter(|entry| entry.at_ms.is_some_and(|at| at <= until_ms)),
            );
            hour_start += 3_600_000;
        }
        Ok(entries)
    }

    /// Every item of `index` under `key` from `since_ms` on, page after page.
    async fn query(
        &self,
        index: &str,
        (name, value): (&str, String),
        since_ms: u64,
        oldest_first: bool,
    ) -> Result<Vec<TrailEntry>, String> {
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#key = :key AND #at >= :since")
                .expression_attribute_names("#key", name)
                .expression_attribute_names("#at", "at")
                .expression_attribute_values(":key", AttributeValue::S(value.clone()))
                .expression_attribute_values(":since", number(since_ms))
                .scan_index_forward(oldest_first)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|error| self.failed(error))?;
            entries.extend(page.items().iter().map(TrailEntry::from_item));
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(entries);
            }
        }
    }
}
