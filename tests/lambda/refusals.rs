//! What Switchboard refuses at start-up inside Lambda, and why.

use switchboard::config::RouteConfig;
use switchboard::startup::{self, Refusal, Runtime, StartupError, StartupOptions};
use switchboard::testing::provider;
use switchboard::testing::set_route;

fn lambda() -> StartupOptions {
    StartupOptions::new(Runtime::Lambda)
}

/// The one refusal `err` holds.
#[track_caller]
fn only(err: &StartupError) -> &Refusal {
    match err {
        StartupError::Refused(refusals) if refusals.all().len() == 1 => &refusals.all()[0],
        other => panic!("one refusal expected: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_insecure_dev_key_is_refused_first_inside_lambda() {
    let config = switchboard::testing::defaults();
    let err = startup::build(&config, lambda()).await.unwrap_err();
    let StartupError::Refused(refusals) = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(refusals.all()[0], Refusal::DevelopmentKey),
        "{err}"
    );
    switchboard_testkit::assert_mentions(
        &err.to_string(),
        &[
            "1. the insecure development key",
            "SWITCHBOARD_DECRYPT__KEY_ARN",
        ],
    );
}

/// The embedded defaults with a key: what a first deploy starts with. Every
/// refusal comes in one start, numbered, each with its variable.
#[tokio::test(flavor = "multi_thread")]
async fn every_refusal_of_the_defaults_comes_in_one_start() {
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some("arn:aws:kms:us-east-1:111122223333:key/abc".into());
    let err = startup::build(&config, lambda()).await.unwrap_err();
    let StartupError::Refused(refusals) = &err else {
        panic!("{err:?}")
    };
    let keys: Vec<String> = refusals
        .all()
        .iter()
        .map(|refusal| match refusal {
            Refusal::OutboxInChain { key, .. } | Refusal::DemoBranding { key, .. } => key.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        keys,
        ["email.providers", "sms.providers", "app.name", "email.from"]
    );
    switchboard_testkit::assert_mentions(
        &err.to_string(),
        &[
            "inside Lambda 4 settings would lose codes; fix each:",
            "1. `email.providers`",
            "SWITCHBOARD_EMAIL__PROVIDERS=",
            "2. `sms.providers`",
            "SWITCHBOARD_SMS__PROVIDERS=",
            "3. `app.name`",
            "SWITCHBOARD_APP__NAME",
            "4. `email.from`",
            "SWITCHBOARD_EMAIL__FROM",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_id_instead_of_an_arn_fails_start_up_with_the_fix() {
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
    let err = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&err, &["decrypt.key_arn", "bare key ID", "full key ARN"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_provider_in_a_chain_lists_the_configured_ones() {
    let mut config = switchboard::testing::defaults();
    config.email.providers = vec!["sendgrid".into()];
    let err = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(
        &err,
        &[
            "`email.providers` names provider `sendgrid`",
            "configured providers: outbox",
        ],
    );
}

/// A deploy whose configuration would be accepted: KMS key, real providers,
/// its own product and sender.
fn production_like() -> switchboard::config::Config {
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some("arn:aws:kms:us-east-1:111122223333:key/abc".into());
    config.app.name = "Acme".into();
    config.email.from = "Acme <no-reply@acme.test>".into();
    config.providers.insert(
        "sendgrid".into(),
        provider("sendgrid", "type = 'sendgrid'\napi_key = 'env:PATH'"),
    );
    config
        .providers
        .insert("sns".into(), provider("sns", "type = 'sns'"));
    config.email.providers = vec!["sendgrid".into()];
    config.sms.providers = vec!["sns".into()];
    config
}

async fn build_as_lambda(
    config: &switchboard::config::Config,
) -> Result<switchboard::App, StartupError> {
    let aws = switchboard_testkit::moto::offline_sdk_config();
    let options = StartupOptions {
        aws: Some(aws),
        ..lambda()
    };
    startup::build(config, options).await
}

async fn refusal(config: &switchboard::config::Config) -> StartupError {
    build_as_lambda(config).await.unwrap_err()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_production_like_configuration_starts_inside_lambda() {
    build_as_lambda(&production_like())
        .await
        .expect("the refusals below are about one setting each");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_that_merely_contains_the_outbox_is_refused_inside_lambda() {
    let mut config = production_like();
    config.email.providers = vec!["sendgrid".into(), "outbox".into()];
    let err = refusal(&config).await;
    assert!(
        matches!(only(&err), Refusal::OutboxInChain { key, .. } if key == "email.providers"),
        "{err}"
    );
}

/// A provider set to accept and never deliver, refused with the variable to change.
async fn assert_refused_as_sandbox(kind: &str, section: &str, fix: &str) {
    let mut config = production_like();
    config.providers.insert(
        kind.into(),
        provider(kind, &format!("type = '{kind}'\n{section}")),
    );
    let err = refusal(&config).await;
    assert!(
        matches!(only(&err), Refusal::Sandbox { provider, .. } if provider == kind),
        "{err}"
    );
    assert!(err.to_string().contains(fix), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sendgrid_sandbox_mode_is_refused_inside_lambda() {
    let section = "api_key = 'env:PATH'\nsandbox_mode = true";
    let fix = "SWITCHBOARD_PROVIDERS__SENDGRID__SANDBOX_MODE=false";
    assert_refused_as_sandbox("sendgrid", section, fix).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postmarks_test_token_is_refused_inside_lambda() {
    let fix = "set SWITCHBOARD_PROVIDERS__POSTMARK__API_KEY to your server token";
    assert_refused_as_sandbox("postmark", "api_key = 'POSTMARK_API_TEST'", fix).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postmarks_test_token_behind_a_reference_is_refused_inside_lambda() {
    let moto = switchboard_testkit::moto::moto();
    aws_sdk_secretsmanager::Client::new(&moto.sdk_config())
        .create_secret()
        .name("switchboard/tests/postmark-test-token")
        .secret_string("POSTMARK_API_TEST")
        .send()
        .await
        .expect("CreateSecret");
    let mut config = production_like();
    config.providers.insert(
        "postmark".into(),
        provider(
            "postmark",
            "type = 'postmark'\napi_key = 'secretsmanager:switchboard/tests/postmark-test-token'",
        ),
    );
    let options = StartupOptions {
        aws: Some(moto.sdk_config()),
        ..lambda()
    };
    let err = startup::build(&config, options).await.unwrap_err();
    assert!(
        matches!(only(&err), Refusal::Sandbox { provider, .. } if provider == "postmark"),
        "{err}"
    );
    assert!(
        err.to_string().contains(
            "`secretsmanager:switchboard/tests/postmark-test-token`, which is POSTMARK_API_TEST"
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_branding_is_refused_inside_lambda() {
    let mut config = production_like();
    config.app.name = "Switchboard Demo".into();
    let err = refusal(&config).await.to_string();
    switchboard_testkit::assert_mentions(&err, &["app.name", "SWITCHBOARD_APP__NAME"]);
    let mut config = production_like();
    config.email.from = "Switchboard Demo <no-reply@example.com>".into();
    let err = refusal(&config).await.to_string();
    switchboard_testkit::assert_mentions(&err, &["email.from", "SWITCHBOARD_EMAIL__FROM"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_sender_fails_start_up_anywhere() {
    let mut config = switchboard::testing::defaults();
    let route = RouteConfig {
        reply_to: Some("help at acme".into()),
        ..Default::default()
    };
    set_route(&mut config, "CustomEmailSender_ForgotPassword", route);
    let err = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StartupError::Mailbox { key, .. } if key == "routes.CustomEmailSender_ForgotPassword.reply_to"),
        "{err}"
    );
}

/// A configuration whose codes are decrypted with `key_arn` through `aws`.
fn with_key(key_arn: &str) -> switchboard::config::Config {
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some(key_arn.to_string());
    config
}

fn local_with(aws: aws_config::SdkConfig) -> StartupOptions {
    StartupOptions {
        aws: Some(aws),
        ..StartupOptions::new(Runtime::Local)
    }
}

/// The cold start asks KMS about the key (which also opens the KMS connection
/// during init): a key KMS does not know fails the start, not every event.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_kms_does_not_know_fails_the_start() {
    let moto = switchboard_testkit::moto::moto();
    let missing = "arn:aws:kms:us-east-1:123456789012:key/0b9a8f6e-0000-4000-8000-000000000000";
    let err = startup::build(&with_key(missing), local_with(moto.sdk_config()))
        .await
        .unwrap_err();
    assert!(matches!(err, StartupError::KeyUnusable { .. }), "{err:?}");
    let err = err.to_string();
    assert!(
        err.contains(missing) && err.contains("no such key in us-east-1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_key_fails_the_start_with_the_fix() {
    let moto = switchboard_testkit::moto::moto();
    let key = moto.create_kms_key().await;
    aws_sdk_kms::Client::new(&moto.sdk_config())
        .disable_key()
        // moto's DisableKey takes the key ID only.
        .key_id(key.rsplit('/').next().unwrap())
        .send()
        .await
        .unwrap();
    let err = startup::build(&with_key(&key), local_with(moto.sdk_config()))
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&err, &["the key is Disabled", "enable-key"]);
}

/// Without kms:DescribeKey the start goes on (the check is a bonus); the
/// function still decrypts with kms:Decrypt alone.
#[tokio::test(flavor = "multi_thread")]
async fn without_describe_key_permission_the_start_goes_on() {
    use wiremock::matchers::header;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let kms = MockServer::start().await;
    Mock::given(header("x-amz-target", "TrentService.DescribeKey"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            r#"{"__type":"AccessDeniedException","message":"not authorized to perform: kms:DescribeKey"}"#,
            "application/x-amz-json-1.1",
        ))
        .expect(1)
        .mount(&kms)
        .await;
    let aws = switchboard_testkit::moto::moto()
        .sdk_config()
        .into_builder()
        .endpoint_url(kms.uri())
        .build();
    let key = "arn:aws:kms:us-east-1:123456789012:key/0b9a8f6e-0000-4000-8000-000000000001";
    startup::build(&with_key(key), local_with(aws))
        .await
        .expect("starts without the check");
}
