//! The fleet's standing of each provider, as this environment last read it:
//! a demoted provider — by an operator, by another environment's open
//! breaker, or by its receipts — is tried last in every chain it is in, never
//! removed (the last resort still sends), except by a probe share of events
//! that still try it first, so that it can show it recovered. The function
//! refreshes it between events; the failover reads it per event.

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};

use crate::{Channel, Sender};

/// Which providers are demoted on which channel, and how many events still
/// probe them.
#[derive(Debug, Default)]
pub struct Standing {
    demoted: RwLock<HashSet<(String, Channel)>>,
    probe_share: f64,
}

impl Standing {
    /// No provider demoted; `probe_share` (0 to 1) of events keep a demoted
    /// provider in its place.
    pub fn new(probe_share: f64) -> Arc<Standing> {
        Arc::new(Standing {
            demoted: RwLock::default(),
            probe_share: probe_share.clamp(0.0, 1.0),
        })
    }

    /// Replaces the demoted providers with `demoted` (provider, channel).
    pub fn set(&self, demoted: HashSet<(String, Channel)>) {
        *self.demoted.write().unwrap_or_else(PoisonError::into_inner) = demoted;
    }

    /// Whether `provider` is demoted on `channel`.
    pub fn is_demoted(&self, provider: &str, channel: Channel) -> bool {
        self.demoted
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(provider.to_string(), channel))
    }

    /// `members` for one event on `channel`: the demoted ones moved behind the
    /// others, each part in its order — unless this event is one of the probe share.
    pub fn order<'a>(
        &self,
        members: Vec<&'a Arc<dyn Sender>>,
        channel: Channel,
    ) -> Vec<&'a Arc<dyn Sender>> {
        let demoted = self.demoted.read().unwrap_or_else(PoisonError::into_inner);
        let is_demoted =
            |member: &&Arc<dyn Sender>| demoted.contains(&(member.name().to_string(), channel));
        if !members.iter().any(is_demoted) {
            return members;
        }
        if fastrand::f64() < self.probe_share {
            return members;
        }
        let (last, mut first): (Vec<_>, Vec<_>) = members.into_iter().partition(is_demoted);
        first.extend(last);
        first
    }
}
