//! A provider that accepts and drops: once its receipts say it lost more than
//! `min_delivered` allows over `min_samples` messages, every environment tries
//! it last; when its receipts recover, it comes back.

use serde_json::{json, Value};
use switchboard_testkit::environment::Environment;
use switchboard_testkit::lambda::{provider_env, run};
use switchboard_testkit::moto::moto;

use crate::harness::*;

/// An SES event for a message sent at `sent_at`, as EventBridge delivers it.
fn ses_event(seed: &str, kind: &str, sent_at: u64) -> Value {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, seed.as_bytes());
    let id = switchboard::providers::text::hex(digest.as_ref());
    let at = chrono::DateTime::from_timestamp_millis(sent_at as i64 + 1_000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut detail = json!({
        "eventType": kind,
        "mail": {
            "timestamp": at, "messageId": format!("ses-{seed}"), "destination": ["jane@example.com"],
            "tags": {"ses:configuration-set": ["receipts"], "sb_event_id": [id], "sb_sent_at": [sent_at.to_string()]},
        },
    });
    match kind {
        "Delivery" => detail["delivery"] = json!({"timestamp": at}),
        _ => detail["reject"] = json!({"reason": "Bad content"}),
    }
    json!({"version": "0", "id": format!("eb-{seed}"), "detail-type": "Email", "source": "aws.ses",
           "account": "123456789012", "time": at, "region": "us-east-1", "resources": [], "detail": detail})
}

/// The receipts function, as Lambda runs it, reading `count` SES events of
/// `kind` for messages sent a few seconds ago; then a refresh's wait.
fn receipts(env: &[(&'static str, String)], kind: &str, count: usize) {
    let now = switchboard::providers::text::epoch_millis();
    let events: Vec<Value> = (0..count)
        .map(|i| ses_event(&format!("{kind}-{now}-{i}"), kind, now - 5_000))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut env = env.to_vec();
    env.push(("SWITCHBOARD_FUNCTION", "receipts".into()));
    let (results, printed) = run(BINARY, dir.path(), &events, &env, 15_000);
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["body"], r#"{"stored":1}"#, "{printed}");
    }
    after_refresh();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_whose_receipts_say_it_drops_moves_back_and_returns_when_they_recover() {
    let second = accepting("second-1");
    let unused = accepting("unused");
    let (mut env, key, table) = fleet_env(
        &unused,
        &second,
        &[
            ("SWITCHBOARD_EMAIL__PROVIDERS", "mail,second".into()),
            ("SWITCHBOARD_HEALTH__MIN_SAMPLES", "4".into()),
            ("SWITCHBOARD_HEALTH__MIN_DELIVERED", "0.8".into()),
        ],
    )
    .await;
    // The receipts' trail shares the health's table (different keys).
    env.push(("SWITCHBOARD_RECEIPTS__TABLE", table.clone()));
    env.extend(provider_env(
        "mail",
        &[
            ("type", "ses".into()),
            ("configuration_set", "receipts".into()),
        ],
    ));
    aws_sdk_sesv2::Client::new(&moto().sdk_config())
        .create_email_identity()
        .email_identity("no-reply@acme.test")
        .send()
        .await
        .ok();
    let mut sender = Environment::start(BINARY, &env);
    each_delivers_by(&mut [&mut sender], &key, "mail");

    // Four messages lost through SES's fault: 0 % delivered over 4 = min_samples.
    receipts(&env, "Reject", 4);
    each_delivers_by(&mut [&mut sender], &key, "second");
    let line = health_line(&env, "mail");
    assert!(
        line.contains("demoted") && line.contains("0.0% delivered of 4"),
        "{line}"
    );

    // Its receipts recover: 20 delivered of 24 is above 80 %.
    receipts(&env, "Delivery", 20);
    each_delivers_by(&mut [&mut sender], &key, "mail");
}
