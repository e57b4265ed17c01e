//! Shopify: the public `/products.json` (paged by `page`/`limit`, or by the `Link` header's
//! `page_info` when the shop sends one) and the Storefront GraphQL API (when the shop gives
//! a Storefront token).
//!
//! Owns: both request builders and parsers. Must not fetch.

use super::connector::{Connector, Cursor, Page, PageError, PageRequest, PageResponse};
use super::model::{image_url, parse_time, strip_html, Problem, Product, Variant};
use super::money::{self, PriceError};
use serde_json::{json, Value};
use shopkeep_protocol::Platform;

/// Products per `/products.json` page (Shopify's maximum).
pub const PAGE_LIMIT: u32 = 250;
/// Products per Storefront GraphQL page.
pub const GRAPHQL_PAGE: u32 = 100;
/// The Storefront API version asked for.
pub const STOREFRONT_VERSION: &str = "2024-07";

/// `/products.json`.
#[derive(Debug, Clone)]
pub struct ProductsJson {
    /// The shop's base URL (no trailing slash).
    pub base: String,
    /// The shop's currency (the endpoint's prices carry none).
    pub currency: Option<String>,
}

impl Connector for ProductsJson {
    fn request(&self, cursor: &Cursor) -> PageRequest {
        let url = match &cursor.token {
            Some(info) => format!(
                "{}/products.json?limit={PAGE_LIMIT}&page_info={}",
                self.base,
                encode(info)
            ),
            None => format!(
                "{}/products.json?limit={PAGE_LIMIT}&page={}",
                self.base, cursor.page
            ),
        };
        PageRequest {
            url,
            method: "GET",
            headers: vec![("Accept", String::from("application/json"))],
            body: None,
        }
    }

    fn parse(&self, cursor: &Cursor, response: &PageResponse<'_>) -> Result<Page, PageError> {
        let root: Value = serde_json::from_str(response.body).map_err(|e| {
            PageError::on_page(
                cursor,
                format!("not a Shopify products.json: not JSON ({e})"),
            )
        })?;
        let items = root
            .get("products")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                PageError::on_page(cursor, "not a Shopify products.json: no `products` array")
            })?;
        let mut page = Page::default();
        for (i, item) in items.iter().enumerate() {
            let position = format!("page {} item {}", cursor.page, i + 1);
            match product(item, &self.base, self.currency.as_deref()) {
                Ok(p) => page.products.push(p),
                Err(reason) => page.problems.push(Problem::new(position, reason)),
            }
        }
        let next_info = response.link.and_then(next_page_info);
        page.next = match next_info {
            Some(info) => Some(Cursor {
                token: Some(info),
                ..Cursor::products(cursor.page + 1)
            }),
            None if response.link.is_none() && items.len() as u32 >= PAGE_LIMIT => {
                Some(Cursor::products(cursor.page + 1))
            }
            None => None,
        };
        Ok(page)
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `page_info` of the `rel="next"` link of a `Link` header.
pub fn next_page_info(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        if !params.replace(' ', "").contains("rel=\"next\"") {
            return None;
        }
        let url = url.trim().trim_start_matches('<').trim_end_matches('>');
        let query = url.split_once('?')?.1;
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == "page_info" && !v.is_empty()).then(|| v.to_owned())
        })
    })
}

fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn price_reason(which: &str, err: PriceError) -> String {
    match err {
        PriceError::NoCurrency => format!(
            "{which}: price has no currency (the shop's data does not say; set the source's currency)"
        ),
        other => format!("{which}: {other}"),
    }
}

/// One `/products.json` product.
fn product(item: &Value, base: &str, currency: Option<&str>) -> Result<Product, String> {
    let id = id_string(item.get("id")).ok_or("no `id`")?;
    let title = str_of(item, "title")
        .filter(|t| !t.trim().is_empty())
        .ok_or("no `title`")?;
    let handle = str_of(item, "handle").unwrap_or_default().to_owned();
    let options: Vec<String> = item
        .get("options")
        .and_then(Value::as_array)
        .map(|opts| {
            opts.iter()
                .filter_map(|o| str_of(o, "name").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let raw_variants = item
        .get("variants")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or("no `variants`")?;
    let mut variants = Vec::with_capacity(raw_variants.len());
    for (vi, v) in raw_variants.iter().enumerate() {
        let which = format!("variant {}", vi + 1);
        let vid = id_string(v.get("id")).ok_or_else(|| format!("{which}: no `id`"))?;
        let cur = str_of(v, "price_currency").or(currency).unwrap_or("");
        let price_text = match v.get("price") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("{which}: no `price`")),
        };
        let price = money::parse_decimal(&price_text, cur).map_err(|e| price_reason(&which, e))?;
        let compare_at = match v.get("compare_at_price") {
            Some(Value::String(s)) if !s.is_empty() => money::parse_decimal(s, cur).ok(),
            Some(Value::Number(n)) => money::parse_decimal(&n.to_string(), cur).ok(),
            _ => None,
        }
        .filter(|c| c.amount_minor > price.amount_minor);
        let values: Vec<String> = ["option1", "option2", "option3"]
            .iter()
            .filter_map(|k| str_of(v, k).map(str::to_owned))
            .take(options.len().max(1))
            .filter(|val| val != "Default Title")
            .collect();
        variants.push(Variant {
            id: vid,
            sku: str_of(v, "sku")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            values,
            price,
            compare_at,
            available: v.get("available").and_then(Value::as_bool).unwrap_or(true),
        });
    }
    let options = if options.len() == 1 && options[0] == "Title" {
        Vec::new()
    } else {
        options
    };
    let tags = match item.get("tags") {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let images = item
        .get("images")
        .and_then(Value::as_array)
        .map(|imgs| {
            imgs.iter()
                .filter_map(|i| str_of(i, "src").and_then(image_url))
                .collect()
        })
        .unwrap_or_default();
    Ok(Product {
        id,
        url: (!handle.is_empty()).then(|| format!("{base}/products/{handle}")),
        handle,
        title: title.trim().to_owned(),
        description: strip_html(str_of(item, "body_html").unwrap_or_default()),
        images,
        options,
        variants,
        categories: str_of(item, "product_type")
            .filter(|t| !t.is_empty())
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default(),
        tags,
        updated_at_ms: str_of(item, "updated_at").and_then(parse_time),
        platform: Platform::Shopify,
    })
}

/// The Storefront GraphQL API.
#[derive(Debug, Clone)]
pub struct Storefront {
    /// The shop's base URL.
    pub base: String,
    /// The Storefront access token.
    pub token: String,
}

/// The products query, paged by `after`.
pub const PRODUCTS_QUERY: &str = "query Products($first: Int!, $after: String) { products(first: $first, after: $after) { pageInfo { hasNextPage endCursor } nodes { id handle title description productType tags updatedAt onlineStoreUrl options { name } images(first: 5) { nodes { url } } variants(first: 100) { nodes { id sku availableForSale selectedOptions { name value } price { amount currencyCode } compareAtPrice { amount currencyCode } } } } } }";

/// The request body of one Storefront page.
pub fn graphql_body(cursor: &Cursor) -> String {
    json!({
        "query": PRODUCTS_QUERY,
        "variables": {"first": GRAPHQL_PAGE, "after": cursor.token},
    })
    .to_string()
}

impl Connector for Storefront {
    fn request(&self, cursor: &Cursor) -> PageRequest {
        PageRequest {
            url: format!("{}/api/{STOREFRONT_VERSION}/graphql.json", self.base),
            method: "POST",
            headers: vec![
                ("Content-Type", String::from("application/json")),
                ("X-Shopify-Storefront-Access-Token", self.token.clone()),
            ],
            body: Some(graphql_body(cursor)),
        }
    }

    fn parse(&self, cursor: &Cursor, response: &PageResponse<'_>) -> Result<Page, PageError> {
        parse_graphql(&self.base, cursor, response.body)
    }
}

/// Parses a Storefront products page.
pub fn parse_graphql(base: &str, cursor: &Cursor, body: &str) -> Result<Page, PageError> {
    let root: Value = serde_json::from_str(body).map_err(|e| {
        PageError::on_page(cursor, format!("not a Storefront answer: not JSON ({e})"))
    })?;
    if let Some(errors) = root.get("errors").and_then(Value::as_array) {
        let first = errors
            .first()
            .and_then(|e| str_of(e, "message"))
            .unwrap_or("unknown error");
        return Err(PageError::on_page(
            cursor,
            format!(
                "the Storefront API refused the query: {}",
                first.chars().take(200).collect::<String>()
            ),
        ));
    }
    let products = root
        .pointer("/data/products")
        .ok_or_else(|| PageError::on_page(cursor, "not a Storefront answer: no `data.products`"))?;
    let nodes = products
        .get("nodes")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            PageError::on_page(cursor, "not a Storefront answer: no `products.nodes`")
        })?;
    let mut page = Page::default();
    for (i, node) in nodes.iter().enumerate() {
        match graphql_product(node, base) {
            Ok(p) => page.products.push(p),
            Err(reason) => page.problems.push(Problem::new(
                format!("page {} item {}", cursor.page, i + 1),
                reason,
            )),
        }
    }
    let has_next = products
        .pointer("/pageInfo/hasNextPage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let end = products
        .pointer("/pageInfo/endCursor")
        .and_then(Value::as_str);
    page.next = match (has_next, end) {
        (true, Some(end)) => Some(Cursor {
            token: Some(end.to_owned()),
            ..Cursor::products(cursor.page + 1)
        }),
        _ => None,
    };
    Ok(page)
}

/// `gid://shopify/Product/123` → `123`.
fn gid_tail(gid: &str) -> String {
    gid.rsplit('/').next().unwrap_or(gid).to_owned()
}

fn graphql_money(v: Option<&Value>) -> Result<Option<shopkeep_protocol::Money>, PriceError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let amount = str_of(v, "amount").ok_or_else(|| PriceError::BadAmount(String::new()))?;
    money::parse_decimal(amount, str_of(v, "currencyCode").unwrap_or("")).map(Some)
}

fn graphql_product(node: &Value, base: &str) -> Result<Product, String> {
    let id = str_of(node, "id").map(gid_tail).ok_or("no `id`")?;
    let title = str_of(node, "title")
        .filter(|t| !t.trim().is_empty())
        .ok_or("no `title`")?;
    let handle = str_of(node, "handle").unwrap_or_default().to_owned();
    let options: Vec<String> = node
        .get("options")
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(|o| str_of(o, "name").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let options = if options == ["Title"] {
        Vec::new()
    } else {
        options
    };
    let raw = node
        .pointer("/variants/nodes")
        .and_then(Value::as_array)
        .filter(|v| !v.is_empty())
        .ok_or("no variants")?;
    let mut variants = Vec::new();
    for (vi, v) in raw.iter().enumerate() {
        let which = format!("variant {}", vi + 1);
        let vid = str_of(v, "id")
            .map(gid_tail)
            .ok_or_else(|| format!("{which}: no `id`"))?;
        let price = graphql_money(v.get("price"))
            .map_err(|e| price_reason(&which, e))?
            .ok_or_else(|| format!("{which}: no `price`"))?;
        let compare_at = graphql_money(v.get("compareAtPrice"))
            .ok()
            .flatten()
            .filter(|c| c.amount_minor > price.amount_minor);
        let values = v
            .get("selectedOptions")
            .and_then(Value::as_array)
            .map(|so| {
                options
                    .iter()
                    .filter_map(|name| {
                        so.iter()
                            .find(|o| str_of(o, "name") == Some(name.as_str()))
                            .and_then(|o| str_of(o, "value"))
                            .map(str::to_owned)
                    })
                    .collect()
            })
            .unwrap_or_default();
        variants.push(Variant {
            id: vid,
            sku: str_of(v, "sku")
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            values,
            price,
            compare_at,
            available: v
                .get("availableForSale")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    Ok(Product {
        id,
        url: str_of(node, "onlineStoreUrl")
            .map(str::to_owned)
            .or_else(|| (!handle.is_empty()).then(|| format!("{base}/products/{handle}"))),
        handle,
        title: title.trim().to_owned(),
        description: strip_html(str_of(node, "description").unwrap_or_default()),
        images: node
            .pointer("/images/nodes")
            .and_then(Value::as_array)
            .map(|i| {
                i.iter()
                    .filter_map(|i| str_of(i, "url").and_then(image_url))
                    .collect()
            })
            .unwrap_or_default(),
        options,
        variants,
        categories: str_of(node, "productType")
            .filter(|t| !t.is_empty())
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default(),
        tags: node
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        updated_at_ms: str_of(node, "updatedAt").and_then(parse_time),
        platform: Platform::Shopify,
    })
}
