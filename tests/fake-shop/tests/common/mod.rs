//! Shared test plumbing: a shop over the default catalog and one-line requests.
#![allow(dead_code, unreachable_pub, missing_docs)]

use shopkeep_fake_shop::catalog::{self, Catalog};
use shopkeep_fake_shop::http::{Request, Response};
use shopkeep_fake_shop::shop::{Credentials, Now, Shop};

pub fn shop() -> Shop {
    Shop::new(catalog::demo(), Credentials::default())
}

pub fn small_shop(products: usize) -> Shop {
    Shop::new(
        catalog::generate(catalog::SEED, products),
        Credentials::default(),
    )
}

pub const NOW: Now = Now {
    ms: 1_000,
    unix: 1_790_000_000,
};

pub fn get(shop: &Shop, target: &str) -> Response {
    shop.handle(&Request::new("GET", target), NOW)
}

pub fn post(shop: &Shop, target: &str, body: &str) -> Response {
    shop.handle(&Request::new("POST", target).with_body(body), NOW)
}

pub fn control(shop: &Shop, body: &str) -> Response {
    let response = post(shop, "/__control", body);
    assert_eq!(response.status, 200, "{}", response.text());
    response
}

/// One variant as every shape must agree on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub handle: String,
    pub sku: String,
    pub price_cents: u64,
    pub compare_at_cents: Option<u64>,
    pub available: bool,
    pub options: Vec<String>,
}

pub fn rows(catalog: &Catalog) -> Vec<Row> {
    let mut out: Vec<Row> = catalog
        .products
        .iter()
        .flat_map(|p| {
            p.variants.iter().map(|v| Row {
                handle: p.handle.clone(),
                sku: v.sku.clone(),
                price_cents: v.price_cents,
                compare_at_cents: v.compare_at_cents,
                available: v.available(),
                options: v.options.clone(),
            })
        })
        .collect();
    out.sort();
    out
}

pub fn cents(text: &str) -> u64 {
    shopkeep_fake_shop::control::parse_price(text).unwrap_or_else(|| panic!("not a price: {text}"))
}
