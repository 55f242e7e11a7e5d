//! Twilio against an in-process HTTP server that records what we sent.

use base64::Engine;
use serde_json::json;
use switchboard_providers::services::twilio::{Twilio, TwilioConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::testing::status_table::{self, body, Row};
use switchboard_providers::{BuildContext, ErrorKind, Provider, SecretValue, Sender, Service};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "AC0123456789abcdef0123456789abcdef";

/// Twilio on `server`, sending from a number with the Auth Token.
fn config(server: &MockServer) -> TwilioConfig {
    TwilioConfig {
        auth_token: Some(SecretValue::new("auth-token-test")),
        from: Some("+15005550006".into()),
        base_url: server.uri(),
        ..TwilioConfig::new(SID)
    }
}

fn twilio(config: TwilioConfig) -> Provider<Twilio> {
    config.provider("texts", &BuildContext::default()).unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn accept(server: &MockServer, authorization: &str) {
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{SID}/Messages.json")))
        .and(header("authorization", authorization))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "sid": "SM0123", "status": "queued" })),
        )
        .mount(server)
        .await;
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn sends_to_body_and_from_with_the_auth_token() {
    let server = MockServer::start().await;
    accept(&server, &basic(SID, "auth-token-test")).await;
    let sender = twilio(config(&server));
    let delivery = conformance::delivers(&sender, &conformance::sample_sms("+4915112345678")).await;
    assert_eq!(delivery.message_id, "SM0123");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    let body = format!("Your code is {SECRET_CODE}");
    assert_eq!(
        form(&requests[0].body),
        owned(&[
            ("To", "+4915112345678"),
            ("Body", &body),
            ("From", "+15005550006")
        ])
    );
}

#[tokio::test]
async fn a_messaging_service_and_api_key_with_a_status_callback() {
    let server = MockServer::start().await;
    accept(&server, &basic("SK0123", "key-secret")).await;
    let sender = twilio(TwilioConfig {
        auth_token: None,
        api_key_sid: Some("SK0123".into()),
        api_key_secret: Some(SecretValue::new("key-secret")),
        from: None,
        messaging_service_sid: Some("MG0123".into()),
        status_callback: Some("https://hooks.acme.test/sms".into()),
        ..config(&server)
    });
    sender
        .send(&conformance::sample_sms("+12025550123"))
        .await
        .unwrap();
    let pairs = form(&server.received_requests().await.unwrap()[0].body);
    assert!(
        pairs.contains(&("MessagingServiceSid".into(), "MG0123".into())),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&(
            "StatusCallback".into(),
            "https://hooks.acme.test/sms".into()
        )),
        "{pairs:?}"
    );
    assert!(!pairs.iter().any(|(k, _)| k == "From"));
}

/// Twilio's table, by its error codes first (it answers 400 for most): only codes
/// about the recipient stop the chain; sender and account codes fail over.
#[tokio::test]
async fn the_error_table_uses_twilio_codes_and_statuses() {
    const ROWS: &[Row] = &[
        body(
            400,
            r#"{"code":21211,"message":"The 'To' number +12025550123 is not a valid phone number."}"#,
            ErrorKind::Rejected,
            Some("21211"),
        ),
        body(
            400,
            r#"{"code":21610,"message":"Attempt to send to unsubscribed recipient"}"#,
            ErrorKind::Rejected,
            Some("21610"),
        ),
        body(
            400,
            r#"{"code":21612,"message":"The 'To' phone number is not currently reachable via SMS"}"#,
            ErrorKind::Rejected,
            None,
        ),
        body(
            400,
            r#"{"code":21614,"message":"not a mobile number"}"#,
            ErrorKind::Rejected,
            None,
        ),
        body(
            400,
            r#"{"code":21408,"message":"Permission to send an SMS has not been enabled for the region"}"#,
            ErrorKind::Config,
            None,
        ),
        body(
            400,
            r#"{"code":21606,"message":"The From phone number is not a valid, SMS-capable inbound phone number"}"#,
            ErrorKind::Config,
            Some("21606"),
        ),
        body(
            400,
            r#"{"code":21608,"message":"The number is unverified"}"#,
            ErrorKind::Config,
            None,
        ),
        body(
            400,
            r#"{"code":21212,"message":"Invalid From Number"}"#,
            ErrorKind::Config,
            None,
        ),
        body(
            400,
            r#"{"code":99999,"message":"something new"}"#,
            ErrorKind::Other,
            Some("99999"),
        ),
        body(
            401,
            r#"{"code":20003,"message":"Authenticate"}"#,
            ErrorKind::Auth,
            None,
        ),
        body(
            400,
            r#"{"code":20003,"message":"Authenticate"}"#,
            ErrorKind::Auth,
            None,
        ),
        body(
            404,
            r#"{"code":20404,"message":"The requested resource was not found"}"#,
            ErrorKind::Config,
            None,
        ),
        Row {
            temporary: true,
            ..body(
                429,
                r#"{"code":20429,"message":"Too Many Requests"}"#,
                ErrorKind::RateLimited,
                None,
            )
        },
        Row {
            temporary: true,
            ..body(
                400,
                r#"{"code":20429,"message":"Too Many Requests"}"#,
                ErrorKind::RateLimited,
                None,
            )
        },
        Row {
            temporary: true,
            ..body(500, r#"{"message":"oops"}"#, ErrorKind::Unavailable, None)
        },
        Row {
            temporary: true,
            ..body(503, r#"{"message":"oops"}"#, ErrorKind::Unavailable, None)
        },
    ];
    status_table::check(ROWS, async |server| {
        twilio(config(server))
            .send(&conformance::sample_sms("+12025550123"))
            .await
            .unwrap_err()
    })
    .await;
    // The recipient's number in Twilio's message is masked.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"code": 21211, "message": "The 'To' number +12025550123 is not a valid phone number."})))
        .mount(&server)
        .await;
    let err = twilio(config(&server))
        .send(&conformance::sample_sms("+12025550123"))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("2025550123"), "{err}");
}

#[tokio::test]
async fn conformance_transient_failure_and_channel() {
    let server = switchboard_testkit::answering(503).await;
    let sender = twilio(config(&server));
    conformance::maps_transient_failure(&sender, &conformance::sample_sms("+12025550123")).await;
    conformance::refuses_other_channel(&sender).await;
}

#[tokio::test]
async fn a_malformed_account_sid_is_a_config_error() {
    let err = TwilioConfig {
        account_sid: "not-a-sid".into(),
        base_url: "https://api.twilio.com".into(),
        ..config(&MockServer::start().await)
    }
    .provider("texts", &BuildContext::default())
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn debug_output_hides_the_token() {
    let sender = twilio(TwilioConfig {
        base_url: "https://api.dublin.ie1.twilio.com".into(),
        ..config(&MockServer::start().await)
    });
    let debug = format!("{sender:?}");
    assert!(
        !debug.contains("auth-token-test") && debug.contains("api.dublin.ie1.twilio.com"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_codes_lifetime_is_its_validity_period_within_twilios_range() {
    let server = MockServer::start().await;
    accept(&server, &basic(SID, "auth-token-test")).await;
    let sender = twilio(config(&server));
    for seconds in [180, 7 * 24 * 3600] {
        let mut message = conformance::sample_sms("+4915112345678");
        if let switchboard_providers::Message::Sms(sms) = &mut message {
            sms.validity = Some(std::time::Duration::from_secs(seconds));
        }
        sender.send(&message).await.unwrap();
    }
    let periods: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| {
            form(&request.body)
                .into_iter()
                .find(|(key, _)| key == "ValidityPeriod")
                .map(|(_, value)| value)
        })
        .collect();
    assert_eq!(
        periods,
        [Some("180".to_string()), Some("36000".to_string())],
        "a week is cut to Twilio's 10 hours"
    );
}
