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

#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod failover;
mod http;
mod mailgun;
mod mask;
mod memory;
mod message;
mod mime;
mod outbox;
mod sender;
mod sendgrid;
mod ses;
mod smtp;

pub use error::{ErrorKind, SendError};
pub use failover::Failover;
pub use http::HttpTimeouts;
pub use mailgun::{mailgun_region_base_url, Mailgun, MailgunConfig};
pub use mask::{mask_email, mask_phone, mask_recipient};
pub use memory::{ScriptedSender, Step};
pub use message::{Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage};
pub use outbox::Outbox;
pub use sender::{Delivery, Sender};
pub use sendgrid::{SendGrid, SendGridConfig, SENDGRID_DEFAULT_BASE_URL};
pub use ses::{Ses, SesConfig};
pub use smtp::{Smtp, SmtpConfig};

/// Re-exported so callers build SES clients against the same SDK version.
pub use aws_sdk_sesv2;
