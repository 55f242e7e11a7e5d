//! The command line, run as users run it: `invoke`, `send-test` and the
//! review tools (`check-config`, `render`, `preview`, `mint`, `demo`), `doctor` and the deploy guide.

mod config_output;
mod deploy_guide;
mod doctor;
mod gallery;
mod invoke;
mod invoke_sms;
mod local_cognito;
mod redrive;
mod tools;
