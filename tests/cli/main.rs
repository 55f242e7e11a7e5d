//! The command line, run as users run it: `invoke`, `send-test` and the
//! review tools (`check-config`, `render`, `mint`, `demo`).

mod deploy_guide;
mod invoke;
mod redrive;
mod tools;
