//! The AWS providers with receipts, as the binary sends through them inside
//! Lambda: SES puts the event's id, the send time and the trigger source into
//! `EmailTags` (which its configuration set's event destination publishes with
//! each delivery event), End User Messaging SMS into `Context`.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use switchboard::cognito::event::CustomSenderEvent;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

use switchboard_testkit::lambda::section_env;

use crate::harness::{branding, minted, run_as_lambda};

fn event_id(event: &Value) -> String {
    serde_json::from_value::<CustomSenderEvent>(event.clone())
        .unwrap()
        .id()
        .unwrap()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test(flavor = "multi_thread")]
async fn ses_tags_and_end_user_messaging_context_carry_the_event_id_and_send_time() {
    let key = moto().create_kms_key().await;
    let accepting = || {
        Hostile::start(vec![Mode::with_headers(
            200,
            &[("Content-Type", "application/json")],
            r#"{"MessageId": "accepted-1"}"#,
        )])
    };
    let (ses, sms) = (accepting(), accepting());
    let email = minted("events/CustomEmailSender_SignUp", &key, "402913");
    let mut text = minted("events/CustomSMSSender_Authentication", &key, "402914");
    text["request"]["userAttributes"]["phone_number"] = "+12025550177".into();
    let mut env = branding();
    env.extend(section_env("mail", "type=ses configuration_set=receipts"));
    env.extend(section_env(
        "text",
        "type=aws-sms origination_identity=+15005550006 configuration_set=receipts",
    ));
    env.push(("SWITCHBOARD_DECRYPT__KEY_ARN", key.clone()));
    env.push(("SWITCHBOARD_EMAIL__PROVIDERS", "mail".into()));
    env.push(("SWITCHBOARD_SMS__PROVIDERS", "text".into()));
    env.push(("SWITCHBOARD_DELIVERY__PRECONNECT", "false".into()));
    // Each AWS API on its recording server.
    env.push(("AWS_ENDPOINT_URL_SESV2", ses.url()));
    env.push(("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", sms.url()));
    let dir = tempfile::tempdir().unwrap();
    let before = now_ms();
    let (results, printed) = run_as_lambda(dir.path(), &[email.clone(), text.clone()], &env);
    let after = now_ms();
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{results}\n{printed}");
    }

    let sent: Value = serde_json::from_slice(&ses.received()[0].body).unwrap();
    assert_eq!(sent["ConfigurationSetName"], "receipts", "{sent}");
    let tags: BTreeMap<String, String> = sent["EmailTags"]
        .as_array()
        .unwrap_or_else(|| panic!("EmailTags in {sent}"))
        .iter()
        .map(|tag| {
            (
                tag["Name"].as_str().unwrap().to_string(),
                tag["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(tags.get("sb_event_id"), Some(&event_id(&email)), "{tags:?}");
    assert_eq!(
        tags.get("trigger_source").map(String::as_str),
        Some("CustomEmailSender_SignUp")
    );
    let at: u64 = tags["sb_sent_at"].parse().unwrap();
    assert!(before <= at && at <= after, "{at}");

    let sent: Value = serde_json::from_slice(&sms.received()[0].body).unwrap();
    assert_eq!(sent["ConfigurationSetName"], "receipts", "{sent}");
    let context = &sent["Context"];
    assert_eq!(context["sb_event_id"], json!(event_id(&text)), "{sent}");
    assert_eq!(context["TriggerSource"], "CustomSMSSender_Authentication");
    let at: u64 = context["sb_sent_at"].as_str().unwrap().parse().unwrap();
    assert!(before <= at && at <= after, "{at}");
}
