//! `switchboard send-test`: one sample message through one configured provider,
//! so a live ESP can be checked before the Lambda is attached.

use switchboard_providers::Channel;

use super::preview::{self, Sample};
use crate::cognito::event::TriggerSource;
use crate::startup::{self, registry, StartupOptions};

/// Sends the sample message of `trigger` (default: the channel's SignUp) to `to`
/// through the provider named `provider`, without retries or failover. The whole
/// configuration is built first, as `check-config` does.
pub async fn run(provider: &str, to: &str, trigger: Option<&str>) -> anyhow::Result<()> {
    let (mut config, options) = startup::configure(StartupOptions::demo()).await?;
    config.cognito.lookup_missing_recipient = false;
    let aws = match options.aws {
        Some(aws) => Some(aws),
        None if registry::needs_aws(&config.providers) => {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        }
        None => None,
    };
    let providers = registry::build(&config.providers, aws.as_ref(), options.runtime).await?;
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
    let sample = Sample {
        to: Some(to),
        ..Sample::default()
    };
    let message = preview::message(&app, &trigger, &sample)?;
    let delivery = sender.send(&message).await?;
    println!(
        "delivered by `{}`: message id {}",
        delivery.provider, delivery.message_id
    );
    Ok(())
}
