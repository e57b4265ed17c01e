//! Everything the Shopkeep widget decides, as pure functions tested on the host.
//!
//! Owns: the widget's [`State`] and its [`update`] function (messages in, [`Effect`]s out), the
//! incremental decoder of the chat event stream ([`sse`], over the protocol's SSE framing),
//! product cards, order cards and sources shown with an answer ([`cards`]), the handoff to a
//! person and its live channel ([`handoff`]),
//! reading the gateway's JSON into protocol types over any parsed value ([`json`]), the safe
//! markdown subset ([`markdown`]), theme → CSS custom properties ([`theme`]), the widget's own strings in
//! several languages ([`i18n`]) and client message ids from injected randomness ([`ids`]).
//!
//! Must not depend on: wasm-bindgen, web-sys, js-sys, gloo or anything else that needs a
//! browser. Time and randomness come in as arguments, so every behaviour is a plain unit test.

pub mod cards;
pub mod failure;
pub mod handoff;
pub mod i18n;
pub mod ids;
pub mod json;
pub mod markdown;
pub mod sse;
pub mod state;
mod text;
pub mod theme;
mod update;

pub use failure::Failure;
pub use state::{
    ChatMessage, Consent, Effect, FocusTarget, HostEvent, Msg, Notice, Overrides, Patch, Phase,
    Role, State, Status,
};
pub use text::push_number;
pub use update::update;
