//! What the command line prints about a configuration and an event it could
//! not deliver: URLs without their credentials, a provider that quotes the
//! request back without the temporary password or the API key, and countries
//! still written as calling codes named with the regions they cover.

use serde_json::json;
use switchboard::cognito::mint::{cognito_escape, CodeMinter};
use switchboard_testkit::hostile::{Hostile, Mode};

use crate::tools::switchboard;

fn printed(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn check_config_prints_urls_without_their_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("SWITCHBOARD_PROVIDERS__HOOK__TYPE", "webhook"),
        (
            "SWITCHBOARD_PROVIDERS__HOOK__URL",
            "https://hookuser:urlpass-0123@hooks.acme.test/hook?token=query-token-0123",
        ),
        (
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET",
            "a-webhook-secret-of-length",
        ),
        ("SWITCHBOARD_PROVIDERS__TW__TYPE", "twilio"),
        (
            "SWITCHBOARD_PROVIDERS__TW__ACCOUNT_SID",
            "AC0123456789abcdef0123456789abcdef",
        ),
        ("SWITCHBOARD_PROVIDERS__TW__AUTH_TOKEN", "env:TWILIO_TOKEN"),
        ("SWITCHBOARD_PROVIDERS__TW__FROM", "+15005550006"),
        (
            "SWITCHBOARD_PROVIDERS__TW__STATUS_CALLBACK",
            "https://cbuser:callback-pass-0123@acme.test/twilio",
        ),
        (
            "SWITCHBOARD_PROVIDERS__TW__BASE_URL",
            "https://edgeuser:edge-pass-0123@api.twilio.com",
        ),
        ("TWILIO_TOKEN", "twilio-auth-token-0123"),
        ("SWITCHBOARD_EMAIL__PROVIDERS", "hook"),
    ];
    let output = switchboard(dir.path(), &["check-config"], &env);
    let stdout = switchboard_testkit::stdout_of(&output);
    for secret in [
        "hookuser",
        "urlpass-0123",
        "query-token-0123",
        "cbuser",
        "callback-pass-0123",
        "edgeuser",
        "edge-pass-0123",
        "twilio-auth-token-0123",
    ] {
        assert!(!stdout.contains(secret), "`{secret}` printed:\n{stdout}");
    }
    switchboard_testkit::assert_mentions(
        &stdout,
        &[
            "url=https://***:***@hooks.acme.test/hook?token=***",
            "status_callback=https://***:***@acme.test/twilio",
            "auth_token=env:TWILIO_TOKEN",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_against_a_provider_quoting_the_request_prints_no_password_or_key() {
    const PASSWORD: &str = "Xk7#pQ2wZr";
    let dir = tempfile::tempdir().unwrap();
    let sendgrid = Hostile::start(vec![Mode::echo_into(
        400,
        json!({"errors": [{"message": "$BODY", "field": "$HEADERS"}]}),
    )]);
    let twilio = Hostile::start(vec![Mode::echo_into(
        400,
        json!({"code": 21211, "message": "$ECHO"}),
    )]);
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    let mut events = Vec::new();
    for source in [
        "CustomEmailSender_AdminCreateUser",
        "CustomSMSSender_AdminCreateUser",
    ] {
        let mut event = switchboard::testing::example_event(source);
        event.request.code = Some(
            minter
                .mint(&cognito_escape(PASSWORD), &event.user_pool_id)
                .await
                .unwrap(),
        );
        let file = dir.path().join(format!("{source}.json"));
        std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
        events.push(file);
    }
    let (sendgrid_url, twilio_url) = (sendgrid.url(), twilio.url());
    let env = [
        ("SWITCHBOARD_PROVIDERS__SG__TYPE", "sendgrid"),
        (
            "SWITCHBOARD_PROVIDERS__SG__API_KEY",
            "SG.cli-echoed-key-0123",
        ),
        ("SWITCHBOARD_PROVIDERS__SG__BASE_URL", sendgrid_url.as_str()),
        ("SWITCHBOARD_PROVIDERS__TW__TYPE", "twilio"),
        (
            "SWITCHBOARD_PROVIDERS__TW__ACCOUNT_SID",
            "AC0123456789abcdef0123456789abcdef",
        ),
        (
            "SWITCHBOARD_PROVIDERS__TW__AUTH_TOKEN",
            "cli-echoed-twilio-token",
        ),
        ("SWITCHBOARD_PROVIDERS__TW__FROM", "+15005550006"),
        ("SWITCHBOARD_PROVIDERS__TW__BASE_URL", twilio_url.as_str()),
        ("SWITCHBOARD_EMAIL__PROVIDERS", "sg"),
        ("SWITCHBOARD_SMS__PROVIDERS", "tw"),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "1"),
    ];
    for event in &events {
        let output = switchboard(dir.path(), &["invoke", event.to_str().unwrap()], &env);
        let text = printed(&output);
        assert!(!output.status.success(), "{text}");
        assert!(
            text.contains("not delivered") && text.contains("<redacted>"),
            "{text}"
        );
        for secret in [
            PASSWORD,
            "Xk7%23pQ2wZr",
            "SG.cli-echoed-key-0123",
            "cli-echoed-twilio-token",
        ] {
            assert!(!text.contains(secret), "`{secret}` printed:\n{text}");
        }
    }
    assert!(sendgrid.received()[0].text().contains(PASSWORD));
    assert!(twilio.received()[0].text().contains("Xk7%23pQ2wZr"));
}

#[tokio::test(flavor = "multi_thread")]
async fn calling_codes_keep_sending_with_a_warning_and_check_config_names_their_regions() {
    let dir = tempfile::tempdir().unwrap();
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    let mut event = switchboard::testing::example_event("CustomSMSSender_Authentication");
    switchboard::testing::set_attribute(&mut event, "phone_number", "+18762345678");
    event.request.code = Some(minter.mint("491305", &event.user_pool_id).await.unwrap());
    let file = dir.path().join("event.json");
    std::fs::write(&file, serde_json::to_vec(&event).unwrap()).unwrap();
    let env = [
        ("SWITCHBOARD_SMS__ALLOWED_COUNTRIES", "1,44"),
        ("SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__49", "0"),
    ];

    let sent = switchboard(dir.path(), &["invoke", file.to_str().unwrap()], &env);
    let stderr = String::from_utf8_lossy(&sent.stderr).into_owned();
    let stdout = switchboard_testkit::stdout_of(&sent);
    assert!(
        stdout.contains("\"delivered\""),
        "Jamaica is in +1: {stdout}"
    );
    switchboard_testkit::assert_mentions(
        &stderr,
        &["WARN", "sms.allowed_countries", "JM", "one release"],
    );

    let checked = switchboard(dir.path(), &["check-config"], &env);
    assert!(
        !checked.status.success(),
        "check-config fails until rewritten"
    );
    let error = String::from_utf8_lossy(&checked.stderr);
    switchboard_testkit::assert_mentions(
        &error,
        &[
            "1. `sms.allowed_countries` names calling code 1",
            "US, AG, AI",
            "JM",
            "2. `sms.allowed_countries` names calling code 44",
            "GB, GG, IM, JE",
            "3. `sms.limits.per_country.49`",
            "ISO 3166",
        ],
    );
}
