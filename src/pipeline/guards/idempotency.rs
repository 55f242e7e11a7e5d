//! Exactly one message per event under Lambda's at-least-once invocation.
//!
//! Before sending, a conditional put claims the event's key in DynamoDB
//! (`IN_PROGRESS`, with a lock expiry); after delivery the item is marked
//! `COMPLETED` with the provider's message id; a failed send deletes it so the
//! retry can send. The key is a SHA-256 of the ciphertext (never the plaintext),
//! trigger source, pool and user. Items expire through the table's TTL attribute
//! `ttl`.

use std::time::Duration;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::{epoch_millis, hex};

use super::store::{is_conditional_failure, now_secs, number};
use super::{store_failure, OnStoreError, StoreError};
use crate::cognito::event::CustomSenderEvent;

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

/// A random owner token (128 bits, hex).
fn owner_token() -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // Never observed; a time-based token still separates invocations.
        bytes[..8].copy_from_slice(&epoch_millis().to_be_bytes());
    }
    hex(&bytes)
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
    /// duplicate takes over while this invocation can still send.
    pub async fn claim(&self, key: &str, remaining: Duration) -> Result<Claim, StoreError> {
        let now = now_secs();
        let hold = self.lock.max(remaining).as_secs().saturating_add(1);
        let owner = owner_token();
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
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::Proceed(Claimed {
                key: key.to_string(),
                owner,
            })),
            Err(e) if is_conditional_failure(&e) => {
                let item = self
                    .client
                    .get_item()
                    .table_name(&self.table)
                    .key("id", AttributeValue::S(key.to_string()))
                    .consistent_read(true)
                    .send()
                    .await;
                match item {
                    Ok(output) => {
                        let item = output.item();
                        let status = item
                            .and_then(|i| i.get("status"))
                            .and_then(|v| v.as_s().ok());
                        if status.map(String::as_str) == Some(COMPLETED) {
                            let id = item
                                .and_then(|i| i.get("message_id"))
                                .and_then(|v| v.as_s().ok())
                                .cloned()
                                .unwrap_or_default();
                            Ok(Claim::AlreadyDelivered(id))
                        } else {
                            Ok(Claim::InProgress)
                        }
                    }
                    Err(e) => self.store_failure("GetItem", DisplayErrorContext(&e).to_string()),
                }
            }
            Err(e) => self.store_failure("PutItem", DisplayErrorContext(&e).to_string()),
        }
    }

    /// Marks the claimed event delivered by `provider` as `message_id` — only if
    /// the claim is still ours.
    pub async fn complete(&self, claim: &Claimed, provider: &str, message_id: &str) {
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
    /// it is still ours (an expired claim may have been taken by a newer invocation).
    pub async fn release(&self, claim: &Claimed) {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(claim.key.clone()))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", AttributeValue::S(claim.owner.clone()))
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
