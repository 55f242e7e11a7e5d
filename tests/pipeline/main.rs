//! The pipeline per event — parse → decrypt → route → render → send — with the
//! test's own senders: every example event, hostile input, the CustomMessage
//! trigger, the Cognito recipient look-up, and no secret in any log line.

mod aws_world;
mod chains;
mod countries;
mod custom_message;
mod events;
mod fixtures;
mod hostile_aws;
mod hostile_aws_calls;
mod hostile_input;
mod messages;
mod no_secrets;
mod recipient_lookup;
mod right_to_left;
mod sms_route;
