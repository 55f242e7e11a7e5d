//! The Lambda entry: one App per cold start, borrowed by every invocation.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

use crate::app::App;

/// Runs the Lambda runtime loop with `app`.
///
/// Custom sender triggers are invoked asynchronously and Cognito ignores the
/// response: `Ok` means "handled", an error makes Lambda retry and then
/// dead-letter the event. Never return `Ok` for an undelivered message.
/// CustomMessage triggers are synchronous: the answer is the event with its
/// `response` filled in.
pub async fn run(app: App, deadline_margin: Duration) -> Result<(), Error> {
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = local_deadline(event.context.deadline, deadline_margin);
        tracing::debug!(
            retry_window_ms = deadline
                .saturating_duration_since(Instant::now())
                .as_millis() as u64,
            "invocation deadline"
        );
        Ok::<Value, Error>(app.handle_payload(event.payload, Some(deadline)).await?)
    }))
    .await
}

/// Lambda gives the deadline in milliseconds since the Unix epoch; retries must
/// stop `margin` before it so the invocation can still return its error.
fn local_deadline(deadline_epoch_ms: u64, margin: Duration) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let left =
        Duration::from_millis(deadline_epoch_ms.saturating_sub(now_ms)).saturating_sub(margin);
    Instant::now() + left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_deadline_keeps_the_margin() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let deadline = local_deadline(now_ms + 10_000, Duration::from_millis(1_500));
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_millis(8_500) && left >= Duration::from_millis(8_000),
            "{left:?}"
        );
        let past = local_deadline(now_ms.saturating_sub(5_000), Duration::from_millis(1_500));
        assert!(past <= Instant::now());
    }
}
