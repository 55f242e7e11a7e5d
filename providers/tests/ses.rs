//! Amazon SES v2 against a local moto server.

use serde_json::{json, Value};
use switchboard_providers::services::ses::{Ses, SesConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::{ErrorKind, EspTemplate, Message, Provider, Sender};
use switchboard_testkit::moto::moto;

fn ses() -> Provider<Ses> {
    Provider::new(
        "ses",
        Ses::new(
            aws_sdk_sesv2::Client::new(&moto().sdk_config()),
            SesConfig::default(),
        ),
    )
}

async fn verify(identity: &str) {
    aws_sdk_sesv2::Client::new(&moto().sdk_config())
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
        .expect("CreateEmailIdentity");
}

async fn sent_message(id: &str) -> Value {
    let data = moto().data().await;
    data["ses"]["Message"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["id"] == id).cloned())
        .unwrap_or_else(|| panic!("moto has no SES message {id}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn delivers_simple_content_from_a_verified_identity() {
    verify("no-reply@ses-simple.test").await;
    let message = conformance::sample_email("jane@example.com", "Acme <no-reply@ses-simple.test>");
    let delivery = conformance::delivers(&ses(), &message).await;
    let sent = sent_message(&delivery.message_id).await;
    assert_eq!(sent["source"], "Acme <no-reply@ses-simple.test>");
    assert_eq!(
        sent["destinations"]["ToAddresses"],
        json!(["jane@example.com"])
    );
    assert_eq!(sent["subject"], "Your conformance code");
    // moto keeps only the HTML part when both are sent.
    assert!(
        sent["body"].as_str().unwrap().contains(SECRET_CODE),
        "{sent}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unverified_sender_is_a_configuration_error_naming_the_identity() {
    let message = conformance::sample_email("jane@example.com", "nobody@unverified.test");
    let err = ses().send(&message).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary()),
        (ErrorKind::Config, false),
        "{err}"
    );
    assert!(
        err.to_string().contains("nobody@unverified.test") && err.to_string().contains("verify"),
        "{err}"
    );
}

/// moto does not implement SES v2 templates (CreateEmailTemplate is a 404 and a
/// templated SendEmail a 500), so this checks the request we make on an HTTP server
/// that records it: SES v2 is REST-JSON, `POST /v2/email/outbound-emails`.
#[tokio::test(flavor = "multi_thread")]
async fn an_ses_template_is_requested_by_name_with_its_data() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/email/outbound-emails"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "MessageId": "ses-template-1" })),
        )
        .mount(&server)
        .await;
    let config = aws_sdk_sesv2::config::Builder::from(&moto().sdk_config())
        .endpoint_url(server.uri())
        .build();
    let sender = Provider::new(
        "ses",
        Ses::new(
            aws_sdk_sesv2::Client::from_conf(config),
            SesConfig {
                configuration_set: Some("transactional".into()),
                ..SesConfig::default()
            },
        ),
    );
    let mut message = conformance::sample_email("jane@example.com", "no-reply@acme.test");
    if let Message::Email(email) = &mut message {
        email.esp_template = Some(EspTemplate {
            ids: [("ses".to_string(), "switchboard-reset".to_string())].into(),
            variables: json!({ "code": "246813" }),
        });
    }
    let delivery = sender.send(&message).await.unwrap();
    assert_eq!(delivery.message_id, "ses-template-1");
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        body["Content"]["Template"]["TemplateName"],
        "switchboard-reset"
    );
    let data: Value = serde_json::from_str(
        body["Content"]["Template"]["TemplateData"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(data, json!({ "code": "246813" }));
    assert!(body["Content"].get("Simple").is_none(), "{body}");
    assert_eq!(body["ConfigurationSetName"], "transactional");
    assert_eq!(
        body["EmailTags"],
        json!([{ "Name": "trigger_source", "Value": "CustomEmailSender_SignUp" }])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_temporary() {
    let config = switchboard_testkit::moto::unreachable_sdk_config();
    let config = aws_sdk_sesv2::config::Builder::from(&config)
        .retry_config(aws_sdk_sesv2::config::retry::RetryConfig::disabled())
        .build();
    let sender = Provider::new(
        "ses",
        Ses::new(
            aws_sdk_sesv2::Client::from_conf(config),
            SesConfig::default(),
        ),
    );
    let err = conformance::maps_transient_failure(
        &sender,
        &conformance::sample_email("jane@example.com", "a@b.test"),
    )
    .await;
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}
