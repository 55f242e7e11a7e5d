//! Why a delivery failed, classified so that retry and failover can act on it.

use std::fmt;
use std::time::Duration;

/// What went wrong, in terms a route can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials were missing, wrong or lacked permission.
    Auth,
    /// The provider refused this message (bad recipient, invalid content).
    /// Sending it again, anywhere, will fail the same way.
    Rejected,
    /// The provider asked us to slow down.
    RateLimited,
    /// The provider could not be reached or had an internal failure.
    Unavailable,
    /// No answer in time. The message may or may not have been accepted.
    Timeout,
    /// Our own configuration is wrong for this provider.
    Config,
    /// Not tried: its circuit breaker is open after failures in a row
    /// ([`crate::layer::Breakers`]). Not retried; a chain moves on.
    Skipped,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Whether errors of this kind are temporary unless a provider says otherwise.
    pub fn default_temporary(self) -> bool {
        matches!(
            self,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Timeout
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Rejected => "message rejected",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "provider unavailable",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Config => "misconfigured",
            ErrorKind::Skipped => "skipped (circuit open)",
            ErrorKind::Other => "failed",
        })
    }
}

/// A failed delivery attempt.
///
/// The `detail` must never contain message content, a code or a credential: it
/// ends up in logs and in the Lambda invocation error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    provider: String,
    kind: ErrorKind,
    temporary: bool,
    status: Option<u16>,
    retry_after: Option<Duration>,
    detail: String,
    attempts: Vec<crate::Attempt>,
}

impl SendError {
    /// A new error of `kind` from `provider`, temporary as the kind suggests.
    /// Every secret the process holds is removed from `detail`, by value
    /// ([`crate::redaction`]): a detail may quote a provider that quoted us.
    pub fn new(provider: impl Into<String>, kind: ErrorKind, detail: impl Into<String>) -> Self {
        let detail = crate::redaction::scrub(&detail.into()).into_owned();
        SendError {
            provider: provider.into(),
            kind,
            temporary: kind.default_temporary(),
            status: None,
            retry_after: None,
            detail,
            attempts: Vec::new(),
        }
    }

    /// An error raised inside a backend, before it has a name: [`crate::Provider`]
    /// stamps its configured name on every error at the boundary (as object_store
    /// stamps `STORE`), so backends never pass their name around.
    pub fn backend(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self::new(String::new(), kind, detail)
    }

    /// This error, named after the provider `provider`.
    pub(crate) fn named(mut self, provider: &str) -> Self {
        provider.clone_into(&mut self.provider);
        self
    }

    /// Overrides whether retrying may help.
    pub fn with_temporary(mut self, temporary: bool) -> Self {
        self.temporary = temporary;
        self
    }

    /// Records the provider's status code (HTTP or SMTP).
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Records how long the provider asked us to wait.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// The configured name of the provider that failed.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether the same request may succeed later.
    pub fn is_temporary(&self) -> bool {
        self.temporary
    }

    /// Records the attempts that led to this error (see [`crate::Retry`]).
    pub fn with_attempts(mut self, attempts: Vec<crate::Attempt>) -> Self {
        self.attempts = attempts;
        self
    }

    /// Every attempt that failed, in order; empty when no wrapper recorded them.
    pub fn attempts(&self) -> &[crate::Attempt] {
        &self.attempts
    }

    /// The provider's status code, if it answered with one.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How long the provider asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "provider `{}`: {}", self.provider, self.kind)?;
        if let Some(status) = self.status {
            write!(f, " (status {status})")?;
        }
        // A skip is neither: the provider was not called (the detail says when it will be).
        if self.kind == ErrorKind::Skipped {
            return write!(f, ": {}", self.detail);
        }
        let nature = if self.temporary {
            "temporary"
        } else {
            "permanent"
        };
        write!(f, " [{nature}]: {}", self.detail)
    }
}

impl std::error::Error for SendError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_default_to_the_documented_temporariness() {
        assert!(SendError::new("p", ErrorKind::Unavailable, "x").is_temporary());
        assert!(SendError::new("p", ErrorKind::RateLimited, "x").is_temporary());
        assert!(SendError::new("p", ErrorKind::Timeout, "x").is_temporary());
        assert!(!SendError::new("p", ErrorKind::Rejected, "x").is_temporary());
        assert!(!SendError::new("p", ErrorKind::Auth, "x").is_temporary());
    }

    #[test]
    fn display_names_provider_kind_status_and_nature() {
        let err =
            SendError::new("primary", ErrorKind::Unavailable, "503 from upstream").with_status(503);
        assert_eq!(
            err.to_string(),
            "provider `primary`: provider unavailable (status 503) [temporary]: 503 from upstream"
        );
    }
}
