//! A provider's delivery receipt as the receipts function reads it: the HTTP
//! request it arrived in, what it says happened to a message, and the
//! [`ReceiptReader`] each service with receipts implements in its own folder
//! (verify the request first, then parse only what the signature covers).

use std::collections::BTreeMap;
use std::fmt;

use crate::correlation::{EVENT_ID, SENT_AT, TRIGGER_SOURCE};
use crate::Channel;

/// One request to the receipts function, as the provider made it.
#[derive(Debug, Clone, Copy)]
pub struct ReceiptRequest<'a> {
    /// The full URL the provider called, query included, as it signed it.
    pub url: &'a str,
    /// Header names lower-cased; repeated headers joined with `,`.
    pub headers: &'a BTreeMap<String, String>,
    /// The body, decoded from the Function URL's base64.
    pub body: &'a [u8],
    /// The time the request is judged at, seconds since the Unix epoch.
    pub now_secs: u64,
    /// The same time in milliseconds: a receipt's time where the provider
    /// gives none (Twilio), precise enough to order two arriving together.
    pub now_ms: u64,
}

impl ReceiptRequest<'_> {
    /// The header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What happened to a message, in the order a trail moves through: a later
/// rank replaces an earlier one, never the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Delayed; the provider keeps trying.
    Deferred,
    /// Handed to the mailbox or the handset.
    Delivered,
    /// The receiving server refused it for good (a hard bounce).
    Bounced,
    /// Refused before delivery: a suppression list, a carrier or spam filter.
    Blocked,
    /// The provider gave up (a handset unreachable past the validity, a soft bounce that stayed).
    Undelivered,
    /// The provider could not send it at all.
    Failed,
    /// Delivered, then reported as spam by its recipient.
    Complained,
}

impl Status {
    /// Every status, in rank order.
    pub const ALL: [Status; 7] = [
        Status::Deferred,
        Status::Delivered,
        Status::Bounced,
        Status::Blocked,
        Status::Undelivered,
        Status::Failed,
        Status::Complained,
    ];

    /// The trail's order: deferred (1) is replaced by any outcome (2), and an
    /// outcome only by a later outcome or by a complaint (3).
    pub fn rank(self) -> u8 {
        match self {
            Status::Deferred => 1,
            Status::Complained => 3,
            _ => 2,
        }
    }

    /// The name a trail and a metric use.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Deferred => "deferred",
            Status::Delivered => "delivered",
            Status::Bounced => "bounced",
            Status::Blocked => "blocked",
            Status::Undelivered => "undelivered",
            Status::Failed => "failed",
            Status::Complained => "complained",
        }
    }

    /// The status named `name` ([`Status::as_str`]).
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One receipt: a status of one message, named by the correlation it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The event's stable id (`sb_event_id`).
    pub event_id: String,
    /// When the attempt was sent (`sb_sent_at`), ms since the epoch.
    pub sent_at_ms: Option<u64>,
    /// The Cognito trigger source, when the receipt carries it.
    pub trigger_source: Option<String>,
    /// What happened.
    pub status: Status,
    /// When it happened by the provider's clock, ms since the epoch (the
    /// receipt's arrival when the provider gives no time).
    pub at_ms: u64,
    /// The provider's reason code (Twilio `ErrorCode`, an SMTP status, an event type).
    pub reason: Option<String>,
    /// The provider's id of the message.
    pub message_id: Option<String>,
    /// The provider's id of this receipt, the same when it is sent again:
    /// the key a duplicate is recognised by.
    pub receipt_id: String,
    /// An SMS's destination: its ISO 3166 region where the provider names it,
    /// else the number the region is read from (never stored).
    pub destination: Option<Destination>,
    /// The address or number the message went to, as the receipt names it:
    /// stored only as a key (an HMAC under the channel's recipient key), for
    /// `switchboard status --to`.
    pub recipient: Option<String>,
}

/// Where an SMS went, as its receipt says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// The ISO 3166 region, as the provider names it.
    Region(String),
    /// The number, for its region to be read from.
    Number(String),
}

/// What one item of a request turned out to be.
// A request's reads live for one invocation and are consumed at once: boxing
// the receipt would add an allocation per receipt to save a few hundred bytes.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// A status of a message Switchboard sent.
    Receipt(Receipt),
    /// An event about a message Switchboard did not send (the webhook covers
    /// a whole account or domain): answered, not stored.
    NotOurs,
    /// An event that is no status (an open, a click, `queued`): answered, not stored.
    Ignored,
}

/// Why a request was refused; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptError {
    /// The signature or the credentials do not hold (401).
    Unauthorized(String),
    /// A signed time outside the accepted window (401): a replay or a clock far off.
    Expired {
        /// Seconds between the signed time and now.
        skew_secs: u64,
    },
    /// Larger than the provider's receipts ever are (413).
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Not in the provider's format (400).
    Malformed(String),
}

impl ReceiptError {
    /// The HTTP status the receipts function answers with.
    pub fn status(&self) -> u16 {
        match self {
            ReceiptError::Unauthorized(_) | ReceiptError::Expired { .. } => 401,
            ReceiptError::TooLarge { .. } => 413,
            ReceiptError::Malformed(_) => 400,
        }
    }
}

impl fmt::Display for ReceiptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptError::Unauthorized(why) => write!(f, "unauthorized: {why}"),
            ReceiptError::Expired { skew_secs } => write!(
                f,
                "the signed time is {skew_secs} s from now, outside the {WINDOW_SECS} s window"
            ),
            ReceiptError::TooLarge { limit } => write!(f, "the body is over {limit} bytes"),
            ReceiptError::Malformed(why) => write!(f, "malformed: {why}"),
        }
    }
}

impl std::error::Error for ReceiptError {}

/// How far a signed time may be from now, in seconds, both ways.
pub const WINDOW_SECS: u64 = 300;

/// `Ok` when the signed time `signed_secs` is within [`WINDOW_SECS`] of `now_secs`.
pub fn within_window(signed_secs: u64, now_secs: u64) -> Result<(), ReceiptError> {
    let skew_secs = signed_secs.abs_diff(now_secs);
    match skew_secs <= WINDOW_SECS {
        true => Ok(()),
        false => Err(ReceiptError::Expired { skew_secs }),
    }
}

/// Reads one provider's receipts. Built once per cold start from the
/// provider's section, holding only what verification needs.
pub trait ReceiptReader: fmt::Debug + Send + Sync {
    /// The channel of the messages its receipts are about.
    fn channel(&self) -> Channel;

    /// The largest body this provider sends; a larger one is refused unread.
    fn max_body(&self) -> usize;

    /// Verifies `request` and reads what it says, item by item.
    fn read(&self, request: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError>;

    /// Reads an event AWS delivered to the function (EventBridge, SNS), which
    /// IAM authenticated: `detail` is the service's event, `delivery_id` the
    /// envelope's id (the same when AWS delivers it again). `None` when the
    /// event is not this provider's — every HTTP service, and an AWS service's
    /// event of another provider (another configuration set).
    fn read_event(
        &self,
        detail: &serde_json::Value,
        delivery_id: &str,
        now_secs: u64,
    ) -> Option<Vec<Read>> {
        let _ = (detail, delivery_id, now_secs);
        None
    }
}

/// What an AWS service's reader answers over HTTP: its receipts come as
/// events AWS delivers, never as a request anyone on the internet can make.
pub fn not_over_http(service: &str) -> ReceiptError {
    ReceiptError::Unauthorized(format!(
        "{service} receipts arrive as AWS events (EventBridge, SNS), not over HTTP"
    ))
}

/// The correlation a receipt echoes back, from a string map of it (custom
/// args, metadata, tags, a callback's query).
pub fn correlation_in(
    value: impl Fn(&str) -> Option<String>,
) -> Option<(String, Option<u64>, Option<String>)> {
    let event_id = value(EVENT_ID).filter(|id| is_event_id(id))?;
    let sent_at = value(SENT_AT).and_then(|ms| ms.trim().parse().ok());
    Some((event_id, sent_at, value(TRIGGER_SOURCE)))
}

/// Whether `text` is an event id as Switchboard makes them (64 hex characters).
fn is_event_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A time a receipt writes in RFC 3339 (any number of fractional digits, any
/// offset), in milliseconds since the Unix epoch.
pub fn rfc3339_ms(value: &serde_json::Value) -> Option<u64> {
    let time = chrono::DateTime::parse_from_rfc3339(value.as_str()?).ok()?;
    u64::try_from(time.timestamp_millis()).ok()
}

/// A receipt body that is not text.
pub fn text_of(body: &[u8]) -> Result<&str, ReceiptError> {
    std::str::from_utf8(body).map_err(|_| ReceiptError::Malformed("the body is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_replaces_deferred_and_a_complaint_replaces_an_outcome() {
        assert!(Status::Delivered.rank() > Status::Deferred.rank());
        assert!(Status::Bounced.rank() > Status::Deferred.rank());
        assert!(Status::Complained.rank() > Status::Delivered.rank());
        assert_eq!(Status::Delivered.rank(), Status::Undelivered.rank());
        for status in Status::ALL {
            assert_eq!(Status::from_name(status.as_str()), Some(status));
        }
    }

    #[test]
    fn a_signed_time_is_accepted_within_five_minutes_either_way() {
        assert!(within_window(1_000_000, 1_000_300).is_ok());
        assert!(within_window(1_000_300, 1_000_000).is_ok());
        assert_eq!(
            within_window(1_000_000, 1_000_301),
            Err(ReceiptError::Expired { skew_secs: 301 })
        );
    }

    #[test]
    fn only_an_event_id_as_switchboard_makes_them_correlates() {
        let id = "a".repeat(64);
        let found = correlation_in(|key| match key {
            "sb_event_id" => Some(id.clone()),
            "sb_sent_at" => Some("1700000000000".into()),
            _ => None,
        });
        assert_eq!(found, Some((id, Some(1_700_000_000_000), None)));
        assert_eq!(correlation_in(|_| Some("not-an-id".into())), None);
    }
}
