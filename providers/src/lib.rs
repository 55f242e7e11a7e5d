//! Delivery backends for Switchboard.
//!
//! One small object-safe trait, [`Sender`], that routes hold as `Arc<dyn Sender>`.
//! Each delivery service is one file: its settings struct (the `[providers.NAME]`
//! section, deserialized by serde) next to its [`Backend`] implementation, built by
//! `into_sender`. [`ProviderConfig`] dispatches on `type`; [`layer`] holds the
//! wrappers that retry, time out and fail over, themselves `Sender`s; [`http`]
//! (private) is the one place HTTP answers are read and classified.
//!
//! # Secrets
//! A [`Message`] carries a decrypted Cognito code or temporary password in its
//! bodies. Its `Debug` output therefore shows only the recipient (masked) and body
//! sizes; no backend may put message content into a [`SendError`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backend;
mod config;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
mod http;
pub mod layer;
mod mask;
mod memory;
mod message;
mod mime;
mod secret;
mod sender;
pub mod text;

mod aws_sms;
mod mailgun;
mod outbox;
mod postmark;
mod resend;
mod sendgrid;
mod ses;
mod smtp;
mod sns;
mod twilio;
mod webhook;

pub use backend::{Backend, Provider};
pub use config::{BuildContext, ProviderConfig, SectionReader};
pub use error::{ErrorKind, SendError};
pub use http::{SharedClient, DEFAULT_TIMEOUT_MS as DEFAULT_HTTP_TIMEOUT_MS};
pub use layer::{Failover, Retry, RetryPolicy, Strategy, Timeout};
pub use mask::{mask_email, mask_phone, mask_recipient, mask_username};
pub use memory::{ScriptedSender, Step};
pub use message::{Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage};
pub use mime::{check_mailbox, to_rfc5322};
pub use secret::{SecretSource, SecretValue};
pub use sender::{Attempt, Delivery, Sender};

pub use aws_sms::{AwsSms, AwsSmsConfig, SmsMessageType};
pub use mailgun::{mailgun_region_base_url, Mailgun, MailgunConfig};
pub use outbox::{Outbox, OutboxConfig};
pub use postmark::{Postmark, PostmarkConfig, POSTMARK_DEFAULT_BASE_URL, POSTMARK_TEST_TOKEN};
pub use resend::{Resend, ResendConfig, RESEND_DEFAULT_BASE_URL};
pub use sendgrid::{SendGrid, SendGridConfig, SENDGRID_DEFAULT_BASE_URL};
pub use ses::{Ses, SesConfig};
pub use smtp::{Smtp, SmtpConfig};
pub use sns::{Sns, SnsConfig};
pub use twilio::{Twilio, TwilioConfig, TWILIO_DEFAULT_BASE_URL};
pub use webhook::{
    SignatureScheme, Webhook, WebhookConfig, SIGNATURE_HEADER, STANDARD_ID_HEADER,
    STANDARD_SIGNATURE_HEADER, STANDARD_TIMESTAMP_HEADER, TIMESTAMP_HEADER,
};

/// Re-exported so callers build AWS clients against the same SDK versions.
pub use {aws_sdk_pinpointsmsvoicev2, aws_sdk_sesv2, aws_sdk_sns};
