//! Skips a provider that keeps failing, for a while: a circuit breaker per
//! provider, per process (one warm Lambda instance), shared by every chain the
//! provider is in.
//!
//! - **Closed** (normal): every attempt goes through. Temporary failures in a
//!   row are counted — timeouts, 5xx, connection errors, rate limits: what
//!   [`SendError::is_temporary`] says. Any other answer (a delivery, and also a
//!   rejection or an auth error, which prove the provider is up) resets the count.
//! - **Open**: after `threshold` failures in a row the provider is skipped for
//!   `cool_down`. A skipped attempt fails at once with [`ErrorKind::Skipped`],
//!   which [`super::Retry`] does not retry and [`super::Failover`] passes over to
//!   the next provider, so an event goes straight to the backup.
//! - **Probing** (half-open): the first attempt after the cool-down goes
//!   through; others are skipped while it runs. If it succeeds the provider is
//!   reinstated (closed); if it fails temporarily the circuit opens again for
//!   another cool-down. A probe that never reports back (its event was cut
//!   short) frees the circuit for a new probe after one cool-down.
//!
//! It sits inside the retry and outside the attempt timeout —
//! `Retry(Breaker(Timeout(provider)))` — so that it sees each attempt's timeout
//! as a failure, and a circuit that opens mid-event stops the retries. With
//! [`super::Strategy::RoundRobin`] a skipped provider's turn goes to the next in
//! the chain. The [`Observer`] hears of each opening, skip and reinstatement;
//! the function turns them into EMF metrics.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// When a provider is skipped, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Temporary failures in a row that open the circuit; 0 turns the breaker off.
    pub threshold: u32,
    /// How long an open circuit skips the provider before one attempt probes it.
    pub cool_down: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            threshold: 3,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// A change a breaker reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitEvent<'a> {
    /// `provider` failed `failures` times in a row: skipped for the cool-down.
    Opened {
        /// The provider's configured name.
        provider: &'a str,
        /// The failures in a row that opened it (1 after a failed probe).
        failures: u32,
    },
    /// An attempt at `provider` was skipped: its circuit is open.
    Skipped {
        /// The provider's configured name.
        provider: &'a str,
    },
    /// A probe of `provider` succeeded: it is tried again as usual.
    Reinstated {
        /// The provider's configured name.
        provider: &'a str,
    },
}

/// Hears every [`CircuitEvent`]; called outside any lock, on the sending task.
pub type Observer = Arc<dyn Fn(&CircuitEvent<'_>) + Send + Sync>;

/// The circuits of one process, one per provider name.
pub struct Breakers {
    policy: BreakerPolicy,
    observer: Option<Observer>,
    circuits: Mutex<HashMap<String, Arc<Circuit>>>,
}

impl fmt::Debug for Breakers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Breakers")
            .field("policy", &self.policy)
            .field("observed", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

impl Breakers {
    /// Circuits that follow `policy`.
    pub fn new(policy: BreakerPolicy) -> Self {
        Breakers {
            policy,
            observer: None,
            circuits: Mutex::new(HashMap::new()),
        }
    }

    /// Reports every opening, skip and reinstatement to `observer`.
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = Some(observer);
        self
    }

    /// `inner` behind the circuit of its provider (`inner.name()`), which every
    /// other sender of that provider wrapped here shares; `inner` itself when the
    /// breaker is off.
    pub fn wrap(&self, inner: Arc<dyn Sender>) -> Arc<dyn Sender> {
        if self.policy.threshold == 0 {
            return inner;
        }
        let circuit = Arc::clone(
            self.circuits
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(inner.name().to_string())
                .or_default(),
        );
        Arc::new(Breaker {
            inner,
            circuit,
            policy: self.policy,
            observer: self.observer.clone(),
        })
    }
}

/// One provider's state, behind a lock held only to read and change it.
#[derive(Debug, Default)]
struct Circuit {
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    Probing { since: Instant },
}

impl Default for State {
    fn default() -> Self {
        State::Closed { failures: 0 }
    }
}

/// What the circuit lets an attempt do.
enum Admission {
    Go { probe: bool },
    Skip { wait: Duration },
}

/// A provider behind its circuit (see the module documentation).
pub struct Breaker {
    inner: Arc<dyn Sender>,
    circuit: Arc<Circuit>,
    policy: BreakerPolicy,
    observer: Option<Observer>,
}

impl fmt::Debug for Breaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Breaker")
            .field("inner", &self.inner)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Breaker {
    fn admit(&self) -> Admission {
        let mut state = self
            .circuit
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match *state {
            State::Closed { .. } => Admission::Go { probe: false },
            State::Open { until } if now < until => Admission::Skip { wait: until - now },
            State::Probing { since } if now < since + self.policy.cool_down => Admission::Skip {
                wait: since + self.policy.cool_down - now,
            },
            // The cool-down is over, or the last probe never reported back.
            State::Open { .. } | State::Probing { .. } => {
                *state = State::Probing { since: now };
                Admission::Go { probe: true }
            }
        }
    }

    /// Records how the attempt went; the change to report, if any.
    fn record(&self, failed_temporarily: bool, probe: bool) -> Option<CircuitEvent<'_>> {
        let provider = self.inner.name();
        let mut state = self
            .circuit
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let open = State::Open {
            until: Instant::now() + self.policy.cool_down,
        };
        match (*state, failed_temporarily) {
            (State::Probing { .. }, false) if probe => {
                *state = State::Closed { failures: 0 };
                Some(CircuitEvent::Reinstated { provider })
            }
            (State::Probing { .. }, true) if probe => {
                *state = open;
                Some(CircuitEvent::Opened {
                    provider,
                    failures: 1,
                })
            }
            (State::Closed { failures }, true) => {
                let failures = failures.saturating_add(1);
                if failures >= self.policy.threshold {
                    *state = open;
                    Some(CircuitEvent::Opened { provider, failures })
                } else {
                    *state = State::Closed { failures };
                    None
                }
            }
            (State::Closed { .. }, false) => {
                *state = State::Closed { failures: 0 };
                None
            }
            // An attempt admitted before the circuit opened, ending after: the
            // circuit already knows.
            _ => None,
        }
    }

    fn report(&self, event: Option<CircuitEvent<'_>>) {
        let Some(event) = event else { return };
        match event {
            CircuitEvent::Opened { provider, failures } => tracing::warn!(
                provider,
                failures,
                cool_down_ms = u64::try_from(self.policy.cool_down.as_millis()).unwrap_or(u64::MAX),
                "circuit opened: the provider is skipped for the cool-down"
            ),
            CircuitEvent::Reinstated { provider } => {
                tracing::info!(
                    provider,
                    "circuit closed: the probe succeeded, provider reinstated"
                );
            }
            CircuitEvent::Skipped { provider } => {
                tracing::info!(provider, "provider skipped: its circuit is open");
            }
        }
        if let Some(observer) = &self.observer {
            observer(&event);
        }
    }
}

#[async_trait]
impl Sender for Breaker {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn channels(&self) -> &[Channel] {
        self.inner.channels()
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        match self.admit() {
            Admission::Skip { wait } => {
                self.report(Some(CircuitEvent::Skipped {
                    provider: self.name(),
                }));
                Err(SendError::new(
                    self.name(),
                    ErrorKind::Skipped,
                    format!(
                        "not tried: {} temporary failures in a row opened its circuit; one attempt probes it again in {} ms",
                        self.policy.threshold,
                        wait.as_millis()
                    ),
                ))
            }
            Admission::Go { probe } => {
                let result = self.inner.send(message).await;
                let failed_temporarily = result.as_ref().is_err_and(SendError::is_temporary);
                self.report(self.record(failed_temporarily, probe));
                result
            }
        }
    }
}
