//! Delivery backends for Switchboard.
//!
//! One small object-safe trait, [`Sender`], and one file per backend. Wrappers that
//! change *how* a message is sent (failover today; retry and timeout later) are
//! themselves `Sender`s, so a route holds a single `Arc<dyn Sender>` whatever its
//! provider chain looks like.
//!
//! # Secrets
//! A [`Message`] carries a decrypted Cognito code or temporary password in its
//! bodies. Its `Debug` output therefore shows only the recipient (masked) and body
//! sizes; no backend may put message content into a [`SendError`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod error;
mod failover;
mod mask;
mod memory;
mod message;
mod mime;
mod outbox;
mod sender;

pub use error::{ErrorKind, SendError};
pub use failover::Failover;
pub use mask::{mask_email, mask_phone, mask_recipient};
pub use memory::{ScriptedSender, Step};
pub use message::{Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage};
pub use outbox::Outbox;
pub use sender::{Delivery, Sender};
