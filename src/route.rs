//! Which provider chain, template and sender identity each trigger source uses.
//! Built and validated once at cold start; looking a route up is a map read.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use std::time::Duration;

use switchboard_providers::{Channel, Failover, Retry, RetryPolicy, Sender, Strategy, Timeout};

use crate::config::{Config, DeliveryConfig, RouteConfig, StrategyConfig};
use crate::event::TriggerSource;
use crate::phone::CountryFilter;
use crate::registry::Registry;
use crate::startup::StartupError;

/// How one trigger source is delivered.
#[derive(Clone)]
pub struct Route {
    /// Email or SMS.
    pub channel: Channel,
    /// The provider chain, as one sender.
    pub sender: Arc<dyn Sender>,
    /// Names of the providers in the chain, in order.
    pub provider_names: Vec<String>,
    /// Template name.
    pub template: String,
    /// Email sender mailbox.
    pub from: String,
    /// Email reply-to.
    pub reply_to: Option<String>,
    /// SMS sender ID.
    pub sender_id: Option<String>,
    /// Provider-side template IDs by provider name.
    pub esp_templates: BTreeMap<String, String>,
    /// Most SMS segments a message may cost.
    pub max_segments: usize,
    /// Which destination countries SMS may go to.
    pub countries: CountryFilter,
    /// `false`: dropped on purpose by configuration.
    pub enabled: bool,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("channel", &self.channel)
            .field("providers", &self.provider_names)
            .field("template", &self.template)
            .field("from", &self.from)
            .field("reply_to", &self.reply_to)
            .field("sender_id", &self.sender_id)
            .field("esp_templates", &self.esp_templates)
            .field("max_segments", &self.max_segments)
            .field("countries", &self.countries)
            .finish()
    }
}

/// Routes for every known trigger source, plus a default per channel for the rest.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: HashMap<TriggerSource, Route>,
    email_default: Route,
    sms_default: Route,
}

impl RouteTable {
    /// Builds and validates the table from configuration and the built providers.
    pub fn build(config: &Config, registry: &Registry) -> Result<Self, StartupError> {
        let overrides = route_overrides(config)?;
        let mut routes = HashMap::new();
        for source in TriggerSource::all_known() {
            let route = build_route(config, registry, &source, overrides.get(&source))?;
            routes.insert(source, route);
        }
        // Configured routes for sources this version does not know yet.
        for (source, override_) in &overrides {
            if let TriggerSource::Unknown(_) = source {
                routes.insert(
                    source.clone(),
                    build_route(config, registry, source, Some(override_))?,
                );
            }
        }
        let fallback = |channel| {
            let source = TriggerSource::Unknown(format!("default {channel}"));
            build_route_for(config, registry, &source, channel, None)
        };
        Ok(RouteTable {
            routes,
            email_default: fallback(Channel::Email)?,
            sms_default: fallback(Channel::Sms)?,
        })
    }

    /// The route for `source`; an unknown source gets its channel's default.
    pub fn get(&self, source: &TriggerSource, channel: Channel) -> &Route {
        self.routes.get(source).unwrap_or(match channel {
            Channel::Email => &self.email_default,
            Channel::Sms => &self.sms_default,
        })
    }

    /// Every route, known sources first, in a stable order (for `check-config`).
    pub fn iter(&self) -> impl Iterator<Item = (String, &Route)> {
        let mut all: Vec<(String, &Route)> = self
            .routes
            .iter()
            .map(|(s, r)| (s.to_string(), r))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all.push(("(other email sources)".into(), &self.email_default));
        all.push(("(other SMS sources)".into(), &self.sms_default));
        all.into_iter()
    }
}

/// `Retry(Timeout(provider))`: each attempt bounded, retries bounded in number and time.
fn with_retry(sender: Arc<dyn Sender>, delivery: &DeliveryConfig) -> Arc<dyn Sender> {
    let timed = Arc::new(Timeout::new(
        sender,
        Duration::from_millis(delivery.attempt_timeout_ms),
    ));
    Arc::new(Retry::new(
        timed,
        RetryPolicy {
            max_attempts: delivery.max_attempts.max(1),
            base_delay: Duration::from_millis(delivery.base_delay_ms),
            max_delay: Duration::from_millis(delivery.max_delay_ms),
            budget: Duration::from_millis(delivery.budget_ms),
        },
    ))
}

fn route_overrides(config: &Config) -> Result<HashMap<TriggerSource, RouteConfig>, StartupError> {
    let mut overrides = HashMap::new();
    for (key, route) in &config.routes {
        let source = TriggerSource::parse_ignore_case(key);
        if source.channel().is_none() {
            let known: Vec<String> = TriggerSource::all_known().map(|s| s.to_string()).collect();
            return Err(StartupError::Config(format!(
                "[routes.{key}]: `{key}` is not a custom sender trigger source; expected one of {}",
                known.join(", ")
            )));
        }
        if overrides.insert(source.clone(), route.clone()).is_some() {
            return Err(StartupError::Config(format!(
                "[routes.{key}] is configured twice (names are case-insensitive)"
            )));
        }
    }
    Ok(overrides)
}

fn build_route(
    config: &Config,
    registry: &Registry,
    source: &TriggerSource,
    override_: Option<&RouteConfig>,
) -> Result<Route, StartupError> {
    let channel = source.channel().ok_or_else(|| {
        StartupError::Config(format!(
            "cannot tell whether {source} is an email or an SMS source"
        ))
    })?;
    build_route_for(config, registry, source, channel, override_)
}

fn build_route_for(
    config: &Config,
    registry: &Registry,
    source: &TriggerSource,
    channel: Channel,
    override_: Option<&RouteConfig>,
) -> Result<Route, StartupError> {
    let (default_chain, chain_key) = match channel {
        Channel::Email => (&config.email.providers, "email.providers"),
        Channel::Sms => (&config.sms.providers, "sms.providers"),
    };
    let (names, key) = match override_.and_then(|o| o.providers.as_ref()) {
        Some(names) => (names, format!("routes.{source}.providers")),
        None => (default_chain, chain_key.to_string()),
    };
    if names.is_empty() {
        return Err(StartupError::Config(format!(
            "`{key}` is empty: {source} needs at least one provider that supports {channel}"
        )));
    }
    let mut chain = Vec::with_capacity(names.len());
    for name in names {
        let sender = registry.get(name).ok_or_else(|| {
            let available: Vec<&str> = registry.keys().map(String::as_str).collect();
            StartupError::Config(format!(
                "`{key}` names provider `{name}`, which is not configured; configured providers: {} (add a [providers.{name}] section with a `type`)",
                if available.is_empty() { "none".to_string() } else { available.join(", ") }
            ))
        })?;
        if !sender.channels().contains(&channel) {
            return Err(StartupError::Config(format!(
                "`{key}` names provider `{name}`, which cannot send {channel}"
            )));
        }
        chain.push(with_retry(Arc::clone(sender), &config.delivery));
    }
    let strategy = match override_.and_then(|o| o.strategy) {
        Some(StrategyConfig::RoundRobin) => Strategy::RoundRobin,
        Some(StrategyConfig::Failover) | None => Strategy::Failover,
    };
    let sender: Arc<dyn Sender> = if chain.len() == 1 {
        chain.remove(0)
    } else {
        Arc::new(Failover::new(names.join(">"), chain).with_strategy(strategy))
    };
    let esp_templates = override_
        .map(|o| o.esp_templates.clone())
        .unwrap_or_default();
    if let Some(stranger) = esp_templates.keys().find(|name| !names.contains(name)) {
        return Err(StartupError::Config(format!(
            "`routes.{source}.esp_templates` names provider `{stranger}`, which is not in this route's chain [{}]",
            names.join(", ")
        )));
    }
    let pick = |field: Option<&Option<String>>| {
        field
            .and_then(|v| v.clone())
            .filter(|v| !v.trim().is_empty())
    };
    Ok(Route {
        channel,
        sender,
        provider_names: names.clone(),
        template: pick(override_.map(|o| &o.template))
            .unwrap_or_else(|| source.template().to_string()),
        from: pick(override_.map(|o| &o.from)).unwrap_or_else(|| config.email.from.clone()),
        reply_to: pick(override_.map(|o| &o.reply_to)).or_else(|| config.email.reply_to.clone()),
        sender_id: pick(override_.map(|o| &o.sender_id)).or_else(|| config.sms.sender_id.clone()),
        esp_templates,
        enabled: override_.and_then(|o| o.enabled).unwrap_or(true),
        max_segments: override_
            .and_then(|o| o.max_segments)
            .unwrap_or(config.sms.max_segments),
        countries: CountryFilter {
            allowed: override_
                .and_then(|o| o.allowed_countries.clone())
                .unwrap_or_else(|| config.sms.allowed_countries.clone()),
            denied: override_
                .and_then(|o| o.denied_countries.clone())
                .unwrap_or_else(|| config.sms.denied_countries.clone()),
        },
    })
}
