//! What backends' and pipelines' tests share (feature `testing`): a scripted
//! in-memory sender, the conformance checks every backend passes, and the
//! helper that walks an HTTP provider's status table against a real server.

pub mod conformance;
pub mod memory;
pub mod status_table;

pub use memory::{ScriptedSender, Step};
