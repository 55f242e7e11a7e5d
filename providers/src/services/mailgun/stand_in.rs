//! Mailgun as the hostile-provider tests drive it (answers from its Messages API reference).

use crate::testing::{Answer, Metadata, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| {
        format!("api_key = 'key-hostile-test'\ndomain = 'mg.acme.test'\nbase_url = '{base_url}'")
    },
    channels: &[Channel::Email],
    accepted: Answer::json(200, r#"{"id": "<mg-accepted@mg.acme.test>", "message": "Queued"}"#),
    id_from_body: true,
    misconfigured: &[Answer::json(404, r#"{"message": "Domain not found: mg.acme.test"}"#)],
    refused_recipient: &[Answer::json(
        400,
        r#"{"message": "'to' parameter is not a valid address. please check documentation"}"#,
    )],
    metadata: Some(Metadata::FormFields("v:")),
};
