//! The real binary: `switchboard invoke` and `send-test` with one configuration
//! file naming all four email providers, the chain chosen by one environment
//! variable — the way users swap ESPs without a deploy.

use std::path::Path;
use std::process::Command;

use switchboard_testkit::moto::moto;
use switchboard_testkit::smtp::{smtp_server, PASSWORD, USER};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_switchboard");
pub(crate) const EVENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/events/CustomEmailSender_ForgotPassword.json"
);
pub(crate) const SENDER: &str = "no-reply@switchboard-cli.test";

pub(crate) struct Peers {
    sendgrid: MockServer,
    mailgun: MockServer,
    postmark: MockServer,
    resend: MockServer,
    config: tempfile::NamedTempFile,
}

pub(crate) async fn peers() -> Peers {
    let sendgrid = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-cli"))
        .mount(&sendgrid)
        .await;
    let mailgun = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mg.switchboard-cli.test/messages"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"id": "<mg-cli@x>", "message": "Queued"})),
        )
        .mount(&mailgun)
        .await;
    let postmark = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/email"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"MessageID": "pm-cli", "ErrorCode": 0, "Message": "OK"}),
        ))
        .mount(&postmark)
        .await;
    let resend = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/emails"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "re-cli"})))
        .mount(&resend)
        .await;
    aws_sdk_sesv2::Client::new(&moto().sdk_config())
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .expect("verify the SES identity");
    let config = config_file(&format!(
        r#"
[email]
providers = ["outbox"]
from = "Switchboard CLI <{SENDER}>"

[providers.sendgrid]
type = "sendgrid"
api_key = "env:TEST_SENDGRID_KEY"
base_url = "{}"

[providers.mailgun]
type = "mailgun"
api_key = "env:TEST_MAILGUN_KEY"
domain = "mg.switchboard-cli.test"
base_url = "{}"

[providers.postmark]
type = "postmark"
api_key = "env:TEST_POSTMARK_TOKEN"
base_url = "{}"

[providers.resend]
type = "resend"
api_key = "env:TEST_RESEND_KEY"
base_url = "{}"

[providers.smtp]
type = "smtp"
url = "smtp://localhost:{}"
username = "{USER}"
password = "env:TEST_SMTP_PASSWORD"
ca_file = "{}"

[providers.ses]
type = "ses"
"#,
        sendgrid.uri(),
        mailgun.uri(),
        postmark.uri(),
        resend.uri(),
        smtp_server().starttls_port,
        smtp_server().ca_file().display(),
    ));
    Peers {
        sendgrid,
        mailgun,
        postmark,
        resend,
        config,
    }
}

/// A configuration file for `invoke`: codes under the development key, no
/// recipient look-up, then `rest`.
pub(crate) fn config_file(rest: &str) -> tempfile::NamedTempFile {
    let config = tempfile::NamedTempFile::new().unwrap();
    let head =
        "[decrypt]\nmode = \"insecure-dev\"\n\n[cognito]\nlookup_missing_recipient = false\n";
    std::fs::write(config.path(), format!("{head}{rest}")).unwrap();
    config
}

pub(crate) fn switchboard(config: &Path, chain: &str, args: &[&str]) -> std::process::Output {
    switchboard_with(config, chain, args, &[])
}

pub(crate) fn switchboard_with(
    config: &Path,
    chain: &str,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> std::process::Output {
    let outbox = tempfile::tempdir().unwrap();
    Command::new(BINARY)
        .args(args)
        .current_dir(outbox.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SWITCHBOARD_CONFIG", config)
        .env("SWITCHBOARD_EMAIL__PROVIDERS", chain)
        .env("TEST_SENDGRID_KEY", "SG.cli-test")
        .env("TEST_MAILGUN_KEY", "key-cli-test")
        .env("TEST_POSTMARK_TOKEN", "pm-cli-token")
        .env("TEST_RESEND_KEY", "re_cli_key")
        .env("TEST_SMTP_PASSWORD", PASSWORD)
        .envs(moto().env())
        .envs(extra_env.iter().copied())
        .output()
        .expect("run switchboard")
}

pub(crate) fn outcome(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&switchboard_testkit::stdout_of(output)).expect("the outcome is JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn one_environment_variable_swaps_between_all_four_email_providers() {
    let peers = peers().await;
    let config = peers.config.path();

    let sent = outcome(&switchboard(config, "sendgrid", &["invoke", EVENT]));
    assert_eq!(
        (sent["provider"].as_str(), sent["messageId"].as_str()),
        (Some("sendgrid"), Some("sg-cli"))
    );
    let body: serde_json::Value =
        serde_json::from_slice(&peers.sendgrid.received_requests().await.unwrap()[0].body).unwrap();
    assert!(
        body["content"][0]["value"]
            .as_str()
            .unwrap()
            .contains("491305"),
        "the decrypted code was sent"
    );

    let sent = outcome(&switchboard(config, "mailgun", &["invoke", EVENT]));
    assert_eq!(sent["provider"], "mailgun");
    assert_eq!(peers.mailgun.received_requests().await.unwrap().len(), 1);

    let sent = outcome(&switchboard(config, "smtp", &["invoke", EVENT]));
    assert_eq!(sent["provider"], "smtp");
    assert!(smtp_server()
        .received_for("jane.doe@example.com")
        .eml
        .contains("491305"));

    let sent = outcome(&switchboard(config, "ses", &["invoke", EVENT]));
    assert_eq!(sent["provider"], "ses");
    let data = moto().data().await;
    let id = sent["messageId"].as_str().unwrap();
    assert!(
        data["ses"]["Message"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id),
        "SES has message {id}"
    );
}

/// `switchboard invoke` with `provider` chosen by the variable: its outcome
/// names the provider and the id `server` gave; the request `server` received.
pub(crate) async fn invoked_through(
    config: &Path,
    provider: &str,
    message_id: &str,
    server: &MockServer,
) -> wiremock::Request {
    let sent = outcome(&switchboard(config, provider, &["invoke", EVENT]));
    assert_eq!(
        (sent["provider"].as_str(), sent["messageId"].as_str()),
        (Some(provider), Some(message_id))
    );
    server.received_requests().await.unwrap().pop().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_variable_swaps_to_postmark_and_resend() {
    let peers = peers().await;
    let config = peers.config.path();

    let request = invoked_through(config, "postmark", "pm-cli", &peers.postmark).await;
    assert_eq!(
        request.headers.get("X-Postmark-Server-Token").unwrap(),
        "pm-cli-token"
    );
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["TextBody"].as_str().unwrap().contains("491305"));
    assert_eq!(
        (&body["TrackOpens"], &body["TrackLinks"]),
        (&serde_json::json!(false), &serde_json::json!("None")),
        "no tracking in security mail"
    );

    let request = invoked_through(config, "resend", "re-cli", &peers.resend).await;
    assert_eq!(
        request.headers.get("Authorization").unwrap(),
        "Bearer re_cli_key"
    );
    let key = request
        .headers
        .get("Idempotency-Key")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(key.starts_with("switchboard-") && key.len() > 20, "{key}");
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["text"].as_str().unwrap().contains("491305"));

    // The same event again (a Lambda retry): the same idempotency key.
    outcome(&switchboard(config, "resend", &["invoke", EVENT]));
    let again = peers
        .resend
        .received_requests()
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(again.headers.get("Idempotency-Key").unwrap(), key);

    for provider in ["postmark", "resend"] {
        let output = switchboard(
            config,
            "outbox",
            &[
                "send-test",
                "--provider",
                provider,
                "--to",
                "ops@example.com",
            ],
        );
        switchboard_testkit::stdout_of(&output);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_open_or_click_tracking_unless_a_provider_asks_for_it() {
    let peers = peers().await;
    let config = peers.config.path();
    let last_body = |requests: Vec<wiremock::Request>| requests.last().unwrap().body.clone();

    outcome(&switchboard(config, "sendgrid", &["invoke", EVENT]));
    let body: serde_json::Value = serde_json::from_slice(&last_body(
        peers.sendgrid.received_requests().await.unwrap(),
    ))
    .unwrap();
    let tracking = &body["tracking_settings"];
    assert_eq!(
        (
            &tracking["click_tracking"]["enable"],
            &tracking["click_tracking"]["enable_text"],
            &tracking["open_tracking"]["enable"],
            &tracking["subscription_tracking"]["enable"],
        ),
        (
            &serde_json::json!(false),
            &serde_json::json!(false),
            &serde_json::json!(false),
            &serde_json::json!(false)
        ),
        "{body}"
    );

    outcome(&switchboard(config, "mailgun", &["invoke", EVENT]));
    let form = String::from_utf8(last_body(peers.mailgun.received_requests().await.unwrap()))
        .unwrap()
        .replace("\r\n", "\n");
    for field in ["o:tracking", "o:tracking-clicks", "o:tracking-opens"] {
        assert!(
            form.contains(&format!("name=\"{field}\"\n\nno\n")),
            "{field}=no in\n{form}"
        );
    }

    // One environment variable hands tracking back to the account's settings.
    outcome(&switchboard_with(
        config,
        "sendgrid",
        &["invoke", EVENT],
        &[("SWITCHBOARD_PROVIDERS__SENDGRID__TRACKING", "true")],
    ));
    let body: serde_json::Value = serde_json::from_slice(&last_body(
        peers.sendgrid.received_requests().await.unwrap(),
    ))
    .unwrap();
    assert!(body.get("tracking_settings").is_none(), "{body}");
    assert!(body["content"][0]["value"]
        .as_str()
        .unwrap()
        .contains("491305"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_configured_by_environment_alone_verifies_with_standard_webhooks() {
    const HOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/cognito"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let url = format!("{}/hooks/cognito", receiver.uri());
    let output = Command::new(BINARY)
        .args(["invoke", EVENT])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SWITCHBOARD_DECRYPT__MODE", "insecure-dev")
        .env("SWITCHBOARD_COGNITO__LOOKUP_MISSING_RECIPIENT", "false")
        .env("SWITCHBOARD_EMAIL__FROM", SENDER)
        .env("SWITCHBOARD_EMAIL__PROVIDERS", "hook")
        .env("SWITCHBOARD_PROVIDERS__HOOK__TYPE", "webhook")
        .env("SWITCHBOARD_PROVIDERS__HOOK__URL", &url)
        .env(
            "SWITCHBOARD_PROVIDERS__HOOK__SECRET",
            "env:TEST_HOOK_SECRET",
        )
        .env("TEST_HOOK_SECRET", HOOK_SECRET)
        .output()
        .expect("run switchboard");
    let sent = outcome(&output);
    let request = receiver.received_requests().await.unwrap().pop().unwrap();
    let message_id = switchboard_testkit::standard_webhooks::verify(HOOK_SECRET, &request)
        .expect("the reference library verifies what the pipeline sent");
    assert_eq!(sent["provider"], "hook");
    assert_eq!(sent["messageId"].as_str(), Some(message_id.as_str()));
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert!(body["text"].as_str().unwrap().contains("491305"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_fails_over_and_an_all_failed_chain_exits_non_zero() {
    let peers = peers().await;
    let config = peers.config.path();
    // SendGrid is down (a refused port): Mailgun takes over.
    let broken = tempfile::NamedTempFile::new().unwrap();
    let text = std::fs::read_to_string(config).unwrap().replace(
        &peers.sendgrid.uri(),
        &format!("http://127.0.0.1:{}", switchboard_testkit::REFUSED_PORT),
    );
    std::fs::write(broken.path(), text).unwrap();
    let sent = outcome(&switchboard(
        broken.path(),
        "sendgrid,mailgun",
        &["invoke", EVENT],
    ));
    assert_eq!(sent["provider"], "mailgun");
    // Only the broken provider: the invocation fails, with the reason.
    let output = switchboard(broken.path(), "sendgrid", &["invoke", EVENT]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    switchboard_testkit::assert_mentions(&stderr, &["not delivered", "sendgrid"]);
    assert!(!stderr.contains("491305"), "no code in the error");
    assert_eq!(
        stderr.matches("cannot connect").count(),
        1,
        "one readable line per fact, the cause once:\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn send_test_reports_the_message_id_or_the_mapped_error() {
    let peers = peers().await;
    let config = peers.config.path();
    let output = switchboard(
        config,
        "outbox",
        &[
            "send-test",
            "--provider",
            "sendgrid",
            "--to",
            "ops@example.com",
        ],
    );
    switchboard_testkit::stdout_of(&output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("sg-cli"));
    let output = switchboard(
        config,
        "outbox",
        &[
            "send-test",
            "--provider",
            "smtp",
            "--to",
            "reject-me@example.com",
        ],
    );
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("550"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
