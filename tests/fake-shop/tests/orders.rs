//! Proves the fixture orders are served in the Shopify Admin and WooCommerce REST shapes only
//! with the right credentials, filter as documented, and carry what a real order carries
//! (tracking per parcel, but also address and phone the gateway must strip).

mod common;

use common::shop;
use shopkeep_fake_shop::http::Request;
use shopkeep_fake_shop::orders::base64;
use shopkeep_fake_shop::shop::{Credentials, Shop};

const ORDERS: &str = "/shopify/admin/api/2024-10/orders.json";

fn shopify(shop: &Shop, target: &str, token: Option<&str>) -> shopkeep_fake_shop::http::Response {
    let mut request = Request::new("GET", target);
    if let Some(token) = token {
        request = request.with_header("X-Shopify-Access-Token", token);
    }
    shop.handle(&request, common::NOW)
}

fn woo(shop: &Shop, target: &str, key: &str, secret: &str) -> shopkeep_fake_shop::http::Response {
    let request = Request::new("GET", target).with_header(
        "Authorization",
        &format!("Basic {}", base64(&format!("{key}:{secret}"))),
    );
    shop.handle(&request, common::NOW)
}

#[test]
fn shopify_orders_need_the_access_token() {
    let shop = shop();
    let token = Credentials::default().shopify_token;
    assert_eq!(shopify(&shop, ORDERS, None).status, 401);
    assert_eq!(shopify(&shop, ORDERS, Some("shpat_wrong")).status, 401);
    let body = shopify(&shop, ORDERS, Some("")).text();
    assert!(!body.contains("#1001"), "nothing leaks with a bad token");
    assert_eq!(
        shopify(&shop, ORDERS, Some(&token)).json_body()["orders"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
}

#[test]
fn shopify_filters_by_name_email_and_customer() {
    let shop = shop();
    let token = Credentials::default().shopify_token;
    let names = |target: &str| -> Vec<String> {
        shopify(&shop, target, Some(&token)).json_body()["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&format!("{ORDERS}?name=%231001")), ["#1001"]);
    assert_eq!(names(&format!("{ORDERS}?name=1001")), ["#1001"]);
    assert_eq!(
        names(&format!("{ORDERS}?email=ADA@example.com")),
        ["#1001", "#1002", "#1101"]
    );
    assert_eq!(
        names(&format!("{ORDERS}?customer_id=7002")),
        ["#1003", "#1004"]
    );
    assert_eq!(
        names(&format!("{ORDERS}?name=1001&email=ben.okafor@example.net")),
        Vec::<String>::new()
    );
    assert_eq!(names(&format!("{ORDERS}?status=cancelled")), ["#1004"]);
    // Guest checkouts: the email, no customer; no customer filter finds them.
    let guest =
        &shopify(&shop, &format!("{ORDERS}?name=1101"), Some(&token)).json_body()["orders"][0];
    assert_eq!(guest["email"], "ada@example.com");
    assert!(guest["customer"].is_null());
    assert_eq!(
        names(&format!("{ORDERS}?customer_id=7001")),
        ["#1001", "#1002"]
    );
    assert_eq!(
        names("/shopify/admin/api/2024-10/customers/7001/orders.json"),
        ["#1001", "#1002"]
    );
}

#[test]
fn the_partially_shipped_order_has_two_parcels_and_an_unshipped_item() {
    let shop = shop();
    let token = Credentials::default().shopify_token;
    let order = shopify(
        &shop,
        "/shopify/admin/api/2024-10/orders/5500001001.json",
        Some(&token),
    )
    .json_body()["order"]
        .clone();
    assert_eq!(order["fulfillment_status"], "partial");
    let parcels = order["fulfillments"].as_array().unwrap();
    assert_eq!(parcels.len(), 2);
    for parcel in parcels {
        assert!(parcel["tracking_company"].is_string());
        assert!(parcel["tracking_numbers"][0].is_string());
        assert!(parcel["tracking_urls"][0]
            .as_str()
            .unwrap()
            .starts_with("https://"));
    }
    let unshipped: Vec<_> = order["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["fulfillment_status"].is_null())
        .collect();
    assert_eq!(unshipped.len(), 1);
    // What the gateway must never pass on is there, as in a real order.
    assert!(order["shipping_address"]["address1"].is_string());
    assert!(order["phone"].is_string() && order["customer"]["email"].is_string());
    assert_eq!(
        shopify(
            &shop,
            "/shopify/admin/api/2024-10/orders/1.json",
            Some(&token)
        )
        .status,
        404
    );
}

#[test]
fn every_documented_state_is_there() {
    let shop = shop();
    let token = Credentials::default().shopify_token;
    let orders = shopify(&shop, ORDERS, Some(&token)).json_body()["orders"].clone();
    let states: Vec<(String, String)> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["financial_status"].as_str().unwrap().to_owned(),
                o["fulfillment_status"]
                    .as_str()
                    .unwrap_or("null")
                    .to_owned(),
            )
        })
        .collect();
    for wanted in [
        ("paid", "partial"),
        ("paid", "fulfilled"),
        ("paid", "null"),
        ("voided", "null"),
        ("refunded", "fulfilled"),
    ] {
        assert!(
            states.contains(&(wanted.0.into(), wanted.1.into())),
            "{wanted:?} in {states:?}"
        );
    }
    assert!(orders[1]["fulfillments"][0]["shipment_status"] == "delivered");
    assert!(orders[3]["cancelled_at"].is_string());
}

#[test]
fn woo_orders_need_the_consumer_key_and_secret() {
    let shop = shop();
    let c = Credentials::default();
    let target = "/woo/wp-json/wc/v3/orders";
    assert_eq!(
        shop.handle(&Request::new("GET", target), common::NOW)
            .status,
        401
    );
    assert_eq!(woo(&shop, target, &c.woo_key, "cs_wrong").status, 401);
    let all = woo(&shop, target, &c.woo_key, &c.woo_secret);
    assert_eq!(all.status, 200);
    assert_eq!(all.header_value("x-wp-total"), Some("8"));
    let query = format!(
        "{target}?consumer_key={}&consumer_secret={}",
        c.woo_key, c.woo_secret
    );
    assert_eq!(
        shop.handle(&Request::new("GET", &query), common::NOW)
            .status,
        200
    );
}

#[test]
fn woo_search_and_customer_filters_and_tracking_meta() {
    let shop = shop();
    let c = Credentials::default();
    let numbers = |target: &str| -> Vec<String> {
        woo(&shop, target, &c.woo_key, &c.woo_secret)
            .json_body()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(numbers("/woo/wp-json/wc/v3/orders?search=2001"), ["2001"]);
    assert_eq!(
        numbers("/woo/wp-json/wc/v3/orders?search=ada%40example.com"),
        ["2001", "2002", "2101"]
    );
    assert_eq!(
        numbers("/woo/wp-json/wc/v3/orders?customer=12"),
        ["2003", "2004"]
    );
    // Guest checkouts belong to customer 0 (as in WooCommerce).
    assert_eq!(
        numbers("/woo/wp-json/wc/v3/orders?customer=0"),
        ["2101", "2102"]
    );
    let order = woo(
        &shop,
        "/woo/wp-json/wc/v3/orders/2001",
        &c.woo_key,
        &c.woo_secret,
    )
    .json_body();
    let tracking = &order["meta_data"][0];
    assert_eq!(tracking["key"], "_wc_shipment_tracking_items");
    assert_eq!(tracking["value"].as_array().unwrap().len(), 2);
    assert_eq!(order["status"], "processing");
    assert_eq!(
        woo(
            &shop,
            "/woo/wp-json/wc/v3/orders/9",
            &c.woo_key,
            &c.woo_secret
        )
        .status,
        404
    );
}
