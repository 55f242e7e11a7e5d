//! SES's events, published by the provider's configuration set to EventBridge
//! (`source` `aws.ses`; the same `detail` SES sends to SNS): delivery, delay,
//! bounce, complaint, reject and rendering failure. The `EmailTags` a message
//! carried come back in `mail.tags` as name → list of values. IAM authenticates
//! the delivery; a request over HTTP is refused.

use serde_json::Value;

use crate::receipt::{
    rfc3339_ms,
    correlation_in, not_over_http, Read, Receipt, ReceiptError, ReceiptReader, ReceiptRequest,
    Status,
};
use crate::Channel;

/// Reads the events of one SES provider's configuration set.
#[derive(Debug)]
pub(super) struct SesReceipts {
    pub(super) configuration_set: String,
}

impl ReceiptReader for SesReceipts {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    /// Any size: `read` refuses every request without reading it.
    fn max_body(&self) -> usize {
        usize::MAX
    }

    fn read(&self, _: &ReceiptRequest<'_>) -> Result<Vec<Read>, ReceiptError> {
        Err(not_over_http("SES"))
    }

    fn read_event(&self, detail: &Value, delivery_id: &str, now_secs: u64) -> Option<Vec<Read>> {
        let tags = &detail["mail"]["tags"];
        let tag = |name: &str| tags[name][0].as_str().map(str::to_string);
        if tag("ses:configuration-set").as_deref() != Some(self.configuration_set.as_str()) {
            return None;
        }
        let kind = detail["eventType"].as_str().unwrap_or_default();
        let bounce = &detail["bounce"];
        let (status, part) = match kind {
            "Delivery" => (Status::Delivered, "delivery"),
            "DeliveryDelay" => (Status::Deferred, "deliveryDelay"),
            "Bounce" => match (bounce["bounceType"].as_str(), bounce["bounceSubType"].as_str()) {
                (_, Some("Suppressed" | "OnAccountSuppressionList")) => (Status::Blocked, "bounce"),
                (Some("Transient"), _) => (Status::Undelivered, "bounce"),
                _ => (Status::Bounced, "bounce"),
            },
            "Complaint" => (Status::Complained, "complaint"),
            "Reject" => (Status::Blocked, "reject"),
            "Rendering Failure" => (Status::Failed, "failure"),
            _ => return Some(vec![Read::Ignored]),
        };
        let Some((event_id, sent_at_ms, trigger_source)) = correlation_in(tag) else {
            return Some(vec![Read::NotOurs]);
        };
        let at_ms = rfc3339_ms(&detail[part]["timestamp"]).unwrap_or(now_secs * 1000);
        let reason = match kind {
            "Bounce" => bounce["bouncedRecipients"][0]["status"]
                .as_str()
                .or(bounce["bounceSubType"].as_str())
                .map(str::to_string),
            "DeliveryDelay" => detail["deliveryDelay"]["delayType"].as_str().map(str::to_string),
            "Complaint" => detail["complaint"]["complaintFeedbackType"]
                .as_str()
                .map(str::to_string),
            "Reject" => detail["reject"]["reason"].as_str().map(str::to_string),
            _ => None,
        };
        Some(vec![Read::Receipt(Receipt {
            event_id,
            sent_at_ms,
            trigger_source,
            status,
            at_ms,
            reason,
            message_id: detail["mail"]["messageId"].as_str().map(str::to_string),
            receipt_id: delivery_id.to_string(),
            destination: None,
            recipient: detail["mail"]["destination"][0].as_str().map(str::to_string),
        })])
    }
}
