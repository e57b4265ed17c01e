//! Ranking candidates from the full-text index and turning stored rows into what the model
//! and the shopper see: the compact tool result and the [`ProductCard`]s (built from the
//! catalog rows, never from model text).
//!
//! Owns: the structured filters applied to candidates (price range, stock, category, option
//! values), the ranking rules (in stock first, then exact option matches, then text
//! relevance), and card building.

use super::model::{Product, Variant};
use super::money::format_plain;
use super::query::{canonical_option, normalise_value, SearchQuery};
use serde_json::{json, Value};
use shopkeep_protocol::{CardVariant, ProductCard};

/// Results a search returns (cards in one carousel).
pub const MAX_RESULTS: usize = 6;
/// Variants a card carries.
pub const MAX_CARD_VARIANTS: usize = 30;

/// A candidate that passed the filters, with what it matched.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The product.
    pub product: &'a Product,
    /// Indices of the variants that match the filters, best first.
    pub variants: Vec<usize>,
    /// Whether a matching variant is in stock.
    pub in_stock: bool,
    /// Whether option filters were asked and matched exactly.
    pub exact_options: bool,
    /// Text rank (0 = best) from the index.
    pub text_rank: usize,
}

fn variant_matches(product: &Product, variant: &Variant, query: &SearchQuery) -> bool {
    if let Some(max) = query.max_price {
        if variant.price.amount_minor > max {
            return false;
        }
    }
    if let Some(min) = query.min_price {
        if variant.price.amount_minor < min {
            return false;
        }
    }
    if query.in_stock && !variant.available {
        return false;
    }
    query.options.iter().all(|(name, value)| {
        product
            .options
            .iter()
            .position(|o| canonical_option(o) == *name)
            .and_then(|i| variant.values.get(i))
            .is_some_and(|v| normalise_value(v) == *value)
    })
}

fn category_matches(product: &Product, category: &str) -> bool {
    product
        .categories
        .iter()
        .chain(&product.tags)
        .any(|c| c.to_lowercase().contains(category))
}

/// Filters and ranks `candidates` (in the index's relevance order) for `query`.
pub fn rank<'a>(candidates: &'a [Product], query: &SearchQuery) -> Vec<Hit<'a>> {
    let mut hits: Vec<Hit<'a>> = candidates
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            query
                .category
                .as_deref()
                .is_none_or(|c| category_matches(p, c))
        })
        .filter_map(|(text_rank, product)| {
            let mut variants: Vec<usize> = product
                .variants
                .iter()
                .enumerate()
                .filter(|(_, v)| variant_matches(product, v, query))
                .map(|(i, _)| i)
                .collect();
            if variants.is_empty() {
                return None;
            }
            variants.sort_by_key(|i| (!product.variants[*i].available, *i));
            let in_stock = product.variants[variants[0]].available;
            Some(Hit {
                product,
                in_stock,
                exact_options: !query.options.is_empty(),
                variants,
                text_rank,
            })
        })
        .collect();
    hits.sort_by_key(|h| (!h.in_stock, !h.exact_options, h.text_rank));
    hits.truncate(MAX_RESULTS);
    hits
}

/// The card of a hit: the price shown is that of the best matching variant; the matching
/// variants come first.
pub fn card(hit: &Hit<'_>) -> ProductCard {
    let product = hit.product;
    let best = &product.variants[hit.variants[0]];
    let mut order: Vec<usize> = hit.variants.clone();
    order.extend((0..product.variants.len()).filter(|i| !hit.variants.contains(i)));
    let variants = order
        .iter()
        .take(MAX_CARD_VARIANTS)
        .map(|i| {
            let v = &product.variants[*i];
            CardVariant {
                id: v.id.clone(),
                values: v.values.clone(),
                price: v.price.clone(),
                available: v.available,
            }
        })
        .collect();
    ProductCard {
        id: product.id.clone(),
        title: product.title.clone(),
        url: product.url.clone(),
        image: product.images.first().cloned(),
        price: best.price.clone(),
        compare_at: best.compare_at.clone(),
        available: product.available(),
        options: product.options.clone(),
        variants,
        selected_variant: Some(best.id.clone()),
        platform: product.platform,
    }
}

/// The card of a product with no filter (get_product).
pub fn card_of(product: &Product) -> Option<ProductCard> {
    let mut variants: Vec<usize> = (0..product.variants.len()).collect();
    variants.sort_by_key(|i| {
        (
            !product.variants[*i].available,
            product.variants[*i].price.amount_minor,
        )
    });
    let first = *variants.first()?;
    Some(card(&Hit {
        product,
        in_stock: product.variants[first].available,
        exact_options: false,
        variants,
        text_rank: 0,
    }))
}

fn price_text(m: &shopkeep_protocol::Money) -> String {
    format!("{} {}", format_plain(m), m.currency)
}

/// What `search_products` gives the model: compact (ids, titles, prices, stock, options).
pub fn tool_result(hits: &[Hit<'_>]) -> Value {
    let results: Vec<Value> = hits
        .iter()
        .map(|h| {
            let p = h.product;
            let best = &p.variants[h.variants[0]];
            let options: serde_json::Map<String, Value> = p
                .options
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let mut values: Vec<&str> = Vec::new();
                    for v in &p.variants {
                        if let Some(val) = v.values.get(i) {
                            if !values.contains(&val.as_str()) {
                                values.push(val);
                            }
                        }
                    }
                    (name.clone(), json!(values))
                })
                .collect();
            json!({
                "id": p.id,
                "title": p.title,
                "price": price_text(&best.price),
                "in_stock": h.in_stock,
                "options": options,
            })
        })
        .collect();
    json!({
        "count": results.len(),
        "results": results,
        "note": "The shopper sees these as cards with prices and stock; mention them briefly."
    })
}

/// What `get_product` gives the model: every variant with its price and stock.
pub fn product_result(product: &Product) -> Value {
    json!({
        "id": product.id,
        "title": product.title,
        "description": product.description.chars().take(600).collect::<String>(),
        "options": product.options,
        "categories": product.categories,
        "variants": product.variants.iter().take(50).map(|v| json!({
            "id": v.id,
            "values": v.values,
            "price": price_text(&v.price),
            "in_stock": v.available,
        })).collect::<Vec<_>>(),
    })
}
