//! The catalog in Shopify's public storefront shapes: `/products.json` (paginated with `limit`
//! and `page`, as Shopify's public endpoint is) and `/products/<handle>.js` (the Ajax API).
//!
//! Owns: product → Shopify JSON.
//! Must not depend on: other shapes, HTTP details beyond reading the query.
//!
//! Faithful quirks a connector must cope with (as the real shop does): prices are strings
//! ("129.99") in products.json but integer cents in `.js`; `.js` images are protocol-relative
//! (`//images…`); a page past the end is an empty `products` array, not an error.

use serde_json::{json, Value};

use crate::catalog::{Catalog, Product};
use crate::http::{html_escape, iso_time, money, Request, Response};

/// Default and maximum `limit` of products.json (Shopify's).
pub const DEFAULT_LIMIT: usize = 30;
/// Largest page.
pub const MAX_LIMIT: usize = 250;

fn body_html(product: &Product) -> String {
    format!("<p>{}</p>", html_escape(&product.description))
}

fn option_n(product: &Product, values: &[String], n: usize) -> Value {
    if n < product.options.len() {
        Value::from(values[n].clone())
    } else {
        Value::Null
    }
}

/// One element of products.json's `products`.
pub fn product_json(product: &Product) -> Value {
    let created = iso_time(product.updated_at.saturating_sub(90 * 86_400));
    let updated = iso_time(product.updated_at);
    let variants: Vec<Value> = product
        .variants
        .iter()
        .enumerate()
        .map(|(position, variant)| {
            json!({
                "id": variant.id,
                "title": variant.title(),
                "option1": option_n(product, &variant.options, 0),
                "option2": option_n(product, &variant.options, 1),
                "option3": option_n(product, &variant.options, 2),
                "sku": variant.sku,
                "requires_shipping": true,
                "taxable": true,
                "featured_image": null,
                "available": variant.available(),
                "price": money(variant.price_cents),
                "grams": 0,
                "compare_at_price": variant.compare_at_cents.map(money),
                "position": position + 1,
                "product_id": product.id,
                "created_at": created,
                "updated_at": updated,
            })
        })
        .collect();
    json!({
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "body_html": body_html(product),
        "published_at": created,
        "created_at": created,
        "updated_at": updated,
        "vendor": product.brand,
        "product_type": product.category,
        "tags": product.tags,
        "variants": variants,
        "images": [{
            "id": product.id * 10 + 1,
            "created_at": created,
            "position": 1,
            "updated_at": updated,
            "product_id": product.id,
            "variant_ids": [],
            "src": product.image_url(),
            "width": 1200,
            "height": 1200,
        }],
        "options": options_json(product),
    })
}

fn options_json(product: &Product) -> Vec<Value> {
    product
        .options
        .iter()
        .enumerate()
        .map(|(i, option)| json!({"name": option.name, "position": i + 1, "values": option.values}))
        .collect()
}

/// `/products/<handle>.js` (the Ajax API: cents as integers, protocol-relative images).
pub fn product_js(product: &Product) -> Value {
    let image = product.image_url().trim_start_matches("https:").to_owned();
    let compare: Vec<u64> = product
        .variants
        .iter()
        .filter_map(|v| v.compare_at_cents)
        .collect();
    let variants: Vec<Value> = product
        .variants
        .iter()
        .map(|variant| {
            json!({
                "id": variant.id,
                "title": variant.title(),
                "option1": option_n(product, &variant.options, 0),
                "option2": option_n(product, &variant.options, 1),
                "option3": option_n(product, &variant.options, 2),
                "sku": variant.sku,
                "requires_shipping": true,
                "taxable": true,
                "featured_image": null,
                "available": variant.available(),
                "name": format!("{} - {}", product.title, variant.title()),
                "public_title": variant.title(),
                "options": variant.options,
                "price": variant.price_cents,
                "weight": 0,
                "compare_at_price": variant.compare_at_cents,
                "inventory_management": "shopify",
                "barcode": null,
            })
        })
        .collect();
    json!({
        "id": product.id,
        "title": product.title,
        "handle": product.handle,
        "description": body_html(product),
        "published_at": iso_time(product.updated_at.saturating_sub(90 * 86_400)),
        "created_at": iso_time(product.updated_at.saturating_sub(90 * 86_400)),
        "vendor": product.brand,
        "type": product.category,
        "tags": product.tags,
        "price": product.min_price_cents(),
        "price_min": product.min_price_cents(),
        "price_max": product.max_price_cents(),
        "available": product.available(),
        "price_varies": product.min_price_cents() != product.max_price_cents(),
        "compare_at_price": compare.iter().min(),
        "compare_at_price_min": compare.iter().min().copied().unwrap_or(0),
        "compare_at_price_max": compare.iter().max().copied().unwrap_or(0),
        "compare_at_price_varies": compare.iter().min() != compare.iter().max(),
        "variants": variants,
        "images": [image],
        "featured_image": image,
        "options": options_json(product),
        "url": format!("/products/{}", product.handle),
        "media": [],
    })
}

/// A positive whole-number query parameter, or the default when absent or malformed (Shopify
/// ignores what it cannot read).
pub fn number_param(request: &Request, name: &str, default: usize) -> usize {
    request
        .param(name)
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// `GET /shopify/products.json?limit=&page=`.
pub fn products_page(catalog: &Catalog, request: &Request) -> Response {
    let limit = number_param(request, "limit", DEFAULT_LIMIT).min(MAX_LIMIT);
    let page = number_param(request, "page", 1);
    let products: Vec<Value> = catalog
        .products
        .iter()
        .skip((page - 1).saturating_mul(limit))
        .take(limit)
        .map(product_json)
        .collect();
    Response::json(200, &json!({ "products": products }))
}

/// `GET /shopify/products/<handle>.js` and `.json` (`{"product": …}` like Shopify's).
pub fn product(catalog: &Catalog, handle_file: &str) -> Response {
    let (handle, js) = if let Some(handle) = handle_file.strip_suffix(".js") {
        (handle, true)
    } else if let Some(handle) = handle_file.strip_suffix(".json") {
        (handle, false)
    } else {
        return Response::json(404, &json!({"errors": "Not Found"}));
    };
    match catalog.products.iter().find(|p| p.handle == handle) {
        Some(product) if js => Response::json(200, &product_js(product)),
        Some(product) => Response::json(200, &json!({"product": product_json(product)})),
        None => Response::json(404, &json!({"status": 404, "description": "Not Found"})),
    }
}
