//! The SMS pumping guard (`[sms.limits]`) through the real pipeline, counting in
//! DynamoDB on a local moto server: the (N+1)th message to a number is not sent
//! and the invocation still answers `Ok`; other numbers are unaffected; a country
//! limit spans numbers; the window expires; concurrent invocations cannot exceed
//! N; a failed send gives its count back; a failing table follows `on_store_error`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard::cognito::event::CustomSenderEvent;
use switchboard::config::Config;
use switchboard::pipeline::guards::OnStoreError;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ErrorKind, Message, ScriptedSender, Sender};
use switchboard::startup::StartupError;
use switchboard::testing::TestApp;
use switchboard::{App, HandleError, OutcomeStatus};
use switchboard_testkit::moto::{moto, serial_moto, Moto};

fn config(table: Option<String>, limits: impl FnOnce(&mut Config)) -> Config {
    let mut config = switchboard::testing::defaults();
    config.sms.limits.table = table;
    config.sms.limits.window_seconds = switchboard_testkit::WINDOW_WITHOUT_AN_END_SOON;
    config.delivery.max_attempts = 1;
    limits(&mut config);
    config
}

/// Starts the app as a cold start does, with `sender` as its only provider and
/// DynamoDB on `moto`.
async fn start(moto: &Moto, config: &Config, sender: Arc<dyn Sender>) -> Result<App, StartupError> {
    TestApp::new(config.clone())
        .sender(sender)
        .aws(moto.sdk_config())
        .as_configured()
        .build()
        .await
}

async fn app(config: &Config, sender: Arc<dyn Sender>) -> App {
    start(moto(), config, sender).await.unwrap()
}

fn memory() -> Arc<ScriptedSender> {
    Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS))
}

/// A real SMS event (its code under the development key) to `phone_number`:
/// a new one each time (another user signing in with that number), since the
/// guard counts each event once however often it is retried.
fn sms_to(phone_number: &str) -> CustomSenderEvent {
    static USERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let mut event = switchboard::testing::example_event("CustomSMSSender_Authentication");
    switchboard::testing::set_attribute(&mut event, "phone_number", phone_number);
    let user = USERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    event.user_name = format!("sms-limits-user-{user}");
    event
}

fn sent_to(sender: &ScriptedSender, number: &str) -> usize {
    sender
        .accepted()
        .iter()
        .filter(|m| matches!(m, Message::Sms(sms) if sms.to == number))
        .count()
}

async fn table() -> Option<String> {
    Some(moto().create_idempotency_table().await)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_message_past_the_per_number_limit_is_not_sent_and_other_numbers_still_are() {
    let sender = memory();
    let app = app(
        &config(table().await, |c| c.sms.limits.per_number = 3),
        sender.clone(),
    )
    .await;
    for _ in 0..3 {
        let outcome = app.handle(sms_to("+4915100000101")).await.unwrap();
        assert_eq!(outcome.status, OutcomeStatus::Delivered);
    }
    let limited = app.handle(sms_to("+4915100000101")).await.unwrap();
    assert_eq!(limited.status, OutcomeStatus::Limited, "Ok, not an error");
    assert_eq!(limited.recipient, "+49*********01", "masked");
    assert_eq!(
        sent_to(&sender, "+4915100000101"),
        3,
        "the 4th was not sent"
    );

    let other = app.handle(sms_to("+4915100000102")).await.unwrap();
    assert_eq!(other.status, OutcomeStatus::Delivered);
    assert_eq!(sent_to(&sender, "+4915100000102"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_country_limit_spans_numbers_and_other_countries_use_the_default() {
    let sender = memory();
    let app = app(
        &config(table().await, |c| {
            c.sms.limits.per_country = [("GB".into(), 2), ("default".into(), 0)].into();
        }),
        sender.clone(),
    )
    .await;
    let uk = ["+447400123401", "+447400123402", "+447400123403"];
    let statuses: Vec<_> = {
        let mut statuses = Vec::new();
        for number in uk {
            statuses.push(app.handle(sms_to(number)).await.unwrap().status);
        }
        statuses
    };
    assert_eq!(
        statuses,
        [
            OutcomeStatus::Delivered,
            OutcomeStatus::Delivered,
            OutcomeStatus::Limited
        ]
    );
    assert_eq!(sent_to(&sender, "+447400123403"), 0);
    for _ in 0..3 {
        let german = app.handle(sms_to("+4915100000103")).await.unwrap();
        assert_eq!(
            german.status,
            OutcomeStatus::Delivered,
            "default 0 = no limit"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_counts_alone_and_a_calling_code_from_before_regions_counts_all_its_regions() {
    let us = "+12025550141";
    let jamaica = "+18762345641";
    let statuses = |app: App| async move {
        let mut statuses = Vec::new();
        for number in [us, us, jamaica] {
            statuses.push(app.handle(sms_to(number)).await.unwrap().status);
        }
        statuses
    };
    use OutcomeStatus::{Delivered, Limited};
    let cases = [
        (
            "US",
            1,
            [Delivered, Limited, Delivered],
            "Jamaica is not the US: it has the default's own count",
        ),
        (
            "1",
            2,
            [Delivered, Delivered, Limited],
            "\"1\" counts every +1 region together, as before",
        ),
    ];
    for (key, limit, expected, why) in cases {
        let limits = [(key.to_string(), limit), ("default".into(), 5)];
        let config = config(table().await, |c| c.sms.limits.per_country = limits.into());
        assert_eq!(
            statuses(app(&config, memory()).await).await,
            expected,
            "{why}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_expires() {
    let sender = memory();
    let app = app(
        &config(table().await, |c| {
            c.sms.limits.per_number = 1;
            c.sms.limits.window_seconds = 2;
        }),
        sender.clone(),
    )
    .await;
    // Start just after a window boundary, so both first sends fall in one window.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let into_window = Duration::from_millis((now.as_millis() % 2000) as u64);
    tokio::time::sleep(Duration::from_millis(2050).saturating_sub(into_window)).await;

    let number = "+4915100000104";
    assert_eq!(
        app.handle(sms_to(number)).await.unwrap().status,
        OutcomeStatus::Delivered
    );
    assert_eq!(
        app.handle(sms_to(number)).await.unwrap().status,
        OutcomeStatus::Limited
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        app.handle(sms_to(number)).await.unwrap().status,
        OutcomeStatus::Delivered,
        "a new window"
    );
    assert_eq!(sent_to(&sender, number), 2);
}

/// Against the serial moto (see `serial_moto`): the 20 invocations race, and a
/// read-then-write guard would let them all read 0 before any writes.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_invocations_cannot_exceed_the_limit() {
    let sender = memory();
    let serial = serial_moto();
    let table = Some(serial.create_idempotency_table().await);
    let config = config(table, |c| c.sms.limits.per_number = 5);
    let app = Arc::new(start(serial, &config, sender.clone()).await.unwrap());
    let number = "+4915100000105";
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { app.handle(sms_to(number)).await.unwrap().status })
        })
        .collect();
    let mut delivered = 0;
    let mut limited = 0;
    for task in tasks {
        match task.await.unwrap() {
            OutcomeStatus::Delivered => delivered += 1,
            OutcomeStatus::Limited => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((delivered, limited), (5, 15));
    assert_eq!(sent_to(&sender, number), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_send_gives_its_count_back() {
    let table = table().await;
    let limits = |c: &mut Config| c.sms.limits.per_number = 1;
    let failing = Arc::new(ScriptedSender::failing(
        "memory",
        BOTH_CHANNELS,
        ErrorKind::Unavailable,
        1,
    ));
    let first = app(&config(table.clone(), limits), failing.clone()).await;
    let number = "+4915100000106";
    let event = sms_to(number);
    let error = first.handle(event.clone()).await.unwrap_err();
    assert!(matches!(error, HandleError::Send(_)), "{error}");
    // Lambda's retry of the failed event still finds the number's quota intact.
    let retry = first.handle(event).await.unwrap();
    assert_eq!(retry.status, OutcomeStatus::Delivered);
    assert_eq!(sent_to(&failing, number), 1);
    assert_eq!(
        first.handle(sms_to(number)).await.unwrap().status,
        OutcomeStatus::Limited,
        "the delivered one counted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_table_follows_on_store_error() {
    let missing = Some("switchboard-no-such-table".to_string());
    let deliver = memory();
    let app_deliver = app(
        &config(missing.clone(), |c| c.sms.limits.per_number = 1),
        deliver.clone(),
    )
    .await;
    let outcome = app_deliver.handle(sms_to("+4915100000107")).await.unwrap();
    assert_eq!(
        outcome.status,
        OutcomeStatus::Delivered,
        "deliver: sent uncounted"
    );

    let fail = memory();
    let app_fail = app(
        &config(missing, |c| {
            c.sms.limits.per_number = 1;
            c.idempotency.on_store_error = OnStoreError::Fail;
        }),
        fail.clone(),
    )
    .await;
    let error = app_fail.handle(sms_to("+4915100000107")).await.unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, HandleError::SmsLimitStore(_))
            && text.contains("switchboard-no-such-table")
            && text.contains("on_store_error = fail"),
        "{text}"
    );
    assert_eq!(error.class(), "StoreFailed");
    assert!(fail.accepted().is_empty(), "nothing sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_without_a_table_or_a_window_refuses_to_start() {
    let no_table = config(None, |c| c.sms.limits.per_number = 5);
    let error = start(moto(), &no_table, memory())
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(&error, &["sms.limits.per_number", "sms.limits.table"]);

    let zero_window = config(table().await, |c| {
        c.sms.limits.per_number = 5;
        c.sms.limits.window_seconds = 0;
    });
    let error = start(moto(), &zero_window, memory())
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("sms.limits.window_seconds"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_the_country_limit_refuses_does_not_use_up_its_number() {
    let table = table().await;
    let sender = memory();
    let both = app(
        &config(table.clone(), |c| {
            c.sms.limits.per_number = 1;
            c.sms.limits.per_country = [("GB".into(), 1)].into();
        }),
        sender.clone(),
    )
    .await;
    assert_eq!(
        both.handle(sms_to("+447400123411")).await.unwrap().status,
        OutcomeStatus::Delivered
    );
    assert_eq!(
        both.handle(sms_to("+447400123412")).await.unwrap().status,
        OutcomeStatus::Limited,
        "the country's one message is used"
    );
    // The same table and window, counting numbers only: the refused number's count was given back.
    let numbers_only = app(
        &config(table, |c| c.sms.limits.per_number = 1),
        sender.clone(),
    )
    .await;
    assert_eq!(
        numbers_only
            .handle(sms_to("+447400123412"))
            .await
            .unwrap()
            .status,
        OutcomeStatus::Delivered
    );
}
