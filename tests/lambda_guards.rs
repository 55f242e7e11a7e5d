//! What Switchboard refuses at start-up inside Lambda, and why.

mod support;

use switchboard::startup::{self, Refusal, Runtime, StartupError, StartupOptions};

fn lambda() -> StartupOptions {
    StartupOptions::new(Runtime::Lambda)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_insecure_dev_key_is_refused_inside_lambda() {
    let config = support::default_config_with_outbox(std::path::Path::new("outbox"));
    let err = startup::build(&config, lambda()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, StartupError::Refused(Refusal::DevelopmentKey)),
        "{err:?}"
    );
    assert!(
        text.contains("insecure development key") && text.contains("SWITCHBOARD_DECRYPT__KEY_ARN"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outbox_only_chain_is_refused_inside_lambda() {
    let mut config = support::default_config_with_outbox(std::path::Path::new("outbox"));
    config.decrypt.key_arn = Some("arn:aws:kms:us-east-1:111122223333:key/abc".into());
    let err = startup::build(&config, lambda()).await.unwrap_err();
    assert!(
        matches!(&err, StartupError::Refused(Refusal::OutboxOnly { key, .. }) if key == "email.providers"),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(
        err.contains("email.providers") && err.contains("outbox"),
        "{err}"
    );
    assert!(
        err.contains("SWITCHBOARD_EMAIL__PROVIDERS"),
        "says which variable to set: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_id_instead_of_an_arn_fails_start_up_with_the_fix() {
    let mut config = support::default_config_with_outbox(std::path::Path::new("outbox"));
    config.decrypt.key_arn = Some("1234abcd-12ab-34cd-56ef-1234567890ab".into());
    let err = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("decrypt.key_arn")
            && err.contains("bare key ID")
            && err.contains("full key ARN"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_provider_in_a_chain_lists_the_configured_ones() {
    let mut config = support::default_config_with_outbox(std::path::Path::new("outbox"));
    config.email.providers = vec!["sendgrid".into()];
    let err = startup::build(&config, StartupOptions::new(Runtime::Local))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`email.providers` names provider `sendgrid`")
            && err.contains("configured providers: outbox"),
        "{err}"
    );
}
