//! Incremental decoder of an OpenAI-compatible `/v1/chat/completions` stream (`stream: true`).
//!
//! Owns: turning the upstream's raw body bytes, split anywhere (inside a line, a CRLF pair or a
//! UTF-8 character), into [`UpstreamEvent`]s (STYLE rule 9). The Server-Sent Events framing
//! (LF, CRLF or CR line ends, a BOM, `:` comments, multi-line `data:`, the caps) is
//! [`shopkeep_protocol::sse`], shared with the widget; this module knows the chunk shape that
//! OpenAI, Workers AI, Ollama, vLLM and llama.cpp server send. It does not know about Shopkeep's
//! own stream; re-framing happens elsewhere.

use crate::tools::ToolCallDelta;
use serde::Deserialize;
use shopkeep_protocol::sse::{Discard, SseFrame, SseFramer};
use shopkeep_protocol::Usage;

/// Longest line, and longest joined `data:` payload of one event, kept in memory. Anything longer
/// is reported as [`UpstreamEvent::Malformed`] and discarded, so a hostile or broken upstream
/// cannot grow the buffer without bound.
pub const MAX_LINE_BYTES: usize = shopkeep_protocol::sse::MAX_LINE_BYTES;

/// How much of an upstream error message or parser complaint is kept.
const MAX_MESSAGE_CHARS: usize = 100;

/// Something the upstream said, in the order it said it.
#[derive(Debug, Clone, PartialEq)]
pub enum UpstreamEvent {
    /// `choices[0].delta.content`, never empty.
    Delta(String),
    /// One fragment of a tool call (`choices[0].delta.tool_calls[i]`); fragments of one call
    /// share an index and are joined by [`crate::tools::CallAssembler`].
    ToolCall(ToolCallDelta),
    /// The `usage` object (sent with `stream_options.include_usage`); `estimated` is false.
    Usage(Usage),
    /// `choices[0].finish_reason`.
    Finish(FinishKind),
    /// The `data: [DONE]` line.
    Done,
    /// A data payload that is not JSON or not a chunk's shape, or a line over
    /// [`MAX_LINE_BYTES`]. A short description; at most 100 characters of the payload.
    Malformed(String),
    /// An `{"error": …}` object in the stream (its message), or — from
    /// [`OpenAiStreamDecoder::finish`] — a body that ended before `[DONE]` or a `finish_reason`.
    UpstreamError(String),
}

/// Why the upstream says the answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishKind {
    /// `"stop"`: the model finished.
    Stop,
    /// `"length"`: the answer hit `max_tokens`.
    Length,
    /// Anything else (`"content_filter"`, `"tool_calls"`, …), verbatim.
    Other(String),
}

impl FinishKind {
    fn parse(reason: &str) -> Self {
        match reason {
            "stop" => FinishKind::Stop,
            "length" => FinishKind::Length,
            other => FinishKind::Other(truncate(other, MAX_MESSAGE_CHARS)),
        }
    }
}

/// The text [`OpenAiStreamDecoder::finish`] reports when the body ended too early.
pub const ENDED_EARLY: &str = "upstream stream ended before [DONE] or a finish_reason";

/// Incremental decoder; feed it bytes with [`push`](Self::push), then call
/// [`finish`](Self::finish) once at the end of the body.
#[derive(Debug, Default)]
pub struct OpenAiStreamDecoder {
    framer: SseFramer,
    /// `[DONE]` or a `finish_reason` has been seen.
    ended: bool,
}

impl OpenAiStreamDecoder {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether `[DONE]` or a `finish_reason` has been seen so far.
    pub fn saw_end(&self) -> bool {
        self.ended
    }

    /// Feeds raw bytes as they arrive, split anywhere. Returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<UpstreamEvent> {
        let frames = self.framer.push(bytes);
        self.decode_frames(frames)
    }

    /// Ends the body: completes an unterminated last line and event, and reports
    /// [`UpstreamEvent::UpstreamError`] with [`ENDED_EARLY`] if neither `[DONE]` nor a
    /// `finish_reason` was seen. The decoder is then ready for a new body.
    pub fn finish(&mut self) -> Vec<UpstreamEvent> {
        let frames = self.framer.finish();
        let mut events = self.decode_frames(frames);
        if !self.ended {
            events.push(UpstreamEvent::UpstreamError(ENDED_EARLY.to_owned()));
        }
        *self = Self::default();
        events
    }

    fn decode_frames(&mut self, frames: Vec<SseFrame>) -> Vec<UpstreamEvent> {
        let mut events = Vec::new();
        for frame in frames {
            match frame {
                // The `event:` name carries nothing: OpenAI-compatible servers send none, or
                // `message`, or `error` with an `{"error": …}` payload that says it anyway.
                SseFrame::Event(event) => {
                    let data = event.data.trim();
                    if data.is_empty() {
                        continue;
                    }
                    let before = events.len();
                    decode_data(data, &mut events);
                    self.ended |= events[before..]
                        .iter()
                        .any(|e| matches!(e, UpstreamEvent::Done | UpstreamEvent::Finish(_)));
                }
                SseFrame::Discarded(why) => events.push(UpstreamEvent::Malformed(
                    match why {
                        Discard::LineTooLong => "line longer than 1 MiB discarded",
                        Discard::DataTooLong => "event data longer than 1 MiB discarded",
                        Discard::NotUtf8 => "data or event name is not valid UTF-8",
                    }
                    .to_owned(),
                )),
            }
        }
        events
    }
}

/// One `chat.completion.chunk`, with only the fields we read. Unknown fields are ignored, so
/// `id`, `model`, `system_fingerprint`, `logprobs`, `reasoning_content`… pass through silently.
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Deserialize)]
struct WireToolCall {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<WireFunction>,
}

#[derive(Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
}

fn decode_data(data: &str, events: &mut Vec<UpstreamEvent>) {
    if data == "[DONE]" {
        events.push(UpstreamEvent::Done);
        return;
    }
    let chunk: Chunk = match serde_json::from_str(data) {
        Ok(chunk) => chunk,
        Err(err) => {
            let what = if err.is_data() {
                "unexpected chunk shape"
            } else {
                "data is not valid JSON"
            };
            events.push(UpstreamEvent::Malformed(format!(
                "{what}: {}",
                truncate(&err.to_string(), MAX_MESSAGE_CHARS)
            )));
            return;
        }
    };
    if let Some(error) = chunk.error.filter(|e| !e.is_null()) {
        events.push(UpstreamEvent::UpstreamError(error_message(&error)));
        return;
    }
    if let Some(choice) = chunk.choices.as_deref().and_then(<[Choice]>::first) {
        if let Some(text) = choice.delta.as_ref().and_then(|d| d.content.as_deref()) {
            if !text.is_empty() {
                events.push(UpstreamEvent::Delta(text.to_owned()));
            }
        }
        let calls = choice.delta.as_ref().and_then(|d| d.tool_calls.as_deref());
        for (position, call) in calls.unwrap_or_default().iter().enumerate() {
            let function = call.function.as_ref();
            events.push(UpstreamEvent::ToolCall(ToolCallDelta {
                // Runtimes that stream one call per chunk sometimes omit the index.
                index: call.index.unwrap_or(position as u32),
                id: call.id.clone(),
                name: function.and_then(|f| f.name.clone()),
                arguments: function.and_then(|f| f.arguments.clone()),
            }));
        }
        if let Some(reason) = choice.finish_reason.as_deref() {
            events.push(UpstreamEvent::Finish(FinishKind::parse(reason)));
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(UpstreamEvent::Usage(Usage {
            prompt_tokens: saturate(usage.prompt_tokens),
            completion_tokens: saturate(usage.completion_tokens),
            estimated: false,
        }));
    }
}

/// `{"error": {"message": "…"}}`, `{"error": "…"}` or anything else under `error`.
fn error_message(error: &serde_json::Value) -> String {
    let message = match error {
        serde_json::Value::String(s) => Some(s.as_str()),
        serde_json::Value::Object(o) => o.get("message").and_then(serde_json::Value::as_str),
        _ => None,
    };
    match message {
        Some(m) if !m.trim().is_empty() => truncate(m.trim(), MAX_MESSAGE_CHARS),
        _ => "upstream sent an error without a message".to_owned(),
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first `max` characters of `s`, with `…` when something was cut.
fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_on_char_boundaries() {
        assert_eq!(truncate("Grüße", 3), "Grü…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn a_leading_bom_is_ignored() {
        let mut d = OpenAiStreamDecoder::new();
        let events = d.push(b"\xEF\xBB\xBFdata: [DONE]\n\n");
        assert_eq!(events, vec![UpstreamEvent::Done]);
    }
}
