//! `[providers.NAME]` with `type = "outbox"`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Outbox;
use crate::{BuildContext, SendError, Service};

/// `type = "outbox"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    /// Directory for `.eml` and `.json` files, relative to the working directory.
    pub dir: PathBuf,
}

impl Service for OutboxConfig {
    const TYPE: &'static str = "outbox";
    /// Files in a directory reach nobody: refused inside Lambda.
    const REACHES_PEOPLE: bool = false;
    type Backend = Outbox;

    /// The directory is created on first use.
    fn build(&self, _context: &BuildContext<'_>) -> Result<Outbox, SendError> {
        Ok(Outbox::new(self.dir.clone()))
    }
}
