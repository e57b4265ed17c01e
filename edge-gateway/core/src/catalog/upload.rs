//! CSV and JSON uploads: one row (or object) per variant, rows sharing an `id` are one
//! product. Columns (docs/ADMIN.md): `id`, `title`, `price`, `currency` (required);
//! `variant_id`, `sku`, `description`, `url`, `image` (several separated by `|`),
//! `available` (true/false, yes/no, 1/0, in_stock/out_of_stock; default true),
//! `compare_at`, `category` and `tags` (`|`-separated), `option1_name`/`option1_value` …
//! `option3_*`, `updated_at` (RFC 3339). A JSON object may give `options` as
//! `{"Size": "M"}` instead.
//!
//! Owns: both parsers. A malformed row is listed with its line (CSV) or item number (JSON)
//! and skipped; nothing is guessed.

use super::model::{https_only, image_url, parse_time, strip_html, Problem, Product, Variant};
use super::money;
use serde_json::Value;
use shopkeep_protocol::Platform;
use std::collections::BTreeMap;

/// Most rows (variants) one upload may have.
pub const MAX_ROWS: usize = 50_000;

/// Whether a content type is CSV.
pub fn is_csv(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.starts_with("text/csv") || ct.starts_with("application/csv")
}

/// What an upload gave: products, skipped rows, or a refusal of the whole body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The products.
    pub products: Vec<Product>,
    /// Rows skipped, with their positions.
    pub problems: Vec<Problem>,
}

/// Why a whole upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UploadError(pub String);

type Row = BTreeMap<String, String>;

/// Parses a CSV upload (first line: the header).
pub fn parse_csv(text: &str) -> Result<Parsed, UploadError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| UploadError(format!("line 1: the header row cannot be read ({e})")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for required in ["id", "title", "price"] {
        if !headers.iter().any(|h| h == required) {
            return Err(UploadError(format!(
                "line 1: the header has no `{required}` column (columns: id, title, price, currency, …)"
            )));
        }
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                if rows.len() + problems.len() >= MAX_ROWS {
                    return Err(UploadError(format!(
                        "line {line}: more than {MAX_ROWS} rows"
                    )));
                }
                let row: Row = headers
                    .iter()
                    .cloned()
                    .zip(record.iter().map(str::to_owned))
                    .collect();
                rows.push((format!("line {line}"), row));
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("has {len} fields, the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => String::from("is not valid UTF-8"),
                    _ => format!("cannot be read ({e})"),
                };
                problems.push(Problem::new(format!("line {line}"), reason));
            }
        }
    }
    Ok(build(rows, problems))
}

/// Parses a JSON upload: an array of objects.
pub fn parse_json(text: &str) -> Result<Parsed, UploadError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        UploadError(format!(
            "line {} column {}: not JSON ({e})",
            e.line(),
            e.column()
        ))
    })?;
    let items = root
        .as_array()
        .ok_or_else(|| UploadError(String::from("the JSON upload must be an array of products")))?;
    if items.len() > MAX_ROWS {
        return Err(UploadError(format!("more than {MAX_ROWS} items")));
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let position = format!("item {}", i + 1);
        let Some(obj) = item.as_object() else {
            problems.push(Problem::new(position, "not a JSON object"));
            continue;
        };
        let mut row = Row::new();
        for (k, v) in obj {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(a) => a
                    .iter()
                    .filter_map(|x| {
                        x.as_str()
                            .map(str::to_owned)
                            .or_else(|| (!x.is_null()).then(|| x.to_string()))
                    })
                    .collect::<Vec<_>>()
                    .join("|"),
                Value::Object(o) if k == "options" => {
                    for (n, (name, value)) in o.iter().enumerate().take(3) {
                        row.insert(format!("option{}_name", n + 1), name.clone());
                        row.insert(
                            format!("option{}_value", n + 1),
                            value
                                .as_str()
                                .map_or_else(|| value.to_string(), str::to_owned),
                        );
                    }
                    continue;
                }
                Value::Null => continue,
                Value::Object(_) => {
                    problems.push(Problem::new(
                        position.clone(),
                        format!("`{k}` is an object"),
                    ));
                    continue;
                }
            };
            row.insert(k.to_ascii_lowercase(), text);
        }
        rows.push((position, row));
    }
    Ok(build(rows, problems))
}

fn boolean(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "1" | "in_stock" | "in stock" => Some(true),
        "false" | "no" | "0" | "out_of_stock" | "out of stock" => Some(false),
        _ => None,
    }
}

struct RowProduct {
    product: Product,
    variant: Variant,
}

fn row_product(row: &Row) -> Result<RowProduct, String> {
    let f = |k: &str| row.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let id = f("id").ok_or("no `id`")?;
    let title = f("title").ok_or("no `title`")?;
    let price_text = f("price").ok_or("no `price`")?;
    let price = match f("currency") {
        Some(c) => money::parse_decimal(price_text, c),
        None => money::parse_with_code(price_text, None),
    }
    .map_err(|e| format!("price: {e}"))?;
    let compare_at = match f("compare_at") {
        Some(c) => {
            Some(money::parse_decimal(c, &price.currency).map_err(|e| format!("compare_at: {e}"))?)
        }
        None => None,
    }
    .filter(|c| c.amount_minor > price.amount_minor);
    let available = match f("available") {
        None => true,
        Some(a) => boolean(a).ok_or_else(|| {
            format!(
                "available `{}` is not true or false",
                a.chars().take(20).collect::<String>()
            )
        })?,
    };
    let mut options = Vec::new();
    let mut values = Vec::new();
    for n in 1..=3 {
        match (
            f(&format!("option{n}_name")),
            f(&format!("option{n}_value")),
        ) {
            (Some(name), Some(value)) => {
                options.push(name.to_owned());
                values.push(value.to_owned());
            }
            (Some(name), None) => {
                return Err(format!("option{n}_name `{name}` has no option{n}_value"))
            }
            (None, Some(_)) => return Err(format!("option{n}_value has no option{n}_name")),
            (None, None) => {}
        }
    }
    let list = |k: &str| -> Vec<String> {
        f(k).map(|s| {
            s.split('|')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
    };
    let updated_at_ms = match f("updated_at") {
        Some(t) => Some(parse_time(t).ok_or_else(|| {
            format!(
                "updated_at `{}` is not an RFC 3339 time",
                t.chars().take(40).collect::<String>()
            )
        })?),
        None => None,
    };
    Ok(RowProduct {
        product: Product {
            id: id.to_owned(),
            handle: f("handle").unwrap_or_default().to_owned(),
            title: title.to_owned(),
            description: strip_html(f("description").unwrap_or_default()),
            url: f("url").and_then(https_only),
            images: list("image").iter().filter_map(|i| image_url(i)).collect(),
            options,
            variants: Vec::new(),
            categories: list("category"),
            tags: list("tags"),
            updated_at_ms,
            platform: Platform::Other,
        },
        variant: Variant {
            id: f("variant_id").unwrap_or(id).to_owned(),
            sku: f("sku").map(str::to_owned),
            values,
            price,
            compare_at,
            available,
        },
    })
}

fn build(rows: Vec<(String, Row)>, mut problems: Vec<Problem>) -> Parsed {
    let mut products: Vec<Product> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (position, row) in rows {
        match row_product(&row) {
            Ok(RowProduct { product, variant }) => match index.get(&product.id) {
                Some(&i) => {
                    let existing = &mut products[i];
                    if existing.options != product.options {
                        problems.push(Problem::new(
                            position,
                            format!(
                            "its option names ({}) differ from the first row of product `{}` ({})",
                            product.options.join(", "), product.id, existing.options.join(", ")
                        ),
                        ));
                    } else if existing.variants.iter().any(|v| v.id == variant.id) {
                        problems.push(Problem::new(position, format!(
                            "variant `{}` of product `{}` appears twice (give each row a distinct variant_id)",
                            variant.id, product.id
                        )));
                    } else {
                        existing.variants.push(variant);
                    }
                }
                None => {
                    index.insert(product.id.clone(), products.len());
                    let mut product = product;
                    product.variants.push(variant);
                    products.push(product);
                }
            },
            Err(reason) => problems.push(Problem::new(position, reason)),
        }
    }
    Parsed { products, problems }
}
