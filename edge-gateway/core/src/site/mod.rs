//! Learning a shop's website: everything the crawler decides, as pure functions.
//!
//! Owns: our crawler's name ([`USER_AGENT`]), robots.txt rules ([`robots`]), sitemaps
//! ([`sitemap`], gzip included), same-site link resolution and trap cuts ([`links`]), main-text
//! and JSON-LD extraction with `lol_html` ([`extract`], [`jsonld`]), chunking pages into
//! snippets with content hashes ([`chunk`]), sync planning and diffs ([`plan`]), and grouping
//! unanswered questions ([`gaps`]).
//!
//! Must not depend on: worker, wasm-bindgen, js-sys, web-sys. The shell fetches; this module
//! only reads bytes it is handed, so every rule is tested on the host.

pub mod chunk;
pub mod extract;
pub mod gaps;
pub mod jsonld;
pub mod links;
pub mod plan;
pub mod robots;
pub mod sitemap;
mod text;

/// The User-Agent every crawler request sends, and the token robots.txt groups match.
pub const USER_AGENT: &str = "ShopkeepBot/0.1 (+https://shopkeep.dev/bot)";

/// The product token robots.txt `User-agent:` lines are matched against (case-insensitive).
pub const ROBOTS_TOKEN: &str = "shopkeepbot";
