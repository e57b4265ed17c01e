//! What one answer may do: its upstreams, its limits and caps, and how they are derived.

use crate::ratelimit::LEASE_TTL_MS;
use crate::tools::Toolset;
use crate::upstream_policy::{FIRST_BYTE_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_ANSWER_MS};

/// Bytes of answer text allowed per output token the tenant grants (`max_output_tokens`).
/// Tokens of ordinary text average 3–5 bytes (CJK about 3–6); 16 leaves a wide margin, so only
/// an upstream that ignores `max_tokens` ever reaches the cap.
pub const BYTES_PER_TOKEN: usize = 16;
/// After a `finish_reason`, how long to wait for the usage chunk before ending without it.
pub const USAGE_GRACE_MS: u64 = 2_000;
/// Longest the shell waits for a chunk before asking again (it checks the shopper in between).
pub const CHECK_EVERY_MS: u64 = 250;
/// How often a live answer renews its lease: a third of the TTL, so one renewal may fail and
/// the lease still holds until the next.
pub const RENEW_EVERY_MS: u64 = LEASE_TTL_MS / 3;

/// The byte cap of an answer's text for a tenant's `assistant.max_output_tokens`.
pub fn max_text_bytes(max_output_tokens: u32) -> usize {
    usize::try_from(max_output_tokens)
        .unwrap_or(usize::MAX)
        .saturating_mul(BYTES_PER_TOKEN)
}

/// Whether a `Content-Type` says for certain that a body is not an event stream (JSON, HTML,
/// XML). Other types are read: some servers send SSE as `text/plain` or without a type, and
/// the decoder finds out.
pub fn is_not_an_event_stream(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.ends_with("/json")
        || essence.ends_with("+json")
        || essence == "text/html"
        || essence.ends_with("/xml")
        || essence.ends_with("+xml")
}

/// What one answer may do: its upstreams, limits and caps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Upstreams configured, tried in order (0: the built-in responder answers at once).
    pub upstreams: usize,
    /// Wait for an upstream's response head, and then for its first content.
    pub first_token_ms: u64,
    /// Wait between two content chunks once the answer has started.
    pub idle_ms: u64,
    /// The whole answer, from the shopper's request to its end.
    pub max_answer_ms: u64,
    /// The byte cap of the answer's text ([`max_text_bytes`]).
    pub max_text_bytes: usize,
    /// The request asked for a usage chunk (`stream_options.include_usage`).
    pub include_usage: bool,
    /// How often to renew the lease ([`RENEW_EVERY_MS`]).
    pub renew_every_ms: u64,
    /// A random number in `[0, 1)` for backoff jitter.
    pub jitter: f64,
    /// Which upstreams are offered the tools, a bit per index (a runtime remembered as
    /// refusing `tools` is served in prompt-only mode).
    pub tools_for: u32,
    /// The tools offered (what the tenant has configured).
    pub toolset: Toolset,
}

impl Plan {
    /// The default limits for `upstreams` upstreams and a tenant's `max_output_tokens`.
    pub fn new(upstreams: usize, max_output_tokens: u32, jitter: f64) -> Self {
        Plan {
            upstreams,
            first_token_ms: FIRST_BYTE_TIMEOUT_MS.into(),
            idle_ms: IDLE_TIMEOUT_MS.into(),
            max_answer_ms: MAX_ANSWER_MS.into(),
            max_text_bytes: max_text_bytes(max_output_tokens),
            include_usage: true,
            renew_every_ms: RENEW_EVERY_MS,
            jitter,
            tools_for: u32::MAX,
            toolset: Toolset::KNOWLEDGE,
        }
    }
}
