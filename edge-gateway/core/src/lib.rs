//! Everything the Shopkeep gateway decides, as pure functions.
//!
//! Owns: session-token signing and verification, key derivation, knowledge retrieval (BM25)
//! and the built-in responder, prompt assembly, decoding the upstream's OpenAI-compatible
//! event stream and re-framing it as Shopkeep's, the answer machine (which upstream, when to
//! stop reading, caps, lease renewal), request validation, routing, CORS decisions,
//! tenant config validation, and the mapping of every error to a status and a public body.
//!
//! Must not depend on: worker, wasm-bindgen, js-sys, web-sys or gloo. Time, randomness and
//! secrets are parameters, so everything here runs and is tested on the host.

pub mod admin_auth;
pub mod analytics;
pub mod answer;
pub mod catalog;
pub mod cbor;
pub mod cors;
pub mod ct;
pub mod cursor;
pub mod error;
pub mod handoff;
pub mod handoff_wire;
pub mod history;
pub mod hours;
pub mod identity;
pub mod keyring;
pub mod knowledge;
pub mod live;
pub mod live_ticket;
mod mac;
pub mod openai_sse;
pub mod orders;
pub mod outbound;
pub mod pricing;
pub mod privacy;
pub mod prompt;
pub mod ratelimit;
pub mod redaction;
pub mod relay;
pub mod requests;
pub mod responder;
pub mod retention;
pub mod retrieval;
pub mod routes;
pub mod secretbox;
pub mod session_check;
pub mod session_token;
pub mod site;
pub mod staff;
pub mod staff_access;
pub mod staff_ceremony;
pub mod tenant;
pub mod tools;
pub mod turn;
pub mod upstream_policy;
pub mod webauthn;
pub mod webhooks;

pub use error::{Error, Result};
