//! Hostile input: generated events and codes (proptest, well over 10,000 cases),
//! every single-byte flip of a valid ciphertext, and hand-picked attacks. Each
//! ends in a typed error or a safe message — never a panic, never a send.

use std::sync::Arc;

use base64::Engine;
use proptest::prelude::*;
use switchboard::cli::examples::EVENTS;
use switchboard::cognito::event::parse_custom_sender;
use switchboard::cognito::mint::CodeMinter;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{Message, ScriptedSender, Sender};
use switchboard::startup::{self, StartupOptions};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn app_with(memory: &Arc<ScriptedSender>, templates: Option<&std::path::Path>) -> App {
    TestApp::new(switchboard::testing::defaults())
        .configure(|c| c.templates.dir = templates.map(|p| p.to_path_buf()))
        .sender(Arc::clone(memory) as Arc<dyn Sender>)
        .start()
        .await
}

fn memory() -> Arc<ScriptedSender> {
    Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS))
}

fn example(name: &str) -> switchboard::cognito::event::CustomSenderEvent {
    let (_, json) = EVENTS.iter().find(|(n, _)| *n == name).unwrap();
    parse_custom_sender(json.as_bytes()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_event_parser(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_custom_sender(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_header_reader(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = switchboard::cognito::esdk_header::summarise(&bytes);
    }

    #[test]
    fn json_shaped_events_with_odd_values_parse_or_fail_cleanly(
        trigger in "(CustomEmailSender_|CustomSMSSender_|Custom|)[A-Za-z]{0,20}",
        pool in ".{0,40}",
        user in ".{0,40}",
        code in proptest::option::of(".{0,80}"),
        key in ".{0,12}",
        value in ".{0,40}",
    ) {
        let event = serde_json::json!({
            "triggerSource": trigger, "userPoolId": pool, "userName": user,
            "request": { "code": code, "userAttributes": { key: value }, "clientMetadata": null },
        });
        let parsed = parse_custom_sender(event.to_string().as_bytes());
        prop_assert!(parsed.is_ok(), "well-typed events always parse: {:?}", parsed.err());
    }
}

#[test]
fn generated_codes_are_rejected_and_nothing_is_sent() {
    let rt = runtime();
    let memory = memory();
    let app = rt.block_on(app_with(&memory, None));
    let template = example("CustomSMSSender_SignUp");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 2_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let codes = prop_oneof![
        ".{0,64}",
        proptest::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        // Plausible headers: version 1, type 0x80, Cognito's suite, then noise.
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|mut b| {
            b.splice(0..0, [0x01, 0x80, 0x03, 0x78]);
            base64::engine::general_purpose::STANDARD.encode(b)
        }),
    ];
    runner
        .run(&codes, |code| {
            let mut event = template.clone();
            event.request.code = Some(code);
            let result = rt.block_on(app.handle(event));
            prop_assert!(result.is_err(), "a random code must not decrypt");
            Ok(())
        })
        .unwrap();
    assert_eq!(memory.attempts(), 0, "nothing was sent");
}

#[test]
fn every_single_byte_flip_of_a_valid_ciphertext_is_rejected() {
    let rt = runtime();
    let memory = memory();
    let app = rt.block_on(app_with(&memory, None));
    let mut event = example("CustomEmailSender_ForgotPassword");
    let minter = rt.block_on(CodeMinter::insecure_dev_key()).unwrap();
    let code = rt
        .block_on(minter.mint("864209", &event.user_pool_id))
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&code)
        .unwrap();
    for position in 0..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[position] ^= 0x01;
        event.request.code = Some(base64::engine::general_purpose::STANDARD.encode(&flipped));
        let result = rt.block_on(app.handle(event.clone()));
        assert!(
            matches!(result, Err(HandleError::Decrypt(_))),
            "byte {position} of {}: {result:?}",
            bytes.len()
        );
    }
    assert_eq!(memory.attempts(), 0);
    // The unflipped code does deliver: the loop above tested something.
    event.request.code = Some(code);
    rt.block_on(app.handle(event)).unwrap();
    assert_eq!(memory.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_deeply_nested_events_are_errors() {
    let memory = memory();
    let app = app_with(&memory, None).await;
    let mut nested = String::new();
    for _ in 0..10_000 {
        nested.push_str("{\"a\":");
    }
    let deep = format!(
        r#"{{"triggerSource":"CustomEmailSender_SignUp","userPoolId":"p","userName":"u","request":{{"clientMetadata":{nested}"#
    );
    assert!(matches!(
        app.handle_json(deep.as_bytes()).await,
        Err(HandleError::Event(_))
    ));
    let huge = serde_json::json!({
        "triggerSource": "CustomEmailSender_SignUp", "userPoolId": "p", "userName": "u".repeat(2_000_000),
        "request": { "code": "x".repeat(1_000_000), "userAttributes": { "email": "a@b.test" } },
    });
    assert!(app.handle_json(huge.to_string().as_bytes()).await.is_err());
    let not_utf8 = b"{\"triggerSource\":\"CustomEmailSender_SignUp\",\"userPoolId\":\"\xff\xfe\",\"userName\":\"u\",\"request\":{}}";
    assert!(matches!(
        app.handle_json(not_utf8).await,
        Err(HandleError::Event(_))
    ));
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn crlf_in_an_attribute_used_in_a_subject_cannot_inject_a_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sign-up.subject"),
        "Hi {{ user.given_name }}",
    )
    .unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let mut config = switchboard::testing::defaults_with_outbox(outbox.path());
    config.templates.dir = Some(dir.path().to_path_buf());
    let app = startup::build(&config, StartupOptions::demo())
        .await
        .unwrap();
    let mut event = example("CustomEmailSender_SignUp");
    event.request.user_attributes.insert(
        "given_name".into(),
        "Jane\r\nBcc: victim@evil.test\r\n".into(),
    );
    let outcome = app.handle(event).await.unwrap();
    let eml = std::fs::read_to_string(&outcome.message_id).unwrap();
    let (headers, _body) = eml.split_once("\r\n\r\n").unwrap();
    assert!(!headers.contains("\r\nBcc:"), "{headers}");
    assert!(
        headers.lines().any(|l| l == "Subject: Hi"),
        "a name holding an address is dropped: {headers}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_display_name_trick_in_the_email_attribute_is_rejected_by_the_provider() {
    let outbox = tempfile::tempdir().unwrap();
    let app = crate::fixtures::outbox_app(outbox.path()).await;
    let mut event = example("CustomEmailSender_SignUp");
    switchboard::testing::set_attribute(&mut event, "email", "\"x\" <a@b.test>, c@d.test");
    let err = app.handle(event).await.unwrap_err();
    assert!(
        matches!(&err, HandleError::Send(e) if e.kind() == switchboard::providers::ErrorKind::Rejected),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(outbox.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_number_with_letters_is_refused_and_not_echoed() {
    let memory = memory();
    let app = app_with(&memory, None).await;
    let mut event = example("CustomSMSSender_SignUp");
    switchboard::testing::set_attribute(&mut event, "phone_number", "+1800CALLNOW");
    let err = app.handle(event).await.unwrap_err().to_string();
    assert!(
        err.contains("phone_number") && !err.contains("CALLNOW"),
        "{err}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn html_and_script_in_attributes_stay_text_everywhere() {
    let memory = memory();
    let app = app_with(&memory, None).await;
    let mut event = example("CustomEmailSender_AccountTakeOverNotification");
    switchboard::testing::set_attribute(&mut event, "CITY", "<script>steal()</script>");
    event.request.user_attributes.insert(
        "ONE_CLICK_LINK_INVALID".into(),
        "javascript:alert(1)\" onclick=\"x".into(),
    );
    app.handle(event).await.unwrap();
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(!email.html.contains("<script>") && email.html.contains("&lt;script&gt;"));
    assert!(
        !email.html.contains("\" onclick=\""),
        "attribute values cannot break out: {}",
        email.html
    );
    assert!(
        !email.html.contains("javascript:") && !email.text.contains("javascript:"),
        "only http(s) links: {}",
        email.html
    );
    assert!(
        email.html.contains("This was me"),
        "the genuine https link stays: {}",
        email.html
    );
}
