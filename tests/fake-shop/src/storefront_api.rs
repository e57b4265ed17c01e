//! The catalog through Shopify's Storefront GraphQL API, for shops that give a Storefront token:
//! `POST /shopify/api/<version>/graphql.json` with `X-Shopify-Storefront-Access-Token`.
//!
//! Owns: the `products(first:, after:)` connection in the Storefront API's field names.
//! Must not depend on: a GraphQL parser — the fake does not read the query's selection; it
//! answers every `products` query with the full node documented in README.md (a connector may
//! select fewer fields; it gets these). `first` (≤ 250) and `after` come from `variables`.

use serde_json::{json, Value};

use crate::catalog::{Catalog, Product, CURRENCY};
use crate::http::{iso_time, money, Request, Response};
use crate::orders::{base64, same};

/// Largest page (Shopify's).
pub const MAX_FIRST: u64 = 250;

fn amount(cents: u64) -> Value {
    json!({"amount": money(cents), "currencyCode": CURRENCY})
}

/// An opaque cursor naming a product (stable across deletions).
pub fn cursor(product: &Product) -> String {
    base64(&format!("fakeshop:{}", product.id))
}

fn decode_cursor(text: &str) -> Option<u64> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        bits.push(ALPHABET.iter().position(|a| *a == c)? as u32);
    }
    let mut out = Vec::new();
    for chunk in bits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (b << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    String::from_utf8(out)
        .ok()?
        .strip_prefix("fakeshop:")?
        .parse()
        .ok()
}

fn node(base: &str, product: &Product) -> Value {
    let variants: Vec<Value> = product
        .variants
        .iter()
        .map(|variant| {
            json!({"node": {
                "id": format!("gid://shopify/ProductVariant/{}", variant.id),
                "title": variant.title(),
                "sku": variant.sku,
                "availableForSale": variant.available(),
                "price": amount(variant.price_cents),
                "compareAtPrice": variant.compare_at_cents.map(amount),
                "selectedOptions": product.options.iter().zip(&variant.options)
                    .map(|(option, value)| json!({"name": option.name, "value": value})).collect::<Vec<_>>(),
            }})
        })
        .collect();
    json!({
        "id": format!("gid://shopify/Product/{}", product.id),
        "handle": product.handle,
        "title": product.title,
        "description": product.description,
        "descriptionHtml": format!("<p>{}</p>", crate::http::html_escape(&product.description)),
        "vendor": product.brand,
        "productType": product.category,
        "tags": product.tags,
        "updatedAt": iso_time(product.updated_at),
        "onlineStoreUrl": format!("{base}/shopify/products/{}", product.handle),
        "availableForSale": product.available(),
        "featuredImage": {"url": product.image_url()},
        "images": {"edges": [{"node": {"url": product.image_url()}}]},
        "options": product.options.iter().map(|o| json!({"name": o.name, "values": o.values})).collect::<Vec<_>>(),
        "priceRange": {
            "minVariantPrice": amount(product.min_price_cents()),
            "maxVariantPrice": amount(product.max_price_cents()),
        },
        "variants": {"edges": variants},
    })
}

fn error(status: u16, message: &str, code: &str) -> Response {
    Response::json(
        status,
        &json!({"errors": [{"message": message, "extensions": {"code": code}}]}),
    )
}

/// Answers one GraphQL request.
pub fn graphql(catalog: &Catalog, request: &Request, token: &str) -> Response {
    let given = request
        .header("x-shopify-storefront-access-token")
        .or_else(|| request.header("shopify-storefront-private-token"))
        .unwrap_or_default();
    if !same(given, token) {
        return error(401, "Unauthorized", "UNAUTHORIZED");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return error(400, "Invalid JSON in request body", "BAD_REQUEST");
    };
    let query = body["query"].as_str().unwrap_or_default();
    if !query.contains("products") {
        return Response::json(
            200,
            &json!({"errors": [{"message": "the fake shop answers only `products` queries", "extensions": {"code": "NOT_SUPPORTED"}}]}),
        );
    }
    let variables = &body["variables"];
    let first = variables["first"].as_u64().unwrap_or(50);
    if !(1..=MAX_FIRST).contains(&first) {
        return Response::json(
            200,
            &json!({"errors": [{"message": "The page size must be between 1 and 250", "extensions": {"code": "MAX_INPUT_SIZE_EXCEEDED"}}]}),
        );
    }
    let start = match variables["after"].as_str() {
        None => 0,
        Some(after) => match decode_cursor(after) {
            Some(id) => catalog.products.partition_point(|p| p.id <= id),
            None => {
                return Response::json(
                    200,
                    &json!({"errors": [{"message": "Invalid cursor", "extensions": {"code": "BAD_REQUEST"}}]}),
                )
            }
        },
    };
    let base = request.base_url();
    let page: Vec<&Product> = catalog
        .products
        .iter()
        .skip(start)
        .take(first as usize)
        .collect();
    let edges: Vec<Value> = page
        .iter()
        .map(|p| json!({"cursor": cursor(p), "node": node(&base, p)}))
        .collect();
    let has_next = start + page.len() < catalog.products.len();
    Response::json(
        200,
        &json!({"data": {"products": {
            "edges": edges,
            "pageInfo": {"hasNextPage": has_next, "endCursor": page.last().map(|p| cursor(p))},
        }}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let catalog = crate::catalog::generate(crate::catalog::SEED, 3);
        for product in &catalog.products {
            assert_eq!(decode_cursor(&cursor(product)), Some(product.id));
        }
        assert_eq!(decode_cursor("not base64!"), None);
        assert_eq!(decode_cursor(&base64("other:1")), None);
    }
}
