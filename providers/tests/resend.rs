//! Resend against an in-process HTTP server that records what we sent.

use serde_json::{json, Value};
use switchboard_providers::services::resend::{Resend, ResendConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::testing::status_table::{self, body, status, Row};
use switchboard_providers::{
    BuildContext, ErrorKind, EspTemplate, Message, Provider, Sender, Service,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "re_test_key";

fn resend(server: &MockServer) -> Provider<Resend> {
    ResendConfig {
        base_url: server.uri(),
        ..ResendConfig::new(KEY)
    }
    .provider("resend", &BuildContext::default())
    .unwrap()
}

fn message() -> Message {
    let mut message = conformance::sample_email_with_reply_to();
    if let Message::Email(email) = &mut message {
        email.context.event_id = Some("7d1f0c2e".into());
    }
    message
}

async fn accept(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/emails"))
        .and(header("Authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "id": "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794" })),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn sends_exactly_the_emails_body_with_the_events_idempotency_key() {
    let server = MockServer::start().await;
    accept(&server).await;
    let delivery = conformance::delivers(&resend(&server), &message()).await;
    assert_eq!(delivery.message_id, "49a3999c-0ce1-4ea6-ab68-afcd6dc2e794");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers.get("Idempotency-Key").unwrap(),
        "switchboard-7d1f0c2e"
    );
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    let sent_at = body["tags"][3]["value"].as_str().unwrap_or_default();
    assert!(
        sent_at
            .parse::<u64>()
            .is_ok_and(|ms| ms > 1_700_000_000_000),
        "the send time in ms: {body}"
    );
    assert_eq!(
        body,
        json!({
            "from": "Acme Support <no-reply@acme.test>",
            "to": ["jane@example.com"],
            "reply_to": "help@acme.test",
            "subject": "Your conformance code",
            "text": format!("Your code is {SECRET_CODE}"),
            "html": format!("<p>Your code is <b>{SECRET_CODE}</b></p>"),
            "tags": [
                { "name": "trigger_source", "value": "CustomEmailSender_SignUp" },
                { "name": "user_pool_id", "value": "us-east-1_conformance" },
                { "name": "sb_event_id", "value": "7d1f0c2e" },
                { "name": "sb_sent_at", "value": sent_at }
            ]
        })
    );
}

#[tokio::test]
async fn every_retry_of_one_event_carries_the_same_idempotency_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    accept(&server).await;
    let provider = resend(&server);
    assert!(provider.send(&message()).await.unwrap_err().is_temporary());
    provider.send(&message()).await.unwrap();
    let keys: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get("Idempotency-Key").unwrap().clone())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn a_stored_template_replaces_subject_and_bodies() {
    let server = MockServer::start().await;
    accept(&server).await;
    let Message::Email(mut email) = message() else {
        unreachable!()
    };
    email.esp_template = Some(EspTemplate {
        ids: [("resend".to_string(), "password-reset".to_string())].into(),
        variables: json!({ "code": "123456" }),
    });
    resend(&server).send(&Message::Email(email)).await.unwrap();
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        body["template"],
        json!({ "id": "password-reset", "variables": { "code": "123456" } })
    );
    assert!(
        body.get("subject").is_none() && body.get("html").is_none(),
        "{body}"
    );
}

/// Resend's table: a validation error naming `to` stops the chain; an unverified
/// domain, a bad key or an exhausted daily quota fail over without a retry; a
/// concurrent request with the same key, 429 and 5xx are retried.
#[tokio::test]
async fn the_status_table() {
    const ROWS: &[Row] = &[
        body(
            422,
            r#"{"statusCode":422,"name":"validation_error","message":"Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."}"#,
            ErrorKind::Rejected,
            Some("Resend error validation_error"),
        ),
        body(
            422,
            r#"{"statusCode":422,"name":"validation_error","message":"The `template.id` field is invalid."}"#,
            ErrorKind::Other,
            Some("Resend error validation_error"),
        ),
        body(
            403,
            r#"{"statusCode":403,"name":"validation_error","message":"The acme.test domain is not verified. Please, add and verify your domain on https://resend.com/domains"}"#,
            ErrorKind::Config,
            Some("Resend error validation_error"),
        ),
        body(
            422,
            r#"{"statusCode":422,"name":"invalid_from_address","message":"Invalid `from` field."}"#,
            ErrorKind::Config,
            Some("invalid_from_address"),
        ),
        body(
            401,
            r#"{"statusCode":401,"name":"missing_api_key","message":"Missing API key in the authorization header."}"#,
            ErrorKind::Auth,
            Some("missing_api_key"),
        ),
        body(
            403,
            r#"{"statusCode":403,"name":"invalid_api_key","message":"API key is invalid."}"#,
            ErrorKind::Auth,
            Some("invalid_api_key"),
        ),
        body(
            409,
            r#"{"statusCode":409,"name":"invalid_idempotent_request","message":"Same idempotency key used with a different request payload."}"#,
            ErrorKind::Other,
            Some("invalid_idempotent_request"),
        ),
        Row {
            temporary: true,
            ..body(
                409,
                r#"{"statusCode":409,"name":"concurrent_idempotent_requests","message":"Same idempotency key used while original request is still in progress."}"#,
                ErrorKind::RateLimited,
                Some("concurrent_idempotent_requests"),
            )
        },
        body(
            429,
            r#"{"statusCode":429,"name":"daily_quota_exceeded","message":"You have reached your daily email sending quota."}"#,
            ErrorKind::Config,
            Some("daily_quota_exceeded"),
        ),
        Row {
            retry_after: Some("2"),
            ..status(429, ErrorKind::RateLimited, true)
        },
        body(
            404,
            "<html>not here</html>",
            ErrorKind::Config,
            Some("base URL"),
        ),
    ];
    status_table::check(ROWS, async |server| {
        resend(server).send(&message()).await.unwrap_err()
    })
    .await;
}

#[tokio::test]
async fn conformance_transient_failure_and_channel() {
    let server = switchboard_testkit::answering(503).await;
    conformance::maps_transient_failure(&resend(&server), &message()).await;
    conformance::refuses_other_channel(&resend(&server)).await;
}

#[tokio::test]
async fn an_invalid_recipient_never_reaches_resend() {
    let server = MockServer::start().await;
    accept(&server).await;
    conformance::rejects_an_invalid_recipient(&resend(&server)).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}
