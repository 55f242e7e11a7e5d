//! Where an SMS may go, through the real pipeline: countries are ISO 3166
//! regions read from the number (+1 876 is Jamaica, whatever the allow list
//! says about +1), numbers of no region and premium-rate, shared-cost and UAN
//! numbers are refused by default, and a calling code left over from an older
//! configuration keeps its old meaning, so a running deployment keeps sending.

use std::sync::Arc;

use figment::providers::{Format, Toml};
use figment::Figment;
use switchboard::config::Config;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::{ScriptedSender, Sender};
use switchboard::testing::TestApp;
use switchboard::{App, HandleError};

async fn app(config: Config) -> (Arc<ScriptedSender>, App) {
    let memory = Arc::new(ScriptedSender::new("memory", BOTH_CHANNELS));
    let app = TestApp::new(config)
        .senders(&[memory.clone() as Arc<dyn Sender>])
        .start()
        .await;
    (memory, app)
}

/// The embedded defaults with `toml` on top, read as a deployment reads its file.
fn configured(toml: &str) -> Config {
    let figment =
        Figment::from(Toml::string(switchboard::config::DEFAULT_TOML)).merge(Toml::string(toml));
    Config::from_figment(&figment).unwrap()
}

fn sms_to(number: &str) -> switchboard::cognito::event::CustomSenderEvent {
    let mut event = switchboard::testing::example_event("CustomSMSSender_Authentication");
    switchboard::testing::set_attribute(&mut event, "phone_number", number);
    event
}

const US: &str = "+12025550123";
const JAMAICA: &str = "+18762345678";
const DOMINICAN_REPUBLIC: &str = "+18092345678";
const US_PREMIUM_RATE: &str = "+19002345678";

#[tokio::test(flavor = "multi_thread")]
async fn an_allow_list_of_us_refuses_the_other_regions_of_plus_one() {
    let (memory, app) = app(configured("[sms]\nallowed_countries = [\"US\"]\n")).await;
    app.handle(sms_to(US)).await.unwrap();
    for (number, region) in [(JAMAICA, "JM"), (DOMINICAN_REPUBLIC, "DO")] {
        let error = app.handle(sms_to(number)).await.unwrap_err();
        assert!(
            matches!(&error, HandleError::CountryNotAllowed { region: r, calling_code: 1, setting, .. }
                if r == region && setting == "sms.allowed_countries"),
            "{error}"
        );
        assert_eq!(error.class(), "Refused");
        switchboard_testkit::assert_mentions(
            &error.to_string(),
            &[region, "sms.allowed_countries"],
        );
    }
    let premium = app.handle(sms_to(US_PREMIUM_RATE)).await.unwrap_err();
    assert!(
        matches!(&premium, HandleError::NumberTypeNotAllowed { region, .. } if region == "US"),
        "a US premium-rate number is in the US and still refused: {premium}"
    );
    assert_eq!(memory.recipients(), [US]);
}

#[tokio::test(flavor = "multi_thread")]
async fn numbers_of_no_region_go_out_only_where_the_allow_list_names_001() {
    let satellite = "+881612345678";
    let (memory, open) = app(configured("")).await;
    let error = open.handle(sms_to(satellite)).await.unwrap_err();
    assert!(
        matches!(&error, HandleError::CountryNotAllowed { region, .. } if region == "001"),
        "{error}"
    );
    assert!(error.to_string().contains("\"001\""), "{error}");
    let (with_001, allowed) =
        app(configured("[sms]\nallowed_countries = [\"001\", \"DE\"]\n")).await;
    allowed.handle(sms_to(satellite)).await.unwrap();
    assert!(memory.recipients().is_empty());
    assert_eq!(with_001.recipients(), [satellite]);
}

#[tokio::test(flavor = "multi_thread")]
async fn premium_rate_numbers_go_out_only_when_the_number_types_allow_them() {
    let (refusing, by_default) = app(configured("")).await;
    let french_shared_cost = "+33884012345";
    for number in [US_PREMIUM_RATE, french_shared_cost] {
        let error = by_default.handle(sms_to(number)).await.unwrap_err();
        assert!(
            matches!(error, HandleError::NumberTypeNotAllowed { .. }),
            "{number}: {error}"
        );
        assert!(error.to_string().contains("sms.allowed_number_types"));
    }
    let (memory, allowing) = app(configured(
        "[sms]\nallowed_number_types = [\"fixed_line_or_mobile\", \"premium_rate\"]\n",
    ))
    .await;
    allowing.handle(sms_to(US_PREMIUM_RATE)).await.unwrap();
    assert!(
        allowing.handle(sms_to("+4915112345678")).await.is_err(),
        "a mobile is not in that list"
    );
    assert!(refusing.recipients().is_empty());
    assert_eq!(memory.recipients(), [US_PREMIUM_RATE]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_calling_code_from_an_older_configuration_keeps_its_meaning() {
    let config = configured("[sms]\nallowed_countries = [1, 44]\ndenied_countries = [\"DO\"]\n");
    let legacy: Vec<String> = config
        .legacy_calling_codes()
        .iter()
        .map(|l| l.describe())
        .collect();
    assert_eq!(legacy.len(), 2, "{legacy:?}");
    switchboard_testkit::assert_mentions(
        &legacy[0],
        &["sms.allowed_countries", "US", "CA", "JM", "DO"],
    );
    let (memory, app) = app(config).await;
    for number in [US, JAMAICA, "+447400123456"] {
        app.handle(sms_to(number)).await.unwrap();
    }
    assert!(
        app.handle(sms_to(DOMINICAN_REPUBLIC)).await.is_err(),
        "a denied region wins"
    );
    assert!(app.handle(sms_to("+4915112345678")).await.is_err());
    assert_eq!(memory.recipients(), [US, JAMAICA, "+447400123456"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_region_is_a_configuration_error_that_names_the_key() {
    let figment = Figment::from(Toml::string(switchboard::config::DEFAULT_TOML))
        .merge(Toml::string("[sms]\nallowed_countries = [\"UK\"]\n"));
    let error = Config::from_figment(&figment).unwrap_err().to_string();
    switchboard_testkit::assert_mentions(
        &error,
        &["allowed_countries", "`UK` is not a region", "\"GB\""],
    );
}
