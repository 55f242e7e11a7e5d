//! Providers that misbehave on purpose (`switchboard_testkit::hostile`), behind the real
//! pipeline: every HTTP service compiled in, each driven by the stand-in it declares
//! in its folder, so a new service gets these tests by declaring one.

use std::time::Duration;

use switchboard::providers::ErrorKind;
use switchboard::HandleError;
use switchboard_testkit::hostile::{Hostile, Mode};

use crate::stand_ins::{
    every_http_service, healthy_backup, mode, pipeline, send_through, service, through, CODE,
    NUMBER,
};

#[tokio::test(flavor = "multi_thread")]
async fn every_transport_fault_is_retried_then_the_backup_delivers() {
    for http in every_http_service() {
        for (fault, mode) in [
            ("hangs", Mode::Hang),
            ("stalls the body", Mode::StallBody),
            ("closes mid-response", Mode::CloseMidResponse),
            ("answers 503", Mode::with_headers(503, &[], "busy")),
        ] {
            let primary = Hostile::start(vec![mode]);
            let backup = healthy_backup();
            let outcome = send_through(http, &primary, &backup)
                .await
                .unwrap_or_else(|e| panic!("{http:?} that {fault}: {e}"));
            assert_eq!(outcome.provider, "backup", "{http:?} that {fault}");
            assert_eq!(
                primary.received().len(),
                2,
                "{http:?} that {fault}: retried once"
            );
            assert_eq!(backup.received().len(), 1);
        }
        // https:// to a server that speaks plain HTTP: the TLS handshake fails.
        let primary = Hostile::start(vec![http.accepts()]);
        let backup = healthy_backup();
        let (app, key) = pipeline(http.provider(&primary.https_url()), &backup, |_| {}).await;
        let outcome = app
            .handle(crate::stand_ins::event(http.source(), &key, CODE).await)
            .await
            .unwrap();
        assert_eq!(
            outcome.provider, "backup",
            "{http:?} behind a failing TLS handshake"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_retry_after_neither_panics_nor_stops_the_backup() {
    for http in every_http_service() {
        let (result, primary, _backup) = through(
            http,
            vec![Mode::with_headers(
                429,
                &[("Retry-After", "18446744073709551615")],
                "",
            )],
        )
        .await;
        let outcome = result.unwrap();
        assert_eq!(outcome.provider, "backup", "{http:?}");
        assert_eq!(
            primary.received().len(),
            1,
            "{http:?}: no retry an hour out"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_accepted_message_with_a_broken_answer_is_one_delivery() {
    for http in every_http_service() {
        let primary = Hostile::start(vec![Mode::TruncatedOk]);
        let backup = healthy_backup();
        let outcome = send_through(http, &primary, &backup)
            .await
            .unwrap_or_else(|e| panic!("{http:?}: {e}"));
        assert_eq!(outcome.provider, "primary", "{http:?}");
        assert_eq!(
            primary.received().len(),
            1,
            "{http:?}: sent once, not retried"
        );
        assert!(
            backup.received().is_empty(),
            "{http:?}: no failover duplicate"
        );
        if http.stand_in.id_from_body {
            assert_eq!(outcome.message_id, "unknown", "{http:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_misconfigured_primary_fails_over_without_a_retry() {
    let elsewhere = Hostile::start(vec![Mode::with_headers(200, &[], "")]);
    let mut cases = Vec::new();
    for http in every_http_service() {
        for answer in http.stand_in.misconfigured {
            cases.push((http, mode(answer)));
        }
        // A redirect is an answer about the configuration (a moved endpoint).
        cases.push((
            http,
            Mode::Redirect {
                status: 307,
                location: format!("{}/stolen?token=abc", elsewhere.url()),
            },
        ));
    }
    cases.push((
        service("webhook"),
        Mode::Redirect {
            status: 308,
            location: "http://203.0.113.9/plain".into(),
        },
    ));
    for (http, mode) in cases {
        let described = format!("{http:?} answering {mode:?}");
        let primary = Hostile::start(vec![mode]);
        let backup = healthy_backup();
        let outcome = send_through(http, &primary, &backup)
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
    for http in every_http_service() {
        for answer in http.stand_in.refused_recipient {
            let described = format!("{http:?} answering {answer:?}");
            let (result, _primary, backup) = through(http, vec![mode(answer)]).await;
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
}

#[tokio::test(flavor = "multi_thread")]
async fn neither_the_code_nor_the_recipient_reaches_an_error() {
    for http in every_http_service() {
        let primary = Hostile::start(vec![Mode::Echo { status: 400 }]);
        let backup = Hostile::start(vec![Mode::Echo { status: 400 }]);
        let err = send_through(http, &primary, &backup)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            primary.received()[0].text().contains(CODE),
            "the code was sent"
        );
        assert!(
            !err.contains(CODE),
            "{http:?}: the echoed code is not in {err}"
        );
        assert!(!err.contains("jane.doe@example.com"), "{http:?}: {err}");
        assert!(
            !err.contains(NUMBER) && !err.contains("2025550177"),
            "{http:?}: {err}"
        );
    }
    // A provider's own error code stays; the number it quotes does not.
    let twilio = service("twilio");
    let quoting = twilio.stand_in.refused_recipient[0];
    let primary = Hostile::start(vec![mode(&quoting)]);
    let err = send_through(twilio, &primary, &healthy_backup())
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
    let err = send_through(service("webhook"), &primary, &backup)
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
    for http in every_http_service() {
        let (result, primary, _backup) = through(
            http,
            vec![Mode::Huge {
                status: 400,
                bytes: size,
            }],
        )
        .await;
        let _ = result;
        primary.wait_for_answers(1, Duration::from_secs(10)).await;
        assert!(
            primary.bytes_written() < size / 4,
            "{http:?}: stopped reading after {} bytes",
            primary.bytes_written()
        );
    }
}
