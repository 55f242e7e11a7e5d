//! One helper for every HTTP provider's status table: each row is what the
//! provider answers and what Switchboard must make of it — the same rows the
//! README's "Which errors stop the chain" table lists.

use std::time::Duration;

use crate::{ErrorKind, SendError};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// One answer and its classification.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: &'static str,
    /// A `Retry-After` header, if any.
    pub retry_after: Option<&'static str>,
    /// The kind Switchboard gives it.
    pub kind: ErrorKind,
    /// Whether it is retried.
    pub temporary: bool,
    /// Text the error must name (the provider's code or field), if any.
    pub names: Option<&'static str>,
}

/// A row without a body or headers.
pub const fn status(status: u16, kind: ErrorKind, temporary: bool) -> Row {
    Row {
        status,
        body: "",
        retry_after: None,
        kind,
        temporary,
        names: None,
    }
}

/// A row with a body and text the error must name.
pub const fn body(
    status: u16,
    body: &'static str,
    kind: ErrorKind,
    names: Option<&'static str>,
) -> Row {
    Row {
        status,
        body,
        retry_after: None,
        kind,
        temporary: false,
        names,
    }
}

/// The temporary answers every HTTP provider shares: retried, then failed over.
pub const TEMPORARY: &[Row] = &[
    status(429, ErrorKind::RateLimited, true),
    status(500, ErrorKind::Unavailable, true),
    status(502, ErrorKind::Unavailable, true),
    status(503, ErrorKind::Unavailable, true),
    status(504, ErrorKind::Unavailable, true),
];

/// Answers every row of `rows`, then of [`TEMPORARY`], each from a fresh
/// server, and checks `send`'s error against it.
pub async fn check(rows: &[Row], send: impl AsyncFn(&MockServer) -> SendError) {
    for row in rows.iter().chain(TEMPORARY) {
        let server = MockServer::start().await;
        let mut response = ResponseTemplate::new(row.status).set_body_string(row.body);
        if let Some(wait) = row.retry_after {
            response = response.insert_header("Retry-After", wait);
        }
        Mock::given(method("POST"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = send(&server).await;
        assert_eq!(
            (err.kind(), err.is_temporary(), err.status()),
            (row.kind, row.temporary, Some(row.status)),
            "{row:?}: {err}"
        );
        if let Some(name) = row.names {
            assert!(err.to_string().contains(name), "{row:?}: {err}");
        }
        if let Some(wait) = row.retry_after.and_then(|w| w.parse().ok()) {
            assert_eq!(
                err.retry_after(),
                Some(Duration::from_secs(wait)),
                "{row:?}"
            );
        }
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{row:?}: one request per send"
        );
    }
}
