//! Re-framing the upstream's stream as Shopkeep's event stream, and deciding how the
//! assistant message ends (SPEC §5).

use crate::openai_sse::{FinishKind, UpstreamEvent};
use crate::prompt::estimate_tokens;
use shopkeep_protocol::{ErrorCode, FinishReason, MessageStatus, StreamEvent, Usage};

/// Frames one event as SSE: `event: <type>\ndata: <json>\n\n`.
pub fn encode_event(event: &StreamEvent) -> String {
    let json = serde_json::to_string(event).unwrap_or_else(|_| String::from("{}"));
    shopkeep_protocol::sse::encode(event.name(), &json)
}

/// Accumulates one answer as upstream events arrive.
#[derive(Debug, Default)]
pub struct Relay {
    text: String,
    usage: Option<Usage>,
    finish: Option<FinishKind>,
    upstream_error: Option<String>,
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

    /// Takes one upstream event; returns the `delta` to send to the shopper, if any.
    pub fn on_upstream(&mut self, event: UpstreamEvent) -> Option<StreamEvent> {
        match event {
            UpstreamEvent::Delta(text) => {
                self.text.push_str(&text);
                Some(StreamEvent::Delta { text })
            }
            UpstreamEvent::Usage(usage) => {
                self.usage = Some(usage);
                None
            }
            UpstreamEvent::Finish(kind) => {
                self.finish = Some(kind);
                None
            }
            UpstreamEvent::Done => {
                self.finish.get_or_insert(FinishKind::Stop);
                None
            }
            UpstreamEvent::Malformed(_) => {
                self.malformed += 1;
                None
            }
            UpstreamEvent::UpstreamError(message) => {
                self.upstream_error = Some(message);
                None
            }
        }
    }

    /// Text received so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether any text has been relayed (after which retries are no longer possible).
    pub fn started(&self) -> bool {
        !self.text.is_empty()
    }

    /// Malformed chunks skipped.
    pub fn malformed(&self) -> u32 {
        self.malformed
    }

    /// Ends the answer. `stopped`: the shopper stopped or went away; `prompt_tokens_estimate`
    /// is used when the upstream reported no usage.
    pub fn finish(
        self,
        stopped: bool,
        failed: Option<ErrorCode>,
        prompt_tokens_estimate: u32,
    ) -> Outcome {
        let usage = self.usage.unwrap_or(Usage {
            prompt_tokens: prompt_tokens_estimate,
            completion_tokens: estimate_tokens(&self.text),
            estimated: true,
        });
        let (status, error, finish) = if stopped {
            (MessageStatus::Stopped, None, FinishReason::Stopped)
        } else if let Some(code) = failed {
            (
                MessageStatus::Interrupted,
                Some(code),
                FinishReason::Complete,
            )
        } else if self.upstream_error.is_some() {
            (
                MessageStatus::Interrupted,
                Some(ErrorCode::UpstreamError),
                FinishReason::Complete,
            )
        } else {
            match self.finish {
                Some(FinishKind::Length) => (MessageStatus::Complete, None, FinishReason::Length),
                Some(_) => (MessageStatus::Complete, None, FinishReason::Complete),
                // The body ended without [DONE] or a finish reason: cut mid-stream.
                None => (
                    MessageStatus::Interrupted,
                    Some(ErrorCode::UpstreamError),
                    FinishReason::Complete,
                ),
            }
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
        assert!(relay
            .on_upstream(UpstreamEvent::Delta("Hi".into()))
            .is_some());
        relay.on_upstream(UpstreamEvent::Finish(FinishKind::Stop));
        let usage = Usage {
            prompt_tokens: 5,
            completion_tokens: 1,
            estimated: false,
        };
        relay.on_upstream(UpstreamEvent::Usage(usage));
        relay.on_upstream(UpstreamEvent::Done);
        let out = relay.finish(false, None, 99);
        assert_eq!(out.status, MessageStatus::Complete);
        assert_eq!(out.usage, usage);
        assert_eq!(out.error, None);
    }

    #[test]
    fn a_stream_cut_without_done_is_interrupted_and_keeps_its_text() {
        let mut relay = Relay::new();
        relay.on_upstream(UpstreamEvent::Delta("Half an ans".into()));
        let out = relay.finish(false, None, 10);
        assert_eq!(out.status, MessageStatus::Interrupted);
        assert_eq!(out.text, "Half an ans");
        assert_eq!(out.error, Some(ErrorCode::UpstreamError));
        assert!(out.usage.estimated);
    }

    #[test]
    fn a_stopped_stream_is_stopped_not_failed() {
        let mut relay = Relay::new();
        relay.on_upstream(UpstreamEvent::Delta("Partial".into()));
        let out = relay.finish(true, None, 10);
        assert_eq!(out.status, MessageStatus::Stopped);
        assert_eq!(out.error, None);
    }
}
