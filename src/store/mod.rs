//! What every DynamoDB writer shares — the guards (idempotency, the SMS and
//! email limits) and, beside the pipeline, the receipts' status trail: the
//! clock they write, number attributes, recognising a failed condition, and
//! each call's configuration: cut to the event's deadline, with the SDK's
//! retries (every call is safe to repeat; docs/guarantees.md has the table).

pub mod recipients;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::{epoch_millis, hex};

use crate::aws;

/// Seconds since the Unix epoch (DynamoDB's TTL unit).
pub(crate) fn now_secs() -> u64 {
    epoch_millis() / 1000
}

/// A number attribute.
pub(crate) fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// Whether a write was refused by its condition expression (not a store failure).
pub(crate) fn is_conditional_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error
        .as_service_error()
        .is_some_and(|e| e.code() == Some("ConditionalCheckFailedException"))
}

/// The configuration override for one call that must end by `deadline`, or
/// the store failure "no time left" when the event has none. Every guard call
/// is safe to repeat (each recognises its own earlier attempt), so the SDK
/// retries within the time left.
pub(crate) fn call_config(
    deadline: Option<Instant>,
) -> Result<aws_sdk_dynamodb::config::Builder, String> {
    let timeouts = aws::DYNAMODB
        .until(deadline)
        .ok_or_else(|| "no time left before the event's deadline".to_string())?;
    // Short backoffs, so that three attempts fit the 2 s a call has: a
    // throttled counter shard then moves on to the next in time.
    let retry = RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(400));
    Ok(aws_sdk_dynamodb::config::Builder::default()
        .timeout_config(timeouts)
        .retry_config(retry))
}

/// A random owner token (128 bits, hex): a conditional write that failed on
/// an item holding it was our own, applied by an attempt the SDK repeated.
pub(crate) fn owner_token() -> String {
    let mut bytes = [0u8; 16];
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        // Never observed; a time-based token still separates invocations.
        bytes[..8].copy_from_slice(&epoch_millis().to_be_bytes());
    }
    hex(&bytes)
}
