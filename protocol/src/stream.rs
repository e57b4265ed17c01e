//! Shopkeep's chat event stream: the body of `POST /v1/chat`.
//!
//! Framed as Server-Sent Events: each event is `event: <type>\ndata: <json>\n\n`, where the
//! JSON is one [`StreamEvent`] (internally tagged by `type`). The stream always ends with
//! exactly one `done` or `error` event.

use serde::{Deserialize, Serialize};

/// One event of the chat stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Sent first: ids of the stored user message and of the assistant message being written.
    Start {
        /// Server id of the shopper's message.
        user_message_id: String,
        /// Server id of the assistant message this stream writes.
        message_id: String,
    },
    /// A piece of assistant text to append.
    Delta {
        /// The text to append.
        text: String,
    },
    /// The answer is complete.
    Done {
        /// Server id of the assistant message.
        message_id: String,
        /// How it ended.
        finish: FinishReason,
        /// Token usage, reported by the AI runtime or estimated.
        usage: Usage,
    },
    /// The answer failed; what arrived so far is kept.
    Error {
        /// A code from [`crate::ErrorCode`].
        code: String,
        /// A human-readable sentence.
        message: String,
        /// Whether sending the same message again may succeed.
        retryable: bool,
    },
}

impl StreamEvent {
    /// The SSE `event:` name of this event.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Start { .. } => "start",
            StreamEvent::Delta { .. } => "delta",
            StreamEvent::Done { .. } => "done",
            StreamEvent::Error { .. } => "error",
        }
    }
}

/// Why an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model finished.
    Complete,
    /// The answer hit the tenant's length limit.
    Length,
    /// The shopper stopped it.
    Stopped,
}

/// Token counts of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens in the answer.
    pub completion_tokens: u32,
    /// True when the counts are estimated rather than reported by the AI runtime.
    #[serde(default)]
    pub estimated: bool,
}
