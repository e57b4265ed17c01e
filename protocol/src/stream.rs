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
    /// The assistant is using a tool (looking something up). Shown as a short status line;
    /// clients that do not know a tool show a generic one. Old clients ignore this event.
    Tool {
        /// The tool's name, e.g. `search_knowledge`.
        name: String,
        /// Where the tool is.
        status: ToolStatus,
    },
    /// Rich content the gateway built from data (never from model text), shown with the
    /// answer. Old clients ignore this event; new clients ignore block kinds they do not know.
    Blocks {
        /// The blocks, in display order.
        blocks: Vec<Block>,
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
            StreamEvent::Tool { .. } => "tool",
            StreamEvent::Blocks { .. } => "blocks",
            StreamEvent::Error { .. } => "error",
        }
    }
}

/// Where a tool call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// The tool was called.
    Started,
    /// It answered.
    Finished,
    /// It failed or timed out (the assistant answers without it).
    Failed,
}

/// One block of rich content. Later kinds (product cards, order summaries, handoff notices)
/// are added as variants; the wire tag is `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Block {
    /// The shop's help content an answer is grounded in.
    Sources {
        /// The sources, best first.
        sources: Vec<Source>,
    },
}

/// A source an answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Its title, e.g. "Shipping".
    pub title: String,
    /// Its page on the shop's site (https), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
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
