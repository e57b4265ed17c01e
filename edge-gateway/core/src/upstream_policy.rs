//! When to retry the AI runtime, and for how long to wait (SPEC §5).
//!
//! Retries happen only before the first byte of an answer has reached the shopper, only for
//! failures that may pass (connect errors, timeouts, 429, 5xx, a body cut or an error event
//! before any content), with jittered exponential backoff that honours `Retry-After`. After
//! the primary's attempts, the fallback upstream, then the built-in responder answer. An
//! upstream that answered `2xx` but ended or failed before its first content has failed
//! "before the first byte" too (the [`crate::answer`] machine reports it here).

/// Attempts per upstream (the first try plus retries).
pub const ATTEMPTS_PER_UPSTREAM: u32 = 3;
/// First backoff step, in milliseconds.
pub const BASE_BACKOFF_MS: u32 = 200;
/// Longest wait between attempts; a longer `Retry-After` moves on to the next upstream.
pub const MAX_BACKOFF_MS: u32 = 4_000;
/// How long to wait for the upstream's response headers and first chunk.
pub const FIRST_BYTE_TIMEOUT_MS: u32 = 20_000;
/// How long to wait between two chunks once the answer has started.
pub const IDLE_TIMEOUT_MS: u32 = 30_000;
/// How long one answer may take from the shopper's request to its end, whatever the upstream
/// does (`AI_MAX_ANSWER_MS` overrides it).
pub const MAX_ANSWER_MS: u32 = 180_000;

/// What one attempt produced, before any answer byte was relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The connection failed.
    Connect,
    /// No response within [`FIRST_BYTE_TIMEOUT_MS`].
    Timeout,
    /// A non-2xx status, with `Retry-After` in seconds when given.
    Status {
        /// HTTP status.
        status: u16,
        /// Parsed `Retry-After` seconds.
        retry_after_s: Option<u32>,
    },
    /// `2xx`, then the body was cut or failed before any content.
    CutBeforeContent,
    /// `2xx`, then an `{"error": …}` event before any content.
    ErrorBeforeContent,
    /// `2xx`, but no answer: a body that is not an event stream (a JSON error object, an HTML
    /// page), or a stream that ended properly without any content.
    NotAnAnswer,
    /// A `400` whose body says the runtime does not support `tools`: the same upstream is
    /// asked again at once in prompt-only mode (and remembered as such).
    RejectsTools,
}

/// Whether the failure may pass on a retry.
pub fn is_retryable(failure: AttemptFailure) -> bool {
    match failure {
        AttemptFailure::Connect
        | AttemptFailure::Timeout
        | AttemptFailure::CutBeforeContent
        | AttemptFailure::ErrorBeforeContent => true,
        AttemptFailure::Status { status, .. } => status == 429 || (500..600).contains(&status),
        // The same endpoint would send the same page or the same empty answer again.
        AttemptFailure::NotAnAnswer => false,
        // Not a retry: the machine asks the same upstream again without tools.
        AttemptFailure::RejectsTools => false,
    }
}

/// How long to wait before attempt number `next_attempt` (1-based: the first retry is 1) of the
/// same upstream, or `None` to give up on this upstream. `jitter` is a random number in
/// `[0, 1)`, injected.
pub fn retry_delay_ms(failure: AttemptFailure, next_attempt: u32, jitter: f64) -> Option<u32> {
    if !is_retryable(failure) || next_attempt >= ATTEMPTS_PER_UPSTREAM {
        return None;
    }
    if let AttemptFailure::Status {
        retry_after_s: Some(s),
        ..
    } = failure
    {
        let ms = s.saturating_mul(1000);
        return (ms <= MAX_BACKOFF_MS).then_some(ms);
    }
    let exp = BASE_BACKOFF_MS.saturating_mul(1 << next_attempt.min(10));
    // "Equal jitter": half fixed, half random, so retries spread out but never bunch at zero.
    let jittered = exp / 2 + ((exp / 2) as f64 * jitter.clamp(0.0, 1.0)) as u32;
    Some(jittered.min(MAX_BACKOFF_MS))
}

/// Whether a refused request's answer says the runtime does not support `tools` (function
/// calling): a `400`/`422` whose body names tools or function calling. Such an upstream is
/// served in prompt-only mode from then on.
pub fn rejects_tools(status: u16, body: &str) -> bool {
    if status != 400 && status != 422 {
        return false;
    }
    let body = body.to_ascii_lowercase();
    ["tool", "function call", "function_call", "functions"]
        .iter()
        .any(|needle| body.contains(needle))
}

/// Parses a `Retry-After` header given in seconds (HTTP dates are treated as absent).
pub fn parse_retry_after(value: Option<&str>) -> Option<u32> {
    value?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_failures_are_retried() {
        let status = |s| AttemptFailure::Status {
            status: s,
            retry_after_s: None,
        };
        assert!(is_retryable(AttemptFailure::Connect));
        assert!(is_retryable(AttemptFailure::Timeout));
        assert!(is_retryable(status(429)));
        assert!(is_retryable(status(503)));
        assert!(!is_retryable(status(400)));
        assert!(!is_retryable(status(401)));
        assert_eq!(retry_delay_ms(status(404), 1, 0.5), None);
    }

    #[test]
    fn backoff_grows_is_jittered_and_gives_up() {
        let f = AttemptFailure::Connect;
        let a = retry_delay_ms(f, 1, 0.0).unwrap();
        let b = retry_delay_ms(f, 1, 0.99).unwrap();
        assert!(a < b, "{a} {b}");
        assert!(retry_delay_ms(f, 2, 0.0).unwrap() > a);
        assert_eq!(retry_delay_ms(f, ATTEMPTS_PER_UPSTREAM, 0.5), None);
    }

    #[test]
    fn a_cut_or_an_error_event_before_content_is_retried_but_not_a_non_answer() {
        assert!(is_retryable(AttemptFailure::CutBeforeContent));
        assert!(is_retryable(AttemptFailure::ErrorBeforeContent));
        assert!(!is_retryable(AttemptFailure::NotAnAnswer));
    }

    #[test]
    fn retry_after_is_honoured_or_skips_to_the_next_upstream() {
        let f = |s| AttemptFailure::Status {
            status: 429,
            retry_after_s: Some(s),
        };
        assert_eq!(retry_delay_ms(f(1), 1, 0.5), Some(1000));
        assert_eq!(retry_delay_ms(f(60), 1, 0.5), None);
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(3));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }
}
