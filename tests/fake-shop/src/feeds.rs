//! The catalog as files: a Google Merchant feed (RSS 2.0 with `g:` fields, one item per
//! variant grouped by `g:item_group_id`) and a flat export (CSV and JSON, one row per variant)
//! with the documented column set of tests/fake-shop/README.md.
//!
//! Owns: product → feed item / export row.
//! Must not depend on: other shapes.

use serde_json::{json, Map, Value};

use crate::catalog::{Catalog, Product, Variant, CURRENCY};
use crate::http::{iso_time, money, xml_escape};

/// Export columns, in order (CSV header = JSON keys).
pub const COLUMNS: &[&str] = &[
    "handle",
    "title",
    "description",
    "category",
    "tags",
    "brand",
    "price",
    "currency",
    "compare_at_price",
    "available",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "image",
    "url",
    "variant_id",
    "sku",
    "updated_at",
];

/// The shop's product page for a product (Shopify-shaped, served by the fake shop).
pub fn product_url(base: &str, product: &Product) -> String {
    format!("{base}/shopify/products/{}", product.handle)
}

fn tag(out: &mut String, name: &str, value: &str) {
    out.push_str(&format!("<g:{name}>{}</g:{name}>", xml_escape(value)));
}

fn merchant_item(out: &mut String, base: &str, product: &Product, variant: &Variant) {
    out.push_str("<item>");
    tag(out, "id", &variant.sku);
    tag(out, "item_group_id", &product.handle);
    tag(out, "title", &product.title);
    tag(out, "description", &product.description);
    tag(
        out,
        "link",
        &format!("{}?variant={}", product_url(base, product), variant.id),
    );
    tag(out, "image_link", &product.image_url());
    tag(
        out,
        "availability",
        if variant.available() {
            "in_stock"
        } else {
            "out_of_stock"
        },
    );
    match variant.compare_at_cents {
        Some(regular) => {
            tag(out, "price", &format!("{} {CURRENCY}", money(regular)));
            tag(
                out,
                "sale_price",
                &format!("{} {CURRENCY}", money(variant.price_cents)),
            );
        }
        None => tag(
            out,
            "price",
            &format!("{} {CURRENCY}", money(variant.price_cents)),
        ),
    }
    tag(out, "brand", &product.brand);
    tag(out, "condition", "new");
    tag(out, "mpn", &variant.sku);
    for (option, value) in product.options.iter().zip(&variant.options) {
        // Merchant has no Capacity/Length fields: every non-colour option is the size.
        let field = if option.name == "Colour" {
            "color"
        } else {
            "size"
        };
        tag(out, field, value);
    }
    tag(out, "product_type", product.category);
    tag(out, "google_product_category", product.google_category);
    tag(
        out,
        "age_group",
        if product.audience == "kids" {
            "kids"
        } else {
            "adult"
        },
    );
    tag(
        out,
        "gender",
        match product.audience {
            "men" => "male",
            "women" => "female",
            _ => "unisex",
        },
    );
    out.push_str("</item>\n");
}

/// `GET /merchant/feed.xml`.
pub fn merchant_feed(catalog: &Catalog, base: &str) -> String {
    let mut out = String::with_capacity(catalog.products.len() * 8_000);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n");
    out.push_str(&format!(
        "<title>Acme Outfitters</title>\n<link>{}</link>\n<description>Acme Outfitters product feed (Shopkeep fake shop)</description>\n",
        xml_escape(&format!("{base}/shopify/"))
    ));
    for product in &catalog.products {
        for variant in &product.variants {
            merchant_item(&mut out, base, product, variant);
        }
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

/// One export row as ordered (column, value) strings; CSV and JSON share it.
fn row(base: &str, product: &Product, variant: &Variant) -> Vec<(&'static str, Value)> {
    let option = |n: usize| -> (Value, Value) {
        match (product.options.get(n), variant.options.get(n)) {
            (Some(option), Some(value)) => (json!(option.name), json!(value)),
            _ => (Value::Null, Value::Null),
        }
    };
    let (o1n, o1v) = option(0);
    let (o2n, o2v) = option(1);
    let values = vec![
        json!(product.handle),
        json!(product.title),
        json!(product.description),
        json!(product.category),
        json!(product.tags),
        json!(product.brand),
        json!(money(variant.price_cents)),
        json!(CURRENCY),
        json!(variant.compare_at_cents.map(money)),
        json!(variant.available()),
        o1n,
        o1v,
        o2n,
        o2v,
        json!(product.image_url()),
        json!(product_url(base, product)),
        json!(variant.id.to_string()),
        json!(variant.sku),
        json!(iso_time(product.updated_at)),
    ];
    COLUMNS.iter().copied().zip(values).collect()
}

/// `GET /export/products.json`: an array of rows (tags an array, `available` a boolean, absent
/// values null).
pub fn export_json(catalog: &Catalog, base: &str) -> Value {
    Value::Array(
        catalog
            .products
            .iter()
            .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
            .map(|(product, variant)| {
                Value::Object(
                    row(base, product, variant)
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect::<Map<_, _>>(),
                )
            })
            .collect(),
    )
}

fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// `GET /export/products.csv`: RFC 4180, header row, CRLF line ends, tags joined by ", ".
pub fn export_csv(catalog: &Catalog, base: &str) -> String {
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for product in &catalog.products {
        for variant in &product.variants {
            let fields: Vec<String> = row(base, product, variant)
                .iter()
                .map(|(_, v)| csv_field(v))
                .collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field(&json!("a, b")), "\"a, b\"");
        assert_eq!(csv_field(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(&json!(["x", "y"])), "\"x, y\"");
        assert_eq!(csv_field(&Value::Null), "");
        assert_eq!(csv_field(&json!(true)), "true");
    }
}
