//! A receipt of each provider, in its format and signed by its own code, is
//! stored in the status trail with its metric line.

use crate::harness::{answers, environment, event_id, metric_lines, run_receipts, trail};
use crate::providers::{all, every_env, Signing};

fn now_ms() -> u64 {
    crate::harness::now_secs() * 1000
}

#[tokio::test(flavor = "multi_thread")]
async fn each_providers_signed_receipt_is_stored_in_the_trail_with_its_metric() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    let sent_at = now_ms() - 4_000;
    let events: Vec<_> = providers
        .iter()
        .map(|p| (p.receipt)(&event_id(p.name), "delivered", sent_at, Signing::Right))
        .collect();
    let (results, printed) = run_receipts(&events, &env);
    for (provider, (status, body)) in providers.iter().zip(answers(&results, &printed)) {
        assert_eq!(status, 200, "{}: {body}\n{printed}", provider.name);
    }
    let metrics = metric_lines(&printed);
    for provider in &providers {
        let item = trail(&table, &event_id(provider.name), provider.name)
            .await
            .unwrap_or_else(|| panic!("{}: nothing stored\n{printed}", provider.name));
        assert_eq!(item["status"], "delivered", "{}: {item:?}", provider.name);
        assert_eq!(item["channel"], provider.channel, "{}", provider.name);
        assert_eq!(item["sent_at"], sent_at.to_string(), "{}", provider.name);
        // The recipient, read where the provider's format puts it, kept only as its key.
        let recipient = item
            .get("recipient")
            .map(String::as_str)
            .unwrap_or_default();
        assert!(
            recipient.starts_with(&format!("{}#", provider.channel)) && recipient.len() > 60,
            "{}: recipient key {recipient:?}",
            provider.name
        );
        let line = metrics
            .iter()
            .find(|m| m["Provider"] == provider.name)
            .unwrap_or_else(|| panic!("{}: no metric line\n{printed}", provider.name));
        assert_eq!(line["Delivered"], 1, "{line}");
        assert_eq!(line["Channel"], provider.channel, "{line}");
        // An SMS by its number's region (Twilio's `To`, +1 202: the US); email by none.
        let country = (provider.channel == "sms").then_some("US");
        assert_eq!(line["Country"].as_str(), country, "{line}");
        let time_to_delivery = line["TimeToDelivery"].as_u64().unwrap();
        assert!(
            (3_000..60_000).contains(&time_to_delivery),
            "{}: {time_to_delivery} ms from the send",
            provider.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_status_a_provider_reports_reaches_the_trail_by_its_own_name() {
    let providers = all();
    let (env, table) = environment(every_env(&providers)).await;
    let cases: Vec<(&str, &str)> = vec![
        ("tw", "undelivered"),
        ("tw", "blocked"),
        ("tw", "failed"),
        ("sg", "bounced"),
        ("sg", "blocked"),
        ("sg", "deferred"),
        ("sg", "complained"),
        ("mg", "bounced"),
        ("mg", "blocked"),
        ("mg", "deferred"),
        ("mg", "complained"),
        ("rs", "bounced"),
        ("rs", "blocked"),
        ("rs", "deferred"),
        ("rs", "complained"),
        ("pm", "bounced"),
        ("pm", "blocked"),
        ("pm", "deferred"),
        ("pm", "complained"),
    ];
    let events: Vec<_> = cases
        .iter()
        .map(|(name, status)| {
            let provider = providers.iter().find(|p| p.name == *name).unwrap();
            (provider.receipt)(
                &event_id(&format!("{name}-{status}")),
                status,
                now_ms(),
                Signing::Right,
            )
        })
        .collect();
    let (results, printed) = run_receipts(&events, &env);
    for ((name, status), (code, body)) in cases.iter().zip(answers(&results, &printed)) {
        assert_eq!(code, 200, "{name} {status}: {body}\n{printed}");
        let item = trail(&table, &event_id(&format!("{name}-{status}")), name)
            .await
            .unwrap_or_else(|| panic!("{name} {status}: nothing stored\n{printed}"));
        assert_eq!(item["status"], *status, "{name}: {item:?}");
    }
}
