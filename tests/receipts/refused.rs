//! What the receipts function refuses, with nothing stored: receipts forged,
//! signed with another key or credentials, outside the signed-time window,
//! larger than the provider sends, malformed or for no configured provider;
//! receipts about messages it did not send are answered and not stored. A
//! Cognito event is refused by the receipts function and a receipt by the
//! sender; a function name or a configuration it cannot serve fails the start.

use serde_json::json;

use crate::harness::{
    answers, environment, event_id, function_url, metric_lines, run_receipts, trail,
};
use crate::providers::{all, every_env, Signing};

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_oversized_and_malformed_receipts_are_refused_and_store_nothing() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    let mut events = Vec::new();
    let mut expected = Vec::new();
    for provider in &providers {
        let id = event_id(&format!("refused-{}", provider.name));
        let now = crate::harness::now_secs() * 1000;
        let mut cases = vec![
            ("forged", Signing::Forged, 401),
            ("signed with another key", Signing::OtherKey, 401),
        ];
        if provider.signs_time {
            cases.push(("ten minutes old", Signing::Expired, 401));
        }
        for (what, signing, status) in cases {
            events.push((provider.receipt)(&id, "delivered", now, signing));
            expected.push((provider.name, what, status));
        }
        events.push((provider.oversized)());
        expected.push((provider.name, "oversized", 413));
        events.push((provider.malformed)());
        expected.push((provider.name, "malformed", 400));
    }
    events.push(function_url(
        "/nobody",
        "",
        &json!({"content-type": "application/json"}),
        b"{}",
    ));
    expected.push(("nobody", "an unknown provider path", 400));
    let (results, printed) = run_receipts(&events, &env);
    for ((name, what, status), (code, body)) in expected.iter().zip(answers(&results, &printed)) {
        assert_eq!(code, *status as u64, "{name}, {what}: {body}\n{printed}");
    }
    for provider in &providers {
        let id = event_id(&format!("refused-{}", provider.name));
        assert_eq!(
            trail(&table, &id, provider.name).await,
            None,
            "{}",
            provider.name
        );
    }
    assert!(metric_lines(&printed).is_empty(), "{printed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_of_a_message_switchboard_did_not_send_is_answered_and_not_stored() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    // An ESP's webhook covers the whole account: its other messages carry no
    // event id of ours.
    let theirs = "a-message-of-another-app";
    let email: Vec<_> = providers.iter().filter(|p| p.channel == "email").collect();
    let events: Vec<_> = email
        .iter()
        .map(|p| (p.receipt)(theirs, "delivered", 1, Signing::Right))
        .collect();
    let (results, printed) = run_receipts(&events, &env);
    for (provider, (code, body)) in email.iter().zip(answers(&results, &printed)) {
        assert_eq!(code, 200, "{}: {body}\n{printed}", provider.name);
        assert_eq!(trail(&table, theirs, provider.name).await, None);
    }
    assert!(metric_lines(&printed).is_empty(), "{printed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_receipts_function_refuses_a_cognito_event_and_the_sender_a_receipt() {
    let providers = all();
    let (env, _table) = environment(every_env(&providers)).await;
    let cognito = switchboard_testkit::lambda::example("events/CustomSMSSender_SignUp");
    let (results, printed) = run_receipts(&[cognito], &env);
    let invocation = &results["invocations"][0];
    assert_eq!(invocation["status"], "error", "{results}\n{printed}");
    switchboard_testkit::assert_mentions(
        &invocation["body"].to_string(),
        &["CognitoEventRefused", "sender function"],
    );

    let receipt =
        (providers[0].receipt)(&event_id("to-the-sender"), "delivered", 1, Signing::Right);
    let dir = tempfile::tempdir().unwrap();
    let mut sender_env = env.clone();
    sender_env.push(("SWITCHBOARD_DECRYPT__MODE", "insecure-dev".into()));
    let (results, printed) = switchboard_testkit::lambda::run(
        env!("CARGO_BIN_EXE_switchboard"),
        dir.path(),
        &[receipt],
        &sender_env,
        15_000,
    );
    assert!(
        results["init_error"].is_string() || results["invocations"][0]["status"] == "error",
        "the sender did not take a receipt: {results}\n{printed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_function_name_or_a_configuration_it_cannot_serve_fails_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = switchboard_testkit::lambda::run(
        env!("CARGO_BIN_EXE_switchboard"),
        dir.path(),
        &[json!({})],
        &[("SWITCHBOARD_FUNCTION", "reciepts".into())],
        15_000,
    );
    let record = results["init_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{results}\n{printed}"));
    switchboard_testkit::assert_mentions(record, &["SWITCHBOARD_FUNCTION", "reciepts", "receipts"]);

    // No trail table; then no provider with receipts.
    let providers = all();
    let (results, printed) = run_receipts(&[json!({})], &every_env(&providers));
    let record = results["init_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{results}\n{printed}"));
    switchboard_testkit::assert_mentions(record, &["receipts.table", "partition key"]);
    let (env, _table) = environment(Vec::new()).await;
    let (results, printed) = run_receipts(&[json!({})], &env);
    let record = results["init_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{results}\n{printed}"));
    switchboard_testkit::assert_mentions(record, &["no provider has receipts", "docs/receipts.md"]);

    // A receipts URL with a path: each provider's path would not be found under it.
    let (mut env, _table) = environment(every_env(&providers)).await;
    env.push((
        "SWITCHBOARD_RECEIPTS__URL",
        "https://hooks.example.test/receipts".into(),
    ));
    let (results, printed) = run_receipts(&[json!({})], &env);
    let record = results["init_error"]
        .as_str()
        .unwrap_or_else(|| panic!("{results}\n{printed}"));
    switchboard_testkit::assert_mentions(record, &["receipts.url", "has a path", "/NAME"]);
}
