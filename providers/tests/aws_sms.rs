//! AWS End User Messaging SMS (`type = "aws-sms"`) against a recording server
//! that speaks the service's JSON protocol (moto has no such service): the
//! `X-Amz-Target`, the SigV4 signature (checked independently of the SDK), the
//! body, and every row of the error table. (`switchboard invoke` configured by
//! environment variables alone is in the root crate's `tests/cli/invoke.rs`.)

use serde_json::{json, Value};
use switchboard_providers::services::aws_sms::AwsSmsConfig;
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::{BuildContext, ErrorKind, ProviderConfig, SendError, Sender};
use switchboard_testkit::sigv4::assert_signed;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TARGET: &str = "PinpointSMSVoiceV2.SendTextMessage";
const ACCESS_KEY: &str = "AKIDSWITCHBOARDTEST";
const SECRET_KEY: &str = "switchboard-sms-test-secret";
const JSON_1_0: &str = "application/x-amz-json-1.0";

fn aws_at(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test"),
            ),
        )
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

/// Built as a cold start builds it (SDK retries off, so one send is one request).
fn provider(server: &MockServer, config: AwsSmsConfig) -> std::sync::Arc<dyn Sender> {
    provider_at(&server.uri(), config)
}

fn provider_at(endpoint: &str, config: AwsSmsConfig) -> std::sync::Arc<dyn Sender> {
    let aws = aws_at(endpoint);
    ProviderConfig::from(config)
        .build(
            "eum",
            &BuildContext {
                aws: Some(&aws),
                ..BuildContext::default()
            },
        )
        .expect("the provider builds")
}

async fn accepting(message_id: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/"))
        .and(header("x-amz-target", TARGET))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", JSON_1_0)
                .set_body_json(json!({ "MessageId": message_id })),
        )
        .mount(&server)
        .await;
    server
}

fn full_config() -> AwsSmsConfig {
    AwsSmsConfig {
        origination_identity: Some("+18005550199".into()),
        configuration_set: Some("cognito-codes".into()),
        protect_configuration_id: Some("protect-0123456789abcdef".into()),
        max_price: Some("0.25".into()),
        ..AwsSmsConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_a_signed_transactional_send_text_message() {
    let server = accepting("eum-0001").await;
    let sender = provider(&server, full_config());
    let delivery =
        conformance::delivers(&*sender, &conformance::sample_sms("+4915100000011")).await;
    assert_eq!(delivery.message_id, "eum-0001");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.headers["x-amz-target"], TARGET);
    assert_eq!(request.headers["content-type"], JSON_1_0);
    assert_signed(
        request,
        SECRET_KEY,
        "eu-west-1",
        "sms-voice",
        &["host", "x-amz-date", "x-amz-target", "content-type"],
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        body,
        json!({
            "DestinationPhoneNumber": "+4915100000011",
            "MessageBody": format!("Your code is {SECRET_CODE}"),
            "MessageType": "TRANSACTIONAL",
            "OriginationIdentity": "+18005550199",
            "ConfigurationSetName": "cognito-codes",
            "ProtectConfigurationId": "protect-0123456789abcdef",
            "MaxPrice": "0.25",
            "Context": {
                "TriggerSource": "CustomEmailSender_SignUp",
                "UserPoolId": "us-east-1_conformance"
            }
        })
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sender_id_replaces_the_origination_identity_and_unset_keys_are_not_sent() {
    let server = accepting("eum-0002").await;
    let sender = provider(&server, AwsSmsConfig::default());
    let mut message = conformance::sample_sms("+4915100000012");
    if let switchboard_providers::Message::Sms(sms) = &mut message {
        sms.sender_id = Some("AcmeClient".into());
    }
    sender.send(&message).await.unwrap();
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(body["OriginationIdentity"], "AcmeClient");
    for unset in [
        "ConfigurationSetName",
        "ProtectConfigurationId",
        "MaxPrice",
        "TimeToLive",
    ] {
        assert!(body.get(unset).is_none(), "{unset} sent unset: {body}");
    }
}

/// One answer of the service and what Switchboard must make of it.
struct Row {
    status: u16,
    body: Value,
    kind: ErrorKind,
    temporary: bool,
    names: &'static str,
}

fn row(status: u16, body: Value, kind: ErrorKind, temporary: bool, names: &'static str) -> Row {
    Row {
        status,
        body,
        kind,
        temporary,
        names,
    }
}

async fn error_for(row: &Row) -> (SendError, usize) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", TARGET))
        .respond_with(
            ResponseTemplate::new(row.status)
                .insert_header("content-type", JSON_1_0)
                .set_body_json(row.body.clone()),
        )
        .mount(&server)
        .await;
    let sender = provider(&server, full_config());
    let error = sender
        .send(&conformance::sample_sms("+4915100000013"))
        .await
        .unwrap_err();
    (error, server.received_requests().await.unwrap().len())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_row_is_classified_named_and_sent_once() {
    let rows = [
        row(
            400,
            json!({"__type": "ThrottlingException", "Message": "Rate exceeded"}),
            ErrorKind::RateLimited,
            true,
            "ThrottlingException",
        ),
        row(
            500,
            json!({"__type": "InternalServerException", "Message": "internal"}),
            ErrorKind::Unavailable,
            true,
            "InternalServerException",
        ),
        row(
            400,
            json!({"__type": "AccessDeniedException", "Message": "not authorized to perform sms-voice:SendTextMessage"}),
            ErrorKind::Auth,
            false,
            "AccessDeniedException",
        ),
        row(
            400,
            json!({"__type": "ValidationException", "Message": "invalid", "Reason": "INVALID_PARAMETER",
            "Fields": [{"Name": "DestinationPhoneNumber", "Message": "not a valid number"}]}),
            ErrorKind::Rejected,
            false,
            "INVALID_PARAMETER",
        ),
        row(
            400,
            json!({"__type": "ValidationException", "Message": "blocked", "Reason": "DESTINATION_COUNTRY_BLOCKED"}),
            ErrorKind::Rejected,
            false,
            "DESTINATION_COUNTRY_BLOCKED",
        ),
        row(
            400,
            json!({"__type": "ConflictException", "Message": "opted out", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"}),
            ErrorKind::Rejected,
            false,
            "DESTINATION_PHONE_NUMBER_OPTED_OUT",
        ),
        row(
            400,
            json!({"__type": "ConflictException", "Message": "blocked", "Reason": "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION"}),
            ErrorKind::Rejected,
            false,
            "DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION",
        ),
        // Our configuration, not the destination: another provider may still deliver.
        row(
            400,
            json!({"__type": "ValidationException", "Message": "sender id", "Reason": "SENDER_ID_NOT_REGISTERED"}),
            ErrorKind::Config,
            false,
            "SENDER_ID_NOT_REGISTERED",
        ),
        row(
            400,
            json!({"__type": "ConflictException", "Message": "inactive", "Reason": "RESOURCE_NOT_ACTIVE"}),
            ErrorKind::Config,
            false,
            "RESOURCE_NOT_ACTIVE",
        ),
        row(
            400,
            json!({"__type": "ResourceNotFoundException", "Message": "no such configuration set"}),
            ErrorKind::Config,
            false,
            "ResourceNotFoundException",
        ),
        row(
            400,
            json!({"__type": "ServiceQuotaExceededException", "Message": "spend", "Reason": "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"}),
            ErrorKind::Other,
            false,
            "MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT",
        ),
    ];
    for row in &rows {
        let (error, requests) = error_for(row).await;
        assert_eq!(
            (error.kind(), error.is_temporary()),
            (row.kind, row.temporary),
            "{} {}: {error}",
            row.status,
            row.body
        );
        assert!(
            error.detail().contains(row.names),
            "names {}: {error}",
            row.names
        );
        assert!(
            !error.to_string().contains(SECRET_CODE)
                && !error.to_string().contains("+4915100000013"),
            "no code or number in {error}"
        );
        assert_eq!(requests, 1, "the SDK's own retries are off: {}", row.names);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_temporary_and_email_is_refused() {
    let dead = format!("http://127.0.0.1:{}", switchboard_testkit::REFUSED_PORT);
    let sender = provider_at(&dead, AwsSmsConfig::default());
    let err =
        conformance::maps_transient_failure(&*sender, &conformance::sample_sms("+4915100000014"))
            .await;
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    conformance::refuses_other_channel(&*sender).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_codes_lifetime_is_its_time_to_live_within_the_apis_range() {
    let server = accepting("eum-0003").await;
    let sender = provider(&server, AwsSmsConfig::default());
    for seconds in [180, 1, 7 * 24 * 3600] {
        let mut message = conformance::sample_sms("+4915100000013");
        if let switchboard_providers::Message::Sms(sms) = &mut message {
            sms.validity = Some(std::time::Duration::from_secs(seconds));
        }
        sender.send(&message).await.unwrap();
    }
    let sent: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| {
            serde_json::from_slice::<Value>(&request.body).unwrap()["TimeToLive"].clone()
        })
        .collect();
    assert_eq!(
        sent,
        [json!(180), json!(5), json!(259_200)],
        "5 s to 72 hours"
    );
}
