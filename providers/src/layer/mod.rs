//! Wrappers that change *how* a message is sent and are themselves [`Sender`]s,
//! composed in one order: `Failover([Retry(Breaker(Timeout(provider))), …])`. A
//! timeout outside the retry would cut the retries short; a retry outside the
//! failover would retry the whole chain; the breaker between them sees each
//! attempt, timeouts included, and its circuit is the provider's, shared by every
//! chain.
//!
//! Time is bounded by the message's deadline ([`crate::MessageContext::deadline`]):
//! the end of the event's delivery, which the caller sets to
//! `min(now + budget, invocation deadline − margin)`.

mod breaker;
mod failover;
mod retry;
mod standing;
mod timeout;

use std::sync::Arc;
use std::time::Duration;

pub use breaker::{Breaker, BreakerPolicy, Breakers, CircuitEvent, Observer};
pub use failover::{Failover, Strategy};
pub use retry::{Retry, RetryPolicy};
pub use standing::Standing;
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

/// A route's whole chain: `Failover([Retry(Breaker(Timeout(p))), …])` over
/// `providers` in order, or the one `Retry(Breaker(Timeout(p)))` when there is one.
/// Each attempt is bounded by the attempt timeout and the deadline, retries in
/// number and time; a provider whose circuit in `breakers` is open is skipped;
/// the failover starts a provider only while [`RetryPolicy::min_attempt`] is left.
pub fn chain(
    providers: Vec<Arc<dyn Sender>>,
    policy: &Policy,
    strategy: Strategy,
    breakers: &Breakers,
    standing: Option<&Arc<Standing>>,
) -> Arc<dyn Sender> {
    let names: Vec<&str> = providers.iter().map(|p| p.name()).collect();
    let name = names.join(">");
    let mut wrapped: Vec<Arc<dyn Sender>> = providers
        .into_iter()
        .map(|provider| {
            let timed = Arc::new(Timeout::new(provider, policy.attempt_timeout));
            Arc::new(Retry::new(breakers.wrap(timed), policy.retry)) as Arc<dyn Sender>
        })
        .collect();
    if wrapped.len() == 1 {
        return wrapped.remove(0);
    }
    let mut failover = Failover::new(name, wrapped)
        .with_strategy(strategy)
        .with_min_attempt(policy.retry.min_attempt);
    if let Some(standing) = standing {
        failover = failover.with_standing(Arc::clone(standing));
    }
    Arc::new(failover)
}
