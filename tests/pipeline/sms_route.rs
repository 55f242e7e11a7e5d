//! What the pipeline does with an SMS before it is sent: the number normalised
//! and filtered by region, the segment cap at start-up and at send time, and the
//! code's lifetime carried to the provider.

use switchboard::providers::Message;
use switchboard::startup::{self, StartupOptions};
use switchboard::HandleError;

use crate::fixtures::{app_with, app_with_memory, example_with_code, scripted};
use switchboard::config::RouteConfig;
use switchboard::testing::set_route;

#[tokio::test(flavor = "multi_thread")]
async fn an_sms_number_that_is_not_e164_is_refused_without_echoing_it() {
    let (memory, app) = app_with_memory().await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    switchboard::testing::set_attribute(&mut event, "phone_number", "0151 SECRETNUMBER");
    let err = app.handle(event).await.unwrap_err();
    assert!(
        err.to_string().contains("phone_number") && !err.to_string().contains("SECRETNUMBER"),
        "{err}"
    );
    assert_eq!(memory.attempts(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sms_numbers_are_normalised_and_filtered_by_country() {
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    config.sms.default_region = Some("DE".into());
    config.sms.denied_countries = vec!["NG".parse().unwrap()];
    let app = app_with(&mut config, &[&memory]).await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    switchboard::testing::set_attribute(&mut event, "phone_number", "0151 12345678");
    app.handle(event.clone()).await.unwrap();
    let Message::Sms(sms) = &memory.accepted()[0] else {
        panic!("an SMS")
    };
    assert_eq!(sms.to, "+4915112345678");
    switchboard::testing::set_attribute(&mut event, "phone_number", "+2348031234567");
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
    let route = RouteConfig {
        allowed_countries: Some(vec!["US".parse().unwrap()]),
        ..Default::default()
    };
    set_route(&mut config, "CustomSMSSender_SignUp", route);
    let app = app_with(&mut config, &[&memory]).await;
    let mut event = example_with_code("CustomSMSSender_SignUp", "1").await;
    switchboard::testing::set_attribute(&mut event, "phone_number", "+4915112345678");
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
    switchboard::testing::set_attribute(&mut event, "phone_number", "0170 9876543");
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
    let route = RouteConfig {
        max_segments: Some(0),
        ..Default::default()
    };
    set_route(&mut config, "CustomSMSSender_AdminCreateUser", route);
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
async fn an_sms_carries_how_long_its_code_lives() {
    use std::time::Duration;
    let memory = scripted("memory");
    let mut config = switchboard::testing::defaults();
    let route = RouteConfig {
        validity_seconds: Some(0),
        ..Default::default()
    };
    set_route(&mut config, "CustomSMSSender_AdminCreateUser", route);
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
