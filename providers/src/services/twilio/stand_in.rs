//! Twilio as the hostile-provider tests drive it (answers and error codes from its Messages reference).

use crate::testing::{Answer, Metadata, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| {
        format!(
            "account_sid = 'AC0123456789abcdef0123456789abcdef'\nauth_token = 'twilio-hostile-token'\n\
             from = '+15005550006'\nbase_url = '{base_url}'"
        )
    },
    channels: &[Channel::Sms],
    accepted: Answer::json(201, r#"{"sid": "SM-accepted"}"#),
    id_from_body: true,
    misconfigured: &[
        Answer::json(
            400,
            r#"{"code": 21606, "message": "The From phone number +15005550006 is not a valid, SMS-capable inbound phone number"}"#,
        ),
        Answer::json(400, r#"{"code": 21608, "message": "The number is unverified"}"#),
    ],
    refused_recipient: &[
        Answer::json(400, r#"{"code": 21211, "message": "The 'To' number {to} is not a valid phone number."}"#),
        Answer::json(400, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#),
    ],
    metadata: Some(Metadata::CallbackQuery("StatusCallback")),
};
