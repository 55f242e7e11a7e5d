//! What the shared hostile-provider tests need to know of an HTTP service: its
//! section pointed at a stand-in server, what the real service answers when it
//! accepts a message, and the errors its documentation shows for a
//! misconfigured account and for a recipient it refuses. Each HTTP service
//! declares its own in its folder ([`crate::Service::stand_in`]), so a new
//! service gets every hostile test by declaring one.

use crate::Channel;

/// One HTTP answer, as the real service writes it.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `Content-Type` (which is JSON when the body starts with `{`).
    pub headers: &'static [(&'static str, &'static str)],
    /// The body; `{to}` stands for the recipient the test sends to.
    pub body: &'static str,
}

impl Answer {
    /// An answer with a JSON body.
    pub const fn json(status: u16, body: &'static str) -> Answer {
        Answer {
            status,
            headers: &[],
            body,
        }
    }
}

/// An HTTP service as the hostile tests drive it.
#[derive(Debug, Clone, Copy)]
pub struct StandIn {
    /// The provider's section (TOML lines, without `type`) with its API at `base_url`.
    pub section: fn(base_url: &str) -> String,
    /// The channels it delivers; the tests send on the first.
    pub channels: &'static [Channel],
    /// What it answers when it accepts a message.
    pub accepted: Answer,
    /// Whether the message id is read from the answer's body (an unreadable
    /// 2xx body then gives the id `unknown`).
    pub id_from_body: bool,
    /// Answers about the account or the configuration: the chain moves on without a retry.
    pub misconfigured: &'static [Answer],
    /// Answers about this recipient: the chain stops.
    pub refused_recipient: &'static [Answer],
    /// Where a request carries the message's correlation
    /// ([`crate::correlation`]), which the service echoes in its receipts;
    /// `None` for a service without receipts.
    pub metadata: Option<Metadata>,
}

/// Where in a request the correlation pairs (`sb_event_id`, `sb_sent_at`,
/// `trigger_source`) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metadata {
    /// A JSON body's object field of string values (SendGrid `custom_args`,
    /// Postmark `Metadata`).
    JsonObject(&'static str),
    /// A JSON body's list of `{name, value}` objects (Resend `tags`).
    JsonTags(&'static str),
    /// Multipart form fields whose names start with a prefix (Mailgun `v:`).
    FormFields(&'static str),
    /// The query of a URL in a form field (Twilio `StatusCallback`), present
    /// when `receipts.url` is set.
    CallbackQuery(&'static str),
}
