//! The catalog core: every connector's parser on good pages and on each malformed case
//! (with the position it reports), money parsing, the query parser, ranking and cards, the
//! reply price check, sync planning, and the secret box.

mod feed;
mod money;
mod query;
mod rank;
mod secretbox;
mod shopify;
mod sync;
mod upload;
mod vocab;
mod wiring;
mod woo;
