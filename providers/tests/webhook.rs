//! The signed webhook against an in-process HTTP server. Standard Webhooks
//! signatures are verified with the scheme's reference library (Python's
//! `standardwebhooks`); the `switchboard` scheme with an independent HMAC
//! implementation (RustCrypto `hmac` + `sha2`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use switchboard_providers::services::webhook::{
    SignatureScheme, Webhook, WebhookConfig, SIGNATURE_HEADER, STANDARD_ID_HEADER,
    STANDARD_SIGNATURE_HEADER, STANDARD_TIMESTAMP_HEADER, TIMESTAMP_HEADER,
};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::testing::status_table::{self, status, Row};
use switchboard_providers::{BuildContext, ErrorKind, Message, Provider, Sender, Service};
use switchboard_testkit::standard_webhooks;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A Standard Webhooks secret: `whsec_` + base64 of 24 bytes (a test value).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// A plain secret for the `switchboard` scheme.
const PLAIN_SECRET: &str = "webhook-signing-secret-for-tests";

fn webhook(server: &MockServer) -> Provider<Webhook> {
    WebhookConfig::new(format!("{}/switchboard", server.uri()), SECRET)
        .provider("hook", &BuildContext::default())
        .unwrap()
}

fn switchboard_scheme(server: &MockServer) -> Provider<Webhook> {
    WebhookConfig {
        signature: SignatureScheme::Switchboard,
        ..WebhookConfig::new(format!("{}/switchboard", server.uri()), PLAIN_SECRET)
    }
    .provider("hook", &BuildContext::default())
    .unwrap()
}

/// What a receiver of the `switchboard` scheme does: recompute the HMAC over
/// "<timestamp>.<body>".
fn verify_switchboard(timestamp: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(PLAIN_SECRET.as_bytes()).unwrap();
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

async fn send_one(
    provider: &Provider<Webhook>,
    server: &MockServer,
    message: &Message,
) -> wiremock::Request {
    provider.send(message).await.unwrap();
    server.received_requests().await.unwrap().pop().unwrap()
}

fn header<'a>(request: &'a wiremock::Request, name: &str) -> &'a str {
    request.headers.get(name).unwrap().to_str().unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn an_sms_is_posted_as_json_that_standard_webhooks_verifies() {
    let server = MockServer::start().await;
    accept(&server).await;
    let delivery =
        conformance::delivers(&webhook(&server), &conformance::sample_sms("+12025550123")).await;
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        standard_webhooks::verify(SECRET, request),
        Ok(delivery.message_id.clone()),
        "the reference library verifies the request and reads our message_id"
    );
    assert_eq!(header(request, STANDARD_ID_HEADER), delivery.message_id);
    assert!(header(request, STANDARD_SIGNATURE_HEADER).starts_with("v1,"));
    assert!(now().abs_diff(header(request, STANDARD_TIMESTAMP_HEADER).parse().unwrap()) < 60);
    assert!(
        request.headers.get(SIGNATURE_HEADER).is_none(),
        "one scheme per request"
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
    let request = send_one(
        &webhook(&server),
        &server,
        &conformance::sample_email("jane@example.com", "a@acme.test"),
    )
    .await;
    assert!(standard_webhooks::verify(SECRET, &request).is_ok());
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
async fn a_tampered_request_or_another_secret_does_not_verify() {
    let server = MockServer::start().await;
    accept(&server).await;
    let request = send_one(
        &webhook(&server),
        &server,
        &conformance::sample_sms("+12025550123"),
    )
    .await;
    let headers = |id: &str| {
        serde_json::json!({
            STANDARD_ID_HEADER: id,
            STANDARD_TIMESTAMP_HEADER: header(&request, STANDARD_TIMESTAMP_HEADER),
            STANDARD_SIGNATURE_HEADER: header(&request, STANDARD_SIGNATURE_HEADER),
        })
        .as_object()
        .unwrap()
        .clone()
    };
    let body = String::from_utf8(request.body.clone()).unwrap();
    let id = header(&request, STANDARD_ID_HEADER);
    assert!(standard_webhooks::verify_parts(SECRET, headers(id), &body).is_ok());
    let tampered = body.replace("+12025550123", "+12025550199");
    assert!(standard_webhooks::verify_parts(SECRET, headers(id), &tampered).is_err());
    assert!(
        standard_webhooks::verify_parts(SECRET, headers("another-id"), &body).is_err(),
        "the id is signed"
    );
    assert!(standard_webhooks::verify_parts(
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        headers(id),
        &body
    )
    .is_err());
}

#[tokio::test]
async fn the_switchboard_scheme_signs_hex_over_timestamp_and_body() {
    let server = MockServer::start().await;
    accept(&server).await;
    let request = send_one(
        &switchboard_scheme(&server),
        &server,
        &conformance::sample_sms("+12025550123"),
    )
    .await;
    let timestamp = header(&request, TIMESTAMP_HEADER);
    let signature = header(&request, SIGNATURE_HEADER);
    assert!(verify_switchboard(timestamp, &request.body, signature));
    assert!(now().abs_diff(timestamp.parse().unwrap()) < 60);
    assert!(
        request.headers.get(STANDARD_SIGNATURE_HEADER).is_none(),
        "one scheme per request"
    );
    let mut tampered = request.body.clone();
    tampered[10] ^= 1;
    assert!(!verify_switchboard(timestamp, &tampered, signature));
    assert!(
        !verify_switchboard("1", &request.body, signature),
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
    .provider("hook", &BuildContext::default())
    .unwrap();
    let err =
        conformance::maps_transient_failure(&sender, &conformance::sample_sms("+12025550123"))
            .await;
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[test]
fn plain_http_to_a_remote_host_and_short_secrets_are_refused() {
    let build = |url: &str, secret: &str| {
        WebhookConfig::new(url, secret).provider("hook", &BuildContext::default())
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
    // Standard Webhooks form: the key is what the base64 decodes to.
    let too_short = build("https://hooks.acme.test/x", "whsec_c2hvcnQ=").unwrap_err();
    assert!(
        too_short.to_string().contains("at least 16 bytes"),
        "{too_short}"
    );
    let not_base64 = build("https://hooks.acme.test/x", "whsec_not base64!!").unwrap_err();
    assert!(
        not_base64.to_string().contains("not base64") && !not_base64.to_string().contains("!!"),
        "names the problem, never the secret: {not_base64}"
    );
    assert!(build("https://hooks.acme.test/x", SECRET).is_ok());
    assert!(build("https://hooks.acme.test/x", PLAIN_SECRET).is_ok());
}

// Warm invocations reuse connections: one HTTP connection for many messages
// (keep-alive), counted by a server that accepts connections itself.

/// An HTTP/1.1 server that answers 204 to every request and counts connections.
async fn counting_server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, r) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let requests = r.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    requests.fetch_add(1, Ordering::SeqCst);
                    if stream
                        .get_mut()
                        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, connections, requests)
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_messages_over_one_kept_alive_connection() {
    let (url, connections, requests) = counting_server().await;
    let sender = WebhookConfig::new(url, "a-secret-of-sixteen-chars")
        .provider("hook", &BuildContext::default())
        .unwrap();
    for _ in 0..10 {
        sender
            .send(&conformance::sample_sms("+12025550123"))
            .await
            .unwrap();
        // Invocations of a warm function are apart in time.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(requests.load(Ordering::SeqCst), 10);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection, kept alive"
    );
}
