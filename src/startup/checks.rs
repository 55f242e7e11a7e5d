//! What start-up refuses: settings that contradict each other, templates that do
//! not render or cost too many SMS segments, and — inside Lambda — setups that
//! would lose codes.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use switchboard_providers::Channel;

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

/// Inside Lambda, a development setup is a misconfigured deploy: fail the init
/// loudly instead of decrypting with a public key or writing codes to /tmp.
pub fn lambda_only(
    config: &Config,
    runtime: Runtime,
    force_insecure_dev_key: bool,
) -> Result<(), StartupError> {
    if runtime != Runtime::Lambda {
        return Ok(());
    }
    if force_insecure_dev_key || config.decrypt.effective_mode() == DecryptMode::InsecureDev {
        return Err(StartupError::Refused(Refusal::DevelopmentKey));
    }
    let outbox_only = |names: &[String]| {
        names
            .iter()
            .all(|name| config.providers.get(name).is_some_and(|p| p.is_outbox()))
    };
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
        if !names.is_empty() && outbox_only(names) {
            return Err(StartupError::Refused(Refusal::OutboxOnly {
                variable: format!(
                    "SWITCHBOARD_{}",
                    key.to_ascii_uppercase().replace('.', "__")
                ),
                names: names.join(", "),
                key,
            }));
        }
    }
    Ok(())
}
