//! Providers that misbehave on purpose (`switchboard_testkit::hostile`), behind the real
//! pipeline: a Cognito-format code decrypted with KMS on moto, the route, the
//! templates, and SendGrid, Mailgun, Postmark, Resend, Twilio and the webhook over HTTP.

use std::time::Duration;

use serde_json::json;
use switchboard::cognito::event::CustomSenderEvent;
use switchboard::cognito::mint::CodeMinter;
use switchboard::config::Config;
use switchboard::providers::{ErrorKind, ProviderConfig};
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::testing::provider;
use switchboard::{App, HandleError, Outcome};
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

const CODE: &str = "731942";
const NUMBER: &str = "+12025550177";

/// The HTTP providers (by the API they speak), each configured against `url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SendGridApi,
    MailgunApi,
    PostmarkApi,
    ResendApi,
    TwilioApi,
    WebhookReceiver,
}

const KINDS: [Kind; 6] = [
    Kind::SendGridApi,
    Kind::MailgunApi,
    Kind::PostmarkApi,
    Kind::ResendApi,
    Kind::TwilioApi,
    Kind::WebhookReceiver,
];

impl Kind {
    fn provider(self, url: &str) -> ProviderConfig {
        let section = match self {
            Kind::SendGridApi => format!("type = 'sendgrid'\napi_key = 'SG.hostile-test'\nbase_url = '{url}'"),
            Kind::MailgunApi => format!(
                "type = 'mailgun'\napi_key = 'key-hostile-test'\ndomain = 'mg.acme.test'\nbase_url = '{url}'"
            ),
            Kind::PostmarkApi => {
                format!("type = 'postmark'\napi_key = 'postmark-hostile-token'\nbase_url = '{url}'")
            }
            Kind::ResendApi => format!("type = 'resend'\napi_key = 're_hostile_key'\nbase_url = '{url}'"),
            Kind::TwilioApi => format!(
                "type = 'twilio'\naccount_sid = 'AC0123456789abcdef0123456789abcdef'\n\
                 auth_token = 'twilio-hostile-token'\nfrom = '+15005550006'\nbase_url = '{url}'"
            ),
            Kind::WebhookReceiver => format!(
                "type = 'webhook'\nurl = '{url}/hook'\nsecret = 'a-webhook-secret-of-some-length'"
            ),
        };
        provider("primary", &section)
    }

    /// What this provider answers when it accepts a message.
    fn accepts(self) -> Mode {
        match self {
            Kind::SendGridApi => Mode::with_headers(202, &[("X-Message-Id", "sg-accepted")], ""),
            Kind::MailgunApi => Mode::json(
                200,
                json!({"id": "<mg-accepted@mg.acme.test>", "message": "Queued"}),
            ),
            Kind::PostmarkApi => Mode::json(
                200,
                json!({"MessageID": "pm-accepted", "ErrorCode": 0, "Message": "OK"}),
            ),
            Kind::ResendApi => Mode::json(200, json!({"id": "re-accepted"})),
            Kind::TwilioApi => Mode::json(201, json!({"sid": "SM-accepted"})),
            Kind::WebhookReceiver => Mode::with_headers(200, &[], ""),
        }
    }

    /// The event it carries: Twilio sends SMS, the others email.
    fn source(self) -> &'static str {
        match self {
            Kind::TwilioApi => "CustomSMSSender_Authentication",
            _ => "CustomEmailSender_ForgotPassword",
        }
    }
}

/// An app on the real pipeline: KMS on moto, `primary` then a healthy webhook
/// `backup` for both channels, quick retries.
async fn pipeline(
    primary: ProviderConfig,
    backup: &Hostile,
    tune: impl FnOnce(&mut Config),
) -> (App, String) {
    let key = moto().create_kms_key().await;
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some(key.clone());
    let (email, sms) = match primary.type_name() {
        "twilio" => (false, true),
        "webhook" => (true, true),
        _ => (true, false),
    };
    config.providers.insert("primary".into(), primary);
    config.providers.insert(
        "backup".into(),
        Kind::WebhookReceiver.provider(&backup.url()),
    );
    let chain = |with_primary: bool| match with_primary {
        true => vec!["primary".to_string(), "backup".to_string()],
        false => vec!["backup".to_string()],
    };
    config.email.providers = chain(email);
    config.sms.providers = chain(sms);
    config.delivery.max_attempts = 2;
    config.delivery.base_delay_ms = 1;
    config.delivery.max_delay_ms = 5;
    config.delivery.attempt_timeout_ms = 400;
    config.delivery.min_attempt_ms = 50;
    tune(&mut config);
    let options = StartupOptions {
        aws: Some(moto().sdk_config()),
        ..StartupOptions::new(Runtime::Local)
    };
    (startup::build(&config, options).await.unwrap(), key)
}

/// The example event of `source` with `plaintext` encrypted as Cognito does, under `key`.
async fn event(source: &str, key: &str, plaintext: &str) -> CustomSenderEvent {
    let mut event = switchboard::testing::example_event(source);
    event
        .request
        .user_attributes
        .insert("phone_number".into(), NUMBER.into());
    let minter = CodeMinter::kms(&key.parse().unwrap(), moto().kms())
        .await
        .unwrap();
    event.request.code = Some(minter.mint(plaintext, &event.user_pool_id).await.unwrap());
    event
}

async fn send_through(
    kind: Kind,
    primary: &Hostile,
    backup: &Hostile,
) -> Result<Outcome, HandleError> {
    let (app, key) = pipeline(kind.provider(&primary.url()), backup, |_| {}).await;
    app.handle(event(kind.source(), &key, CODE).await).await
}

fn healthy_backup() -> Hostile {
    Hostile::start(vec![Kind::WebhookReceiver.accepts()])
}

/// One event through `kind` as the primary answering `modes`, before a healthy
/// backup: the pipeline's answer, and both servers to read what they received.
async fn through(kind: Kind, modes: Vec<Mode>) -> (Result<Outcome, HandleError>, Hostile, Hostile) {
    let primary = Hostile::start(modes);
    let backup = healthy_backup();
    let result = send_through(kind, &primary, &backup).await;
    (result, primary, backup)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_transport_fault_is_retried_then_the_backup_delivers() {
    for kind in KINDS {
        for (fault, mode) in [
            ("hangs", Mode::Hang),
            ("stalls the body", Mode::StallBody),
            ("closes mid-response", Mode::CloseMidResponse),
            ("answers 503", Mode::with_headers(503, &[], "busy")),
        ] {
            let primary = Hostile::start(vec![mode]);
            let backup = healthy_backup();
            let outcome = send_through(kind, &primary, &backup)
                .await
                .unwrap_or_else(|e| panic!("{kind:?} that {fault}: {e}"));
            assert_eq!(outcome.provider, "backup", "{kind:?} that {fault}");
            assert_eq!(
                primary.received().len(),
                2,
                "{kind:?} that {fault}: retried once"
            );
            assert_eq!(backup.received().len(), 1);
        }
        // https:// to a server that speaks plain HTTP: the TLS handshake fails.
        let primary = Hostile::start(vec![kind.accepts()]);
        let backup = healthy_backup();
        let (app, key) = pipeline(kind.provider(&primary.https_url()), &backup, |_| {}).await;
        let outcome = app
            .handle(event(kind.source(), &key, CODE).await)
            .await
            .unwrap();
        assert_eq!(
            outcome.provider, "backup",
            "{kind:?} behind a failing TLS handshake"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_retry_after_neither_panics_nor_stops_the_backup() {
    for kind in KINDS {
        let (result, primary, _backup) = through(
            kind,
            vec![Mode::with_headers(
                429,
                &[("Retry-After", "18446744073709551615")],
                "",
            )],
        )
        .await;
        let outcome = result.unwrap();
        assert_eq!(outcome.provider, "backup", "{kind:?}");
        assert_eq!(
            primary.received().len(),
            1,
            "{kind:?}: no retry an hour out"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accepted_message_with_a_broken_answer_is_one_delivery() {
    for kind in KINDS {
        let primary = Hostile::start(vec![Mode::TruncatedOk]);
        let backup = healthy_backup();
        let outcome = send_through(kind, &primary, &backup)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(outcome.provider, "primary", "{kind:?}");
        assert_eq!(
            primary.received().len(),
            1,
            "{kind:?}: sent once, not retried"
        );
        assert!(
            backup.received().is_empty(),
            "{kind:?}: no failover duplicate"
        );
        if matches!(
            kind,
            Kind::MailgunApi | Kind::TwilioApi | Kind::PostmarkApi | Kind::ResendApi
        ) {
            assert_eq!(outcome.message_id, "unknown", "{kind:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misconfigured_primary_fails_over_without_a_retry() {
    let elsewhere = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let redirect = |status| Mode::Redirect {
        status,
        location: format!("{}/stolen?token=abc", elsewhere.url()),
    };
    let cases = [
        (
            Kind::MailgunApi,
            Mode::json(404, json!({"message": "Domain not found: mg.acme.test"})),
        ),
        (
            Kind::SendGridApi,
            Mode::with_headers(404, &[], "<html>no such path</html>"),
        ),
        (
            Kind::SendGridApi,
            Mode::json(
                403,
                json!({"errors": [{"message": "The from address does not match a verified Sender Identity", "field": "from"}]}),
            ),
        ),
        (
            Kind::SendGridApi,
            Mode::json(
                400,
                json!({"errors": [{"message": "Invalid template id", "field": "template_id"}]}),
            ),
        ),
        (Kind::WebhookReceiver, Mode::with_headers(404, &[], "")),
        (
            Kind::WebhookReceiver,
            Mode::with_headers(400, &[], "bad request"),
        ),
        (
            Kind::PostmarkApi,
            Mode::json(
                422,
                json!({"ErrorCode": 400, "Message": "The 'From' address you supplied is not a Sender Signature on your account."}),
            ),
        ),
        (
            Kind::ResendApi,
            Mode::json(
                403,
                json!({"statusCode": 403, "name": "validation_error", "message": "The acme.test domain is not verified."}),
            ),
        ),
        (
            Kind::TwilioApi,
            Mode::json(
                400,
                json!({"code": 21606, "message": "The From phone number +15005550006 is not a valid, SMS-capable inbound phone number"}),
            ),
        ),
        (
            Kind::TwilioApi,
            Mode::json(
                400,
                json!({"code": 21608, "message": "The number is unverified"}),
            ),
        ),
        (Kind::SendGridApi, redirect(307)),
        (Kind::MailgunApi, redirect(308)),
        (Kind::TwilioApi, redirect(307)),
        (
            Kind::WebhookReceiver,
            Mode::Redirect {
                status: 308,
                location: "http://203.0.113.9/plain".into(),
            },
        ),
    ];
    for (kind, mode) in cases {
        let described = format!("{kind:?} answering {mode:?}");
        let primary = Hostile::start(vec![mode]);
        let backup = healthy_backup();
        let outcome = send_through(kind, &primary, &backup)
            .await
            .unwrap_or_else(|e| panic!("{described}: {e}"));
        assert_eq!(outcome.provider, "backup", "{described}");
        assert_eq!(primary.received().len(), 1, "{described}: not retried");
    }
    assert!(
        elsewhere.received().is_empty(),
        "a redirect is never followed (the code is never re-sent)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_about_this_recipient_stops_the_chain() {
    let cases = [
        (
            Kind::MailgunApi,
            Mode::json(
                400,
                json!({"message": "'to' parameter is not a valid address. please check documentation"}),
            ),
        ),
        (
            Kind::TwilioApi,
            Mode::json(
                400,
                json!({"code": 21211, "message": format!("The 'To' number {NUMBER} is not a valid phone number.")}),
            ),
        ),
        (
            Kind::TwilioApi,
            Mode::json(
                400,
                json!({"code": 21610, "message": "Attempt to send to unsubscribed recipient"}),
            ),
        ),
        (
            Kind::SendGridApi,
            Mode::json(
                400,
                json!({"errors": [{"message": "Does not contain a valid address.", "field": "personalizations.0.to.0.email"}]}),
            ),
        ),
        (Kind::SendGridApi, Mode::with_headers(413, &[], "")),
        (
            Kind::PostmarkApi,
            Mode::json(
                422,
                json!({"ErrorCode": 406, "Message": "You tried to send to recipient(s) that have been marked as inactive."}),
            ),
        ),
        (
            Kind::ResendApi,
            Mode::json(
                422,
                json!({"statusCode": 422, "name": "validation_error", "message": "Invalid `to` field."}),
            ),
        ),
    ];
    for (kind, mode) in cases {
        let described = format!("{kind:?} answering {mode:?}");
        let (result, _primary, backup) = through(kind, vec![mode]).await;
        let err = result.unwrap_err();
        assert!(
            matches!(&err, HandleError::Send(e) if e.kind() == ErrorKind::Rejected && !e.is_temporary()),
            "{described}: {err}"
        );
        assert!(
            backup.received().is_empty(),
            "{described}: the chain stopped"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn neither_the_code_nor_the_recipient_reaches_an_error() {
    for kind in [
        Kind::SendGridApi,
        Kind::WebhookReceiver,
        Kind::MailgunApi,
        Kind::PostmarkApi,
        Kind::ResendApi,
    ] {
        let primary = Hostile::start(vec![Mode::Echo { status: 400 }]);
        let backup = Hostile::start(vec![Mode::Echo { status: 400 }]);
        let err = send_through(kind, &primary, &backup)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            primary.received()[0].text().contains(CODE),
            "the code was sent"
        );
        assert!(
            !err.contains(CODE),
            "{kind:?}: the echoed code is not in {err}"
        );
        assert!(!err.contains("jane.doe@example.com"), "{kind:?}: {err}");
    }
    let primary = Hostile::start(vec![Mode::json(
        400,
        json!({"code": 21211, "message": format!("The 'To' number {NUMBER} is not a valid phone number.")}),
    )]);
    let err = send_through(Kind::TwilioApi, &primary, &healthy_backup())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("21211"), "the provider's code stays: {err}");
    assert!(
        !err.contains(NUMBER) && !err.contains("2025550177"),
        "{err}"
    );
    // A redirect's target (with a token in its query) is not repeated either.
    let primary = Hostile::start(vec![Mode::Redirect {
        status: 307,
        location: "https://evil.test/x?token=s3cr3t-t0ken".into(),
    }]);
    let backup = Hostile::start(vec![Mode::with_headers(500, &[], "")]);
    let err = send_through(Kind::WebhookReceiver, &primary, &backup)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        !err.contains("s3cr3t-t0ken") && !err.contains("127.0.0.1"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_50_mb_answer_is_read_only_in_part() {
    let size = 50 * 1024 * 1024;
    for kind in [Kind::SendGridApi, Kind::TwilioApi] {
        let (result, primary, _backup) = through(
            kind,
            vec![Mode::Huge {
                status: 400,
                bytes: size,
            }],
        )
        .await;
        let _ = result;
        // Give the server a moment to notice the closed connection.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            primary.bytes_written() < size / 4,
            "{kind:?}: stopped reading after {} bytes",
            primary.bytes_written()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_webhook_message_id_is_the_events_own_across_retries() {
    let hook = Hostile::start(vec![
        Mode::with_headers(500, &[], ""),
        Mode::with_headers(200, &[], ""),
    ]);
    let backup = healthy_backup();
    let (app, key) = pipeline(Kind::WebhookReceiver.provider(&hook.url()), &backup, |_| {}).await;
    let first = event("CustomEmailSender_SignUp", &key, CODE).await;
    app.handle(first.clone()).await.unwrap();
    // Lambda delivers the same event again (a retry, or a duplicate invocation).
    app.handle(first).await.unwrap();
    let other = event("CustomEmailSender_SignUp", &key, CODE).await;
    app.handle(other).await.unwrap();
    let ids: Vec<String> = hook
        .received()
        .iter()
        .map(|r| {
            serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["message_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids.len(),
        4,
        "a 500, its retry, the duplicate, the other event"
    );
    assert_eq!(ids[0], ids[1], "our retry carries the same id");
    assert_eq!(ids[1], ids[2], "Lambda's retry carries the same id");
    assert_ne!(
        ids[2], ids[3],
        "another event (same plaintext) has its own id"
    );
}

/// A dead primary costs one event, not every event: in one warm app its circuit
/// opens after the first event's two timeouts, the next events go straight to the
/// backup without a request to it, and after the cool-down one event probes it and
/// it is reinstated when it answers.
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_primary_costs_one_event_then_is_probed_and_reinstated() {
    let kind = Kind::SendGridApi;
    let primary = Hostile::start(vec![Mode::Hang, Mode::Hang, kind.accepts()]);
    let backup = healthy_backup();
    let cool_down = Duration::from_secs(2);
    let (app, key) = pipeline(kind.provider(&primary.url()), &backup, |config| {
        config.delivery.breaker.threshold = 2;
        config.delivery.breaker.cool_down_ms = cool_down.as_millis() as u64;
    })
    .await;
    // Minted first: the events within the cool-down are only delivery.
    let mut events = Vec::new();
    for _ in 0..6 {
        events.push(event(kind.source(), &key, CODE).await);
    }
    let mut events = events.into_iter();

    let first = app.handle(events.next().unwrap()).await.unwrap();
    assert_eq!(
        (first.provider.as_str(), first.failed_over),
        ("backup", true)
    );
    assert_eq!(
        primary.received().len(),
        2,
        "the first event waited out both timeouts"
    );
    for _ in 0..3 {
        assert_eq!(
            app.handle(events.next().unwrap()).await.unwrap().provider,
            "backup"
        );
    }
    assert_eq!(
        primary.received().len(),
        2,
        "skipped: nothing reached the primary"
    );
    tokio::time::sleep(cool_down).await;
    let probe = app.handle(events.next().unwrap()).await.unwrap();
    assert_eq!(
        (probe.provider.as_str(), probe.failed_over),
        ("primary", false)
    );
    assert_eq!(
        app.handle(events.next().unwrap()).await.unwrap().provider,
        "primary"
    );
    assert_eq!(primary.received().len(), 4);
    assert_eq!(backup.received().len(), 4);
}
