//! SMTP through lettre's pooled async transport (tokio, rustls).
//!
//! `smtp://host:587` requires STARTTLS; `smtps://host:465` is implicit TLS. Plain
//! text only with `dangerous_plaintext`, whose name says what it is. The transport
//! is built once and its connections are reused across warm invocations.

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

mod config;

pub use config::SmtpConfig;

use crate::text::{one_line, redact};

/// The most of a server's reply an error shows.
const MAX_REPLY_CHARS: usize = 300;
use crate::{mime, Backend, Channel, EmailMessage, ErrorKind, EspTemplateRef, SendError};

/// The SMTP backend.
pub struct Smtp {
    endpoint: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for Smtp {
    // lettre's transport prints its credentials in `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    fn error(&self, error: lettre::transport::smtp::Error) -> SendError {
        // Server replies may echo the recipient ("550 5.1.1 <jane@…>: …") or
        // quote the message: as an HTTP provider's message, redacted, one line,
        // bounded.
        let detail = one_line(&redact(&error.to_string()), MAX_REPLY_CHARS);
        let code: Option<u16> = error.status().map(u16::from);
        let (kind, temporary) = if error.is_timeout() {
            (ErrorKind::Timeout, true)
        } else if let Some(code) = code {
            (kind_for_reply(code, &detail), (400..500).contains(&code))
        } else if detail.contains("STARTTLS") || error.is_tls() || detail.contains("certificate") {
            (ErrorKind::Config, false)
        } else {
            (ErrorKind::Unavailable, true)
        };
        let hint = match kind {
            ErrorKind::Config if detail.contains("STARTTLS") => {
                "; the server does not offer STARTTLS: use smtps:// if it speaks implicit TLS (set dangerous_plaintext only for a relay on the same host)"
            }
            ErrorKind::Config => "; check the server certificate (or `ca_file` for a private CA)",
            ErrorKind::Auth => "; check `username` / `password`",
            _ => "",
        };
        let mut error =
            SendError::backend(kind, format!("SMTP {}: {detail}{hint}", self.endpoint))
                .with_temporary(temporary);
        if let Some(code) = code {
            error = error.with_status(code);
        }
        error
    }
}

/// SMTP's table: 4xx is temporary; a 5xx is about this recipient or message
/// when its enhanced status says so (5.1.x address, 5.2.x mailbox, 5.6.x content;
/// or 550/551/552/553 without one), about our setup for 5.7.x (relay denied,
/// policy) and 530/534/535 (authentication).
fn kind_for_reply(code: u16, detail: &str) -> ErrorKind {
    let enhanced = detail
        .split_whitespace()
        .find(|w| {
            w.len() >= 5 && w.starts_with("5.") && w.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
        .and_then(|w| w.split('.').nth(1));
    match (code, enhanced) {
        (530 | 534 | 535, _) => ErrorKind::Auth,
        (400..=499, _) => ErrorKind::Unavailable,
        (_, Some("1" | "2" | "6")) => ErrorKind::Rejected,
        (_, Some("7")) => ErrorKind::Config,
        (550..=553, None) => ErrorKind::Rejected,
        _ => ErrorKind::Other,
    }
}

/// The relay's queue id from its final reply ("250 2.0.0 Ok: queued as 4Bx3"), if it gives one.
fn queue_id(reply: &str) -> Option<String> {
    let (_, after) = reply.split_once("queued as ")?;
    let id: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "<>@.-_".contains(*c))
        .collect();
    (!id.is_empty()).then_some(id)
}

#[async_trait]
impl Backend for Smtp {
    const CHANNELS: &'static [Channel] = &[Channel::Email];

    /// Sends the locally rendered bodies: SMTP has no provider-side templates.
    async fn send_email(
        &self,
        email: &EmailMessage,
        _template: Option<EspTemplateRef<'_>>,
    ) -> Result<String, SendError> {
        let mime = mime::build(email)?;
        let message_id = mime
            .headers()
            .get_raw("Message-ID")
            .map(str::to_string)
            .unwrap_or_default();
        let response = self
            .transport
            .send(mime)
            .await
            .map_err(|e| self.error(e))?;
        // The relay's queue id finds the message in its logs; our Message-ID otherwise.
        let reply = response.message().collect::<Vec<_>>().join(" ");
        Ok(queue_id(&reply).unwrap_or(message_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_table() {
        assert_eq!(
            kind_for_reply(550, "550 5.1.1 <j***@e***.com>: no such user"),
            ErrorKind::Rejected
        );
        assert_eq!(
            kind_for_reply(552, "552 5.2.2 mailbox full"),
            ErrorKind::Rejected
        );
        assert_eq!(
            kind_for_reply(554, "554 5.7.1 Relay access denied"),
            ErrorKind::Config
        );
        assert_eq!(
            kind_for_reply(550, "550 5.7.1 sender rejected by policy"),
            ErrorKind::Config
        );
        assert_eq!(
            kind_for_reply(553, "553 mailbox name not allowed"),
            ErrorKind::Rejected
        );
        assert_eq!(
            kind_for_reply(554, "554 transaction failed"),
            ErrorKind::Other
        );
        assert_eq!(
            kind_for_reply(535, "535 5.7.8 bad credentials"),
            ErrorKind::Auth
        );
        assert_eq!(
            kind_for_reply(451, "451 4.3.0 try later"),
            ErrorKind::Unavailable
        );
    }

    #[test]
    fn the_queue_id_is_read_from_the_final_reply() {
        assert_eq!(
            queue_id("2.0.0 Ok: queued as 4Bx3Kq1"),
            Some("4Bx3Kq1".into())
        );
        assert_eq!(
            queue_id("OK queued as <abc@relay.test> thanks"),
            Some("<abc@relay.test>".into())
        );
        assert_eq!(queue_id("2.0.0 OK"), None);
    }
}
