//! Sample messages for review (`render`) and for trying a provider (`send-test`):
//! an example event for the trigger source, a sample code, the configured route
//! and templates — the same composition a real event goes through.

use secrecy::SecretString;
use switchboard_providers::{Channel, Message};

use super::examples::{sample_code, EVENTS};
use crate::cognito::event::{parse_custom_sender, TriggerSource};
use crate::pipeline::{App, HandleError};

/// What a sample message is for.
#[derive(Debug, Default)]
pub struct Sample<'a> {
    /// The user's locale (`de`, `pt-BR`); the example's otherwise.
    pub locale: Option<&'a str>,
    /// The app client whose branding to use.
    pub client_id: Option<&'a str>,
    /// The recipient instead of the example's.
    pub to: Option<&'a str>,
    /// A user who filled the sign-up form as an attacker would
    /// ([`HOSTILE_ATTRIBUTES`]).
    pub hostile_attributes: bool,
}

/// What an attacker writes into a sign-up form: a name with line breaks, a
/// right-to-left override and (added in [`message`]) the longest value Cognito
/// stores; a phishing link, a reversed domain and a bare domain hidden by a
/// zero-width space in other names; a link in the app's metadata.
/// `pipeline::attributes` decides what of it a message shows.
pub const HOSTILE_ATTRIBUTES: [(&str, &str); 3] = [
    (
        "family_name",
        "Doe\r\n\r\nYour account is locked. Restore it at https://evil.example/restore",
    ),
    ("middle_name", "\u{202E}moc.elpmaxe-live"),
    ("nickname", "acme-support\u{200B}.example"),
];

/// The longest attribute value Cognito stores.
const LONGEST_ATTRIBUTE: usize = 2048;

/// The message `source` would send with sample data. Nothing is sent.
pub fn message(
    app: &App,
    source: &TriggerSource,
    sample: &Sample<'_>,
) -> Result<Message, HandleError> {
    let channel = source
        .channel()
        .ok_or_else(|| HandleError::UnknownChannel(source.to_string()))?;
    let fallback = match channel {
        Channel::Email => "CustomEmailSender_SignUp",
        Channel::Sms => "CustomSMSSender_SignUp",
    };
    let name = source.to_string();
    let (_, json) = EVENTS
        .iter()
        .find(|(example, _)| *example == name)
        .or_else(|| EVENTS.iter().find(|(example, _)| *example == fallback))
        .ok_or_else(|| HandleError::UnknownChannel(name.clone()))?;
    let mut event = parse_custom_sender(json.as_bytes())?;
    event.trigger_source = source.clone();
    if let Some(locale) = sample.locale {
        event
            .request
            .user_attributes
            .insert("locale".into(), locale.to_string());
    }
    if sample.hostile_attributes {
        for (key, value) in HOSTILE_ATTRIBUTES {
            event
                .request
                .user_attributes
                .insert(key.to_string(), value.to_string());
        }
        let long_name = format!(
            "Jane\r\n\u{202E}Dear customer {}",
            "L".repeat(LONGEST_ATTRIBUTE)
        );
        event.request.user_attributes.insert(
            "given_name".into(),
            long_name.chars().take(LONGEST_ATTRIBUTE).collect(),
        );
        event
            .request
            .client_metadata
            .insert("campaign".into(), "www.evil.example".into());
    }
    if let Some(client_id) = sample.client_id {
        event.caller_context.client_id = Some(client_id.to_string());
    }
    let attribute = match channel {
        Channel::Email => "email",
        Channel::Sms => "phone_number",
    };
    let to = match sample.to {
        Some(to) => to.to_string(),
        None => event
            .request
            .user_attributes
            .get(attribute)
            .cloned()
            .unwrap_or_default(),
    };
    let code = SecretString::from(sample_code(&name).to_string());
    let route = app.routes().get(source, channel);
    app.composer()
        .compose(&event, route, source.requires_code().then_some(&code), to)
}
