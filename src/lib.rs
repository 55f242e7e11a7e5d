//! Switchboard: delivers Amazon Cognito verification codes, MFA codes and
//! temporary passwords through the email and SMS providers you already use.
//!
//! One Lambda, attached as the CustomEmailSender and CustomSMSSender trigger.
//! Data flows one way — [`cognito::event`] → [`cognito::decrypt`] → [`route`] →
//! [`render`] → `switchboard_providers::Sender` — through [`pipeline::App`],
//! which [`startup::build`] makes once per cold start from [`config`].
//!
//! Modules stand on floors; each uses only those below it:
//! `cli` → `startup` / `lambda` → `pipeline` → `route` → `config` →
//! `render` / `cognito` → `sms` / `secrets` / `aws` / `logging` → the providers crate.
#![forbid(unsafe_code)]

pub mod aws;
pub mod cli;
pub mod cognito;
pub mod config;
pub mod health;
pub mod lambda;
pub mod logging;
pub mod pipeline;
pub mod receipts;
pub mod render;
pub mod route;
pub mod secrets;
pub mod sms;
pub mod startup;
mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use pipeline::{App, HandleError, Outcome, OutcomeStatus};
pub use switchboard_providers as providers;
