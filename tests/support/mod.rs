//! Real local peers for the integration tests, started on free loopback ports.
//!
//! A test that needs a service fails loudly when it is missing: run the suite with
//! `./scripts/test`, which installs them.
#![allow(dead_code)] // each test binary uses a different part

pub mod hostile;
pub mod lambda;
pub mod moto;
pub mod python;
pub mod sigv4;
pub mod smtp;
pub mod standard_webhooks;
pub mod status_table;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};

/// Runs `script` (sh) in the background behind a guard that kills it when our
/// stdin pipe closes, i.e. when the test process exits, however it exits.
pub fn spawn_guarded(script: &str) -> Child {
    let guarded = format!(
        "{{ {script} ; }} & pid=$!; read _ignored; kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    );
    Command::new("sh")
        .args(["-c", &guarded])
        .stdin(Stdio::piped())
        .spawn()
        .expect("cannot spawn sh")
}

/// Fails loudly when `program` is not installed.
pub fn require_program(program: &str, install: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(found, "{program} is not on PATH: run the suite with ./scripts/test, which installs it ({install})");
}

/// The Python interpreter with the test packages (`SB_TEST_PYTHON`, set by
/// ./scripts/test; not `SWITCHBOARD_*`, which is configuration).
pub fn python() -> String {
    std::env::var("SB_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind a loopback port")
}

/// A configuration with the embedded defaults and the outbox in `dir`.
pub fn default_config_with_outbox(dir: &std::path::Path) -> switchboard::config::Config {
    let mut config =
        switchboard::config::Config::embedded_defaults().expect("embedded defaults are valid");
    config.providers.insert(
        "outbox".into(),
        switchboard::providers::ProviderConfig::Outbox(switchboard::providers::OutboxConfig {
            dir: dir.to_path_buf(),
        }),
    );
    config.cognito.lookup_missing_recipient = false;
    config
}

/// Runs raw JSON through the pipeline, as Lambda would hand it over.
pub trait HandleJson {
    /// Parses `payload` as a custom sender event and handles it.
    async fn handle_json(
        &self,
        payload: &[u8],
    ) -> Result<switchboard::Outcome, switchboard::HandleError>;
}

impl HandleJson for switchboard::App {
    async fn handle_json(
        &self,
        payload: &[u8],
    ) -> Result<switchboard::Outcome, switchboard::HandleError> {
        let event = switchboard::cognito::event::parse_custom_sender(payload)?;
        self.handle(event).await
    }
}
