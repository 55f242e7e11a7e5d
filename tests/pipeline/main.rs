//! The pipeline per event — parse → decrypt → route → render → send — with the
//! test's own senders: every example event, hostile input, the CustomMessage
//! trigger, the Cognito recipient look-up, and no secret in any log line.

mod countries;
mod custom_message;
mod events;
mod hostile_aws;
mod hostile_input;
mod no_secrets;
mod recipient_lookup;
mod right_to_left;
