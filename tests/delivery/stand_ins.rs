//! The HTTP services as the hostile tests drive them, each from the stand-in it
//! declares in its own folder (`ProviderConfig::stand_ins`), behind the real
//! pipeline: a Cognito-format code decrypted with KMS on moto, the route, the
//! templates, and a healthy webhook as the backup.

use switchboard::cognito::event::CustomSenderEvent;
use switchboard::cognito::mint::CodeMinter;
use switchboard::config::Config;
use switchboard::providers::testing::BOTH_CHANNELS;
use switchboard::providers::testing::{Answer, StandIn};
use switchboard::providers::{Channel, ProviderConfig};
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::testing::provider;
use switchboard::{App, HandleError, Outcome};
use switchboard_testkit::hostile::{Hostile, Mode};
use switchboard_testkit::moto::moto;

pub const CODE: &str = "731942";
pub const NUMBER: &str = "+12025550177";

/// One HTTP service compiled in, by its `type`.
#[derive(Clone, Copy)]
pub struct Http {
    pub kind: &'static str,
    pub stand_in: StandIn,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind)
    }
}

/// Every HTTP service compiled in: a new one is tested without naming it here.
pub fn every_http_service() -> Vec<Http> {
    let all: Vec<Http> = ProviderConfig::stand_ins()
        .into_iter()
        .map(|(kind, stand_in)| Http { kind, stand_in })
        .collect();
    assert!(all.len() >= 6, "the default build has every HTTP service");
    all
}

/// The HTTP service of `type` `kind`.
pub fn service(kind: &str) -> Http {
    every_http_service()
        .into_iter()
        .find(|http| http.kind == kind)
        .unwrap_or_else(|| panic!("no HTTP service `{kind}`"))
}

/// An answer as the stand-in server gives it (`{to}` is the test's number).
pub fn mode(answer: &Answer) -> Mode {
    let body = answer.body.replace("{to}", NUMBER);
    let mut headers = answer.headers.to_vec();
    if body.starts_with('{') {
        headers.push(("Content-Type", "application/json"));
    }
    Mode::with_headers(answer.status, &headers, &body)
}

impl Http {
    /// The provider `primary` of this service, its API at `url`.
    pub fn provider(self, url: &str) -> ProviderConfig {
        let section = format!("type = '{}'\n{}", self.kind, (self.stand_in.section)(url));
        provider("primary", &section)
    }

    /// What it answers when it accepts a message.
    pub fn accepts(self) -> Mode {
        mode(&self.stand_in.accepted)
    }

    /// The event it carries: an SMS source for an SMS-only service, else an email one.
    pub fn source(self) -> &'static str {
        match self.stand_in.channels {
            [Channel::Sms] => "CustomSMSSender_Authentication",
            _ => "CustomEmailSender_ForgotPassword",
        }
    }
}

/// An app on the real pipeline: KMS on moto, `primary` then a healthy webhook
/// `backup` for both channels, quick retries.
pub async fn pipeline(
    primary: ProviderConfig,
    backup: &Hostile,
    tune: impl FnOnce(&mut Config),
) -> (App, String) {
    let key = moto().create_kms_key().await;
    let mut config = switchboard::testing::defaults();
    config.decrypt.key_arn = Some(key.clone());
    let channels = every_http_service()
        .into_iter()
        .find(|http| http.kind == primary.type_name())
        .map_or(BOTH_CHANNELS, |http| http.stand_in.channels);
    config.providers.insert("primary".into(), primary);
    config
        .providers
        .insert("backup".into(), service("webhook").provider(&backup.url()));
    let chain = |channel| match channels.contains(&channel) {
        true => vec!["primary".to_string(), "backup".to_string()],
        false => vec!["backup".to_string()],
    };
    config.email.providers = chain(Channel::Email);
    config.sms.providers = chain(Channel::Sms);
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
pub async fn event(source: &str, key: &str, plaintext: &str) -> CustomSenderEvent {
    let mut event = switchboard::testing::example_event(source);
    switchboard::testing::set_attribute(&mut event, "phone_number", NUMBER);
    let minter = CodeMinter::kms(&key.parse().unwrap(), moto().kms())
        .await
        .unwrap();
    event.request.code = Some(minter.mint(plaintext, &event.user_pool_id).await.unwrap());
    event
}

/// One event through `http` as the primary at `primary`, before `backup`.
pub async fn send_through(
    http: Http,
    primary: &Hostile,
    backup: &Hostile,
) -> Result<Outcome, HandleError> {
    let (app, key) = pipeline(http.provider(&primary.url()), backup, |_| {}).await;
    app.handle(event(http.source(), &key, CODE).await).await
}

pub fn healthy_backup() -> Hostile {
    Hostile::start(vec![service("webhook").accepts()])
}

/// One event through `http` as the primary answering `modes`, before a healthy
/// backup: the pipeline's answer, and both servers to read what they received.
pub async fn through(
    http: Http,
    modes: Vec<Mode>,
) -> (Result<Outcome, HandleError>, Hostile, Hostile) {
    let primary = Hostile::start(modes);
    let backup = healthy_backup();
    let result = send_through(http, &primary, &backup).await;
    (result, primary, backup)
}
