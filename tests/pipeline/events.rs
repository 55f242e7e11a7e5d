//! Every event Cognito sends, through the pipeline: the examples parse, route
//! and decrypt, the demo delivers them, and a missing, tampered or malformed
//! code or field is an error that sends nothing.

use switchboard::cli::examples::{sample_code, EVENTS};
use switchboard::cognito::event::{parse_custom_sender, TriggerSource};
use switchboard::cognito::mint::cognito_escape;
use switchboard::providers::Message;
use switchboard::HandleError;

use crate::fixtures::{app_with, app_with_memory, example_with_code, scripted};
use switchboard::config::RouteConfig;
use switchboard::testing::set_route;

#[tokio::test(flavor = "multi_thread")]
async fn every_example_event_parses_and_has_a_route_for_its_channel() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate::fixtures::outbox_app(dir.path()).await;
    assert_eq!(EVENTS.len(), 15);
    let mut sources = Vec::new();
    for (name, json) in EVENTS {
        let event = parse_custom_sender(json.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.trigger_source.to_string(), *name);
        assert!(
            !matches!(event.trigger_source, TriggerSource::Unknown(_)),
            "{name} is a known source"
        );
        let channel = event.channel().expect("examples have a channel");
        assert_eq!(
            app.routes().get(&event.trigger_source, channel).channel,
            channel
        );
        sources.push(event.trigger_source);
    }
    let known: Vec<_> = TriggerSource::all_known().collect();
    assert!(
        known.iter().all(|k| sources.contains(k)),
        "an example for every source"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_delivers_all_fifteen_examples_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let config = switchboard::testing::defaults_with_outbox(dir.path());
    let outcomes = switchboard::cli::demo::run_examples(&config).await.unwrap();
    assert_eq!(outcomes.len(), 15);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let eml = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count();
    let json = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count();
    assert_eq!(
        (eml, json),
        (8, 7),
        "8 emails and 7 text messages: {files:?}"
    );
    for outcome in &outcomes {
        let body = std::fs::read_to_string(&outcome.message_id).unwrap();
        if outcome
            .trigger_source
            .ends_with("AccountTakeOverNotification")
        {
            assert!(body.contains("203.0.113.42"), "takeover details are shown");
        } else if !outcome.trigger_source.ends_with("AdminCreateUser") {
            assert!(
                body.contains(sample_code(&outcome.trigger_source)),
                "{}: code in body",
                outcome.trigger_source
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_password_is_unescaped_then_escaped_correctly_for_html() {
    let (memory, app) = app_with_memory().await;
    let event = example_with_code(
        "CustomEmailSender_AdminCreateUser",
        &cognito_escape("Tmp<Pa&ss>9"),
    )
    .await;
    app.handle(event).await.unwrap();
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(email.text.contains("Tmp<Pa&ss>9"), "{}", email.text);
    assert!(
        email.html.contains("Tmp&lt;Pa&amp;ss&gt;9"),
        "{}",
        email.html
    );
    assert!(!email.html.contains("&amp;lt;"), "not double-escaped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_code_on_a_source_that_needs_one_is_an_error_and_sends_nothing() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    event.request.code = Some("  ".into());
    let err = app.handle(event).await.unwrap_err();
    assert!(matches!(err, HandleError::MissingCode(_)), "{err}");
    assert!(err.to_string().contains("CustomSMSSender_SignUp"), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_code_is_an_error_and_sends_nothing() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_ForgotPassword", "777777").await;
    let code = event.request.code.take().unwrap();
    let mut chars: Vec<char> = code.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    event.request.code = Some(chars.into_iter().collect());
    let err = app.handle(event).await.unwrap_err();
    assert!(matches!(err, HandleError::Decrypt(_)), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_trigger_source_goes_to_its_channels_default_route() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_SignUp", "246810").await;
    event.trigger_source = "CustomEmailSender_SomethingNew".parse().unwrap();
    let outcome = app.handle(event).await.unwrap();
    assert_eq!(outcome.trigger_source, "CustomEmailSender_SomethingNew");
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(email.text.contains("246810"));
    assert_eq!(email.subject, "Your Switchboard Demo code");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_email_without_lookup_is_a_clear_error() {
    let (memory, app) = app_with_memory().await;
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/account-takeover-without-email.json"
    ))
    .unwrap();
    let err = app.handle_json(&json).await.unwrap_err();
    let text = err.to_string();
    switchboard_testkit::assert_mentions(&text, &["takeover-user-without-email", "`email`"]);
    assert!(
        text.contains("lookup_missing_recipient"),
        "says how to fix it: {text}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_events_name_the_field() {
    let (memory, app) = app_with_memory().await;
    let err = app.handle_json(br#"{"triggerSource":"CustomEmailSender_SignUp","userPoolId":"p","userName":"u","request":{"code":42}}"#).await.unwrap_err();
    assert!(err.to_string().contains("request.code"), "{err}");
    let err = app.handle_json(b"not json").await.unwrap_err();
    assert!(matches!(err, HandleError::Event(_)), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_examples_carry_codes_the_dev_key_decrypts() {
    // So `switchboard invoke examples/events/<source>.json` works out of the box.
    let (memory, app) = app_with_memory().await;
    for (name, json) in EVENTS {
        let outcome = app
            .handle_json(json.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.trigger_source, *name);
    }
    let texts: Vec<String> = crate::fixtures::texts(&memory);
    assert_eq!(texts.len(), 15);
    assert!(
        texts.iter().filter(|t| t.contains("491305")).count() == 12,
        "12 sources carry the sample code"
    );
    assert!(
        texts.iter().filter(|t| t.contains("Tmp<Pa&ss>9")).count() == 2,
        "2 carry the unescaped password"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_route_is_handled_without_sending() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    let route = RouteConfig {
        enabled: Some(false),
        ..Default::default()
    };
    set_route(
        &mut config,
        "CustomEmailSender_AccountTakeOverNotification",
        route,
    );
    let app = app_with(&mut config, &[&memory]).await;
    let (_, json) = EVENTS
        .iter()
        .find(|(n, _)| n.ends_with("AccountTakeOverNotification"))
        .unwrap();
    let outcome = app.handle_json(json.as_bytes()).await.unwrap();
    assert_eq!(outcome.status, switchboard::OutcomeStatus::Disabled);
    assert_eq!(memory.attempts(), 0);
    // Other sources still deliver.
    app.handle(example_with_code("CustomEmailSender_SignUp", "1").await)
        .await
        .unwrap();
    assert_eq!(memory.attempts(), 1);
}
