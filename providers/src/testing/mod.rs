//! What backends' and pipelines' tests share (feature `testing`): a scripted
//! in-memory sender, the conformance checks every backend passes, the helper
//! that walks an HTTP provider's status table against a real server, and the
//! stand-in each HTTP service declares for the hostile-provider tests.

pub mod conformance;
pub mod memory;
pub mod stand_in;
pub mod status_table;

pub use memory::{ScriptedSender, Step, BOTH_CHANNELS};
pub use stand_in::{Answer, Metadata, StandIn};
