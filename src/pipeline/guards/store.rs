//! What the two DynamoDB guards — idempotency and the SMS limits — share: the
//! clock they write, number attributes, and recognising a failed condition.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_providers::text::epoch_millis;

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
