//! The signed webhook against an in-process HTTP server; signatures are checked
//! with an independent HMAC implementation (RustCrypto `hmac` + `sha2`).

mod support;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use support::status_table::{self, status, Row};
use switchboard::providers::conformance::{self, SECRET_CODE};
use switchboard::providers::{
    BuildContext, ErrorKind, Provider, Sender, Webhook, WebhookConfig, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "webhook-signing-secret-for-tests";

fn webhook(server: &MockServer) -> Provider<Webhook> {
    WebhookConfig::new(format!("{}/switchboard", server.uri()), SECRET)
        .into_sender("hook", &BuildContext::default())
        .unwrap()
}

/// What a receiver does: recompute the HMAC over "<timestamp>.<body>".
fn verify(timestamp: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    expected == signature
}

async fn accept(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/switchboard"))
        .respond_with(ResponseTemplate::new(204))
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_sms_is_posted_as_signed_json() {
    let server = MockServer::start().await;
    accept(&server).await;
    let delivery =
        conformance::delivers(&webhook(&server), &conformance::sample_sms("+12025550123")).await;
    let request = &server.received_requests().await.unwrap()[0];
    let timestamp = request
        .headers
        .get(TIMESTAMP_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    let signature = request
        .headers
        .get(SIGNATURE_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        verify(timestamp, &request.body, signature),
        "the signature verifies"
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        now.abs_diff(timestamp.parse().unwrap()) < 60,
        "the timestamp is current"
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["channel"], "sms");
    assert_eq!(body["to"], "+12025550123");
    assert_eq!(body["body"], format!("Your code is {SECRET_CODE}"));
    assert_eq!(body["trigger_source"], "CustomEmailSender_SignUp");
    assert_eq!(body["user_pool_id"], "us-east-1_conformance");
    assert_eq!(body["message_id"], delivery.message_id.as_str());
    assert!(body.get("subject").is_none() && body.get("html").is_none());
}

#[tokio::test]
async fn an_email_carries_subject_text_and_html() {
    let server = MockServer::start().await;
    accept(&server).await;
    webhook(&server)
        .send(&conformance::sample_email(
            "jane@example.com",
            "a@acme.test",
        ))
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["channel"], "email");
    assert_eq!(body["subject"], "Your conformance code");
    assert!(
        body["text"].as_str().unwrap().contains(SECRET_CODE)
            && body["html"].as_str().unwrap().contains("<b>")
    );
    assert!(body.get("body").is_none());
}

#[tokio::test]
async fn a_tampered_body_does_not_verify() {
    let server = MockServer::start().await;
    accept(&server).await;
    webhook(&server)
        .send(&conformance::sample_sms("+12025550123"))
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    let timestamp = request
        .headers
        .get(TIMESTAMP_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    let signature = request
        .headers
        .get(SIGNATURE_HEADER)
        .unwrap()
        .to_str()
        .unwrap();
    let mut body = request.body.clone();
    body[10] ^= 1;
    assert!(!verify(timestamp, &body, signature));
    assert!(
        !verify("1", &request.body, signature),
        "another timestamp does not verify"
    );
}

/// The webhook's table: a receiver's 4xx says nothing about the recipient, so
/// none stops the chain; 404 and redirects are configuration; 408, 429 and 5xx
/// are retried.
#[tokio::test]
async fn the_status_table() {
    const ROWS: &[Row] = &[
        status(307, ErrorKind::Config, false),
        status(400, ErrorKind::Other, false),
        status(401, ErrorKind::Auth, false),
        status(404, ErrorKind::Config, false),
        status(408, ErrorKind::Timeout, true),
        status(422, ErrorKind::Other, false),
        status(429, ErrorKind::RateLimited, true),
        status(500, ErrorKind::Unavailable, true),
        status(502, ErrorKind::Unavailable, true),
        status(503, ErrorKind::Unavailable, true),
        status(504, ErrorKind::Unavailable, true),
    ];
    status_table::check(ROWS, async |server| {
        webhook(server)
            .send(&conformance::sample_sms("+12025550123"))
            .await
            .unwrap_err()
    })
    .await;
}

#[tokio::test]
async fn a_hanging_receiver_times_out_as_temporary() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&server)
        .await;
    let sender = WebhookConfig {
        timeout_ms: 200,
        ..WebhookConfig::new(server.uri(), SECRET)
    }
    .into_sender("hook", &BuildContext::default())
    .unwrap();
    let err =
        conformance::maps_transient_failure(&sender, &conformance::sample_sms("+12025550123"))
            .await;
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn plain_http_to_a_remote_host_and_short_secrets_are_refused() {
    let build = |url: &str, secret: &str| {
        WebhookConfig::new(url, secret).into_sender("hook", &BuildContext::default())
    };
    assert_eq!(
        build("http://hooks.acme.test/x", SECRET)
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
    assert_eq!(
        build("https://hooks.acme.test/x", "short")
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
    assert!(build("https://hooks.acme.test/x", SECRET).is_ok());
}
