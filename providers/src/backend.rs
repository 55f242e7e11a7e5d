//! The small trait each delivery service implements, and [`Provider`], which
//! gives a backend its configured name and makes it a [`Sender`].

use std::fmt;

use async_trait::async_trait;

use crate::{Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// One delivery service (SendGrid, SMTP, …), without a name.
///
/// # Contract
/// - [`Backend::deliver`] is called only with messages for one of [`Backend::CHANNELS`].
/// - It returns the service's message id once the service accepted the message,
///   and a classified [`SendError`] (named after `provider`) otherwise.
/// - It never logs or returns message content: bodies carry secrets.
#[async_trait]
pub trait Backend: fmt::Debug + Send + Sync + 'static {
    /// The channels this service delivers.
    const CHANNELS: &'static [Channel];

    /// Hands `message` to the service; `provider` is the configured name, for errors.
    async fn deliver(&self, provider: &str, message: &Message) -> Result<String, SendError>;
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
        let channel = message.channel();
        if !B::CHANNELS.contains(&channel) {
            return Err(SendError::new(
                &self.name,
                ErrorKind::Config,
                format!(
                    "this provider does not send {channel}; route {channel} to another provider"
                ),
            ));
        }
        let message_id = self.backend.deliver(&self.name, message).await?;
        Ok(Delivery::new(self.name.clone(), message_id))
    }
}
