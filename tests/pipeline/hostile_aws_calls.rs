//! Hostile AWS reads and calls behind the real pipeline: a DynamoDB, KMS or
//! Cognito that answers late, fails, hangs or throttles. The SDK retries what is
//! harmless to repeat; anything else is a temporary invocation error that comes
//! before the deadline, and a throttled country shard is skipped with every SMS
//! still counted.

use crate::aws_world::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::pipeline::guards::idempotency::key_for;
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::Sender;
use switchboard::testing::TestApp;
use switchboard::OutcomeStatus;
use switchboard_testkit::aws_proxy::Fault;
use switchboard_testkit::moto::sdk_config_at;

/// A DynamoDB that never answers: the claim gives up by the client's operation
/// timeout, or earlier by the event's deadline; then the policy decides —
/// an invocation error under `on_store_error = "fail"`, a delivery under
/// "deliver" when time is left to send.
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_dynamodb_ends_by_the_deadline() {
    let cases = [
        (OnStoreError::Fail, 1000, false),
        (OnStoreError::Deliver, 4000, true),
        (OnStoreError::Deliver, 1000, false),
    ];
    for (policy, deadline_ms, delivered) in cases {
        let case = format!("{policy:?} with {deadline_ms} ms");
        let world = World::healthy().await;
        world.proxy.always(PUT, None, Fault::Hang);
        let app = world.app(0, policy).await;
        let event = world.event("CustomEmailSender_SignUp", "hang").await;
        let started = Instant::now();
        let deadline = started + Duration::from_millis(deadline_ms);
        let result = app.handle_until(event, Some(deadline)).await;
        let ended = Instant::now();
        assert!(
            ended < deadline + Duration::from_millis(300),
            "{case}: late"
        );
        assert!(
            ended < started + Duration::from_millis(2500),
            "{case}: the 2 s operation timeout bounds the claim"
        );
        assert_eq!(result.is_ok(), delivered, "{case}: {result:?}");
        assert_eq!(
            world.sender.accepted().len(),
            usize::from(delivered),
            "{case}"
        );
    }
}

/// KMS answering late is retried by the SDK (decrypting twice is harmless);
/// failing or hanging is a temporary invocation error before the deadline.
#[tokio::test(flavor = "multi_thread")]
async fn kms_late_is_retried_and_failing_or_hanging_kms_fails_in_time() {
    let world = World::healthy().await;
    world
        .proxy
        .fail(DECRYPT, vec![Fault::LateAfterApply(LATE_FOR_KMS)]);
    let app = world.app(0, OnStoreError::Fail).await;
    let event = world.event("CustomEmailSender_SignUp", "kms-late").await;
    assert_eq!(
        app.handle(event).await.unwrap().status,
        OutcomeStatus::Delivered
    );

    for fault in [Fault::INTERNAL, Fault::Hang] {
        let world = World::healthy().await;
        world.proxy.always(DECRYPT, None, fault.clone());
        let app = world.app(0, OnStoreError::Fail).await;
        let event = world.event("CustomEmailSender_SignUp", "kms-down").await;
        let deadline = Instant::now() + Duration::from_millis(2500);
        let error = app
            .handle_until(event.clone(), Some(deadline))
            .await
            .unwrap_err();
        assert!(
            Instant::now() < deadline + Duration::from_millis(300),
            "{fault:?}: late"
        );
        assert_eq!(error.class(), "DecryptFailed", "{fault:?}: {error}");
        assert!(world.sender.accepted().is_empty());
        // The claim was released: Lambda's retry, with KMS back, delivers.
        let item = world.item(&key_for(&event).unwrap()).await;
        assert!(item.is_none(), "{fault:?}: released, not locked: {item:?}");
    }
}

/// Cognito's AdminGetUser failing or hanging (an event without its recipient)
/// is an invocation error before the deadline, naming the look-up.
#[tokio::test(flavor = "multi_thread")]
async fn a_failing_or_hanging_cognito_fails_the_event_in_time() {
    for fault in [Fault::INTERNAL, Fault::Hang] {
        let world = World::healthy().await;
        world.proxy.always(ADMIN_GET_USER, None, fault.clone());
        let (key, table) = (world.key.clone(), world.table.clone());
        let app = TestApp::new(switchboard::testing::defaults())
            .configure(move |c| {
                c.decrypt.key_arn = Some(key);
                c.idempotency.table = Some(table);
                c.cognito.lookup_missing_recipient = true;
            })
            .sender(Arc::clone(&world.sender) as Arc<dyn Sender>)
            .aws(sdk_config_at(&world.proxy.url()))
            .as_configured()
            .start()
            .await;
        let mut event = world.event("CustomEmailSender_SignUp", "no-email").await;
        event.request.user_attributes.remove("email");
        let deadline = Instant::now() + Duration::from_millis(2500);
        let error = app.handle_until(event, Some(deadline)).await.unwrap_err();
        assert!(
            Instant::now() < deadline + Duration::from_millis(300),
            "{fault:?}: late"
        );
        assert_eq!(error.class(), "NoRecipient", "{fault:?}: {error}");
        assert!(error.to_string().contains("AdminGetUser"), "{error}");
        assert!(world.sender.accepted().is_empty());
    }
}

/// The key endings of the shards the next test's DynamoDB always throttles.
const HOT_SHARDS: [&str; 3] = ["#0\"}", "#1\"}", "#2\"}"];

/// A busy calling code is not one hot item: with a country's count split over
/// shards, a shard DynamoDB throttles is skipped and the message is counted in
/// another — under `on_store_error = "deliver"` nothing goes out uncounted.
#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_country_shard_is_skipped_and_every_sms_is_counted() {
    let world = World::healthy().await;
    // Shards 0, 1 and 2 of every country are hot: always throttled. An event
    // starts at the shard its (random) code picks, so events are sent until
    // one has met a hot shard — at least 6, at most 40 (all 40 starting at
    // the one cool shard has odds of 4^-40).
    for shard in HOT_SHARDS {
        world
            .proxy
            .always(UPDATE, Some(shard), Fault::THROUGHPUT_EXCEEDED);
    }
    let (key, table) = (world.key.clone(), world.table.clone());
    let app = TestApp::new(switchboard::testing::defaults())
        .configure(move |c| {
            c.decrypt.key_arn = Some(key);
            c.idempotency.table = Some(table);
            c.idempotency.on_store_error = OnStoreError::Deliver;
            c.sms.limits.per_country = [("default".to_string(), 400)].into();
            c.sms.limits.country_shards = 4;
            c.sms.limits.window_seconds = switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON;
        })
        .sender(Arc::clone(&world.sender) as Arc<dyn Sender>)
        .aws(sdk_config_at(&world.proxy.url()))
        .as_configured()
        .start()
        .await;
    let met_a_hot_shard = || {
        world
            .proxy
            .calls(UPDATE)
            .iter()
            .any(|c| HOT_SHARDS.iter().any(|hot| c.text().contains(hot)))
    };
    let mut sent = 0u64;
    while sent < 6 || (sent < 40 && !met_a_hot_shard()) {
        let mut event = world
            .event("CustomSMSSender_Authentication", &format!("hot-{sent}"))
            .await;
        event
            .request
            .user_attributes
            .insert("phone_number".into(), format!("+49151000002{sent:02}"));
        assert_eq!(
            app.handle(event).await.unwrap().status,
            OutcomeStatus::Delivered
        );
        sent += 1;
    }
    assert!(met_a_hot_shard(), "no event of {sent} met a hot shard");
    let counts = world.sms_counts().await;
    assert_eq!(
        counts.iter().sum::<u64>(),
        sent,
        "every SMS counted: {counts:?}"
    );
}
