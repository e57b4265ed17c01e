//! WooCommerce Store API pages.

use serde_json::json;
use shopkeep_gateway_core::catalog::woo::StoreApi;
use shopkeep_gateway_core::catalog::{Connector, Cursor, PageResponse};
use shopkeep_protocol::Platform;

fn api() -> StoreApi {
    StoreApi {
        base: "https://woo.example".into(),
    }
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
    let page = api()
        .parse(
            &Cursor::first(),
            &PageResponse {
                body: &body,
                link: None,
                total_pages: Some("3"),
            },
        )
        .unwrap();
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
    assert_eq!(
        page.next,
        Some(Cursor {
            page: 2,
            token: None
        }),
        "X-WP-TotalPages: 3"
    );
    assert!(api()
        .request(&Cursor {
            page: 2,
            token: None
        })
        .url
        .ends_with("/wp-json/wc/store/v1/products?per_page=100&page=2"));
}

#[test]
fn the_last_page_by_total_pages_ends_the_sync() {
    let body = json!([hoodie()]).to_string();
    let page = api()
        .parse(
            &Cursor {
                page: 3,
                token: None,
            },
            &PageResponse {
                body: &body,
                link: None,
                total_pages: Some("3"),
            },
        )
        .unwrap();
    assert_eq!(page.next, None);
}

#[test]
fn simple_products_get_one_variant_with_the_product_id() {
    let mut simple = hoodie();
    simple["variations"] = json!([]);
    simple["attributes"] = json!([]);
    let body = json!([simple]).to_string();
    let page = api()
        .parse(
            &Cursor::first(),
            &PageResponse {
                body: &body,
                link: None,
                total_pages: None,
            },
        )
        .unwrap();
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
    let page = api()
        .parse(
            &Cursor {
                page: 2,
                token: None,
            },
            &PageResponse {
                body: &body,
                link: None,
                total_pages: None,
            },
        )
        .unwrap();
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
