//! AWS End User Messaging SMS events, from the provider's configuration set's
//! event destination (SNS, or EventBridge with `source` `aws.sms-voice`): the
//! message's `eventType` (`TEXT_DELIVERED`, `TEXT_BLOCKED`, …) with the
//! `Context` it was sent with. IAM authenticates the delivery; a request over
//! HTTP is refused. The events do not name the configuration set: with several
//! End User Messaging providers, the first by name records them.

use serde_json::Value;

use crate::receipt::{
    Destination,
    correlation_in, not_over_http, Read, Receipt, ReceiptError, ReceiptReader, ReceiptRequest,
    Status,
};
use crate::Channel;

/// Reads End User Messaging SMS events.
#[derive(Debug)]
pub(super) struct AwsSmsReceipts;

impl ReceiptReader for AwsSmsReceipts {
    fn channel(&self) -> Channel {
        Channel::Sms
    }

    /// Any size: `read` refuses every request without reading it.
    fn max_body(&self) -> usize {
        usize::MAX
    }

    fn read(&self, _: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        Err(not_over_http("AWS End User Messaging SMS"))
    }

    fn read_event(&self, detail: &Value, delivery_id: &str, now_secs: u64) -> Option<Vec<Read>> {
        let kind = detail["eventType"].as_str()?;
        if !kind.starts_with("TEXT_") {
            return None;
        }
        let last = detail["isFinal"].as_bool().unwrap_or(true);
        let status = match kind {
            "TEXT_DELIVERED" | "TEXT_SUCCESSFUL" => Status::Delivered,
            "TEXT_CARRIER_UNREACHABLE" | "TEXT_UNREACHABLE" if !last => Status::Deferred,
            "TEXT_CARRIER_UNREACHABLE" | "TEXT_UNREACHABLE" | "TEXT_TTL_EXPIRED" | "TEXT_INVALID" => {
                Status::Undelivered
            }
            "TEXT_BLOCKED" | "TEXT_CARRIER_BLOCKED" | "TEXT_SPAM" | "TEXT_PROTECT_BLOCKED" => {
                Status::Blocked
            }
            "TEXT_INVALID_MESSAGE" | "TEXT_UNKNOWN" => Status::Failed,
            _ => return Some(vec![Read::Ignored]),
        };
        let context = &detail["context"];
        let Some((event_id, sent_at_ms, _)) =
            correlation_in(|key| context[key].as_str().map(str::to_string))
        else {
            return Some(vec![Read::NotOurs]);
        };
        Some(vec![Read::Receipt(Receipt {
            event_id,
            sent_at_ms,
            trigger_source: context["TriggerSource"].as_str().map(str::to_string),
            status,
            at_ms: detail["eventTimestamp"].as_u64().unwrap_or(now_secs * 1000),
            reason: Some(kind.to_string()),
            message_id: detail["messageId"].as_str().map(str::to_string),
            receipt_id: delivery_id.to_string(),
            destination: detail["isoCountryCode"]
                .as_str()
                .map(|region| Destination::Region(region.to_string()))
                .or_else(|| {
                    detail["destinationPhoneNumber"]
                        .as_str()
                        .map(|number| Destination::Number(number.to_string()))
                }),
            recipient: detail["destinationPhoneNumber"].as_str().map(str::to_string),
        })])
    }
}
