//! What the two DynamoDB guards — idempotency and the SMS limits — share: the
//! clock they write, number attributes, recognising a failed condition, and
//! each call's configuration: cut to the event's deadline, with or without the
//! SDK's retries (see the table in docs/guarantees.md for which call is which).

use std::time::Instant;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::epoch_millis;

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

/// Whether the SDK may repeat a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retries {
    /// The call is safe to repeat (idempotent, or recognises its own earlier
    /// attempt): the SDK's standard retries, within the time left.
    Sdk,
    /// A repeat could count twice: one attempt, its outcome resolved by the caller.
    Off,
}

/// The configuration override for one call that must end by `deadline`, or
/// the store failure "no time left" when the event has none.
pub(crate) fn call_config(
    deadline: Option<Instant>,
    retries: Retries,
) -> Result<aws_sdk_dynamodb::config::Builder, String> {
    let timeouts = aws::DYNAMODB
        .until(deadline)
        .ok_or_else(|| "no time left before the event's deadline".to_string())?;
    let mut config = aws_sdk_dynamodb::config::Builder::default().timeout_config(timeouts);
    if retries == Retries::Off {
        config = config.retry_config(RetryConfig::disabled());
    }
    Ok(config)
}
