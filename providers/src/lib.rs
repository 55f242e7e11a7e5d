//! Delivery backends for Switchboard.
//!
//! One small object-safe trait, [`Sender`], that routes hold as `Arc<dyn Sender>`.
//! Each delivery service is a folder under [`services`]: its settings struct (the
//! `[providers.NAME]` section, deserialized by serde, implementing [`Service`])
//! beside its [`Backend`]; [`services`] itself is the registry, one line per
//! service, from which [`ProviderConfig`] is generated. [`Provider`] names a
//! backend and stamps that name on its errors; [`layer`] holds the wrappers that
//! retry, time out, skip a failing provider (a circuit breaker) and fail over,
//! themselves `Sender`s, and [`layer::chain`]
//! composes them; `http` (private) is the one place HTTP answers are read and
//! classified.
//!
//! # Features
//! One cargo feature per service (all on by default, so that any provider can be
//! chosen by an environment variable); `outbox` is always there. A function that
//! needs two providers can build with `default-features = false` and those two.
//! `testing` adds [`testing`]: the scripted sender and the checks every
//! backend's tests run.
//!
//! # Secrets
//! A [`Message`] carries a decrypted Cognito code or temporary password in its
//! bodies. Its `Debug` output therefore shows only the recipient (masked) and body
//! sizes; no backend may put message content into a [`SendError`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backend;
pub mod correlation;
mod error;
#[cfg(feature = "http")]
// With only some HTTP services compiled in, some of the helpers they share go unused.
#[cfg_attr(not(feature = "all"), allow(dead_code))]
mod http;
pub mod layer;
mod mask;
mod message;
mod mime;
pub mod receipt;
pub mod redaction;
mod registry;
mod secret;
mod sender;
mod service;
pub mod services;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;

pub use backend::{Backend, EspTemplateRef, Provider};
pub use error::{ErrorKind, SendError};
#[cfg(feature = "http")]
pub use http::{SharedClient, DEFAULT_TIMEOUT_MS as DEFAULT_HTTP_TIMEOUT_MS};
pub use layer::{Failover, Retry, RetryPolicy, Strategy, Timeout};
pub use mask::{mask_email, mask_phone, mask_recipient, mask_username};
pub use message::{Channel, EmailMessage, EspTemplate, Message, MessageContext, SmsMessage};
pub use mime::{check_mailbox, to_rfc5322};
pub use registry::SectionReader;
pub use secret::{SecretSource, SecretValue};
pub use sender::{Attempt, Delivery, Sender};
pub use service::{BuildContext, NeverDelivers, Preconnected, Service};
pub use services::ProviderConfig;
#[cfg(feature = "testing")]
pub use testing::{ScriptedSender, Step};
