//! The shop's catalog: connectors that normalise each source's pages into one product model,
//! sync planning, the search query parser, ranking, product cards and the reply check.
//!
//! Owns: everything the catalog decides, as pure functions (parsing, normalising, ranking,
//! cards built from stored rows). Must not depend on: worker, wasm-bindgen, js-sys or any
//! I/O; fetching and storage are the gateway shell's (`edge-gateway/src/catalog.rs`).

pub mod connector;
pub mod feed;
pub mod model;
pub mod money;
pub mod query;
pub mod rank;
pub mod reply;
pub mod shopify;
pub mod sync;
pub mod upload;
pub mod vocab;
pub mod woo;

pub use connector::{
    connector_for, Connector, Cursor, Page, PageError, PageRequest, PageResponse, Phase,
    SourceKind, SourceSpec, VariationUpdate,
};
pub use model::{Problem, Product, Variant};
pub use query::SearchQuery;
