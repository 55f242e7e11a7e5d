//! Receipts arrive late, twice and out of order: the trail only moves forward,
//! a receipt sent again writes nothing new and counts once.

use crate::harness::{assert_all_ok, environment, event_id, metric_lines, run_receipts, trail};
use serde_json::{json, Value};

use crate::providers::{all, every_env, Signing};

#[tokio::test(flavor = "multi_thread")]
async fn a_late_deferred_never_undoes_a_delivery_and_a_duplicate_counts_once() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    let now = crate::harness::now_secs() * 1000;
    let mut events = Vec::new();
    for provider in &providers {
        let id = event_id(&format!("order-{}", provider.name));
        let delivered = (provider.receipt)(&id, "delivered", now, Signing::Right);
        events.push(delivered.clone());
        // The provider sends it again (it did not take our first answer).
        events.push(delivered);
        if provider.name != "tw" {
            // A deferral reported after the delivery.
            events.push((provider.receipt)(&id, "deferred", now, Signing::Right));
        }
    }
    let (results, printed) = run_receipts(&events, &env);
    assert_all_ok(&results, &printed);
    let metrics = metric_lines(&printed);
    for provider in &providers {
        let id = event_id(&format!("order-{}", provider.name));
        let item = trail(&table, &id, provider.name).await.unwrap();
        assert_eq!(item["status"], "delivered", "{}: {item:?}", provider.name);
        let counted = |m: &&Value| m["Provider"] == provider.name && m["Delivered"] == 1;
        let delivered = metrics.iter().filter(counted).count();
        assert_eq!(delivered, 1, "{}: counted once\n{printed}", provider.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_after_a_deferral_moves_the_trail_and_a_complaint_follows_it() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    let now = crate::harness::now_secs() * 1000;
    let email: Vec<_> = providers.iter().filter(|p| p.channel == "email").collect();
    let mut events = Vec::new();
    for provider in &email {
        let id = event_id(&format!("forward-{}", provider.name));
        for status in ["deferred", "delivered", "complained"] {
            events.push((provider.receipt)(&id, status, now, Signing::Right));
        }
    }
    let (results, printed) = run_receipts(&events, &env);
    assert_all_ok(&results, &printed);
    for provider in &email {
        let id = event_id(&format!("forward-{}", provider.name));
        let item = trail(&table, &id, provider.name).await.unwrap();
        assert_eq!(item["status"], "complained", "{}: {item:?}", provider.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_receipt_sent_again_after_another_changes_nothing_even_without_a_provider_time() {
    // Twilio gives no time: each receipt's is its arrival. A status sent again
    // after a later one must not take the trail back.
    let providers = all();
    let twilio = providers.iter().find(|p| p.name == "tw").unwrap();
    let (env, table) = environment(twilio.env.clone()).await;
    let id = event_id("resent-twilio");
    let failed = (twilio.receipt)(&id, "failed", 1, Signing::Right);
    let undelivered = (twilio.receipt)(&id, "undelivered", 1, Signing::Right);
    let (results, printed) = run_receipts(&[failed.clone(), undelivered, failed], &env);
    assert_all_ok(&results, &printed);
    let item = trail(&table, &id, "tw").await.unwrap();
    assert_eq!(item["status"], "undelivered", "{item:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mailgun_signature_pasted_over_another_event_stores_nothing() {
    // Mailgun signs its timestamp and token, not the event: whoever saw one
    // signed request could paste another event under its signature.
    let providers = all();
    let mailgun = providers.iter().find(|p| p.name == "mg").unwrap();
    let (env, table) = environment(mailgun.env.clone()).await;
    let (ours, pasted) = (event_id("mailgun-signed"), event_id("mailgun-pasted"));
    let genuine = (mailgun.receipt)(&ours, "delivered", 1, Signing::Right);
    let mut replayed = genuine.clone();
    replayed["body"] = json!(genuine["body"].as_str().unwrap().replace(&ours, &pasted));
    let (results, printed) = run_receipts(&[genuine, replayed], &env);
    assert_all_ok(&results, &printed);
    assert!(trail(&table, &ours, "mg").await.is_some());
    assert_eq!(trail(&table, &pasted, "mg").await, None, "{printed}");
}
