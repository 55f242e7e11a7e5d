//! `[providers.NAME]` with `type = "smtp"`.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use url::Url;

use super::Smtp;
use crate::{BuildContext, ErrorKind, SecretValue, SendError, Service};

/// Time allowed for connecting and for each SMTP command unless `timeout_ms` says otherwise.
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// `type = "smtp"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// `smtp://host[:587]` (STARTTLS required) or `smtps://host[:465]` (implicit TLS).
    pub url: String,
    /// AUTH user name, if the relay needs one.
    #[serde(default)]
    pub username: Option<String>,
    /// AUTH password (a secret reference recommended).
    #[serde(default)]
    pub password: Option<SecretValue>,
    /// PEM file with extra trusted root certificates (private relays, tests).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Send without TLS on `smtp://`, to a relay on this host only: refused for
    /// any other host when credentials are set, and always inside Lambda.
    #[serde(default)]
    pub dangerous_plaintext: bool,
    /// Time allowed for connecting and for each SMTP command, in milliseconds.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Most connections kept open in the pool.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

/// Whether `url` names this host (a relay the traffic never leaves it for).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        // `smtp:` is not a special scheme: its IPv4 hosts arrive as names.
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

fn default_max_connections() -> u32 {
    4
}

impl SmtpConfig {
    /// A configuration for `url` with every default and no AUTH.
    pub fn new(url: impl Into<String>) -> Self {
        SmtpConfig {
            url: url.into(),
            username: None,
            password: None,
            ca_file: None,
            dangerous_plaintext: false,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_connections: default_max_connections(),
        }
    }

    fn tls_parameters(&self, host: &str) -> Result<TlsParameters, SendError> {
        let config_error = |detail: String| SendError::backend(ErrorKind::Config, detail);
        let mut builder = TlsParameters::builder(host.to_string());
        if let Some(path) = &self.ca_file {
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
    }
}

impl Service for SmtpConfig {
    const TYPE: &'static str = "smtp";
    type Backend = Smtp;

    fn secrets(&self) -> Vec<(&'static str, &SecretValue)> {
        self.password.iter().map(|p| ("password", p)).collect()
    }

    fn build(&self, context: &BuildContext<'_>) -> Result<Smtp, SendError> {
        let config_error = |detail: String| SendError::backend(ErrorKind::Config, detail);
        let url = Url::parse(&self.url).map_err(|e| {
            config_error(format!(
                "`url` = `{}` is not a URL ({e}); expected smtp://host:587 or smtps://host:465",
                self.url
            ))
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(config_error(
                "put credentials in `username` / `password`, not in `url`".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| config_error(format!("`url` = `{}` has no host", self.url)))?
            .to_string();
        if self.dangerous_plaintext && url.scheme() == "smtp" && !is_loopback(&url) {
            let credentials = self.username.is_some() || self.password.is_some();
            if credentials || context.inside_lambda {
                let what = if credentials {
                    "the relay password and every code"
                } else {
                    "every code"
                };
                return Err(config_error(format!(
                    "`dangerous_plaintext` = true sends {what} in clear text to `{host}`, which is not this host: it is only for a relay on 127.0.0.1 / localhost; use smtp:// with STARTTLS or smtps://, and `ca_file` for a private CA"
                )));
            }
            tracing::warn!(%host, "dangerous_plaintext: codes cross the network to a relay that is not on this host in clear text");
        }
        let (tls, default_port) = match url.scheme() {
            "smtps" => (Tls::Wrapper(self.tls_parameters(&host)?), 465),
            "smtp" if self.dangerous_plaintext => (Tls::None, 25),
            "smtp" => (Tls::Required(self.tls_parameters(&host)?), 587),
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
            .timeout(Some(Duration::from_millis(self.timeout_ms)))
            .pool_config(PoolConfig::new().max_size(self.max_connections.max(1)));
        match (&self.username, &self.password) {
            (Some(user), Some(password)) => {
                let password = context.secret("password", password)?;
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
        })
    }
}
