//! What `check-config` says of each provider's delivery receipts: configured,
//! not configured (and the keys that would), or impossible for its service.

use std::fmt::Write;

use switchboard_providers::ProviderConfig;

use crate::config::Config;

/// The `receipts:` section.
pub fn section(config: &Config) -> String {
    let mut out = String::from("\nreceipts (docs/receipts.md):\n");
    for (name, provider) in &config.providers {
        let _ = writeln!(out, "  {name:<12} {}", state(provider));
    }
    let _ = writeln!(
        out,
        "  trail table: {}; Twilio callbacks: {}",
        config
            .receipts
            .table
            .as_deref()
            .unwrap_or("none (receipts.table)"),
        config
            .receipts
            .url
            .as_deref()
            .map_or("none (receipts.url)".to_string(), |url| format!(
                "{url}/NAME"
            )),
    );
    out
}

fn state(provider: &ProviderConfig) -> String {
    let keys = provider.receipt_keys();
    if keys.is_empty() {
        return format!("none: {} has no per-message receipts", provider.type_name());
    }
    let missing = provider.missing_receipt_keys();
    match missing.is_empty() {
        true => format!("configured ({})", keys.join(", ")),
        false => format!("not configured: set {}", missing.join(", ")),
    }
}
