//! The same function attached as the CustomMessage trigger: Cognito's placeholders
//! rendered into the same templates, within Cognito's limits.

use serde_json::Value;
use switchboard::pipeline::Answer;
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::{App, HandleError};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/custom-message");

fn examples() -> Vec<(String, Value)> {
    let mut all: Vec<_> = std::fs::read_dir(EXAMPLES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (
                name,
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            )
        })
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

async fn app(templates: Option<&std::path::Path>) -> App {
    let mut config = switchboard::testing::defaults();
    config.templates.dir = templates.map(|p| p.to_path_buf());
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    startup::build(&config, options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_custom_message_source_gets_subject_email_and_sms_with_the_placeholders() {
    let app = app(None).await;
    let all = examples();
    assert_eq!(all.len(), 7);
    for (name, event) in all {
        let answer = app
            .handle_custom_message(event.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let response = &answer["response"];
        let (subject, email, sms) = (
            response["emailSubject"].as_str().unwrap(),
            response["emailMessage"].as_str().unwrap(),
            response["smsMessage"].as_str().unwrap(),
        );
        assert!(!subject.is_empty(), "{name}");
        assert!(
            email.contains("{####}") && sms.contains("{####}"),
            "{name}: code placeholder"
        );
        assert!(
            email.chars().count() <= 20_000 && sms.chars().count() <= 140,
            "{name}: limits"
        );
        if name.ends_with("AdminCreateUser") {
            assert!(
                email.contains("{username}") && sms.contains("{username}"),
                "{name}: username placeholder"
            );
        }
        assert_eq!(
            answer["request"], event["request"],
            "{name}: the request is returned untouched"
        );
        assert_eq!(answer["triggerSource"], event["triggerSource"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_locale_applies_to_custom_messages_too() {
    let app = app(None).await;
    let (_, mut event) = examples()
        .into_iter()
        .find(|(n, _)| n.ends_with("ForgotPassword"))
        .unwrap();
    event["request"]["userAttributes"]["locale"] = "de".into();
    let answer = app.handle_custom_message(event).unwrap();
    assert_eq!(
        answer["response"]["emailSubject"],
        "Passwort für Switchboard Demo zurücksetzen"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_without_the_code_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sign-up.sms"), "Welcome to {{ app.name }}!").unwrap();
    let app = app(Some(dir.path())).await;
    let (_, event) = examples()
        .into_iter()
        .find(|(n, _)| n.ends_with("_SignUp"))
        .unwrap();
    let err = app.handle_custom_message(event).unwrap_err();
    assert!(matches!(err, HandleError::CustomMessage { .. }), "{err}");
    let text = err.to_string();
    switchboard_testkit::assert_mentions(&text, &["smsMessage", "{####}", "sign-up.sms"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_over_140_characters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sign-up.sms"),
        format!("{} {{{{ code }}}}", "x".repeat(140)),
    )
    .unwrap();
    let app = app(Some(dir.path())).await;
    let (_, event) = examples()
        .into_iter()
        .find(|(n, _)| n.ends_with("_SignUp"))
        .unwrap();
    let err = app.handle_custom_message(event).unwrap_err().to_string();
    switchboard_testkit::assert_mentions(&err, &["smsMessage", "140"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_payload_dispatcher_answers_both_kinds_of_events() {
    let app = app(None).await;
    let (_, event) = examples().into_iter().next().unwrap();
    let Answer::CustomMessage(answer) = app.handle_payload(event, None).await.unwrap() else {
        panic!("a CustomMessage event gets the event back")
    };
    assert!(answer["response"]["smsMessage"].is_string());
    let err = app
        .handle_payload(
            serde_json::json!({"triggerSource": "CustomMessage_SignUp", "request": {}}),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HandleError::Event(_)), "{err}");
}

#[test]
fn the_binary_answers_a_custom_message_event() {
    let event = format!("{EXAMPLES}/CustomMessage_AdminCreateUser.json");
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["invoke", &event])
        .current_dir(dir.path())
        .env_clear()
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .output()
        .unwrap();
    switchboard_testkit::stdout_of(&output);
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(answer["response"]["emailMessage"]
        .as_str()
        .unwrap()
        .contains("{username}"));
}

/// A source this version does not know takes each channel's default route and
/// the generic `code` template, as documented (not the SignUp route).
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_custom_message_source_uses_the_channel_defaults() {
    let app = app(None).await;
    let (_, mut event) = examples()
        .into_iter()
        .find(|(n, _)| n.ends_with("_SignUp"))
        .unwrap();
    event["triggerSource"] = "CustomMessage_SomethingNew".into();
    let answer = app.handle_custom_message(event).unwrap();
    assert_eq!(
        answer["response"]["smsMessage"],
        "Your Switchboard Demo code is {####}. Do not share it."
    );
    assert_eq!(
        answer["response"]["emailSubject"],
        "Your Switchboard Demo code"
    );
}
