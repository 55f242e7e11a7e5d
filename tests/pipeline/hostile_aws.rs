//! Hostile AWS behind the real pipeline: KMS, DynamoDB and Cognito on moto,
//! reached through `switchboard_testkit::aws_proxy`, which lets moto apply a
//! write and then answers too late or drops the connection (so the SDK repeats
//! a write that already happened), throttles, fails or hangs. For every fault:
//! the message is delivered exactly once, or the invocation fails so that
//! Lambda retries it — never a silent drop, never an event locked out by its
//! own earlier attempt, never an SMS counted twice — and the answer comes
//! before the deadline, with no code in any error.

use crate::aws_world::*;
use std::time::{Duration, Instant};
use switchboard::pipeline::guards::idempotency::key_for;
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ErrorKind, ScriptedSender};
use switchboard::{HandleError, OutcomeStatus};
use switchboard_testkit::aws_proxy::Fault;

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
        assert_eq!(status(&app, second).await, OutcomeStatus::Limited);
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
        BOTH_CHANNELS,
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
    assert_eq!(status(&app, event).await, OutcomeStatus::Delivered);
    let next = world
        .event("CustomSMSSender_Authentication", "give-back-next")
        .await;
    assert_eq!(status(&app, next).await, OutcomeStatus::Limited);
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
                true => ScriptedSender::failing("memory", BOTH_CHANNELS, ErrorKind::Unavailable, 1),
                false => ScriptedSender::new("memory", BOTH_CHANNELS),
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
