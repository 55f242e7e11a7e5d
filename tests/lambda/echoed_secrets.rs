//! Providers that quote our request back in their error — body, headers and
//! credentials — behind the real binary as Lambda runs it: the temporary
//! password (alphanumeric with symbols, as Cognito makes them and admins choose
//! them), its URL-encoded and JSON-escaped forms and every provider credential
//! stay out of the log, the invocation's error record and the metrics, because
//! they are removed by value.

use base64::Engine;
use serde_json::{json, Value};
use switchboard::cognito::mint::cognito_escape;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::mint_with_python;
use switchboard_testkit::smtp::{smtp_server, PASSWORD as SMTP_PASSWORD, USER as SMTP_USER};

use crate::harness::{branding, example, provider_env, run_as_lambda, POOL};

/// Symbols a JSON body, a form and HTML each encode differently (minijinja
/// writes `/` as `&#x2f;`, a form body `~` as `%7E` and `*` as it is), after a
/// run of letters long enough that no random request id or signature in the
/// output contains it by chance.
const TEMPORARY_PASSWORD: &str = "Xk7vN3qLm8wT#pQ2w\"Zr<&>+é/'*~";

/// What is left of the password after any encoding: the letters before the symbols.
fn letters() -> &'static str {
    TEMPORARY_PASSWORD
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap()
}
const SENDGRID_KEY: &str = "SG.echoed-sendgrid-key-0123456789";
const MAILGUN_KEY: &str = "key-echoed-mailgun-0123456789";
const POSTMARK_TOKEN: &str = "echoed-postmark-server-token-0123";
const RESEND_KEY: &str = "re_echoed_resend_key_0123456789";
const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
const TWILIO_TOKEN: &str = "echoed-twilio-auth-token-0123456";
const WEBHOOK_SECRET: &str = "echoed-webhook-signing-secret-0123";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEchoedSessionTokenOfTheFunction0123456789";

/// Every form of a secret that a request carried and an echo can show.
fn forbidden() -> Vec<String> {
    let base64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let mut secrets = vec![
        TEMPORARY_PASSWORD.to_string(),
        cognito_escape(TEMPORARY_PASSWORD),
        serde_json::to_string(TEMPORARY_PASSWORD)
            .unwrap()
            .trim_matches('"')
            .to_string(),
        url::form_urlencoded::byte_serialize(TEMPORARY_PASSWORD.as_bytes()).collect(),
        letters().to_string(),
        base64(&format!("api:{MAILGUN_KEY}")),
        base64(&format!("{TWILIO_SID}:{TWILIO_TOKEN}")),
        base64(&format!("{SMTP_USER}:{SMTP_PASSWORD}")),
        // SMTP AUTH PLAIN and AUTH LOGIN, as a trace of the dialogue shows them.
        base64(&format!("\0{SMTP_USER}\0{SMTP_PASSWORD}")),
        base64(SMTP_PASSWORD),
    ];
    for credential in [
        SENDGRID_KEY,
        MAILGUN_KEY,
        POSTMARK_TOKEN,
        RESEND_KEY,
        TWILIO_TOKEN,
        WEBHOOK_SECRET,
        SESSION_TOKEN,
        SMTP_PASSWORD,
    ] {
        secrets.push(credential.to_string());
    }
    secrets
}

#[track_caller]
fn assert_nothing_secret(text: &str, what: &str) {
    for secret in forbidden() {
        if let Some(at) = text.find(&secret) {
            let context: String = text[at..].chars().take(300).collect();
            panic!("{what} contains `{secret}`: {context}…");
        }
    }
}

/// One provider that echoes: its environment and the event it gets.
struct Echoing {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    event: &'static str,
}

fn http_providers(server: &Hostile) -> Vec<Echoing> {
    let url = server.url();
    let email = "events/CustomEmailSender_AdminCreateUser";
    vec![
        Echoing {
            name: "sg",
            env: provider_env(
                "sg",
                &[
                    ("type", "sendgrid".into()),
                    ("api_key", SENDGRID_KEY.into()),
                    ("base_url", url.clone()),
                ],
            ),
            event: email,
        },
        Echoing {
            name: "mg",
            env: provider_env(
                "mg",
                &[
                    ("type", "mailgun".into()),
                    ("api_key", MAILGUN_KEY.into()),
                    ("domain", "mg.acme.test".into()),
                    ("base_url", url.clone()),
                ],
            ),
            event: email,
        },
        Echoing {
            name: "pm",
            env: provider_env(
                "pm",
                &[
                    ("type", "postmark".into()),
                    ("api_key", POSTMARK_TOKEN.into()),
                    ("base_url", url.clone()),
                ],
            ),
            event: email,
        },
        Echoing {
            name: "re",
            env: provider_env(
                "re",
                &[
                    ("type", "resend".into()),
                    ("api_key", RESEND_KEY.into()),
                    ("base_url", url.clone()),
                ],
            ),
            event: email,
        },
        Echoing {
            name: "hook",
            env: provider_env(
                "hook",
                &[
                    ("type", "webhook".into()),
                    ("url", format!("{url}/hook")),
                    ("secret", WEBHOOK_SECRET.into()),
                ],
            ),
            event: email,
        },
        Echoing {
            name: "tw",
            env: provider_env(
                "tw",
                &[
                    ("type", "twilio".into()),
                    ("account_sid", TWILIO_SID.into()),
                    ("auth_token", TWILIO_TOKEN.into()),
                    ("from", "+15005550006".into()),
                    ("base_url", url),
                ],
            ),
            event: "events/CustomSMSSender_AdminCreateUser",
        },
    ]
}

/// Each provider's own error shape, quoting `quote` (`$HEADERS` or `$BODY`,
/// see `Mode::EchoInto`) where its API puts a message.
fn echo_shapes(quote: &str) -> Vec<Mode> {
    vec![
        Mode::echo_into(400, json!({"errors": [{"message": quote, "field": null}]})),
        Mode::echo_into(400, json!({"message": quote})),
        Mode::echo_into(422, json!({"ErrorCode": 300, "Message": quote})),
        Mode::echo_into(
            422,
            json!({"statusCode": 422, "name": "validation_error", "message": quote}),
        ),
        Mode::echo_into(400, json!({"message": quote, "error": quote})),
        Mode::echo_into(400, json!({"code": 21211, "message": quote, "status": 400})),
    ]
}

/// The first request answered quoting its headers, the second quoting its body.
fn quoting_headers_then_body(shape: impl Fn(&str) -> Mode) -> Hostile {
    Hostile::start(vec![shape("$HEADERS"), shape("$BODY")])
}

async fn admin_create_user(source: &str, key: &str) -> Value {
    let mut event = example(source);
    event["request"]["code"] =
        mint_with_python(moto(), key, POOL, &cognito_escape(TEMPORARY_PASSWORD)).into();
    event
}

/// The function's environment with `chain` for the channel of `event` (a
/// webhook that is never called serves the other).
fn environment(
    key: &str,
    event: &str,
    chain: &str,
    provider: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let (email, sms) = match event.contains("CustomSMSSender") {
        true => ("unused", chain),
        false => (chain, "unused"),
    };
    let mut env = branding();
    env.extend(provider_env(
        "unused",
        &[
            ("type", "webhook".into()),
            ("url", "http://127.0.0.1:9/never-called".into()),
            ("secret", "a-secret-of-enough-length".into()),
        ],
    ));
    env.extend([
        ("SWITCHBOARD_DECRYPT__KEY_ARN", key.to_string()),
        ("SWITCHBOARD_EMAIL__PROVIDERS", email.to_string()),
        ("SWITCHBOARD_SMS__PROVIDERS", sms.to_string()),
        ("SWITCHBOARD_DELIVERY__PRECONNECT", "false".into()),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "1".into()),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN.into()),
        ("AWS_LAMBDA_LOG_LEVEL", "TRACE".into()),
    ]);
    env.extend(provider.iter().cloned());
    env
}

/// Runs `event` with `env` and checks that it failed, that the provider saw the
/// secret, and that nothing secret came out.
fn assert_failed_without_secrets(
    name: &str,
    events: &[Value],
    env: &[(&'static str, String)],
    json_logs: bool,
) {
    let mut env = env.to_vec();
    if json_logs {
        env.push(("AWS_LAMBDA_LOG_FORMAT", "json".into()));
    }
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), events, &env);
    let invocations = results["invocations"].as_array().unwrap();
    assert_eq!(
        invocations.len(),
        events.len(),
        "{name}: {results}\n{printed}"
    );
    for invocation in invocations {
        assert_eq!(
            invocation["status"], "error",
            "{name}: {results}\n{printed}"
        );
        assert!(
            invocation["body"]
                .as_str()
                .unwrap()
                .contains("NotDelivered"),
            "{name}: {invocation}"
        );
    }
    assert_nothing_secret(
        &results.to_string(),
        &format!("{name}: the runtime's error record"),
    );
    assert_nothing_secret(&printed, &format!("{name}: the function's output"));
    // The signed webhook never shows its receiver's answer: nothing to redact.
    assert!(
        printed.contains("<redacted>") || name == "hook",
        "{name}: the echo reached the output, redacted:\n{printed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_http_provider_quoting_the_request_leaks_no_password_or_credential() {
    let key = moto().create_kms_key().await;
    for index in 0..echo_shapes("").len() {
        let server = quoting_headers_then_body(|quote| echo_shapes(quote).remove(index));
        let provider = http_providers(&server).remove(index);
        let event = admin_create_user(provider.event, &key).await;
        let env = environment(&key, provider.event, provider.name, &provider.env);
        assert_failed_without_secrets(provider.name, &[event.clone(), event], &env, index % 2 == 0);
        let request = &server.received()[0];
        let sent = format!("{:?}{}", request.headers, request.text());
        let carries_credential = forbidden()
            .iter()
            .skip(5)
            .any(|c| sent.contains(c.as_str()));
        assert!(
            sent.contains(letters()) && (carries_credential || provider.name == "hook"),
            "{}: the request carried the password (and a credential, but to the signed webhook), so the echo did:\n{sent}",
            provider.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_smtp_relay_quoting_the_message_in_its_550_leaks_no_password() {
    let key = moto().create_kms_key().await;
    let smtp = smtp_server();
    let mut event = admin_create_user("events/CustomEmailSender_AdminCreateUser", &key).await;
    event["request"]["userAttributes"]["email"] = "quote-me@acme.test".into();
    let provider = provider_env(
        "relay",
        &[
            ("type", "smtp".into()),
            ("url", format!("smtp://localhost:{}", smtp.starttls_port)),
            ("username", SMTP_USER.into()),
            ("password", SMTP_PASSWORD.into()),
            ("ca_file", smtp.ca_file().display().to_string()),
        ],
    );
    let env = environment(&key, "CustomEmailSender", "relay", &provider);
    assert_failed_without_secrets("smtp", &[event], &env, false);
    let quoted = std::fs::read_to_string(smtp.dir.join("quoted.txt")).unwrap();
    assert!(
        quoted.contains(letters()),
        "the relay quoted the password back: {quoted}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aws_api_quoting_the_request_leaks_no_password_or_session_token() {
    let key = moto().create_kms_key().await;
    let ses = quoting_headers_then_body(|quote| Mode::EchoInto {
        status: 400,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("x-amzn-ErrorType".into(), "BadRequestException".into()),
        ],
        shape: json!({ "message": quote }),
    });
    let sms = quoting_headers_then_body(|quote| {
        Mode::echo_into(
            400,
            json!({"__type": "ValidationException", "Message": quote}),
        )
    });
    for (name, channel_event, provider, endpoint_variable, server) in [
        (
            "ses",
            "events/CustomEmailSender_AdminCreateUser",
            provider_env("mail", &[("type", "ses".into())]),
            "AWS_ENDPOINT_URL_SESV2",
            &ses,
        ),
        (
            "aws-sms",
            "events/CustomSMSSender_AdminCreateUser",
            provider_env(
                "mail",
                &[
                    ("type", "aws-sms".into()),
                    ("origination_identity", "+15005550006".into()),
                ],
            ),
            "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2",
            &sms,
        ),
    ] {
        let event = admin_create_user(channel_event, &key).await;
        let mut env = environment(&key, channel_event, "mail", &provider);
        env.push((endpoint_variable, server.url()));
        assert_failed_without_secrets(name, &[event.clone(), event], &env, true);
        let request = &server.received()[0];
        assert!(
            request.header("x-amz-security-token") == Some(SESSION_TOKEN)
                && request.text().contains(letters()),
            "{name}: the request carried the session token and the password"
        );
    }
}
