//! Postmark as the hostile-provider tests drive it (answers from its Email API reference).

use crate::testing::{Answer, Metadata, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| format!("api_key = 'postmark-hostile-token'\nbase_url = '{base_url}'"),
    channels: &[Channel::Email],
    accepted: Answer::json(200, r#"{"MessageID": "pm-accepted", "ErrorCode": 0, "Message": "OK"}"#),
    id_from_body: true,
    misconfigured: &[Answer::json(
        422,
        r#"{"ErrorCode": 400, "Message": "The 'From' address you supplied is not a Sender Signature on your account."}"#,
    )],
    refused_recipient: &[Answer::json(
        422,
        r#"{"ErrorCode": 406, "Message": "You tried to send to recipient(s) that have been marked as inactive."}"#,
    )],
    metadata: Some(Metadata::JsonObject("Metadata")),
};
