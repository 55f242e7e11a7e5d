//! `switchboard invoke EVENT.json`: one event through the configured pipeline.

use std::path::Path;

use crate::startup::{self, Runtime, StartupOptions};

/// Prints the outcome (or, for a CustomMessage event, the answer to Cognito) as
/// JSON; fails when the message was not delivered.
pub async fn run(event_file: &Path) -> anyhow::Result<()> {
    let payload = std::fs::read(event_file)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", event_file.display()))?;
    let payload: serde_json::Value = serde_json::from_slice(&payload)
        .map_err(|e| anyhow::anyhow!("`{}` is not JSON: {e}", event_file.display()))?;
    let (config, options) = startup::configure(StartupOptions::new(Runtime::Local)).await?;
    let app = startup::build(&config, options).await?;
    let answer = app.handle_payload(payload, None).await?;
    super::print(&format!("{}\n", serde_json::to_string_pretty(&answer)?));
    Ok(())
}
