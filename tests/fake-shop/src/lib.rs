//! `shopkeep-fake-shop`: a generated outdoor shop (≥ 2,000 products with variants) served in the
//! shapes Shopkeep's catalog connectors read — Shopify's public storefront JSON, the
//! WooCommerce Store API, a Google Merchant feed, CSV/JSON exports — plus fixture orders in the
//! Shopify Admin and WooCommerce REST shapes, storefront pages with carts for browser journeys,
//! and faults ordered by tests (429 + Retry-After, 500, slow pages, deletions, price changes).
//!
//! Owns: the fake shop, end to end. Must not depend on: anything from the product (it is the
//! outside world the gateway talks to), an async runtime, or a random-number crate.
//!
//! The library is the whole shop; `main.rs` only binds a socket and runs a thread per
//! connection, so host tests call [`shop::Shop::handle`] directly.

pub mod catalog;
pub mod control;
pub mod eval;
pub mod feeds;
pub mod http;
pub mod identity;
pub mod orders;
pub mod pages;
pub mod server;
pub mod shop;
pub mod shopify;
pub mod storefront_api;
pub mod woo;
pub mod words;
