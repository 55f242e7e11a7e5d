//! What the HTTP providers share: one pooled client per provider (keep-alive across
//! warm invocations), base URL rules, and the status → (kind, temporary) defaults.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;
use url::Url;

use crate::{ErrorKind, SendError};

/// Connection and request timeouts for an HTTP provider.
#[derive(Debug, Clone, Copy)]
pub struct HttpTimeouts {
    /// Time to establish a connection (TCP + TLS).
    pub connect: Duration,
    /// Time for the whole request, response included.
    pub request: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts {
            connect: Duration::from_secs(3),
            request: Duration::from_secs(10),
        }
    }
}

/// A pooled client with rustls; built once per provider at cold start.
pub(crate) fn client(provider: &str, timeouts: HttpTimeouts) -> Result<reqwest::Client, SendError> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .timeout(timeouts.request)
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            SendError::new(
                provider,
                ErrorKind::Config,
                format!("cannot build the HTTP client: {e}"),
            )
        })
}

/// Parses a provider base URL: HTTPS, or plain HTTP to a loopback address only
/// (local test servers). Credentials must never cross the network in clear text.
pub(crate) fn base_url(provider: &str, key: &str, value: &str) -> Result<Url, SendError> {
    let config_error = |why: String| {
        SendError::new(
            provider,
            ErrorKind::Config,
            format!("`{key}` = `{value}`: {why}"),
        )
    };
    let url = Url::parse(value).map_err(|e| config_error(format!("not a URL ({e})")))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(config_error(
            "plain http is only allowed to a loopback address; use https".into(),
        )),
        other => Err(config_error(format!(
            "unsupported scheme `{other}`; use https"
        ))),
    }
}

/// Joins `path` onto a base URL that may itself carry a path prefix.
pub(crate) fn endpoint(base: &Url, path: &str) -> String {
    format!("{}{}", base.as_str().trim_end_matches('/'), path)
}

/// Maps a transport failure. A timeout after the request was written may still
/// have been delivered: it is reported as `Timeout`, which retry logic treats as
/// temporary (at-least-once; see the README on duplicates).
pub(crate) fn transport_error(provider: &str, error: reqwest::Error) -> SendError {
    // The URL stays in: ours carry no secrets (keys go in headers) and it helps.
    // The causes matter most ("connection refused", "invalid peer certificate").
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        SendError::new(
            provider,
            ErrorKind::Timeout,
            format!("no answer in time: {detail}"),
        )
    } else if error.is_connect() {
        SendError::new(
            provider,
            ErrorKind::Unavailable,
            format!("cannot connect: {detail}"),
        )
    } else if error.is_decode() || error.is_body() {
        SendError::new(
            provider,
            ErrorKind::Unavailable,
            format!("broken response: {detail}"),
        )
    } else {
        SendError::new(
            provider,
            ErrorKind::Unavailable,
            format!("request failed: {detail}"),
        )
    }
}

/// The common HTTP table; providers refine it with their own error codes.
pub(crate) fn status_error(
    provider: &str,
    status: StatusCode,
    headers: &HeaderMap,
    detail: String,
) -> SendError {
    let code = status.as_u16();
    let kind = match code {
        401 | 403 => ErrorKind::Auth,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::Rejected,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    };
    let mut error = SendError::new(provider, kind, detail).with_status(code);
    if let Some(wait) = retry_after(headers) {
        error = error.with_retry_after(wait);
    }
    error
}

/// `Retry-After` in seconds (the form providers use); HTTP dates are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A short, single-line excerpt of a response body for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    const MAX: usize = 300;
    let flat = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > MAX {
        format!("{}…", flat.chars().take(MAX).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_except_to_loopback() {
        assert!(base_url("p", "k", "https://api.sendgrid.com").is_ok());
        assert!(base_url("p", "k", "http://127.0.0.1:8080").is_ok());
        assert!(base_url("p", "k", "http://localhost:1").is_ok());
        let err = base_url("p", "k", "http://api.example.com").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(base_url("p", "k", "ftp://x").is_err());
    }

    #[test]
    fn the_status_table() {
        let h = HeaderMap::new();
        let row = |s: u16| {
            let e = status_error("p", StatusCode::from_u16(s).unwrap(), &h, String::new());
            (e.kind(), e.is_temporary())
        };
        assert_eq!(row(400), (ErrorKind::Rejected, false));
        assert_eq!(row(401), (ErrorKind::Auth, false));
        assert_eq!(row(403), (ErrorKind::Auth, false));
        assert_eq!(row(413), (ErrorKind::Rejected, false));
        assert_eq!(row(429), (ErrorKind::RateLimited, true));
        assert_eq!(row(500), (ErrorKind::Unavailable, true));
        assert_eq!(row(503), (ErrorKind::Unavailable, true));
    }

    #[test]
    fn retry_after_seconds_are_read() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn endpoint_keeps_a_path_prefix() {
        let base = Url::parse("http://127.0.0.1:1/prefix/").unwrap();
        assert_eq!(
            endpoint(&base, "/v3/mail/send"),
            "http://127.0.0.1:1/prefix/v3/mail/send"
        );
    }
}
