//! What one warm app carries from event to event through a real HTTP provider:
//! the webhook's message id across retries and duplicates, and the circuit
//! breaker that stops a dead primary from costing every event.

use std::time::Duration;

use switchboard_testkit::hostile::{Hostile, Mode};

use crate::stand_ins::{event, healthy_backup, pipeline, service, CODE};

#[tokio::test(flavor = "multi_thread")]
async fn the_webhook_message_id_is_the_events_own_across_retries() {
    let hook = Hostile::start(vec![
        Mode::with_headers(500, &[], ""),
        Mode::with_headers(200, &[], ""),
    ]);
    let backup = healthy_backup();
    let (app, key) = pipeline(service("webhook").provider(&hook.url()), &backup, |_| {}).await;
    let first = event("CustomEmailSender_SignUp", &key, CODE).await;
    app.handle(first.clone()).await.unwrap();
    // Lambda delivers the same event again (a retry, or a duplicate invocation).
    app.handle(first).await.unwrap();
    let other = event("CustomEmailSender_SignUp", &key, CODE).await;
    app.handle(other).await.unwrap();
    let ids: Vec<String> = hook
        .received()
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["message_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids.len(),
        4,
        "a 500, its retry, the duplicate, the other event"
    );
    assert_eq!(ids[0], ids[1], "our retry carries the same id");
    assert_eq!(ids[1], ids[2], "Lambda's retry carries the same id");
    assert_ne!(
        ids[2], ids[3],
        "another event (same plaintext) has its own id"
    );
}

/// A dead primary costs one event, not every event: in one warm app its circuit
/// opens after the first event's two timeouts, the next events go straight to the
/// backup without a request to it, and after the cool-down one event probes it and
/// it is reinstated when it answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_primary_costs_one_event_then_is_probed_and_reinstated() {
    let kind = service("sendgrid");
    let primary = Hostile::start(vec![Mode::Hang, Mode::Hang, kind.accepts()]);
    let backup = healthy_backup();
    let cool_down = Duration::from_secs(2);
    let (app, key) = pipeline(kind.provider(&primary.url()), &backup, |config| {
        config.delivery.breaker.threshold = 2;
        config.delivery.breaker.cool_down_ms = cool_down.as_millis() as u64;
    })
    .await;
    // Minted first: the events within the cool-down are only delivery.
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(event(kind.source(), &key, CODE).await);
    }
    let mut events = events.into_iter();

    let first = app.handle(events.next().unwrap()).await.unwrap();
    assert_eq!(
        (first.provider.as_str(), first.failed_over),
        ("backup", true)
    );
    assert_eq!(
        primary.received().len(),
        2,
        "the first event waited out both timeouts"
    );
    for _ in 0..3 {
        assert_eq!(
            app.handle(events.next().unwrap()).await.unwrap().provider,
            "backup"
        );
    }
    assert_eq!(
        primary.received().len(),
        2,
        "skipped: nothing reached the primary"
    );
    tokio::time::sleep(cool_down).await;
    let probe = app.handle(events.next().unwrap()).await.unwrap();
    assert_eq!(
        (probe.provider.as_str(), probe.failed_over),
        ("primary", false)
    );
    assert_eq!(
        app.handle(events.next().unwrap()).await.unwrap().provider,
        "primary"
    );
    assert_eq!(primary.received().len(), 4);
    assert_eq!(backup.received().len(), 4);
}
