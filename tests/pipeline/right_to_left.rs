//! Right-to-left messages read right and copy clean: in the Arabic text part and
//! SMS, every left-to-right run a sentence holds (a time, an address, a device,
//! the product name) sits in a first-strong isolate, and the code or temporary
//! password stands on a line of its own with no invisible mark in it, so the
//! string a user selects — a double-click on the word, a triple-click on the
//! line — is exactly the code.

use std::sync::Arc;

use switchboard::cognito::mint::CodeMinter;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{Message, ScriptedSender, Sender};
use switchboard::render::{event_time, FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE};
use switchboard::testing::TestApp;
use switchboard::App;
use unicode_segmentation::UnicodeSegmentation;

const TIME: &str = "2026-11-23T10:15:02Z";

async fn app() -> (Arc<ScriptedSender>, App) {
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let senders = [Arc::clone(&memory) as Arc<dyn Sender>];
    let mut config = switchboard::testing::defaults();
    config.app.name = "Acme Cloud".into();
    let app = TestApp::new(config).senders(&senders).start().await;
    (memory, app)
}

fn isolated(value: &str) -> String {
    format!("{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}")
}

/// What a user gets by double-clicking `code` (the word around its first
/// character, by the Unicode word boundaries text views use) and by
/// triple-clicking it (its line, without the line's indentation).
fn selections(text: &str, code: &str) -> (String, String) {
    let at = text
        .find(code)
        .unwrap_or_else(|| panic!("the code is in {text:?}"));
    let word = text
        .split_word_bound_indices()
        .find(|(start, word)| *start <= at && at < start + word.len())
        .map(|(_, word)| word.to_string())
        .unwrap();
    let line = text[..at].rsplit('\n').next().unwrap().to_string()
        + text[at..].split('\n').next().unwrap();
    (word, line.trim().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_arabic_takeover_text_isolates_the_time_and_each_detail() {
    let (memory, app) = app().await;
    let mut event =
        switchboard::testing::example_event("CustomEmailSender_AccountTakeOverNotification");
    let attributes = &mut event.request.user_attributes;
    attributes.insert("locale".into(), "ar".into());
    attributes.insert("LOGIN_TIME".into(), TIME.into());
    attributes.insert("IP_ADDRESS".into(), "203.0.113.7".into());
    app.handle(event).await.unwrap();
    let Some(Message::Email(email)) = memory.accepted().pop() else {
        panic!("an email")
    };
    let time = event_time(TIME, "ar").unwrap();
    assert!(time.contains("UTC") && !time.contains(TIME), "{time}");
    for (label, value) in [
        ("الوقت", time.as_str()),
        ("عنوان IP", "203.0.113.7"),
        ("الموقع", "Springfield"),
        ("الجهاز", "Chrome 131, Windows 11"),
    ] {
        let line = format!("{label}: {}", isolated(value));
        assert!(email.text.contains(&line), "{line:?} in {}", email.text);
    }
    assert!(
        email.text.starts_with("مرحبًا"),
        "the paragraph opens with an Arabic letter, so it reads right to left"
    );
    for line in email.text.lines().filter(|l| l.contains("https://")) {
        assert!(
            line.starts_with("https://") && !line.contains(FIRST_STRONG_ISOLATE),
            "a link stands on its own line, unmarked: {line:?}"
        );
    }
    let html = &email.html;
    assert!(html.contains(&format!("<bdi>{time}</bdi>")), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_arabic_code_or_password_is_selected_exactly() {
    let (memory, app) = app().await;
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    let cases = [
        ("CustomEmailSender_SignUp", "482913"),
        ("CustomSMSSender_SignUp", "482913"),
        ("CustomSMSSender_Authentication", "073311"),
        ("CustomEmailSender_AdminCreateUser", "Xk7#pQ2w.Zr!"),
        ("CustomSMSSender_AdminCreateUser", "Xk7#pQ2w.Zr!"),
    ];
    let mut marks_cost = Vec::new();
    for (source, code) in cases {
        let mut event = switchboard::testing::example_event(source);
        switchboard::testing::set_attribute(&mut event, "locale", "ar");
        event.request.code = Some(minter.mint(code, &event.user_pool_id).await.unwrap());
        app.handle(event).await.unwrap();
        let text = match memory.accepted().pop() {
            Some(Message::Email(email)) => email.text,
            Some(Message::Sms(sms)) => {
                let marks = sms
                    .body
                    .matches([FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE])
                    .count();
                let count = switchboard::sms::segments::count(&sms.body);
                assert_eq!(count.segments, 1, "{source}: {:?} ({count:?})", sms.body);
                marks_cost.push(marks);
                sms.body
            }
            None => panic!("{source}: delivered"),
        };
        let (word, line) = selections(&text, code);
        assert_eq!(
            line, code,
            "{source}: the code's line is the code alone: {text:?}"
        );
        if code.chars().all(|c| c.is_ascii_digit()) {
            assert_eq!(
                word, code,
                "{source}: a double-click selects the code: {text:?}"
            );
        }
        assert!(
            text.contains(&isolated("Acme Cloud")) || !text.contains("Acme Cloud"),
            "{source}: the product name is isolated: {text:?}"
        );
    }
    assert!(
        marks_cost.iter().all(|&marks| marks == 2),
        "the marks cost two characters of an SMS: {marks_cost:?}"
    );
}
