//! Secret references resolved from a local moto server (SSM SecureString, Secrets
//! Manager JSON keys), cached, and never shown.

mod support;

use secrecy::ExposeSecret;
use support::moto::moto;
use switchboard::providers::{ProviderConfig, SecretValue, WebhookConfig};
use switchboard::secrets::SecretResolver;

#[tokio::test(flavor = "multi_thread")]
async fn ssm_secure_strings_and_secrets_manager_json_keys_resolve() {
    let aws = moto().sdk_config();
    aws_sdk_ssm::Client::new(&aws)
        .put_parameter()
        .name("/switchboard/tests/sendgrid")
        .value("SG.from-ssm")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    aws_sdk_secretsmanager::Client::new(&aws)
        .create_secret()
        .name("switchboard/tests/providers")
        .secret_string(r#"{"twilio":"twilio-from-sm","mailgun":"key-from-sm"}"#)
        .send()
        .await
        .unwrap();
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
    aws_sdk_secretsmanager::Client::new(&aws)
        .create_secret()
        .name("switchboard/tests/only-one-key")
        .secret_string(r#"{"present":"value-that-must-not-leak"}"#)
        .send()
        .await
        .unwrap();
    let mut resolver = SecretResolver::new(Some(&aws));
    let err = resolver
        .resolve(
            "providers.a.api_key",
            &SecretValue::new("ssm:/does/not/exist"),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("providers.a.api_key")
            && err.contains("ssm:/does/not/exist")
            && err.contains("ssm:GetParameter"),
        "{err}"
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
    aws_sdk_ssm::Client::new(&aws)
        .put_parameter()
        .name("/switchboard/tests/webhook")
        .value("webhook-secret-from-ssm-0123456789")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    let mut config = support::default_config_with_outbox(std::path::Path::new("unused"));
    config.providers.insert(
        "hook".into(),
        ProviderConfig::Webhook(WebhookConfig::new(
            "https://hooks.acme.test/x",
            "ssm:/switchboard/tests/webhook",
        )),
    );
    let registry = switchboard::startup::registry::build(&config.providers, Some(&aws))
        .await
        .unwrap();
    assert!(registry.contains_key("hook"));
    config.providers.insert(
        "broken".into(),
        ProviderConfig::Webhook(WebhookConfig::new(
            "https://hooks.acme.test/x",
            "ssm:/switchboard/tests/missing",
        )),
    );
    let err = switchboard::startup::registry::build(&config.providers, Some(&aws))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("providers.broken.secret"), "{err}");
}
