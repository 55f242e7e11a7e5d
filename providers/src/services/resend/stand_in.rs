//! Resend as the hostile-provider tests drive it (answers from its Send Email reference).

use crate::testing::{Answer, Metadata, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| format!("api_key = 're_hostile_key'\nbase_url = '{base_url}'"),
    channels: &[Channel::Email],
    accepted: Answer::json(200, r#"{"id": "re-accepted"}"#),
    id_from_body: true,
    misconfigured: &[Answer::json(
        403,
        r#"{"statusCode": 403, "name": "validation_error", "message": "The acme.test domain is not verified."}"#,
    )],
    refused_recipient: &[Answer::json(
        422,
        r#"{"statusCode": 422, "name": "validation_error", "message": "Invalid `to` field."}"#,
    )],
    metadata: Some(Metadata::JsonTags("tags")),
};
