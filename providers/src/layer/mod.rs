//! Wrappers that change *how* a message is sent and are themselves [`Sender`]s,
//! composed in one order: `Failover([Retry(Timeout(provider)), …])`. A timeout
//! outside the retry would cut the retries short; a retry outside the failover
//! would retry the whole chain.
//!
//! Time is bounded by the message's deadline ([`crate::MessageContext::deadline`]):
//! the end of the event's delivery, which the caller sets to
//! `min(now + budget, invocation deadline − margin)`.

mod failover;
mod retry;
mod timeout;

use std::sync::Arc;
use std::time::Duration;

pub use failover::{Failover, Strategy};
pub use retry::{Retry, RetryPolicy};
pub use timeout::Timeout;

use crate::Sender;

/// How hard one provider of a chain is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retries of temporary errors.
    pub retry: RetryPolicy,
    /// Time one attempt may take.
    pub attempt_timeout: Duration,
}

/// `Retry(Timeout(sender))`: each attempt bounded by the attempt timeout and the
/// deadline, retries bounded in number and time.
pub fn stack(sender: Arc<dyn Sender>, policy: &Policy) -> Arc<dyn Sender> {
    let timed = Arc::new(Timeout::new(sender, policy.attempt_timeout));
    Arc::new(Retry::new(timed, policy.retry))
}
