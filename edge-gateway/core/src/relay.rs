//! Re-framing the upstream's stream as Shopkeep's event stream, and deciding how the
//! assistant message ends (SPEC §5).

use crate::openai_sse::FinishKind;
use crate::prompt::estimate_tokens;
use shopkeep_protocol::{ErrorCode, FinishReason, MessageStatus, StreamEvent, Usage};

/// Frames one event as SSE: `event: <type>\ndata: <json>\n\n`.
pub fn encode_event(event: &StreamEvent) -> String {
    let json = serde_json::to_string(event).unwrap_or_else(|_| String::from("{}"));
    shopkeep_protocol::sse::encode(event.name(), &json)
}

/// How an answer ended, as the [`crate::answer::Answer`] machine decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The upstream marked the end (`[DONE]`, or a `finish_reason` and its usage), or the
    /// built-in responder finished.
    Complete,
    /// The shopper stopped or went away.
    Stopped,
    /// The answer reached its byte cap and was cut there.
    Capped,
    /// The upstream failed part way (cut, error event, idle or duration limit).
    Failed(ErrorCode),
}

/// Accumulates one answer as upstream events arrive.
#[derive(Debug, Default)]
pub struct Relay {
    text: String,
    usage: Option<Usage>,
    finish: Option<FinishKind>,
    malformed: u32,
}

/// How an answer ended, for storage and for the last stream event.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Stored status of the assistant message.
    pub status: MessageStatus,
    /// The full text that was sent to the shopper.
    pub text: String,
    /// Token usage, reported or estimated.
    pub usage: Usage,
    /// `Some` when the stream must end with an `error` event.
    pub error: Option<ErrorCode>,
    /// The finish reason for a `done` event.
    pub finish: FinishReason,
}

impl Relay {
    /// A relay with nothing received yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends text; returns the `delta` event that carries it to the shopper.
    pub fn delta(&mut self, text: String) -> StreamEvent {
        self.text.push_str(&text);
        StreamEvent::Delta { text }
    }

    /// Records the usage the upstream reported.
    pub fn usage(&mut self, usage: Usage) {
        self.usage = Some(usage);
    }

    /// Records the upstream's (first) finish reason.
    pub fn finish_reason(&mut self, kind: FinishKind) {
        self.finish.get_or_insert(kind);
    }

    /// Counts a malformed chunk that was skipped.
    pub fn skipped_malformed(&mut self) {
        self.malformed += 1;
    }

    /// Text received so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether any text has been relayed (after which retries are no longer possible).
    pub fn started(&self) -> bool {
        !self.text.is_empty()
    }

    /// Whether the upstream reported usage.
    pub fn has_usage(&self) -> bool {
        self.usage.is_some()
    }

    /// Whether the upstream gave a finish reason.
    pub fn has_finish_reason(&self) -> bool {
        self.finish.is_some()
    }

    /// Malformed chunks skipped.
    pub fn malformed(&self) -> u32 {
        self.malformed
    }

    /// Closes a round that ended in tool calls: its finish reason is forgotten (the next round
    /// has its own) and its usage is returned, to be added to the answer's.
    pub fn end_round(&mut self) -> Option<Usage> {
        self.finish = None;
        self.usage.take()
    }

    /// Ends the answer; `prompt_tokens_estimate` is used when the upstream reported no usage.
    pub fn finish(self, ending: Ending, prompt_tokens_estimate: u32) -> Outcome {
        let usage = self.usage.unwrap_or(Usage {
            prompt_tokens: prompt_tokens_estimate,
            completion_tokens: estimate_tokens(&self.text),
            estimated: true,
        });
        let (status, error, finish) = match ending {
            Ending::Stopped => (MessageStatus::Stopped, None, FinishReason::Stopped),
            Ending::Failed(code) => (
                MessageStatus::Interrupted,
                Some(code),
                FinishReason::Complete,
            ),
            Ending::Capped => (MessageStatus::Complete, None, FinishReason::Length),
            Ending::Complete => match self.finish {
                Some(FinishKind::Length) => (MessageStatus::Complete, None, FinishReason::Length),
                _ => (MessageStatus::Complete, None, FinishReason::Complete),
            },
        };
        Outcome {
            status,
            text: self.text,
            usage,
            error,
            finish,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_frames_carry_the_type_and_one_json_line() {
        let frame = encode_event(&StreamEvent::Delta {
            text: "a\nb".into(),
        });
        assert_eq!(
            frame,
            "event: delta\ndata: {\"type\":\"delta\",\"text\":\"a\\nb\"}\n\n"
        );
    }

    #[test]
    fn a_complete_stream_is_complete_with_reported_usage() {
        let mut relay = Relay::new();
        relay.delta("Hi".into());
        relay.finish_reason(FinishKind::Stop);
        let usage = Usage {
            prompt_tokens: 5,
            completion_tokens: 1,
            estimated: false,
        };
        relay.usage(usage);
        let out = relay.finish(Ending::Complete, 99);
        assert_eq!(out.status, MessageStatus::Complete);
        assert_eq!(out.usage, usage);
        assert_eq!(out.error, None);
        assert_eq!(out.finish, FinishReason::Complete);
    }

    #[test]
    fn a_failed_stream_is_interrupted_and_keeps_its_text() {
        let mut relay = Relay::new();
        relay.delta("Half an ans".into());
        let out = relay.finish(Ending::Failed(ErrorCode::UpstreamError), 10);
        assert_eq!(out.status, MessageStatus::Interrupted);
        assert_eq!(out.text, "Half an ans");
        assert_eq!(out.error, Some(ErrorCode::UpstreamError));
        assert!(out.usage.estimated);
    }

    #[test]
    fn a_stopped_stream_is_stopped_not_failed() {
        let mut relay = Relay::new();
        relay.delta("Partial".into());
        let out = relay.finish(Ending::Stopped, 10);
        assert_eq!(out.status, MessageStatus::Stopped);
        assert_eq!(out.error, None);
    }

    #[test]
    fn a_capped_answer_and_an_upstream_length_stop_both_finish_with_length() {
        let mut relay = Relay::new();
        relay.delta("Long".into());
        let out = relay.finish(Ending::Capped, 10);
        assert_eq!(
            (out.status, out.finish),
            (MessageStatus::Complete, FinishReason::Length)
        );
        let mut relay = Relay::new();
        relay.delta("Long".into());
        relay.finish_reason(FinishKind::Length);
        let out = relay.finish(Ending::Complete, 10);
        assert_eq!(
            (out.status, out.finish),
            (MessageStatus::Complete, FinishReason::Length)
        );
    }
}
