//! Each provider's receipts as the provider sends them — its documented
//! format, our correlation echoed where it echoes it, signed by its own code —
//! and the same receipt forged, signed with another key, too old, too large
//! and malformed.

use serde_json::{json, Value};

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
    pub oversized: Box<dyn Fn() -> Value>,
    pub malformed: Box<dyn Fn() -> Value>,
}

pub fn headers(pairs: Value, content_type: &str) -> Value {
    let mut headers = pairs;
    headers["content-type"] = json!(content_type);
    headers
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
