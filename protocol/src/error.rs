//! The one error shape every route answers with:
//! `{"error": {"code": "snake_case_code", "message": "...", "retryable": bool}}`.

use serde::{Deserialize, Serialize};

/// The JSON body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// A stable snake_case code (see [`ErrorCode`]); clients branch on this, never on `message`.
    pub code: String,
    /// A human-readable sentence. Never contains secrets or internal details.
    pub message: String,
    /// Whether repeating the same request later may succeed.
    pub retryable: bool,
}

impl ErrorBody {
    /// Builds a body from a code, with the code's default message and retryability.
    pub fn from_code(code: ErrorCode) -> Self {
        Self::new(code, code.default_message())
    }

    /// Builds a body from a code and a specific message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: code.as_str().to_owned(),
                message: message.into(),
                retryable: code.retryable(),
            },
        }
    }
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal, $retry:literal, $msg:literal), )*) => {
        /// Every error code the API can answer with. Codes are stable: new ones may be added,
        /// existing ones never change meaning.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// All codes, for documentation and exhaustive tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The snake_case wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The HTTP status that goes with the code.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// Whether the same request may succeed later.
            pub fn retryable(self) -> bool {
                match self { $(ErrorCode::$variant => $retry,)* }
            }

            /// The default public message.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$variant => $msg,)* }
            }

            /// Parses a wire name back into a code.
            pub fn parse(code: &str) -> Option<ErrorCode> {
                match code { $($code => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    /// The request body is not valid JSON or misses a required field.
    BadRequest = ("bad_request", 400, false, "The request is malformed."),
    /// A field has an invalid value.
    InvalidField = ("invalid_field", 400, false, "A field has an invalid value."),
    /// No or an invalid session token.
    Unauthorized = ("unauthorized", 401, false, "A valid session token is required."),
    /// The session token has expired; create a new session.
    SessionExpired = ("session_expired", 401, false, "The session has expired."),
    /// The tenant requires an identity token and none was given.
    IdentityRequired = ("identity_required", 401, false, "Please sign in to chat with this assistant."),
    /// The identity token did not verify (expired, unknown key, bad signature, …).
    InvalidIdentity = ("invalid_identity", 401, false, "The identity token is not valid."),
    /// The admin request signature is missing, stale, replayed or wrong.
    InvalidSignature = ("invalid_signature", 401, false, "The request signature is not valid."),
    /// The request's origin is not allowed for this tenant.
    OriginNotAllowed = ("origin_not_allowed", 403, false, "This site is not allowed to use this assistant."),
    /// The tenant requires consent before chatting.
    ConsentRequired = ("consent_required", 403, false, "Consent is required before chatting."),
    /// A staff member's role does not allow this (an `agent` on an admin-only route).
    Forbidden = ("forbidden", 403, false, "Your role does not allow this."),
    /// No such route.
    NotFound = ("not_found", 404, false, "No such resource."),
    /// No such tenant.
    TenantNotFound = ("tenant_not_found", 404, false, "No such tenant."),
    /// The route exists but not for this method.
    MethodNotAllowed = ("method_not_allowed", 405, false, "This method is not allowed here."),
    /// The same `client_message_id` was sent again with other text: the id names one message.
    MessageIdReused = ("message_id_reused", 409, false, "This message id was already used for another message."),
    /// The answer to this message is still being written; wait for it (or retry shortly).
    TurnInProgress = ("turn_in_progress", 409, true, "The answer to this message is still being written."),
    /// A catalog sync of this tenant is already running.
    SyncRunning = ("sync_running", 409, true, "A catalog sync is already running."),
    /// The request is well-formed but cannot be carried out (e.g. a catalog URL that is
    /// unreachable or not a shop of the kind given); the message says precisely why.
    InvalidRequest = ("invalid_request", 422, false, "The request cannot be carried out."),
    /// The conversation's state does not allow this now (e.g. staff replying to a
    /// conversation they do not own, rating a conversation that is still open).
    NotNow = ("not_now", 409, false, "That cannot be done in the conversation's current state."),
    /// The body is larger than the route accepts.
    PayloadTooLarge = ("payload_too_large", 413, false, "The request body is too large."),
    /// The body is not `application/json`.
    UnsupportedMediaType = ("unsupported_media_type", 415, false, "The request body must be JSON."),
    /// A rate limit was hit; see `Retry-After`.
    RateLimited = ("rate_limited", 429, true, "Too many requests. Please wait a moment."),
    /// Too many answers are being written at once for this shop.
    TooManyStreams = ("too_many_streams", 429, true, "The assistant is busy. Please try again in a moment."),
    /// The shop's daily AI budget is spent.
    DailyBudgetExhausted = ("daily_budget_exhausted", 429, true, "The assistant has reached its limit for today."),
    /// The AI runtime failed.
    UpstreamError = ("upstream_error", 502, true, "The assistant is unavailable right now."),
    /// The AI runtime did not answer in time.
    UpstreamTimeout = ("upstream_timeout", 504, true, "The assistant took too long to answer."),
    /// Storage or another dependency failed.
    StorageError = ("storage_error", 503, true, "The service is temporarily unavailable."),
    /// A bug on our side.
    Internal = ("internal", 500, true, "Something went wrong on our side."),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody::from_code(ErrorCode::RateLimited);
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            r#"{"error":{"code":"rate_limited","message":"Too many requests. Please wait a moment.","retryable":true}}"#
        );
    }

    #[test]
    fn every_code_round_trips_and_is_snake_case() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!((400..600).contains(&code.status()));
        }
    }
}
