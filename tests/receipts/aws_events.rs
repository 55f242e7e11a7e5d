//! SES's events through EventBridge and End User Messaging's through SNS, in
//! the shapes AWS documents, reach the trail; an event of another
//! configuration set is not stored, and nobody can post them over HTTP.

use serde_json::{json, Value};

use switchboard_testkit::lambda::section_env;

use crate::harness::{
    answers, environment, event_id, function_url, metric_lines, now_secs, run_receipts, trail,
};

pub(crate) fn aws_providers() -> Vec<(&'static str, String)> {
    let mut env = section_env("mail", "type=ses configuration_set=receipts");
    env.extend(section_env(
        "text",
        "type=aws-sms origination_identity=+15005550006 configuration_set=receipts-sms",
    ));
    env
}

/// An SES event as EventBridge delivers it.
pub(crate) fn ses_event(
    id: &str,
    configuration_set: &str,
    kind: &str,
    detail: Value,
    sent_at: u64,
) -> Value {
    let mut detail = detail;
    detail["eventType"] = json!(kind);
    detail["mail"] = json!({
        "timestamp": "2026-12-07T10:00:00.000Z",
        "source": "no-reply@acme.test",
        "messageId": "0100018c7f2b3b4e-1a2b3c4d-000000",
        "destination": ["recipient@example.com"],
        "tags": {
            "ses:configuration-set": [configuration_set],
            "ses:from-domain": ["acme.test"],
            "sb_event_id": [id],
            "sb_sent_at": [sent_at.to_string()],
            "trigger_source": ["CustomEmailSender_SignUp"],
        },
    });
    json!({
        "version": "0",
        "id": format!("eb-{kind}-{}", &id[..12]),
        "detail-type": format!("Email {kind}"),
        "source": "aws.ses",
        "account": "123456789012",
        "time": "2026-12-07T10:00:02Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
}

/// An End User Messaging SMS event as its SNS event destination delivers it.
pub(crate) fn sms_event(id: &str, kind: &str, sent_at: u64) -> Value {
    let message = json!({
        "eventType": kind,
        "eventVersion": "1.0",
        "eventTimestamp": now_secs() * 1000,
        "isFinal": true,
        "originationPhoneNumber": "+15005550006",
        "destinationPhoneNumber": "+12025550177",
        "isoCountryCode": "US",
        "messageId": "862a8790-60c0-4430-9b2b-658bdexample",
        "messageStatus": kind.trim_start_matches("TEXT_"),
        "messageStatusDescription": "Message blocked by carrier",
        "context": {"TriggerSource": "CustomSMSSender_Authentication", "sb_event_id": id, "sb_sent_at": sent_at.to_string()},
    });
    json!({"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:aws:sns:us-east-1:123456789012:sms-events:2bcfbf39",
        "Sns": {
            "Type": "Notification",
            "MessageId": format!("sns-{kind}-{}", &id[..12]),
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:sms-events",
            "Message": message.to_string(),
            "Timestamp": "2026-12-07T10:00:03.000Z",
        },
    }]})
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_and_end_user_messaging_events_reach_the_trail_and_others_do_not() {
    let (env, table) = environment(aws_providers()).await;
    let sent_at = now_secs() * 1000 - 2_000;
    let (delivered, bounced, theirs, blocked) = (
        event_id("ses-delivered"),
        event_id("ses-bounced"),
        event_id("ses-theirs"),
        event_id("sms-blocked"),
    );
    let delivered_at = chrono::DateTime::from_timestamp_millis(sent_at as i64 + 1_500)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let events = vec![
        ses_event(
            &delivered,
            "receipts",
            "Delivery",
            json!({"delivery": {"timestamp": delivered_at, "processingTimeMillis": 1500, "recipients": ["recipient@example.com"], "smtpResponse": "250 2.0.0 OK"}}),
            sent_at,
        ),
        ses_event(
            &bounced,
            "receipts",
            "Bounce",
            json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": delivered_at, "bouncedRecipients": [{"emailAddress": "recipient@example.com", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}}),
            sent_at,
        ),
        ses_event(
            &theirs,
            "another-apps-set",
            "Delivery",
            json!({"delivery": {"timestamp": delivered_at}}),
            sent_at,
        ),
        sms_event(&blocked, "TEXT_BLOCKED", sent_at),
    ];
    let (results, printed) = run_receipts(&events, &env);
    let stored: Vec<Value> = results["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "response", "{i}\n{printed}");
            serde_json::from_str(i["body"].as_str().unwrap()).unwrap()
        })
        .collect();
    assert_eq!(
        stored
            .iter()
            .map(|s| s["stored"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 1, 0, 1],
        "{printed}"
    );
    let item = trail(&table, &delivered, "mail").await.unwrap();
    assert_eq!(
        (item["status"].as_str(), item["channel"].as_str()),
        ("delivered", "email")
    );
    assert_eq!(item["at"], (sent_at + 1_500).to_string());
    let item = trail(&table, &bounced, "mail").await.unwrap();
    assert_eq!(
        (item["status"].as_str(), item["reason"].as_str()),
        ("bounced", "5.1.1")
    );
    assert_eq!(trail(&table, &theirs, "mail").await, None);
    let item = trail(&table, &blocked, "text").await.unwrap();
    assert_eq!(
        (item["status"].as_str(), item["reason"].as_str()),
        ("blocked", "TEXT_BLOCKED")
    );
    let delivery = metric_lines(&printed)
        .into_iter()
        .find(|m| m["Provider"] == "mail" && m["Delivered"] == 1)
        .unwrap();
    assert_eq!(delivery["TimeToDelivery"], 1_500);
    let blocked = metric_lines(&printed)
        .into_iter()
        .find(|m| m["Provider"] == "text" && m["Blocked"] == 1)
        .unwrap();
    assert_eq!(
        blocked["Country"], "US",
        "the region End User Messaging names: {blocked}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_can_post_an_aws_services_receipt_over_http() {
    let (env, table) = environment(aws_providers()).await;
    let id = event_id("posted");
    let event = ses_event(&id, "receipts", "Delivery", json!({"delivery": {}}), 1);
    let posted = function_url(
        "/mail",
        "",
        &json!({"content-type": "application/json"}),
        event["detail"].to_string().as_bytes(),
    );
    let (results, printed) = run_receipts(&[posted], &env);
    assert_eq!(answers(&results, &printed)[0].0, 401, "{printed}");
    assert_eq!(trail(&table, &id, "mail").await, None);
}
