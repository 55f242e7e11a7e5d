//! `switchboard demo`: every example event, encrypted as Cognito would, delivered
//! through the configured routes (the embedded default: `./outbox/`).

use std::fmt::Write;

use super::examples::{sample_code, EVENTS};
use crate::cognito::event::parse_custom_sender;
use crate::cognito::mint::{cognito_escape, CodeMinter};
use crate::config::Config;
use crate::pipeline::Outcome;
use crate::startup::{self, StartupOptions};

/// Mints a code for every example, runs the pipeline, returns the outcomes in
/// example order.
pub async fn run_examples(config: &Config) -> anyhow::Result<Vec<Outcome>> {
    // Every example carries its recipient: the demo needs no AWS account, so it
    // never asks Cognito.
    let mut config = config.clone();
    config.cognito.lookup_missing_recipient = false;
    let app = startup::build(&config, StartupOptions::demo()).await?;
    let minter = CodeMinter::insecure_dev_key().await?;
    let mut outcomes = Vec::with_capacity(EVENTS.len());
    for (name, json) in EVENTS {
        let mut event = parse_custom_sender(json.as_bytes())?;
        if event.trigger_source.requires_code() {
            let mut plaintext = sample_code(name).to_string();
            if event.trigger_source.code_is_temporary_password() {
                plaintext = cognito_escape(&plaintext);
            }
            event.request.code = Some(minter.mint(&plaintext, &event.user_pool_id).await?);
        }
        let outcome = app
            .handle(event)
            .await
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Prints the demo table.
pub async fn run() -> anyhow::Result<()> {
    let (config, _) = startup::configure(StartupOptions::demo()).await?;
    let outcomes = run_examples(&config).await?;
    let mut out = format!(
        "{:<46} {:<7} {:<10} {:<22} FILE / MESSAGE ID\n",
        "TRIGGER SOURCE", "CHANNEL", "PROVIDER", "RECIPIENT"
    );
    for o in &outcomes {
        writeln!(
            out,
            "{:<46} {:<7} {:<10} {:<22} {}",
            o.trigger_source,
            o.channel.to_string(),
            o.provider,
            o.recipient,
            o.message_id
        )?;
    }
    writeln!(
        out,
        "\n{} of {} example events delivered.",
        outcomes.len(),
        EVENTS.len()
    )?;
    super::print(&out);
    Ok(())
}
