//! The one place HTTP providers send a request and read the answer: a pooled
//! client per provider (keep-alive across warm invocations), base URL rules,
//! bounded response bodies, transport errors and the status table they share.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use url::Url;

use crate::{ErrorKind, SendError};

/// Default whole-request timeout of the HTTP providers, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Time to establish a connection (TCP + TLS).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Most bytes of a response body we read: enough for any provider's answer.
const MAX_BODY_BYTES: usize = 256 * 1024;

pub(crate) fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// A pooled client with rustls; built once per provider at cold start.
pub(crate) fn client(provider: &str, timeout_ms: u64) -> Result<reqwest::Client, SendError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(Duration::from_millis(timeout_ms))
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

/// A provider's answer.
pub(crate) struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body, at most [`MAX_BODY_BYTES`]; an error when it could not be read.
    pub body: Result<String, SendError>,
}

impl Response {
    /// The body, or "" when it could not be read (for error messages).
    pub fn text(&self) -> &str {
        self.body.as_deref().unwrap_or_default()
    }

    /// An error built from the shared status table, with `Retry-After` honoured.
    pub fn error(&self, provider: &str, detail: String) -> SendError {
        self.error_of_kind(provider, kind_for_status(self.status), detail)
    }

    /// An error of `kind`, carrying the status and any `Retry-After`.
    pub fn error_of_kind(&self, provider: &str, kind: ErrorKind, detail: String) -> SendError {
        let mut error = SendError::new(provider, kind, detail).with_status(self.status.as_u16());
        if let Some(wait) = retry_after(&self.headers) {
            error = error.with_retry_after(wait);
        }
        error
    }
}

/// Sends `request` and reads the answer, whatever its status.
pub(crate) async fn send(provider: &str, request: RequestBuilder) -> Result<Response, SendError> {
    let mut response = request
        .send()
        .await
        .map_err(|e| transport_error(provider, e))?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    let mut read_error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_BODY_BYTES.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_BODY_BYTES {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                read_error = Some(transport_error(provider, e));
                break;
            }
        }
    }
    let body = match read_error {
        Some(error) => Err(error),
        None => Ok(String::from_utf8_lossy(&body).into_owned()),
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Maps a transport failure. A timeout after the request was written may still
/// have been delivered: it is reported as `Timeout`, which retry logic treats as
/// temporary (at-least-once; see the README on duplicates).
fn transport_error(provider: &str, error: reqwest::Error) -> SendError {
    // The causes matter most ("connection refused", "invalid peer certificate").
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    let (kind, what) = if error.is_timeout() {
        (ErrorKind::Timeout, "no answer in time")
    } else if error.is_connect() {
        (ErrorKind::Unavailable, "cannot connect")
    } else if error.is_decode() || error.is_body() {
        (ErrorKind::Unavailable, "broken response")
    } else {
        (ErrorKind::Unavailable, "request failed")
    };
    SendError::new(provider, kind, format!("{what}: {detail}"))
}

/// The HTTP status table every HTTP provider starts from.
pub(crate) fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        401 | 403 => ErrorKind::Auth,
        408 => ErrorKind::Timeout,
        429 => ErrorKind::RateLimited,
        400..=499 => ErrorKind::Rejected,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    }
}

/// `Retry-After` in seconds (the form providers use); HTTP dates are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// A short, single-line excerpt of a response body for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    crate::text::one_line(body, 300)
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
        let row = |s: u16| {
            let e = SendError::new("p", kind_for_status(StatusCode::from_u16(s).unwrap()), "");
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
