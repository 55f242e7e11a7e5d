//! The DynamoDB duplicate guard against a local moto server: duplicates of a
//! delivered event are not sent again, concurrent duplicates deliver once, a failed
//! send releases the claim, a crash between send and mark is recovered after the lock.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard::cognito::event::CustomSenderEvent;
use switchboard::cognito::mint::CodeMinter;
use switchboard::pipeline::guards::idempotency::{key_for, Claim, IdempotencyGuard};
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ErrorKind, ScriptedSender, Sender, Step};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError, OutcomeStatus};
use switchboard_testkit::moto::moto;

async fn table() -> String {
    moto().create_idempotency_table().await
}

/// An app on a fresh table that delivers when the table fails, its lock 60 s.
async fn delivering_app(sender: Arc<dyn Sender>) -> App {
    let table = Some(table().await);
    let lock = Duration::from_secs(60);
    app(
        table,
        sender,
        lock,
        OnStoreError::Deliver,
        moto().sdk_config(),
    )
    .await
}

/// What `app` answers for `event`.
async fn status(app: &App, event: CustomSenderEvent) -> OutcomeStatus {
    app.handle(event).await.unwrap().status
}

async fn app(
    table: Option<String>,
    sender: Arc<dyn Sender>,
    lock: Duration,
    on_store_error: OnStoreError,
    aws: aws_config::SdkConfig,
) -> App {
    TestApp::new(switchboard::testing::defaults())
        .configure(|config| {
            config.idempotency.table = table;
            config.idempotency.lock_timeout_ms = lock.as_millis() as u64;
            config.idempotency.on_store_error = on_store_error;
            config.delivery.max_attempts = 1;
        })
        .sender(sender)
        .aws(aws)
        .start()
        .await
}

async fn event() -> switchboard::cognito::event::CustomSenderEvent {
    let mut event = switchboard::testing::example_event("CustomEmailSender_SignUp");
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    event.request.code = Some(minter.mint("135790", &event.user_pool_id).await.unwrap());
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_of_a_delivered_event_is_not_sent_again() {
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let app = delivering_app(memory.clone()).await;
    let event = event().await;
    let first = app.handle(event.clone()).await.unwrap();
    let second = app.handle(event).await.unwrap();
    assert_eq!(first.status, OutcomeStatus::Delivered);
    assert_eq!(second.status, OutcomeStatus::Duplicate);
    assert_eq!(
        second.message_id, first.message_id,
        "the duplicate reports the original message id"
    );
    assert_eq!(memory.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_invocations_deliver_exactly_once() {
    // Delivers after a pause: long enough for a concurrent duplicate.
    let slow = Arc::new(ScriptedSender::always(
        "slow",
        BOTH_CHANNELS,
        Step::DeliverAfter(Duration::from_millis(300)),
    ));
    let app = Arc::new(delivering_app(slow.clone()).await);
    let event = event().await;
    let (a, b) = tokio::join!(app.handle(event.clone()), app.handle(event.clone()));
    let results = [a, b];
    assert_eq!(slow.accepted().len(), 1, "exactly one delivery");
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(HandleError::InProgress))),
        "the other is told to retry later"
    );
    // Lambda's retry of the loser finds the event delivered.
    assert_eq!(status(&app, event).await, OutcomeStatus::Duplicate);
    assert_eq!(slow.accepted().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_send_releases_the_claim_so_the_retry_sends() {
    let flaky = Arc::new(ScriptedSender::failing(
        "flaky",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        1,
    ));
    let app = delivering_app(flaky.clone()).await;
    let event = event().await;
    assert!(app.handle(event.clone()).await.is_err());
    assert_eq!(status(&app, event).await, OutcomeStatus::Delivered);
    assert_eq!(flaky.accepted().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_send_and_mark_is_retried_after_the_lock_expires() {
    let table = table().await;
    let event = event().await;
    // What a crashed invocation leaves behind: a claim, never completed, whose lock expired.
    let ddb = aws_sdk_dynamodb::Client::new(&moto().sdk_config());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    ddb.put_item()
        .table_name(&table)
        .item("id", AttributeValue::S(key_for(&event).unwrap()))
        .item("status", AttributeValue::S("IN_PROGRESS".into()))
        .item("expires_at", AttributeValue::N((now - 5).to_string()))
        .send()
        .await
        .unwrap();
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let app = app(
        Some(table.clone()),
        memory.clone(),
        Duration::from_secs(60),
        OnStoreError::Deliver,
        moto().sdk_config(),
    )
    .await;
    assert_eq!(status(&app, event.clone()).await, OutcomeStatus::Delivered);
    // A lock that has not expired blocks instead.
    ddb.put_item()
        .table_name(&table)
        .item("id", AttributeValue::S(key_for(&event).unwrap()))
        .item("status", AttributeValue::S("IN_PROGRESS".into()))
        .item("expires_at", AttributeValue::N((now + 600).to_string()))
        .send()
        .await
        .unwrap();
    assert!(matches!(
        app.handle(event).await,
        Err(HandleError::InProgress)
    ));
    assert_eq!(memory.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn when_dynamodb_is_down_the_policy_decides() {
    let unreachable = switchboard_testkit::moto::unreachable_sdk_config();
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let open = app(
        Some("any".into()),
        memory.clone(),
        Duration::from_secs(60),
        OnStoreError::Deliver,
        unreachable.clone(),
    )
    .await;
    assert_eq!(
        open.handle(event().await).await.unwrap().status,
        OutcomeStatus::Delivered
    );
    let closed = app(
        Some("any".into()),
        memory.clone(),
        Duration::from_secs(60),
        OnStoreError::Fail,
        unreachable,
    )
    .await;
    let err = closed.handle(event().await).await.unwrap_err();
    assert!(matches!(err, HandleError::Idempotency(_)), "{err}");
    assert_eq!(memory.attempts(), 1, "fail closed sends nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_event_has_one_key_and_every_other_event_its_own() {
    let event = event().await;
    let key = key_for(&event).unwrap();
    assert_eq!(key.len(), 64);
    assert_eq!(
        key_for(&event.clone()).unwrap(),
        key,
        "a retry of the event"
    );
    // Cognito encrypts every code with a fresh data key: the same plaintext for the
    // same user is another event with another key.
    let again = self::event().await;
    assert_eq!(again.user_name, event.user_name);
    assert_ne!(key_for(&again).unwrap(), key);
    let mut other_user = event.clone();
    other_user.user_name = "someone-else".into();
    assert_ne!(key_for(&other_user).unwrap(), key);
}

/// A guard on a fresh table whose lock lasts 1 s, with a client on that table.
async fn guard_with_a_one_second_lock() -> (IdempotencyGuard, aws_sdk_dynamodb::Client, String) {
    let table = table().await;
    let ddb = aws_sdk_dynamodb::Client::new(&moto().sdk_config());
    let guard = IdempotencyGuard::new(
        ddb.clone(),
        table.clone(),
        Duration::from_secs(1),
        Duration::from_secs(3600),
        OnStoreError::Fail,
    );
    (guard, ddb, table)
}

/// An invocation whose lock expired must not delete or complete the newer claim
/// that took over: release and complete are conditional on the owner.
#[tokio::test(flavor = "multi_thread")]
async fn a_stale_owner_cannot_release_or_complete_the_newer_claim() {
    let (guard, _, table) = guard_with_a_one_second_lock().await;
    let key = key_for(&event().await).unwrap();
    let Claim::Proceed(stale) = guard.claim(&key, Duration::ZERO, None).await.unwrap() else {
        panic!("the first claim proceeds")
    };
    // The lock (1 s, rounded up to whole seconds, plus one) runs out.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let Claim::Proceed(newer) = guard.claim(&key, Duration::ZERO, None).await.unwrap() else {
        panic!("an expired claim can be taken over")
    };
    guard.release(&stale, None).await;
    guard.complete(&stale, "stale", "stale-id", None).await;
    let now = moto()
        .item(&table, &key)
        .await
        .expect("the newer claim is still there");
    assert_eq!(now["status"].as_s().unwrap(), "IN_PROGRESS", "{now:?}");
    assert!(
        !now.contains_key("message_id"),
        "not completed by the stale owner"
    );
    guard.complete(&newer, "primary", "m-1", None).await;
    let now = moto().item(&table, &key).await.expect("the claim is there");
    assert_eq!(now["message_id"].as_s().unwrap(), "m-1");
}

/// The lock lasts at least as long as the invocation may still run.
#[tokio::test(flavor = "multi_thread")]
async fn the_lock_covers_the_invocations_remaining_time() {
    let (guard, ddb, table) = guard_with_a_one_second_lock().await;
    let key = key_for(&event().await).unwrap();
    assert!(matches!(
        guard
            .claim(&key, Duration::from_secs(600), None)
            .await
            .unwrap(),
        Claim::Proceed(_)
    ));
    let item = ddb
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S(key))
        .send()
        .await
        .unwrap();
    let expires: u64 = item.item().unwrap()["expires_at"]
        .as_n()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires >= now + 599, "expires in {} s", expires - now);
}
