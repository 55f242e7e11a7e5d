//! Switchboard: delivers Amazon Cognito verification codes, MFA codes and
//! temporary passwords through the email and SMS providers you already use.
//!
//! One Lambda, attached as the CustomEmailSender and CustomSMSSender trigger.
//! Data flows one way: [`event`] → [`decrypt`] → [`route`] → [`render`] →
//! `switchboard_providers::Sender`. [`startup::build`] makes the [`App`] once per cold
//! start; [`App::handle`] runs per event.
#![forbid(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
pub mod custom_message;
pub mod decrypt;
pub mod directory;
pub mod esdk_header;
pub mod event;
pub mod examples;
pub mod idempotency;
pub mod key_arn;
pub mod lambda;
pub mod metrics;
pub mod mint;
pub mod phone;
pub mod registry;
pub mod render;
pub mod route;
pub mod secrets;
pub mod segments;
pub mod startup;

pub use app::{App, HandleError, Outcome, OutcomeStatus};
pub use switchboard_providers as providers;
