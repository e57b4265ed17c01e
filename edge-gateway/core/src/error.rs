//! The gateway's one error type, and the one place that maps it to a status and public body.
//!
//! Every error knows its side (STYLE rule 4): the client's fault (downstream), the AI runtime's
//! or storage's (upstream), or ours (internal). Only [`Error::public`] turns an error into what a
//! client sees; details stay in the `Display` text, which goes to logs and never to responses.

use crate::ratelimit::{LimitKind, Quota};
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
    #[error("rate limited ({limit:?}), retry after {retry_after_s}s")]
    RateLimited {
        /// Which limit.
        limit: LimitKind,
        /// Seconds until a retry may succeed.
        retry_after_s: u32,
        /// The refusing limit's quota, for the `RateLimit-*` headers.
        quota: Quota,
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
            Error::RateLimited {
                limit,
                retry_after_s,
                ..
            } => {
                let what = match limit {
                    LimitKind::Tenant => "This shop's assistant is getting too many questions",
                    LimitKind::Session => "You are sending messages too quickly",
                    LimitKind::Ip => "Too many messages are coming from your network",
                    LimitKind::Concurrency => "The assistant is busy answering others",
                    LimitKind::DailyBudget => "The assistant has reached its limit for today",
                };
                ErrorBody::new(
                    code,
                    format!("{what}. Please try again in {retry_after_s} s."),
                )
            }
            _ => ErrorBody::from_code(code),
        };
        (code.status(), body)
    }

    /// The public code of this error.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::Downstream { code, .. } => *code,
            Error::RateLimited {
                limit: LimitKind::Concurrency,
                ..
            } => ErrorCode::TooManyStreams,
            Error::RateLimited {
                limit: LimitKind::DailyBudget,
                ..
            } => ErrorCode::DailyBudgetExhausted,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Upstream { timeout: true, .. } => ErrorCode::UpstreamTimeout,
            Error::Upstream { timeout: false, .. } => ErrorCode::UpstreamError,
            Error::Storage(_) => ErrorCode::StorageError,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds) for a refusal.
    pub fn rate_limit_headers(&self) -> Option<[(&'static str, String); 3]> {
        match self {
            Error::RateLimited { quota, .. } => Some(quota_headers(quota)),
            _ => None,
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

/// The `RateLimit-*` headers (IETF draft) for a quota.
pub fn quota_headers(quota: &Quota) -> [(&'static str, String); 3] {
    [
        ("RateLimit-Limit", quota.limit.to_string()),
        ("RateLimit-Remaining", quota.remaining.to_string()),
        ("RateLimit-Reset", quota.reset_ms.div_ceil(1000).to_string()),
    ]
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
        let quota = Quota {
            limit: 20,
            remaining: 0,
            reset_ms: 6500,
        };
        let err = Error::RateLimited {
            limit: LimitKind::Session,
            retry_after_s: 7,
            quota,
        };
        assert_eq!(err.public().0, 429);
        let headers = err.rate_limit_headers().unwrap();
        assert_eq!(headers[2], ("RateLimit-Reset", "7".to_owned()));
        let busy = Error::RateLimited {
            limit: LimitKind::Concurrency,
            retry_after_s: 1,
            quota,
        };
        assert_eq!(busy.public().1.error.code, "too_many_streams");
        assert_eq!(err.retry_after_s(), Some(7));
        assert_eq!(err.public().1.error.code, "rate_limited");
    }
}
