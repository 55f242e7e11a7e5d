//! The webhook as the hostile-provider tests drive it: a receiver that answers 2xx when it took the message.

use crate::testing::{Answer, StandIn};
use crate::Channel;

pub(super) const STAND_IN: StandIn = StandIn {
    section: |base_url| format!("url = '{base_url}/hook'\nsecret = 'a-webhook-secret-of-some-length'"),
    channels: &[Channel::Email, Channel::Sms],
    accepted: Answer { status: 200, headers: &[], body: "" },
    id_from_body: false,
    misconfigured: &[
        Answer { status: 404, headers: &[], body: "" },
        Answer { status: 400, headers: &[], body: "bad request" },
    ],
    refused_recipient: &[],
    metadata: None,
};
