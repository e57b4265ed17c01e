//! WooCommerce Store API pages.

use serde_json::json;
use shopkeep_gateway_core::catalog::woo::{self, StoreApi};
use shopkeep_gateway_core::catalog::{Connector, Cursor, Page, PageResponse, Phase};
use shopkeep_protocol::Platform;

fn api() -> StoreApi {
    StoreApi {
        base: "https://woo.example".into(),
    }
}

/// The connector's parse of `body` as the page at `cursor`, with `X-WP-TotalPages`.
fn page_of(cursor: &Cursor, body: &str, total_pages: Option<&str>) -> Page {
    api()
        .parse(
            cursor,
            &PageResponse {
                body,
                link: None,
                total_pages,
            },
        )
        .unwrap()
}

fn hoodie() -> serde_json::Value {
    json!({
        "id": 55, "name": "Harbour Hoodie", "slug": "harbour-hoodie",
        "permalink": "https://woo.example/product/harbour-hoodie/",
        "description": "<p>Warm cotton</p>", "is_in_stock": true,
        "prices": {"price": "4500", "regular_price": "5000", "sale_price": "4500", "currency_code": "EUR", "currency_minor_unit": 2},
        "images": [{"src": "https://woo.example/h.jpg"}],
        "categories": [{"name": "Hoodies"}], "tags": [{"name": "cotton"}],
        "attributes": [{"name": "Size", "has_variations": true}],
        "variations": [{"id": 551, "attributes": [{"name": "size", "value": "M"}]},
                       {"id": 552, "attributes": [{"name": "size", "value": "L"}], "is_in_stock": false}]
    })
}

#[test]
fn a_store_api_page_normalises_prices_variations_and_stock() {
    let body = json!([hoodie()]).to_string();
    let page = page_of(&Cursor::first(), &body, Some("3"));
    assert!(page.problems.is_empty());
    let p = &page.products[0];
    assert_eq!(p.platform, Platform::Woocommerce);
    assert_eq!(p.options, ["Size"]);
    assert_eq!(p.variants.len(), 2);
    assert_eq!(p.variants[0].values, ["M"]);
    assert_eq!(p.variants[0].price.amount_minor, 4500);
    assert_eq!(
        p.variants[0].compare_at.as_ref().unwrap().amount_minor,
        5000
    );
    assert!(!p.variants[1].available);
    assert_eq!(p.categories, ["Hoodies"]);
    assert_eq!(page.next, Some(Cursor::products(2)), "X-WP-TotalPages: 3");
    assert!(api()
        .request(&Cursor::products(2))
        .url
        .ends_with("/wp-json/wc/store/v1/products?per_page=100&page=2"));
}

#[test]
fn the_last_page_by_total_pages_ends_the_sync() {
    let body = json!([hoodie()]).to_string();
    let page = page_of(&Cursor::products(3), &body, Some("3"));
    assert_eq!(page.next, None);
}

#[test]
fn simple_products_get_one_variant_with_the_product_id() {
    let mut simple = hoodie();
    simple["variations"] = json!([]);
    simple["attributes"] = json!([]);
    let body = json!([simple]).to_string();
    let page = page_of(&Cursor::first(), &body, None);
    assert_eq!(page.products[0].variants[0].id, "55");
    assert!(page.products[0].options.is_empty());
}

#[test]
fn malformed_products_are_listed_and_skipped() {
    let mut no_currency = hoodie();
    no_currency["prices"]["currency_code"] = json!("");
    let mut bad_amount = hoodie();
    bad_amount["prices"]["price"] = json!("45.00");
    let mut no_unit = hoodie();
    no_unit["prices"]
        .as_object_mut()
        .unwrap()
        .remove("currency_minor_unit");
    let body = json!([no_currency, hoodie(), bad_amount, no_unit, "junk"]).to_string();
    let page = page_of(&Cursor::products(2), &body, None);
    assert_eq!(page.products.len(), 1);
    let got: Vec<(&str, &str)> = page
        .problems
        .iter()
        .map(|p| (p.position.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("page 2 item 1", "prices.price: price has no currency"),
            (
                "page 2 item 3",
                "prices.price: price `45.00` is not a valid amount"
            ),
            ("page 2 item 4", "prices: no valid `currency_minor_unit`"),
            ("page 2 item 5", "no `id`"),
        ]
    );
}

#[test]
fn a_non_store_api_answer_is_refused() {
    let err = api()
        .parse(
            &Cursor::first(),
            &PageResponse {
                body: r#"{"code":"rest_no_route"}"#,
                link: None,
                total_pages: None,
            },
        )
        .unwrap_err();
    assert!(err.reason.contains("not a JSON array"), "{err}");
}

fn variation(id: u64, parent: u64, price: &str, in_stock: bool) -> serde_json::Value {
    json!({
        "id": id, "parent": parent, "type": "variation", "name": "Harbour Hoodie",
        "variation": "Size: M", "sku": format!("HH-{id}"), "is_in_stock": in_stock,
        "prices": {"price": price, "regular_price": "5500", "sale_price": price, "currency_code": "EUR", "currency_minor_unit": 2},
        "attributes": [], "variations": []
    })
}

fn variations_cursor(page: u32) -> Cursor {
    Cursor {
        phase: Phase::Variations,
        ..Cursor::products(page)
    }
}

/// The products listing carries no per-variation price or stock: after the products the
/// sync reads `type=variation`, whose items carry their own.
#[test]
fn the_variations_listing_is_requested_after_the_products() {
    let after = api().after_products().expect("woo reads variations");
    assert_eq!(after, variations_cursor(1));
    let req = api().request(&variations_cursor(3));
    assert!(
        req.url
            .ends_with("/wp-json/wc/store/v1/products?type=variation&per_page=100&page=3"),
        "{}",
        req.url
    );
    let json = serde_json::to_value(&after).unwrap();
    assert_eq!(json["phase"], "variations");
    assert_eq!(
        serde_json::to_value(Cursor::first()).unwrap(),
        json!({"page": 1}),
        "products cursors keep their queue message shape"
    );
}

#[test]
fn a_variations_page_gives_each_variation_its_own_price_stock_and_sku() {
    let mut no_prices = variation(553, 55, "4500", true);
    no_prices.as_object_mut().unwrap().remove("prices");
    let body = json!([
        variation(551, 55, "4500", true),
        variation(552, 55, "5200", false),
        no_prices,
        hoodie()
    ])
    .to_string();
    let page = page_of(&variations_cursor(2), &body, Some("3"));
    assert!(page.products.is_empty());
    assert_eq!(page.variations.len(), 2);
    let v = &page.variations[1];
    assert_eq!((v.parent.as_str(), v.id.as_str()), ("55", "552"));
    assert_eq!(v.price.amount_minor, 5200);
    assert_eq!((v.price.currency.as_str(), v.price.exponent), ("EUR", 2));
    assert_eq!(v.compare_at.as_ref().unwrap().amount_minor, 5500);
    assert!(!v.available);
    assert_eq!(v.sku.as_deref(), Some("HH-552"));
    let got: Vec<(&str, &str)> = page
        .problems
        .iter()
        .map(|p| (p.position.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("variations page 2 item 3", "no `prices`"),
            (
                "variations page 2 item 4",
                "`55` is not a variation (no `parent`)"
            ),
        ]
    );
    assert_eq!(page.next, Some(variations_cursor(3)));
}

#[test]
fn the_last_variations_page_ends_the_listing() {
    let body = json!([variation(551, 55, "4500", true)]).to_string();
    let page = page_of(&variations_cursor(3), &body, Some("3"));
    assert_eq!(page.next, None);
}

/// A Store API that ignores `type=variation` lists its products again: one problem, the
/// listing stops (no pages of products mistaken for variations).
#[test]
fn a_store_api_without_type_variation_is_reported_once() {
    let body = json!([hoodie(), hoodie()]).to_string();
    let page = page_of(&variations_cursor(1), &body, Some("24"));
    assert!(page.variations.is_empty());
    assert_eq!(page.next, None);
    assert_eq!(page.problems.len(), 1);
    assert!(
        page.problems[0].reason.contains("does not list variations"),
        "{:?}",
        page.problems
    );
}

#[test]
fn variations_update_their_products_variants() {
    let body = json!([hoodie()]).to_string();
    let mut product = page_of(&Cursor::first(), &body, None).products.remove(0);
    assert_eq!(
        product.variants[1].price.amount_minor, 4500,
        "the listing gives the parent's price"
    );
    let body = json!([
        variation(552, 55, "5200", false),
        variation(999, 55, "1", true),
        variation(551, 77, "1", true)
    ])
    .to_string();
    let updates = page_of(&variations_cursor(1), &body, None).variations;
    assert!(woo::apply_variations(&mut product, &updates));
    assert_eq!(product.variants[0].price.amount_minor, 4500, "untouched");
    assert_eq!(
        product.variants[0].sku, None,
        "other products' variations ignored"
    );
    assert_eq!(product.variants[1].price.amount_minor, 5200);
    assert!(!product.variants[1].available);
    assert_eq!(product.variants[1].sku.as_deref(), Some("HH-552"));
    assert_eq!(product.variants.len(), 2, "unknown variation ids ignored");
    assert!(
        !woo::apply_variations(&mut product, &updates),
        "applying again changes nothing"
    );
}

/// Between a sync's products pages and its variations pages a rewritten product keeps its
/// variations' last known prices (not the parent's); a simple product keeps the listing's.
#[test]
fn a_rewritten_product_keeps_its_variations_known_prices_until_the_variations_arrive() {
    let parse = |item: serde_json::Value| {
        let body = json!([item]).to_string();
        page_of(&Cursor::first(), &body, None).products.remove(0)
    };
    let mut stored = parse(hoodie());
    stored.variants[1].price.amount_minor = 5200;
    stored.variants[1].sku = Some("HH-552".into());
    let mut fresh = parse(hoodie());
    woo::keep_known_variations(&mut fresh, &stored);
    assert_eq!(fresh.variants[1].price.amount_minor, 5200);
    assert_eq!(fresh.variants[1].sku.as_deref(), Some("HH-552"));

    let mut simple = hoodie();
    simple["variations"] = json!([]);
    let mut stored = parse(simple.clone());
    stored.variants[0].price.amount_minor = 1;
    let mut fresh = parse(simple);
    woo::keep_known_variations(&mut fresh, &stored);
    assert_eq!(
        fresh.variants[0].price.amount_minor, 4500,
        "a simple product's price is the listing's"
    );
}
