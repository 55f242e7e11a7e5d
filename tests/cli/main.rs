//! The command line, run as users run it: `invoke`, `send-test` and the
//! review tools (`check-config`, `render`, `mint`, `demo`).

mod invoke;
mod redrive;
mod tools;
