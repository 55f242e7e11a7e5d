//! Captures every log line (all crates, TRACE level, JSON as in Lambda) of full
//! runs — successes and failures, development key and KMS — and proves that no
//! decrypted code or temporary password appears in them or in any error.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use switchboard::cli::examples::EVENTS;
use switchboard::cognito::event::parse_custom_sender;
use switchboard::cognito::mint::{cognito_escape, CodeMinter};
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ErrorKind, ScriptedSender, Sender, Step};
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::testing::{provider, TestApp};
use switchboard_testkit::moto::moto;
use switchboard_testkit::python::mint_with_python;

const CODE: &str = "PLAINTEXT-CODE-93XQ";
const PASSWORD: &str = "TEMP-PASSWORD<&>77";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .init();
        capture
    })
}

fn assert_no_secret(text: &str, what: &str) {
    switchboard_testkit::assert_absent(text, &[CODE, PASSWORD, &cognito_escape(PASSWORD)], what);
}

/// Every example event with our secrets as codes, through a chain whose first
/// provider always fails and whose second rejects some and delivers others.
#[tokio::test(flavor = "multi_thread")]
async fn no_code_or_password_in_logs_or_errors_dev_key_and_kms() {
    let logs = logs();
    let flaky = Arc::new(
        ScriptedSender::new("flaky", BOTH_CHANNELS)
            .with_script(std::iter::repeat_n(Step::Fail(ErrorKind::Unavailable), 100)),
    );
    let picky = Arc::new(
        ScriptedSender::new("picky", BOTH_CHANNELS).with_script(
            [
                Step::Fail(ErrorKind::Rejected),
                Step::Deliver,
                Step::Fail(ErrorKind::Auth),
            ]
            .repeat(10),
        ),
    );
    let senders = [
        flaky.clone() as Arc<dyn Sender>,
        picky.clone() as Arc<dyn Sender>,
    ];
    let dev_app = TestApp::new(switchboard::testing::defaults())
        .senders(&senders)
        .start()
        .await;
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    let mut errors = Vec::new();
    for (name, json) in EVENTS {
        let mut event = parse_custom_sender(json.as_bytes()).unwrap();
        let plaintext = if name.ends_with("AdminCreateUser") {
            cognito_escape(PASSWORD)
        } else {
            CODE.to_string()
        };
        event.request.code = Some(minter.mint(&plaintext, &event.user_pool_id).await.unwrap());
        match dev_app.handle(event.clone()).await {
            Ok(outcome) => assert_no_secret(&format!("{outcome:?}"), "an outcome"),
            Err(e) => errors.push(format!("{e} {e:?}")),
        }
        // The same event for another pool: a decrypt failure.
        event.user_pool_id = "us-east-1_Elsewhere".into();
        errors.push(dev_app.handle(event).await.unwrap_err().to_string());
    }
    assert!(picky.accepted().len() >= 3, "some deliveries happened");
    assert!(errors.len() >= 15, "failures happened too");

    // The KMS path, with a Python-minted code.
    let key = moto().create_kms_key().await;
    let kms_app = TestApp::new(switchboard::testing::defaults())
        .configure(|c| c.decrypt.key_arn = Some(key.clone()))
        .senders(&senders)
        .aws(moto().sdk_config())
        .as_configured()
        .start()
        .await;
    let (_, json) = EVENTS[0];
    let mut event = parse_custom_sender(json.as_bytes()).unwrap();
    event.request.code = Some(mint_with_python(moto(), &key, &event.user_pool_id, CODE));
    for _ in 0..3 {
        match kms_app.handle(event.clone()).await {
            Ok(outcome) => assert_no_secret(&format!("{outcome:?}"), "an outcome"),
            Err(e) => errors.push(format!("{e} {e:?}")),
        }
    }
    // The accepted messages do carry the secrets (so they were in play), but
    // their Debug output does not.
    let bodies: String = crate::fixtures::texts(&picky).concat();
    assert!(bodies.contains(CODE), "the code reached the senders");
    assert_no_secret(&format!("{:?}", picky.accepted()), "Debug of a Message");

    for error in &errors {
        assert_no_secret(error, "an error");
    }
    let captured = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(
        captured.contains("event handled") && captured.contains("event not delivered"),
        "logs were captured"
    );
    assert!(
        captured.contains("provider failed"),
        "failover warnings were captured"
    );
    assert_no_secret(&captured, "the log output");
}

/// Provider credentials never reach a log line or an error, even when the
/// provider rejects them.
#[tokio::test(flavor = "multi_thread")]
async fn no_api_key_or_token_in_logs_or_errors() {
    use wiremock::{matchers::method, Mock, MockServer, ResponseTemplate};
    const SENDGRID_KEY: &str = "SG.api-key-that-must-not-leak";
    const TWILIO_TOKEN: &str = "twilio-token-that-must-not-leak";
    let logs = logs();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"errors":[{"message":"bad key"}],"code":20003}"#),
        )
        .mount(&server)
        .await;
    let mut config = switchboard::testing::defaults();
    config.providers.insert(
        "sendgrid".into(),
        provider(
            "sendgrid",
            &format!(
                "type = 'sendgrid'\napi_key = '{SENDGRID_KEY}'\nbase_url = '{}'\ntimeout_ms = 2000",
                server.uri()
            ),
        ),
    );
    config.providers.insert(
        "twilio".into(),
        twilio(TWILIO_TOKEN, &server.uri(), "timeout_ms = 2000"),
    );
    config.email.providers = vec!["sendgrid".into()];
    config.sms.providers = vec!["twilio".into()];
    let app = startup::build(
        &config,
        StartupOptions {
            force_insecure_dev_key: true,
            ..StartupOptions::new(Runtime::Local)
        },
    )
    .await
    .unwrap();
    let mut texts = vec![format!("{app:?}"), format!("{config:?}")];
    for (name, json) in EVENTS {
        if let Err(e) = app.handle_json(json.as_bytes()).await {
            texts.push(format!("{e} {e:?}"));
        } else {
            panic!("{name} must fail: the provider rejects the credentials");
        }
    }
    let captured = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    texts.push(captured);
    for text in texts {
        assert!(
            !text.contains(SENDGRID_KEY) && !text.contains(TWILIO_TOKEN),
            "a credential leaked: {text}"
        );
    }
}

/// Real HTTP providers that echo the request (a WAF, a receiver's debug page) or
/// name the recipient (Twilio 21211): neither the code nor the number reaches an
/// error or a log line.
#[tokio::test(flavor = "multi_thread")]
async fn no_code_or_number_from_echoing_providers_in_logs_or_errors() {
    use switchboard_testkit::hostile::{Hostile, Mode};
    const NUMBER: &str = "+12025550188";
    let logs = logs();
    let echo = Hostile::start(vec![Mode::Echo { status: 400 }]);
    let twilio_server = Hostile::start(vec![Mode::json(
        400,
        serde_json::json!({"code": 21211, "message": format!("The 'To' number {NUMBER} is not a valid phone number.")}),
    )]);
    let key = moto().create_kms_key().await;
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some(key.clone());
    config.providers.insert(
        "sendgrid".into(),
        provider(
            "sendgrid",
            &format!(
                "type = 'sendgrid'\napi_key = 'SG.k'\nbase_url = '{}'",
                echo.url()
            ),
        ),
    );
    config.providers.insert(
        "hook".into(),
        provider(
            "hook",
            &format!(
                "type = 'webhook'\nurl = '{}'\nsecret = 'a-secret-of-enough-length'",
                echo.url()
            ),
        ),
    );
    config
        .providers
        .insert("twilio".into(), twilio("t", &twilio_server.url(), ""));
    config.email.providers = vec!["sendgrid".into(), "hook".into()];
    config.sms.providers = vec!["twilio".into()];
    let options = StartupOptions {
        aws: Some(moto().sdk_config()),
        ..StartupOptions::new(Runtime::Local)
    };
    let app = startup::build(&config, options).await.unwrap();
    let minter = CodeMinter::kms(&key.parse().unwrap(), moto().kms())
        .await
        .unwrap();
    let mut errors = Vec::new();
    for source in ["CustomEmailSender_ForgotPassword", "CustomSMSSender_SignUp"] {
        let mut event = switchboard::testing::example_event(source);
        switchboard::testing::set_attribute(&mut event, "phone_number", NUMBER);
        event.request.code = Some(minter.mint(CODE, &event.user_pool_id).await.unwrap());
        let err = app.handle(event).await.unwrap_err();
        errors.push(format!("{err} {err:?}"));
    }
    assert!(
        echo.received()[0].text().contains(CODE),
        "the code was sent and echoed"
    );
    let captured = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    for text in errors.iter().chain([&captured]) {
        assert_no_secret(text, "an error or the logs");
        assert!(!text.contains("2025550188"), "the number leaked: {text}");
        assert!(
            !text.contains("jane.doe@example.com"),
            "the address leaked: {text}"
        );
    }
}

/// A Twilio provider with `auth_token` at `base_url`, plus `extra` lines.
fn twilio(auth_token: &str, base_url: &str, extra: &str) -> switchboard::providers::ProviderConfig {
    provider(
        "twilio",
        &format!(
            "type = 'twilio'\naccount_sid = 'AC00000000000000000000000000000000'\n\
             auth_token = '{auth_token}'\nfrom = '+15005550006'\nbase_url = '{base_url}'\n{extra}"
        ),
    )
}
