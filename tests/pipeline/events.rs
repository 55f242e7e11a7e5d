//! The whole pipeline: event → decrypt → route → render → send.

use std::sync::Arc;

use switchboard::cli::examples::{sample_code, EVENTS};
use switchboard::cognito::event::{parse_custom_sender, TriggerSource};
use switchboard::cognito::mint::{cognito_escape, CodeMinter};
use switchboard::config::Config;
use switchboard::providers::{Channel, ErrorKind, Message, ScriptedSender, Sender};
use switchboard::startup::{self, StartupOptions};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError};

/// An app whose email and SMS chains are the given scripted senders.
async fn app_with(config: &mut Config, senders: &[&Arc<ScriptedSender>]) -> App {
    let senders: Vec<Arc<dyn Sender>> = senders
        .iter()
        .map(|s| Arc::clone(s) as Arc<dyn Sender>)
        .collect();
    TestApp::new(config.clone()).senders(&senders).start().await
}

/// An app on the embedded defaults whose only provider is a scripted `memory`.
async fn app_with_memory() -> (Arc<ScriptedSender>, App) {
    let memory = scripted("memory");
    let app = app_with(&mut switchboard::testing::defaults(), &[&memory]).await;
    (memory, app)
}

fn scripted(name: &str) -> Arc<ScriptedSender> {
    Arc::new(ScriptedSender::new(name, &[Channel::Email, Channel::Sms]))
}

async fn example_with_code(
    trigger: &str,
    plaintext: &str,
) -> switchboard::cognito::event::CustomSenderEvent {
    let mut event = switchboard::testing::example_event(trigger);
    let minter = CodeMinter::insecure_dev_key().await.unwrap();
    event.request.code = Some(minter.mint(plaintext, &event.user_pool_id).await.unwrap());
    event
}

#[tokio::test(flavor = "multi_thread")]
async fn every_example_event_parses_and_has_a_route_for_its_channel() {
    let dir = tempfile::tempdir().unwrap();
    let config = switchboard::testing::defaults_with_outbox(dir.path());
    let app = startup::build(&config, StartupOptions::demo())
        .await
        .unwrap();
    assert_eq!(EVENTS.len(), 15);
    let mut sources = Vec::new();
    for (name, json) in EVENTS {
        let event = parse_custom_sender(json.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(event.trigger_source.to_string(), *name);
        assert!(
            !matches!(event.trigger_source, TriggerSource::Unknown(_)),
            "{name} is a known source"
        );
        let channel = event.channel().expect("examples have a channel");
        assert_eq!(
            app.routes().get(&event.trigger_source, channel).channel,
            channel
        );
        sources.push(event.trigger_source);
    }
    let known: Vec<_> = TriggerSource::all_known().collect();
    assert!(
        known.iter().all(|k| sources.contains(k)),
        "an example for every source"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_delivers_all_fifteen_examples_to_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let config = switchboard::testing::defaults_with_outbox(dir.path());
    let outcomes = switchboard::cli::demo::run_examples(&config).await.unwrap();
    assert_eq!(outcomes.len(), 15);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let eml = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count();
    let json = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count();
    assert_eq!(
        (eml, json),
        (8, 7),
        "8 emails and 7 text messages: {files:?}"
    );
    for outcome in &outcomes {
        let body = std::fs::read_to_string(&outcome.message_id).unwrap();
        if outcome
            .trigger_source
            .ends_with("AccountTakeOverNotification")
        {
            assert!(body.contains("203.0.113.42"), "takeover details are shown");
        } else if !outcome.trigger_source.ends_with("AdminCreateUser") {
            assert!(
                body.contains(sample_code(&outcome.trigger_source)),
                "{}: code in body",
                outcome.trigger_source
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_password_is_unescaped_then_escaped_correctly_for_html() {
    let (memory, app) = app_with_memory().await;
    let event = example_with_code(
        "CustomEmailSender_AdminCreateUser",
        &cognito_escape("Tmp<Pa&ss>9"),
    )
    .await;
    app.handle(event).await.unwrap();
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(email.text.contains("Tmp<Pa&ss>9"), "{}", email.text);
    assert!(
        email.html.contains("Tmp&lt;Pa&amp;ss&gt;9"),
        "{}",
        email.html
    );
    assert!(!email.html.contains("&amp;lt;"), "not double-escaped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_code_on_a_source_that_needs_one_is_an_error_and_sends_nothing() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    event.request.code = Some("  ".into());
    let err = app.handle(event).await.unwrap_err();
    assert!(matches!(err, HandleError::MissingCode(_)), "{err}");
    assert!(err.to_string().contains("CustomSMSSender_SignUp"), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_code_is_an_error_and_sends_nothing() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_ForgotPassword", "777777").await;
    let code = event.request.code.take().unwrap();
    let mut chars: Vec<char> = code.chars().collect();
    let middle = chars.len() / 2;
    chars[middle] = if chars[middle] == 'A' { 'B' } else { 'A' };
    event.request.code = Some(chars.into_iter().collect());
    let err = app.handle(event).await.unwrap_err();
    assert!(matches!(err, HandleError::Decrypt(_)), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_trigger_source_goes_to_its_channels_default_route() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_SignUp", "246810").await;
    event.trigger_source = "CustomEmailSender_SomethingNew".parse().unwrap();
    let outcome = app.handle(event).await.unwrap();
    assert_eq!(outcome.trigger_source, "CustomEmailSender_SomethingNew");
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(email.text.contains("246810"));
    assert_eq!(email.subject, "Your Switchboard Demo code");
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_moves_on_after_an_outage() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Unavailable,
        10,
    ));
    let backup = scripted("backup");
    let mut config = switchboard::testing::defaults();
    config.delivery.base_delay_ms = 1;
    let app = app_with(&mut config, &[&primary, &backup]).await;
    let outcome = app
        .handle(example_with_code("CustomSMSSender_Authentication", "1").await)
        .await
        .unwrap();
    assert_eq!(outcome.provider, "backup");
    assert_eq!(primary.attempts(), 3, "retried up to max_attempts first");
    assert_eq!(backup.accepted().len(), 1);
    assert_eq!(
        outcome.attempts, 4,
        "three failed attempts and one success are recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_recipient_does_not_fail_over_and_is_an_error() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Rejected,
        1,
    ));
    let backup = scripted("backup");
    let mut config = switchboard::testing::defaults();
    let app = app_with(&mut config, &[&primary, &backup]).await;
    let err = app
        .handle(example_with_code("CustomEmailSender_SignUp", "1").await)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HandleError::Send(e) if e.kind() == ErrorKind::Rejected),
        "{err}"
    );
    assert_eq!(backup.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn when_every_provider_fails_the_invocation_fails_with_all_attempts_named() {
    let primary = Arc::new(ScriptedSender::failing(
        "primary",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Unavailable,
        5,
    ));
    let backup = Arc::new(ScriptedSender::failing(
        "backup",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Auth,
        5,
    ));
    let mut config = switchboard::testing::defaults();
    let app = app_with(&mut config, &[&primary, &backup]).await;
    let err = app
        .handle(example_with_code("CustomEmailSender_SignUp", "1").await)
        .await
        .unwrap_err();
    let text = err.to_string();
    switchboard_testkit::assert_mentions(&text, &["primary", "backup"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_email_without_lookup_is_a_clear_error() {
    let (memory, app) = app_with_memory().await;
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/account-takeover-without-email.json"
    ))
    .unwrap();
    let err = app.handle_json(&json).await.unwrap_err();
    let text = err.to_string();
    switchboard_testkit::assert_mentions(&text, &["takeover-user-without-email", "`email`"]);
    assert!(
        text.contains("lookup_missing_recipient"),
        "says how to fix it: {text}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_events_name_the_field() {
    let (memory, app) = app_with_memory().await;
    let err = app.handle_json(br#"{"triggerSource":"CustomEmailSender_SignUp","userPoolId":"p","userName":"u","request":{"code":42}}"#).await.unwrap_err();
    assert!(err.to_string().contains("request.code"), "{err}");
    let err = app.handle_json(b"not json").await.unwrap_err();
    assert!(matches!(err, HandleError::Event(_)), "{err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_number_that_is_not_e164_is_refused_without_echoing_it() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    event
        .request
        .user_attributes
        .insert("phone_number".into(), "0151 SECRETNUMBER".into());
    let err = app.handle(event).await.unwrap_err();
    assert!(
        err.to_string().contains("phone_number") && !err.to_string().contains("SECRETNUMBER"),
        "{err}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_examples_carry_codes_the_dev_key_decrypts() {
    // So `switchboard invoke examples/events/<source>.json` works out of the box.
    let (memory, app) = app_with_memory().await;
    for (name, json) in EVENTS {
        let outcome = app
            .handle_json(json.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.trigger_source, *name);
    }
    let texts: Vec<String> = memory
        .accepted()
        .iter()
        .map(|m| match m {
            Message::Email(e) => e.text.clone(),
            Message::Sms(s) => s.body.clone(),
        })
        .collect();
    assert_eq!(texts.len(), 15);
    assert!(
        texts.iter().filter(|t| t.contains("491305")).count() == 12,
        "12 sources carry the sample code"
    );
    assert!(
        texts.iter().filter(|t| t.contains("Tmp<Pa&ss>9")).count() == 2,
        "2 carry the unescaped password"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sms_numbers_are_normalised_and_filtered_by_country() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.sms.default_region = Some("DE".into());
    config.sms.denied_countries = vec!["NG".parse().unwrap()];
    let app = app_with(&mut config, &[&memory]).await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    event
        .request
        .user_attributes
        .insert("phone_number".into(), "0151 12345678".into());
    app.handle(event.clone()).await.unwrap();
    let Message::Sms(sms) = &memory.accepted()[0] else {
        panic!("an SMS")
    };
    assert_eq!(sms.to, "+4915112345678");
    event
        .request
        .user_attributes
        .insert("phone_number".into(), "+2348031234567".into());
    let err = app.handle(event).await.unwrap_err();
    assert!(
        matches!(
            &err,
            HandleError::CountryNotAllowed {
                calling_code: 234,
                setting,
                ..
            } if setting == "sms.denied_countries"
        ),
        "{err}"
    );
    assert!(err.to_string().contains("`sms.denied_countries`"), "{err}");
    assert_eq!(memory.attempts(), 1, "the denied number was not sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_number_names_the_setting_that_refused_it() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.routes.insert(
        "CustomSMSSender_SignUp".into(),
        switchboard::config::RouteConfig {
            allowed_countries: Some(vec!["US".parse().unwrap()]),
            ..Default::default()
        },
    );
    let app = app_with(&mut config, &[&memory]).await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    event
        .request
        .user_attributes
        .insert("phone_number".into(), "+4915112345678".into());
    let err = app.handle(event.clone()).await.unwrap_err().to_string();
    switchboard_testkit::assert_mentions(
        &err,
        &[
            "`routes.CustomSMSSender_SignUp.allowed_countries`",
            "region DE",
            "+49",
        ],
    );
    // A national number without sms.default_region: the hint survives.
    event
        .request
        .user_attributes
        .insert("phone_number".into(), "0170 9876543".into());
    let err = app.handle(event).await.unwrap_err().to_string();
    switchboard_testkit::assert_mentions(&err, &["phone_number", "set sms.default_region"]);
    assert!(!err.contains("9876543"), "never the number itself: {err}");
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_over_the_segment_cap_is_refused_at_send_time() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.sms.max_segments = 1;
    let app = app_with(&mut config, &[&memory]).await;
    // A long username pushes the AdminCreateUser SMS past one segment.
    let mut event =
        example_with_code("CustomSMSSender_AdminCreateUser", "Tmp&lt;Pa&amp;ss&gt;9").await;
    event.user_name = "a-very-long-username-".repeat(8);
    let err = app.handle(event).await.unwrap_err();
    assert!(
        matches!(err, HandleError::SmsTooLong { max: 1, .. }),
        "{err}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_template_over_the_segment_cap_fails_start_up() {
    let mut config = switchboard::testing::defaults();
    config.routes.insert(
        "CustomSMSSender_AdminCreateUser".into(),
        switchboard::config::RouteConfig {
            max_segments: Some(0),
            ..Default::default()
        },
    );
    let err = startup::build(&config, StartupOptions::demo())
        .await
        .unwrap_err()
        .to_string();
    switchboard_testkit::assert_mentions(
        &err,
        &[
            "CustomSMSSender_AdminCreateUser",
            "admin-create-user.sms",
            "max_segments = 0",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_route_is_handled_without_sending() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.routes.insert(
        "CustomEmailSender_AccountTakeOverNotification".into(),
        switchboard::config::RouteConfig {
            enabled: Some(false),
            ..Default::default()
        },
    );
    let app = app_with(&mut config, &[&memory]).await;
    let (_, json) = EVENTS
        .iter()
        .find(|(n, _)| n.ends_with("AccountTakeOverNotification"))
        .unwrap();
    let outcome = app.handle_json(json.as_bytes()).await.unwrap();
    assert_eq!(outcome.status, switchboard::OutcomeStatus::Disabled);
    assert_eq!(memory.attempts(), 0);
    // Other sources still deliver.
    app.handle(example_with_code("CustomEmailSender_SignUp", "1").await)
        .await
        .unwrap();
    assert_eq!(memory.attempts(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_sent_past_the_invocation_deadline() {
    let flaky = Arc::new(ScriptedSender::failing(
        "flaky",
        &[Channel::Email, Channel::Sms],
        ErrorKind::Unavailable,
        100,
    ));
    let mut config = switchboard::testing::defaults();
    config.delivery.max_attempts = 10;
    let app = app_with(&mut config, &[&flaky]).await;
    let event = example_with_code("CustomEmailSender_SignUp", "1").await;
    let err = app
        .handle_until(event, Some(std::time::Instant::now()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HandleError::Send(e) if e.is_temporary()),
        "Lambda retries the event: {err}"
    );
    assert_eq!(flaky.attempts(), 0, "no attempt starts past the deadline");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_users_locale_picks_the_template_language() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_ForgotPassword", "1").await;
    event
        .request
        .user_attributes
        .insert("locale".into(), "de-AT".into());
    app.handle(event.clone()).await.unwrap();
    event.request.user_attributes.remove("locale");
    event
        .request
        .client_metadata
        .insert("locale".into(), "de".into());
    app.handle(event.clone()).await.unwrap();
    event.request.client_metadata.clear();
    app.handle(event).await.unwrap();
    let subjects: Vec<String> = memory
        .accepted()
        .iter()
        .map(|m| match m {
            Message::Email(e) => e.subject.clone(),
            Message::Sms(_) => unreachable!(),
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "Passwort für Switchboard Demo zurücksetzen",
            "Passwort für Switchboard Demo zurücksetzen",
            "Reset your Switchboard Demo password"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_client_gets_its_own_branding_and_sender() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.clients.insert(
        "6u7c9vr3pkstoog1example2ab".into(),
        switchboard::config::ClientConfig {
            name: Some("Acme Mobile".into()),
            from: Some("Acme Mobile <mobile@acme.test>".into()),
            ..Default::default()
        },
    );
    let app = app_with(&mut config, &[&memory]).await;
    let event = example_with_code("CustomEmailSender_SignUp", "1").await;
    assert_eq!(
        event.caller_context.client_id.as_deref(),
        Some("6u7c9vr3pkstoog1example2ab")
    );
    app.handle(event.clone()).await.unwrap();
    let mut other = event;
    other.caller_context.client_id = Some("someotherclient".into());
    app.handle(other).await.unwrap();
    let accepted = memory.accepted();
    let (Message::Email(mine), Message::Email(theirs)) = (&accepted[0], &accepted[1]) else {
        panic!("emails")
    };
    assert_eq!(
        (mine.from.as_str(), mine.subject.as_str()),
        (
            "Acme Mobile <mobile@acme.test>",
            "Your Acme Mobile verification code"
        )
    );
    assert_eq!(theirs.from, "Switchboard Demo <no-reply@example.com>");
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_attributes_arrive_as_text_in_html() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_SignUp", "1").await;
    event
        .request
        .user_attributes
        .insert("given_name".into(), "<img src=x onerror=alert(1)>".into());
    app.handle(event).await.unwrap();
    let Message::Email(email) = &memory.accepted()[0] else {
        panic!("an email")
    };
    assert!(
        email.html.contains("&lt;img src=x onerror=alert(1)&gt;") && !email.html.contains("<img"),
        "{}",
        email.html
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_takeover_mail_says_what_cognito_did_in_words() {
    let (memory, app) = app_with_memory().await;
    let cases = [
        ("BLOCK", "en", "and blocked it."),
        (
            "MFA_REQUIRED",
            "en",
            "and required an extra verification step.",
        ),
        ("mfa_if_configured", "en", "if you have one set up."),
        ("NO_ACTION", "en", "It was allowed: no action was taken."),
        (
            "SOMETHING_NEW",
            "en",
            "We noticed an unusual sign-in to your account.",
        ),
        ("BLOCK", "de", "bemerkt und sie blockiert."),
        (
            "MFA_REQUIRED",
            "de",
            "einen zusätzlichen Bestätigungsschritt verlangt.",
        ),
        (
            "MFA_IF_CONFIGURED",
            "de",
            "sofern Sie einen eingerichtet haben.",
        ),
        (
            "NO_ACTION",
            "de",
            "Sie wurde zugelassen; es wurde nichts unternommen.",
        ),
        ("BLOCK", "es", "en tu cuenta y lo bloqueamos."),
        (
            "NO_ACTION",
            "es-MX",
            "Se permitió y no se tomó ninguna medida.",
        ),
        ("BLOCK", "fr", "à votre compte et l'avons bloquée."),
        (
            "MFA_REQUIRED",
            "fr",
            "exigé une étape de vérification supplémentaire.",
        ),
        ("BLOCK", "pt-BR", "à sua conta e o bloqueamos."),
        (
            "MFA_IF_CONFIGURED",
            "pt",
            "caso você tenha uma configurada.",
        ),
        ("BLOCK", "it", "e lo abbiamo bloccato."),
        ("NO_ACTION", "it", "non è stata intrapresa alcuna azione."),
        ("BLOCK", "ja", "このログインをブロックしました。"),
        ("MFA_REQUIRED", "ja", "追加の本人確認を求めました。"),
        ("BLOCK", "ar", "وقمنا بحظره."),
        ("NO_ACTION", "ar", "ولم يُتخذ أي إجراء."),
    ];
    for (action, locale, sentence) in cases {
        let mut event =
            switchboard::testing::example_event("CustomEmailSender_AccountTakeOverNotification");
        let attributes = &mut event.request.user_attributes;
        attributes.insert("ACCOUNT_TAKE_OVER_ACTION".into(), action.into());
        attributes.insert("locale".into(), locale.into());
        app.handle(event).await.unwrap();
        let Some(Message::Email(email)) = memory.accepted().pop() else {
            panic!("an email")
        };
        for (part, body) in [("text", &email.text), ("html", &email.html)] {
            assert!(
                body.contains(sentence),
                "{action} ({locale}, {part}): {body}"
            );
            if action == "SOMETHING_NEW" {
                assert!(
                    !body.contains("allowed"),
                    "an unknown action is not called allowed: {body}"
                );
            }
            let words = body.split(|c: char| !c.is_alphanumeric() && c != '_');
            let raw: Vec<&str> = words.filter(|w| w.eq_ignore_ascii_case(action)).collect();
            assert!(
                raw.is_empty() && !body.contains("took this action"),
                "{action} ({locale}, {part}): Cognito's word is not the message: {body}"
            );
        }
        let file_locale = match locale {
            "es-MX" => "es",
            "pt" => "pt-BR",
            other => other,
        };
        let time = switchboard::render::event_time("2026-11-23T10:15:02Z", file_locale).unwrap();
        assert!(
            !email.text.contains("2026-11-23T10:15:02Z") && time.contains("UTC"),
            "{locale}: the time in the reader's words, in UTC: {time}"
        );
        for detail in ["Chrome 131, Windows 11", "Springfield", time.as_str()] {
            assert!(
                email.text.contains(detail),
                "{action} ({locale}): the device, place and time: {}",
                email.text
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_carries_how_long_its_code_lives() {
    use std::time::Duration;
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.routes.insert(
        "CustomSMSSender_AdminCreateUser".into(),
        switchboard::config::RouteConfig {
            validity_seconds: Some(0),
            ..Default::default()
        },
    );
    let app = app_with(&mut config, &[&memory]).await;
    let mut validities = Vec::new();
    for source in [
        "CustomSMSSender_Authentication",
        "CustomSMSSender_ForgotPassword",
        "CustomSMSSender_SignUp",
        "CustomSMSSender_AdminCreateUser",
    ] {
        app.handle(example_with_code(source, "1").await)
            .await
            .unwrap();
        let Some(Message::Sms(sms)) = memory.accepted().pop() else {
            panic!("an SMS")
        };
        validities.push(sms.validity);
    }
    assert_eq!(
        validities,
        [
            Some(Duration::from_secs(180)),
            Some(Duration::from_secs(3600)),
            Some(Duration::from_secs(86_400)),
            None,
        ],
        "Cognito's lifetimes; 0 on a route leaves it to the provider"
    );

    let mut config = switchboard::testing::defaults();
    config.sms.validity_seconds = Some(600);
    let app = app_with(&mut config, &[&memory]).await;
    app.handle(example_with_code("CustomSMSSender_Authentication", "1").await)
        .await
        .unwrap();
    let Some(Message::Sms(sms)) = memory.accepted().pop() else {
        panic!("an SMS")
    };
    assert_eq!(
        sms.validity,
        Some(Duration::from_secs(600)),
        "sms.validity_seconds for every source"
    );
}
