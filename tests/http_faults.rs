//! Injected HTTP faults: resets mid-response, invalid JSON, TLS handshake failures,
//! and the end-to-end bound on attempts (no retry storms).

mod support;

use support::hostile::{Hostile, Mode};
use support::HandleJson;
use switchboard::providers::conformance;
use switchboard::providers::{
    BuildContext, ErrorKind, Mailgun, MailgunConfig, Message, Provider, ProviderConfig,
    SendGridConfig, Sender,
};
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::HandleError;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server that answers with `raw` bytes and closes the connection, after
/// reading the whole request (so the fault is in the answer, never a request cut
/// off while the client is still writing it).
fn raw_server(raw: &'static [u8]) -> String {
    Hostile::start(vec![Mode::Raw(raw.to_vec())]).url()
}

fn mailgun(base_url: String) -> Provider<Mailgun> {
    MailgunConfig {
        base_url: Some(base_url),
        ..MailgunConfig::new("key-test", "mg.acme.test")
    }
    .into_sender("mailgun", &BuildContext::default())
    .unwrap()
}

fn email() -> Message {
    conformance::sample_email("jane@example.com", "a@acme.test")
}

/// A 2xx whose body breaks off is a delivery: the provider accepted the message,
/// and an error here would make retry and failover send it again.
#[tokio::test]
async fn a_connection_reset_after_an_accepting_status_is_a_delivery() {
    let url = raw_server(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"<trunc");
    let delivery = mailgun(url).send(&email()).await.unwrap();
    assert_eq!(delivery.message_id, "unknown");
}

#[tokio::test]
async fn a_connection_reset_mid_error_response_is_still_an_error() {
    let url = raw_server(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 500\r\n\r\nbusy");
    let err = mailgun(url).send(&email()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_temporary() {
    let url = raw_server(b"");
    let err = mailgun(url).send(&email()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

#[tokio::test]
async fn invalid_json_in_an_error_is_still_classified_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("<html>nope"))
        .mount(&server)
        .await;
    let err = mailgun(server.uri()).send(&email()).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary(), err.status()),
        (ErrorKind::Other, false, Some(400)),
        "an unknown 400 fails over without a retry: {err}"
    );
    assert!(
        !err.to_string().contains("<html>nope")
            && err.to_string().contains("10-byte body, not shown"),
        "a body we cannot read is not repeated (it may echo the request): {err}"
    );
}

#[tokio::test]
async fn invalid_json_in_an_acceptance_is_still_a_delivery() {
    // 2xx means accepted: failing it would make failover send a duplicate.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("not json"))
        .mount(&server)
        .await;
    let delivery = mailgun(server.uri()).send(&email()).await.unwrap();
    assert_eq!(delivery.message_id, "unknown");
}

#[tokio::test]
async fn a_tls_handshake_failure_is_an_error_not_a_delivery() {
    // https:// to a server that does not speak TLS.
    let url = raw_server(b"HTTP/1.1 200 OK\r\n\r\n").replace("http://", "https://");
    let err = mailgun(url).send(&email()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_chain_makes_exactly_max_attempts_per_provider_then_fails() {
    let sendgrid = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&sendgrid)
        .await;
    let mailgun = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&mailgun)
        .await;
    let mut config = support::default_config_with_outbox(std::path::Path::new("unused"));
    config.delivery.max_attempts = 3;
    config.delivery.base_delay_ms = 1;
    config.delivery.max_delay_ms = 5;
    config.providers.insert(
        "sendgrid".into(),
        ProviderConfig::Sendgrid(SendGridConfig {
            base_url: sendgrid.uri(),
            timeout_ms: 2000,
            ..SendGridConfig::new("SG.k")
        }),
    );
    config.providers.insert(
        "mailgun".into(),
        ProviderConfig::Mailgun(MailgunConfig {
            base_url: Some(mailgun.uri()),
            timeout_ms: 2000,
            ..MailgunConfig::new("key-k", "mg.acme.test")
        }),
    );
    config.email.providers = vec!["sendgrid".into(), "mailgun".into()];
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    let app = startup::build(&config, options).await.unwrap();
    let (_, json) = switchboard::cli::examples::EVENTS
        .iter()
        .find(|(n, _)| *n == "CustomEmailSender_SignUp")
        .unwrap();
    let err = app.handle_json(json.as_bytes()).await.unwrap_err();
    let HandleError::Send(send) = &err else {
        panic!("{err}")
    };
    assert!(send.is_temporary(), "Lambda should retry: {err}");
    assert_eq!(send.attempts().len(), 6, "{:?}", send.attempts());
    assert_eq!(sendgrid.received_requests().await.unwrap().len(), 3);
    assert_eq!(mailgun.received_requests().await.unwrap().len(), 3);
}
