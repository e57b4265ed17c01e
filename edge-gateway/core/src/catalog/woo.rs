//! WooCommerce's public Store API: `/wp-json/wc/store/v1/products`, paged by `page` and
//! `per_page`, the page count in `X-WP-TotalPages`; prices in minor units with
//! `prices.currency_minor_unit`.
//!
//! The products listing gives a variable product's variations as ids and attributes only (its
//! `prices` are the cheapest variation's), so after the products a sync pages through
//! `?type=variation`: each variation with its `parent`, own `prices`, `is_in_stock` and `sku`,
//! which update the variants of the products just written ([`apply_variations`]).
//!
//! Owns: the request builder and parsers. Must not fetch.

use super::connector::{
    Connector, Cursor, Page, PageError, PageRequest, PageResponse, Phase, VariationUpdate,
};
use super::model::{image_url, strip_html, Problem, Product, Variant};
use super::money::{self, PriceError};
use super::sync;
use serde_json::Value;
use shopkeep_protocol::{Money, Platform};

/// Products per page (the Store API's maximum).
pub const PER_PAGE: u32 = 100;

/// The Store API connector.
#[derive(Debug, Clone)]
pub struct StoreApi {
    /// The shop's base URL (no trailing slash).
    pub base: String,
}

impl Connector for StoreApi {
    fn request(&self, cursor: &Cursor) -> PageRequest {
        let only = match cursor.phase {
            Phase::Products => "",
            Phase::Variations => "type=variation&",
        };
        PageRequest {
            url: format!(
                "{}/wp-json/wc/store/v1/products?{only}per_page={PER_PAGE}&page={}",
                self.base, cursor.page
            ),
            method: "GET",
            headers: vec![("Accept", String::from("application/json"))],
            body: None,
        }
    }

    fn parse(&self, cursor: &Cursor, response: &PageResponse<'_>) -> Result<Page, PageError> {
        let root: Value = serde_json::from_str(response.body).map_err(|e| {
            PageError::on_page(
                cursor,
                format!("not a WooCommerce Store API answer: not JSON ({e})"),
            )
        })?;
        let items = root.as_array().ok_or_else(|| {
            PageError::on_page(
                cursor,
                "not a WooCommerce Store API answer: not a JSON array of products",
            )
        })?;
        let mut page = Page::default();
        let position = |i: usize| format!("{} item {}", cursor.label(), i + 1);
        for (i, item) in items.iter().enumerate() {
            let parsed = match cursor.phase {
                Phase::Products => product(item).map(|p| page.products.push(p)),
                Phase::Variations => variation(item).map(|v| page.variations.push(v)),
            };
            if let Err(reason) = parsed {
                page.problems.push(Problem::new(position(i), reason));
            }
        }
        // A shop whose Store API ignores `type=variation` lists its products again: one
        // problem, not one per item, and the variants keep their product's price.
        if cursor.phase == Phase::Variations
            && page.variations.is_empty()
            && items.iter().any(|i| !is_variation(i))
        {
            page.problems = vec![Problem::new(
                cursor.label(),
                "the shop's Store API does not list variations (`type=variation`); variants keep their product's price and stock",
            )];
            return Ok(page);
        }
        let total = sync::total_pages(response.total_pages);
        let more = match total {
            Some(total) => cursor.page < total,
            None => items.len() as u32 >= PER_PAGE,
        };
        page.next = more.then(|| Cursor {
            page: cursor.page + 1,
            token: None,
            phase: cursor.phase,
        });
        Ok(page)
    }

    fn after_products(&self) -> Option<Cursor> {
        Some(Cursor {
            phase: Phase::Variations,
            ..Cursor::first()
        })
    }
}

fn is_variation(item: &Value) -> bool {
    str_of(item, "type") == Some("variation")
        || item
            .get("parent")
            .and_then(Value::as_u64)
            .is_some_and(|p| p > 0)
}

/// One element of a `type=variation` page.
fn variation(item: &Value) -> Result<VariationUpdate, String> {
    let id = id_string(item.get("id")).ok_or("no `id`")?;
    if !is_variation(item) {
        return Err(format!("`{id}` is not a variation (no `parent`)"));
    }
    let parent = id_string(item.get("parent")).ok_or("no `parent`")?;
    let (price, compare_at) = prices(item.get("prices").ok_or("no `prices`")?)?;
    Ok(VariationUpdate {
        parent,
        id,
        sku: str_of(item, "sku")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        price,
        compare_at,
        available: item
            .get("is_in_stock")
            .and_then(Value::as_bool)
            .unwrap_or(true),
    })
}

/// Gives `product`'s variants their own price, stock and SKU from `updates` (those of other
/// products or of variants it does not have, e.g. cut at the variant cap, are ignored).
/// Returns whether anything changed.
pub fn apply_variations(product: &mut Product, updates: &[VariationUpdate]) -> bool {
    let mut changed = false;
    for update in updates.iter().filter(|u| u.parent == product.id) {
        let Some(variant) = product.variants.iter_mut().find(|v| v.id == update.id) else {
            continue;
        };
        let before = variant.clone();
        variant.price = update.price.clone();
        variant.compare_at = update.compare_at.clone();
        variant.available = update.available;
        if update.sku.is_some() {
            variant.sku = update.sku.clone();
        }
        changed |= *variant != before;
    }
    changed
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `prices` → (price, regular price when higher).
fn prices(p: &Value) -> Result<(Money, Option<Money>), String> {
    let currency = str_of(p, "currency_code").unwrap_or("");
    let exp = p
        .get("currency_minor_unit")
        .and_then(Value::as_u64)
        .filter(|e| *e <= 4)
        .ok_or("prices: no valid `currency_minor_unit`")? as u8;
    let minor = |key: &str| -> Result<Option<Money>, PriceError> {
        match p.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {
                money::from_minor(s, currency, exp).map(Some)
            }
            Some(Value::Number(n)) => money::from_minor(&n.to_string(), currency, exp).map(Some),
            _ => Ok(None),
        }
    };
    let price = minor("price")
        .map_err(|e| format!("prices.price: {e}"))?
        .ok_or("prices: no `price`")?;
    let regular = minor("regular_price")
        .ok()
        .flatten()
        .filter(|r| r.amount_minor > price.amount_minor);
    Ok((price, regular))
}

fn product(item: &Value) -> Result<Product, String> {
    let id = id_string(item.get("id")).ok_or("no `id`")?;
    let title = str_of(item, "name")
        .filter(|t| !t.trim().is_empty())
        .ok_or("no `name`")?;
    let (price, compare_at) = prices(item.get("prices").ok_or("no `prices`")?)?;
    let in_stock = item
        .get("is_in_stock")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let options: Vec<String> = item
        .get("attributes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|a| {
                    a.get("has_variations")
                        .and_then(Value::as_bool)
                        .unwrap_or(true)
                })
                .filter_map(|a| str_of(a, "name").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut variants = Vec::new();
    if let Some(vars) = item
        .get("variations")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
    {
        for (vi, v) in vars.iter().enumerate() {
            let which = format!("variation {}", vi + 1);
            let vid = id_string(v.get("id")).ok_or_else(|| format!("{which}: no `id`"))?;
            let attrs = v.get("attributes").and_then(Value::as_array);
            let values = options
                .iter()
                .map(|name| {
                    attrs
                        .and_then(|a| {
                            a.iter().find(|x| {
                                str_of(x, "name").is_some_and(|n| n.eq_ignore_ascii_case(name))
                            })
                        })
                        .and_then(|x| str_of(x, "value"))
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            // The listing's variations carry only ids and attributes unless the shop adds
            // more; their own prices and stock are used when present.
            let (vprice, vcompare) = match v.get("prices") {
                Some(p) => prices(p).map_err(|e| format!("{which}: {e}"))?,
                None => (price.clone(), compare_at.clone()),
            };
            variants.push(Variant {
                id: vid,
                sku: str_of(v, "sku")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
                values,
                price: vprice,
                compare_at: vcompare,
                available: v
                    .get("is_in_stock")
                    .and_then(Value::as_bool)
                    .unwrap_or(in_stock),
            });
        }
    } else {
        variants.push(Variant {
            id: id.clone(),
            sku: str_of(item, "sku")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            values: Vec::new(),
            price,
            compare_at,
            available: in_stock,
        });
    }
    let names = |key: &str| -> Vec<String> {
        item.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| str_of(c, "name").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let description = match str_of(item, "description").filter(|d| !d.is_empty()) {
        Some(d) => strip_html(d),
        None => strip_html(str_of(item, "short_description").unwrap_or_default()),
    };
    Ok(Product {
        id,
        handle: str_of(item, "slug").unwrap_or_default().to_owned(),
        title: title.trim().to_owned(),
        description,
        url: str_of(item, "permalink").map(str::to_owned),
        images: item
            .get("images")
            .and_then(Value::as_array)
            .map(|i| {
                i.iter()
                    .filter_map(|i| str_of(i, "src").and_then(image_url))
                    .collect()
            })
            .unwrap_or_default(),
        options: if variants.len() == 1 && variants[0].values.is_empty() {
            Vec::new()
        } else {
            options
        },
        variants,
        categories: names("categories"),
        tags: names("tags"),
        updated_at_ms: None,
        platform: Platform::Woocommerce,
    })
}

/// While a sync reads the products, a variation's price and stock are its product's until
/// the variations listing arrives: a product rewritten from the listing keeps its variations'
/// last known price, stock and SKU (from `stored`, the catalog's copy) meanwhile, so cards
/// never show the parent's price for a variation that has its own. A simple product's one
/// variant (id = the product's) has its true price in the listing and is left alone.
pub fn keep_known_variations(product: &mut Product, stored: &Product) {
    if stored.id != product.id {
        return;
    }
    let known: Vec<VariationUpdate> = stored
        .variants
        .iter()
        .filter(|v| v.id != stored.id)
        .map(|v| VariationUpdate {
            parent: stored.id.clone(),
            id: v.id.clone(),
            sku: v.sku.clone(),
            price: v.price.clone(),
            compare_at: v.compare_at.clone(),
            available: v.available,
        })
        .collect();
    apply_variations(product, &known);
}
