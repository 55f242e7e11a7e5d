//! Each provider's receipts as the provider sends them — its documented
//! format, our correlation echoed where it echoes it, signed by its own code —
//! and the same receipt forged, signed with another key, too old, too large
//! and malformed.

use serde_json::{json, Value};

use crate::harness::{function_url, now_secs};

mod mailgun;
mod postmark;
mod resend;
mod sendgrid;
mod twilio;

/// How a receipt is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// As the provider signs it now.
    Right,
    /// With another key or other credentials.
    OtherKey,
    /// Right, then a byte of the body changed.
    Forged,
    /// Right, at a time ten minutes ago (only where the scheme signs a time).
    Expired,
}

/// Makes a receipt saying `status` (ours) for an event id, sent at a time (ms).
pub type MakeReceipt = Box<dyn Fn(&str, &str, u64, Signing) -> Value>;

/// Makes a request the provider never sends.
pub type MakeRequest = Box<dyn Fn() -> Value>;

/// One provider with receipts.
pub struct Provider {
    pub name: &'static str,
    pub env: Vec<(&'static str, String)>,
    pub channel: &'static str,
    /// Whether its scheme signs a time.
    pub signs_time: bool,
    /// A receipt saying `status` (ours) for `event_id`, sent at `sent_at_ms`.
    pub receipt: MakeReceipt,
    /// A body the provider never sends: larger than its cap, or not its format.
    pub oversized: MakeRequest,
    pub malformed: MakeRequest,
}

impl Provider {
    /// Provider `name` on `channel`, its section `key=value` pairs apart by
    /// spaces, its receipts made by `receipt`.
    pub fn new(
        name: &'static str,
        channel: &'static str,
        signs_time: bool,
        section: &str,
        receipt: impl Fn(&str, &str, u64, Signing) -> Value + 'static,
    ) -> Provider {
        Provider {
            name,
            env: switchboard_testkit::lambda::section_env(name, section),
            channel,
            signs_time,
            receipt: Box::new(receipt),
            oversized: Box::new(|| Value::Null),
            malformed: Box::new(|| Value::Null),
        }
    }

    /// With what it never sends: a body over its cap and one not in its format.
    pub fn refusing(
        mut self,
        oversized: impl Fn() -> Value + 'static,
        malformed: impl Fn() -> Value + 'static,
    ) -> Provider {
        self.oversized = Box::new(oversized);
        self.malformed = Box::new(malformed);
        self
    }
}

pub fn headers(pairs: Value, content_type: &str) -> Value {
    let mut headers = pairs;
    headers["content-type"] = json!(content_type);
    headers
}

/// When a receipt is signed: now, or ten minutes ago for [`Signing::Expired`].
pub fn signed_at(signing: Signing) -> u64 {
    match signing {
        Signing::Expired => now_secs() - 600,
        _ => now_secs(),
    }
}

/// A JSON body over the 256 KiB the email providers' receipts stay under.
pub fn padding() -> String {
    format!("{{\"padding\": \"{}\"}}", "x".repeat(300_000))
}

/// `body` as sent: forged for [`Signing::Forged`], after it was signed.
pub fn as_sent(body: String, signing: Signing) -> String {
    match signing {
        Signing::Forged => forge(&body),
        _ => body,
    }
}

/// A JSON receipt to `path` with `headers`.
pub fn json_request(path: &str, headers: Value, body: &str) -> Value {
    function_url(
        path,
        "",
        &self::headers(headers, "application/json"),
        body.as_bytes(),
    )
}

pub fn forge(body: &str) -> String {
    body.replacen("recipient", "recipiEnt", 1)
        .replacen("MessageSid=SM", "MessageSid=SN", 1)
}

/// Now as RFC 3339 with milliseconds, as Resend writes `created_at`.
pub fn chrono_now() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Every provider with receipts.
pub fn all() -> Vec<Provider> {
    vec![
        twilio::provider(),
        sendgrid::provider(),
        mailgun::provider(),
        resend::provider(),
        postmark::provider(),
    ]
}

/// The environment of every provider at once.
pub fn every_env(providers: &[Provider]) -> Vec<(&'static str, String)> {
    providers.iter().flat_map(|p| p.env.clone()).collect()
}
