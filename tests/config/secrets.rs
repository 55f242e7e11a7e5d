//! Secret references resolved from a local moto server (SSM SecureString, Secrets
//! Manager JSON keys), cached, and never shown.

use secrecy::ExposeSecret;
use switchboard::providers::SecretValue;
use switchboard::secrets::SecretResolver;
use switchboard::startup::Runtime;
use switchboard::testing::provider;
use switchboard_testkit::moto::moto;

#[tokio::test(flavor = "multi_thread")]
async fn ssm_secure_strings_and_secrets_manager_json_keys_resolve() {
    let aws = moto().sdk_config();
    put_parameter("/switchboard/tests/sendgrid", "SG.from-ssm").await;
    create_secret(
        "switchboard/tests/providers",
        r#"{"twilio":"twilio-from-sm","mailgun":"key-from-sm"}"#,
    )
    .await;
    let mut resolver = SecretResolver::new(Some(&aws));
    let ssm = resolver
        .resolve(
            "providers.sg.api_key",
            &SecretValue::new("ssm:/switchboard/tests/sendgrid"),
        )
        .await
        .unwrap();
    assert_eq!(ssm.expose_secret(), "SG.from-ssm");
    let sm = resolver
        .resolve(
            "providers.tw.auth_token",
            &SecretValue::new("secretsmanager:switchboard/tests/providers#twilio"),
        )
        .await
        .unwrap();
    assert_eq!(sm.expose_secret(), "twilio-from-sm");
    let whole = resolver
        .resolve(
            "k",
            &SecretValue::new("secretsmanager:switchboard/tests/providers"),
        )
        .await
        .unwrap();
    assert!(whole.expose_secret().contains("mailgun"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_parameters_secrets_and_keys_are_named_without_values() {
    let aws = moto().sdk_config();
    create_secret(
        "switchboard/tests/only-one-key",
        r#"{"present":"value-that-must-not-leak"}"#,
    )
    .await;
    let mut resolver = SecretResolver::new(Some(&aws));
    let err = resolver
        .resolve(
            "providers.a.api_key",
            &SecretValue::new("ssm:/does/not/exist"),
        )
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(
        &err,
        &[
            "providers.a.api_key",
            "ssm:/does/not/exist",
            "ssm:GetParameter",
        ],
    );
    let err = resolver
        .resolve(
            "providers.b.api_key",
            &SecretValue::new("secretsmanager:nope"),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("secretsmanager:GetSecretValue"), "{err}");
    let err = resolver
        .resolve(
            "providers.c.api_key",
            &SecretValue::new("secretsmanager:switchboard/tests/only-one-key#absent"),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("absent") && !err.contains("value-that-must-not-leak"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_reads_its_key_from_ssm_at_cold_start() {
    let aws = moto().sdk_config();
    put_parameter(
        "/switchboard/tests/webhook",
        "webhook-secret-from-ssm-0123456789",
    )
    .await;
    let mut config = switchboard::testing::defaults();
    let webhook = |secret: &str| {
        provider(
            "hook",
            &format!("type = 'webhook'\nurl = 'https://hooks.acme.test/x'\nsecret = '{secret}'"),
        )
    };
    config
        .providers
        .insert("hook".into(), webhook("ssm:/switchboard/tests/webhook"));
    let registry = switchboard::startup::senders::build(&config, Some(&aws), Runtime::Local)
        .await
        .unwrap();
    assert!(registry.contains_key("hook"));
    config
        .providers
        .insert("broken".into(), webhook("ssm:/switchboard/tests/missing"));
    let err = switchboard::startup::senders::build(&config, Some(&aws), Runtime::Local)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("providers.broken.secret"), "{err}");
}

/// An SSM SecureString `name` holding `value`, on moto.
async fn put_parameter(name: &str, value: &str) {
    aws_sdk_ssm::Client::new(&moto().sdk_config())
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
}

/// A Secrets Manager secret `name` holding `value`, on moto.
async fn create_secret(name: &str, value: &str) {
    aws_sdk_secretsmanager::Client::new(&moto().sdk_config())
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap();
}

/// `check-config` as an operator runs it, with `SWITCHBOARD_CONFIG` naming `ssm:…`.
fn check_config(parameter: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("check-config")
        .current_dir(dir.path())
        .env_clear()
        .env("SWITCHBOARD_CONFIG", format!("ssm:{parameter}"))
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .env("HOOK_SECRET", "a-secret-of-enough-length")
        .envs(moto().env())
        .output()
        .unwrap()
}

/// The configuration layer can live in SSM (a SecureString): changing providers
/// is then a `put-parameter` and a cold start, no deploy.
#[tokio::test(flavor = "multi_thread")]
async fn a_configuration_layer_in_ssm_is_read_at_start_up() {
    put_parameter(
        "/switchboard/tests/config",
        r#"
[providers.hook]
type = "webhook"
url = "https://hooks.acme.test/switchboard"
secret = "env:HOOK_SECRET"

[email]
providers = ["hook"]
"#,
    )
    .await;
    let output = check_config("/switchboard/tests/config");
    let stdout = String::from_utf8_lossy(&output.stdout);
    switchboard_testkit::stdout_of(&output);
    switchboard_testkit::assert_mentions(
        &stdout,
        &["type=webhook", "CustomEmailSender_SignUp", " hook "],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_or_missing_ssm_layer_is_named() {
    put_parameter(
        "/switchboard/tests/broken",
        "[email]\nproviderz = [\"x\"]\n",
    )
    .await;
    let output = check_config("/switchboard/tests/broken");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    switchboard_testkit::assert_mentions(
        &stderr,
        &[
            "`email.providerz`",
            "SSM parameter /switchboard/tests/broken",
        ],
    );
    let output = check_config("/switchboard/tests/nowhere");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    switchboard_testkit::assert_mentions(
        &stderr,
        &["ssm:/switchboard/tests/nowhere", "ssm:GetParameter"],
    );
}

/// A TOML layer in SSM holds secrets (a SecureString is recommended for it),
/// so its syntax errors name the parameter, the line and the column — never
/// the line's text.
#[tokio::test(flavor = "multi_thread")]
async fn a_syntax_error_in_the_ssm_layer_is_placed_without_its_text() {
    const SECRET: &str = "SG.SECRET-IN-A-BROKEN-LAYER-4417";
    put_parameter(
        "/switchboard/tests/unclosed",
        &format!("[providers.sendgrid]\ntype = \"sendgrid\"\napi_key = \"{SECRET}\n"),
    )
    .await;
    let output = check_config("/switchboard/tests/unclosed");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        !stderr.contains(SECRET),
        "the line's text was printed: {stderr}"
    );
    assert!(
        !stderr.contains("SG.SECRET"),
        "part of the secret was printed: {stderr}"
    );
    switchboard_testkit::assert_mentions(
        &stderr,
        &["ssm:/switchboard/tests/unclosed", "line 3, column 44"],
    );
}

/// SSM and Secrets Manager at a cold start, through a hostile proxy: an answer
/// that comes after the 2 s attempt timeout is retried by the SDK (a read is
/// safe to repeat) and resolves; a service that keeps failing is an error that
/// names the reference and the action, within the 4 s the call may take.
#[tokio::test(flavor = "multi_thread")]
async fn ssm_and_secrets_manager_late_are_retried_and_failing_ones_are_named_in_time() {
    use std::time::{Duration, Instant};
    use switchboard_testkit::aws_proxy::{AwsProxy, Fault};
    put_parameter("/switchboard/tests/hostile-ssm", "value-from-ssm").await;
    create_secret("switchboard/tests/hostile-sm", "value-from-sm").await;
    let references = [
        (
            "AmazonSSM.GetParameter",
            "ssm:/switchboard/tests/hostile-ssm",
            "value-from-ssm",
            "ssm:GetParameter",
        ),
        (
            "secretsmanager.GetSecretValue",
            "secretsmanager:switchboard/tests/hostile-sm",
            "value-from-sm",
            "secretsmanager:GetSecretValue",
        ),
    ];
    for (target, reference, value, action) in references {
        let proxy = AwsProxy::start(&moto().endpoint);
        proxy.fail(
            target,
            vec![Fault::LateAfterApply(Duration::from_millis(2600))],
        );
        let through = switchboard_testkit::moto::sdk_config_at(&proxy.url());
        let resolved = SecretResolver::new(Some(&through))
            .resolve("providers.p.api_key", &SecretValue::new(reference))
            .await
            .unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(resolved.expose_secret(), value);
        assert_eq!(proxy.calls(target).len(), 2, "{reference}: retried once");

        let failing = AwsProxy::start(&moto().endpoint);
        failing.always(target, None, Fault::INTERNAL);
        let through = switchboard_testkit::moto::sdk_config_at(&failing.url());
        let started = Instant::now();
        let error = SecretResolver::new(Some(&through))
            .resolve("providers.p.api_key", &SecretValue::new(reference))
            .await
            .unwrap_err()
            .to_string();
        assert!(
            started.elapsed() < Duration::from_millis(4500),
            "{reference}: in time"
        );
        switchboard_testkit::assert_mentions(&error, &["providers.p.api_key", reference, action]);
    }
}
