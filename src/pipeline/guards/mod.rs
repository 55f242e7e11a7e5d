//! The DynamoDB guards around a send, siblings with one store-failure policy:
//! [`idempotency`] (one message per event under Lambda's at-least-once
//! invocation), [`sms_limit`] (the SMS pumping guard) and [`email_limit`] (the
//! email bombing guard), the last two counting with `counter.rs`. When a
//! guard's table fails, `idempotency.on_store_error` decides for all: deliver
//! unguarded (and say so in the log) or fail the invocation so that Lambda
//! retries it.

mod counter;
pub mod email_limit;
pub mod idempotency;
pub mod sms_limit;

use email_limit::EmailLimiter;
use idempotency::IdempotencyGuard;
use sms_limit::SmsLimiter;

pub use crate::config::OnStoreError;

/// The guards a configuration asks for; each is `None` when it is not configured.
#[derive(Debug, Default)]
pub struct Guards {
    /// `[idempotency] table`.
    pub idempotency: Option<IdempotencyGuard>,
    /// `[sms.limits]`.
    pub sms_limit: Option<SmsLimiter>,
    /// `[email.limits]`.
    pub email_limit: Option<EmailLimiter>,
}

/// Why a guard could not decide, with `on_store_error = "fail"`: Lambda retries
/// the event.
#[derive(Debug, thiserror::Error)]
#[error("{guard} table `{table}`: {detail} (idempotency.on_store_error = fail; Lambda retries the event)")]
pub struct StoreError {
    guard: &'static str,
    table: String,
    detail: String,
}

/// What `policy` makes of a failed call to a guard's table: `Ok(())` to deliver
/// without the guard (logged), or the error that fails the invocation.
pub(crate) fn store_failure(
    policy: OnStoreError,
    guard: &'static str,
    table: &str,
    detail: String,
) -> Result<(), StoreError> {
    match policy {
        OnStoreError::Deliver => {
            tracing::warn!(%table, %detail, "{guard} table failed; delivering without it (idempotency.on_store_error = deliver)");
            Ok(())
        }
        OnStoreError::Fail => Err(StoreError {
            guard,
            table: table.to_string(),
            detail,
        }),
    }
}
