//! Hostile AWS on the Lambda path: the real binary under the Runtime API
//! stand-in, with every AWS call going through `switchboard_testkit::aws_proxy`
//! (`AWS_ENDPOINT_URL`) in front of moto. A claim applied but answered late is
//! still this invocation's own; a DynamoDB that hangs cannot keep the
//! invocation past its deadline.

use serde_json::Value;
use switchboard_testkit::aws_proxy::{AwsProxy, Fault};
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

use crate::harness::{delivering_to, minted, run_as_lambda_with_timeout};

const PUT: &str = "DynamoDB_20120810.PutItem";

/// The environment of a function that claims events in `table` and delivers
/// email through a webhook at `hook`, with every AWS call through `proxy`.
fn environment(
    key: &str,
    table: &str,
    hook: &str,
    proxy: &AwsProxy,
) -> Vec<(&'static str, String)> {
    let mut env = delivering_to(key, format!("{hook}/hook"));
    env.extend([
        ("SWITCHBOARD_IDEMPOTENCY__TABLE", table.to_string()),
        ("SWITCHBOARD_IDEMPOTENCY__ON_STORE_ERROR", "fail".into()),
        ("AWS_ENDPOINT_URL", proxy.url()),
    ]);
    env
}

async fn signup_event(key: &str) -> Value {
    minted("events/CustomEmailSender_SignUp", key, "551903")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_claim_answered_late_delivers_once_inside_lambda() {
    let proxy = AwsProxy::start(&moto().endpoint);
    proxy.fail(
        PUT,
        vec![Fault::LateAfterApply(std::time::Duration::from_millis(
            1600,
        ))],
    );
    let key = moto().create_kms_key().await;
    let table = moto().create_idempotency_table().await;
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let event = signup_event(&key).await;
    let dir = tempfile::tempdir().unwrap();
    let env = environment(&key, &table, &hook.url(), &proxy);
    let (results, printed) =
        run_as_lambda_with_timeout(dir.path(), &[event.clone(), event], &env, 15_000);
    let invocations = results["invocations"].as_array().unwrap();
    let statuses: Vec<String> = invocations
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "response", "{i}\n{printed}");
            let body: Value = serde_json::from_str(i["body"].as_str().unwrap()).unwrap();
            body["status"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(statuses, ["delivered", "duplicate"], "{printed}");
    assert_eq!(hook.received().len(), 1, "delivered once");
    assert_eq!(
        proxy.calls(PUT).len(),
        3,
        "the late claim, its repeat, the duplicate's claim"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_dynamodb_cannot_keep_the_invocation_past_its_deadline() {
    let proxy = AwsProxy::start(&moto().endpoint);
    proxy.always(PUT, None, Fault::Hang);
    let key = moto().create_kms_key().await;
    let table = moto().create_idempotency_table().await;
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let event = signup_event(&key).await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = environment(&key, &table, &hook.url(), &proxy);
    // A 2.5 s function: the deadline (1 s before it) comes before the
    // DynamoDB client's own 2 s operation timeout would.
    env.push(("SWITCHBOARD_DELIVERY__DEADLINE_MARGIN_MS", "1000".into()));
    let (results, printed) = run_as_lambda_with_timeout(dir.path(), &[event], &env, 2_500);
    let invocation = &results["invocations"][0];
    assert_eq!(
        invocation["status"], "error",
        "answered, not killed: {results}\n{printed}"
    );
    let error: Value = serde_json::from_str(invocation["body"].as_str().unwrap()).unwrap();
    assert_eq!(error["errorType"], "StoreFailed", "{error}");
    let latency = invocation["latency_ms"].as_f64().unwrap();
    assert!(
        latency < 2_000.0,
        "answered at {latency} ms, not by the 1.5 s deadline"
    );
    assert!(hook.received().is_empty(), "nothing sent without the claim");
}
