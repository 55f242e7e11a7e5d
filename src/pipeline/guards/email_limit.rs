//! The email bombing guard, the SMS pumping guard's twin: at most
//! `per_recipient` messages to one address per window, for the trigger sources
//! anyone can set off for any address (sign-up, resend, forgot-password by
//! default). Signing the same victim address up again and again makes a new
//! user each time, so Cognito's per-user limits never apply; this counts by
//! the address. Counted in DynamoDB by [`super::counter`], as the SMS limits
//! are (conditional increments, retry-safe).
//!
//! The address is counted in its mailbox's form (`counting_form`): case, a
//! `+tag` and — where the provider ignores them — dots do not make another
//! mailbox; the mail still goes to the address as written. Only an HMAC-SHA256
//! of that form is stored (under `email.limits.recipient_key`; SHA-256
//! without one). A pool-wide volume is never a limit here: one an attacker can
//! trip for everyone would cut every user off their codes (alarm on the
//! `Delivered` metric instead).

use std::time::{Duration, Instant};

use super::counter::{Counter, CounterTable, Window};
pub use super::counter::{Reservation, Verdict};
use super::{OnStoreError, StoreError};
use crate::cognito::event::TriggerSource;
use crate::store::recipients::{counting_form, stored_key};

/// The guard; built once per cold start.
#[derive(Debug, Clone)]
pub struct EmailLimiter {
    counts: CounterTable,
    per_recipient: u32,
    window: Duration,
    recipient_key: Option<aws_lc_rs::hmac::Key>,
    sources: Vec<TriggerSource>,
}

/// The settings of an [`EmailLimiter`] besides its client and table.
#[derive(Debug, Clone)]
pub struct EmailLimits {
    /// Messages per address per window.
    pub per_recipient: u32,
    /// The window.
    pub window: Duration,
    /// The trigger sources counted.
    pub sources: Vec<TriggerSource>,
    /// The HMAC key addresses are stored under; `None`: plain SHA-256.
    pub recipient_key: Option<Vec<u8>>,
    /// What a failing table means.
    pub on_store_error: OnStoreError,
}

impl EmailLimiter {
    /// A guard counting in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, limits: EmailLimits) -> Self {
        EmailLimiter {
            counts: CounterTable::new(client, table, "email limit", limits.on_store_error),
            per_recipient: limits.per_recipient,
            window: limits.window.max(Duration::from_secs(1)),
            recipient_key: limits
                .recipient_key
                .map(|key| aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key)),
            sources: limits.sources,
        }
    }

    /// Whether messages of `source` are counted.
    pub fn watches(&self, source: &TriggerSource) -> bool {
        self.sources.contains(source)
    }

    /// Takes one message from `address`'s count, or says it is used up;
    /// `token` is the event's. Every call ends by `deadline`.
    pub async fn reserve(
        &self,
        address: &str,
        token: &str,
        deadline: Option<Instant>,
    ) -> Result<Verdict, StoreError> {
        let window = Window::now(self.window);
        let counter = Counter {
            keys: vec![format!(
                "email-limit#recipient#{}#{}",
                stored_key(self.recipient_key.as_ref(), &counting_form(address)),
                window.start
            )],
            limit_per_item: self.per_recipient,
            limit: self.per_recipient,
            setting: "email.limits.per_recipient".into(),
        };
        self.counts
            .reserve(vec![counter], token, window, deadline)
            .await
    }

    /// Returns a reservation's count after nothing was sent.
    pub async fn give_back(&self, reservation: Reservation, deadline: Option<Instant>) {
        self.counts.give_back(reservation, deadline).await;
    }
}
