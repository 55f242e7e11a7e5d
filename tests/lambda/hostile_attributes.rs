//! The sign-up form as an attack surface, through the real binary as Lambda
//! runs it: a name with line breaks, a link, a right-to-left override and the
//! longest value Cognito stores goes into no mail as the attacker wrote it, and
//! one victim's address signed up again and again gets `per_recipient` mails.

use serde_json::Value;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

use crate::harness::{delivering_to, metric_line, minted, run_as_lambda, statuses};

/// Cognito's limit for an attribute value.
const LONGEST_ATTRIBUTE: usize = 2048;

fn sign_up(key: &str, given_name: &str, metadata: Value) -> Value {
    let mut event = minted("events/CustomEmailSender_SignUp", key, "551903");
    event["request"]["userAttributes"]["given_name"] = given_name.into();
    event["request"]["clientMetadata"] = metadata;
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_name_reaches_no_mail_as_written() {
    let key = moto().create_kms_key().await;
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let phishing =
        "Jane\r\n\r\nYour account is locked. Restore it at https://evil.example/restore\u{202E}";
    let bare_domain = "claim your prize at acme-support\u{200B}.example";
    let long = "L".repeat(LONGEST_ATTRIBUTE);
    let events = [
        sign_up(&key, phishing, Value::Null),
        sign_up(
            &key,
            bare_domain,
            serde_json::json!({"campaign": "www.evil.example"}),
        ),
        sign_up(&key, &long, Value::Null),
    ];
    let env = delivering_to(&key, format!("{}/hook", hook.url()));
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &events, &env);
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{invocation}\n{printed}");
    }
    let mails: Vec<Value> = hook
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(mails.len(), 3);
    for mail in &mails[..2] {
        let (text, html) = (
            mail["text"].as_str().unwrap(),
            mail["html"].as_str().unwrap(),
        );
        for part in [text, html] {
            for written in [
                "evil.example",
                "acme-support",
                "locked",
                "\u{202E}",
                "\u{200B}",
            ] {
                assert!(!part.contains(written), "`{written}` in:\n{part}");
            }
        }
        assert!(
            text.starts_with("Hello,\n"),
            "the neutral greeting, on one line: {text}"
        );
        assert!(text.contains("551903"), "the code still went out");
    }
    let long_text = mails[2]["text"].as_str().unwrap();
    let greeting = long_text.lines().next().unwrap();
    assert!(
        greeting.chars().count() < 80 && greeting.contains("LLLL") && greeting.contains('…'),
        "a 2048-character name is cut to 64: {greeting}"
    );
    let neutral = mails[0].to_string().len();
    let long = mails[2].to_string().len();
    assert!(
        long < neutral + 4 * 70,
        "the mail grows by the cut name only ({neutral} → {long} bytes)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_a_victim_up_again_and_again_is_stopped_at_per_recipient() {
    let key = moto().create_kms_key().await;
    let table = moto().create_idempotency_table().await;
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let events: Vec<Value> = [
        "victim@acme.test",
        "Victim+1@acme.test",
        "VICTIM+2@acme.test",
    ]
    .iter()
    .enumerate()
    .map(|(n, address)| {
        let mut event = sign_up(&key, "Jane", Value::Null);
        event["userName"] = format!("bomb-user-{n}").into();
        event["request"]["userAttributes"]["email"] = (*address).into();
        event
    })
    .collect();
    let mut env = delivering_to(&key, format!("{}/hook", hook.url()));
    env.extend([
        ("SWITCHBOARD_EMAIL__LIMITS__PER_RECIPIENT", "2".into()),
        (
            "SWITCHBOARD_EMAIL__LIMITS__WINDOW_SECONDS",
            switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON.to_string(),
        ),
        ("SWITCHBOARD_EMAIL__LIMITS__TABLE", table),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &events, &env);
    let statuses: Vec<String> = statuses(&results, &printed);
    assert_eq!(statuses, ["delivered", "delivered", "limited"]);
    assert_eq!(hook.received().len(), 2);
    let metric = metric_line(&printed, "EmailLimited");
    assert_eq!(
        (metric["Failed"].as_u64(), metric["SmsLimited"].as_u64()),
        (Some(0), Some(0))
    );
    let warning = printed
        .lines()
        .find(|l| l.contains("Email limit reached"))
        .unwrap_or_else(|| panic!("a warning: {printed}"));
    switchboard_testkit::assert_mentions(
        warning,
        &["email.limits.per_recipient", "V***@a***.test"],
    );
    assert!(
        !printed.to_lowercase().contains("victim"),
        "masked everywhere: {printed}"
    );
}
