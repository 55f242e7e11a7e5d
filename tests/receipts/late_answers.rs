//! DynamoDB applying the trail's writes and answering too late or not at all
//! (`switchboard_testkit::aws_proxy` in front of moto), so the SDK repeats a
//! write that already happened: the receipt is still stored once, counted
//! once, and its metric line is not lost.

use std::time::Duration;

use switchboard_testkit::aws_proxy::{AwsProxy, Fault};
use switchboard_testkit::moto::moto;

use crate::aws_events::{aws_providers, ses_event};
use crate::harness::{environment, event_id, metric_lines, now_secs, run_receipts, trail};

const PUT: &str = "DynamoDB_20120810.PutItem";
/// Longer than an attempt's timeout at DynamoDB: the SDK gives up on the
/// answer and repeats the put moto already applied.
const LATE: Duration = Duration::from_millis(1600);

/// Defect: the repeated put of the receipt's seen mark failed its condition
/// on our own item, the receipt counted as a duplicate, and its metric line
/// was never written.
#[tokio::test(flavor = "multi_thread")]
async fn a_seen_mark_applied_but_answered_late_or_dropped_is_our_own() {
    for fault in [Fault::LateAfterApply(LATE), Fault::DropAfterApply] {
        let (mut env, table) = environment(aws_providers()).await;
        let proxy = AwsProxy::start(&moto().endpoint);
        proxy.fail(PUT, vec![fault.clone()]);
        env.push(("AWS_ENDPOINT_URL", proxy.url()));
        let id = event_id(&format!("late-seen-{fault:?}-{}", now_secs()));
        let sent_at = now_secs() * 1000 - 3_000;
        let delivered_at = chrono::DateTime::from_timestamp_millis(sent_at as i64 + 1_000)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let event = ses_event(
            &id,
            "receipts",
            "Delivery",
            serde_json::json!({"delivery": {"timestamp": delivered_at}}),
            sent_at,
        );
        let (results, printed) = run_receipts(&[event], &env);
        let invocation = &results["invocations"][0];
        assert_eq!(
            invocation["status"], "response",
            "{fault:?}: {invocation}\n{printed}"
        );
        assert_eq!(
            invocation["body"], r#"{"stored":1}"#,
            "{fault:?}\n{printed}"
        );
        assert_eq!(
            proxy.calls(PUT).len(),
            2,
            "{fault:?}: the SDK repeated the put"
        );
        let item = trail(&table, &id, "mail").await.expect("the trail");
        assert_eq!(item["status"], "delivered", "{fault:?}");
        let lines: Vec<_> = metric_lines(&printed)
            .into_iter()
            .filter(|m| m["Delivered"] == 1)
            .collect();
        assert_eq!(lines.len(), 1, "{fault:?}: one metric line\n{printed}");
    }
}
