//! The one place HTTP providers send a request and read the answer: one pooled
//! client shared by every provider (keep-alive across warm invocations), base URL rules,
//! bounded response bodies, transport errors and the status table they share.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use url::Url;

use crate::text::redact;
use crate::{ErrorKind, Preconnected, SendError};

/// Default whole-request timeout of the HTTP providers, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// Time to establish a connection (TCP + TLS).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Most bytes of a response body we read: enough for any provider's answer.
const MAX_BODY_BYTES: usize = 256 * 1024;

pub(crate) fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// The HTTP client every HTTP provider shares: one connection pool and one TLS
/// set-up (loading the platform's root certificates costs milliseconds of init
/// CPU each time), built at the first provider that needs it. It never follows
/// a redirect: that would send the code (and credentials) somewhere the
/// configuration does not name. It remembers the origin each provider calls, so
/// that a cold start can open those connections before the first event.
#[derive(Debug, Default)]
pub struct SharedClient {
    client: OnceLock<reqwest::Client>,
    /// Every origin a provider asked for, in order (one entry per provider).
    origins: Mutex<Vec<String>>,
}

impl SharedClient {
    /// A handle on the shared client for requests to `url`'s origin that end
    /// after `timeout_ms`.
    pub(crate) fn client_for(&self, url: &Url, timeout_ms: u64) -> Result<Client, SendError> {
        let client = match self.client.get() {
            Some(client) => client.clone(),
            None => {
                let built = build_client().map_err(|e| {
                    SendError::backend(
                        ErrorKind::Config,
                        format!("cannot build the HTTP client: {}", e.without_url()),
                    )
                })?;
                self.client.get_or_init(|| built).clone()
            }
        };
        self.origins
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(url.origin().ascii_serialization());
        Ok(Client {
            client,
            timeout: Duration::from_millis(timeout_ms),
        })
    }

    /// How many origins providers have asked for so far: with
    /// [`SharedClient::origins_since`], which a provider's build added.
    pub fn origins_recorded(&self) -> usize {
        self.origins
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// The origins asked for after the first `recorded`.
    pub fn origins_since(&self, recorded: usize) -> Vec<String> {
        self.origins
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(recorded..)
            .unwrap_or_default()
            .to_vec()
    }

    /// Opens a connection (TCP, TLS, HTTP) to each of `origins` and
    /// leaves it in the pool, so that the first event's request reuses it instead
    /// of paying the handshakes at Lambda's throttled CPU share. hyper's pool only
    /// keeps connections that carried a request, so each gets one `HEAD /` (no
    /// credentials, no message; its answer is dropped), bounded by `timeout`.
    /// The future owns what it needs: a cold start runs it beside its other work.
    pub fn preconnect(
        &self,
        origins: BTreeSet<String>,
        timeout: Duration,
    ) -> impl std::future::Future<Output = Vec<Preconnected>> + Send + 'static {
        let client = self.client.get().cloned();
        async move {
            let Some(client) = client else {
                return Vec::new();
            };
            let mut opening = tokio::task::JoinSet::new();
            for origin in origins {
                let request = client.head(format!("{origin}/")).timeout(timeout);
                opening.spawn(async move {
                    let outcome = match request.send().await {
                        Ok(answer) => Ok(answer.status().as_u16()),
                        Err(error) => Err(error.without_url().to_string()),
                    };
                    Preconnected { origin, outcome }
                });
            }
            let mut done: Vec<Preconnected> = opening.join_all().await;
            done.sort_by(|a, b| a.origin.cmp(&b.origin));
            done
        }
    }
}

fn build_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// One provider's view of the shared client: its own request timeout.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    client: reqwest::Client,
    timeout: Duration,
}

impl Client {
    /// A POST to `url`, bounded by the provider's `timeout_ms`.
    pub(crate) fn post(&self, url: &str) -> RequestBuilder {
        self.client.post(url).timeout(self.timeout)
    }
}

/// What every HTTP API service sets up the same way: its base URL (checked by
/// [`base_url`]) and its view of the shared client.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    base: Url,
    /// The shared client with the service's `timeout_ms`.
    pub client: Client,
}

impl Api {
    /// The API at `base_url` (the value of the key `base_url`), called with
    /// `context`'s shared client and requests that end after `timeout_ms`.
    pub fn new(
        context: &crate::BuildContext<'_>,
        base_url: &str,
        timeout_ms: u64,
    ) -> Result<Api, SendError> {
        let base = self::base_url("base_url", base_url)?;
        Ok(Api {
            client: context.http.client_for(&base, timeout_ms)?,
            base,
        })
    }

    /// The URL of `path` under the base URL (which may carry a path prefix).
    pub fn endpoint(&self, path: &str) -> String {
        endpoint(&self.base, path)
    }
}

/// Parses a provider base URL: HTTPS, or plain HTTP to a loopback address only
/// (local test servers). Credentials must never cross the network in clear text.
pub(crate) fn base_url(key: &str, value: &str) -> Result<Url, SendError> {
    let config_error = |shown: &str, why: &str| {
        SendError::backend(ErrorKind::Config, format!("`{key}` = `{shown}`: {why}"))
    };
    // Not the value itself: a webhook URL may carry a token.
    let url = Url::parse(value).map_err(|e| config_error("…", &format!("not a URL ({e})")))?;
    let shown = format!("{}{}", url.origin().ascii_serialization(), url.path());
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
            &shown,
            "plain http is only allowed to a loopback address; use https",
        )),
        other => Err(config_error(
            &shown,
            &format!("unsupported scheme `{other}`; use https"),
        )),
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
    /// The body as far as it could be read, at most [`MAX_BODY_BYTES`].
    pub body: String,
}

impl Response {
    /// An error of `kind` with the status, any `Retry-After`, and `detail`.
    pub fn error(&self, kind: ErrorKind, detail: String) -> SendError {
        let mut error = SendError::backend(kind, detail).with_status(self.status.as_u16());
        if let Some(wait) = retry_after(&self.headers) {
            error = error.with_retry_after(wait);
        }
        error
    }

    /// What to say about a body we do not show (it may echo our request).
    pub fn unshown_body(&self) -> String {
        format!("a {}-byte body, not shown", self.body.len())
    }

    /// The id `label` gave an accepted message, or `unknown` (with a warning) when
    /// its answer carries none: a 2xx is a delivery either way, and failing it
    /// would make failover send a duplicate.
    pub fn accepted_id(&self, label: &str, id: Option<String>) -> String {
        id.unwrap_or_else(|| {
            tracing::warn!(status = %self.status, "{label} accepted the message without a readable id");
            "unknown".to_string()
        })
    }

    /// `<label> error <code> (<status>): <message><hint>`, or `<label> answered
    /// <status>: …` without a code. The provider's message is made safe to log;
    /// without one the body is not shown (it may echo the request).
    pub fn error_detail(
        &self,
        label: &str,
        code: Option<impl std::fmt::Display>,
        message: Option<&str>,
    ) -> String {
        let status = self.status;
        let shown = match message {
            Some(message) => provider_message(message),
            None => self.unshown_body(),
        };
        let hint = status_hint(status);
        match code {
            Some(code) => format!("{label} error {code} ({status}): {shown}{hint}"),
            None => format!("{label} answered {status}: {shown}{hint}"),
        }
    }
}

/// Sends `request` and reads the answer, whatever its status.
///
/// A 2xx is a delivery even when its body cannot be read (a reset, a truncated
/// body): the provider accepted the message, and failing here would make retry
/// and failover send it again.
pub(crate) async fn send(request: RequestBuilder) -> Result<Response, SendError> {
    let mut response = request.send().await.map_err(transport_error)?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
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
            Err(e) if status.is_success() => {
                tracing::warn!(%status, error = %e.without_url(), "the provider accepted the message but its answer broke off; counting it as delivered");
                break;
            }
            Err(e) => return Err(transport_error(e)),
        }
    }
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Maps a transport failure, without the URL (it may carry a token). A timeout
/// after the request was written may still have been delivered: it is reported
/// as `Timeout`, which retry logic treats as temporary (at-least-once; see the
/// README on duplicates).
fn transport_error(error: reqwest::Error) -> SendError {
    let error = error.without_url();
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
    SendError::backend(kind, format!("{what}: {}", redact(&detail)))
}

/// The HTTP status table every HTTP provider starts from; each refines the
/// statuses whose body says more (see the README's table).
///
/// Only a status about *this recipient or this message* is [`ErrorKind::Rejected`]
/// (which stops the chain); anything about our configuration, credentials or an
/// unknown 4xx moves on to the next provider without a retry.
pub(crate) fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        300..=399 => ErrorKind::Config,
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::Config,
        408 => ErrorKind::Timeout,
        413 => ErrorKind::Rejected,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Other,
    }
}

/// The explanation that goes with [`kind_for_status`].
pub(crate) fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        300..=399 => "; the provider redirected, which is never followed: set the base URL to the final address",
        404 => "; check the base URL, domain or account in the configuration",
        _ => "",
    }
}

/// The longest `Retry-After` honoured; longer waits are no better than failing over.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` in seconds (the form providers use), at most an hour; HTTP dates
/// are ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    let seconds = value.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// A provider's own error message, made safe to log: one line, at most 300
/// characters, addresses, numbers and URLs masked.
pub(crate) fn provider_message(text: &str) -> String {
    crate::text::one_line(&redact(text), 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_except_to_loopback() {
        assert!(base_url("k", "https://api.sendgrid.com").is_ok());
        assert!(base_url("k", "http://127.0.0.1:8080").is_ok());
        assert!(base_url("k", "http://localhost:1").is_ok());
        let err = base_url("k", "http://api.example.com").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(base_url("k", "ftp://x").is_err());
    }

    #[test]
    fn the_status_table() {
        let row = |s: u16| {
            let e = SendError::new("p", kind_for_status(StatusCode::from_u16(s).unwrap()), "");
            (e.kind(), e.is_temporary())
        };
        assert_eq!(row(307), (ErrorKind::Config, false));
        assert_eq!(row(400), (ErrorKind::Other, false));
        assert_eq!(row(401), (ErrorKind::Auth, false));
        assert_eq!(row(403), (ErrorKind::Auth, false));
        assert_eq!(row(404), (ErrorKind::Config, false));
        assert_eq!(row(408), (ErrorKind::Timeout, true));
        assert_eq!(row(413), (ErrorKind::Rejected, false));
        assert_eq!(row(422), (ErrorKind::Other, false));
        assert_eq!(row(429), (ErrorKind::RateLimited, true));
        assert_eq!(row(500), (ErrorKind::Unavailable, true));
        assert_eq!(row(503), (ErrorKind::Unavailable, true));
    }

    #[test]
    fn retry_after_seconds_are_read() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, "18446744073709551615".parse().unwrap());
        assert_eq!(
            retry_after(&h),
            Some(MAX_RETRY_AFTER),
            "clamped, no overflow"
        );
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
