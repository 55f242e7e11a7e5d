//! The health records in DynamoDB and the calls that read and write them. Per
//! provider and channel: a state item (`health#{provider}#{channel}`: an
//! operator's demotion, another environment's open breaker) and one counts item
//! per minute of sends (`…#m{minute}`: sent, delivered, lost, the recipient's
//! own failures), each write one conditional-free `UpdateItem` that is safe to
//! repeat or, for the counts, at worst counts one message twice.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use switchboard_providers::Channel;

use crate::store::{call_config, is_conditional_failure, now_secs, number};

/// How long a counts item is kept: well past any window.
const COUNTS_TTL_SECS: u64 = 24 * 3600;
/// How many times a read asks for keys DynamoDB left unprocessed.
const UNPROCESSED_ROUNDS: u32 = 4;

/// One provider on one channel.
pub type Subject = (String, Channel);

/// The messages sent in one minute, as their receipts came back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// The minute (since the Unix epoch) the messages were sent in.
    pub minute: u64,
    /// Accepted by the provider (counted by the sender, for a provider with receipts).
    pub sent: u64,
    /// Receipts that say delivered.
    pub delivered: u64,
    /// Receipts that say lost for a reason the provider answers for.
    pub lost: u64,
    /// Receipts that say lost for the recipient's reason (no such mailbox or number).
    pub theirs: u64,
}

/// What a record says of one provider on one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Until when (ms) an operator demoted it.
    pub demoted_until_ms: Option<u64>,
    /// Who demoted it.
    pub demoted_by: Option<String>,
    /// Why.
    pub demoted_reason: Option<String>,
    /// Until when (ms) another environment's breaker is open on it.
    pub breaker_until_ms: Option<u64>,
    /// Whose breaker (the environment's log stream).
    pub breaker_by: Option<String>,
    /// The minutes of sends in the window, oldest first.
    pub counts: Vec<Counts>,
}

/// Which count a receipt or a send adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// A message the provider accepted.
    Sent,
    /// A receipt that says delivered.
    Delivered,
    /// A receipt that says lost, the provider's doing.
    Lost,
    /// A receipt that says lost, the recipient's doing.
    Theirs,
}

impl Count {
    fn attribute(self) -> &'static str {
        match self {
            Count::Sent => "sent",
            Count::Delivered => "delivered",
            Count::Lost => "lost",
            Count::Theirs => "theirs",
        }
    }
}

/// The health table.
#[derive(Debug, Clone)]
pub struct HealthTable {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn state_key(provider: &str, channel: Channel) -> String {
    format!("health#{provider}#{channel}")
}

fn counts_key(provider: &str, channel: Channel, minute: u64) -> String {
    format!("health#{provider}#{channel}#m{minute}")
}

fn key(id: String) -> HashMap<String, AttributeValue> {
    HashMap::from([("id".to_string(), AttributeValue::S(id))])
}

impl HealthTable {
    /// The records in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: String) -> HealthTable {
        HealthTable { client, table }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.table
    }

    fn failed(&self, what: &str, error: impl std::error::Error) -> String {
        format!(
            "the health table `{}` could not be {what}: {}",
            self.table,
            DisplayErrorContext(error)
        )
    }

    /// The records of `subjects`, with the counts of the `minutes` up to
    /// `now_minute`; one `BatchGetItem` per hundred items, by `deadline`.
    pub async fn read(
        &self,
        subjects: &[Subject],
        now_minute: u64,
        minutes: u64,
        deadline: Option<Instant>,
    ) -> Result<HashMap<Subject, Record>, String> {
        let mut wanted: Vec<(Subject, Option<u64>, String)> = Vec::new();
        for (provider, channel) in subjects {
            let subject = (provider.clone(), *channel);
            wanted.push((subject.clone(), None, state_key(provider, *channel)));
            for minute in (now_minute + 1).saturating_sub(minutes)..=now_minute {
                wanted.push((
                    subject.clone(),
                    Some(minute),
                    counts_key(provider, *channel, minute),
                ));
            }
        }
        let mut items: HashMap<String, HashMap<String, AttributeValue>> = HashMap::new();
        for chunk in wanted.chunks(100) {
            let mut keys: Vec<_> = chunk.iter().map(|(_, _, id)| key(id.clone())).collect();
            // Unprocessed keys (throttling) are asked again a few times, backing off.
            for round in 0..UNPROCESSED_ROUNDS {
                if keys.is_empty() {
                    break;
                }
                if round > 0 {
                    tokio::time::sleep(Duration::from_millis(25 << round)).await;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .consistent_read(false)
                    .build()
                    .map_err(|error| self.failed("read", error))?;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .customize()
                    .config_override(call_config(deadline)?)
                    .send()
                    .await
                    .map_err(|error| self.failed("read", error))?;
                let found = output.responses().and_then(|all| all.get(&self.table));
                for item in found.into_iter().flatten() {
                    if let Some(AttributeValue::S(id)) = item.get("id") {
                        items.insert(id.clone(), item.clone());
                    }
                }
                keys = output
                    .unprocessed_keys()
                    .and_then(|left| left.get(&self.table))
                    .map(|left| left.keys().to_vec())
                    .unwrap_or_default();
            }
            if !keys.is_empty() {
                return Err(format!(
                    "the health table `{}` left {} keys unread (throttled)",
                    self.table,
                    keys.len()
                ));
            }
        }
        let mut records: HashMap<Subject, Record> = HashMap::new();
        for (subject, minute, id) in wanted {
            let record = records.entry(subject).or_default();
            let Some(item) = items.get(&id) else {
                continue;
            };
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
            let count = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.parse().ok())
            };
            match minute {
                None => {
                    record.demoted_until_ms = count("demoted_until");
                    record.demoted_by = text("demoted_by");
                    record.demoted_reason = text("demoted_reason");
                    record.breaker_until_ms = count("breaker_until");
                    record.breaker_by = text("breaker_by");
                }
                Some(minute) => record.counts.push(Counts {
                    minute,
                    sent: count("sent").unwrap_or(0),
                    delivered: count("delivered").unwrap_or(0),
                    lost: count("lost").unwrap_or(0),
                    theirs: count("theirs").unwrap_or(0),
                }),
            }
        }
        Ok(records)
    }

    /// Adds one to `count` of the messages `provider` was sent on `channel` in
    /// `minute`.
    pub async fn add(
        &self,
        (provider, channel): (&str, Channel),
        minute: u64,
        count: Count,
        deadline: Option<Instant>,
    ) -> Result<(), String> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(
                "id",
                AttributeValue::S(counts_key(provider, channel, minute)),
            )
            .update_expression("ADD #count :one SET #ttl = :ttl")
            .expression_attribute_names("#count", count.attribute())
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":ttl", number(now_secs() + COUNTS_TTL_SECS))
            .customize()
            .config_override(call_config(deadline)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| self.failed("updated", error))
    }

    /// Sets (`Some(values)`) or removes (`None`) the state attributes `names`
    /// of `provider` on `channel`; with `only_if` (an attribute and its
    /// value), only while the item holds it — a removal that finds another
    /// value changes nothing and is no error.
    pub async fn set_state(
        &self,
        (provider, channel): (&str, Channel),
        names: &[&str],
        values: Option<Vec<AttributeValue>>,
        only_if: Option<(&str, &str)>,
        deadline: Option<Instant>,
    ) -> Result<(), String> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(state_key(provider, channel)));
        if let Some((name, value)) = only_if {
            update = update
                .condition_expression("#held = :held")
                .expression_attribute_names("#held", name)
                .expression_attribute_values(":held", AttributeValue::S(value.to_string()));
        }
        let expression = match &values {
            Some(values) => {
                let mut parts = Vec::new();
                for (i, (name, value)) in names.iter().zip(values).enumerate() {
                    parts.push(format!("#a{i} = :v{i}"));
                    update = update
                        .expression_attribute_names(format!("#a{i}"), *name)
                        .expression_attribute_values(format!(":v{i}"), value.clone());
                }
                format!("SET {}", parts.join(", "))
            }
            None => {
                let mut parts = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    parts.push(format!("#a{i}"));
                    update = update.expression_attribute_names(format!("#a{i}"), *name);
                }
                format!("REMOVE {}", parts.join(", "))
            }
        };
        match update
            .update_expression(expression)
            .customize()
            .config_override(call_config(deadline)?)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if only_if.is_some() && is_conditional_failure(&error) => Ok(()),
            Err(error) => Err(self.failed("updated", error)),
        }
    }
}
