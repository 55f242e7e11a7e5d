//! What start-up refuses: settings that contradict each other, templates that do
//! not render or cost too many SMS segments, and — inside Lambda — setups that
//! would lose codes.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use switchboard_providers::{check_mailbox, Channel};

use super::error::{Refusal, StartupError};
use super::options::Runtime;
use crate::config::{Config, DecryptMode, DeliveryConfig};
use crate::render::{AppVars, Renderer};
use crate::route::RouteTable;
use crate::sms::segments;

/// `[delivery]` settings that cannot work together.
pub fn delivery(delivery: &DeliveryConfig) -> Result<(), StartupError> {
    if delivery.budget_ms == 0 {
        return Err(StartupError::Delivery {
            key: "budget_ms",
            value: 0,
            problem: "leaves no time to send anything; set the time one event's delivery may take, e.g. 10000".into(),
        });
    }
    if delivery.attempt_timeout_ms > delivery.budget_ms {
        return Err(StartupError::Delivery {
            key: "attempt_timeout_ms",
            value: delivery.attempt_timeout_ms,
            problem: format!(
                "is longer than delivery.budget_ms = {}, the time the whole delivery may take; lower it or raise the budget",
                delivery.budget_ms
            ),
        });
    }
    if delivery.breaker.threshold > 0 && delivery.breaker.cool_down_ms == 0 {
        return Err(StartupError::Delivery {
            key: "breaker.cool_down_ms",
            value: 0,
            problem: "would skip a failing provider for no time at all; set how long to skip it, e.g. 30000, or delivery.breaker.threshold = 0 to turn the breaker off".into(),
        });
    }
    Ok(())
}

/// Renders every template the routes use, once per template and channel, in
/// every locale it has, with sample data; checks the sample SMS against each
/// route's segment cap.
pub fn templates(
    routes: &RouteTable,
    renderer: &Renderer,
    app: AppVars<'_>,
) -> Result<(), StartupError> {
    let mut samples: HashMap<(&str, Channel), Vec<String>> = HashMap::new();
    for (source, route) in routes.iter() {
        let bodies = match samples.entry((route.template.as_str(), route.channel)) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => new.insert(
                renderer
                    .check(&route.template, route.channel, app)
                    .map_err(|error| StartupError::Template {
                        route: Some(source.clone()),
                        error,
                    })?,
            ),
        };
        for body in bodies.iter() {
            let segments = segments::count(body).segments;
            if segments > route.max_segments {
                return Err(StartupError::SmsTemplateTooLong {
                    route: source,
                    template: route.template.clone(),
                    segments,
                    max: route.max_segments,
                });
            }
        }
    }
    Ok(())
}

/// `[receipts]` as both functions read it: `url` the receipts function's root
/// (each provider is a path under it, so the URL carries none), a trail kept
/// at least a day.
pub fn receipts(config: &Config) -> Result<(), StartupError> {
    let refused = |key: &str, problem: String| {
        Err(StartupError::Receipts {
            key: key.into(),
            problem,
        })
    };
    if let Some(url) = config.receipts.url.as_deref() {
        match url::Url::parse(url.trim()) {
            Ok(parsed) if matches!(parsed.scheme(), "https" | "http") && parsed.has_host() => {
                if parsed.path() != "/" || parsed.query().is_some() {
                    return refused(
                        "receipts.url",
                        format!("`{url}` has a path or query: give the receipts function's root (its Function URL), under which each provider is `/NAME`"),
                    );
                }
            }
            _ => {
                return refused(
                    "receipts.url",
                    format!("`{url}` is not an absolute https:// URL (the receipts function's Function URL)"),
                )
            }
        }
    }
    if config.receipts.retention_days == 0 {
        return refused(
            "receipts.retention_days",
            "0 deletes each trail as it is written: keep it at least 1 day (30 by default)".into(),
        );
    }
    Ok(())
}

/// Every sender and reply-to the configuration names is a mailbox providers
/// accept — checked once here rather than failing each send.
pub fn mailboxes(config: &Config) -> Result<(), StartupError> {
    let mut named = vec![("email.from".to_string(), Some(&config.email.from))];
    named.push(("email.reply_to".into(), config.email.reply_to.as_ref()));
    for (source, route) in &config.routes {
        named.push((format!("routes.{source}.from"), route.from.as_ref()));
        named.push((format!("routes.{source}.reply_to"), route.reply_to.as_ref()));
    }
    for (client, settings) in &config.clients {
        named.push((format!("clients.{client}.from"), settings.from.as_ref()));
        named.push((
            format!("clients.{client}.reply_to"),
            settings.reply_to.as_ref(),
        ));
    }
    for (key, value) in named {
        if let Some(value) = value {
            check_mailbox(value).map_err(|problem| StartupError::Mailbox {
                key,
                value: value.clone(),
                problem,
            })?;
        }
    }
    Ok(())
}

/// The embedded demo's product name and its `example.com` sender.
const DEMO_NAME: &str = "Switchboard Demo";
const DEMO_DOMAIN: &str = "@example.com";

/// Inside Lambda, a development setup is a misconfigured deploy: every one
/// found, so the init can fail loudly with all of them instead of decrypting
/// with a public key, writing codes to /tmp, or sending under the demo's name.
/// (A provider's sandbox is judged by `senders::build` once its secrets are
/// resolved.)
pub fn lambda_only(
    config: &Config,
    runtime: Runtime,
    force_insecure_dev_key: bool,
) -> Vec<Refusal> {
    if runtime != Runtime::Lambda {
        return Vec::new();
    }
    let mut refused = Vec::new();
    if force_insecure_dev_key || config.decrypt.effective_mode() == DecryptMode::InsecureDev {
        refused.push(Refusal::DevelopmentKey);
    }
    let mut chains = vec![
        ("email.providers".to_string(), &config.email.providers),
        ("sms.providers".to_string(), &config.sms.providers),
    ];
    for (source, route) in &config.routes {
        if let Some(providers) = &route.providers {
            chains.push((format!("routes.{source}.providers"), providers));
        }
    }
    for (key, names) in chains {
        let reaches_nobody = |name: &String| {
            config
                .providers
                .get(name)
                .is_some_and(|p| !p.reaches_people())
        };
        if names.iter().any(reaches_nobody) {
            refused.push(Refusal::OutboxInChain {
                variable: variable(&key),
                names: names.join(", "),
                key,
            });
        }
    }
    refused.extend(demo_branding(config));
    refused
}

fn demo_branding(config: &Config) -> Vec<Refusal> {
    let demo = |key: &str, value: &str, what: &'static str| Refusal::DemoBranding {
        key: key.to_string(),
        value: value.to_string(),
        variable: variable(key),
        what,
    };
    let mut refused = Vec::new();
    if config.app.name == DEMO_NAME {
        refused.push(demo("app.name", &config.app.name, "product's name"));
    }
    let mut senders = vec![("email.from".to_string(), &config.email.from)];
    senders.extend(
        config
            .email
            .reply_to
            .iter()
            .map(|r| ("email.reply_to".to_string(), r)),
    );
    for (source, route) in &config.routes {
        senders.extend(
            route
                .from
                .iter()
                .map(|f| (format!("routes.{source}.from"), f)),
        );
    }
    refused.extend(
        senders
            .into_iter()
            .filter(|(_, value)| value.contains(DEMO_DOMAIN))
            .map(|(key, value)| demo(&key, value, "sender, e.g. `Acme <no-reply@acme.com>`")),
    );
    refused
}

/// The environment variable that sets `key`.
fn variable(key: &str) -> String {
    format!(
        "SWITCHBOARD_{}",
        key.to_ascii_uppercase().replace('.', "__")
    )
}
