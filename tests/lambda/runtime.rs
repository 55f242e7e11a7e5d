//! The real binary as Lambda runs it: AWS_LAMBDA_RUNTIME_API set, events pulled
//! from a Runtime API (tests/support/peers/runtime_api.py), KMS from moto with codes minted by
//! the Python Encryption SDK, SendGrid on a recording server, SNS on moto.

use crate::harness::{branding, example, minted, provider_env, run_as_lambda};
use serde_json::Value;
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::mint_with_python;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(key: &str, sendgrid: &str) -> Vec<(&'static str, String)> {
    let mut env = branding();
    env.push(("SWITCHBOARD_DECRYPT__KEY_ARN", key.to_string()));
    let section = [
        ("type", "sendgrid".into()),
        ("api_key", "env:SG_KEY".into()),
        ("base_url", sendgrid.to_string()),
    ];
    env.extend(provider_env("sendgrid", &section));
    env.extend(provider_env("sns", &[("type", "sns".into())]));
    env.extend([
        ("SWITCHBOARD_EMAIL__PROVIDERS", "sendgrid".into()),
        ("SWITCHBOARD_SMS__PROVIDERS", "sns".into()),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "1".into()),
        ("SG_KEY", "SG.lambda-test".into()),
    ]);
    env
}

/// A SendGrid stand-in that accepts every mail (message id `sg-lambda`).
async fn sendgrid_accepting() -> MockServer {
    let sendgrid = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-lambda"))
        .mount(&sendgrid)
        .await;
    sendgrid
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_serves_email_sms_and_custom_message_events_as_a_lambda() {
    let key = moto().create_kms_key().await;
    let sendgrid = sendgrid_accepting().await;
    let email = minted("events/CustomEmailSender_ForgotPassword", &key, "580231");
    let mut sms = example("events/CustomSMSSender_Authentication");
    sms["request"]["userAttributes"]["phone_number"] = "+12025550177".into();
    sms["request"]["code"] = mint_with_python(moto(), &key, "us-east-1_EXAMPLE1", "771133").into();
    let custom_message = example("custom-message/CustomMessage_SignUp");

    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(
        dir.path(),
        &[email, sms, custom_message],
        &config(&key, &sendgrid.uri()),
    );
    let metric_lines: Vec<Value> = printed
        .lines()
        .filter(|l| l.contains("CloudWatchMetrics"))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        metric_lines.len(),
        2,
        "one EMF line per delivered custom sender event: {printed}"
    );
    assert!(metric_lines
        .iter()
        .any(|m| m["Provider"] == "sendgrid" && m["Delivered"] == 1));
    assert!(
        printed.contains("\"message\":\"event handled\""),
        "JSON logs: {printed}"
    );
    for text in printed_text(&printed) {
        assert!(
            !text.contains("580231") && !text.contains("771133"),
            "no code in the function's output: {text}"
        );
    }
    assert_eq!(results["init_error"], Value::Null, "{results}");
    let invocations = results["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 3, "{results}");
    for invocation in invocations {
        assert_eq!(invocation["status"], "response", "{invocation}");
    }
    let email_outcome: Value =
        serde_json::from_str(invocations[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            email_outcome["provider"].as_str(),
            email_outcome["messageId"].as_str()
        ),
        (Some("sendgrid"), Some("sg-lambda"))
    );
    let requests = sendgrid.received_requests().await.unwrap();
    let mail = requests
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .expect("the mail was sent");
    let sent: Value = serde_json::from_slice(&mail.body).unwrap();
    assert!(
        sent["content"][0]["value"]
            .as_str()
            .unwrap()
            .contains("580231"),
        "the Python-minted code was decrypted and sent"
    );
    let data = moto().data().await;
    let sns = data["sns"]["SMS"].as_array().unwrap();
    assert!(
        sns.iter().any(|m| m["phone_number"] == "+12025550177"
            && m["message"].as_str().unwrap().contains("771133")),
        "{sns:?}"
    );
    let answer: Value = serde_json::from_str(invocations[2]["body"].as_str().unwrap()).unwrap();
    assert!(answer["response"]["smsMessage"]
        .as_str()
        .unwrap()
        .contains("{####}"));
    // Nothing secret in what the function printed is checked by no_secrets_in_logs.rs;
    // here the figures the bench script reads must exist.
    assert!(results["cold_start_to_first_response_ms"]
        .as_f64()
        .is_some());
}

/// The text of what the function printed: each JSON line's strings, each other
/// line whole. A code's digits can occur by chance in a number (a millisecond
/// timestamp, a latency), which carries no secret.
fn printed_text(printed: &str) -> Vec<String> {
    fn strings(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::String(text) => into.push(text.clone()),
            Value::Array(items) => items.iter().for_each(|v| strings(v, into)),
            Value::Object(fields) => fields.values().for_each(|v| strings(v, into)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    for line in printed.lines() {
        match serde_json::from_str::<Value>(line) {
            Ok(value) => strings(&value, &mut texts),
            Err(_) => texts.push(line.to_string()),
        }
    }
    texts
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_whose_digits_are_in_the_metric_timestamp_keeps_the_metric_line_whole() {
    let key = moto().create_kms_key().await;
    let sendgrid = sendgrid_accepting().await;
    // The leading digits of the time in milliseconds change every 2.8 hours:
    // the metric line's timestamp starts with this code.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let code = &now_ms[..6];
    let email = minted("events/CustomEmailSender_ForgotPassword", &key, code);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &[email], &config(&key, &sendgrid.uri()));
    assert_eq!(results["invocations"][0]["status"], "response", "{results}");
    let metric = crate::harness::metric_line(&printed, "Delivered");
    assert!(
        metric["_aws"]["Timestamp"].as_u64().is_some(),
        "the timestamp is a number: {metric}"
    );
    for text in printed_text(&printed) {
        assert!(!text.contains(code), "the code in the output: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_lambda_the_runtime_has_one_worker_unless_tokio_worker_threads_says_otherwise() {
    let key = moto().create_kms_key().await;
    let sendgrid = sendgrid_accepting().await;
    let threads = |extra: &[(&'static str, String)]| {
        let email = minted("events/CustomEmailSender_ForgotPassword", &key, "918240");
        let mut env = config(&key, &sendgrid.uri());
        env.extend(extra.iter().cloned());
        let dir = tempfile::tempdir().unwrap();
        let (results, printed) = run_as_lambda(dir.path(), &[email], &env);
        assert_eq!(
            results["invocations"][0]["status"], "response",
            "{results}\n{printed}"
        );
        results["threads_after_last"].as_u64().unwrap()
    };
    let default = threads(&[]);
    let four = threads(&[("TOKIO_WORKER_THREADS", "4".into())]);
    assert_eq!(
        four - default,
        3,
        "one worker by default ({default} threads), four when asked ({four})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_chain_makes_the_invocation_fail() {
    let key = moto().create_kms_key().await;
    let email = minted("events/CustomEmailSender_SignUp", &key, "1");
    let dead = format!("http://127.0.0.1:{}", switchboard_testkit::REFUSED_PORT);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &[email], &config(&key, &dead));
    assert!(
        printed
            .lines()
            .any(|l| l.contains("CloudWatchMetrics") && l.contains("\"Failed\":1")),
        "{printed}"
    );
    let invocation = &results["invocations"][0];
    assert_eq!(invocation["status"], "error", "{results}");
    assert!(
        invocation["body"]
            .as_str()
            .unwrap()
            .contains("not delivered"),
        "{invocation}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_configuration_fails_the_init_with_one_message() {
    let dir = tempfile::tempdir().unwrap();
    let event = example("events/CustomEmailSender_SignUp");
    // The development defaults inside Lambda: refused before the first event.
    let (results, printed) = run_as_lambda(
        dir.path(),
        &[event],
        &[(
            "SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT",
            "false".into(),
        )],
    );
    assert!(
        printed.contains("insecure development key"),
        "the reason is printed: {printed}"
    );
    assert!(
        results["invocations"].as_array().unwrap().is_empty(),
        "{results}"
    );
    let record: Value = serde_json::from_str(results["init_error"].as_str().unwrap()).unwrap();
    assert_eq!(
        record["errorType"], "InitRefused",
        "the Runtime API got the init error"
    );
    assert_eq!(
        results["exit_code_before_stop"], 1,
        "then the process exited: {results}"
    );
}
