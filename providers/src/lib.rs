//! Delivery backends for Switchboard.
//!
//! One small object-safe trait, [`Sender`], and one file per backend. Wrappers that
//! change *how* a message is sent are themselves `Sender`s, composed in this order:
//! `Failover([Retry(Timeout(provider)), …])`, so a route holds a single
//! `Arc<dyn Sender>` whatever its provider chain looks like.
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
mod retry;
mod sender;
mod sendgrid;
mod ses;
mod smtp;
mod sns;
mod timeout;
mod twilio;
mod webhook;

pub use error::{ErrorKind, SendError};
pub use failover::{Failover, Strategy};
pub use http::HttpTimeouts;
pub use mailgun::{mailgun_region_base_url, Mailgun, MailgunConfig};
pub use mask::{mask_email, mask_phone, mask_recipient};
pub use memory::{ScriptedSender, Step};
pub use message::{Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage};
pub use outbox::Outbox;

/// The RFC 5322 bytes the SMTP and outbox backends produce for `email`.
pub fn to_rfc5322(email: &EmailMessage) -> Result<Vec<u8>, SendError> {
    Ok(mime::build("rfc5322", email)?.formatted())
}
pub use retry::{Retry, RetryPolicy};
pub use sender::{Attempt, Delivery, Sender};
pub use sendgrid::{SendGrid, SendGridConfig, SENDGRID_DEFAULT_BASE_URL};
pub use ses::{Ses, SesConfig};
pub use smtp::{Smtp, SmtpConfig};
pub use sns::{Sns, SnsConfig};
pub use timeout::Timeout;
pub use twilio::{Twilio, TwilioAuth, TwilioConfig, TwilioSender, TWILIO_DEFAULT_BASE_URL};
pub use webhook::{
    signature as webhook_signature, Webhook, WebhookConfig, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

/// Re-exported so callers build AWS clients against the same SDK versions.
pub use {aws_sdk_sesv2, aws_sdk_sns};
