//! SendGrid against an in-process HTTP server that records what we sent.

use serde_json::{json, Value};
use switchboard_providers::services::sendgrid::{SendGrid, SendGridConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::testing::status_table::{self, body, status, Row};
use switchboard_providers::{
    BuildContext, ErrorKind, EspTemplate, Message, Provider, Sender, Service,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sendgrid(server: &MockServer, sandbox: bool) -> Provider<SendGrid> {
    SendGridConfig {
        base_url: server.uri(),
        sandbox_mode: sandbox,
        ..SendGridConfig::new("SG.test-key")
    }
    .provider("primary", &BuildContext::default())
    .unwrap()
}

fn message() -> Message {
    conformance::sample_email_with_reply_to()
}

async fn accept(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .and(header("authorization", "Bearer SG.test-key"))
        .respond_with(ResponseTemplate::new(202).insert_header("X-Message-Id", "sg-msg-1"))
        .mount(server)
        .await;
}

async fn sent_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].headers.get("content-type").unwrap(),
        "application/json"
    );
    serde_json::from_slice(&requests[0].body).unwrap()
}

#[tokio::test]
async fn sends_exactly_the_v3_mail_send_body() {
    let server = MockServer::start().await;
    accept(&server).await;
    let delivery = conformance::delivers(&sendgrid(&server, false), &message()).await;
    assert_eq!(delivery.message_id, "sg-msg-1");
    let body = sent_body(&server).await;
    assert_eq!(
        body,
        json!({
            "personalizations": [{ "to": [{ "email": "jane@example.com" }] }],
            "from": { "email": "no-reply@acme.test", "name": "Acme Support" },
            "reply_to": { "email": "help@acme.test" },
            "subject": "Your conformance code",
            "content": [
                { "type": "text/plain", "value": format!("Your code is {SECRET_CODE}") },
                { "type": "text/html", "value": format!("<p>Your code is <b>{SECRET_CODE}</b></p>") }
            ],
            "categories": ["CustomEmailSender_SignUp"],
            "custom_args": { "trigger_source": "CustomEmailSender_SignUp", "user_pool_id": "us-east-1_conformance" },
            "tracking_settings": {
                "click_tracking": { "enable": false, "enable_text": false },
                "open_tracking": { "enable": false },
                "subscription_tracking": { "enable": false },
                "ganalytics": { "enable": false }
            }
        })
    );
}

#[tokio::test]
async fn tracking_true_leaves_tracking_to_the_account_settings() {
    let server = MockServer::start().await;
    accept(&server).await;
    let provider = SendGridConfig {
        base_url: server.uri(),
        tracking: true,
        ..SendGridConfig::new("SG.test-key")
    }
    .provider("primary", &BuildContext::default())
    .unwrap();
    conformance::delivers(&provider, &message()).await;
    let body = sent_body(&server).await;
    assert!(body.get("tracking_settings").is_none(), "{body}");
}

#[tokio::test]
async fn a_dynamic_template_replaces_subject_and_content() {
    let server = MockServer::start().await;
    accept(&server).await;
    let Message::Email(mut email) = message() else {
        unreachable!()
    };
    email.esp_template = Some(EspTemplate {
        ids: [
            ("primary".to_string(), "d-123".to_string()),
            ("other".to_string(), "x".to_string()),
        ]
        .into(),
        variables: json!({ "code": "123456", "user": { "given_name": "Jane" } }),
    });
    sendgrid(&server, true)
        .send(&Message::Email(email))
        .await
        .unwrap();
    let body = sent_body(&server).await;
    assert_eq!(body["template_id"], "d-123");
    assert_eq!(
        body["personalizations"][0]["dynamic_template_data"],
        json!({ "code": "123456", "user": { "given_name": "Jane" } })
    );
    assert!(
        body.get("subject").is_none() && body.get("content").is_none(),
        "{body}"
    );
    assert_eq!(body["mail_settings"]["sandbox_mode"]["enable"], true);
}

#[tokio::test]
async fn a_template_for_another_provider_is_ignored() {
    let server = MockServer::start().await;
    accept(&server).await;
    let Message::Email(mut email) = message() else {
        unreachable!()
    };
    email.esp_template = Some(EspTemplate {
        ids: [("backup".to_string(), "d-999".to_string())].into(),
        variables: json!({}),
    });
    sendgrid(&server, false)
        .send(&Message::Email(email))
        .await
        .unwrap();
    let body = sent_body(&server).await;
    assert!(body.get("template_id").is_none());
    assert_eq!(body["subject"], "Your conformance code");
}

/// SendGrid's table: only an error about the recipient (a `personalizations…to`
/// field) or this message (413) is a rejection; auth, configuration and unknown
/// 4xx fail over without a retry; 429 and 5xx are retried.
#[tokio::test]
async fn the_status_table() {
    const ROWS: &[Row] = &[
        body(
            400,
            r#"{"errors":[{"message":"Does not contain a valid address.","field":"personalizations.0.to.0.email"}]}"#,
            ErrorKind::Rejected,
            Some("Does not contain a valid address. (field `personalizations.0.to.0.email`)"),
        ),
        body(
            400,
            r#"{"errors":[{"message":"The template_id must be a valid GUID","field":"template_id"}]}"#,
            ErrorKind::Other,
            Some("field `template_id`"),
        ),
        body(
            401,
            r#"{"errors":[{"message":"The provided authorization grant is invalid"}]}"#,
            ErrorKind::Auth,
            None,
        ),
        body(
            403,
            r#"{"errors":[{"message":"The from address does not match a verified Sender Identity","field":"from"}]}"#,
            ErrorKind::Auth,
            Some("verified Sender Identity"),
        ),
        body(
            404,
            "<html>not here</html>",
            ErrorKind::Config,
            Some("base URL"),
        ),
        body(413, "too big", ErrorKind::Rejected, None),
        Row {
            retry_after: Some("12"),
            ..status(429, ErrorKind::RateLimited, true)
        },
    ];
    status_table::check(ROWS, async |server| {
        sendgrid(server, false).send(&message()).await.unwrap_err()
    })
    .await;
}

#[tokio::test]
async fn conformance_transient_failure_and_channel() {
    let server = switchboard_testkit::answering(503).await;
    conformance::maps_transient_failure(&sendgrid(&server, false), &message()).await;
    conformance::refuses_other_channel(&sendgrid(&server, false)).await;
}

#[tokio::test]
async fn a_refused_connection_is_temporary_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sender = SendGridConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        ..SendGridConfig::new("SG.k")
    }
    .provider("primary", &BuildContext::default())
    .unwrap();
    let err = sender.send(&message()).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary()),
        (ErrorKind::Unavailable, true),
        "{err}"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = SendGridConfig {
        base_url: "http://api.sendgrid.com".into(),
        ..SendGridConfig::new("SG.k")
    }
    .provider("primary", &BuildContext::default())
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn an_invalid_recipient_never_reaches_sendgrid() {
    let server = MockServer::start().await;
    accept(&server).await;
    conformance::rejects_an_invalid_recipient(&sendgrid(&server, false)).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}
