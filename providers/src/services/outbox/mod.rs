//! The development backend: every email becomes a real `.eml` file (open it in any
//! mail client) and every text message a `.json` file, in one directory.
//!
//! It is the embedded default so that `switchboard demo` works with no account
//! anywhere. Switchboard refuses to start inside Lambda with a chain that contains
//! it: codes written to a function's `/tmp` reach nobody.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use serde::Serialize;

mod config;

pub use config::OutboxConfig;

use crate::text::epoch_millis;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError, SmsMessage};

/// Writes messages as files into a directory. See the module docs.
#[derive(Debug)]
pub struct Outbox {
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
    /// An outbox writing into `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Outbox { dir: dir.into() }
    }

    /// The directory messages are written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_name(trigger_source: &str, extension: &str) -> String {
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
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
            "{}-{}-{seq:05}-{trigger}.{extension}",
            epoch_millis(),
            std::process::id()
        )
    }

    /// Writes via a temporary name and a rename, so a reader never sees half a file.
    async fn write(&self, file_name: &str, contents: &[u8]) -> Result<String, SendError> {
        let io_error = |action: &str, e: std::io::Error| {
            let kind = match e.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    ErrorKind::Config
                }
                _ => ErrorKind::Unavailable,
            };
            SendError::backend(
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
        Ok(path.display().to_string())
    }
}

#[async_trait]
impl Backend for Outbox {
    const CHANNELS: &'static [Channel] = &[Channel::Email, Channel::Sms];

    /// Writes the locally rendered bodies: a file has no templates of its own.
    async fn send_email(
        &self,
        email: &EmailMessage,
        _template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let mime = mime::build(email)?;
        let name = Self::file_name(&email.context.trigger_source, "eml");
        self.write(&name, &mime.formatted()).await
    }

    async fn send_sms(&self, sms: &SmsMessage) -> Result<String, SendError> {
        let file = SmsFile {
            to: &sms.to,
            body: &sms.body,
            sender_id: sms.sender_id.as_ref().or(sms.default_sender_id.as_ref()).map(String::as_str),
            trigger_source: &sms.context.trigger_source,
            user_pool_id: &sms.context.user_pool_id,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| {
            SendError::backend(ErrorKind::Other, format!("cannot encode SMS file: {e}"))
        })?;
        let name = Self::file_name(&sms.context.trigger_source, "json");
        self.write(&name, &json).await
    }
}
