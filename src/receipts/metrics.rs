//! One CloudWatch Embedded Metric Format line per new receipt: a count of its
//! status (`Delivered`, `Undelivered`, `Bounced`, `Blocked`, `Deferred`,
//! `Failed`, `Complained`) and, for a delivery, `TimeToDelivery` (ms from the
//! send), by provider and channel, and for an SMS by its destination's region.

use serde_json::{json, Value};
use switchboard_providers::receipt::{Receipt, Status};
use switchboard_providers::text::epoch_millis;

/// The sender's namespace: its alarms and these sit side by side.
const NAMESPACE: &str = "Switchboard";

/// The metric of `status`.
pub fn metric_name(status: Status) -> &'static str {
    match status {
        Status::Deferred => "Deferred",
        Status::Delivered => "Delivered",
        Status::Bounced => "Bounced",
        Status::Blocked => "Blocked",
        Status::Undelivered => "Undelivered",
        Status::Failed => "Failed",
        Status::Complained => "Complained",
    }
}

/// The EMF line of `receipt` from `provider` on `channel`, by `country` (an
/// SMS's ISO 3166 region) where known.
pub fn receipt_line(
    provider: &str,
    channel: &str,
    country: Option<&str>,
    receipt: &Receipt,
) -> Value {
    let name = metric_name(receipt.status);
    let mut metrics = vec![json!({ "Name": name, "Unit": "Count" })];
    let mut line = json!({
        "_aws": {
            "Timestamp": epoch_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Provider", "Channel"], ["Channel"]],
                "Metrics": [],
            }]
        },
        "Provider": provider,
        "Channel": channel,
        name: 1,
    });
    let time_to_delivery = receipt
        .sent_at_ms
        .filter(|_| receipt.status == Status::Delivered)
        .map(|sent| receipt.at_ms.saturating_sub(sent));
    if let Some(ms) = time_to_delivery {
        metrics.push(json!({ "Name": "TimeToDelivery", "Unit": "Milliseconds" }));
        line["TimeToDelivery"] = json!(ms);
    }
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"] = Value::Array(metrics);
    if let Some(country) = country {
        line["Country"] = json!(country);
        line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([
            ["Provider", "Channel"],
            ["Channel"],
            ["Provider", "Channel", "Country"]
        ]);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(status: Status) -> Receipt {
        Receipt {
            event_id: "e".repeat(64),
            sent_at_ms: Some(1_000),
            trigger_source: None,
            status,
            at_ms: 4_500,
            reason: None,
            message_id: None,
            receipt_id: "r".into(),
            destination: None,
            recipient: None,
        }
    }

    #[test]
    fn a_delivery_counts_and_carries_its_time_to_delivery() {
        let line = receipt_line("tw", "sms", Some("US"), &receipt(Status::Delivered));
        assert_eq!(line["Delivered"], 1);
        assert_eq!(line["Country"], "US");
        assert_eq!(line["TimeToDelivery"], 3_500);
        assert_eq!(line["Provider"], "tw");
        let line = receipt_line("tw", "sms", None, &receipt(Status::Undelivered));
        assert_eq!(line["Undelivered"], 1);
        assert!(line.get("TimeToDelivery").is_none());
    }
}
