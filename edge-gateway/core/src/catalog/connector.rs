//! The one connector interface: what page to ask for next, and what a page's answer means.
//! Fetching is the shell's; everything here is pure.
//!
//! Owns: [`Connector`], [`Cursor`], [`PageRequest`], [`PageResponse`], [`Page`], and the
//! choice of connector for a source ([`connector_for`]).

use super::model::{Problem, Product};
use super::{feed, shopify, upload, woo};
use serde::{Deserialize, Serialize};
use shopkeep_protocol::Money;

/// Where a sync is in the source's pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Cursor {
    /// 1-based page number.
    pub page: u32,
    /// An opaque continuation the source gave (Shopify `page_info`, a GraphQL `endCursor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Which listing the page belongs to (absent in queue messages of the products listing,
    /// so messages enqueued before the field existed still read).
    #[serde(default, skip_serializing_if = "Phase::is_products")]
    pub phase: Phase,
}

/// The listings a sync pages through, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The products (every connector).
    #[default]
    Products,
    /// WooCommerce: the variations themselves (`type=variation`), which carry the per-variant
    /// prices and stock the products listing lacks; they update the products just written.
    Variations,
}

impl Phase {
    fn is_products(&self) -> bool {
        *self == Phase::Products
    }
}

impl Cursor {
    /// The first page.
    pub fn first() -> Cursor {
        Cursor {
            page: 1,
            token: None,
            phase: Phase::Products,
        }
    }

    /// Where the page is, for reports: "page 3", "variations page 3".
    pub fn label(&self) -> String {
        match self.phase {
            Phase::Products => format!("page {}", self.page),
            Phase::Variations => format!("variations page {}", self.page),
        }
    }

    /// Page `page` of the products listing without a token.
    pub fn products(page: u32) -> Cursor {
        Cursor {
            page,
            ..Cursor::first()
        }
    }
}

/// One HTTP request for a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// The URL (checked with `outbound::check` by the shell before every hop).
    pub url: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Extra headers (e.g. the Storefront token; never logged).
    pub headers: Vec<(&'static str, String)>,
    /// The body of a POST.
    pub body: Option<String>,
}

/// What the shop answered (a 2xx; other statuses are the sync plan's business).
#[derive(Debug, Clone, Copy)]
pub struct PageResponse<'a> {
    /// The body text.
    pub body: &'a str,
    /// The `Link` header, if any.
    pub link: Option<&'a str>,
    /// The `X-WP-TotalPages` header, if any.
    pub total_pages: Option<&'a str>,
}

/// A parsed page: the good products, the skipped items with reasons, and the next cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    /// Products normalised from the page.
    pub products: Vec<Product>,
    /// Items skipped, each with its position and reason.
    pub problems: Vec<Problem>,
    /// Per-variant prices and stock served apart from the products (WooCommerce's
    /// variations); they update products already written by this sync.
    pub variations: Vec<VariationUpdate>,
    /// The next page, `None` when this was the last.
    pub next: Option<Cursor>,
}

/// One variant's own price, stock and SKU, for a product already in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariationUpdate {
    /// The product's id.
    pub parent: String,
    /// The variant's id.
    pub id: String,
    /// The SKU, when the variation has one.
    pub sku: Option<String>,
    /// Its selling price.
    pub price: Money,
    /// Its regular price, when higher.
    pub compare_at: Option<Money>,
    /// In stock.
    pub available: bool,
}

/// A page that is not what this kind of source returns at all: the whole page is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {reason}")]
pub struct PageError {
    /// "page 3", "line 1".
    pub position: String,
    /// Why, precisely (e.g. "not a Shopify products.json: no `products` array").
    pub reason: String,
}

impl PageError {
    pub(crate) fn on_page(cursor: &Cursor, reason: impl Into<String>) -> PageError {
        PageError {
            position: cursor.label(),
            reason: reason.into(),
        }
    }
}

/// A catalog source's connector.
pub trait Connector {
    /// The request for the page at `cursor`.
    fn request(&self, cursor: &Cursor) -> PageRequest;
    /// Parses the shop's answer to [`Connector::request`].
    fn parse(&self, cursor: &Cursor, response: &PageResponse<'_>) -> Result<Page, PageError>;
    /// The first page of the listing read after the products (WooCommerce's variations), if
    /// the source has one. It is read even when the products stopped at the cap.
    fn after_products(&self) -> Option<Cursor> {
        None
    }
}

/// The kinds of catalog source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Shopify: `/products.json`, or the Storefront GraphQL API with a token.
    Shopify,
    /// WooCommerce Store API.
    Woocommerce,
    /// A Google Merchant feed (RSS 2.0 or Atom).
    MerchantFeed,
    /// CSV or JSON uploaded through the admin API.
    Upload,
}

impl SourceKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Shopify => "shopify",
            SourceKind::Woocommerce => "woocommerce",
            SourceKind::MerchantFeed => "merchant_feed",
            SourceKind::Upload => "upload",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<SourceKind> {
        [
            SourceKind::Shopify,
            SourceKind::Woocommerce,
            SourceKind::MerchantFeed,
            SourceKind::Upload,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What a connector needs to know about its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The kind.
    pub kind: SourceKind,
    /// The shop's URL as saved (no trailing slash), already checked by `outbound::check`.
    pub url: String,
    /// The shop's currency when its data does not say (Shopify's `/products.json` prices
    /// carry none).
    pub currency: Option<String>,
    /// A Shopify Storefront token (decrypted only for the sync).
    pub token: Option<String>,
}

/// The connector for a source. Uploads have no pages to fetch: their one "page" is the
/// uploaded body, parsed by [`upload`].
pub fn connector_for(spec: &SourceSpec) -> Box<dyn Connector> {
    let base = spec.url.trim_end_matches('/').to_owned();
    match spec.kind {
        SourceKind::Shopify => match &spec.token {
            Some(token) => Box::new(shopify::Storefront {
                base,
                token: token.clone(),
            }),
            None => Box::new(shopify::ProductsJson {
                base,
                currency: spec.currency.clone(),
            }),
        },
        SourceKind::Woocommerce => Box::new(woo::StoreApi { base }),
        SourceKind::MerchantFeed | SourceKind::Upload => Box::new(feed::MerchantFeed {
            url: base,
            currency: spec.currency.clone(),
        }),
    }
}

/// Whether `upload` handles this content type as CSV (else JSON).
pub fn is_csv(content_type: &str) -> bool {
    upload::is_csv(content_type)
}
