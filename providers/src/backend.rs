//! The small trait each delivery service implements, and [`Provider`], which
//! gives a backend its configured name and makes it a [`Sender`].

use std::fmt;

use async_trait::async_trait;
use tracing::Instrument;

use crate::{Channel, Delivery, EmailMessage, ErrorKind, Message, SendError, Sender, SmsMessage};

/// A provider-side template picked for one provider: its identifier and the
/// variables it is rendered with (they carry the code: never log them).
#[derive(Clone, Copy)]
pub struct EspTemplateRef<'a> {
    /// The provider's template identifier (SendGrid `d-…`, a Mailgun or SES name, …).
    pub id: &'a str,
    /// The template variables.
    pub variables: &'a serde_json::Value,
}

/// One delivery service (SendGrid, SMTP, …), without a name.
///
/// # Contract
/// - Implement the method of each channel in [`Backend::CHANNELS`]; [`Provider`]
///   calls only those.
/// - Each returns the service's message id once the service accepted the
///   message, and a classified [`SendError`] otherwise, made with
///   [`SendError::backend`]: [`Provider`] names it.
/// - It never logs or returns message content: bodies carry secrets.
#[async_trait]
pub trait Backend: fmt::Debug + Send + Sync + 'static {
    /// The channels this service delivers.
    const CHANNELS: &'static [Channel];

    /// Hands `email` to the service, rendered by `template` where the route
    /// names one for this provider.
    async fn send_email(
        &self,
        email: &EmailMessage,
        template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let _ = (email, template);
        Err(unsupported(Channel::Email))
    }

    /// Hands `sms` to the service.
    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let _ = sms;
        Err(unsupported(Channel::Sms))
    }
}

fn unsupported(channel: Channel) -> SendError {
    SendError::backend(
        ErrorKind::Config,
        format!("this provider does not send {channel}; route {channel} to another provider"),
    )
}

/// A configured provider: a [`Backend`] under its configured name.
#[derive(Debug)]
pub struct Provider<B> {
    name: String,
    backend: B,
}

impl<B: Backend> Provider<B> {
    /// `backend` named `name` (`[providers.NAME]`).
    pub fn new(name: impl Into<String>, backend: B) -> Self {
        Provider {
            name: name.into(),
            backend,
        }
    }

    /// The backend itself (its request builders are used by benchmarks).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    async fn deliver(&self, message: &Message) -> Result<String, SendError> {
        if !B::CHANNELS.contains(&message.channel()) {
            return Err(unsupported(message.channel()));
        }
        match message {
            Message::Email(email) => {
                let template = email
                    .esp_template_for(&self.name)
                    .map(|(id, variables)| EspTemplateRef { id, variables });
                self.backend.send_email(email, template).await
            }
            Message::Sms(sms) => self.backend.send_sms(sms).await,
        }
    }
}

#[async_trait]
impl<B: Backend> Sender for Provider<B> {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        B::CHANNELS
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        // What a backend logs carries the configured name through this span.
        let span = tracing::info_span!("provider", provider = %self.name);
        match self.deliver(message).instrument(span).await {
            Ok(message_id) => Ok(Delivery::new(self.name.clone(), message_id)),
            Err(error) => Err(error.named(&self.name)),
        }
    }
}
