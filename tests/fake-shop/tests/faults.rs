//! Proves the faults a test orders through `POST /__control` happen exactly as asked, per shape
//! prefix, and that the request log shows what was fetched and answered.

mod common;

use common::{control, get, post, small_shop};
use shopkeep_fake_shop::http::Request;
use shopkeep_fake_shop::shop::Now;

#[test]
fn n_429s_with_retry_after_then_the_page() {
    let shop = small_shop(50);
    control(
        &shop,
        r#"{"faults": [{"prefix": "/shopify", "status": 429, "retry_after": 3, "times": 2}]}"#,
    );
    for _ in 0..2 {
        let response = get(&shop, "/shopify/products.json?page=1");
        assert_eq!(response.status, 429);
        assert_eq!(response.header_value("retry-after"), Some("3"));
    }
    assert_eq!(get(&shop, "/shopify/products.json?page=1").status, 200);
}

#[test]
fn faults_apply_to_their_prefix_and_match_only() {
    let shop = small_shop(50);
    control(
        &shop,
        r#"{"faults": [{"prefix": "/woo", "status": 500, "match": "page=2"}]}"#,
    );
    assert_eq!(
        get(&shop, "/shopify/products.json?page=2").status,
        200,
        "other shapes are untouched"
    );
    assert_eq!(
        get(&shop, "/woo/wp-json/wc/store/v1/products?page=1").status,
        200
    );
    let failed = get(&shop, "/woo/wp-json/wc/store/v1/products?page=2");
    assert_eq!(failed.status, 500);
    assert_eq!(
        failed.json_body()["data"]["status"],
        500,
        "a WordPress-shaped error"
    );
    assert_eq!(
        get(&shop, "/woo/wp-json/wc/store/v1/products?page=2").status,
        200,
        "times defaults to 1"
    );
}

#[test]
fn slow_pages_are_delayed_not_failed() {
    let shop = small_shop(50);
    control(
        &shop,
        r#"{"faults": [{"prefix": "/merchant", "delay_ms": 750, "times": 1}]}"#,
    );
    let slow = get(&shop, "/merchant/feed.xml");
    assert_eq!((slow.status, slow.delay_ms), (200, 750));
    assert_eq!(get(&shop, "/merchant/feed.xml").delay_ms, 0);
}

#[test]
fn a_deleted_product_vanishes_from_every_shape() {
    let shop = small_shop(50);
    let victim = shop.catalog().products[7].clone();
    control(&shop, &format!(r#"{{"delete": ["{}"]}}"#, victim.handle));
    let shopify = get(&shop, "/shopify/products.json?limit=250").text();
    assert!(!shopify.contains(&format!("\"handle\":\"{}\"", victim.handle)));
    assert_eq!(
        get(&shop, "/shopify/products.json?limit=250").json_body()["products"]
            .as_array()
            .unwrap()
            .len(),
        49
    );
    let woo = get(&shop, "/woo/wp-json/wc/store/v1/products?per_page=100");
    assert_eq!(woo.header_value("x-wp-total"), Some("49"));
    for target in [
        "/merchant/feed.xml",
        "/export/products.csv",
        "/export/products.json",
    ] {
        assert!(
            !get(&shop, target).text().contains(&victim.variants[0].sku),
            "{target}"
        );
    }
    assert_eq!(
        get(&shop, &format!("/shopify/products/{}.js", victim.handle)).status,
        404
    );
    assert_eq!(
        get(
            &shop,
            &format!("/woo/wp-json/wc/store/v1/products/{}", victim.woo_id)
        )
        .status,
        404
    );
}

#[test]
fn a_price_change_shows_everywhere_with_a_new_update_time() {
    let shop = small_shop(50);
    let handle = shop.catalog().products[2].handle.clone();
    control(
        &shop,
        &format!(r#"{{"set_price": [{{"handle": "{handle}", "price": "59.00"}}]}}"#),
    );
    let product =
        get(&shop, &format!("/shopify/products/{handle}.json")).json_body()["product"].clone();
    assert_eq!(product["variants"][0]["price"], "59.00");
    assert_eq!(
        product["variants"][0]["compare_at_price"],
        serde_json::Value::Null
    );
    assert_eq!(
        product["updated_at"],
        shopkeep_fake_shop::http::iso_time(common::NOW.unix)
    );
    assert!(get(&shop, "/merchant/feed.xml")
        .text()
        .contains("<g:price>59.00 EUR</g:price>"));
}

#[test]
fn reset_restores_the_catalog_and_forgets_faults_and_log() {
    let shop = small_shop(50);
    let handle = shop.catalog().products[0].handle.clone();
    control(
        &shop,
        &format!(
            r#"{{"delete": ["{handle}"], "faults": [{{"prefix": "/", "status": 503, "times": 5}}]}}"#
        ),
    );
    assert_eq!(get(&shop, "/shopify/products.json").status, 503);
    control(&shop, r#"{"reset": true}"#);
    assert_eq!(get(&shop, "/shopify/products.json").status, 200);
    assert_eq!(shop.catalog().products.len(), 50);
    let log = get(&shop, "/__requests").json_body();
    assert_eq!(
        log.as_array().unwrap().len(),
        1,
        "the reset forgot earlier requests: {log}"
    );
}

#[test]
fn the_request_log_shows_times_statuses_and_faults() {
    let shop = small_shop(50);
    control(
        &shop,
        r#"{"faults": [{"prefix": "/shopify", "status": 429, "retry_after": 2}]}"#,
    );
    shop.handle(
        &Request::new("GET", "/shopify/products.json?limit=250&page=1"),
        Now { ms: 100, unix: 0 },
    );
    shop.handle(
        &Request::new("GET", "/shopify/products.json?limit=250&page=1"),
        Now { ms: 2_300, unix: 0 },
    );
    let log = get(&shop, "/__requests").json_body();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "control routes are not logged");
    assert_eq!(
        (log[0]["status"].as_u64(), log[0]["fault"].as_str()),
        (Some(429), Some("429"))
    );
    assert_eq!(
        (log[1]["status"].as_u64(), log[1]["at_ms"].as_u64()),
        (Some(200), Some(2_300))
    );
    assert_eq!(log[1]["query"], "limit=250&page=1");
    assert_eq!(
        shop.handle(&Request::new("DELETE", "/__requests"), common::NOW)
            .status,
        200
    );
    assert_eq!(
        get(&shop, "/__requests")
            .json_body()
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn bad_control_bodies_are_refused_and_change_nothing() {
    let shop = small_shop(50);
    for body in [
        "not json",
        r#"{"delete": ["no-such-product"]}"#,
        r#"{"set_stock": [{"sku": "nope", "stock": 1}]}"#,
        r#"{"faults": [{"prefix": "shopify", "status": 429}]}"#,
    ] {
        let response = post(&shop, "/__control", body);
        assert_eq!(response.status, 400, "{body}");
        assert!(response.json_body()["error"].is_string());
    }
    // A command that fails half-way applies nothing.
    let handle = shop.catalog().products[0].handle.clone();
    let response = post(
        &shop,
        "/__control",
        &format!(r#"{{"delete": ["{handle}", "no-such-product"]}}"#),
    );
    assert_eq!(response.status, 400);
    assert_eq!(shop.catalog().products.len(), 50);
}

#[test]
fn stock_changes_reach_the_shapes() {
    let shop = small_shop(10);
    let sku = shop.catalog().products[0].variants[0].sku.clone();
    control(
        &shop,
        &format!(r#"{{"set_stock": [{{"sku": "{sku}", "stock": 0}}]}}"#),
    );
    let product = &get(&shop, "/shopify/products.json").json_body()["products"][0];
    assert_eq!(product["variants"][0]["available"], false);
}
