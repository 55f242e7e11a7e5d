//! Bounds one attempt in time, whatever the provider does inside.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Fails an attempt with [`ErrorKind::Timeout`] after `limit`, or at the message's
/// deadline if that comes first.
///
/// Sits *inside* [`crate::Retry`] — `Retry(Timeout(provider))` — so each attempt
/// has its own limit; a timeout outside the retry would cut the retries short.
/// A timed-out request may still have been accepted: see the README on duplicates.
#[derive(Debug)]
pub struct Timeout {
    inner: Arc<dyn Sender>,
    limit: Duration,
}

impl Timeout {
    /// Wraps `inner` with a per-attempt `limit`.
    pub fn new(inner: Arc<dyn Sender>, limit: Duration) -> Self {
        Timeout { inner, limit }
    }
}

#[async_trait]
impl Sender for Timeout {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn channels(&self) -> &[Channel] {
        self.inner.channels()
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        // Cut to the time left: an attempt never runs past the delivery deadline.
        let limit = match message.context().deadline {
            Some(deadline) => self
                .limit
                .min(deadline.saturating_duration_since(Instant::now())),
            None => self.limit,
        };
        match tokio::time::timeout(limit, self.inner.send(message)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::new(
                self.inner.name(),
                ErrorKind::Timeout,
                format!(
                    "no answer within {} ms (the provider may still deliver it)",
                    limit.as_millis()
                ),
            )),
        }
    }
}
