//! Which provider chain, template and sender identity each trigger source uses:
//! plain data, built and validated once by `startup::route_table`, read by the pipeline.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use switchboard_providers::{Channel, Sender};

use crate::cognito::event::TriggerSource;
use crate::sms::countries::CountryFilter;

/// How one trigger source is delivered.
#[derive(Clone)]
pub struct Route {
    /// Email or SMS.
    pub channel: Channel,
    /// The provider chain, as one sender (its layers as `layer::chain` composes them).
    pub sender: Arc<dyn Sender>,
    /// Names of the providers in the chain, in order.
    pub provider_names: Vec<String>,
    /// Template name.
    pub template: String,
    /// Email sender mailbox.
    pub from: String,
    /// Email reply-to.
    pub reply_to: Option<String>,
    /// SMS sender ID of this route (`[routes.X] sender_id`): replaces a
    /// provider's own.
    pub sender_id: Option<String>,
    /// The channel's default SMS sender (`[sms] sender_id`): only for a provider
    /// without its own.
    pub default_sender_id: Option<String>,
    /// Provider-side template IDs by provider name.
    pub esp_templates: BTreeMap<String, String>,
    /// Most SMS segments a message may cost.
    pub max_segments: usize,
    /// How long an SMS may wait undelivered before its provider drops it.
    pub validity: Option<std::time::Duration>,
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
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
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
    /// A table of `routes`, with a default route per channel for other sources.
    pub fn new(
        routes: HashMap<TriggerSource, Route>,
        email_default: Route,
        sms_default: Route,
    ) -> Self {
        RouteTable {
            routes,
            email_default,
            sms_default,
        }
    }

    /// The route for `source`; an unknown source gets its channel's default.
    pub fn get(&self, source: &TriggerSource, channel: Channel) -> &Route {
        self.routes.get(source).unwrap_or(match channel {
            Channel::Email => &self.email_default,
            Channel::Sms => &self.sms_default,
        })
    }

    /// Every route, sorted by source name, then the two defaults (for `check-config`).
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
