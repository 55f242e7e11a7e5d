//! SMTP against a real server (aiosmtpd): STARTTLS with AUTH, implicit TLS, a
//! server without STARTTLS, wrong passwords, 4xx and 5xx replies.

use std::time::Duration;

use switchboard_providers::services::smtp::{Smtp, SmtpConfig};
use switchboard_providers::testing::conformance::{self, SECRET_CODE};
use switchboard_providers::{
    BuildContext, ErrorKind, Message, Provider, SecretValue, Sender, Service,
};
use switchboard_testkit::smtp::{smtp_server, PASSWORD, USER};

/// A relay with AUTH that trusts the test server's CA.
fn config(url: String, password: &str) -> SmtpConfig {
    SmtpConfig {
        username: Some(USER.into()),
        password: Some(SecretValue::new(password)),
        ca_file: Some(smtp_server().ca_file()),
        timeout_ms: 5000,
        max_connections: 2,
        ..SmtpConfig::new(url)
    }
}

fn build(config: SmtpConfig) -> Provider<Smtp> {
    config.provider("relay", &BuildContext::default()).unwrap()
}

fn smtp(url: String, password: &str, dangerous_plaintext: bool) -> Provider<Smtp> {
    build(SmtpConfig {
        dangerous_plaintext,
        ..config(url, password)
    })
}

fn starttls() -> Provider<Smtp> {
    smtp(
        format!("smtp://localhost:{}", smtp_server().starttls_port),
        PASSWORD,
        false,
    )
}

fn email_to(to: &str, subject: &str) -> Message {
    let mut message = conformance::sample_email(to, "Acme Support <no-reply@acme.test>");
    if let Message::Email(email) = &mut message {
        email.subject = subject.into();
        email.reply_to = Some("help@acme.test".into());
    }
    message
}

#[tokio::test(flavor = "multi_thread")]
async fn delivers_over_starttls_with_auth_as_multipart_alternative() {
    let to = "starttls@example.com";
    let delivery = conformance::delivers(&starttls(), &email_to(to, "Ihr Bestätigungscode")).await;
    assert!(
        delivery.message_id.starts_with("SB"),
        "the relay's queue id from its 250 reply: {}",
        delivery.message_id
    );
    let received = smtp_server().received_for(to);
    assert_eq!(received.meta["tls"], true, "STARTTLS was used");
    assert_eq!(received.meta["auth_user"], USER);
    assert_eq!(received.meta["mail_from"], "no-reply@acme.test");
    let eml = received.eml;
    for needle in [
        "Content-Type: multipart/alternative",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Type: text/html; charset=utf-8",
        "Message-ID: <",
        "Date: ",
        "From: \"Acme Support\" <no-reply@acme.test>",
        "Reply-To: help@acme.test",
        "Subject: Ihr =?utf-8?b?",
        SECRET_CODE,
    ] {
        assert!(eml.contains(needle), "missing `{needle}`:\n{eml}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delivers_over_implicit_tls() {
    let to = "implicit@example.com";
    let sender = smtp(
        format!("smtps://localhost:{}", smtp_server().implicit_port),
        PASSWORD,
        false,
    );
    conformance::delivers(&sender, &email_to(to, "Code")).await;
    let received = smtp_server().received_for(to);
    assert_eq!(received.meta["tls"], true);
    assert_eq!(received.meta["port"], smtp_server().implicit_port);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_an_auth_error() {
    let sender = smtp(
        format!("smtp://localhost:{}", smtp_server().starttls_port),
        "wrong-password",
        false,
    );
    let err = sender
        .send(&email_to("wrongpw@example.com", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary()),
        (ErrorKind::Auth, false),
        "{err}"
    );
    assert_eq!(err.status(), Some(535));
    assert!(!err.to_string().contains("wrong-password"), "{err}");
    assert!(!smtp_server().has_message_for("wrongpw@example.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_starttls_is_refused() {
    let sender = smtp(
        format!("smtp://localhost:{}", smtp_server().plain_port),
        PASSWORD,
        false,
    );
    let err = sender
        .send(&email_to("nostarttls@example.com", "x"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("STARTTLS"), "{err}");
    assert!(!smtp_server().has_message_for("nostarttls@example.com"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dangerous_option_allows_plain_text() {
    let to = "plaintext@example.com";
    let sender = smtp(
        format!("smtp://localhost:{}", smtp_server().plain_port),
        PASSWORD,
        true,
    );
    sender.send(&email_to(to, "x")).await.unwrap();
    assert_eq!(smtp_server().received_for(to).meta["tls"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_4xx_reply_is_temporary_and_a_5xx_reply_is_a_rejection() {
    let err =
        conformance::maps_transient_failure(&starttls(), &email_to("tempfail@example.com", "x"))
            .await;
    assert_eq!(err.status(), Some(451));
    let err = starttls()
        .send(&email_to("reject@example.com", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary(), err.status()),
        (ErrorKind::Rejected, false, Some(550)),
        "{err}"
    );
    assert!(
        !err.to_string().contains("reject@example.com")
            && err.to_string().contains("r***@e***.com"),
        "the relay's reply names the recipient, masked: {err}"
    );
    // A relay that refuses to relay is our setup, not this recipient: fail over.
    let err = starttls()
        .send(&email_to("relaydenied@example.com", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.is_temporary(), err.status()),
        (ErrorKind::Config, false, Some(554)),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_is_down_is_temporary_unavailable() {
    let port = switchboard_testkit::REFUSED_PORT;
    let sender = smtp(format!("smtp://localhost:{port}"), PASSWORD, false);
    let err = sender
        .send(&email_to("down@example.com", "x"))
        .await
        .unwrap_err();
    assert!(err.is_temporary(), "{err}");
    assert!(
        matches!(err.kind(), ErrorKind::Unavailable | ErrorKind::Timeout),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_certificate_is_refused() {
    let sender = build(SmtpConfig {
        ca_file: None,
        max_connections: 1,
        ..config(
            format!("smtps://localhost:{}", smtp_server().implicit_port),
            PASSWORD,
        )
    });
    let err = sender
        .send(&email_to("untrusted@example.com", "x"))
        .await
        .unwrap_err();
    assert!(
        !smtp_server().has_message_for("untrusted@example.com"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pool_reuses_one_connection_across_warm_invocations() {
    // A server of its own: the shared one counts other tests' connections too.
    let server = switchboard_testkit::smtp::start();
    let sender = build(SmtpConfig {
        ca_file: Some(server.ca_file()),
        ..config(
            format!("smtp://localhost:{}", server.starttls_port),
            PASSWORD,
        )
    });
    sender
        .send(&email_to("pool-1@example.com", "x"))
        .await
        .unwrap();
    // Give the server's counter file a moment to catch up.
    std::thread::sleep(Duration::from_millis(300));
    let before = server.connections();
    for i in 2..=5 {
        // lettre parks a connection from a background task after each send;
        // warm invocations are further apart than this.
        tokio::time::sleep(Duration::from_millis(50)).await;
        sender
            .send(&email_to(&format!("pool-{i}@example.com"), "x"))
            .await
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    let after = server.connections();
    assert_eq!(server.received_for("pool-5@example.com").meta["tls"], true);
    assert_eq!(
        after - before,
        0,
        "4 more messages opened {} new connections",
        after - before
    );
}

#[test]
fn credentials_in_the_url_and_unknown_schemes_are_refused() {
    let build = |url: &str| SmtpConfig::new(url).provider("relay", &BuildContext::default());
    let err = build("smtp://user:pw@localhost:587").unwrap_err();
    assert!(
        err.to_string().contains("username") && !err.to_string().contains(":pw@"),
        "{err}"
    );
    let err = build("http://localhost").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

// A built pool needs a runtime (lettre spawns its reaper).
#[tokio::test]
async fn the_dangerous_option_is_for_a_relay_on_this_host_only() {
    let plaintext = |url: &str, with_credentials: bool, inside_lambda: bool| {
        let mut config = SmtpConfig::new(url);
        config.dangerous_plaintext = true;
        if with_credentials {
            config.username = Some(USER.into());
            config.password = Some(SecretValue::new(PASSWORD));
        }
        let context = BuildContext {
            inside_lambda,
            ..BuildContext::default()
        };
        config.provider("relay", &context).map(|_| ())
    };
    for remote in [
        "smtp://relay.acme.test:25",
        "smtp://10.0.0.25",
        "smtp://[2001:db8::25]",
    ] {
        let error = plaintext(remote, true, false).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config);
        let text = error.to_string();
        for part in [
            "dangerous_plaintext",
            "relay password",
            "127.0.0.1",
            "STARTTLS",
        ] {
            assert!(text.contains(part), "{remote}: {text}");
        }
        assert!(!text.contains(PASSWORD), "{text}");
        let error = plaintext(remote, false, true).unwrap_err().to_string();
        assert!(
            error.contains("every code"),
            "inside Lambda, even without credentials: {error}"
        );
        assert!(
            plaintext(remote, false, false).is_ok(),
            "a local run without credentials"
        );
    }
    for local in [
        "smtp://localhost:2525",
        "smtp://127.0.0.1:2525",
        "smtp://[::1]:2525",
    ] {
        assert!(plaintext(local, true, true).is_ok(), "{local}");
    }
}
