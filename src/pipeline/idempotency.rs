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
use switchboard_providers::text::epoch_millis;

use crate::cognito::event::CustomSenderEvent;
pub use crate::config::OnStoreError;

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";

/// The result of claiming an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody handled it: send, then [`IdempotencyGuard::complete`] or
    /// [`IdempotencyGuard::release`].
    Proceed(String),
    /// Already delivered, with this message id: do not send again.
    AlreadyDelivered(String),
    /// Another invocation is sending it right now.
    InProgress,
    /// The store failed and the policy says deliver anyway (no key to complete).
    Unguarded,
}

/// Why the guard could not decide.
#[derive(Debug, thiserror::Error)]
#[error("idempotency table `{table}`: {detail}")]
pub struct GuardError {
    table: String,
    detail: String,
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

fn now_secs() -> u64 {
    epoch_millis() / 1000
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// The idempotency key of an event: hex SHA-256 over the ciphertext (or, for
/// events without a code, the takeover `EVENT_ID`), trigger source, pool and user.
pub fn key_for(event: &CustomSenderEvent) -> Option<String> {
    let unique = event
        .code()
        .map(str::to_string)
        .or_else(|| event.request.user_attributes.get("EVENT_ID").cloned())?;
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for part in [
        unique.as_str(),
        &event.trigger_source.to_string(),
        &event.user_pool_id,
        &event.user_name,
    ] {
        context.update(part.as_bytes());
        context.update(&[0]);
    }
    Some(
        context
            .finish()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
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

    fn store_failure(&self, what: &str, detail: String) -> Result<Claim, GuardError> {
        match self.on_store_error {
            OnStoreError::Deliver => {
                tracing::warn!(table = %self.table, %detail, "idempotency store failed on {what}; delivering anyway (on_store_error = deliver)");
                Ok(Claim::Unguarded)
            }
            OnStoreError::Fail => Err(GuardError {
                table: self.table.clone(),
                detail: format!("{what} failed: {detail} (on_store_error = fail)"),
            }),
        }
    }

    /// Claims `key` for this invocation.
    pub async fn claim(&self, key: &str) -> Result<Claim, GuardError> {
        let now = now_secs();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(key.to_string()))
            .item("status", AttributeValue::S(IN_PROGRESS.into()))
            .item("expires_at", number(now + self.lock.as_secs().max(1)))
            .item("ttl", number(now + self.retention.as_secs()))
            .condition_expression(
                "attribute_not_exists(id) OR (#status = :in_progress AND expires_at < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.into()))
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        match put {
            Ok(_) => Ok(Claim::Proceed(key.to_string())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
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

    /// Marks `key` delivered by `provider` as `message_id`.
    pub async fn complete(&self, key: &str, provider: &str, message_id: &str) {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_string()))
            .update_expression(
                "SET #status = :completed, provider = :provider, message_id = :message_id",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", AttributeValue::S(COMPLETED.into()))
            .expression_attribute_values(":provider", AttributeValue::S(provider.to_string()))
            .expression_attribute_values(":message_id", AttributeValue::S(message_id.to_string()))
            .send()
            .await;
        if let Err(e) = result {
            // Delivered already; a retry after the lock expires may send again.
            tracing::warn!(table = %self.table, error = %DisplayErrorContext(&e), "could not mark the event completed");
        }
    }

    /// Releases `key` after a failed send, so Lambda's retry can send.
    pub async fn release(&self, key: &str) {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_string()))
            .send()
            .await;
        if let Err(e) = result {
            tracing::warn!(table = %self.table, error = %DisplayErrorContext(&e), "could not release the idempotency lock; a retry waits for it to expire");
        }
    }
}
