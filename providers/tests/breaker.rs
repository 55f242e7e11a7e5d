//! The circuit breaker: a provider that keeps failing is skipped for a cool-down,
//! probed once, reinstated when it answers; its circuit is shared by every chain.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_providers::layer::{self, BreakerPolicy, Breakers, CircuitEvent, Policy};
use switchboard_providers::testing::conformance::sample_sms;
use switchboard_providers::{
    Channel, ErrorKind, Message, RetryPolicy, ScriptedSender, Sender, Step, Strategy,
};

const SMS: &[Channel] = &[Channel::Sms];
/// Long enough that the sends a test expects inside it are not pushed past it
/// by a busy machine, short enough to wait for twice.
const COOL_DOWN: Duration = Duration::from_millis(1_000);

fn sms() -> Message {
    sample_sms("+12025550123")
}

/// Circuits opening after `threshold` failures, recording what they report.
fn breakers(threshold: u32) -> (Breakers, Arc<Mutex<Vec<String>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&events);
    let breakers = Breakers::new(BreakerPolicy {
        threshold,
        cool_down: COOL_DOWN,
    })
    .with_observer(Arc::new(move |event: &CircuitEvent<'_>| {
        heard.lock().unwrap().push(format!("{event:?}"));
    }));
    (breakers, events)
}

fn policy(max_attempts: u32) -> Policy {
    Policy {
        retry: RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            min_attempt: Duration::from_millis(10),
        },
        attempt_timeout: Duration::from_millis(50),
    }
}

fn chain(
    members: &[&Arc<ScriptedSender>],
    max_attempts: u32,
    breakers: &Breakers,
) -> Arc<dyn Sender> {
    let members = members
        .iter()
        .map(|m| Arc::clone(m) as Arc<dyn Sender>)
        .collect();
    layer::chain(
        members,
        &policy(max_attempts),
        Strategy::Failover,
        breakers,
        None,
    )
}

#[tokio::test]
async fn a_hanging_primary_costs_one_event_then_is_skipped_probed_and_reinstated() {
    let primary =
        Arc::new(ScriptedSender::new("primary", SMS).with_script([Step::Hang, Step::Hang]));
    let backup = Arc::new(ScriptedSender::new("backup", SMS));
    let (breakers, events) = breakers(2);
    let route = chain(&[&primary, &backup], 2, &breakers);

    // Two timeouts in the first event open the circuit; the backup delivers.
    assert_eq!(route.send(&sms()).await.unwrap().provider, "backup");
    assert_eq!(primary.attempts(), 2);
    // The next events go straight to the backup: no attempt at the primary.
    for _ in 0..3 {
        let delivery = route.send(&sms()).await.unwrap();
        assert_eq!(delivery.provider, "backup");
        assert_eq!(delivery.attempts[0].error, Some(ErrorKind::Skipped));
    }
    assert_eq!(primary.attempts(), 2);
    // After the cool-down one event probes it; it answers and is reinstated.
    tokio::time::sleep(COOL_DOWN).await;
    assert_eq!(route.send(&sms()).await.unwrap().provider, "primary");
    assert_eq!(route.send(&sms()).await.unwrap().provider, "primary");
    assert_eq!(primary.attempts(), 4);
    assert_eq!(
        *events.lock().unwrap(),
        [
            r#"Opened { provider: "primary", failures: 2 }"#,
            r#"Skipped { provider: "primary" }"#,
            r#"Skipped { provider: "primary" }"#,
            r#"Skipped { provider: "primary" }"#,
            r#"Reinstated { provider: "primary" }"#,
        ]
    );
}

#[tokio::test]
async fn a_failed_probe_opens_it_again_for_another_cool_down() {
    let down = Step::Fail(ErrorKind::Unavailable);
    let primary = Arc::new(ScriptedSender::new("primary", SMS).with_script([down, down, down]));
    let backup = Arc::new(ScriptedSender::new("backup", SMS));
    let (breakers, events) = breakers(2);
    let route = chain(&[&primary, &backup], 2, &breakers);
    route.send(&sms()).await.unwrap();
    tokio::time::sleep(COOL_DOWN).await;
    // The probe fails: the same event fails over, and the circuit is open again.
    assert_eq!(route.send(&sms()).await.unwrap().provider, "backup");
    assert_eq!(primary.attempts(), 3, "one probe, not retried");
    assert_eq!(
        route.send(&sms()).await.unwrap().attempts[0].error,
        Some(ErrorKind::Skipped)
    );
    assert_eq!(primary.attempts(), 3);
    assert!(events
        .lock()
        .unwrap()
        .contains(&r#"Opened { provider: "primary", failures: 1 }"#.to_string()));
}

#[tokio::test]
async fn only_temporary_failures_in_a_row_count() {
    // A rejection is an answer: the provider is up, and the count starts again.
    let primary = Arc::new(ScriptedSender::new("primary", SMS).with_script([
        Step::Fail(ErrorKind::Unavailable),
        Step::Fail(ErrorKind::Rejected),
        Step::Fail(ErrorKind::Timeout),
        Step::Fail(ErrorKind::Auth),
        Step::Fail(ErrorKind::RateLimited),
    ]));
    let (breakers, events) = breakers(2);
    let route = chain(&[&primary], 1, &breakers);
    for _ in 0..5 {
        route.send(&sms()).await.unwrap_err();
    }
    route.send(&sms()).await.unwrap();
    assert_eq!(primary.attempts(), 6, "never skipped");
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_circuit_is_the_providers_in_every_chain_it_is_in() {
    let primary =
        Arc::new(ScriptedSender::new("primary", SMS).with_script([Step::Hang, Step::Hang]));
    let backup = Arc::new(ScriptedSender::new("backup", SMS));
    let (breakers, _) = breakers(2);
    let sign_up = chain(&[&primary, &backup], 2, &breakers);
    let mfa = chain(&[&primary, &backup], 2, &breakers);
    sign_up.send(&sms()).await.unwrap();
    assert_eq!(
        mfa.send(&sms()).await.unwrap().attempts[0].error,
        Some(ErrorKind::Skipped)
    );
    assert_eq!(primary.attempts(), 2);
}

#[tokio::test]
async fn a_threshold_of_zero_turns_it_off() {
    let primary = Arc::new(ScriptedSender::always(
        "primary",
        SMS,
        Step::Fail(ErrorKind::Unavailable),
    ));
    let (breakers, _) = breakers(0);
    let route = chain(&[&primary], 1, &breakers);
    for _ in 0..5 {
        assert_eq!(
            route.send(&sms()).await.unwrap_err().kind(),
            ErrorKind::Unavailable
        );
    }
    assert_eq!(primary.attempts(), 5);
}

#[tokio::test]
async fn a_skip_says_why_and_when_it_is_probed() {
    let primary = Arc::new(ScriptedSender::always(
        "primary",
        SMS,
        Step::Fail(ErrorKind::Unavailable),
    ));
    let (breakers, _) = breakers(1);
    let route = chain(&[&primary], 1, &breakers);
    route.send(&sms()).await.unwrap_err();
    let skipped = route.send(&sms()).await.unwrap_err();
    assert_eq!(skipped.kind(), ErrorKind::Skipped);
    assert!(!skipped.is_temporary());
    let text = skipped.to_string();
    assert!(
        text.starts_with(
            "provider `primary`: skipped (circuit open): not tried: 1 temporary failures in a row"
        ),
        "{text}"
    );
    assert!(text.contains("one attempt probes it again in"), "{text}");
}
