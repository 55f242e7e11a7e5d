//! The abuse limits around a send: which guard counts a message (the SMS
//! pumping guard by number and country, the email bombing guard by address for
//! the sources it watches), what a message over a limit answers, and giving a
//! count back when nothing was sent.

use std::time::Instant;

use switchboard_providers::{mask_recipient, Message};

use super::guards::sms_limit::{token_for, Limit, Reservation, Verdict};
use super::guards::Guards;
use super::outcome::{HandleError, Outcome, OutcomeStatus};
use super::recipient::Recipient;
use crate::cognito::event::CustomSenderEvent;
use crate::route::Route;

/// The guards' verdict for `event`'s message to `to`: uncounted when no
/// limit applies. The counters record the event's token, so every retry of
/// the event counts once.
pub(crate) async fn reserve(
    guards: &Guards,
    event: &CustomSenderEvent,
    to: &Recipient,
    deadline: Option<Instant>,
) -> Result<Verdict, HandleError> {
    match to {
        Recipient::Phone(number) => match &guards.sms_limit {
            Some(limiter) => limiter
                .reserve(number, &token_for(event), deadline)
                .await
                .map_err(HandleError::SmsLimitStore),
            None => Ok(Verdict::Uncounted),
        },
        Recipient::Email(address) => match &guards.email_limit {
            Some(limiter) if limiter.watches(&event.trigger_source) => limiter
                .reserve(address, &token_for(event), deadline)
                .await
                .map_err(HandleError::EmailLimitStore),
            _ => Ok(Verdict::Uncounted),
        },
    }
}

/// Gives `reservation` back after nothing was sent to `to`.
pub(crate) async fn give_back(
    guards: &Guards,
    to: &Recipient,
    reservation: Reservation,
    deadline: Option<Instant>,
) {
    match (to, &guards.sms_limit, &guards.email_limit) {
        (Recipient::Phone(_), Some(limiter), _) => limiter.give_back(reservation, deadline).await,
        (Recipient::Email(_), _, Some(limiter)) => limiter.give_back(reservation, deadline).await,
        _ => {}
    }
}

/// The answer for a message a limit stopped: handled on purpose (`Ok`),
/// because a retry would only repeat the abuse.
pub(crate) fn limited(
    event: &CustomSenderEvent,
    route: &Route,
    message: &Message,
    limit: &Limit,
) -> Outcome {
    let recipient = mask_recipient(message.recipient());
    let what = match message {
        Message::Email(_) => "Email",
        Message::Sms(_) => "SMS",
    };
    tracing::warn!(
        trigger_source = %event.trigger_source,
        %recipient,
        setting = %limit.setting,
        allowed = limit.allowed,
        window_seconds = limit.window_seconds,
        "{what} limit reached: not sent (`{}` = {} per {} s)",
        limit.setting,
        limit.allowed,
        limit.window_seconds
    );
    let mut outcome = Outcome::skipped(
        event.trigger_source.to_string(),
        route.channel,
        OutcomeStatus::Limited,
        String::new(),
    );
    outcome.recipient = recipient;
    outcome
}
