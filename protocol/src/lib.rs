//! Wire types shared by the widget and the edge gateway.
//!
//! Owns: request and response bodies of the widget-facing API, the chat event
//! stream's events, the JSON error body and its codes, and the tenant's public
//! config — plain data with serde derives — and the one Server-Sent Events framing ([`sse`])
//! that the widget's and the gateway's stream readers and the gateway's writer share.
//!
//! Must not depend on: wasm-bindgen, web-sys, js-sys, gloo, worker, or even
//! serde_json (the widget decodes JSON with the browser's own parser through
//! serde-wasm-bindgen to stay small).

pub mod config;
pub mod error;
pub mod session;
pub mod sse;
pub mod stream;

pub use config::{
    AutoOpen, ColorScheme, LauncherPosition, PublicConfig, PublicPrivacy, Texts, Theme,
};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use session::{
    ChatRequest, ConsentRequest, ConversationResponse, CreateSessionRequest, FeedbackRequest,
    MessageRole, MessageStatus, Rating, SessionResponse, StoredMessage,
};
pub use stream::{
    Block, CardVariant, FinishReason, Money, OrderCard, OrderItem, OrderStatus, Parcel, Platform,
    ProductCard, Source, StreamEvent, ToolStatus, Usage,
};

/// Version of the wire protocol. Bumped only for breaking changes; routes carry it as `/v1/`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The header carrying a session token on widget calls: `Authorization: Bearer <token>`.
pub const AUTHORIZATION_SCHEME: &str = "Bearer";
