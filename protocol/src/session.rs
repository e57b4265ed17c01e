//! Sessions, chat requests and conversation history.

use serde::{Deserialize, Serialize};

/// Body of `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CreateSessionRequest {
    /// The tenant the session is for.
    pub tenant_id: String,
    /// A previous session token of the same tenant; when still verifiable (even if expired,
    /// within the resume window) the new session continues its conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_token: Option<String>,
    /// An identity token signed by the shop's server (HS256 JWT), for logged-in shoppers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_token: Option<String>,
}

/// Answer to `POST /v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Compact signed token; send as `Authorization: Bearer <token>`.
    pub token: String,
    /// The session id bound into the token.
    pub session_id: String,
    /// The conversation this session writes to.
    pub conversation_id: String,
    /// When the token stops verifying, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
    /// The shop's user id, when an identity token verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Whether the token records accepted consent (only meaningful when the tenant requires it).
    #[serde(default)]
    pub consent: bool,
}

/// Body of `POST /v1/consent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRequest {
    /// True when the shopper accepted the notice.
    pub accepted: bool,
}

/// A shopper's rating of an assistant message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Thumbs up.
    Up,
    /// Thumbs down.
    Down,
}

/// Body of `POST /v1/messages/{id}/feedback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackRequest {
    /// The rating; sending again replaces the previous one.
    pub rating: Rating,
    /// Optional words, at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Body of `POST /v1/chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The shopper's message.
    pub message: String,
    /// A client-chosen id (8–64 chars of `[A-Za-z0-9_-]`); a retried send with the same id
    /// never stores the message twice.
    pub client_message_id: String,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The shopper.
    User,
    /// The assistant.
    Assistant,
    /// A person of the shop's staff (a live entry, issue 14).
    Staff,
    /// A notice about the conversation ("A person will reply…", a live entry).
    System,
}

/// How an assistant message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Fully written.
    #[default]
    Complete,
    /// The shopper stopped it.
    Stopped,
    /// The upstream or the network failed part way.
    Interrupted,
}

/// One message of a stored conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Server-side message id.
    pub id: String,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text (markdown subset for the assistant).
    pub text: String,
    /// How it ended.
    #[serde(default)]
    pub status: MessageStatus,
    /// When it was written, milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// A live entry's number in the conversation's live log (absent: a transcript message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// A notice's name (`person_will_reply`, …), so a client can show it in its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// The minutes of a `person_will_reply` notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
}

/// Answer to `GET /v1/conversation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationResponse {
    /// The conversation id.
    pub conversation_id: String,
    /// Messages, oldest first: the transcript and the live log's entries, interleaved.
    pub messages: Vec<StoredMessage>,
    /// The highest live `seq` listed (`0`: none): the live socket resumes after it.
    #[serde(default)]
    pub live_seq: u64,
}
