//! The trait every delivery path implements, and what a delivery reports.

use std::fmt;

use async_trait::async_trait;

use crate::{Channel, Message, SendError};

/// A successful hand-over to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The configured name of the provider that accepted the message.
    pub provider: String,
    /// The provider's identifier for the message (a file path for the outbox).
    pub message_id: String,
    /// Every attempt it took, in order, as recorded by [`crate::Retry`]; the last
    /// one succeeded. Empty when no wrapper recorded attempts.
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// A delivery by `provider` with the provider's `message_id`.
    pub fn new(provider: impl Into<String>, message_id: impl Into<String>) -> Self {
        Delivery {
            provider: provider.into(),
            message_id: message_id.into(),
            attempts: Vec::new(),
        }
    }
}

/// One call to one provider, for logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The provider called.
    pub provider: String,
    /// `None` when it delivered, else what went wrong.
    pub error: Option<crate::ErrorKind>,
    /// How long the call took.
    pub latency: std::time::Duration,
}

/// Something that can deliver a [`Message`].
///
/// # Contract
/// - `send` returns `Ok` only when the provider accepted the message; any doubt is an `Err`.
/// - Errors are classified ([`crate::ErrorKind`], [`SendError::is_temporary`]) so that
///   wrappers can decide whether to retry or fail over.
/// - A sender never logs or returns message content: bodies carry secrets.
/// - `send` is safe to call concurrently; clients are built once and reused.
///
/// # Example
/// ```
/// # tokio_test_block(async {
/// use switchboard_providers::{Channel, Message, Sender, SmsMessage, MessageContext, ScriptedSender};
/// let sender = ScriptedSender::new("memory", &[Channel::Sms]);
/// let message = Message::Sms(SmsMessage {
///     to: "+12025550123".into(),
///     body: "Your code is 123456".into(),
///     sender_id: None,
///     default_sender_id: None,
///     validity: None,
///     context: MessageContext::default(),
/// });
/// let delivery = sender.send(&message).await.unwrap();
/// assert_eq!(delivery.provider, "memory");
/// # });
/// # fn tokio_test_block(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[async_trait]
pub trait Sender: fmt::Debug + Send + Sync {
    /// The configured name of this provider (`primary`, `texts`, …).
    fn name(&self) -> &str;

    /// The channels this provider can deliver.
    fn channels(&self) -> &[Channel];

    /// Delivers one message.
    async fn send(&self, message: &Message) -> Result<Delivery, SendError>;
}
