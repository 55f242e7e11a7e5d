//! SendGrid as the hostile-provider tests drive it (answers from its v3 Mail Send reference).

use crate::testing::{Answer, Metadata, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| format!("api_key = 'SG.hostile-test'\nbase_url = '{base_url}'"),
    channels: &[Channel::Email],
    accepted: Answer {
        status: 202,
        headers: &[("X-Message-Id", "sg-accepted")],
        body: "",
    },
    id_from_body: false,
    misconfigured: &[
        Answer { status: 404, headers: &[], body: "<html>no such path</html>" },
        Answer::json(403, r#"{"errors": [{"message": "The from address does not match a verified Sender Identity", "field": "from"}]}"#),
        Answer::json(400, r#"{"errors": [{"message": "Invalid template id", "field": "template_id"}]}"#),
    ],
    refused_recipient: &[
        Answer::json(400, r#"{"errors": [{"message": "Does not contain a valid address.", "field": "personalizations.0.to.0.email"}]}"#),
        Answer { status: 413, headers: &[], body: "" },
    ],
    metadata: Some(Metadata::JsonObject("custom_args")),
};
