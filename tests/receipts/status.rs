//! `switchboard status --to`, `--user` and `--since` over trails the receipts
//! function stored: a recipient found however it is written, by the key the
//! guards store it under (never the address or the number itself), a user
//! through their attributes in the pool, and a summary per provider.

use serde_json::{json, Value};
use switchboard_testkit::moto::moto;

use crate::aws_events::{aws_providers, ses_event, sms_event};
use crate::harness::{command_line, environment, event_id, now_secs, run_receipts, trail};

const RECIPIENT_KEY: &str = "status-test-recipient-key-0123456789";
const NUMBER_KEY: &str = "status-test-number-key-0123456789";

/// An SES event for `address`: delivered, or bounced.
fn ses_for(id: &str, address: &str, delivered: bool, sent_at: u64) -> Value {
    let at = chrono::DateTime::from_timestamp_millis(sent_at as i64 + 2_000)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut event = if delivered {
        ses_event(
            id,
            "receipts",
            "Delivery",
            json!({"delivery": {"timestamp": at}}),
            sent_at,
        )
    } else {
        ses_event(
            id,
            "receipts",
            "Bounce",
            json!({"bounce": {"bounceType": "Permanent", "timestamp": at, "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}]}}),
            sent_at,
        )
    };
    event["detail"]["mail"]["destination"] = json!([address]);
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recipients_and_a_users_trails_and_a_summary_without_a_scan() {
    let mut providers = aws_providers();
    providers.extend([
        (
            "SWITCHBOARD_EMAIL__LIMITS__RECIPIENT_KEY",
            "env:SB_TEST_RECIPIENT_KEY".to_string(),
        ),
        (
            "SWITCHBOARD_SMS__LIMITS__NUMBER_KEY",
            "env:SB_TEST_NUMBER_KEY".to_string(),
        ),
        ("SB_TEST_RECIPIENT_KEY", RECIPIENT_KEY.to_string()),
        ("SB_TEST_NUMBER_KEY", NUMBER_KEY.to_string()),
    ]);
    let (env, table) = environment(providers).await;
    let sent_at = now_secs() * 1000 - 5_000;
    let (jane, other, text) = (
        event_id(&format!("status-jane-{sent_at}")),
        event_id(&format!("status-other-{sent_at}")),
        event_id(&format!("status-text-{sent_at}")),
    );
    let events = [
        ses_for(&jane, "Jane.Doe@Example.com", true, sent_at),
        ses_for(&other, "someone.else@example.com", false, sent_at),
        sms_event(&text, "TEXT_DELIVERED", sent_at),
    ];
    let (results, printed) = run_receipts(&events, &env);
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{invocation}\n{printed}");
        assert_eq!(invocation["body"], r#"{"stored":1}"#, "{printed}");
    }

    // The trail holds the recipient as the guards do: a keyed HMAC, not the address or the number.
    let item = trail(&table, &jane, "mail").await.expect("jane's trail");
    let recipient = item.get("recipient").expect("a recipient key").clone();
    assert!(recipient.starts_with("email#k"), "{recipient}");
    let sms_item = trail(&table, &text, "text").await.expect("the SMS's trail");
    for (stored, personal) in [
        (&item, "jane"),
        (&item, "example.com"),
        (&sms_item, "2025550177"),
    ] {
        let stored = format!("{stored:?}").to_lowercase();
        assert!(!stored.contains(personal), "{personal} in {stored}");
    }

    // Found however the operator writes it; the other recipient's trail is not shown.
    let (ok, out, err) = command_line(&["status", "--to", "jane.doe+signup@EXAMPLE.com"], &env);
    assert!(ok, "{err}");
    assert!(out.contains(&jane) && !out.contains(&other), "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("mail") && l.contains("delivered")),
        "{out}"
    );
    assert!(!out.contains("jane.doe"), "the address is masked: {out}");
    let (ok, out, err) = command_line(&["status", "--to", "+1 (202) 555-0177"], &env);
    assert!(ok, "{err}");
    assert!(out.contains(&text) && !out.contains(&jane), "{out}");

    // Another recipient key finds nothing: the key is what the trail is found by.
    let mut other_key = env.clone();
    other_key.retain(|(name, _)| *name != "SB_TEST_RECIPIENT_KEY");
    other_key.push((
        "SB_TEST_RECIPIENT_KEY",
        "another-key-0123456789abcdef".into(),
    ));
    let (ok, _, err) = command_line(&["status", "--to", "jane.doe@example.com"], &other_key);
    assert!(!ok);
    switchboard_testkit::assert_mentions(&err, &["no receipt", "24h"]);

    // A user: their email address and phone number in the pool.
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&moto().sdk_config());
    let pool = cognito
        .create_user_pool()
        .pool_name(format!("status-{sent_at}"))
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let attribute = |name: &str, value: &str| {
        aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
            .name(name)
            .value(value)
            .build()
            .unwrap()
    };
    cognito
        .admin_create_user()
        .user_pool_id(&pool)
        .username("jane")
        .user_attributes(attribute("email", "Jane.Doe@Example.com"))
        .user_attributes(attribute("phone_number", "+12025550177"))
        .send()
        .await
        .unwrap();
    let (ok, out, err) = command_line(&["status", "--user", "jane", "--pool", &pool], &env);
    assert!(ok, "{err}");
    assert!(
        out.contains(&jane) && out.contains(&text) && !out.contains(&other),
        "{out}"
    );

    // The last hour per provider: mail 1 delivered and 1 bounced, text 1 delivered.
    let (ok, out, err) = command_line(&["status", "--since", "1h"], &env);
    assert!(ok, "{err}");
    let cells = |provider: &str| -> Vec<String> {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{provider} ")))
            .unwrap_or_else(|| panic!("a line for {provider}:\n{out}"));
        line.split_whitespace().map(str::to_string).collect()
    };
    assert_eq!(
        cells("mail")[..8],
        ["mail", "email", "2", "1", "1", "0", "0", "50.0"]
    );
    assert_eq!(
        cells("text")[..8],
        ["text", "sms", "1", "1", "0", "0", "0", "100.0"]
    );

    // Questions that are not one: refused with what to ask.
    let (ok, _, err) = command_line(&["status", "--to", "a@b.test", "--event", &jane], &env);
    assert!(!ok);
    switchboard_testkit::assert_mentions(
        &err,
        &["ask one question", "--event", "--to", "--user", "--since"],
    );
    let (ok, _, err) = command_line(&["status", "--since", "soon"], &env);
    assert!(!ok);
    switchboard_testkit::assert_mentions(&err, &["--since", "soon", "90m"]);
}
