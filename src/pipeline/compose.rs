//! Turns an event, its route and its code into the [`Message`] to send: branding
//! and sender identity per app client, the user's locale, the rendered templates
//! (or a provider-side template) with what the user wrote made safe to show
//! (`attributes.rs`), and the SMS segment cap.

use std::collections::{BTreeMap, HashMap};

use secrecy::{ExposeSecret, SecretString};
use switchboard_providers::{
    Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage,
};

use super::attributes;
use super::outcome::HandleError;
use crate::cognito::event::CustomSenderEvent;
use crate::config::{AppConfig, ClientConfig};
use crate::render::{AppVars, RenderError, Renderer, TemplateVars};
use crate::route::Route;
use crate::sms::segments;

/// Renders messages; built once per cold start.
#[derive(Debug)]
pub struct Composer {
    renderer: Renderer,
    app: AppConfig,
    clients: BTreeMap<String, ClientConfig>,
}

impl Composer {
    /// A composer with the product's branding and per-client overrides.
    pub fn new(
        renderer: Renderer,
        app: AppConfig,
        clients: BTreeMap<String, ClientConfig>,
    ) -> Self {
        Composer {
            renderer,
            app,
            clients,
        }
    }

    /// The templates.
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// `app.*` for templates, with the app client's overrides.
    pub fn app_vars(&self, client_id: Option<&str>) -> AppVars<'_> {
        let client = client_id.and_then(|id| self.clients.get(id));
        fn pick<'a>(value: Option<&'a Option<String>>, default: &'a str) -> &'a str {
            value.and_then(Option::as_deref).unwrap_or(default)
        }
        AppVars {
            name: pick(client.map(|c| &c.name), &self.app.name),
            url: pick(client.map(|c| &c.url), &self.app.url),
            support_url: pick(client.map(|c| &c.support_url), &self.app.support_url),
        }
    }

    /// The message `event` sends on `route` to `to`, with `code` (none for sources
    /// without one).
    pub fn compose(
        &self,
        event: &CustomSenderEvent,
        route: &Route,
        code: Option<&SecretString>,
        to: String,
    ) -> Result<Message, HandleError> {
        let trigger_source = event.trigger_source.to_string();
        let client_id = event.caller_context.client_id.as_deref();
        let client = client_id.and_then(|id| self.clients.get(id));
        let shown_attributes = attributes::user_attributes(&event.request.user_attributes);
        let shown_metadata = attributes::client_metadata(&event.request.client_metadata);
        let vars = TemplateVars {
            code: code.map(|c| c.expose_secret()).unwrap_or_default(),
            username: &event.user_name,
            link_parameter: "",
            user: &shown_attributes,
            trigger_source: &trigger_source,
            user_pool_id: &event.user_pool_id,
            client_id,
            client_metadata: &shown_metadata,
            app: self.app_vars(client_id),
        };
        let locale = user_locale(
            &event.request.user_attributes,
            &event.request.client_metadata,
        );
        let context = MessageContext {
            trigger_source: trigger_source.clone(),
            user_pool_id: event.user_pool_id.clone(),
            event_id: event.id(),
            deadline: None,
        };
        let client = client.cloned().unwrap_or_default();
        match route.channel {
            Channel::Email => {
                let rendered = self.renderer.email(&route.template, locale, &vars)?;
                Ok(Message::Email(EmailMessage {
                    to,
                    from: client.from.unwrap_or_else(|| route.from.clone()),
                    reply_to: client.reply_to.or_else(|| route.reply_to.clone()),
                    subject: rendered.subject,
                    html: rendered.html,
                    text: rendered.text,
                    esp_template: esp_template(route, &vars)?,
                    context,
                }))
            }
            Channel::Sms => {
                let body = self.renderer.sms(&route.template, locale, &vars)?;
                let segments = segments::count(&body).segments;
                if segments > route.max_segments {
                    return Err(HandleError::SmsTooLong {
                        trigger_source,
                        segments,
                        max: route.max_segments,
                    });
                }
                Ok(Message::Sms(SmsMessage {
                    to,
                    body,
                    sender_id: client.sender_id.or_else(|| route.sender_id.clone()),
                    default_sender_id: route.default_sender_id.clone(),
                    validity: route.validity,
                    context,
                }))
            }
        }
    }
}

/// The route's provider-side templates with the variables they are rendered with.
fn esp_template(
    route: &Route,
    vars: &TemplateVars<'_>,
) -> Result<Option<EspTemplate>, RenderError> {
    if route.esp_templates.is_empty() {
        return Ok(None);
    }
    let variables = serde_json::to_value(vars).map_err(|e| RenderError {
        file: route.template.clone(),
        detail: format!("cannot pass the variables to the ESP template: {e}"),
    })?;
    Ok(Some(EspTemplate {
        ids: route.esp_templates.clone(),
        variables,
    }))
}

/// The user's `locale` attribute, else the app's `clientMetadata.locale`.
pub fn user_locale<'a>(
    attributes: &'a HashMap<String, String>,
    metadata: &'a HashMap<String, String>,
) -> Option<&'a str> {
    [attributes.get("locale"), metadata.get("locale")]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .find(|l| !l.trim().is_empty())
}
