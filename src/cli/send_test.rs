use std::collections::HashMap;

use switchboard_providers::{Channel, EmailMessage, Message, MessageContext, SmsMessage};

use crate::config::Config;
use crate::event::TriggerSource;
use crate::registry;
use crate::render::{AppVars, Renderer, TemplateVars};

/// `switchboard send-test`: one sample message through one configured provider,
/// so a live ESP can be checked before the Lambda is attached.
pub async fn run(provider: &str, to: &str, trigger: Option<&str>) -> anyhow::Result<()> {
    let config = Config::load()?;
    let aws = if registry::needs_aws(&config.providers) {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    };
    let providers = config
        .providers
        .iter()
        .filter(|(name, _)| name.as_str() == provider)
        .map(|(name, p)| (name.clone(), p.clone()))
        .collect();
    let registry = registry::build(&providers, aws.as_ref()).await?;
    let sender = registry.get(provider).ok_or_else(|| {
        let known: Vec<&String> = config.providers.keys().collect();
        anyhow::anyhow!("no provider `{provider}` is configured; configured providers: {known:?}")
    })?;
    let channel = if to.contains('@') {
        Channel::Email
    } else {
        Channel::Sms
    };
    let default_trigger = match channel {
        Channel::Email => "CustomEmailSender_SignUp",
        Channel::Sms => "CustomSMSSender_SignUp",
    };
    let trigger: TriggerSource = trigger.unwrap_or(default_trigger).parse()?;
    let message = sample_message(&config, &trigger, channel, to)?;
    match sender.send(&message).await {
        Ok(delivery) => {
            println!(
                "delivered by `{}`: message id {}",
                delivery.provider, delivery.message_id
            );
            Ok(())
        }
        Err(error) => Err(anyhow::anyhow!("{error}")),
    }
}

fn sample_message(
    config: &Config,
    trigger: &TriggerSource,
    channel: Channel,
    to: &str,
) -> anyhow::Result<Message> {
    let renderer = Renderer::new(
        config.templates.dir.as_deref(),
        config.templates.default_locale.as_deref(),
    )?;
    let user = HashMap::from([("given_name".to_string(), "Test".to_string())]);
    let metadata = HashMap::new();
    let trigger_name = trigger.to_string();
    let vars = TemplateVars {
        code: "123456",
        username: "switchboard-send-test",
        user: &user,
        trigger_source: &trigger_name,
        user_pool_id: "send-test",
        client_id: None,
        client_metadata: &metadata,
        app: AppVars {
            name: &config.app.name,
            url: &config.app.url,
            support_url: &config.app.support_url,
        },
    };
    let context = MessageContext {
        trigger_source: trigger_name.clone(),
        user_pool_id: "send-test".into(),
        deadline: None,
    };
    Ok(match channel {
        Channel::Email => {
            let rendered = renderer.email(trigger.template(), None, &vars)?;
            Message::Email(EmailMessage {
                to: to.to_string(),
                from: config.email.from.clone(),
                reply_to: config.email.reply_to.clone(),
                subject: rendered.subject,
                html: rendered.html,
                text: rendered.text,
                esp_template: None,
                context,
            })
        }
        Channel::Sms => Message::Sms(SmsMessage {
            to: to.to_string(),
            body: renderer.sms(trigger.template(), None, &vars)?,
            sender_id: config.sms.sender_id.clone(),
            context,
        }),
    })
}
