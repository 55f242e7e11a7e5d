//! The HTTP providers' connections, opened during init (`delivery.preconnect`):
//! at 128 MB an invocation gets ~7 % of a vCPU, so the TCP and TLS handshakes
//! the first event would pay cost ~14× their CPU in wall time there, and
//! nothing in the unthrottled init.

use std::future::Future;
use std::time::Duration;

use switchboard_providers::Preconnected;
use tokio::task::JoinHandle;

/// How long init waits for one origin's connection: a provider that does not
/// answer within it costs the start this much once, and the first event opens
/// the connection instead.
pub const PRECONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Connections being opened beside the rest of init.
pub struct Opening(Option<JoinHandle<Vec<Preconnected>>>);

impl Opening {
    /// Nothing to open.
    pub fn none() -> Opening {
        Opening(None)
    }

    /// Starts `connecting` on the runtime, so that it overlaps the KMS checks
    /// and the Encryption SDK's priming.
    pub fn start(connecting: impl Future<Output = Vec<Preconnected>> + Send + 'static) -> Opening {
        Opening(Some(tokio::spawn(connecting)))
    }

    /// Waits for every connection and logs each origin: a failure is a warning,
    /// never a failed start (the first event opens its connection itself).
    pub async fn finish(self) {
        let Some(task) = self.0 else {
            return;
        };
        let Ok(opened) = task.await else {
            tracing::warn!("opening the providers' connections during init stopped early");
            return;
        };
        for Preconnected { origin, outcome } in opened {
            match outcome {
                Ok(status) => tracing::debug!(%origin, status, "provider connection opened"),
                Err(error) => tracing::warn!(
                    %origin,
                    %error,
                    "could not open the provider's connection during init; the first event opens it (set SWITCHBOARD_DELIVERY__PRECONNECT=false to skip this)"
                ),
            }
        }
    }
}
