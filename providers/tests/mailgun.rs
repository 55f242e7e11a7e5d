//! Mailgun against an in-process HTTP server that records what we sent.

use std::collections::BTreeMap;
use switchboard_providers::testing::status_table::{self, body, Row};

use base64::Engine;
use serde_json::json;
use switchboard_providers::services::mailgun::{Mailgun, MailgunConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::{
    BuildContext, ErrorKind, EspTemplate, Message, Provider, Sender, Service,
};
use switchboard_testkit::hostile::{Hostile, Mode};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn mailgun(server: &MockServer) -> Provider<Mailgun> {
    MailgunConfig {
        base_url: Some(server.uri()),
        ..MailgunConfig::new("key-test", "mg.acme.test")
    }
    .provider("mailgun", &BuildContext::default())
    .unwrap()
}

fn basic_auth() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("api:key-test")
    )
}

/// The form fields of a multipart/form-data body, by name (repeated names joined by `|`).
fn form_fields(content_type: &str, body: &[u8]) -> BTreeMap<String, String> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"');
    let body = String::from_utf8_lossy(body);
    let mut fields = BTreeMap::new();
    for part in body.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value).to_string();
        fields
            .entry(name.to_string())
            .and_modify(|v: &mut String| {
                v.push('|');
                v.push_str(&value)
            })
            .or_insert(value);
    }
    fields
}

async fn accept(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v3/mg.acme.test/messages"))
        .and(header("authorization", basic_auth().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "<20261123.1@mg.acme.test>", "message": "Queued. Thank you."}),
        ))
        .mount(server)
        .await;
}

async fn sent_fields(server: &MockServer) -> BTreeMap<String, String> {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let content_type = requests[0]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("multipart/form-data"),
        "{content_type}"
    );
    form_fields(&content_type, &requests[0].body)
}

#[tokio::test]
async fn sends_the_messages_form_with_basic_auth() {
    let server = MockServer::start().await;
    accept(&server).await;
    let mut message = conformance::sample_email("jane@example.com", "Acme <no-reply@acme.test>");
    if let Message::Email(email) = &mut message {
        email.reply_to = Some("help@acme.test".into());
    }
    let delivery = conformance::delivers(&mailgun(&server), &message).await;
    assert_eq!(delivery.message_id, "<20261123.1@mg.acme.test>");
    let fields = sent_fields(&server).await;
    let expected: BTreeMap<String, String> = [
        ("from", "Acme <no-reply@acme.test>".to_string()),
        ("to", "jane@example.com".to_string()),
        ("subject", "Your conformance code".to_string()),
        ("text", format!("Your code is {SECRET_CODE}")),
        ("html", format!("<p>Your code is <b>{SECRET_CODE}</b></p>")),
        ("o:tag", "CustomEmailSender_SignUp".to_string()),
        ("v:trigger_source", "CustomEmailSender_SignUp".to_string()),
        ("h:Reply-To", "help@acme.test".to_string()),
        ("o:tracking", "no".to_string()),
        ("o:tracking-clicks", "no".to_string()),
        ("o:tracking-opens", "no".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(fields, expected);
}

#[tokio::test]
async fn tracking_true_leaves_tracking_to_the_domain_settings() {
    let server = MockServer::start().await;
    accept(&server).await;
    let provider = MailgunConfig {
        base_url: Some(server.uri()),
        tracking: true,
        ..MailgunConfig::new("key-test", "mg.acme.test")
    }
    .provider("primary", &BuildContext::default())
    .unwrap();
    let message = conformance::sample_email("jane@example.com", "no-reply@acme.test");
    conformance::delivers(&provider, &message).await;
    let fields = sent_fields(&server).await;
    assert!(
        !fields.keys().any(|k| k.starts_with("o:tracking")),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_stored_template_sends_template_and_variables() {
    let server = MockServer::start().await;
    accept(&server).await;
    let mut message = conformance::sample_email("jane@example.com", "no-reply@acme.test");
    if let Message::Email(email) = &mut message {
        email.esp_template = Some(EspTemplate {
            ids: [("mailgun".to_string(), "password-reset".to_string())].into(),
            variables: json!({ "code": "123456" }),
        });
    }
    mailgun(&server).send(&message).await.unwrap();
    let fields = sent_fields(&server).await;
    assert_eq!(fields["template"], "password-reset");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&fields["t:variables"]).unwrap(),
        json!({ "code": "123456" })
    );
    assert!(
        !fields.contains_key("html") && !fields.contains_key("subject"),
        "{fields:?}"
    );
}

/// Mailgun's table: a 400 about the `to` parameter is a rejection; 404 (an
/// unknown domain) is configuration; auth and other 4xx fail over without a retry.
#[tokio::test]
async fn the_status_table() {
    const ROWS: &[Row] = &[
        body(
            400,
            r#"{"message":"'to' parameter is not a valid address. please check documentation"}"#,
            ErrorKind::Rejected,
            Some("'to' parameter is not a valid address"),
        ),
        body(
            400,
            r#"{"message":"to parameter is not a valid address. please check documentation"}"#,
            ErrorKind::Rejected,
            None,
        ),
        body(
            400,
            r#"{"message":"'from' parameter is missing"}"#,
            ErrorKind::Other,
            Some("'from' parameter is missing"),
        ),
        body(401, "Forbidden", ErrorKind::Auth, None),
        body(
            404,
            r#"{"message":"Domain not found: mg.acme.test"}"#,
            ErrorKind::Config,
            Some("Domain not found"),
        ),
    ];
    status_table::check(ROWS, async |server| {
        mailgun(server)
            .send(&conformance::sample_email(
                "jane@example.com",
                "a@acme.test",
            ))
            .await
            .unwrap_err()
    })
    .await;
}

#[tokio::test]
async fn conformance_transient_failure_and_channel() {
    let server = switchboard_testkit::answering(502).await;
    conformance::maps_transient_failure(
        &mailgun(&server),
        &conformance::sample_email("jane@example.com", "a@acme.test"),
    )
    .await;
    conformance::refuses_other_channel(&mailgun(&server)).await;
}

#[test]
fn regions_map_to_their_hosts() {
    assert_eq!(
        switchboard_providers::services::mailgun::mailgun_region_base_url("eu"),
        Some("https://api.eu.mailgun.net")
    );
    assert_eq!(
        switchboard_providers::services::mailgun::mailgun_region_base_url("us"),
        Some("https://api.mailgun.net")
    );
    assert_eq!(
        switchboard_providers::services::mailgun::mailgun_region_base_url("mars"),
        None
    );
}

// Injected HTTP faults, through Mailgun: resets mid-response, invalid JSON,
// TLS handshake failures.

/// A server that answers with `raw` bytes and closes the connection, after
/// reading the whole request (so the fault is in the answer, never a request cut
/// off while the client is still writing it).
fn raw_server(raw: &'static [u8]) -> String {
    Hostile::start(vec![Mode::Raw(raw.to_vec())]).url()
}

fn mailgun_at(base_url: String) -> Provider<Mailgun> {
    MailgunConfig {
        base_url: Some(base_url),
        ..MailgunConfig::new("key-test", "mg.acme.test")
    }
    .provider("mailgun", &BuildContext::default())
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
    let delivery = mailgun_at(url).send(&email()).await.unwrap();
    assert_eq!(delivery.message_id, "unknown");
}

#[tokio::test]
async fn a_connection_reset_mid_error_response_is_still_an_error() {
    let url = raw_server(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 500\r\n\r\nbusy");
    let err = mailgun_at(url).send(&email()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_is_temporary() {
    let url = raw_server(b"");
    let err = mailgun_at(url).send(&email()).await.unwrap_err();
    assert!(err.is_temporary(), "{err}");
}

#[tokio::test]
async fn invalid_json_in_an_error_is_still_classified_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("<html>nope"))
        .mount(&server)
        .await;
    let err = mailgun_at(server.uri()).send(&email()).await.unwrap_err();
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
    let delivery = mailgun_at(server.uri()).send(&email()).await.unwrap();
    assert_eq!(delivery.message_id, "unknown");
}

#[tokio::test]
async fn a_tls_handshake_failure_is_an_error_not_a_delivery() {
    // https:// to a server that does not speak TLS.
    let url = raw_server(b"HTTP/1.1 200 OK\r\n\r\n").replace("http://", "https://");
    let err = mailgun_at(url).send(&email()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
}
