//! Real local peers for the integration tests, started on free loopback ports.
//!
//! A test that needs a service fails loudly when it is missing: run the suite with
//! `./scripts/test`, which installs them.
#![allow(dead_code)] // each test binary uses a different part

pub mod moto;
pub mod python;

use std::net::TcpListener;

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
        switchboard::config::ProviderConfig::Outbox {
            dir: dir.to_path_buf(),
        },
    );
    config.cognito.lookup_missing_recipient = false;
    config
}
