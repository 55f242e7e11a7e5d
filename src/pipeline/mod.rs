//! Handling one event: parse → decrypt → route → render → send, once per event,
//! with everything built at cold start borrowed from the [`App`].

pub mod attributes;
pub mod compose;
pub mod custom_message;
pub mod guards;
mod limits;
pub mod metrics;
mod outcome;
pub mod recipient;

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use switchboard_providers::redaction::{redactor, SecretScope};
use switchboard_providers::{mask_recipient, Message};

pub use outcome::{HandleError, Outcome, OutcomeStatus};

use crate::cognito::decrypt::{unescape_cognito_html, DecryptError, Decryptor};
use crate::cognito::event::{self, CustomSenderEvent};
use crate::config::EmailVerification;
use crate::health::fleet::Fleet;
use crate::logging;
use crate::route::{Route, RouteTable};
use crate::sms::countries::Region;
use crate::sms::phone::E164;
use compose::Composer;
use guards::idempotency::{self, Claim};
use guards::sms_limit::Verdict;
use guards::Guards;
use recipient::Recipients;

/// Everything built once per cold start and shared by every invocation.
#[derive(Debug)]
pub struct App {
    pub(crate) decryptor: Arc<dyn Decryptor>,
    pub(crate) routes: RouteTable,
    pub(crate) composer: Composer,
    pub(crate) recipients: Recipients,
    pub(crate) guards: Guards,
    /// The time one event's delivery may take.
    pub(crate) budget: Duration,
    /// How long before the invocation's deadline delivery ends.
    pub(crate) deadline_margin: Duration,
    pub(crate) emit_metrics: bool,
    /// How the pool confirms email addresses (CustomMessage sign-up mails).
    pub(crate) email_verification: EmailVerification,
    /// The fleet's provider health, when `[health] table` is set.
    pub(crate) fleet: Option<Arc<Fleet>>,
}

/// What the function answers to one payload.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Answer {
    /// A custom sender event was handled (Cognito ignores the answer).
    Handled(Outcome),
    /// A CustomMessage event, with `response` filled in for Cognito.
    CustomMessage(serde_json::Value),
}

impl App {
    /// The resolved routes, for `check-config`.
    pub fn routes(&self) -> &RouteTable {
        &self.routes
    }

    /// The templates and branding, for `render` and `send-test`.
    pub fn composer(&self) -> &Composer {
        &self.composer
    }

    /// Handles any payload this function is attached for: a custom sender event,
    /// or a CustomMessage event. Delivery ends by `deadline` (the invocation's)
    /// or the configured budget, whichever comes first.
    pub async fn handle_payload(
        &self,
        payload: serde_json::Value,
        deadline: Option<Instant>,
    ) -> Result<Answer, HandleError> {
        let trigger = payload
            .get("triggerSource")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        if trigger.starts_with(custom_message::PREFIX) {
            return self
                .handle_custom_message(payload)
                .map(Answer::CustomMessage);
        }
        let event = event::from_value(payload)?;
        self.handle_until(event, deadline)
            .await
            .map(Answer::Handled)
    }

    /// Answers a CustomMessage event: the event with `response` filled in.
    pub fn handle_custom_message(
        &self,
        payload: serde_json::Value,
    ) -> Result<serde_json::Value, HandleError> {
        custom_message::answer(
            &self.routes,
            &self.composer,
            self.email_verification,
            payload,
        )
    }

    /// Handles one parsed event within the configured budget (CLI, tests).
    pub async fn handle(&self, event: CustomSenderEvent) -> Result<Outcome, HandleError> {
        self.handle_until(event, None).await
    }

    /// Handles one parsed event; delivery ends by `deadline` or the budget,
    /// whichever comes first. Logs one line with the outcome (never the code;
    /// the recipient masked) and, inside Lambda, one metrics line.
    pub async fn handle_until(
        &self,
        event: CustomSenderEvent,
        deadline: Option<Instant>,
    ) -> Result<Outcome, HandleError> {
        let started = Instant::now();
        let end = started
            .checked_add(self.budget)
            .map_or(deadline, |budget_end| {
                Some(deadline.map_or(budget_end, |d| d.min(budget_end)))
            });
        let trigger_source = event.trigger_source.to_string();
        if let Some(fleet) = &self.fleet {
            fleet.refresh(end).await;
        }
        // The code is removed, by value, from everything printed while it lives.
        let mut secrets = redactor().scope();
        let result = self.deliver(event, end, &mut secrets).await;
        if let Some(fleet) = &self.fleet {
            let delivered = result
                .as_ref()
                .ok()
                .filter(|outcome| outcome.status == OutcomeStatus::Delivered)
                .map(|outcome| (outcome.provider.as_str(), outcome.channel));
            fleet.after(delivered, self.bookkeeping_deadline(end)).await;
        }
        let latency = started.elapsed();
        if self.emit_metrics {
            if let Some(line) = metrics::emf_line(&trigger_source, &result, latency) {
                println!("{}", logging::outgoing_json(line));
            }
        }
        outcome::log(&trigger_source, &result, latency);
        result
    }

    async fn deliver(
        &self,
        event: CustomSenderEvent,
        deadline: Option<Instant>,
        secrets: &mut SecretScope,
    ) -> Result<Outcome, HandleError> {
        let channel = event
            .channel()
            .ok_or_else(|| HandleError::UnknownChannel(event.trigger_source.to_string()))?;
        let route = self.routes.get(&event.trigger_source, channel);
        let skipped = |status, message_id| {
            Outcome::skipped(
                event.trigger_source.to_string(),
                channel,
                status,
                message_id,
            )
        };
        if !route.enabled {
            return Ok(skipped(OutcomeStatus::Disabled, String::new()));
        }
        let remaining = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .unwrap_or(self.budget)
            .saturating_add(self.deadline_margin);
        let after_send = self.bookkeeping_deadline(deadline);
        let claimed = match (&self.guards.idempotency, idempotency::key_for(&event)) {
            (Some(guard), Some(key)) => match guard
                .claim(&key, remaining, deadline)
                .await
                .map_err(HandleError::Idempotency)?
            {
                Claim::Proceed(claim) => Some((guard, claim)),
                Claim::AlreadyDelivered(message_id) => {
                    return Ok(skipped(OutcomeStatus::Duplicate, message_id))
                }
                Claim::InProgress => return Err(HandleError::InProgress),
                Claim::Unclaimed => None,
            },
            _ => None,
        };
        let result = self
            .send(&event, route, deadline, after_send, secrets)
            .await;
        if let Some((guard, claim)) = claimed {
            match &result {
                Ok(outcome) => {
                    guard
                        .complete(&claim, &outcome.provider, &outcome.message_id, after_send)
                        .await
                }
                Err(_) => guard.release(&claim, after_send).await,
            }
        }
        result
    }

    /// When the writes after the send (complete, release, give-back) must be
    /// over: half the margin past the delivery's end, the other half left to
    /// answer Lambda. Without an invocation deadline, none (their own timeouts).
    fn bookkeeping_deadline(&self, deadline: Option<Instant>) -> Option<Instant> {
        deadline.map(|d| d + self.deadline_margin / 2)
    }

    async fn send(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        deadline: Option<Instant>,
        after_send: Option<Instant>,
        secrets: &mut SecretScope,
    ) -> Result<Outcome, HandleError> {
        let code = self.decrypt_code(event, deadline, secrets).await?;
        let to = self.recipients.find(event, route, deadline).await?;
        let mut message =
            self.composer
                .compose(event, route, code.as_ref(), to.address().to_string())?;
        set_deadline(&mut message, deadline);
        let reservation = match limits::reserve(&self.guards, event, &to, deadline).await? {
            Verdict::Allowed(reservation) => Some(reservation),
            Verdict::Limited(limit) => {
                let mut outcome = limits::limited(event, route, &message, &limit);
                outcome.region = to.phone().map(region_of);
                return Ok(outcome);
            }
            Verdict::Uncounted => None,
        };
        let delivery = match route.sender.send(&message).await {
            Ok(delivery) => delivery,
            Err(error) => {
                if let Some(reservation) = reservation {
                    limits::give_back(&self.guards, &to, reservation, after_send).await;
                }
                return Err(error.into());
            }
        };
        let failed_over = delivery
            .attempts
            .iter()
            .any(|a| a.provider != delivery.provider);
        Ok(Outcome {
            trigger_source: event.trigger_source.to_string(),
            channel: route.channel,
            provider: delivery.provider,
            message_id: delivery.message_id,
            recipient: mask_recipient(message.recipient()),
            failed_over,
            attempts: delivery.attempts.len().max(1),
            status: OutcomeStatus::Delivered,
            region: to.phone().map(region_of),
        })
    }

    /// The plaintext code, added to the event's `secrets`; the KMS call ends by
    /// `deadline` (the keyring's client has its own timeouts too).
    async fn decrypt_code(
        &self,
        event: &CustomSenderEvent,
        deadline: Option<Instant>,
        secrets: &mut SecretScope,
    ) -> Result<Option<SecretString>, HandleError> {
        let Some(ciphertext) = event.code() else {
            if event.trigger_source.requires_code() {
                return Err(HandleError::MissingCode(event.trigger_source.to_string()));
            }
            return Ok(None);
        };
        let code = match deadline {
            // The Encryption SDK blocks its thread while KMS answers, so a
            // timeout around it here could not fire: it runs as its own task,
            // and the event stops waiting for it at the deadline.
            Some(deadline) => {
                let decryptor = Arc::clone(&self.decryptor);
                let (ciphertext, pool) = (ciphertext.to_string(), event.user_pool_id.clone());
                let task = tokio::spawn(async move { decryptor.decrypt(&ciphertext, &pool).await });
                // At least the shortest call: a local key answers at once even
                // for an event whose deadline has passed.
                let until = deadline.max(Instant::now() + crate::aws::MIN_CALL);
                match tokio::time::timeout_at(until.into(), task).await {
                    Ok(Ok(decrypted)) => decrypted?,
                    Ok(Err(panicked)) => {
                        return Err(DecryptError::Setup(format!(
                            "the decryption task failed: {panicked}"
                        ))
                        .into())
                    }
                    Err(_) => {
                        return Err(DecryptError::Kms {
                            detail: "no answer before the event's deadline".into(),
                            temporary: true,
                        }
                        .into())
                    }
                }
            }
            None => {
                self.decryptor
                    .decrypt(ciphertext, &event.user_pool_id)
                    .await?
            }
        };
        if event.trigger_source.code_is_temporary_password() {
            let password = unescape_cognito_html(code.expose_secret());
            secrets.add_all(&[code.expose_secret(), &password]);
            return Ok(Some(SecretString::from(password)));
        }
        secrets.add(code.expose_secret());
        Ok(Some(code))
    }
}

/// A number's region as metrics and outcomes name it (`001` for none).
fn region_of(number: &E164) -> String {
    number
        .region()
        .unwrap_or(Region::NON_GEOGRAPHIC)
        .to_string()
}

fn set_deadline(message: &mut Message, deadline: Option<Instant>) {
    match message {
        Message::Email(email) => email.context.deadline = deadline,
        Message::Sms(sms) => sms.context.deadline = deadline,
    }
}
