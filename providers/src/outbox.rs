//! The development backend: every email becomes a real `.eml` file (open it in any
//! mail client) and every text message a `.json` file, in one directory.
//!
//! It is the embedded default so that `switchboard demo` works with no account
//! anywhere. Switchboard refuses to start inside Lambda with a configuration that can
//! only deliver here: codes written to a function's `/tmp` reach nobody.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::Serialize;

use crate::{mime, Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Writes messages as files into a directory. See the module docs.
#[derive(Debug)]
pub struct Outbox {
    name: String,
    dir: PathBuf,
}

#[derive(Serialize)]
struct SmsFile<'a> {
    to: &'a str,
    body: &'a str,
    sender_id: Option<&'a str>,
    trigger_source: &'a str,
    user_pool_id: &'a str,
}

impl Outbox {
    /// An outbox named `name` writing into `dir` (created on first use).
    pub fn new(name: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        Outbox {
            name: name.into(),
            dir: dir.into(),
        }
    }

    /// The directory messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_name(&self, trigger_source: &str, extension: &str) -> String {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let trigger: String = trigger_source
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        let trigger = if trigger.is_empty() {
            "message".into()
        } else {
            trigger
        };
        format!(
            "{millis}-{}-{seq:05}-{trigger}.{extension}",
            std::process::id()
        )
    }

    /// Writes via a temporary name and a rename, so a reader never sees half a file.
    async fn write(&self, file_name: &str, contents: &[u8]) -> Result<PathBuf, SendError> {
        let io_error = |action: &str, e: std::io::Error| {
            let kind = match e.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    ErrorKind::Config
                }
                _ => ErrorKind::Unavailable,
            };
            SendError::new(
                &self.name,
                kind,
                format!(
                    "cannot {action} in outbox directory `{}`: {e}",
                    self.dir.display()
                ),
            )
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| io_error("create the directory", e))?;
        let path = self.dir.join(file_name);
        let partial = self.dir.join(format!(".{file_name}.partial"));
        tokio::fs::write(&partial, contents)
            .await
            .map_err(|e| io_error("write a file", e))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|e| io_error("rename a file", e))?;
        Ok(path)
    }
}

#[async_trait]
impl Sender for Outbox {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Email, Channel::Sms]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let path = match message {
            Message::Email(email) => {
                let mime = mime::build(&self.name, email)?;
                let name = self.file_name(&email.context.trigger_source, "eml");
                self.write(&name, &mime.formatted()).await?
            }
            Message::Sms(sms) => {
                let file = SmsFile {
                    to: &sms.to,
                    body: &sms.body,
                    sender_id: sms.sender_id.as_deref(),
                    trigger_source: &sms.context.trigger_source,
                    user_pool_id: &sms.context.user_pool_id,
                };
                let json = serde_json::to_vec_pretty(&file).map_err(|e| {
                    SendError::new(
                        &self.name,
                        ErrorKind::Other,
                        format!("cannot encode SMS file: {e}"),
                    )
                })?;
                let name = self.file_name(&sms.context.trigger_source, "json");
                self.write(&name, &json).await?
            }
        };
        Ok(Delivery::new(self.name.clone(), path.display().to_string()))
    }
}
