//! Sync planning: what one fetched page means for the sync (parse it, wait and retry, fail),
//! which products to write (full vs incremental by updated time, the per-tenant cap), which
//! to delete after a full sync, and when a scheduled sync is due.
//!
//! Owns: those decisions, with time passed in. The shell fetches, writes and enqueues.

use super::connector::{Cursor, Phase};
use super::model::{https_only, Product};
use serde::{Deserialize, Serialize};

/// Most 429/503 answers one page may get before the sync fails.
pub const MAX_PAGE_RETRIES: u32 = 5;
/// Longest wait a `Retry-After` may ask for (longer is clamped).
pub const MAX_RETRY_AFTER_S: u32 = 900;
/// Wait after a 429 without `Retry-After`.
pub const DEFAULT_RETRY_S: u32 = 30;
/// Default and ceiling of a tenant's product cap.
pub const DEFAULT_MAX_PRODUCTS: u32 = 10_000;
/// Highest cap a tenant may set.
pub const MAX_MAX_PRODUCTS: u32 = 50_000;
/// Most pages one sync reads (a loop guard against a shop that always says "next").
pub const MAX_PAGES: u32 = 1_000;
/// Variations pages (100 variations each) one queue message reads: each message costs a
/// queue hop, and 20 pages stay far inside one invocation's sub-request limit (20 fetches and
/// a few D1 batches).
pub const VARIATION_PAGES_PER_JOB: u32 = 20;
/// Variations pages one queue message fetches at once, in rounds (see [`variation_round`]): a
/// few concurrent requests to the shop, far under a WooCommerce host's connection limits. It
/// cuts only the fetching part of a message (~0.8 s of 20 pages against the fake shop); the
/// queue hop and the D1 rewrite of the parents are most of it.
pub const VARIATION_FETCHES_AT_ONCE: u32 = 5;

/// A page count the shop sent (WooCommerce's `X-WP-TotalPages`), when it is a number.
pub fn total_pages(header: Option<&str>) -> Option<u32> {
    header.and_then(|t| t.trim().parse::<u32>().ok())
}

/// The variations pages one round of a queue message fetches at once: `head` (the page the
/// listing reaches next) and, when the shop said how many pages there are, the pages after it,
/// at most `at_once` in all, no more than the message has `left` to read, never past the
/// last page nor the page guard [`MAX_PAGES`]. Without a page count only `head`: its answer
/// says whether another follows. The pages are in order, which is the order they are
/// applied in, whatever order their answers arrive in.
pub fn variation_round(head: &Cursor, total: Option<u32>, left: u32, at_once: u32) -> Vec<Cursor> {
    let last = total
        .unwrap_or(head.page)
        .min(MAX_PAGES)
        .min(
            head.page
                .saturating_add(left.min(at_once).saturating_sub(1)),
        )
        .max(head.page);
    (head.page..=last)
        .map(|page| Cursor {
            page,
            token: None,
            phase: head.phase,
        })
        .collect()
}

/// Variants kept per product.
pub const MAX_VARIANTS: usize = 100;
/// Images kept per product.
pub const MAX_IMAGES: usize = 5;

/// What to do with a page's HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A 2xx: parse the body.
    Parse,
    /// The shop asked to wait (429, or 503 with `Retry-After`): try the same page again.
    RetryIn(u32),
    /// The sync fails with this reason (the last good catalog keeps serving).
    Fail(String),
}

/// Classifies a page's status. `attempt` counts earlier 429s of this page.
pub fn classify(status: u16, retry_after: Option<&str>, attempt: u32, page: u32) -> Fetched {
    match status {
        200..=299 => Fetched::Parse,
        429 | 503 if attempt < MAX_PAGE_RETRIES => {
            let wait = retry_after
                .and_then(|r| r.trim().parse::<u32>().ok())
                .unwrap_or(if status == 429 { DEFAULT_RETRY_S } else { 0 });
            if status == 503 && wait == 0 {
                return Fetched::Fail(format!("page {page}: the shop answered HTTP 503"));
            }
            Fetched::RetryIn(wait.clamp(1, MAX_RETRY_AFTER_S))
        }
        429 | 503 => Fetched::Fail(format!(
            "page {page}: the shop kept answering HTTP {status} after {MAX_PAGE_RETRIES} retries"
        )),
        300..=399 => Fetched::Fail(format!("page {page}: too many redirects")),
        401 | 403 => Fetched::Fail(format!(
            "page {page}: the shop refused access (HTTP {status}); check the token"
        )),
        404 => Fetched::Fail(format!("page {page}: not found (HTTP 404); check the URL")),
        _ => Fetched::Fail(format!("page {page}: the shop answered HTTP {status}")),
    }
}

/// Products of a page to write. An incremental sync writes only products changed since
/// `since_ms` (those without an updated time are always written); the cap counts every
/// product seen so far.
pub fn to_write(
    products: Vec<Product>,
    full: bool,
    since_ms: Option<u64>,
    seen_before: u32,
    max_products: u32,
) -> (Vec<Product>, bool) {
    let room = max_products.saturating_sub(seen_before) as usize;
    let capped = products.len() > room;
    let kept = products
        .into_iter()
        .take(room)
        .filter(|p| {
            full || match (since_ms, p.updated_at_ms) {
                (Some(since), Some(updated)) => updated > since,
                _ => true,
            }
        })
        .collect();
    (kept, capped)
}

/// The page a sync reads after `current`: the listing's `next` unless the cap was reached or
/// the page guard [`MAX_PAGES`] passed; once the products end (or stop at the cap), the
/// connector's `after_products` listing (WooCommerce's variations), which only updates
/// products already written and so is read even at the cap.
pub fn next_page(
    current: &Cursor,
    next: Option<Cursor>,
    capped: bool,
    after_products: Option<Cursor>,
) -> Option<Cursor> {
    let next = next.filter(|n| n.page <= MAX_PAGES && !(capped && n.phase == Phase::Products));
    match (next, current.phase) {
        (Some(next), _) => Some(next),
        (None, Phase::Products) => after_products,
        (None, Phase::Variations) => None,
    }
}

/// Trims a product to what the store keeps and the cards may show: https images (already),
/// a URL that is https or on the shop's own (checked) origin, bounded variants and images.
pub fn sanitize(mut product: Product, shop_origin: &str) -> Product {
    product.url = product.url.filter(|u| {
        https_only(u).is_some()
            || (!shop_origin.is_empty() && u.starts_with(&format!("{shop_origin}/")))
    });
    product.variants.truncate(MAX_VARIANTS);
    product.images.truncate(MAX_IMAGES);
    product.title = product.title.chars().take(300).collect();
    product
}

/// How often a source syncs on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Once a day (full).
    #[default]
    Daily,
    /// Every hour (incremental; a full one daily).
    Hourly,
    /// Only on "Sync now".
    Off,
}

impl Schedule {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Daily => "daily",
            Schedule::Hourly => "hourly",
            Schedule::Off => "off",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Schedule> {
        match s {
            "daily" => Some(Schedule::Daily),
            "hourly" => Some(Schedule::Hourly),
            "off" => Some(Schedule::Off),
            _ => None,
        }
    }
}

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// Whether a scheduled sync is due, and whether it is full: `last_started_ms` is the last
/// sync of any kind, `last_full_ms` the last full one.
pub fn due(
    schedule: Schedule,
    last_started_ms: Option<u64>,
    last_full_ms: Option<u64>,
    now_ms: u64,
) -> Option<bool> {
    let since = |t: Option<u64>| t.map_or(u64::MAX, |t| now_ms.saturating_sub(t));
    match schedule {
        Schedule::Off => None,
        _ if since(last_full_ms) >= DAY_MS => Some(true),
        Schedule::Hourly if since(last_started_ms) >= HOUR_MS => Some(false),
        _ => None,
    }
}

/// The cap a tenant asked for, bounded.
pub fn max_products(asked: Option<u32>) -> Result<u32, String> {
    match asked {
        None => Ok(DEFAULT_MAX_PRODUCTS),
        Some(0) => Err(String::from("`max_products` must be at least 1")),
        Some(n) if n > MAX_MAX_PRODUCTS => {
            Err(format!("`max_products` must be at most {MAX_MAX_PRODUCTS}"))
        }
        Some(n) => Ok(n),
    }
}
