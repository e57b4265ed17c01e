//! The catalog in the WooCommerce Store API shape: `/wp-json/wc/store/v1/products` (paginated
//! with `per_page` ≤ 100 and `page`, totals in `X-WP-Total` / `X-WP-TotalPages`; with
//! `type=variation` the variations themselves, paged alike) and
//! `/wp-json/wc/store/v1/products/<id>` for a product or one variation's own price and stock.
//!
//! Owns: product → Store API JSON.
//! Must not depend on: other shapes.
//!
//! Faithful quirks: prices are strings of minor units ("12999") with `currency_minor_unit`;
//! a variable product's `prices` are its cheapest variation's; `variations[].attributes[].value`
//! is the term *slug* ("m", "teal"), mapped back through `attributes[].terms`.

use serde_json::{json, Value};

use crate::catalog::{slug, Catalog, Product, Variant};
use crate::http::{html_escape, Request, Response};
use crate::shopify::number_param;

/// Store API default page size.
pub const DEFAULT_PER_PAGE: usize = 10;
/// Store API maximum page size.
pub const MAX_PER_PAGE: usize = 100;

/// A stable small id for a term (category, tag, attribute value).
fn term_id(text: &str) -> u64 {
    text.bytes()
        .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 90_000
        + 10_000
}

fn taxonomy(option: &str) -> String {
    format!("pa_{}", slug(option))
}

fn prices(price: u64, regular: u64, range: Option<(u64, u64)>) -> Value {
    json!({
        "price": price.to_string(),
        "regular_price": regular.to_string(),
        "sale_price": price.to_string(),
        "price_range": range.map(|(min, max)| json!({"min_amount": min.to_string(), "max_amount": max.to_string()})),
        "currency_code": "EUR",
        "currency_symbol": "€",
        "currency_minor_unit": 2,
        "currency_decimal_separator": ",",
        "currency_thousand_separator": ".",
        "currency_prefix": "",
        "currency_suffix": " €",
    })
}

/// The product page on the fake Woo shop.
pub fn permalink(base: &str, product: &Product) -> String {
    format!("{base}/woo/product/{}/", product.handle)
}

fn images(product: &Product) -> Value {
    json!([{
        "id": product.woo_id * 10,
        "src": product.image_url(),
        "thumbnail": product.image_url(),
        "srcset": "",
        "sizes": "",
        "name": product.handle,
        "alt": product.title,
    }])
}

fn terms(base: &str, kind: &str, names: &[String]) -> Vec<Value> {
    names
        .iter()
        .map(|name| {
            let slug = slug(name);
            json!({"id": term_id(name), "name": name, "slug": slug, "link": format!("{base}/woo/{kind}/{slug}/")})
        })
        .collect()
}

/// One element of the products list.
pub fn product_json(base: &str, product: &Product) -> Value {
    let cheapest = product
        .variants
        .iter()
        .min_by_key(|v| v.price_cents)
        .map(|v| (v.price_cents, v.compare_at_cents.unwrap_or(v.price_cents)))
        .unwrap_or((0, 0));
    let range = (product.min_price_cents() != product.max_price_cents())
        .then(|| (product.min_price_cents(), product.max_price_cents()));
    let attributes: Vec<Value> = product
        .options
        .iter()
        .map(|option| {
            json!({
                "id": term_id(&option.name) % 100,
                "name": option.name,
                "taxonomy": taxonomy(&option.name),
                "has_variations": true,
                "terms": option.values.iter().map(|value| json!({
                    "id": term_id(value), "name": value, "slug": slug(value), "default": false
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let variations: Vec<Value> = product
        .variants
        .iter()
        .map(|variant| {
            json!({
                "id": variant.woo_id,
                "attributes": product.options.iter().zip(&variant.options).map(|(option, value)| json!({
                    "name": option.name, "value": slug(value)
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let first_sentence = product
        .description
        .split_inclusive(". ")
        .next()
        .unwrap_or_default()
        .trim();
    let link = permalink(base, product);
    json!({
        "id": product.woo_id,
        "name": product.title,
        "slug": product.handle,
        "parent": 0,
        "type": "variable",
        "variation": "",
        "permalink": link,
        "sku": "",
        "short_description": format!("<p>{}</p>", html_escape(first_sentence)),
        "description": format!("<p>{}</p>", html_escape(&product.description)),
        "on_sale": product.variants.iter().any(|v| v.compare_at_cents.is_some()),
        "prices": prices(cheapest.0, cheapest.1, range),
        "price_html": "",
        "average_rating": "0",
        "review_count": 0,
        "images": images(product),
        "categories": terms(base, "product-category", &[product.category.to_owned()]),
        "tags": terms(base, "product-tag", &product.tags),
        "brands": terms(base, "brand", std::slice::from_ref(&product.brand)),
        "attributes": attributes,
        "variations": variations,
        "has_options": true,
        "is_purchasable": true,
        "is_in_stock": product.available(),
        "is_on_backorder": false,
        "low_stock_remaining": null,
        "sold_individually": false,
        "add_to_cart": {
            "text": "Select options",
            "description": format!("Select options for “{}”", product.title),
            "url": link,
            "minimum": 1,
            "maximum": 9999,
            "multiple_of": 1,
        },
        "extensions": {},
    })
}

/// `/products/<variation id>`: one variation with its own price and stock.
pub fn variation_json(base: &str, product: &Product, variant: &Variant) -> Value {
    let described: Vec<String> = product
        .options
        .iter()
        .zip(&variant.options)
        .map(|(option, value)| format!("{}: {value}", option.name))
        .collect();
    let query: Vec<String> = product
        .options
        .iter()
        .zip(&variant.options)
        .map(|(option, value)| format!("attribute_{}={}", taxonomy(&option.name), slug(value)))
        .collect();
    let mut value = product_json(base, product);
    value["id"] = json!(variant.woo_id);
    value["parent"] = json!(product.woo_id);
    value["type"] = json!("variation");
    value["variation"] = json!(described.join(", "));
    value["sku"] = json!(variant.sku);
    value["permalink"] = json!(format!("{}?{}", permalink(base, product), query.join("&")));
    value["on_sale"] = json!(variant.compare_at_cents.is_some());
    value["prices"] = prices(
        variant.price_cents,
        variant.compare_at_cents.unwrap_or(variant.price_cents),
        None,
    );
    value["attributes"] = json!([]);
    value["variations"] = json!([]);
    value["has_options"] = json!(false);
    value["is_in_stock"] = json!(variant.available());
    value["low_stock_remaining"] = if (1..5).contains(&variant.stock) {
        json!(variant.stock)
    } else {
        Value::Null
    };
    value["add_to_cart"]["text"] = json!("Add to cart");
    value
}

/// `GET /woo/wp-json/wc/store/v1/products?per_page=&page=[&type=]`: the products, or with
/// `type=variation` every product's variations (in catalog order, each as
/// [`variation_json`]: own price and stock), paged alike. Other `type`s: `variable` is every
/// product (all are variable), the rest none.
pub fn products_page(catalog: &Catalog, request: &Request) -> Response {
    let per_page = number_param(request, "per_page", DEFAULT_PER_PAGE);
    if per_page > MAX_PER_PAGE {
        return Response::json(
            400,
            &json!({
                "code": "rest_invalid_param",
                "message": "Invalid parameter(s): per_page",
                "data": {"status": 400, "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"}},
            }),
        );
    }
    let page = number_param(request, "page", 1);
    let base = request.base_url();
    let skip = (page - 1).saturating_mul(per_page);
    let (total, items): (usize, Vec<Value>) = match request.param("type").as_deref() {
        None | Some("" | "variable") => (
            catalog.products.len(),
            catalog
                .products
                .iter()
                .skip(skip)
                .take(per_page)
                .map(|p| product_json(&base, p))
                .collect(),
        ),
        Some("variation") => {
            let all = || {
                catalog
                    .products
                    .iter()
                    .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
            };
            (
                all().count(),
                all()
                    .skip(skip)
                    .take(per_page)
                    .map(|(p, v)| variation_json(&base, p, v))
                    .collect(),
            )
        }
        Some(_) => (0, Vec::new()),
    };
    Response::json(200, &Value::Array(items))
        .header("X-WP-Total", &total.to_string())
        .header("X-WP-TotalPages", &total.div_ceil(per_page).to_string())
}

/// `GET /woo/wp-json/wc/store/v1/products/<id>` (product or variation id).
pub fn product(catalog: &Catalog, request: &Request, id: &str) -> Response {
    let base = request.base_url();
    let id: u64 = id.parse().unwrap_or(0);
    for product in &catalog.products {
        if product.woo_id == id {
            return Response::json(200, &product_json(&base, product));
        }
        if let Some(variant) = product.variants.iter().find(|v| v.woo_id == id) {
            return Response::json(200, &variation_json(&base, product, variant));
        }
    }
    Response::json(
        404,
        &json!({"code": "woocommerce_rest_product_invalid_id", "message": "Invalid product ID.", "data": {"status": 404}}),
    )
}
