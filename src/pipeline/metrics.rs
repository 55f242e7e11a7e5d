//! CloudWatch Embedded Metric Format: one JSON line per event on stdout, which
//! Lambda ships to CloudWatch Logs and CloudWatch turns into metrics — no API
//! call, no extra latency. Metrics: Delivered, Failed, FailedOver, SmsLimited,
//! EmailLimited, SmsRefused, Latency, by provider and trigger source, and for SMS by
//! `Country` (the destination's ISO 3166 region); and one line per circuit
//! breaker change: CircuitOpened, ProviderSkipped, ProviderReinstated, by provider.

use std::time::Duration;

use serde_json::{json, Value};
use switchboard_providers::layer::CircuitEvent;
use switchboard_providers::text::epoch_millis;
use switchboard_providers::Channel;

use super::outcome::{HandleError, Outcome, OutcomeStatus};

/// The metric namespace.
pub const NAMESPACE: &str = "Switchboard";

/// What one event contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMetrics<'a> {
    /// The provider that delivered, or the chain that failed.
    pub provider: &'a str,
    /// The trigger source.
    pub trigger_source: &'a str,
    /// Whether a provider accepted the message.
    pub delivered: bool,
    /// Whether it took another provider than the first.
    pub failed_over: bool,
    /// Which guard stopped it (neither delivered nor failed): the SMS pumping
    /// guard or the email bombing guard.
    pub limited: Option<Channel>,
    /// Whether the region or type of its number refused it (a failure too).
    pub refused: bool,
    /// An SMS's destination region.
    pub country: Option<&'a str>,
    /// Handling time in milliseconds.
    pub latency_ms: u64,
}

/// The EMF line for one handled event; `None` for one skipped on purpose
/// (disabled route, duplicate), which is neither delivered nor failed. An SMS
/// stopped by `[sms.limits]` counts as `SmsLimited`, so an alarm can watch it.
pub fn emf_line(
    trigger_source: &str,
    result: &Result<Outcome, HandleError>,
    latency: Duration,
) -> Option<Value> {
    let (provider, delivered, failed_over, limited) = match result {
        Ok(outcome) if outcome.status == OutcomeStatus::Delivered => {
            (outcome.provider.as_str(), true, outcome.failed_over, None)
        }
        Ok(outcome) if outcome.status == OutcomeStatus::Limited => {
            ("none", false, false, Some(outcome.channel))
        }
        Ok(_) => return None,
        Err(HandleError::Send(error)) => (error.provider(), false, false, None),
        Err(_) => ("none", false, false, None),
    };
    let (refused, country) = match result {
        Ok(outcome) => (false, outcome.region.as_deref()),
        Err(
            HandleError::CountryNotAllowed { region, .. }
            | HandleError::NumberTypeNotAllowed { region, .. },
        ) => (true, Some(region.as_str())),
        Err(_) => (false, None),
    };
    Some(line(&EventMetrics {
        provider,
        trigger_source,
        delivered,
        failed_over,
        limited,
        refused,
        country,
        latency_ms: u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
    }))
}

/// The EMF line for one event's metrics.
pub fn line(metrics: &EventMetrics<'_>) -> Value {
    // `[]`: the function-wide totals an alarm watches (SmsLimited, Failed).
    let mut dimensions = json!([["Provider", "TriggerSource"], ["TriggerSource"], []]);
    let mut line = json!({
        "_aws": {
            "Timestamp": epoch_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [],
                "Metrics": [
                    { "Name": "Delivered", "Unit": "Count" },
                    { "Name": "Failed", "Unit": "Count" },
                    { "Name": "FailedOver", "Unit": "Count" },
                    { "Name": "SmsLimited", "Unit": "Count" },
                    { "Name": "EmailLimited", "Unit": "Count" },
                    { "Name": "SmsRefused", "Unit": "Count" },
                    { "Name": "Latency", "Unit": "Milliseconds" }
                ]
            }]
        },
        "Provider": metrics.provider,
        "TriggerSource": metrics.trigger_source,
        "Delivered": u8::from(metrics.delivered),
        "Failed": u8::from(!metrics.delivered && metrics.limited.is_none()),
        "FailedOver": u8::from(metrics.failed_over),
        "SmsLimited": u8::from(metrics.limited == Some(Channel::Sms)),
        "EmailLimited": u8::from(metrics.limited == Some(Channel::Email)),
        "SmsRefused": u8::from(metrics.refused),
        "Latency": metrics.latency_ms,
    });
    if let Some(country) = metrics.country {
        line["Country"] = json!(country);
        if let Some(sets) = dimensions.as_array_mut() {
            sets.push(json!(["Country"]));
        }
    }
    line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = dimensions;
    line
}

/// The EMF line for one circuit breaker change (`switchboard_providers::layer::Breakers`).
pub fn circuit_line(event: &CircuitEvent<'_>) -> Value {
    let (metric, provider) = match *event {
        CircuitEvent::Opened { provider, .. } => ("CircuitOpened", provider),
        CircuitEvent::Skipped { provider } => ("ProviderSkipped", provider),
        CircuitEvent::Reinstated { provider } => ("ProviderReinstated", provider),
    };
    json!({
        "_aws": {
            "Timestamp": epoch_millis(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Provider"], []],
                "Metrics": [{ "Name": metric, "Unit": "Count" }]
            }]
        },
        "Provider": provider,
        metric: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limited_sms_is_neither_delivered_nor_failed() {
        let outcome = Outcome {
            trigger_source: "CustomSMSSender_SignUp".into(),
            channel: switchboard_providers::Channel::Sms,
            provider: String::new(),
            message_id: String::new(),
            recipient: "+49*********01".into(),
            attempts: 0,
            status: OutcomeStatus::Limited,
            failed_over: false,
            region: Some("GB".into()),
        };
        let line = emf_line("CustomSMSSender_SignUp", &Ok(outcome), Duration::ZERO).unwrap();
        let value = line;
        assert_eq!(
            (&value["Delivered"], &value["Failed"], &value["SmsLimited"]),
            (&json!(0), &json!(0), &json!(1))
        );
        assert_eq!(value["Country"], "GB");
        assert_eq!(
            value["_aws"]["CloudWatchMetrics"][0]["Dimensions"][3],
            json!(["Country"])
        );
    }

    #[test]
    fn an_emf_line_declares_its_metrics_and_carries_their_values() {
        let line = line(&EventMetrics {
            provider: "sendgrid",
            trigger_source: "CustomEmailSender_SignUp",
            delivered: true,
            failed_over: true,
            limited: None,
            refused: false,
            country: None,
            latency_ms: 42,
        });
        let value = line;
        assert_eq!(
            value["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "Switchboard"
        );
        let declared: Vec<&str> = value["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        for name in &declared {
            assert!(value.get(*name).is_some(), "{name} has a value");
        }
        assert_eq!(
            (
                value["Delivered"].as_u64(),
                value["Failed"].as_u64(),
                value["FailedOver"].as_u64()
            ),
            (Some(1), Some(0), Some(1))
        );
        assert_eq!(value["Latency"], 42);
        assert_eq!(value["SmsLimited"], 0);
        assert_eq!(
            value["_aws"]["CloudWatchMetrics"][0]["Dimensions"][2],
            serde_json::json!([]),
            "a dimensionless set for alarms"
        );
        assert!(
            !crate::logging::outgoing_json(value).contains('\n'),
            "one line"
        );
    }
}
