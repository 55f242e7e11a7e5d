//! Tries providers in order until one accepts the message.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;

use std::time::Duration;

use super::retry::no_time_for_an_attempt;
use super::{RetryPolicy, Standing};
use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Which provider of a chain goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Always the first; the others only on failure.
    #[default]
    Failover,
    /// Rotate the first provider per message to spread volume; the others
    /// still back it up, in chain order.
    RoundRobin,
}

/// A provider chain: the first provider that accepts the message wins.
///
/// It moves on after temporary, authentication, configuration and availability
/// errors, because another provider may well succeed. It stops at
/// [`ErrorKind::Rejected`]: a bad address stays bad at every provider, and
/// sending it elsewhere only spreads the bounce.
#[derive(Debug)]
pub struct Failover {
    name: String,
    chain: Vec<Arc<dyn Sender>>,
    channels: Vec<Channel>,
    strategy: Strategy,
    min_attempt: Duration,
    next: AtomicUsize,
    standing: Option<Arc<Standing>>,
}

impl Failover {
    /// A chain named `name` (used in logs) over `chain`, in order.
    ///
    /// The chain supports the channels that every member supports.
    pub fn new(name: impl Into<String>, chain: Vec<Arc<dyn Sender>>) -> Self {
        let channels = [Channel::Email, Channel::Sms]
            .into_iter()
            .filter(|c| chain.iter().all(|s| s.channels().contains(c)))
            .collect();
        Failover {
            name: name.into(),
            chain,
            channels,
            strategy: Strategy::Failover,
            min_attempt: RetryPolicy::default().min_attempt,
            next: AtomicUsize::new(0),
            standing: None,
        }
    }

    /// Sets the least time worth starting the next provider (default 500 ms).
    pub fn with_min_attempt(mut self, min_attempt: Duration) -> Self {
        self.min_attempt = min_attempt;
        self
    }

    /// Sets the strategy (default [`Strategy::Failover`]).
    pub fn with_strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Tries the providers `standing` demotes last (see [`Standing`]).
    pub fn with_standing(mut self, standing: Arc<Standing>) -> Self {
        self.standing = Some(standing);
        self
    }

    /// The senders of the chain, in order.
    pub fn members(&self) -> &[Arc<dyn Sender>] {
        &self.chain
    }

    fn order(&self, channel: Channel) -> Vec<&Arc<dyn Sender>> {
        let start = match self.strategy {
            Strategy::Failover => 0,
            Strategy::RoundRobin if self.chain.is_empty() => 0,
            Strategy::RoundRobin => self.next.fetch_add(1, Ordering::Relaxed) % self.chain.len(),
        };
        let members = self
            .chain
            .iter()
            .cycle()
            .skip(start)
            .take(self.chain.len())
            .collect();
        match &self.standing {
            Some(standing) => standing.order(members, channel),
            None => members,
        }
    }
}

fn worth_trying_elsewhere(error: &SendError) -> bool {
    error.kind() != ErrorKind::Rejected
}

#[async_trait]
impl Sender for Failover {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &self.channels
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let mut failures: Vec<SendError> = Vec::new();
        for sender in self.order(message.channel()) {
            let deadline = message.context().deadline;
            if let Some(error) = no_time_for_an_attempt(sender.name(), deadline, self.min_attempt) {
                tracing::warn!(chain = %self.name, provider = %sender.name(), "no time left to try the next provider");
                failures.push(error);
                break;
            }
            match sender.send(message).await {
                Ok(mut delivery) => {
                    if !failures.is_empty() {
                        tracing::warn!(
                            chain = %self.name,
                            provider = %delivery.provider,
                            failed_over_from = %failures.iter().map(|e| e.provider()).collect::<Vec<_>>().join(","),
                            "delivered after failover"
                        );
                    }
                    let mut attempts: Vec<_> = failures
                        .iter()
                        .flat_map(|e| e.attempts().to_vec())
                        .collect();
                    attempts.append(&mut delivery.attempts);
                    delivery.attempts = attempts;
                    return Ok(delivery);
                }
                Err(error) => {
                    tracing::warn!(chain = %self.name, error = %error, "provider failed");
                    let stop = !worth_trying_elsewhere(&error);
                    failures.push(error);
                    if stop {
                        break;
                    }
                }
            }
        }
        Err(summarise(&self.name, failures))
    }
}

/// One error for the whole chain: the last provider's kind (what the caller acts
/// on), temporary if any attempt was, with every attempt in the detail.
fn summarise(chain: &str, failures: Vec<SendError>) -> SendError {
    let Some(last) = failures.last() else {
        return SendError::new(chain, ErrorKind::Config, "the provider chain is empty");
    };
    if failures.len() == 1 {
        return last.clone();
    }
    let temporary =
        failures.iter().any(SendError::is_temporary) && last.kind() != ErrorKind::Rejected;
    let detail = failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; then ");
    let attempts = failures
        .iter()
        .flat_map(|e| e.attempts().to_vec())
        .collect();
    let mut error = SendError::new(
        chain,
        last.kind(),
        format!("every provider failed: {detail}"),
    )
    .with_temporary(temporary)
    .with_attempts(attempts);
    if let Some(status) = last.status() {
        error = error.with_status(status);
    }
    error
}
