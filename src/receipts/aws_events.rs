//! The AWS services' events as Lambda gets them: an EventBridge event (SES's
//! configuration set destination, End User Messaging's) or SNS records (End
//! User Messaging's event destination), each unwrapped to the service's own
//! event and the id of its delivery.

use serde_json::Value;

/// The EventBridge sources whose events carry receipts.
const SOURCES: [&str; 2] = ["aws.ses", "aws.sms-voice"];

/// The service events in `payload` with their delivery ids; `None` when it is
/// neither an EventBridge event of a receipts source nor SNS records.
pub fn events(payload: &Value) -> Option<Vec<(Value, String)>> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    if payload["detail-type"].is_string() {
        let source = payload["source"].as_str()?;
        return SOURCES
            .contains(&source)
            .then(|| vec![(payload["detail"].clone(), text(&payload["id"]))]);
    }
    let records = payload["Records"].as_array()?;
    let events: Vec<(Value, String)> = records
        .iter()
        .filter(|record| record["EventSource"] == "aws:sns")
        .filter_map(|record| {
            let message = serde_json::from_str(record["Sns"]["Message"].as_str()?).ok()?;
            Some((message, text(&record["Sns"]["MessageId"])))
        })
        .collect();
    (!events.is_empty()).then_some(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_sns_record_is_unwrapped_and_another_eventbridge_source_is_not_ours() {
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": "{\"eventType\":\"TEXT_DELIVERED\"}"}}]});
        let events = events(&sns).unwrap();
        assert_eq!(events[0].1, "m-1");
        assert_eq!(events[0].0["eventType"], "TEXT_DELIVERED");
        let ec2 = json!({"detail-type": "EC2 Instance State-change Notification", "source": "aws.ec2", "detail": {}});
        assert_eq!(super::events(&ec2), None);
    }
}
