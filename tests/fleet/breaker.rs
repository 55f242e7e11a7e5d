//! A breaker one environment opened moves the provider back in another: the
//! fleet pays a hanging provider's timeout `threshold` times, not `threshold`
//! times per environment.

use switchboard_testkit::environment::Environment;
use switchboard_testkit::hostile::{Hostile, Mode};

use crate::harness::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_environment_tries_last_a_provider_whose_breaker_another_opened() {
    let (first, second) = (Hostile::start(vec![Mode::Hang]), accepting("second-1"));
    let breaker = [
        (
            "SWITCHBOARD_DELIVERY__ATTEMPT_TIMEOUT_MS",
            "400".to_string(),
        ),
        ("SWITCHBOARD_DELIVERY__MAX_ATTEMPTS", "1".into()),
        ("SWITCHBOARD_DELIVERY__BREAKER__THRESHOLD", "1".into()),
        (
            "SWITCHBOARD_DELIVERY__BREAKER__COOL_DOWN_MS",
            "60000".into(),
        ),
    ];
    let (env, key, _) = fleet_env(&first, &second, &breaker).await;
    let mut one = Environment::start(BINARY, &env);
    let mut two = Environment::start(BINARY, &env);
    // The second environment meets the hanging provider first; its breaker opens.
    each_delivers_by(&mut [&mut two], &key, "second");
    assert_eq!(
        first.received().len(),
        1,
        "the hanging provider was waited for once"
    );
    // The first learns of it before its own first event, and never waits.
    each_delivers_by(&mut [&mut one], &key, "second");
    after_refresh();
    each_delivers_by(&mut [&mut one, &mut two], &key, "second");
    assert_eq!(first.received().len(), 1, "the fleet waited once in all");
}
