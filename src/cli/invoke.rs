use std::path::Path;

use crate::config::Config;
use crate::startup::{self, Runtime, StartupOptions};

/// `switchboard invoke EVENT.json`: prints the outcome as JSON; fails when not delivered.
pub async fn run(event_file: &Path) -> anyhow::Result<()> {
    let payload = std::fs::read(event_file)
        .map_err(|e| anyhow::anyhow!("cannot read `{}`: {e}", event_file.display()))?;
    let config = Config::load()?;
    let app = startup::build(&config, StartupOptions::new(Runtime::Local)).await?;
    let outcome = app.handle_json(&payload).await?;
    println!("{}", serde_json::to_string_pretty(&outcome)?);
    Ok(())
}
