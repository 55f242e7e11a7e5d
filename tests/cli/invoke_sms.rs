//! The real binary: `switchboard invoke` for SMS, the chain chosen by one
//! environment variable — Twilio, SNS, and AWS End User Messaging SMS configured
//! by environment alone.

use std::process::Command;
use switchboard_testkit::moto::moto;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::invoke::{config_file, outcome, BINARY};

#[tokio::test(flavor = "multi_thread")]
async fn one_environment_variable_swaps_sms_between_twilio_and_sns() {
    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"sid": "SMcli"})))
        .mount(&twilio)
        .await;
    let config = config_file(&format!(
        r#"
[providers.twilio]
type = "twilio"
account_sid = "AC00000000000000000000000000000000"
auth_token = "env:TEST_TWILIO_TOKEN"
from = "+15005550006"
base_url = "{}"

[providers.sns]
type = "sns"
"#,
        twilio.uri()
    ));
    let sms_examples: Vec<_> = switchboard::cli::examples::EVENTS
        .iter()
        .filter(|(name, _)| name.starts_with("CustomSMSSender_"))
        .collect();
    assert_eq!(sms_examples.len(), 7);
    for provider in ["twilio", "sns"] {
        for (name, _) in &sms_examples {
            let event = format!("{}/examples/events/{name}.json", env!("CARGO_MANIFEST_DIR"));
            let output = Command::new(BINARY)
                .args(["invoke", &event])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("SWITCHBOARD_CONFIG", config.path())
                .env("SWITCHBOARD_SMS__PROVIDERS", provider)
                .env("TEST_TWILIO_TOKEN", "twilio-test-token")
                .envs(moto().env())
                .output()
                .unwrap();
            let sent = outcome(&output);
            assert_eq!(sent["provider"], provider, "{name}");
        }
    }
    assert_eq!(twilio.received_requests().await.unwrap().len(), 7);
    let data = moto().data().await;
    let to_example = data["sns"]["SMS"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["phone_number"] == "+12025550123")
        .count();
    assert!(
        to_example >= 7,
        "SNS has the 7 example messages ({to_example})"
    );
}

// `type = "aws-sms"` chosen and configured by environment variables alone: the
// request that reaches the recording server is the one `tests/aws_sms.rs` of
// the providers crate checks row by row.

const EUM_TARGET: &str = "PinpointSMSVoiceV2.SendTextMessage";
const EUM_ACCESS_KEY: &str = "AKIDSWITCHBOARDTEST";
const EUM_SECRET_KEY: &str = "switchboard-sms-test-secret";

async fn accepting_send_text_message(message_id: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(wiremock::matchers::header("x-amz-target", EUM_TARGET))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(serde_json::json!({ "MessageId": message_id })),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn switchboard_invoke_sends_through_aws_sms_configured_by_environment_alone() {
    let server = accepting_send_text_message("eum-cli").await;
    let event = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/events/CustomSMSSender_Authentication.json"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["invoke", event])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // The standard per-service endpoint variable of the AWS SDKs.
        .env("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", server.uri())
        .env("AWS_ACCESS_KEY_ID", EUM_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", EUM_SECRET_KEY)
        .env("AWS_REGION", "eu-central-1")
        .env("SWITCHBOARD_PROVIDERS__EUM__TYPE", "aws-sms")
        .env(
            "SWITCHBOARD_PROVIDERS__EUM__ORIGINATION_IDENTITY",
            "pool-0a1b2c3d",
        )
        .env("SWITCHBOARD_PROVIDERS__EUM__CONFIGURATION_SET", "cognito")
        .env(
            "SWITCHBOARD_PROVIDERS__EUM__PROTECT_CONFIGURATION_ID",
            "protect-cli",
        )
        .env("SWITCHBOARD_PROVIDERS__EUM__MAX_PRICE", "0.10")
        .env("SWITCHBOARD_SMS__PROVIDERS", "eum")
        // The example event's app client sends from its own registered sender ID.
        .env(
            "SWITCHBOARD_CLIENTS__6u7c9vr3pkstoog1example2ab__SENDER_ID",
            "AcmeApp",
        )
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .output()
        .unwrap();
    switchboard_testkit::stdout_of(&output);
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (outcome["provider"].as_str(), outcome["messageId"].as_str()),
        (Some("eum"), Some("eum-cli"))
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    switchboard_testkit::sigv4::assert_signed(
        &requests[0],
        EUM_SECRET_KEY,
        "eu-central-1",
        "sms-voice",
        &["x-amz-target"],
    );
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["DestinationPhoneNumber"], "+12025550123");
    assert_eq!(body["OriginationIdentity"], "AcmeApp");
    assert_eq!(body["ConfigurationSetName"], "cognito");
    assert_eq!(body["ProtectConfigurationId"], "protect-cli");
    assert_eq!(body["MaxPrice"], "0.10");
    assert_eq!(body["MessageType"], "TRANSACTIONAL");
    assert_eq!(
        body["Context"]["TriggerSource"],
        "CustomSMSSender_Authentication"
    );
    assert_eq!(body["Context"]["UserPoolId"], "us-east-1_EXAMPLE1");
    assert!(body["MessageBody"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| c.is_ascii_digit()));
}
