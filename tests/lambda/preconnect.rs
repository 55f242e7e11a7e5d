//! `delivery.preconnect` in the real binary under the Runtime API stand-in: the
//! cold start opens each HTTP provider's connection (one `HEAD /`, no
//! credentials) before the first event, the first event's request reuses it, and
//! an origin that does not answer costs the start a warning, not its events.

use std::time::{Duration, SystemTime};

use serde_json::Value;
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

use crate::harness::{branding, minted, provider_env, run_as_lambda, webhook_env};

/// `count` sign-up emails through SendGrid at `sendgrid`, with a webhook at
/// `hook` for SMS, and `extra` variables.
async fn run(
    sendgrid: &str,
    hook: &str,
    count: usize,
    extra: &[(&'static str, String)],
) -> (Value, String) {
    let key = moto().create_kms_key().await;
    let event = minted("events/CustomEmailSender_SignUp", &key, "550123");
    let mut env = branding();
    env.push(("SWITCHBOARD_DECRYPT__KEY_ARN", key));
    let mail = [
        ("type", "sendgrid".into()),
        ("api_key", "SG.preconnect".into()),
        ("base_url", sendgrid.to_string()),
    ];
    env.extend(provider_env("mail", &mail));
    env.extend(webhook_env("hook", format!("{hook}/sms?token=t0k3n")));
    env.push(("SWITCHBOARD_EMAIL__PROVIDERS", "mail".into()));
    env.push(("SWITCHBOARD_SMS__PROVIDERS", "hook".into()));
    env.extend(extra.iter().cloned());
    let dir = tempfile::tempdir().unwrap();
    let (results, printed) = run_as_lambda(dir.path(), &vec![event; count], &env);
    assert_eq!(results["init_error"], Value::Null, "{results}\n{printed}");
    for invocation in results["invocations"].as_array().unwrap() {
        assert_eq!(invocation["status"], "response", "{results}\n{printed}");
    }
    (results, printed)
}

/// When the stand-in handed the first event to the function.
fn first_event_at(results: &Value) -> SystemTime {
    let seconds = results["invocations"][0]["started_at"].as_f64().unwrap();
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(seconds)
}

fn accepted() -> Mode {
    Mode::with_headers(202, &[("X-Message-Id", "sg-pre")], "")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cold_start_opens_each_providers_connection_and_the_events_reuse_it() {
    let sendgrid = Hostile::start(vec![accepted()]);
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let (results, printed) = run(&sendgrid.url(), &hook.url(), 2, &[]).await;

    let heads = sendgrid.heads();
    assert_eq!(heads.len(), 1, "one HEAD during init: {printed}");
    assert_eq!(heads[0].path, "/");
    assert_eq!(heads[0].header("authorization"), None, "no credentials");
    assert!(
        heads[0].at < first_event_at(&results),
        "opened before the first event"
    );
    let mails = sendgrid.received();
    assert_eq!(mails.len(), 2, "both emails sent");
    assert!(mails.iter().all(|m| m.method == "POST"));
    assert_eq!(
        sendgrid.connections(),
        1,
        "the events reused the connection opened at init"
    );
    // The webhook (not used by these events) got its connection too, at its
    // origin: no path, no token.
    assert_eq!(hook.heads().len(), 1);
    assert_eq!(hook.heads()[0].path, "/");
    assert_eq!(hook.connections(), 1);
    assert!(hook.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn with_preconnect_off_the_first_event_opens_the_connection() {
    let sendgrid = Hostile::start(vec![accepted()]);
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let off = [("SWITCHBOARD_DELIVERY__PRECONNECT", "false".to_string())];
    run(&sendgrid.url(), &hook.url(), 1, &off).await;
    assert!(sendgrid.heads().is_empty());
    assert!(hook.heads().is_empty());
    assert_eq!(hook.connections(), 0);
    assert_eq!(sendgrid.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_that_never_answers_costs_the_start_a_warning_not_its_events() {
    let sendgrid = Hostile::start(vec![accepted()]);
    // Accepts connections (the kernel's backlog) and never answers a byte.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_origin = format!("http://{}", silent.local_addr().unwrap());
    let (_, printed) = run(&sendgrid.url(), &silent_origin, 1, &[]).await;
    assert_eq!(sendgrid.received().len(), 1, "the email was delivered");
    let warning = printed
        .lines()
        .find(|l| l.contains("could not open the provider's connection during init"))
        .unwrap_or_else(|| panic!("a warning names the origin: {printed}"));
    assert!(warning.contains(&silent_origin), "{warning}");
    assert!(!warning.contains("t0k3n"), "the origin only: {warning}");
    drop(silent);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_no_chain_names_gets_no_connection() {
    let sendgrid = Hostile::start(vec![Mode::with_headers(202, &[("X-Message-Id", "sg")], "")]);
    let hook = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let spare = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let extra = [
        ("SWITCHBOARD_PROVIDERS__SPARE__TYPE", "postmark".into()),
        (
            "SWITCHBOARD_PROVIDERS__SPARE__API_KEY",
            "spare-token".into(),
        ),
        ("SWITCHBOARD_PROVIDERS__SPARE__BASE_URL", spare.url()),
    ];
    run(&sendgrid.url(), &hook.url(), 1, &extra).await;
    assert_eq!(sendgrid.heads().len(), 1, "a chained provider is opened");
    assert_eq!(hook.heads().len(), 1);
    assert_eq!(
        (spare.heads().len(), spare.connections()),
        (0, 0),
        "a configured provider that no chain names is not called at all"
    );
}
