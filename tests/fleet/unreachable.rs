//! A health table that is missing or hangs changes nothing for delivery: the
//! environment keeps its last copy and delivers as configured.

use switchboard_testkit::aws_proxy::{AwsProxy, Fault};
use switchboard_testkit::environment::Environment;
use switchboard_testkit::moto::moto;

use crate::harness::*;

/// Two events a refresh apart, each delivered through the chain's first provider.
fn delivers_twice_through_first(env: &[(&'static str, String)], key: &str) {
    let mut environment = Environment::start(BINARY, env);
    for _ in 0..2 {
        each_delivers_by(&mut [&mut environment], key, "first");
        after_refresh();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_hanging_health_table_changes_nothing_for_delivery() {
    let (first, second) = (accepting("first-1"), accepting("second-1"));
    let (env, key, _) = fleet_env(&first, &second, &[]).await;
    let mut missing = env.clone();
    missing.push(("SWITCHBOARD_HEALTH__TABLE", "no-such-table".into()));
    delivers_twice_through_first(&missing, &key);

    let proxy = AwsProxy::start(&moto().endpoint);
    proxy.always("DynamoDB_20120810.BatchGetItem", None, Fault::Hang);
    proxy.always("DynamoDB_20120810.UpdateItem", None, Fault::Hang);
    let mut hanging = env.clone();
    hanging.push(("AWS_ENDPOINT_URL", proxy.url()));
    hanging.push(("SWITCHBOARD_HEALTH__IO_TIMEOUT_MS", "300".into()));
    delivers_twice_through_first(&hanging, &key);
    let asked = proxy.calls("DynamoDB_20120810.BatchGetItem");
    assert!(!asked.is_empty(), "the health was asked for");
}
