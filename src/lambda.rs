//! The Lambda entry: one App per cold start, borrowed by every invocation.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

use crate::app::App;

/// Runs the Lambda runtime loop with `app`.
///
/// Custom sender triggers are invoked asynchronously and Cognito ignores the
/// response: `Ok` means "handled", an error makes Lambda retry and then
/// dead-letter the event. Never return `Ok` for an undelivered message.
pub async fn run(app: App) -> Result<(), Error> {
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let payload = serde_json::to_vec(&event.payload)?;
        let outcome = app.handle_json(&payload).await?;
        Ok::<Value, Error>(serde_json::to_value(outcome)?)
    }))
    .await
}
