//! Hostile AWS behind the real pipeline: KMS, DynamoDB and Cognito on moto,
//! reached through `switchboard_testkit::aws_proxy`, which lets moto apply a
//! write and then answers too late or drops the connection (so the SDK repeats
//! a write that already happened), throttles, fails or hangs. For every fault:
//! the message is delivered exactly once, or the invocation fails so that
//! Lambda retries it — never a silent drop, never an event locked out by its
//! own earlier attempt, never an SMS counted twice — and the answer comes
//! before the deadline, with no code in any error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use switchboard::cognito::event::CustomSenderEvent;
use switchboard::cognito::mint::CodeMinter;
use switchboard::pipeline::guards::idempotency::key_for;
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::{Channel, ErrorKind, ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError, OutcomeStatus};
use switchboard_testkit::aws_proxy::{AwsProxy, Fault};
use switchboard_testkit::moto::{moto, sdk_config_at};

const PUT: &str = "DynamoDB_20120810.PutItem";
const UPDATE: &str = "DynamoDB_20120810.UpdateItem";
const DELETE: &str = "DynamoDB_20120810.DeleteItem";
const DECRYPT: &str = "TrentService.Decrypt";
const ADMIN_GET_USER: &str = "AWSCognitoIdentityProviderService.AdminGetUser";
/// Past the DynamoDB client's 1 s attempt timeout (`src/aws.rs`).
const LATE: Duration = Duration::from_millis(1600);
/// Past the KMS client's 2 s attempt timeout.
const LATE_FOR_KMS: Duration = Duration::from_millis(2600);
const CODE: &str = "604817";

/// One test's world: a proxy in front of moto, a KMS key, a table, a sender.
struct World {
    proxy: AwsProxy,
    key: String,
    table: String,
    sender: Arc<ScriptedSender>,
}

impl World {
    async fn new(sender: ScriptedSender) -> World {
        World {
            proxy: AwsProxy::start(&moto().endpoint),
            key: moto().create_kms_key().await,
            table: moto().create_idempotency_table().await,
            sender: Arc::new(sender),
        }
    }

    async fn healthy() -> World {
        World::new(ScriptedSender::new(
            "memory",
            &[Channel::Email, Channel::Sms],
        ))
        .await
    }

    /// The app: KMS, the idempotency table and (with `per_number`) the SMS
    /// limits counting in it, all through the proxy.
    async fn app(&self, per_number: u32, on_store_error: OnStoreError) -> App {
        let (key, table) = (self.key.clone(), self.table.clone());
        TestApp::new(switchboard::testing::defaults())
            .configure(move |c| {
                c.decrypt.key_arn = Some(key);
                c.idempotency.table = Some(table);
                c.idempotency.on_store_error = on_store_error;
                c.sms.limits.per_number = per_number;
                c.delivery.max_attempts = 1;
            })
            .sender(Arc::clone(&self.sender) as Arc<dyn Sender>)
            .aws(sdk_config_at(&self.proxy.url()))
            .as_configured()
            .start()
            .await
    }

    /// An event of `trigger` with a code Cognito would send, minted on moto
    /// directly (not through the proxy), for a user of its own.
    async fn event(&self, trigger: &str, user: &str) -> CustomSenderEvent {
        let mut event = switchboard::testing::example_event(trigger);
        event.user_name = user.to_string();
        let minter = CodeMinter::kms(&self.key.parse().unwrap(), moto().kms())
            .await
            .unwrap();
        event.request.code = Some(minter.mint(CODE, &event.user_pool_id).await.unwrap());
        event
    }

    /// The item `key` of the table, read on moto directly.
    async fn item(&self, key: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        aws_sdk_dynamodb::Client::new(&moto().sdk_config())
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(key.to_string()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item()
            .cloned()
    }

    /// The SMS counts of every item of the table, read on moto directly.
    async fn sms_counts(&self) -> Vec<u64> {
        aws_sdk_dynamodb::Client::new(&moto().sdk_config())
            .scan()
            .table_name(&self.table)
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .filter(|item| {
                item["id"]
                    .as_s()
                    .is_ok_and(|id| id.starts_with("sms-limit#"))
            })
            .map(|item| item["count"].as_n().unwrap().parse().unwrap())
            .collect()
    }
}

fn status_of(item: &std::collections::HashMap<String, AttributeValue>) -> &str {
    item["status"].as_s().unwrap()
}

/// Defect: the SDK repeated a claim that had been applied; the repeat failed
/// its condition on our own item and the event was reported "in progress" and
/// never sent.
#[tokio::test(flavor = "multi_thread")]
async fn a_claim_applied_but_answered_late_or_dropped_is_our_own() {
    for fault in [Fault::LateAfterApply(LATE), Fault::DropAfterApply] {
        let world = World::healthy().await;
        world.proxy.fail(PUT, vec![fault.clone()]);
        let app = world.app(0, OnStoreError::Fail).await;
        let event = world
            .event("CustomEmailSender_ForgotPassword", "late-claim")
            .await;
        let outcome = app
            .handle(event.clone())
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(outcome.status, OutcomeStatus::Delivered, "{fault:?}");
        assert_eq!(world.sender.accepted().len(), 1, "{fault:?}: sent once");
        assert_eq!(
            world.proxy.calls(PUT).len(),
            2,
            "{fault:?}: the SDK repeated the put"
        );
        let item = world.item(&key_for(&event).unwrap()).await.unwrap();
        assert_eq!(status_of(&item), "COMPLETED", "{fault:?}");
        // Lambda's retry of the same event finds it delivered.
        let retry = app.handle(event).await.unwrap();
        assert_eq!(retry.status, OutcomeStatus::Duplicate, "{fault:?}");
        assert_eq!(world.sender.accepted().len(), 1, "{fault:?}");
    }
}

/// Defect: with `per_number = 1`, the first SMS ever sent to a number came back
/// `limited` — the repeated increment failed because the first one counted.
#[tokio::test(flavor = "multi_thread")]
async fn an_sms_count_applied_but_answered_late_counts_once_and_sends() {
    for fault in [Fault::LateAfterApply(LATE), Fault::DropAfterApply] {
        let world = World::healthy().await;
        world
            .proxy
            .fail_matching(UPDATE, "sms-limit#number", vec![fault.clone()]);
        let app = world.app(1, OnStoreError::Fail).await;
        let first = world
            .event("CustomSMSSender_Authentication", "first-sms")
            .await;
        let outcome = app
            .handle(first)
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(outcome.status, OutcomeStatus::Delivered, "{fault:?}");
        assert_eq!(world.sms_counts().await, [1], "{fault:?}: counted once");
        // The next message to the number is over the limit: the count held.
        let second = world
            .event("CustomSMSSender_Authentication", "second-sms")
            .await;
        assert_eq!(
            app.handle(second).await.unwrap().status,
            OutcomeStatus::Limited
        );
        assert_eq!(world.sender.accepted().len(), 1, "{fault:?}");
    }
}

/// A give-back applied but answered late is not subtracted again: Lambda's
/// retry of the failed event counts it once more, and the number's next
/// message meets the limit.
#[tokio::test(flavor = "multi_thread")]
async fn a_give_back_answered_late_subtracts_once() {
    let world = World::new(ScriptedSender::failing(
        "memory",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Unavailable,
        1,
    ))
    .await;
    world
        .proxy
        .fail_matching(UPDATE, "#count - :one", vec![Fault::LateAfterApply(LATE)]);
    let app = world.app(1, OnStoreError::Fail).await;
    let event = world
        .event("CustomSMSSender_Authentication", "give-back")
        .await;
    assert!(matches!(
        app.handle(event.clone()).await,
        Err(HandleError::Send(_))
    ));
    assert_eq!(
        world.proxy.calls(UPDATE).len(),
        3,
        "take, give back, its repeat"
    );
    assert_eq!(world.sms_counts().await, [0], "given back once");
    assert_eq!(
        app.handle(event).await.unwrap().status,
        OutcomeStatus::Delivered
    );
    let next = world
        .event("CustomSMSSender_Authentication", "give-back-next")
        .await;
    assert_eq!(
        app.handle(next).await.unwrap().status,
        OutcomeStatus::Limited
    );
    assert_eq!(world.sms_counts().await, [1]);
}

/// Every DynamoDB fault on every write of the event: delivered exactly once, or
/// an invocation error whose Lambda retry delivers it — never a self-lock,
/// never a second SMS count.
#[tokio::test(flavor = "multi_thread")]
async fn every_dynamodb_fault_on_every_write_delivers_once_or_fails_for_a_retry() {
    let faults = [
        Fault::THROTTLED,
        Fault::THROUGHPUT_EXCEEDED,
        Fault::INTERNAL,
        Fault::UNAVAILABLE,
        Fault::DropAfterApply,
        Fault::LateAfterApply(LATE),
    ];
    // (the call, a text its body carries, whether the send fails first)
    let writes = [
        (PUT, "IN_PROGRESS", false),
        (UPDATE, "sms-limit#number", false),
        (UPDATE, ":completed", false),
        (UPDATE, "#count - :one", true),
        (DELETE, "attribute_not_exists(id) OR", true),
    ];
    for (call, body, send_fails) in writes {
        for fault in faults.clone() {
            let case = format!("{call} ({body}) meeting {fault:?}");
            let sender = match send_fails {
                true => ScriptedSender::failing(
                    "memory",
                    &[Channel::Email, Channel::Sms],
                    ErrorKind::Unavailable,
                    1,
                ),
                false => ScriptedSender::new("memory", &[Channel::Email, Channel::Sms]),
            };
            let world = World::new(sender).await;
            world.proxy.fail_matching(call, body, vec![fault.clone()]);
            let app = world.app(5, OnStoreError::Fail).await;
            let event = world
                .event("CustomSMSSender_Authentication", "matrix")
                .await;
            let started = Instant::now();
            let first = app.handle(event.clone()).await;
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{case}: in time"
            );
            if let Err(error) = &first {
                assert!(!error.to_string().contains(CODE), "{case}: {error}");
                assert!(
                    !matches!(error, HandleError::InProgress),
                    "{case}: locked out by its own attempt"
                );
            }
            // Lambda retries a failed invocation; a delivered one is a duplicate.
            let retry = app
                .handle(event)
                .await
                .unwrap_or_else(|e| panic!("{case}: the retry must deliver: {e}"));
            let expected = match (&first, send_fails) {
                (Ok(_), _) => OutcomeStatus::Duplicate,
                (Err(_), _) => OutcomeStatus::Delivered,
            };
            assert_eq!(retry.status, expected, "{case}: first {first:?}");
            assert_eq!(world.sender.accepted().len(), 1, "{case}: delivered once");
            assert_eq!(world.sms_counts().await, [1], "{case}: counted once");
        }
    }
}

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
