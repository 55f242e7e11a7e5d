//! Retry and timeout wrappers: bounded by attempts and by time, temporary errors
//! only. Attempts are counted, never timed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_providers::{
    Channel, ErrorKind, Failover, Message, MessageContext, Retry, RetryPolicy, ScriptedSender,
    Sender, SmsMessage, Step, Strategy, Timeout,
};

const BOTH: &[Channel] = &[Channel::Email, Channel::Sms];

fn sms(deadline: Option<Instant>) -> Message {
    Message::Sms(SmsMessage {
        to: "+12025550123".into(),
        body: "Your code is 1".into(),
        sender_id: None,
        default_sender_id: None,
        validity: None,
        context: MessageContext {
            deadline,
            ..MessageContext::default()
        },
    })
}

fn quick(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        min_attempt: Duration::from_millis(50),
    }
}

fn retry(inner: &Arc<ScriptedSender>, policy: RetryPolicy) -> Retry {
    Retry::new(Arc::clone(inner) as Arc<dyn Sender>, policy)
}

#[tokio::test]
async fn temporary_failures_are_retried_until_success() {
    let inner = Arc::new(ScriptedSender::failing(
        "p",
        BOTH,
        ErrorKind::Unavailable,
        2,
    ));
    let delivery = retry(&inner, quick(3)).send(&sms(None)).await.unwrap();
    assert_eq!(inner.attempts(), 3);
    let kinds: Vec<_> = delivery.attempts.iter().map(|a| a.error).collect();
    assert_eq!(
        kinds,
        [
            Some(ErrorKind::Unavailable),
            Some(ErrorKind::Unavailable),
            None
        ]
    );
}

#[tokio::test]
async fn attempts_never_exceed_max_attempts() {
    for max in [1, 2, 5] {
        let inner = Arc::new(ScriptedSender::failing(
            "p",
            BOTH,
            ErrorKind::RateLimited,
            100,
        ));
        let err = retry(&inner, quick(max))
            .send(&sms(None))
            .await
            .unwrap_err();
        assert_eq!(inner.attempts(), max as usize);
        assert_eq!(err.attempts().len(), max as usize);
    }
}

#[tokio::test]
async fn permanent_failures_are_not_retried() {
    for kind in [ErrorKind::Rejected, ErrorKind::Auth, ErrorKind::Config] {
        let inner = Arc::new(ScriptedSender::failing("p", BOTH, kind, 100));
        retry(&inner, quick(5)).send(&sms(None)).await.unwrap_err();
        assert_eq!(inner.attempts(), 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_passed_deadline_allows_no_attempt() {
    let inner = Arc::new(ScriptedSender::failing(
        "p",
        BOTH,
        ErrorKind::Unavailable,
        100,
    ));
    let err = retry(&inner, quick(5))
        .send(&sms(Some(Instant::now())))
        .await
        .unwrap_err();
    assert_eq!(inner.attempts(), 0, "nothing starts after the deadline");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.is_temporary(),
        "the caller can still retry later: {err}"
    );
}

#[tokio::test]
async fn no_retry_starts_without_the_minimum_time_left() {
    let inner = Arc::new(ScriptedSender::failing(
        "p",
        BOTH,
        ErrorKind::Unavailable,
        100,
    ));
    // 30 ms left: enough for nothing when an attempt needs 50 ms.
    let deadline = Instant::now() + Duration::from_millis(30);
    retry(&inner, quick(5))
        .send(&sms(Some(deadline)))
        .await
        .unwrap_err();
    assert_eq!(inner.attempts(), 0);
    // 200 ms left: a first attempt, then retries while 50 ms remain after the backoff.
    let deadline = Instant::now() + Duration::from_millis(200);
    let err = retry(&inner, quick(100))
        .send(&sms(Some(deadline)))
        .await
        .unwrap_err();
    assert!(Instant::now() <= deadline, "it ended by the deadline");
    assert!(err.attempts().len() >= 2, "{:?}", err.attempts());
}

#[tokio::test]
async fn a_retry_after_beyond_the_deadline_stops_retrying() {
    let inner = Arc::new(
        ScriptedSender::new("p", BOTH).with_script([Step::FailRetryAfter(
            ErrorKind::RateLimited,
            Duration::from_secs(60),
        )]),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    retry(&inner, quick(5))
        .send(&sms(Some(deadline)))
        .await
        .unwrap_err();
    assert_eq!(inner.attempts(), 1);
}

#[tokio::test]
async fn a_retry_after_within_the_deadline_is_honoured() {
    let inner = Arc::new(
        ScriptedSender::new("p", BOTH).with_script([Step::FailRetryAfter(
            ErrorKind::RateLimited,
            Duration::from_millis(20),
        )]),
    );
    retry(&inner, quick(3)).send(&sms(None)).await.unwrap();
    assert_eq!(inner.attempts(), 2);
}

#[tokio::test]
async fn a_hanging_provider_times_out_as_temporary_and_is_retried_within_bounds() {
    let timed: Arc<dyn Sender> = Arc::new(Timeout::new(
        Arc::new(ScriptedSender::always("hangs", BOTH, Step::Hang)),
        Duration::from_millis(20),
    ));
    let err = Retry::new(timed, quick(2))
        .send(&sms(None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.is_temporary());
    assert_eq!(err.attempts().len(), 2);
}

#[tokio::test]
async fn round_robin_spreads_first_attempts_evenly() {
    let a = Arc::new(ScriptedSender::new("a", BOTH));
    let b = Arc::new(ScriptedSender::new("b", BOTH));
    let chain = Failover::new(
        "rr",
        vec![a.clone() as Arc<dyn Sender>, b.clone() as Arc<dyn Sender>],
    )
    .with_strategy(Strategy::RoundRobin);
    for _ in 0..10 {
        chain.send(&sms(None)).await.unwrap();
    }
    assert_eq!((a.accepted().len(), b.accepted().len()), (5, 5));
}

#[tokio::test]
async fn round_robin_still_fails_over() {
    let a = Arc::new(ScriptedSender::failing(
        "a",
        BOTH,
        ErrorKind::Unavailable,
        100,
    ));
    let b = Arc::new(ScriptedSender::new("b", BOTH));
    let chain = Failover::new(
        "rr",
        vec![a.clone() as Arc<dyn Sender>, b.clone() as Arc<dyn Sender>],
    )
    .with_strategy(Strategy::RoundRobin);
    for _ in 0..4 {
        assert_eq!(chain.send(&sms(None)).await.unwrap().provider, "b");
    }
    assert_eq!(b.accepted().len(), 4);
}

#[tokio::test]
async fn an_attempt_ends_at_the_deadline() {
    let timed: Arc<dyn Sender> = Arc::new(Timeout::new(
        Arc::new(ScriptedSender::always("hangs", BOTH, Step::Hang)),
        Duration::from_secs(60),
    ));
    let started = Instant::now();
    let deadline = started + Duration::from_millis(120);
    let err = timed.send(&sms(Some(deadline))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // With time to spare the slow provider delivers.
    let timed: Arc<dyn Sender> = Arc::new(Timeout::new(
        Arc::new(ScriptedSender::always(
            "slow",
            BOTH,
            Step::DeliverAfter(Duration::from_millis(50)),
        )),
        Duration::from_secs(5),
    ));
    let far = Instant::now() + Duration::from_secs(10);
    assert_eq!(
        timed.send(&sms(Some(far))).await.unwrap().message_id,
        "slow-1"
    );
}

/// The chain does not start its next provider when the deadline leaves too little.
#[tokio::test]
async fn failover_starts_no_provider_past_the_deadline() {
    let first: Arc<dyn Sender> = Arc::new(Timeout::new(
        Arc::new(ScriptedSender::always("hangs", BOTH, Step::Hang)),
        Duration::from_secs(60),
    ));
    let second = Arc::new(ScriptedSender::new("second", BOTH));
    let chain = Failover::new("chain", vec![first, second.clone() as Arc<dyn Sender>])
        .with_min_attempt(Duration::from_millis(50));
    let deadline = Instant::now() + Duration::from_millis(100);
    let err = chain.send(&sms(Some(deadline))).await.unwrap_err();
    assert_eq!(second.attempts(), 0, "not started after the deadline");
    assert!(err.to_string().contains("not tried"), "{err}");
}

/// A `Retry-After` beyond any clock (`u64::MAX` seconds) neither panics nor waits.
#[tokio::test]
async fn a_retry_after_beyond_any_clock_is_no_panic() {
    let inner = Arc::new(
        ScriptedSender::new("p", BOTH).with_script([Step::FailRetryAfter(
            ErrorKind::RateLimited,
            Duration::from_secs(u64::MAX),
        )]),
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let err = retry(&inner, quick(5))
        .send(&sms(Some(deadline)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(inner.attempts(), 1);
    // Without a deadline the retry is skipped too: it cannot be scheduled.
    let inner = Arc::new(
        ScriptedSender::new("p", BOTH).with_script([Step::FailRetryAfter(
            ErrorKind::RateLimited,
            Duration::from_secs(u64::MAX),
        )]),
    );
    let started = Instant::now();
    let _ = retry(&inner, quick(5)).send(&sms(None)).await;
    assert!(started.elapsed() < Duration::from_secs(5));
}
