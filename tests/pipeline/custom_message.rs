//! The same function attached as the CustomMessage trigger: Cognito's placeholders
//! rendered into the same templates, within Cognito's limits.

use serde_json::Value;
use switchboard::config::EmailVerification;
use switchboard::pipeline::Answer;
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::{App, HandleError};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/custom-message");

/// The example CustomMessage event whose name ends with `suffix`.
fn example_ending(suffix: &str) -> Value {
    let (_, event) = examples()
        .into_iter()
        .find(|(name, _)| name.ends_with(suffix))
        .unwrap_or_else(|| panic!("an example ending with {suffix}"));
    event
}

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
    app_with(|config| config.templates.dir = templates.map(|p| p.to_path_buf())).await
}

async fn app_with(configure: impl FnOnce(&mut switchboard::config::Config)) -> App {
    let mut config = switchboard::testing::defaults();
    configure(&mut config);
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

/// Every locale passes Cognito's checks on every CustomMessage source: the
/// placeholders, 140 characters of SMS, 20,000 of mail.
#[tokio::test(flavor = "multi_thread")]
async fn every_locale_answers_every_custom_message_source_within_cognitos_limits() {
    let app = app_with(|c| c.cognito.email_verification = EmailVerification::Link).await;
    for locale in switchboard::render::EMBEDDED_LOCALES {
        for (name, mut event) in examples() {
            event["request"]["userAttributes"]["locale"] = (*locale).into();
            let answer = app
                .handle_custom_message(event)
                .unwrap_or_else(|e| panic!("{name} ({locale}): {e}"));
            let email = answer["response"]["emailMessage"].as_str().unwrap();
            assert!(
                email.contains(&format!("lang=\"{locale}\"")),
                "{name} ({locale}) is in its language"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_locale_applies_to_custom_messages_too() {
    let app = app(None).await;
    let mut event = example_ending("ForgotPassword");
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

/// The binary's answer to `switchboard invoke` of an example CustomMessage event.
fn invoke_binary(example: &str, env: &[(&str, &str)]) -> Value {
    let event = format!("{EXAMPLES}/{example}.json");
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["invoke", &event])
        .current_dir(dir.path())
        .env_clear()
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    serde_json::from_str(&switchboard_testkit::stdout_of(&output)).unwrap()
}

#[test]
fn the_binary_answers_a_custom_message_event() {
    let answer = invoke_binary("CustomMessage_AdminCreateUser", &[]);
    assert!(answer["response"]["emailMessage"]
        .as_str()
        .unwrap()
        .contains("{username}"));
}

fn example(suffix: &str) -> Value {
    examples()
        .into_iter()
        .find(|(n, _)| n.ends_with(suffix))
        .map(|(_, event)| event)
        .unwrap()
}

/// A pool that confirms by link (`CONFIRM_WITH_LINK`) gets Cognito's
/// `request.linkParameter` in the sign-up mails, which Cognito turns into the
/// link; the SMS, other mails and code-confirming pools never show it.
#[tokio::test(flavor = "multi_thread")]
async fn a_pool_that_confirms_by_link_gets_the_link_placeholder_in_sign_up_mails() {
    let link = app_with(|c| c.cognito.email_verification = EmailVerification::Link).await;
    for (suffix, gets_link) in [
        ("_SignUp", true),
        ("_ResendCode", true),
        ("_VerifyUserAttribute", false),
        ("_ForgotPassword", false),
        ("_AdminCreateUser", false),
    ] {
        let mut event = example(suffix);
        event["request"]["linkParameter"] = "{##Verify Email##}".into();
        let answer = link.handle_custom_message(event).unwrap();
        let email = answer["response"]["emailMessage"].as_str().unwrap();
        assert_eq!(
            email.contains("{##Verify Email##}"),
            gets_link,
            "{suffix}: {email}"
        );
        assert!(email.contains("{####}"), "{suffix}: the code stays");
        let sms = answer["response"]["smsMessage"].as_str().unwrap();
        assert!(!sms.contains("{##Verify Email##}"), "{suffix}: {sms}");
    }
    let mut german = example("_SignUp");
    german["request"]["userAttributes"]["locale"] = "de".into();
    let answer = link.handle_custom_message(german).unwrap();
    let email = answer["response"]["emailMessage"].as_str().unwrap();
    assert!(
        email.contains("mit einem Klick: {##Click Here##}"),
        "{email}"
    );

    let code = app(None).await;
    let answer = code.handle_custom_message(example("_SignUp")).unwrap();
    let email = answer["response"]["emailMessage"].as_str().unwrap();
    assert!(
        !email.contains("{##Click Here##}"),
        "code mode leaves the link out: {email}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_pool_refuses_a_sign_up_template_without_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sign-up.html"),
        "<p>Your code: {{ code }}</p>",
    )
    .unwrap();
    let app = app_with(|c| {
        c.templates.dir = Some(dir.path().to_path_buf());
        c.cognito.email_verification = EmailVerification::Link;
    })
    .await;
    let err = app.handle_custom_message(example("_SignUp")).unwrap_err();
    assert!(matches!(err, HandleError::CustomMessage { .. }), "{err}");
    switchboard_testkit::assert_mentions(
        &err.to_string(),
        &[
            "request.linkParameter",
            "{##Click Here##}",
            "sign-up.html",
            "{{ link_parameter }}",
            "cognito.email_verification",
        ],
    );
}

#[test]
fn the_binary_puts_the_link_in_when_the_environment_says_link() {
    let answer = invoke_binary(
        "CustomMessage_SignUp",
        &[("SWITCHBOARD_COGNITO__EMAIL_VERIFICATION", "link")],
    );
    assert!(answer["response"]["emailMessage"]
        .as_str()
        .unwrap()
        .contains("one click: {##Click Here##}"));
}

/// A source this version does not know takes each channel's default route and
/// the generic `code` template, as documented (not the SignUp route).
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_custom_message_source_uses_the_channel_defaults() {
    let app = app(None).await;
    let mut event = example_ending("_SignUp");
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
