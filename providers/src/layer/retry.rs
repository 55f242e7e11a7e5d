//! Retries temporary failures with exponential backoff and full jitter, bounded
//! by a number of attempts and by time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{Attempt, Channel, Delivery, Message, SendError, Sender};

/// The longest wait before a retry when the message has no deadline.
const MAX_WAIT_WITHOUT_DEADLINE: Duration = Duration::from_secs(60);

/// How [`Retry`] retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most calls to the provider, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff cap before the first retry; doubles per retry.
    pub base_delay: Duration,
    /// Largest backoff.
    pub max_delay: Duration,
    /// The least time worth an attempt: none starts with less left before the deadline.
    pub min_attempt: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(2),
            min_attempt: Duration::from_millis(500),
        }
    }
}

/// Retries `inner` on temporary errors only. Permanent errors (rejections, bad
/// credentials, configuration) return at once: retrying cannot fix them.
///
/// No attempt starts — the first included — with less than `min_attempt` left
/// before the message's deadline ([`crate::MessageContext::deadline`]), and a
/// retry is skipped when its backoff (or the provider's `Retry-After`) would leave
/// less than that.
#[derive(Debug)]
pub struct Retry {
    inner: Arc<dyn Sender>,
    policy: RetryPolicy,
}

impl Retry {
    /// Wraps `inner` with `policy`.
    pub fn new(inner: Arc<dyn Sender>, policy: RetryPolicy) -> Self {
        Retry { inner, policy }
    }

    fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .policy
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.policy.max_delay);
        // Full jitter: spreads retries of many concurrent invocations.
        cap.mul_f64(fastrand::f64())
    }
}

#[async_trait]
impl Sender for Retry {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn channels(&self) -> &[Channel] {
        self.inner.channels()
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let end = message.context().deadline;
        let mut attempts = Vec::new();
        let mut retry = 0;
        if let Some(error) = no_time_for_an_attempt(self.inner.name(), end, self.policy.min_attempt)
        {
            return Err(error);
        }
        loop {
            let attempt_started = Instant::now();
            let result = self.inner.send(message).await;
            let latency = attempt_started.elapsed();
            match result {
                Ok(mut delivery) => {
                    attempts.push(Attempt {
                        provider: self.inner.name().to_string(),
                        error: None,
                        latency,
                    });
                    delivery.attempts = attempts;
                    return Ok(delivery);
                }
                Err(error) => {
                    attempts.push(Attempt {
                        provider: self.inner.name().to_string(),
                        error: Some(error.kind()),
                        latency,
                    });
                    retry += 1;
                    let wait = error.retry_after().unwrap_or_else(|| self.backoff(retry));
                    let out_of_attempts = retry >= self.policy.max_attempts;
                    let resume =
                        Instant::now().checked_add(wait.saturating_add(self.policy.min_attempt));
                    let out_of_time = match (end, resume) {
                        (_, None) => true,
                        (Some(end), Some(resume)) => resume > end,
                        (None, Some(_)) => wait > MAX_WAIT_WITHOUT_DEADLINE,
                    };
                    if !error.is_temporary() || out_of_attempts || out_of_time {
                        if error.is_temporary() {
                            tracing::warn!(provider = %self.inner.name(), attempts = attempts.len(), out_of_time, "giving up on a temporary failure");
                        }
                        return Err(error.with_attempts(attempts));
                    }
                    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    tracing::info!(provider = %self.inner.name(), attempt = attempts.len(), wait_ms, error = %error, "retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// The error for a provider that is not even tried: less than `min_attempt` left.
pub(super) fn no_time_for_an_attempt(
    provider: &str,
    deadline: Option<Instant>,
    min_attempt: Duration,
) -> Option<SendError> {
    let left = deadline?.saturating_duration_since(Instant::now());
    (left < min_attempt).then(|| {
        SendError::new(
            provider,
            crate::ErrorKind::Timeout,
            format!(
                "not tried: {} ms left before the delivery deadline, less than the {} ms an attempt needs",
                left.as_millis(),
                min_attempt.as_millis()
            ),
        )
    })
}
