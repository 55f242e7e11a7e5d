//! Exactly one message per event under Lambda's at-least-once invocation.
//!
//! Before sending, a conditional put claims the event's key in DynamoDB
//! (`IN_PROGRESS`, with a lock expiry and this invocation's owner token); after
//! delivery the item is marked `COMPLETED` with the provider's message id; a
//! failed send deletes it so the retry can send. The key is a SHA-256 of the
//! ciphertext (never the plaintext), trigger source, pool and user. Items expire
//! through the table's TTL attribute `ttl`.
//!
//! Every write is safe for the SDK to repeat: a claim whose condition fails
//! reads the item it failed on (`ReturnValuesOnConditionCheckFailure`) and
//! recognises its own owner token — the first attempt was applied and answered
//! late — instead of reading "another invocation holds it"; completing sets the
//! same values again; releasing accepts an item that is already gone. Each call
//! ends by the event's deadline.

use std::time::{Duration, Instant};

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::{store_failure, OnStoreError, StoreError};
use crate::cognito::event::CustomSenderEvent;
use crate::store::{call_config, is_conditional_failure, now_secs, number, owner_token};

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

/// The result of claiming an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody handled it: send, then [`IdempotencyGuard::complete`] or
    /// [`IdempotencyGuard::release`] with this claim.
    Proceed(Claimed),
    /// Already delivered, with this message id: do not send again.
    AlreadyDelivered(String),
    /// Another invocation is sending it right now.
    InProgress,
    /// The store failed and `on_store_error = "deliver"`: send without a claim.
    Unclaimed,
}

/// A claim this invocation holds: the key and the owner token that proves it,
/// so that completing or releasing never touches a newer invocation's claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    key: String,
    owner: String,
}

impl Claimed {
    /// The event's key.
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// The DynamoDB guard. Built once per cold start.
#[derive(Debug, Clone)]
pub struct IdempotencyGuard {
    client: aws_sdk_dynamodb::Client,
    table: String,
    lock: Duration,
    retention: Duration,
    on_store_error: OnStoreError,
}

/// The idempotency key of an event: its stable id ([`CustomSenderEvent::id`]).
pub fn key_for(event: &CustomSenderEvent) -> Option<String> {
    event.id()
}

impl IdempotencyGuard {
    /// A guard on `table`; `lock` should be at least the function timeout.
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        table: String,
        lock: Duration,
        retention: Duration,
        on_store_error: OnStoreError,
    ) -> Self {
        IdempotencyGuard {
            client,
            table,
            lock,
            retention,
            on_store_error,
        }
    }

    fn store_failure(&self, what: &str, detail: String) -> Result<Claim, StoreError> {
        let detail = format!("{what} failed: {detail}");
        store_failure(self.on_store_error, "idempotency", &self.table, detail)?;
        Ok(Claim::Unclaimed)
    }

    /// Claims `key` for this invocation, which may run for `remaining` more: the
    /// lock lasts at least that long (and at least `lock_timeout_ms`), so no
    /// duplicate takes over while this invocation can still send. The call ends
    /// by `deadline`.
    pub async fn claim(
        &self,
        key: &str,
        remaining: Duration,
        deadline: Option<Instant>,
    ) -> Result<Claim, StoreError> {
        let now = now_secs();
        let hold = self.lock.max(remaining).as_secs().saturating_add(1);
        let owner = owner_token();
        let config = match call_config(deadline) {
            Ok(config) => config,
            Err(detail) => return self.store_failure("PutItem", detail),
        };
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(key.to_string()))
            .item("status", AttributeValue::S(IN_PROGRESS.into()))
            .item("owner", AttributeValue::S(owner.clone()))
            .item("expires_at", number(now.saturating_add(hold)))
            .item("ttl", number(now.saturating_add(self.retention.as_secs())))
            .condition_expression(
                "attribute_not_exists(id) OR (#status = :in_progress AND expires_at < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":now", number(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .customize()
            .config_override(config)
            .send()
            .await;
        let claimed = Claimed {
            key: key.to_string(),
            owner,
        };
        match put {
            Ok(_) => Ok(Claim::Proceed(claimed)),
            Err(e) if is_conditional_failure(&e) => {
                let held = e
                    .as_service_error()
                    .and_then(|failure| match failure {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item().cloned(),
                        _ => None,
                    });
                match held {
                    Some(item) => Ok(self.verdict(&item, claimed)),
                    // A store that does not return the item: read it.
                    None => self.read_claim(claimed, deadline).await,
                }
            }
            Err(e) => self.store_failure("PutItem", DisplayErrorContext(&e).to_string()),
        }
    }

    /// What an item that refused our claim says: our own earlier attempt (the
    /// SDK repeated a put that had been applied), a delivered event, or another
    /// invocation's claim.
    fn verdict(&self, item: &HashMap<String, AttributeValue>, claimed: Claimed) -> Claim {
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
        if text("owner").map(String::as_str) == Some(claimed.owner.as_str()) {
            tracing::info!(table = %self.table, "the claim's first attempt was applied and answered late; the claim is ours");
            return Claim::Proceed(claimed);
        }
        if text("status").map(String::as_str) == Some(COMPLETED) {
            return Claim::AlreadyDelivered(text("message_id").cloned().unwrap_or_default());
        }
        Claim::InProgress
    }

    async fn read_claim(
        &self,
        claimed: Claimed,
        deadline: Option<Instant>,
    ) -> Result<Claim, StoreError> {
        let config = match call_config(deadline) {
            Ok(config) => config,
            Err(detail) => return self.store_failure("GetItem", detail),
        };
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(claimed.key.clone()))
            .consistent_read(true)
            .customize()
            .config_override(config)
            .send()
            .await;
        match item {
            Ok(output) => Ok(match output.item() {
                Some(item) => self.verdict(item, claimed),
                // Gone between the put and the read: released by its holder.
                None => Claim::InProgress,
            }),
            Err(e) => self.store_failure("GetItem", DisplayErrorContext(&e).to_string()),
        }
    }

    /// Marks the claimed event delivered by `provider` as `message_id` — only if
    /// the claim is still ours; by `deadline`.
    pub async fn complete(
        &self,
        claim: &Claimed,
        provider: &str,
        message_id: &str,
        deadline: Option<Instant>,
    ) {
        let config = match call_config(deadline) {
            Ok(config) => config,
            Err(detail) => {
                tracing::warn!(table = %self.table, %detail, "could not mark the event completed; a retry after the lock expires may send again");
                return;
            }
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(claim.key.clone()))
            .update_expression(
                "SET #status = :completed, provider = :provider, message_id = :message_id",
            )
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":completed", AttributeValue::S(COMPLETED.into()))
            .expression_attribute_values(":provider", AttributeValue::S(provider.to_string()))
            .expression_attribute_values(":message_id", AttributeValue::S(message_id.to_string()))
            .expression_attribute_values(":owner", AttributeValue::S(claim.owner.clone()))
            .customize()
            .config_override(config)
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e) if is_conditional_failure(&e) => {
                tracing::warn!(table = %self.table, "delivered, but the claim had expired and another invocation holds the event now; it may send a duplicate");
            }
            // Delivered already; a retry after the lock expires may send again.
            Err(e) => {
                tracing::warn!(table = %self.table, error = %DisplayErrorContext(&e), "could not mark the event completed")
            }
        }
    }

    /// Releases the claim after a failed send, so Lambda's retry can send — only if
    /// it is still ours (an expired claim may have been taken by a newer
    /// invocation) or already gone (our own earlier attempt deleted it); by
    /// `deadline`.
    pub async fn release(&self, claim: &Claimed, deadline: Option<Instant>) {
        let config = match call_config(deadline) {
            Ok(config) => config,
            Err(detail) => {
                tracing::warn!(table = %self.table, %detail, "could not release the idempotency lock; a retry waits for it to expire");
                return;
            }
        };
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(claim.key.clone()))
            .condition_expression("attribute_not_exists(id) OR #owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(claim.owner.clone()))
            .customize()
            .config_override(config)
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(e) if is_conditional_failure(&e) => {
                tracing::info!(table = %self.table, "the claim is no longer ours; left the newer one in place");
            }
            Err(e) => {
                tracing::warn!(table = %self.table, error = %DisplayErrorContext(&e), "could not release the idempotency lock; a retry waits for it to expire")
            }
        }
    }
}
