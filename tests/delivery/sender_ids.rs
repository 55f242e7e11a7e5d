//! Which SMS sender an SMS carries, through the real pipeline to AWS End User
//! Messaging SMS on a recording server: an app client's `sender_id` beats the
//! route's, which beats the provider's own `origination_identity`; the
//! channel-wide `[sms] sender_id` is only a default for a provider that has
//! none — it never replaces the provider's own setting.

use serde_json::Value;
use switchboard::config::{ClientConfig, RouteConfig};
use switchboard::providers::ProviderConfig;
use switchboard::testing::{provider, TestApp};
use switchboard_testkit::moto::sdk_config_at;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT: &str = "6u7c9vr3pkstoog1example2ab";

/// The `OriginationIdentity` an SMS event is sent with, given the provider
/// section and a change to the configuration.
async fn origination_of(
    section: &str,
    tune: impl FnOnce(&mut switchboard::config::Config),
) -> Option<String> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.0")
                .set_body_json(serde_json::json!({ "MessageId": "eum-1" })),
        )
        .mount(&server)
        .await;
    let eum: ProviderConfig = provider("eum", section);
    let app = TestApp::new(switchboard::testing::defaults())
        .configure(|c| {
            c.providers.insert("eum".into(), eum);
            c.sms.providers = vec!["eum".into()];
            c.sms.sender_id = Some("ChannelId".into());
            tune(c);
        })
        .aws(sdk_config_at(&server.uri()))
        .start()
        .await;
    let event = switchboard::testing::example_event("CustomSMSSender_Authentication");
    app.handle(event).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    body["OriginationIdentity"].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_channel_default_never_replaces_the_providers_own_sender() {
    let own = "type = 'aws-sms'\norigination_identity = 'pool-own'";
    assert_eq!(
        origination_of(own, |_| {}).await.as_deref(),
        Some("pool-own")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_without_a_sender_takes_the_channel_default() {
    assert_eq!(
        origination_of("type = 'aws-sms'", |_| {}).await.as_deref(),
        Some("ChannelId")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_beats_the_provider_and_a_client_beats_the_route() {
    let own = "type = 'aws-sms'\norigination_identity = 'pool-own'";
    let route = |c: &mut switchboard::config::Config| {
        c.routes.insert(
            "CustomSMSSender_Authentication".into(),
            RouteConfig {
                sender_id: Some("RouteId".into()),
                ..Default::default()
            },
        );
    };
    assert_eq!(origination_of(own, route).await.as_deref(), Some("RouteId"));
    let client = |c: &mut switchboard::config::Config| {
        route(c);
        c.clients.insert(
            CLIENT.into(),
            ClientConfig {
                sender_id: Some("ClientId".into()),
                ..Default::default()
            },
        );
    };
    assert_eq!(
        origination_of(own, client).await.as_deref(),
        Some("ClientId")
    );
}
