//! The Lambda entry: which function this deployment is (`SWITCHBOARD_FUNCTION`:
//! the sender, by default, or the receipts function), built once per cold
//! start and borrowed by every invocation.

use std::time::{Duration, Instant};

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use serde_json::Value;
use switchboard_providers::text::epoch_millis;

use crate::logging;
use crate::pipeline::{Answer, App};
use crate::startup::{self, Runtime, StartupError, StartupOptions};

/// Loads the configuration, builds the [`App`] and serves invocations until
/// Lambda stops the process. A failed start fails the init loudly: its error
/// goes to the Runtime API's init error record (what a synchronous caller,
/// `sam local` or an emulator shows) and to the log, then the process exits.
pub async fn run() -> anyhow::Result<()> {
    match Function::from_env() {
        Ok(Function::Sender) => run_sender().await,
        Ok(Function::Receipts) => run_receipts().await,
        Err(error) => {
            report_init_error(&error).await;
            Err(error.into())
        }
    }
}

/// Which function a deployment runs. It comes from the deployment's own
/// variable, never from the `SWITCHBOARD_*` configuration layers, so a shared
/// TOML or SSM layer cannot turn the sender into the receipts function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Cognito events → deliveries (the default).
    Sender,
    /// Provider receipts → the status trail.
    Receipts,
}

/// The variable that names the function.
pub const FUNCTION_VARIABLE: &str = "SWITCHBOARD_FUNCTION";

impl Function {
    /// The function `SWITCHBOARD_FUNCTION` names; the sender when unset.
    pub fn from_env() -> Result<Function, StartupError> {
        match std::env::var(FUNCTION_VARIABLE)
            .ok()
            .as_deref()
            .map(str::trim)
        {
            None | Some("") | Some("sender") => Ok(Function::Sender),
            Some("receipts") => Ok(Function::Receipts),
            Some(other) => Err(StartupError::Receipts {
                key: FUNCTION_VARIABLE.into(),
                problem: format!(
                    "`{other}` names no function: `sender` (the default) or `receipts`"
                ),
            }),
        }
    }
}

async fn run_sender() -> anyhow::Result<()> {
    let (app, margin) = match start().await {
        Ok(started) => started,
        Err(error) => {
            report_init_error(&error).await;
            return Err(error.into());
        }
    };
    serve(app, margin).await.map_err(|e| anyhow::anyhow!(e))
}

async fn run_receipts() -> anyhow::Result<()> {
    let started = async {
        let (config, options) = startup::configure(StartupOptions::new(Runtime::Lambda)).await?;
        startup::receipts::build(&config, options).await
    };
    let app = match started.await {
        Ok(app) => app,
        Err(error) => {
            report_init_error(&error).await;
            return Err(error.into());
        }
    };
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = local_deadline(event.context.deadline, Duration::from_millis(500));
        match app.handle_payload(event.payload, deadline).await {
            Ok(answer) => Ok::<Value, Diagnostic>(answer),
            Err(error) => Err(Diagnostic {
                error_type: error.class().to_string(),
                error_message: logging::outgoing(&error.to_string()).into_owned(),
            }),
        }
    }))
    .await
    .map_err(|e| anyhow::anyhow!(e))
}

async fn start() -> Result<(App, Duration), StartupError> {
    let (config, options) = startup::configure(StartupOptions::new(Runtime::Lambda)).await?;
    let app = startup::build(&config, options).await?;
    Ok((
        app,
        Duration::from_millis(config.delivery.deadline_margin_ms),
    ))
}

/// How long a failing init waits for the Runtime API to take its error.
const INIT_ERROR_TIMEOUT: Duration = Duration::from_secs(2);

/// Posts `error` to `/runtime/init/error`, as the runtime library does for
/// its own init failures; a Runtime API that does not answer costs a warning.
async fn report_init_error(error: &StartupError) {
    let body = serde_json::json!({
        "errorType": error.class(),
        "errorMessage": logging::outgoing(&error.to_string()),
    });
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", "Runtime.InitError")
        .header("content-type", "application/json")
        .body(lambda_runtime_api_client::body::Body::from(
            body.to_string(),
        ));
    let request = match request {
        Ok(request) => request,
        Err(problem) => {
            tracing::warn!(%problem, "could not build the init error report");
            return;
        }
    };
    let client = lambda_runtime_api_client::PooledClient::builder().build();
    match tokio::time::timeout(INIT_ERROR_TIMEOUT, client.call(request)).await {
        Ok(Ok(_)) => {}
        Ok(Err(problem)) => tracing::warn!(%problem, "the Runtime API did not take the init error"),
        Err(_) => tracing::warn!("the Runtime API did not take the init error in time"),
    }
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
        let handled = AssertUnwindSafe(app.handle_payload(event.payload, deadline))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(answer)) => Ok::<Answer, Diagnostic>(answer),
            // The on-failure destination keeps this text for days.
            Ok(Err(error)) => Err(Diagnostic {
                error_type: error.class().to_string(),
                error_message: logging::outgoing(&error.to_string()).into_owned(),
            }),
            // The panic payload may hold provider input: never in the error record.
            Err(_) => Err(Diagnostic {
                error_type: "Panic".to_string(),
                error_message: "the function failed unexpectedly while handling the event; its log names the place".to_string(),
            }),
        }
    }))
    .await
}

/// When delivery must end: `margin` before the invocation's deadline (Lambda gives
/// it in milliseconds since the Unix epoch), so the invocation can still return its
/// error — but never leaving less than half the time left, so a short function
/// timeout still gets its try.
///
/// A deadline already past when the invocation starts is no deadline Lambda gives
/// (its invocations start with their whole timeout ahead); emulators have sent one
/// (cargo-lambda 1.9 sends the timeout, `600000`, as if it were a time). It is
/// ignored with a warning, and `delivery.budget_ms` alone bounds the delivery.
fn local_deadline(deadline_epoch_ms: u64, margin: Duration) -> Option<Instant> {
    let now_ms = epoch_millis();
    if deadline_epoch_ms <= now_ms {
        tracing::warn!(
            deadline_epoch_ms,
            now_ms,
            "the runtime's deadline had passed before the invocation started; ignoring it (delivery.budget_ms still applies)"
        );
        return None;
    }
    let remaining = Duration::from_millis(deadline_epoch_ms - now_ms);
    let window = remaining.saturating_sub(margin).max(remaining / 2);
    let now = Instant::now();
    Some(now.checked_add(window).unwrap_or(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(deadline_in_ms: u64, margin_ms: u64) -> Duration {
        local_deadline(
            epoch_millis() + deadline_in_ms,
            Duration::from_millis(margin_ms),
        )
        .unwrap()
        .saturating_duration_since(Instant::now())
    }

    #[test]
    fn the_local_deadline_keeps_the_margin() {
        let left = window(10_000, 1_500);
        assert!(
            left <= Duration::from_millis(8_500) && left >= Duration::from_millis(8_000),
            "{left:?}"
        );
    }

    #[test]
    fn a_short_timeout_keeps_half_its_time_for_delivery() {
        // A 1 s function timeout with a 1.5 s margin still gets ~0.5 s.
        let left = window(1_000, 1_500);
        assert!(
            left <= Duration::from_millis(500) && left >= Duration::from_millis(400),
            "{left:?}"
        );
    }

    #[test]
    fn a_deadline_that_passed_before_the_start_is_ignored() {
        assert_eq!(local_deadline(600_000, Duration::from_millis(1_500)), None);
        assert_eq!(
            local_deadline(epoch_millis() - 1, Duration::from_millis(1_500)),
            None
        );
    }
}
