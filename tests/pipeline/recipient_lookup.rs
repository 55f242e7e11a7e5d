//! Account takeover events may carry no `email`: the recipient comes from Cognito
//! AdminGetUser (a local moto cognito-idp).

use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::AttributeType;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{Message, ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard_testkit::moto::moto;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/account-takeover-without-email.json"
);

async fn pool_with_user(username: &str, email: Option<&str>) -> String {
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&moto().sdk_config());
    let pool = cognito
        .create_user_pool()
        .pool_name("switchboard-tests")
        .send()
        .await
        .expect("CreateUserPool");
    let pool_id = pool
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string();
    let mut create = cognito
        .admin_create_user()
        .user_pool_id(&pool_id)
        .username(username);
    if let Some(email) = email {
        create = create.user_attributes(
            AttributeType::builder()
                .name("email")
                .value(email)
                .build()
                .unwrap(),
        );
    }
    create.send().await.expect("AdminCreateUser");
    pool_id
}

/// An app that asks Cognito (moto) for missing recipients, delivering to a
/// scripted `memory`.
async fn takeover_app() -> (Arc<ScriptedSender>, switchboard::App) {
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let app = TestApp::new(switchboard::testing::defaults())
        .configure(|c| c.cognito.lookup_missing_recipient = true)
        .sender(Arc::clone(&memory) as Arc<dyn Sender>)
        .aws(moto().sdk_config())
        .start()
        .await;
    (memory, app)
}

fn fixture_for(pool_id: &str, username: &str) -> Vec<u8> {
    let mut event: serde_json::Value =
        serde_json::from_slice(&std::fs::read(FIXTURE).unwrap()).unwrap();
    event["userPoolId"] = pool_id.into();
    event["userName"] = username.into();
    serde_json::to_vec(&event).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_takeover_event_without_email_is_sent_to_the_address_cognito_knows() {
    let pool_id = pool_with_user("mallory-target", Some("target@example.com")).await;
    let (memory, app) = takeover_app().await;
    let outcome = app
        .handle_json(&fixture_for(&pool_id, "mallory-target"))
        .await
        .unwrap();
    assert_eq!(outcome.recipient, "t***@e***.com");
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert_eq!(email.to, "target@example.com");
    assert!(
        email.text.contains("203.0.113.42"),
        "takeover details: {}",
        email.text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_without_any_email_is_a_clear_error_naming_pool_and_user() {
    let pool_id = pool_with_user("no-email-user", None).await;
    let (memory, app) = takeover_app().await;
    let err = app
        .handle_json(&fixture_for(&pool_id, "no-email-user"))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&pool_id) && err.contains("no-email-user") && err.contains("AdminGetUser"),
        "{err}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_user_is_a_lookup_error_not_a_panic() {
    let pool_id = pool_with_user("someone", Some("someone@example.com")).await;
    let (memory, app) = takeover_app().await;
    let err = app
        .handle_json(&fixture_for(&pool_id, "ghost"))
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&err, &["AdminGetUser", "ghost"]);
    assert_eq!(memory.attempts(), 0);
}
