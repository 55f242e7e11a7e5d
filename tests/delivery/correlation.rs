//! Every provider with delivery receipts carries the event's stable id, the
//! send time and the trigger source in its own metadata field (SendGrid
//! `custom_args`, Postmark `Metadata`, Resend `tags`, Mailgun `v:` variables,
//! Twilio's per-message `StatusCallback`), so that its receipts come back
//! self-describing — read from each service's stand-in declaration, so a new
//! service is checked without naming it here.

use std::collections::BTreeMap;

use switchboard::providers::testing::Metadata;
use switchboard::startup::StartupError;
use switchboard_testkit::hostile::{Hostile, Received};

use crate::stand_ins::{event, every_http_service, healthy_backup, pipeline, service, CODE};

const RECEIPTS_URL: &str = "https://receipts.example.test/";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The pairs `metadata` says the request carries, as the service reads them.
fn pairs_in(metadata: Metadata, request: &Received) -> BTreeMap<String, String> {
    let text = request.text();
    let strings = |value: &serde_json::Value| {
        value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.to_string())
    };
    let json = || serde_json::from_str::<serde_json::Value>(&text).unwrap();
    match metadata {
        Metadata::JsonObject(field) => json()[field]
            .as_object()
            .unwrap_or_else(|| panic!("no object `{field}` in {text}"))
            .iter()
            .map(|(key, value)| (key.clone(), strings(value)))
            .collect(),
        Metadata::JsonTags(field) => json()[field]
            .as_array()
            .unwrap_or_else(|| panic!("no list `{field}` in {text}"))
            .iter()
            .map(|tag| (strings(&tag["name"]), strings(&tag["value"])))
            .collect(),
        Metadata::FormFields(prefix) => text
            .split("Content-Disposition: form-data; name=\"")
            .skip(1)
            .filter_map(|part| {
                let (name, rest) = part.split_once('"')?;
                let name = name.strip_prefix(prefix)?;
                let (_, value) = rest.split_once("\r\n\r\n")?;
                let value = value.split("\r\n--").next()?;
                Some((name.to_string(), value.to_string()))
            })
            .collect(),
        Metadata::CallbackQuery(field) => {
            let callback = url::form_urlencoded::parse(&request.body)
                .find(|(key, _)| key == field)
                .unwrap_or_else(|| panic!("no `{field}` in {text}"))
                .1
                .into_owned();
            let callback = url::Url::parse(&callback).unwrap();
            assert_eq!(
                callback.path(),
                "/primary",
                "the receipts function's path for the provider named `primary`"
            );
            callback.query_pairs().into_owned().collect()
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_provider_with_receipts_carries_the_event_id_and_send_time_in_its_own_metadata() {
    let mut checked = Vec::new();
    for http in every_http_service() {
        let Some(metadata) = http.stand_in.metadata else {
            continue;
        };
        let primary = Hostile::start(vec![http.accepts()]);
        let backup = healthy_backup();
        let (app, key) = pipeline(http.provider(&primary.url()), &backup, |c| {
            c.receipts.url = Some(RECEIPTS_URL.into());
        })
        .await;
        let event = event(http.source(), &key, CODE).await;
        let event_id = event.id().unwrap();
        let before = now_ms();
        let outcome = app.handle(event).await.unwrap();
        let after = now_ms();
        assert_eq!(outcome.provider, "primary", "{http:?}");
        let pairs = pairs_in(metadata, &primary.received()[0]);
        assert_eq!(
            pairs.get("sb_event_id"),
            Some(&event_id),
            "{http:?}: {pairs:?}"
        );
        let sent: u64 = pairs["sb_sent_at"].parse().unwrap();
        assert!(before <= sent && sent <= after, "{http:?}: sent at {sent}");
        assert_eq!(
            pairs.get("trigger_source").map(String::as_str),
            Some(http.source()),
            "{http:?}: {pairs:?}"
        );
        checked.push(http.kind);
    }
    assert!(checked.len() >= 5, "services with receipts: {checked:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn twilio_without_receipts_url_sends_its_own_callback_with_the_correlation() {
    let twilio = service("twilio");
    let primary = Hostile::start(vec![twilio.accepts()]);
    let backup = healthy_backup();
    let section = format!(
        "type = 'twilio'\n{}\nstatus_callback = 'https://status.example.test/twilio?account=main'",
        (twilio.stand_in.section)(&primary.url())
    );
    let (app, key) = pipeline(
        switchboard::testing::provider("primary", &section),
        &backup,
        |_| {},
    )
    .await;
    let event = event(twilio.source(), &key, CODE).await;
    let event_id = event.id().unwrap();
    app.handle(event).await.unwrap();
    let request = &primary.received()[0];
    let callback = url::form_urlencoded::parse(&request.body)
        .find(|(key, _)| key == "StatusCallback")
        .unwrap()
        .1
        .into_owned();
    let callback = url::Url::parse(&callback).unwrap();
    assert_eq!(callback.path(), "/twilio");
    let query: BTreeMap<String, String> = callback.query_pairs().into_owned().collect();
    assert_eq!(query.get("account").map(String::as_str), Some("main"));
    assert_eq!(query.get("sb_event_id"), Some(&event_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twilio_status_callback_beside_receipts_url_fails_the_start_with_the_reason() {
    let twilio = service("twilio");
    let section = format!(
        "type = 'twilio'\n{}\nstatus_callback = 'https://status.example.test/twilio'",
        (twilio.stand_in.section)("http://127.0.0.1:9")
    );
    let mut config = switchboard::testing::defaults();
    config
        .providers
        .insert("tw".into(), switchboard::testing::provider("tw", &section));
    config.sms.providers = vec!["tw".into()];
    config.receipts.url = Some(RECEIPTS_URL.into());
    let built =
        switchboard::startup::senders::build(&config, None, switchboard::startup::Runtime::Local)
            .await;
    let Err(error) = built else {
        panic!("a Twilio status_callback beside receipts.url was accepted")
    };
    assert!(matches!(error, StartupError::Provider { .. }), "{error}");
    switchboard_testkit::assert_mentions(
        &error.to_string(),
        &[
            "tw",
            "status_callback",
            "receipts.url",
            "one callback per message",
        ],
    );
}
