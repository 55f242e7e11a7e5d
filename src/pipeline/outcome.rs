//! What handling an event produced: an [`Outcome`], or the [`HandleError`] that
//! Lambda receives as the invocation error (and then retries or dead-letters).

use std::time::Duration;

use serde::Serialize;
use switchboard_providers::{Channel, SendError};

use crate::cognito::decrypt::DecryptError;
use crate::cognito::directory::LookupError;
use crate::cognito::event::EventError;
use crate::pipeline::guards::StoreError;
use crate::render::RenderError;
use crate::sms::phone::{NumberType, PhoneError};

/// A handled event.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// The event's trigger source.
    pub trigger_source: String,
    /// Email or SMS.
    pub channel: Channel,
    /// The provider that accepted the message.
    pub provider: String,
    /// The provider's message ID.
    pub message_id: String,
    /// The recipient, masked.
    pub recipient: String,
    /// Provider calls it took (1 when the first call succeeded).
    pub attempts: usize,
    /// `delivered`, or why nothing was sent on purpose.
    pub status: OutcomeStatus,
    /// Whether another provider than the first in the chain delivered it.
    pub failed_over: bool,
    /// An SMS's destination region (ISO 3166, `001` for none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Outcome {
    /// An event handled without sending anything, on purpose.
    pub(crate) fn skipped(
        trigger_source: String,
        channel: Channel,
        status: OutcomeStatus,
        message_id: String,
    ) -> Self {
        Outcome {
            trigger_source,
            channel,
            provider: String::new(),
            message_id,
            recipient: String::new(),
            attempts: 0,
            status,
            failed_over: false,
            region: None,
        }
    }
}

/// What happened to a handled event.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeStatus {
    /// A provider accepted the message.
    Delivered,
    /// The route has `enabled = false`: nothing was sent, by configuration.
    Disabled,
    /// A duplicate of an event already delivered (idempotency guard): not sent again.
    Duplicate,
    /// Over an `[sms.limits]` or `[email.limits]` limit (the pumping and
    /// bombing guards): not sent, on purpose.
    Limited,
}

/// Why an event was not delivered. Returned to Lambda as the invocation error, so
/// the event is retried and, after the last retry, dead-lettered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandleError {
    /// The payload is not a custom sender event.
    #[error(transparent)]
    Event(#[from] EventError),
    /// Neither the trigger source nor `request.type` says email or SMS.
    #[error("cannot tell the channel of trigger source `{0}`: it is neither CustomEmailSender_* nor CustomSMSSender_* and request.type is not customEmailSenderRequestV1/customSMSSenderRequestV1")]
    UnknownChannel(String),
    /// The source needs a code and the event has none.
    #[error("{0} events must carry request.code, but it is null or empty")]
    MissingCode(String),
    /// The code could not be decrypted.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
    /// No address or number to send to.
    #[error("user `{user}` in pool `{pool}` has no `{attribute}` attribute{}; nothing can be sent", if *.looked_up { " (not in the event, nor in Cognito AdminGetUser)" } else { " in the event (set cognito.lookup_missing_recipient = true to ask Cognito)" })]
    NoRecipient {
        /// `email` or `phone_number`.
        attribute: &'static str,
        /// User pool ID.
        pool: String,
        /// Username.
        user: String,
        /// Whether Cognito was asked.
        looked_up: bool,
    },
    /// The phone number is present but unusable.
    #[error("user `{user}`: `phone_number` {problem}")]
    BadPhoneNumber {
        /// Username.
        user: String,
        /// What is wrong (never the number itself) and the fix.
        problem: PhoneError,
    },
    /// The route does not send SMS to this region.
    #[error("user `{user}`: SMS to region {region} (calling code +{calling_code}) is not allowed by `{setting}`{}", if region == "001" { "; numbers of no region (international networks) go out only where the list names \"001\"" } else { "" })]
    CountryNotAllowed {
        /// Username.
        user: String,
        /// The destination's ISO 3166 region, `001` for none.
        region: String,
        /// The destination's calling code.
        calling_code: u16,
        /// The setting that refused it (`sms.allowed_countries`, a route's `denied_countries`, …).
        setting: String,
    },
    /// The number is of a type that does not receive SMS here (premium rate, …).
    #[error("user `{user}`: SMS to a {number_type} number ({region}) is not allowed by `sms.allowed_number_types`; premium rate, shared cost and UAN numbers are what SMS pumping is paid through")]
    NumberTypeNotAllowed {
        /// Username.
        user: String,
        /// The destination's ISO 3166 region, `001` for none.
        region: String,
        /// The number's type.
        number_type: NumberType,
    },
    /// The rendered SMS costs more segments than the route allows.
    #[error("the {trigger_source} SMS would cost {segments} segments, more than max_segments = {max}; shorten the template or raise the limit")]
    SmsTooLong {
        /// The trigger source.
        trigger_source: String,
        /// Segments the body needs.
        segments: usize,
        /// The route's cap.
        max: usize,
    },
    /// A CustomMessage response would break one of Cognito's rules.
    #[error("{trigger_source}: {problem}")]
    CustomMessage {
        /// The trigger source.
        trigger_source: String,
        /// What is wrong and how to fix it.
        problem: String,
    },
    /// Another invocation is delivering this event right now; Lambda retries later.
    #[error("this event is being delivered by another invocation right now (idempotency guard); retry later")]
    InProgress,
    /// The idempotency store failed and `on_store_error = "fail"`.
    #[error(transparent)]
    Idempotency(StoreError),
    /// The SMS limit table failed and `on_store_error = "fail"`.
    #[error(transparent)]
    SmsLimitStore(StoreError),
    /// The email limit table failed and `on_store_error = "fail"`.
    #[error(transparent)]
    EmailLimitStore(StoreError),
    /// The recipient look-up failed.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// A template failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Every provider failed.
    #[error("not delivered: {0}")]
    Send(SendError),
}

impl HandleError {
    /// The failure's class, as the Lambda error payload's `errorType` names it
    /// (what CloudWatch, the on-failure record and alarms show).
    pub fn class(&self) -> &'static str {
        match self {
            HandleError::Event(_)
            | HandleError::UnknownChannel(_)
            | HandleError::MissingCode(_) => "InvalidEvent",
            HandleError::Decrypt(_) => "DecryptFailed",
            HandleError::NoRecipient { .. } | HandleError::Lookup(_) => "NoRecipient",
            HandleError::BadPhoneNumber { .. }
            | HandleError::CountryNotAllowed { .. }
            | HandleError::NumberTypeNotAllowed { .. }
            | HandleError::SmsTooLong { .. }
            | HandleError::CustomMessage { .. } => "Refused",
            HandleError::InProgress => "InProgress",
            HandleError::Idempotency(_)
            | HandleError::SmsLimitStore(_)
            | HandleError::EmailLimitStore(_) => "StoreFailed",
            HandleError::Render(_) => "TemplateFailed",
            HandleError::Send(_) => "NotDelivered",
        }
    }
}

impl From<SendError> for HandleError {
    fn from(error: SendError) -> Self {
        HandleError::Send(error)
    }
}

/// The one log line per event: trigger source, channel, provider, message id,
/// masked recipient, attempts, latency and outcome — never the code.
pub(crate) fn log(trigger_source: &str, result: &Result<Outcome, HandleError>, latency: Duration) {
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    match result {
        Ok(outcome) => tracing::info!(
            trigger_source = %outcome.trigger_source,
            channel = %outcome.channel,
            provider = %outcome.provider,
            message_id = %outcome.message_id,
            recipient = %outcome.recipient,
            attempts = outcome.attempts,
            latency_ms,
            outcome = ?outcome.status,
            "event handled"
        ),
        Err(HandleError::Send(error)) => tracing::error!(
            trigger_source,
            latency_ms,
            attempts = error.attempts().len().max(1),
            outcome = "failed",
            error = %error,
            "event not delivered"
        ),
        Err(error) => {
            tracing::error!(trigger_source, latency_ms, outcome = "failed", error = %error, "event not delivered")
        }
    }
}
