//! What a message says through the pipeline: the user's language, an app
//! client's branding and sender, attributes as text in HTML, and the takeover
//! notice in words.

use switchboard::providers::Message;

use crate::fixtures::{app_with, app_with_memory, example_with_code, scripted};

#[tokio::test(flavor = "multi_thread")]
async fn the_users_locale_picks_the_template_language() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomEmailSender_ForgotPassword", "1").await;
    switchboard::testing::set_attribute(&mut event, "locale", "de-AT");
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
    switchboard::testing::set_attribute(&mut event, "given_name", "<img src=x onerror=alert(1)>");
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
    // action | locale | the sentence the mail says it in
    let cases = "\
        BLOCK | en | and blocked it.\n\
        MFA_REQUIRED | en | and required an extra verification step.\n\
        mfa_if_configured | en | if you have one set up.\n\
        NO_ACTION | en | It was allowed: no action was taken.\n\
        SOMETHING_NEW | en | We noticed an unusual sign-in to your account.\n\
        BLOCK | de | bemerkt und sie blockiert.\n\
        MFA_REQUIRED | de | einen zusätzlichen Bestätigungsschritt verlangt.\n\
        MFA_IF_CONFIGURED | de | sofern Sie einen eingerichtet haben.\n\
        NO_ACTION | de | Sie wurde zugelassen; es wurde nichts unternommen.\n\
        BLOCK | es | en tu cuenta y lo bloqueamos.\n\
        NO_ACTION | es-MX | Se permitió y no se tomó ninguna medida.\n\
        BLOCK | fr | à votre compte et l'avons bloquée.\n\
        MFA_REQUIRED | fr | exigé une étape de vérification supplémentaire.\n\
        BLOCK | pt-BR | à sua conta e o bloqueamos.\n\
        MFA_IF_CONFIGURED | pt | caso você tenha uma configurada.\n\
        BLOCK | it | e lo abbiamo bloccato.\n\
        NO_ACTION | it | non è stata intrapresa alcuna azione.\n\
        BLOCK | ja | このログインをブロックしました。\n\
        MFA_REQUIRED | ja | 追加の本人確認を求めました。\n\
        BLOCK | ar | وقمنا بحظره.\n\
        NO_ACTION | ar | ولم يُتخذ أي إجراء.\n";
    let cases = cases.lines().map(|line| {
        let mut fields = line.trim().splitn(3, " | ");
        let mut field = || fields.next().unwrap();
        (field(), field(), field())
    });
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
