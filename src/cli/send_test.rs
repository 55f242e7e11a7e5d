//! `switchboard send-test`: one sample message through one configured provider,
//! so a live ESP can be checked before the Lambda is attached.

use crate::sms::countries::{Refusal, Region};
use switchboard_providers::{check_mailbox, Channel};

use super::preview::{self, Sample};
use crate::cognito::event::TriggerSource;
use crate::route::Route;
use crate::sms::phone;
use crate::startup::{self, senders, StartupOptions};

/// Sends the sample message of `trigger` (default: the channel's SignUp) to `to`
/// through the provider named `provider`, without retries or failover. The whole
/// configuration is built first, as `check-config` does.
pub async fn run(provider: &str, to: &str, trigger: Option<&str>) -> anyhow::Result<()> {
    let (mut config, options) = startup::configure(StartupOptions::demo()).await?;
    config.cognito.lookup_missing_recipient = false;
    let aws = match options.aws {
        Some(aws) => Some(aws),
        None if senders::needs_aws(&config.providers) => {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        }
        None => None,
    };
    let providers = senders::build(&config, aws.as_ref(), options.runtime).await?;
    let Some(sender) = providers.get(provider).cloned() else {
        let known: Vec<&str> = providers.keys().map(String::as_str).collect();
        anyhow::bail!(
            "no provider `{provider}` is configured; configured providers: {}",
            known.join(", ")
        );
    };
    let channel = if to.contains('@') {
        Channel::Email
    } else {
        Channel::Sms
    };
    if channel == Channel::Email {
        check_mailbox(to).map_err(|problem| anyhow::anyhow!("--to: {problem}"))?;
    }
    let default_trigger = match channel {
        Channel::Email => "CustomEmailSender_SignUp",
        Channel::Sms => "CustomSMSSender_SignUp",
    };
    let trigger = TriggerSource::parse_ignore_case(trigger.unwrap_or(default_trigger));
    let options = StartupOptions {
        aws,
        ..StartupOptions::demo()
    };
    let app = startup::build_with(&config, options, providers).await?;
    let route = app.routes().get(&trigger, channel);
    let to = match channel {
        Channel::Email => to.to_string(),
        Channel::Sms => phone_number(to, config.sms.default_region.as_deref(), route)?,
    };
    let sample = Sample {
        to: Some(&to),
        ..Sample::default()
    };
    let message = preview::message(&app, &trigger, &sample)?;
    let delivery = sender.send(&message).await?;
    super::print(&format!(
        "delivered by `{}`: message id {}\n",
        delivery.provider, delivery.message_id
    ));
    Ok(())
}

/// `--to` for an SMS, read as a real event's `phone_number` is: E.164 (or national
/// with `sms.default_region`), in a country the route allows.
fn phone_number(to: &str, default_region: Option<&str>, route: &Route) -> anyhow::Result<String> {
    let number = phone::normalise(to, default_region).map_err(|problem| {
        anyhow::anyhow!(
            "--to is neither an email address nor a phone number: it {problem}; give an address (ops@example.com) or an E.164 number (+4915112345678)"
        )
    })?;
    match route.countries.refusal(&number) {
        None => {}
        Some(Refusal::Region { setting }) => anyhow::bail!(
            "--to: numbers in region {} (+{}) are refused by {setting}",
            number.region().unwrap_or(Region::NON_GEOGRAPHIC),
            number.calling_code()
        ),
        Some(Refusal::NumberType { number_type }) => {
            anyhow::bail!("--to: {number_type} numbers are refused by sms.allowed_number_types")
        }
    }
    Ok(number.as_str().to_string())
}
