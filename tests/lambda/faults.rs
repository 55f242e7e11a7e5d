//! The real binary as a Lambda (Runtime API stand-in, which enforces the
//! function's timeout) against providers that misbehave: one deadline bounds the
//! whole event, the AWS sending clients do not retry inside our retry, and the
//! error record names the failure's class. KMS and DynamoDB on moto; codes minted
//! by the Python Encryption SDK.

use std::time::UNIX_EPOCH;

use crate::harness::{
    branding, delivering_to, example, minted, primary_then_backup, run_as_lambda,
    run_as_lambda_with_timeout,
};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::mint_with_python;

fn error_of(invocation: &Value) -> Value {
    assert_eq!(invocation["status"], "error", "{invocation}");
    serde_json::from_str(invocation["body"].as_str().unwrap()).unwrap()
}

/// Two providers that never answer, a 15 s function timeout and a 1.5 s margin:
/// the invocation reports its error by 13.5 s, the second provider is not started
/// after the deadline, and the idempotency claim is released for Lambda's retry.
#[tokio::test(flavor = "multi_thread")]
async fn two_hanging_providers_end_by_the_deadline_and_release_the_claim() {
    let key = moto().create_kms_key().await;
    let table = moto().create_idempotency_table().await;
    let primary = Hostile::start(vec![Mode::Hang]);
    let backup = Hostile::start(vec![Mode::Hang]);
    let event = minted("events/CustomEmailSender_SignUp", &key, "402913");
    let mut env = primary_then_backup(&key, primary.url(), backup.url());
    env.extend([
        ("SWITCHBOARD_IDEMPOTENCY__TABLE", table.clone()),
        // The budget is not what stops it here: the invocation's deadline is.
        ("SWITCHBOARD_DELIVERY__BUDGET_MS", "20000".into()),
        ("SWITCHBOARD_DELIVERY__ATTEMPT_TIMEOUT_MS", "4000".into()),
        ("SWITCHBOARD_DELIVERY__DEADLINE_MARGIN_MS", "1500".into()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) =
        run_as_lambda_with_timeout(dir.path(), std::slice::from_ref(&event), &env, 15_000);
    let invocation = &results["invocations"][0];
    assert_eq!(
        invocation["status"], "error",
        "answered before Lambda's timeout: {results}\n{printed}"
    );
    assert_eq!(error_of(invocation)["errorType"], "NotDelivered");
    let latency = invocation["latency_ms"].as_f64().unwrap();
    assert!(
        latency < 14_300.0,
        "the error came at {latency} ms, after the 13.5 s deadline"
    );
    let deadline = invocation["started_at"].as_f64().unwrap() + 13.5;
    for request in backup.received() {
        let at = request.at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
        assert!(
            at <= deadline,
            "the backup was started {:.2} s after the deadline",
            at - deadline
        );
    }
    assert_eq!(primary.received().len(), 3, "max_attempts on the primary");
    // The claim was released: Lambda's retry of this event may send.
    let parsed = switchboard::cognito::event::from_value(event).unwrap();
    let item = aws_sdk_dynamodb::Client::new(&moto().sdk_config())
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S(parsed.id().unwrap()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(
        item.item().is_none(),
        "claim left behind: {:?}",
        item.item()
    );
    assert!(
        printed.contains("CloudWatchMetrics") && printed.contains("\"Failed\":1"),
        "the metric line was written: {printed}"
    );
}

/// SES and SNS throttle every call (their endpoints point at a throttling server,
/// KMS stays on moto): each provider is called exactly `max_attempts` times — the
/// SDK's own retries would make it 3 × 3.
#[tokio::test(flavor = "multi_thread")]
async fn the_sending_sdks_do_not_retry_inside_our_retry() {
    let key = moto().create_kms_key().await;
    let ses = Hostile::start(vec![Mode::with_headers(
        429,
        &[
            ("x-amzn-ErrorType", "TooManyRequestsException"),
            ("Content-Type", "application/json"),
        ],
        r#"{"message":"Maximum sending rate exceeded."}"#,
    )]);
    let sns = Hostile::start(vec![Mode::with_headers(
        400,
        &[("Content-Type", "text/xml")],
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>t-1</RequestId></ErrorResponse>",
    )]);
    let email = minted("events/CustomEmailSender_SignUp", &key, "1");
    let sms = minted("events/CustomSMSSender_SignUp", &key, "2");
    let mut env = branding();
    env.extend([
        ("SWITCHBOARD_DECRYPT__KEY_ARN", key.clone()),
        ("SWITCHBOARD_PROVIDERS__SES__TYPE", "ses".into()),
        ("SWITCHBOARD_PROVIDERS__SNS__TYPE", "sns".into()),
        ("SWITCHBOARD_EMAIL__PROVIDERS", "ses".into()),
        ("SWITCHBOARD_SMS__PROVIDERS", "sns".into()),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "3".into()),
        ("SWITCHBOARD_DELIVERY__BASE_DELAY_MS", "10".into()),
        ("SWITCHBOARD_DELIVERY__MAX_DELAY_MS", "20".into()),
        ("AWS_ENDPOINT_URL_SESV2", ses.url()),
        ("AWS_ENDPOINT_URL_SNS", sns.url()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &[email, sms], &env);
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(
            error_of(invocation)["errorType"],
            "NotDelivered",
            "{printed}"
        );
    }
    assert_eq!(ses.received().len(), 3, "SES calls");
    assert_eq!(sns.received().len(), 3, "SNS calls");
}

/// The error record — what CloudWatch, the on-failure destination and alarms
/// show — names the class of failure, and its message names no URL or address.
#[tokio::test(flavor = "multi_thread")]
async fn the_error_record_names_the_failure_class() {
    let key = moto().create_kms_key().await;
    let refuses = Hostile::start(vec![Mode::with_headers(503, &[], "")]);
    let undeliverable = minted("events/CustomEmailSender_SignUp", &key, "1");
    let mut foreign = example("events/CustomEmailSender_SignUp");
    foreign["request"]["code"] = mint_with_python(moto(), &key, "us-east-1_Elsewhere", "1").into();
    let mut malformed = example("events/CustomEmailSender_SignUp");
    malformed["request"]["userAttributes"] = Value::from(5);
    let mut far_away = minted("events/CustomSMSSender_SignUp", &key, "1");
    far_away["request"]["userAttributes"]["phone_number"] = "+2348031234567".into();
    let mut env = delivering_to(&key, format!("{}/hook?token=s3cr3t", refuses.url()));
    env.extend([
        ("SWITCHBOARD_SMS__DENIED_COUNTRIES", "234".into()),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "1".into()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(
        dir.path(),
        &[undeliverable, foreign, malformed, far_away],
        &env,
    );
    let classes: Vec<Value> = results["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| error_of(i)["errorType"].clone())
        .collect();
    assert_eq!(
        classes,
        ["NotDelivered", "DecryptFailed", "InvalidEvent", "Refused"],
        "{results}\n{printed}"
    );
    for invocation in results["invocations"].as_array().unwrap() {
        let message = error_of(invocation)["errorMessage"]
            .as_str()
            .unwrap()
            .to_string();
        for private in ["s3cr3t", "127.0.0.1", "jane.doe@example.com", "8031234567"] {
            assert!(!message.contains(private), "`{private}` in {message}");
        }
    }
    assert!(
        !printed.contains("s3cr3t"),
        "the webhook URL's token is not logged"
    );
}
