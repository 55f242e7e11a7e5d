//! The circuit breaker in the real binary under the Runtime API stand-in: one warm
//! instance, a primary that hangs, a healthy backup; each opening, skip and
//! reinstatement is an EMF metric line.

use serde_json::Value;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

use crate::harness::{minted, primary_then_backup, run_as_lambda};

/// The metric names of every circuit line printed, with their provider.
fn circuit_metrics(printed: &str) -> Vec<String> {
    printed
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|value| value.get("_aws").is_some())
        .filter_map(|value| {
            let name = value["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]
                .as_str()?
                .to_string();
            matches!(
                name.as_str(),
                "CircuitOpened" | "ProviderSkipped" | "ProviderReinstated"
            )
            .then(|| format!("{name} {}", value["Provider"].as_str().unwrap_or("?")))
        })
        .collect()
}

/// `count` sign-up events through a SendGrid primary answering `script` before a
/// healthy webhook backup, the breaker opening after 2 failures for `cool_down_ms`.
async fn run(
    script: Vec<Mode>,
    cool_down_ms: u64,
    count: usize,
) -> (Value, String, Hostile, Hostile) {
    let key = moto().create_kms_key().await;
    let primary = Hostile::start(script);
    let backup = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let event = minted("events/CustomEmailSender_SignUp", &key, "402913");
    let mut env = primary_then_backup(&key, primary.url(), backup.url());
    env.extend([
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "2".into()),
        ("SWITCHBOARD_DELIVERY__BASE_DELAY_MS", "1".into()),
        ("SWITCHBOARD_DELIVERY__ATTEMPT_TIMEOUT_MS", "300".into()),
        ("SWITCHBOARD_DELIVERY__BREAKER__THRESHOLD", "2".into()),
        (
            "SWITCHBOARD_DELIVERY__BREAKER__COOL_DOWN_MS",
            cool_down_ms.to_string(),
        ),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let events = vec![event; count];
    let (results, printed) = run_as_lambda(dir.path(), &events, &env);
    (results, printed, primary, backup)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_primary_is_skipped_in_the_same_instance_with_a_metric_each_time() {
    let (results, printed, primary, backup) = run(vec![Mode::Hang], 60_000, 3).await;
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{results}\n{printed}");
    }
    assert_eq!(
        primary.received().len(),
        2,
        "only the first event tried the primary"
    );
    assert_eq!(backup.received().len(), 3);
    assert_eq!(
        circuit_metrics(&printed),
        [
            "CircuitOpened primary",
            "ProviderSkipped primary",
            "ProviderSkipped primary"
        ],
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_cool_down_the_next_event_probes_the_primary_and_reinstates_it() {
    let accepts = Mode::with_headers(202, &[("X-Message-Id", "sg-probe")], "");
    let (results, printed, primary, backup) =
        run(vec![Mode::Hang, Mode::Hang, accepts], 1, 2).await;
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{results}\n{printed}");
    }
    assert_eq!(primary.received().len(), 3, "two timeouts, then the probe");
    assert_eq!(
        backup.received().len(),
        1,
        "only the first event failed over"
    );
    assert_eq!(
        circuit_metrics(&printed),
        ["CircuitOpened primary", "ProviderReinstated primary"],
        "{printed}"
    );
}
