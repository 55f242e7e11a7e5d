//! Builds the [`RouteTable`]: for every trigger source, its chain of built
//! providers (each wrapped as `Retry(Breaker(Timeout(provider)))`, one circuit
//! per provider for every route), template, sender identity and SMS limits, from
//! `[email]`, `[sms]` and `[routes.X]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use switchboard_providers::layer::{
    self, BreakerPolicy, Breakers, Observer, Policy, RetryPolicy, Standing, Strategy,
};
use switchboard_providers::{Channel, Sender};

use super::error::StartupError;
use super::senders::Senders;
use crate::cognito::event::TriggerSource;
use crate::config::{Config, DeliveryConfig, RouteConfig, StrategyConfig};
use crate::route::{Route, RouteTable};
use crate::sms::countries::CountryFilter;

/// Builds and validates the table from configuration and the built providers;
/// `observer` hears every circuit breaker's changes, and each chain tries last
/// the providers `standing` (the fleet's health) demotes.
pub fn build(
    config: &Config,
    registry: &Senders,
    observer: Option<Observer>,
    standing: Option<&Arc<Standing>>,
) -> Result<RouteTable, StartupError> {
    let overrides = overrides(config)?;
    let mut breakers = Breakers::new(breaker_policy(&config.delivery));
    if let Some(observer) = observer {
        breakers = breakers.with_observer(observer);
    }
    let builder = RouteBuilder {
        config,
        registry,
        policy: policy(&config.delivery),
        breakers,
        standing: standing.cloned(),
    };
    let mut routes = HashMap::new();
    for source in TriggerSource::all_known() {
        let route = builder.build(
            &source,
            source_channel(&source)?,
            overrides.get(&source).copied(),
        )?;
        routes.insert(source, route);
    }
    // Configured routes for sources this version does not know yet.
    for (source, route) in &overrides {
        if let TriggerSource::Unknown(_) = source {
            routes.insert(
                source.clone(),
                builder.build(source, source_channel(source)?, Some(route))?,
            );
        }
    }
    let default_for = |channel| {
        let source = TriggerSource::Unknown(format!("default {channel}"));
        builder.build(&source, channel, None)
    };
    Ok(RouteTable::new(
        routes,
        default_for(Channel::Email)?,
        default_for(Channel::Sms)?,
    ))
}

/// `[delivery]` as the layers' policy.
fn policy(delivery: &DeliveryConfig) -> Policy {
    Policy {
        retry: RetryPolicy {
            max_attempts: delivery.max_attempts.max(1),
            base_delay: Duration::from_millis(delivery.base_delay_ms),
            max_delay: Duration::from_millis(delivery.max_delay_ms),
            min_attempt: Duration::from_millis(delivery.min_attempt_ms),
        },
        attempt_timeout: Duration::from_millis(delivery.attempt_timeout_ms),
    }
}

/// `[delivery.breaker]` as the layers' breaker policy.
fn breaker_policy(delivery: &DeliveryConfig) -> BreakerPolicy {
    BreakerPolicy {
        threshold: delivery.breaker.threshold,
        cool_down: Duration::from_millis(delivery.breaker.cool_down_ms),
    }
}

fn source_channel(source: &TriggerSource) -> Result<Channel, StartupError> {
    source
        .channel()
        .ok_or_else(|| StartupError::UnknownTriggerSource {
            key: source.to_string(),
            known: known_sources(),
        })
}

fn known_sources() -> String {
    TriggerSource::all_known()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `[routes.X]` by trigger source; keys are case-insensitive.
fn overrides(config: &Config) -> Result<HashMap<TriggerSource, &RouteConfig>, StartupError> {
    let mut overrides = HashMap::new();
    for (key, route) in &config.routes {
        let source = TriggerSource::parse_ignore_case(key);
        if source.channel().is_none() {
            return Err(StartupError::UnknownTriggerSource {
                key: key.clone(),
                known: known_sources(),
            });
        }
        if overrides.insert(source, route).is_some() {
            return Err(StartupError::DuplicateRoute { key: key.clone() });
        }
    }
    Ok(overrides)
}

struct RouteBuilder<'a> {
    config: &'a Config,
    registry: &'a Senders,
    policy: Policy,
    breakers: Breakers,
    standing: Option<Arc<Standing>>,
}

impl RouteBuilder<'_> {
    fn build(
        &self,
        source: &TriggerSource,
        channel: Channel,
        route: Option<&RouteConfig>,
    ) -> Result<Route, StartupError> {
        let (names, key) = self.chain(source, channel, route);
        let sender = self.sender(source, channel, names, &key, route)?;
        let esp_templates = route.map(|r| r.esp_templates.clone()).unwrap_or_default();
        if let Some(name) = esp_templates.keys().find(|name| !names.contains(name)) {
            return Err(StartupError::EspTemplateOutsideChain {
                trigger: source.to_string(),
                name: name.clone(),
                chain: names.join(", "),
            });
        }
        let (email, sms) = (&self.config.email, &self.config.sms);
        let pick = |value: Option<&Option<String>>| value.and_then(Clone::clone);
        Ok(Route {
            channel,
            sender,
            provider_names: names.to_vec(),
            template: pick(route.map(|r| &r.template))
                .unwrap_or_else(|| source.template().to_string()),
            from: pick(route.map(|r| &r.from)).unwrap_or_else(|| email.from.clone()),
            reply_to: pick(route.map(|r| &r.reply_to)).or_else(|| email.reply_to.clone()),
            sender_id: pick(route.map(|r| &r.sender_id)),
            default_sender_id: sms.sender_id.clone(),
            esp_templates,
            enabled: route.and_then(|r| r.enabled).unwrap_or(true),
            max_segments: route
                .and_then(|r| r.max_segments)
                .unwrap_or(sms.max_segments),
            validity: validity(source, route, sms.validity_seconds),
            countries: self.countries(source, route),
        })
    }

    /// The route's own chain, else its channel's; with the key it comes from.
    fn chain<'r>(
        &'r self,
        source: &TriggerSource,
        channel: Channel,
        route: Option<&'r RouteConfig>,
    ) -> (&'r [String], String) {
        match route.and_then(|r| r.providers.as_deref()) {
            Some(names) => (names, format!("routes.{source}.providers")),
            None => match channel {
                Channel::Email => (&self.config.email.providers, "email.providers".into()),
                Channel::Sms => (&self.config.sms.providers, "sms.providers".into()),
            },
        }
    }

    /// `Failover([Retry(Breaker(Timeout(p))), …])`, or the one wrapped provider.
    fn sender(
        &self,
        source: &TriggerSource,
        channel: Channel,
        names: &[String],
        key: &str,
        route: Option<&RouteConfig>,
    ) -> Result<Arc<dyn Sender>, StartupError> {
        if names.is_empty() {
            return Err(StartupError::EmptyChain {
                key: key.to_string(),
                trigger: source.to_string(),
                channel,
            });
        }
        let mut chain = Vec::with_capacity(names.len());
        for name in names {
            let sender = self
                .registry
                .get(name)
                .ok_or_else(|| StartupError::UnknownProvider {
                    key: key.to_string(),
                    name: name.clone(),
                    available: self.available(),
                })?;
            if !sender.channels().contains(&channel) {
                return Err(StartupError::WrongChannel {
                    key: key.to_string(),
                    name: name.clone(),
                    channel,
                });
            }
            chain.push(Arc::clone(sender));
        }
        let strategy = match route.and_then(|r| r.strategy) {
            Some(StrategyConfig::RoundRobin) => Strategy::RoundRobin,
            Some(StrategyConfig::Failover) | None => Strategy::Failover,
        };
        Ok(layer::chain(
            chain,
            &self.policy,
            strategy,
            &self.breakers,
            self.standing.as_ref(),
        ))
    }

    fn available(&self) -> String {
        if self.registry.is_empty() {
            return "none".into();
        }
        let names: Vec<&str> = self.registry.keys().map(String::as_str).collect();
        names.join(", ")
    }

    /// The route's country lists where it sets them, else the channel's.
    fn countries(&self, source: &TriggerSource, route: Option<&RouteConfig>) -> CountryFilter {
        let sms = &self.config.sms;
        let (allowed, allowed_key) = match route.and_then(|r| r.allowed_countries.clone()) {
            Some(list) => (list, format!("routes.{source}.allowed_countries")),
            None => (
                sms.allowed_countries.clone(),
                "sms.allowed_countries".into(),
            ),
        };
        let (denied, denied_key) = match route.and_then(|r| r.denied_countries.clone()) {
            Some(list) => (list, format!("routes.{source}.denied_countries")),
            None => (sms.denied_countries.clone(), "sms.denied_countries".into()),
        };
        CountryFilter::new(
            &allowed,
            allowed_key,
            &denied,
            denied_key,
            sms.allowed_number_types.clone(),
        )
    }
}

/// The route's `validity_seconds`, else the channel's, else the code's own
/// lifetime; 0 leaves it to the provider.
fn validity(
    source: &TriggerSource,
    route: Option<&RouteConfig>,
    channel: Option<u64>,
) -> Option<std::time::Duration> {
    match route.and_then(|r| r.validity_seconds).or(channel) {
        Some(0) => None,
        Some(seconds) => Some(std::time::Duration::from_secs(seconds)),
        None => source.code_lifetime(),
    }
}
