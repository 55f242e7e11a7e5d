//! SMTP through lettre's pooled async transport (tokio, rustls).
//!
//! `smtp://host:587` requires STARTTLS; `smtps://host:465` is implicit TLS. Plain
//! text only with `dangerous_plaintext`, whose name says what it is. The transport
//! is built once and its connections are reused across warm invocations.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::{mime, Channel, Delivery, ErrorKind, Message, SendError, Sender};

/// Settings for [`Smtp`].
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://host[:587]` (STARTTLS required) or `smtps://host[:465]` (implicit TLS).
    pub url: String,
    /// AUTH user name, if the relay needs one.
    pub username: Option<String>,
    /// AUTH password.
    pub password: Option<SecretString>,
    /// PEM file with extra trusted root certificates (private relays, tests).
    pub ca_file: Option<PathBuf>,
    /// Send without TLS on `smtp://`. Credentials and codes cross the network in
    /// clear text: only for a relay on the same host.
    pub dangerous_plaintext: bool,
    /// Time allowed for connecting and for each SMTP command.
    pub timeout: Duration,
    /// Most connections kept open in the pool.
    pub max_connections: u32,
}

/// The SMTP backend.
pub struct Smtp {
    name: String,
    endpoint: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Smtp {
    /// An SMTP backend named `name`.
    pub fn new(name: impl Into<String>, config: SmtpConfig) -> Result<Self, SendError> {
        let name = name.into();
        let config_error = |detail: String| SendError::new(&name, ErrorKind::Config, detail);
        let url = Url::parse(&config.url).map_err(|e| {
            config_error(format!(
                "`url` = `{}` is not a URL ({e}); expected smtp://host:587 or smtps://host:465",
                config.url
            ))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(config_error(
                "put credentials in `username` / `password`, not in `url`".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| config_error(format!("`url` = `{}` has no host", config.url)))?
            .to_string();
        let tls_parameters = || -> Result<TlsParameters, SendError> {
            let mut builder = TlsParameters::builder(host.clone());
            if let Some(path) = &config.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    config_error(format!(
                        "`ca_file` = `{}` cannot be read: {e}",
                        path.display()
                    ))
                })?;
                let certificate = Certificate::from_pem(&pem).map_err(|e| {
                    config_error(format!(
                        "`ca_file` = `{}` is not a PEM certificate: {e}",
                        path.display()
                    ))
                })?;
                builder = builder.add_root_certificate(certificate);
            }
            builder
                .build_rustls()
                .map_err(|e| config_error(format!("cannot set up TLS for `{host}`: {e}")))
        };
        let (tls, default_port) = match url.scheme() {
            "smtps" => (Tls::Wrapper(tls_parameters()?), 465),
            "smtp" if config.dangerous_plaintext => (Tls::None, 25),
            "smtp" => (Tls::Required(tls_parameters()?), 587),
            other => {
                return Err(config_error(format!(
                    "`url` scheme `{other}` is not supported; use smtp:// (STARTTLS) or smtps:// (implicit TLS)"
                )))
            }
        };
        let port = url.port().unwrap_or(default_port);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(config.max_connections.max(1)));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder
                    .credentials(Credentials::new(
                        user.clone(),
                        password.expose_secret().to_string(),
                    ))
                    .authentication(vec![Mechanism::Plain, Mechanism::Login]);
            }
            (None, None) => {}
            _ => {
                return Err(config_error(
                    "set both `username` and `password`, or neither".into(),
                ))
            }
        }
        Ok(Smtp {
            endpoint: format!("{}://{host}:{port}", url.scheme()),
            transport: builder.build(),
            name,
        })
    }

    fn error(&self, error: lettre::transport::smtp::Error) -> SendError {
        let detail = error.to_string();
        let code: Option<u16> = error.status().map(u16::from);
        let (kind, temporary) = if error.is_timeout() {
            (ErrorKind::Timeout, true)
        } else if let Some(code) = code {
            match code {
                535 | 530 | 534 => (ErrorKind::Auth, false),
                421 | 450..=499 => (ErrorKind::Unavailable, true),
                500..=599 => (ErrorKind::Rejected, false),
                _ => (ErrorKind::Other, error.is_transient()),
            }
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
        let mut error = SendError::new(
            &self.name,
            kind,
            format!("SMTP {}: {detail}{hint}", self.endpoint),
        )
        .with_temporary(temporary);
        if let Some(code) = code {
            error = error.with_status(code);
        }
        error
    }
}

#[async_trait]
impl Sender for Smtp {
    fn name(&self) -> &str {
        &self.name
    }

    fn channels(&self) -> &[Channel] {
        &[Channel::Email]
    }

    async fn send(&self, message: &Message) -> Result<Delivery, SendError> {
        let email = message.email_only(&self.name)?;
        let mime = mime::build(&self.name, email)?;
        let message_id = mime
            .headers()
            .get_raw("Message-ID")
            .map(str::to_string)
            .unwrap_or_default();
        let response = self.transport.send(mime).await.map_err(|e| self.error(e))?;
        // Prefer the relay's queue id when it gives one ("250 2.0.0 Ok: queued as ABC").
        let queued = response.message().collect::<Vec<_>>().join(" ");
        Ok(Delivery::new(
            self.name.clone(),
            if message_id.is_empty() {
                queued
            } else {
                message_id
            },
        ))
    }
}
