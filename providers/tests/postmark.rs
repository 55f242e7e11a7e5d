//! Postmark against an in-process HTTP server that records what we sent.

use serde_json::{json, Value};
use switchboard_providers::services::postmark::{Postmark, PostmarkConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::testing::status_table::{self, body, status, Row};
use switchboard_providers::{
    BuildContext, ErrorKind, EspTemplate, Message, Provider, Sender, Service,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "pm-server-token-test";

fn postmark_with(server: &MockServer, config: PostmarkConfig) -> Provider<Postmark> {
    PostmarkConfig {
        base_url: server.uri(),
        ..config
    }
    .provider("postmark", &BuildContext::default())
    .unwrap()
}

fn postmark(server: &MockServer) -> Provider<Postmark> {
    postmark_with(server, PostmarkConfig::new(TOKEN))
}

fn message() -> Message {
    conformance::sample_email_with_reply_to()
}

async fn accept(server: &MockServer, endpoint: &str) {
    Mock::given(method("POST"))
        .and(path(endpoint))
        .and(header("X-Postmark-Server-Token", TOKEN))
        .and(header("Accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "To": "jane@example.com", "SubmittedAt": "2026-11-23T10:00:00Z",
            "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", "ErrorCode": 0, "Message": "OK"
        })))
        .mount(server)
        .await;
}

async fn sent_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    serde_json::from_slice(&requests[0].body).unwrap()
}

#[tokio::test]
async fn sends_exactly_the_email_body_with_the_server_token() {
    let server = MockServer::start().await;
    accept(&server, "/email").await;
    let delivery = conformance::delivers(&postmark(&server), &message()).await;
    assert_eq!(delivery.message_id, "b7bc2f4a-e38e-4336-af7d-e6c392c2f817");
    assert_eq!(
        sent_body(&server).await,
        json!({
            "From": "Acme Support <no-reply@acme.test>",
            "To": "jane@example.com",
            "ReplyTo": "help@acme.test",
            "Subject": "Your conformance code",
            "TextBody": format!("Your code is {SECRET_CODE}"),
            "HtmlBody": format!("<p>Your code is <b>{SECRET_CODE}</b></p>"),
            "Tag": "CustomEmailSender_SignUp",
            "Metadata": { "trigger_source": "CustomEmailSender_SignUp", "user_pool_id": "us-east-1_conformance" },
            "MessageStream": "outbound",
            "TrackOpens": false,
            "TrackLinks": "None"
        })
    );
}

#[tokio::test]
async fn a_server_template_goes_to_with_template_by_alias_or_id() {
    for (template, field, value) in [
        ("password-reset", "TemplateAlias", json!("password-reset")),
        ("4321", "TemplateId", json!(4321)),
    ] {
        let server = MockServer::start().await;
        accept(&server, "/email/withTemplate").await;
        let Message::Email(mut email) = message() else {
            unreachable!()
        };
        email.esp_template = Some(EspTemplate {
            ids: [("postmark".to_string(), template.to_string())].into(),
            variables: json!({ "code": "123456" }),
        });
        postmark_with(
            &server,
            PostmarkConfig {
                message_stream: "cognito".into(),
                tracking: true,
                ..PostmarkConfig::new(TOKEN)
            },
        )
        .send(&Message::Email(email))
        .await
        .unwrap();
        let body = sent_body(&server).await;
        assert_eq!(body[field], value, "{body}");
        assert_eq!(body["TemplateModel"], json!({ "code": "123456" }));
        assert_eq!(body["MessageStream"], "cognito");
        assert!(
            body.get("Subject").is_none() && body.get("HtmlBody").is_none(),
            "{body}"
        );
        assert!(
            body.get("TrackOpens").is_none() && body.get("TrackLinks").is_none(),
            "tracking = true leaves it to the server's settings: {body}"
        );
    }
}

/// Postmark's table: a 422's ErrorCode decides. Inactive recipient (406) and an
/// invalid 'To' address (300) stop the chain; sender signature, account and
/// token problems fail over without a retry; 429, 5xx and maintenance are retried.
#[tokio::test]
async fn the_status_table() {
    const ROWS: &[Row] = &[
        body(
            422,
            r#"{"ErrorCode":406,"Message":"You tried to send to recipient(s) that have been marked as inactive."}"#,
            ErrorKind::Rejected,
            Some("Postmark error 406"),
        ),
        body(
            422,
            r#"{"ErrorCode":300,"Message":"Invalid 'To' address: 'jane@'."}"#,
            ErrorKind::Rejected,
            Some("Postmark error 300"),
        ),
        body(
            422,
            r#"{"ErrorCode":300,"Message":"Invalid 'From' address: 'no-reply@acme.test' is not a verified sender signature."}"#,
            ErrorKind::Other,
            Some("Postmark error 300"),
        ),
        body(
            422,
            r#"{"ErrorCode":400,"Message":"The 'From' address you supplied is not a Sender Signature on your account."}"#,
            ErrorKind::Config,
            Some("Postmark error 400"),
        ),
        body(
            422,
            r#"{"ErrorCode":412,"Message":"Your account is pending approval."}"#,
            ErrorKind::Config,
            Some("Postmark error 412"),
        ),
        body(
            401,
            r#"{"ErrorCode":10,"Message":"No Account or Server API tokens were supplied in the HTTP headers."}"#,
            ErrorKind::Auth,
            Some("Postmark error 10"),
        ),
        body(
            404,
            "<html>not here</html>",
            ErrorKind::Config,
            Some("base URL"),
        ),
        Row {
            temporary: true,
            ..body(
                503,
                r#"{"ErrorCode":100,"Message":"Maintenance"}"#,
                ErrorKind::Unavailable,
                Some("Postmark error 100"),
            )
        },
        Row {
            retry_after: Some("7"),
            ..status(429, ErrorKind::RateLimited, true)
        },
    ];
    status_table::check(ROWS, async |server| {
        postmark(server).send(&message()).await.unwrap_err()
    })
    .await;
}

#[tokio::test]
async fn conformance_transient_failure_and_channel() {
    let server = switchboard_testkit::answering(503).await;
    conformance::maps_transient_failure(&postmark(&server), &message()).await;
    conformance::refuses_other_channel(&postmark(&server)).await;
}

#[tokio::test]
async fn an_accepted_message_without_a_readable_id_is_still_delivered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .mount(&server)
        .await;
    let delivery = postmark(&server).send(&message()).await.unwrap();
    assert_eq!(delivery.message_id, "unknown");
}

#[tokio::test]
async fn an_invalid_recipient_never_reaches_postmark() {
    let server = MockServer::start().await;
    accept(&server, "/email").await;
    conformance::rejects_an_invalid_recipient(&postmark(&server)).await;
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[test]
fn plain_http_to_a_remote_host_and_an_empty_stream_are_refused() {
    let build = |config: PostmarkConfig| {
        config
            .provider("postmark", &BuildContext::default())
            .unwrap_err()
    };
    let err = build(PostmarkConfig {
        base_url: "http://api.postmarkapp.com".into(),
        ..PostmarkConfig::new(TOKEN)
    });
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = build(PostmarkConfig {
        message_stream: " ".into(),
        ..PostmarkConfig::new(TOKEN)
    });
    assert!(err.to_string().contains("message_stream"), "{err}");
}
