//! The Lambda entry: one [`App`] per cold start, borrowed by every invocation.

use std::time::{Duration, Instant};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use switchboard_providers::text::epoch_millis;

use crate::config::Config;
use crate::pipeline::{Answer, App};
use crate::startup::{self, Runtime, StartupOptions};

/// Loads the configuration, builds the [`App`] (a failure fails the init, loudly)
/// and serves invocations until Lambda stops the process.
pub async fn run() -> anyhow::Result<()> {
    let config = Config::load()?;
    let app = startup::build(&config, StartupOptions::new(Runtime::Lambda)).await?;
    let margin = Duration::from_millis(config.delivery.deadline_margin_ms);
    serve(app, margin).await.map_err(|e| anyhow::anyhow!(e))
}

/// Runs the Lambda runtime loop with `app`.
///
/// Custom sender triggers are invoked asynchronously and Cognito ignores the
/// response: `Ok` means "handled", an error makes Lambda retry and then
/// dead-letter the event. Never return `Ok` for an undelivered message.
/// CustomMessage triggers are synchronous: the answer is the event with its
/// `response` filled in.
pub async fn serve(app: App, deadline_margin: Duration) -> Result<(), Error> {
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = local_deadline(event.context.deadline, deadline_margin);
        Ok::<Answer, Error>(app.handle_payload(event.payload, Some(deadline)).await?)
    }))
    .await
}

/// Lambda gives the deadline in milliseconds since the Unix epoch; delivery must
/// end `margin` before it so the invocation can still return its error.
fn local_deadline(deadline_epoch_ms: u64, margin: Duration) -> Instant {
    let left = Duration::from_millis(deadline_epoch_ms.saturating_sub(epoch_millis()))
        .saturating_sub(margin);
    let now = Instant::now();
    now.checked_add(left).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_deadline_keeps_the_margin() {
        let now_ms = epoch_millis();
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
