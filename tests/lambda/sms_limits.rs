//! The SMS pumping guard inside the Lambda runtime, configured by environment
//! variables alone: over the limit the invocation answers `Ok`, counts
//! `SmsLimited` and names the limit without the number.

use switchboard_testkit::moto::moto;

#[tokio::test(flavor = "multi_thread")]
async fn as_a_lambda_configured_by_environment_alone_the_guard_answers_ok_and_counts_sms_limited() {
    use crate::harness::{branding, example, metric_line, run_as_lambda, statuses};
    use serde_json::Value;
    use switchboard_testkit::python::mint_with_python;
    use wiremock::matchers::{header, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let key = moto().create_kms_key().await;
    let table = moto().create_idempotency_table().await;
    let aws_sms = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "PinpointSMSVoiceV2.SendTextMessage"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(serde_json::json!({"MessageId": "eum-lambda"})),
        )
        .mount(&aws_sms)
        .await;
    let number = "+12025550188";
    let events: Vec<Value> = ["111111", "222222", "333333"]
        .iter()
        .map(|code| {
            let mut event = example("events/CustomSMSSender_Authentication");
            event["request"]["userAttributes"]["phone_number"] = number.into();
            event["request"]["code"] =
                mint_with_python(moto(), &key, "us-east-1_EXAMPLE1", code).into();
            event
        })
        .collect();
    let mut env = branding();
    env.extend([
        ("SWITCHBOARD_DECRYPT__KEY_ARN", key.clone()),
        ("SWITCHBOARD_PROVIDERS__EUM__TYPE", "aws-sms".into()),
        ("SWITCHBOARD_SMS__PROVIDERS", "eum".into()),
        // Email needs a real chain inside Lambda; no email is sent here.
        ("SWITCHBOARD_PROVIDERS__HOOK__TYPE", "webhook".into()),
        (
            "SWITCHBOARD_PROVIDERS__HOOK__URL",
            format!("{}/hook", aws_sms.uri()),
        ),
        (
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET",
            "whsec_c3dpdGNoYm9hcmQtdGVzdA==".into(),
        ),
        ("SWITCHBOARD_EMAIL__PROVIDERS", "hook".into()),
        ("SWITCHBOARD_SMS__LIMITS__PER_NUMBER", "2".into()),
        (
            "SWITCHBOARD_SMS__LIMITS__WINDOW_SECONDS",
            switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON.to_string(),
        ),
        (
            "SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__DEFAULT",
            "100".into(),
        ),
        ("SWITCHBOARD_SMS__LIMITS__TABLE", table),
        ("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", aws_sms.uri()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &events, &env);

    assert_eq!(results["init_error"], Value::Null, "{results}");
    let statuses: Vec<String> = statuses(&results, &printed);
    assert_eq!(statuses, ["delivered", "delivered", "limited"]);
    let sends = aws_sms.received_requests().await.unwrap();
    let sends = sends
        .iter()
        .filter(|r| r.headers.contains_key("x-amz-target"))
        .count();
    assert_eq!(sends, 2, "the webhook's connection opened at init aside");
    let limited_metric = metric_line(&printed, "SmsLimited");
    assert_eq!(
        (
            limited_metric["Delivered"].as_u64(),
            limited_metric["Failed"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(limited_metric["Country"], "US", "the region, not +1");
    assert!(
        limited_metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["Country"])),
        "{limited_metric}"
    );
    let warning = printed
        .lines()
        .find(|l| l.contains("SMS limit reached"))
        .unwrap_or_else(|| panic!("a warning for the limited SMS: {printed}"));
    switchboard_testkit::assert_mentions(warning, &["WARN", "sms.limits.per_number"]);
    assert!(
        !printed.contains(number) && printed.contains("+12*******88"),
        "the number is masked in every line: {printed}"
    );
}
