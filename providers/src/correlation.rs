//! What every message carries in its provider's own metadata so that the
//! provider's delivery receipts come back self-describing: the event's stable
//! id and when this attempt was sent. The receipts function reads the same
//! names back; nothing is written on the send path.

use crate::text::epoch_millis;
use crate::MessageContext;

/// The metadata key of the event's stable id (64 hex characters).
pub const EVENT_ID: &str = "sb_event_id";
/// The metadata key of the send time, milliseconds since the Unix epoch.
pub const SENT_AT: &str = "sb_sent_at";
/// The metadata key of the Cognito trigger source.
pub const TRIGGER_SOURCE: &str = "trigger_source";

/// One attempt's correlation: what it asks the provider to echo back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correlation {
    /// The event's stable id ([`MessageContext::event_id`]).
    pub event_id: String,
    /// When this attempt was sent, in milliseconds since the Unix epoch.
    pub sent_at_ms: u64,
}

impl Correlation {
    /// The correlation of an attempt at `context`'s message made now; `None`
    /// for a message without an event id (a test send from the command line).
    pub fn now(context: &MessageContext) -> Option<Correlation> {
        let event_id = context.event_id.as_deref()?.trim();
        (!event_id.is_empty()).then(|| Correlation {
            event_id: event_id.to_string(),
            sent_at_ms: epoch_millis(),
        })
    }

    /// The key/value pairs, each value within every provider's limits
    /// (ASCII letters and digits, at most 64 characters).
    pub fn pairs(&self) -> [(&'static str, String); 2] {
        [
            (EVENT_ID, self.event_id.clone()),
            (SENT_AT, self.sent_at_ms.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_without_an_event_id_carries_no_correlation() {
        let mut context = MessageContext::default();
        assert_eq!(Correlation::now(&context), None);
        context.event_id = Some("  ".into());
        assert_eq!(Correlation::now(&context), None);
    }

    #[test]
    fn the_pairs_name_the_event_and_the_send_time() {
        let context = MessageContext {
            event_id: Some("ab12".into()),
            ..MessageContext::default()
        };
        let before = epoch_millis();
        let pairs = Correlation::now(&context).unwrap().pairs();
        assert_eq!(pairs[0], (EVENT_ID, "ab12".to_string()));
        let sent: u64 = pairs[1].1.parse().unwrap();
        assert!(sent >= before && sent <= epoch_millis());
    }
}
