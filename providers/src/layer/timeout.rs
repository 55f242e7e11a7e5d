//! Bounds one attempt in time, whatever the provider does inside.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Fails an attempt with [`ErrorKind::Timeout`] after `limit`.
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
        // The invocation deadline decides whether to *retry* (see `Retry`); it does
        // not shorten an attempt, so a late or odd deadline never stops the first try.
        let limit = self.limit;
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
