//! Everything the Shopkeep gateway decides, as pure functions.
//!
//! Owns: session-token signing and verification, key derivation, knowledge retrieval (BM25)
//! and the built-in responder, prompt assembly, decoding the upstream's OpenAI-compatible
//! event stream and re-framing it as Shopkeep's, request validation, CORS decisions, and the
//! mapping of every error to a status and a public body.
//!
//! Must not depend on: worker, wasm-bindgen, js-sys, web-sys or gloo. Time, randomness and
//! secrets are parameters, so everything here runs and is tested on the host.

pub mod error;
pub mod openai_sse;
pub mod retrieval;
pub mod responder;
pub mod session_token;

pub use error::{Error, Result};
