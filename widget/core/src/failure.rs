//! Why a request failed, in the terms the widget acts on.
//!
//! The shell turns every failed fetch — a JSON error body, a network error, a broken stream —
//! into one [`Failure`]; the core decides what the shopper sees and whether retrying makes sense.

use shopkeep_protocol::ErrorBody;

/// One failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The API error code (`rate_limited`, `session_expired`, …), or [`Failure::NETWORK`] when
    /// no answer arrived, or [`Failure::INTERRUPTED`] when a stream broke part way.
    pub code: String,
    /// Whether sending the same request again may succeed.
    pub retryable: bool,
    /// Seconds to wait, from a `Retry-After` header.
    pub retry_after_secs: Option<u32>,
}

impl Failure {
    /// Code of a failure where no HTTP answer arrived (offline, DNS, CORS refusal).
    pub const NETWORK: &'static str = "network";
    /// Code of a stream that ended without its `done` or `error` event.
    pub const INTERRUPTED: &'static str = "interrupted";

    /// A network failure: nothing answered; always worth retrying.
    pub fn network() -> Self {
        Failure {
            code: Self::NETWORK.into(),
            retryable: true,
            retry_after_secs: None,
        }
    }

    /// A stream that broke part way; always worth retrying.
    pub fn interrupted() -> Self {
        Failure {
            code: Self::INTERRUPTED.into(),
            retryable: true,
            retry_after_secs: None,
        }
    }

    /// A failure from an HTTP status, its JSON error body when it had one, and `Retry-After`.
    pub fn from_response(status: u16, body: Option<ErrorBody>, retry_after: Option<&str>) -> Self {
        let retry_after_secs = retry_after.and_then(|v| v.trim().parse::<u32>().ok());
        match body {
            Some(b) => Failure {
                code: b.error.code,
                retryable: b.error.retryable,
                retry_after_secs,
            },
            None => Failure {
                code: fallback_code(status).into(),
                retryable: status == 429 || status >= 500,
                retry_after_secs,
            },
        }
    }

    // The widget compares code strings instead of parsing them into
    // `shopkeep_protocol::ErrorCode`: the parse table would ship every code's name in the
    // wasm, and weight is the widget's budget. A test keeps these names in step with the enum.

    /// True when the session token expired and a new session should resume the conversation.
    pub fn is_session_expired(&self) -> bool {
        self.code == "session_expired"
    }

    /// True when the token is unusable (forged, other tenant) and must be forgotten.
    pub fn is_unauthorized(&self) -> bool {
        self.code == "unauthorized"
    }

    /// True when a limit refused the request (rate, concurrent answers or daily budget).
    pub fn is_limited(&self) -> bool {
        matches!(
            self.code.as_str(),
            "rate_limited" | "too_many_streams" | "daily_budget_exhausted"
        )
    }
}

/// A code for an error answer without a readable body (a proxy's HTML page, say).
fn fallback_code(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "origin_not_allowed",
        404 => "not_found",
        413 => "payload_too_large",
        429 => "rate_limited",
        502 => "upstream_error",
        503 => "storage_error",
        504 => "upstream_timeout",
        400..=499 => "bad_request",
        _ => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopkeep_protocol::ErrorCode;

    #[test]
    fn every_code_the_widget_names_is_a_real_error_code() {
        for status in [401, 403, 404, 413, 429, 502, 503, 504, 400, 500] {
            assert!(
                ErrorCode::parse(fallback_code(status)).is_some(),
                "{status}"
            );
        }
        for code in crate::i18n::NAMED_CODES {
            assert!(ErrorCode::parse(code).is_some(), "{code}");
        }
        for code in [
            "session_expired",
            "unauthorized",
            "rate_limited",
            "too_many_streams",
            "daily_budget_exhausted",
        ] {
            assert!(ErrorCode::parse(code).is_some(), "{code}");
        }
    }

    #[test]
    fn body_wins_over_status_and_retry_after_is_parsed() {
        let f = Failure::from_response(
            429,
            Some(ErrorBody::from_code(ErrorCode::RateLimited)),
            Some(" 7 "),
        );
        assert_eq!(f.code, "rate_limited");
        assert!(f.retryable);
        assert_eq!(f.retry_after_secs, Some(7));
    }

    #[test]
    fn bodiless_answers_get_a_code_from_their_status() {
        assert_eq!(
            Failure::from_response(502, None, None).code,
            "upstream_error"
        );
        assert!(Failure::from_response(502, None, None).retryable);
        assert!(!Failure::from_response(400, None, Some("soon")).retryable);
        assert_eq!(
            Failure::from_response(400, None, Some("soon")).retry_after_secs,
            None
        );
    }
}
