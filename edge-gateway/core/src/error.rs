//! The gateway's one error type, and the one place that maps it to a status and public body.
//!
//! Every error knows its side (STYLE rule 4): the client's fault (downstream), the AI runtime's
//! or storage's (upstream), or ours (internal). Only [`Error::public`] turns an error into what a
//! client sees; details stay in the `Display` text, which goes to logs and never to responses.

use shopkeep_protocol::{ErrorBody, ErrorCode};

/// Result with the gateway's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong while serving a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client's fault: the code says what, the message is safe to show (it names a field,
    /// never echoes a secret).
    #[error("downstream {code:?}: {message}")]
    Downstream {
        /// Public error code.
        code: ErrorCode,
        /// Public message.
        message: String,
    },
    /// A limit was hit; the client may retry after `retry_after_s` seconds.
    #[error("rate limited ({limit}), retry after {retry_after_s}s")]
    RateLimited {
        /// Which limit, e.g. `session`.
        limit: String,
        /// Seconds until a retry may succeed.
        retry_after_s: u32,
    },
    /// The AI runtime failed or timed out. `detail` is logged only.
    #[error("upstream failed: {detail}")]
    Upstream {
        /// Whether it was a timeout (504) rather than a failure (502).
        timeout: bool,
        /// What happened, for the logs.
        detail: String,
    },
    /// Storage (D1, KV, Durable Objects) failed. `detail` is logged only.
    #[error("storage failed: {0}")]
    Storage(String),
    /// A bug or an impossible state on our side. Logged only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// A downstream error with the code's default message.
    pub fn code(code: ErrorCode) -> Self {
        Error::Downstream {
            code,
            message: code.default_message().to_owned(),
        }
    }

    /// A downstream error with a specific public message.
    pub fn downstream(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Downstream {
            code,
            message: message.into(),
        }
    }

    /// `400 bad_request` naming what is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::downstream(ErrorCode::BadRequest, message)
    }

    /// `400 invalid_field` naming the field.
    pub fn invalid_field(field: &str, problem: &str) -> Self {
        Self::downstream(ErrorCode::InvalidField, format!("{field}: {problem}"))
    }

    /// The public status and body for this error: the one mapping (STYLE rule 4).
    pub fn public(&self) -> (u16, ErrorBody) {
        let code = self.error_code();
        let body = match self {
            Error::Downstream { message, .. } => ErrorBody::new(code, message.clone()),
            Error::RateLimited { retry_after_s, .. } => ErrorBody::new(
                code,
                format!("Too many requests. Please try again in {retry_after_s} s."),
            ),
            _ => ErrorBody::from_code(code),
        };
        (code.status(), body)
    }

    /// The public code of this error.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::Downstream { code, .. } => *code,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Upstream { timeout: true, .. } => ErrorCode::UpstreamTimeout,
            Error::Upstream { timeout: false, .. } => ErrorCode::UpstreamError,
            Error::Storage(_) => ErrorCode::StorageError,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// `Retry-After` seconds to send with the response, if any.
    pub fn retry_after_s(&self) -> Option<u32> {
        match self {
            Error::RateLimited { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_of_upstream_storage_and_internal_errors_never_reach_the_body() {
        let secret = "sk-live-SECRET";
        for err in [
            Error::Upstream {
                timeout: false,
                detail: secret.into(),
            },
            Error::Upstream {
                timeout: true,
                detail: secret.into(),
            },
            Error::Storage(secret.into()),
            Error::Internal(secret.into()),
        ] {
            let (status, body) = err.public();
            assert!(status >= 500, "{err}");
            assert!(!body.error.message.contains(secret));
            assert!(body.error.retryable);
        }
    }

    #[test]
    fn rate_limited_maps_to_429_with_retry_after() {
        let err = Error::RateLimited {
            limit: "session".into(),
            retry_after_s: 7,
        };
        assert_eq!(err.public().0, 429);
        assert_eq!(err.retry_after_s(), Some(7));
        assert_eq!(err.public().1.error.code, "rate_limited");
    }
}
