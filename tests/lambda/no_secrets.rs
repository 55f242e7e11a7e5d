//! No secret in what the real binary prints or answers as a Lambda: the
//! invocation error Lambda records (and keeps in the on-failure destination)
//! and every line the function printed.

use switchboard_testkit::moto::moto;

use switchboard::cognito::mint::cognito_escape;

const CODE: &str = "PLAINTEXT-CODE-93XQ";
const PASSWORD: &str = "TEMP-PASSWORD<&>77";

fn assert_no_secret(text: &str, what: &str) {
    switchboard_testkit::assert_absent(text, &[CODE, PASSWORD, &cognito_escape(PASSWORD)], what);
}

/// The invocation error and the output, for events whose providers echo the
/// request and name the number.
#[tokio::test(flavor = "multi_thread")]
async fn no_code_or_number_in_the_lambda_error_or_output() {
    use crate::harness::{branding, minted, run_as_lambda};
    use switchboard_testkit::hostile::{Hostile, Mode};
    const NUMBER: &str = "+12025550199";
    let echo = Hostile::start(vec![Mode::Echo { status: 400 }]);
    let twilio = Hostile::start(vec![Mode::json(
        400,
        serde_json::json!({"code": 21211, "message": format!("The 'To' number {NUMBER} is not a valid phone number.")}),
    )]);
    let key = moto().create_kms_key().await;
    let email = minted("events/CustomEmailSender_ForgotPassword", &key, CODE);
    let mut sms = minted("events/CustomSMSSender_SignUp", &key, CODE);
    sms["request"]["userAttributes"]["phone_number"] = NUMBER.into();
    let mut env = branding();
    env.extend([
        ("SWITCHBOARD_DECRYPT__KEY_ARN", key.clone()),
        ("SWITCHBOARD_PROVIDERS__HOOK__TYPE", "webhook".into()),
        ("SWITCHBOARD_PROVIDERS__HOOK__URL", echo.url()),
        (
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET",
            "a-secret-of-enough-length".into(),
        ),
        ("SWITCHBOARD_PROVIDERS__TW__TYPE", "twilio".into()),
        (
            "SWITCHBOARD_PROVIDERS__TW__ACCOUNT_SID",
            "AC00000000000000000000000000000000".into(),
        ),
        ("SWITCHBOARD_PROVIDERS__TW__AUTH_TOKEN", "t".into()),
        ("SWITCHBOARD_PROVIDERS__TW__FROM", "+15005550006".into()),
        ("SWITCHBOARD_PROVIDERS__TW__BASE_URL", twilio.url()),
        ("SWITCHBOARD_EMAIL__PROVIDERS", "hook".into()),
        ("SWITCHBOARD_SMS__PROVIDERS", "tw".into()),
        ("AWS_LAMBDA_LOG_LEVEL", "TRACE".into()),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &[email, sms], &env);
    let invocations = results["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 2, "{results}");
    for invocation in invocations {
        assert_eq!(invocation["status"], "error", "{invocation}");
    }
    assert!(
        echo.received()[0].text().contains(CODE),
        "the code was sent and echoed"
    );
    for text in [results.to_string(), printed] {
        assert_no_secret(&text, "the Lambda error or output");
        assert!(!text.contains("2025550199"), "the number leaked: {text}");
    }
}
