use std::fmt::Write;

use crate::config::Config;
use crate::startup::{self, Runtime, StartupOptions};

/// `switchboard check-config`: builds everything a cold start builds (providers,
/// routes, every template in every locale), prints the resolved route table with
/// secrets redacted, and fails with the problem otherwise.
pub async fn run(lambda: bool) -> anyhow::Result<()> {
    let config = Config::load()?;
    let runtime = if lambda {
        Runtime::Lambda
    } else {
        Runtime::Local
    };
    let app = startup::build(&config, StartupOptions::new(runtime)).await?;
    let mut out = String::from("providers:\n");
    for (name, provider) in &config.providers {
        writeln!(out, "  {name:<12} {provider:?}")?;
    }
    out.push_str("\nroutes:\n");
    writeln!(
        out,
        "  {:<46} {:<6} {:<24} {:<22} {:<8} DETAILS",
        "TRIGGER SOURCE", "CHANNEL", "PROVIDERS", "TEMPLATE", "ENABLED"
    )?;
    for (source, route) in app.routes().iter() {
        let details = match route.channel {
            switchboard_providers::Channel::Email => format!(
                "from={} reply_to={} esp_templates={:?}",
                route.from,
                route.reply_to.as_deref().unwrap_or("-"),
                route.esp_templates
            ),
            switchboard_providers::Channel::Sms => format!(
                "sender_id={} max_segments={} countries={:?}",
                route.sender_id.as_deref().unwrap_or("-"),
                route.max_segments,
                route.countries
            ),
        };
        writeln!(
            out,
            "  {:<46} {:<7} {:<24} {:<22} {:<8} {details}",
            source,
            route.channel.to_string(),
            route.provider_names.join(" > "),
            route.template,
            route.enabled
        )?;
    }
    let mode = if lambda { "as inside Lambda" } else { "local" };
    writeln!(out, "\nconfiguration OK ({mode})")?;
    super::print(&out);
    Ok(())
}
