//! The one normalised product model every connector produces and the store keeps.
//!
//! Owns: [`Product`], [`Variant`], [`Problem`] and the https-only rule for images and URLs.

use serde::{Deserialize, Serialize};
use shopkeep_protocol::{Money, Platform};

/// A product as the catalog keeps it (one row, its variants alongside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// The id in the tenant's catalog: the platform's product id (or the feed's group id,
    /// the upload's `id`), as a string.
    pub id: String,
    /// The URL handle (Shopify), slug (WooCommerce), empty when the source has none.
    #[serde(default)]
    pub handle: String,
    /// The title.
    pub title: String,
    /// Plain-text description (HTML stripped).
    #[serde(default)]
    pub description: String,
    /// Its page on the shop (https), when known.
    #[serde(default)]
    pub url: Option<String>,
    /// Image URLs (https only; others dropped).
    #[serde(default)]
    pub images: Vec<String>,
    /// Option names in order, e.g. `["Size", "Colour"]`.
    #[serde(default)]
    pub options: Vec<String>,
    /// The variants (at least one).
    pub variants: Vec<Variant>,
    /// Categories (product type, WooCommerce categories, feed product type).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// When the shop last changed it (ms since the epoch), when it says.
    #[serde(default)]
    pub updated_at_ms: Option<u64>,
    /// The platform (the widget's "Add to cart").
    #[serde(default)]
    pub platform: Platform,
}

/// One purchasable variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// The platform's variant id, as a string.
    pub id: String,
    /// SKU, when there is one.
    #[serde(default)]
    pub sku: Option<String>,
    /// Option values in the order of [`Product::options`].
    #[serde(default)]
    pub values: Vec<String>,
    /// The price.
    pub price: Money,
    /// The price before a discount.
    #[serde(default)]
    pub compare_at: Option<Money>,
    /// In stock.
    pub available: bool,
}

impl Product {
    /// The lowest variant price.
    pub fn min_price(&self) -> Option<&Money> {
        self.variants
            .iter()
            .map(|v| &v.price)
            .min_by_key(|m| m.amount_minor)
    }

    /// Whether any variant is in stock.
    pub fn available(&self) -> bool {
        self.variants.iter().any(|v| v.available)
    }

    /// Every option value of every variant, for the full-text index.
    pub fn option_text(&self) -> String {
        let mut values: Vec<&str> = self
            .variants
            .iter()
            .flat_map(|v| v.values.iter().map(String::as_str))
            .collect();
        values.sort_unstable();
        values.dedup();
        let mut text = self.options.join(" ");
        for v in values {
            text.push(' ');
            text.push_str(v);
        }
        text
    }
}

/// A malformed row or item, skipped: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// "line 12", "item 7", "page 3".
    pub position: String,
    /// What is wrong, precisely.
    pub reason: String,
}

impl Problem {
    /// A problem at `position`.
    pub fn new(position: impl Into<String>, reason: impl Into<String>) -> Problem {
        Problem {
            position: position.into(),
            reason: reason.into(),
        }
    }
}

/// Only https URLs are kept (cards show them in the shopper's page).
pub fn https_only(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || host.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some(url.to_owned())
}

/// Protocol-relative `//cdn…` becomes https; everything else through [`https_only`].
pub fn image_url(url: &str) -> Option<String> {
    let url = url.trim();
    match url.strip_prefix("//") {
        Some(rest) => https_only(&format!("https://{rest}")),
        None => https_only(url),
    }
}

/// Text of an HTML description: tags dropped, common entities decoded, whitespace collapsed,
/// capped (the index and the model need words, not markup).
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(4096));
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let decoded = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ");
    let collapsed: Vec<&str> = decoded.split_whitespace().collect();
    let mut text = collapsed.join(" ");
    if text.len() > 2000 {
        let mut end = 2000;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// An RFC 3339 timestamp ("2026-11-02T10:00:00Z", "2026-11-02T10:00:00+01:00",
/// "2026-11-02T10:00:00" taken as UTC) as ms since the epoch.
pub fn parse_time(s: &str) -> Option<u64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset_s = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh: i64 = rest.get(1..3)?.parse().ok()?;
            let mm: i64 = rest.get(rest.len() - 2..)?.parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_s;
    u64::try_from(secs).ok().map(|s| s * 1000)
}
