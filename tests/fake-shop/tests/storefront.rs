//! Proves the storefront pages embed the widget only for a plain gateway origin, show the best
//! sellers and cart count, and that both carts (Shopify Ajax, Woo add-to-cart) work per cookie.

mod common;

use common::{get, shop};
use shopkeep_fake_shop::http::Request;

#[test]
fn the_shopify_page_embeds_the_widget_from_the_gateway() {
    let shop = shop();
    let page = get(
        &shop,
        "/shopify/?gateway=http%3A%2F%2F127.0.0.1%3A8787&tenant=e2e",
    )
    .text();
    assert!(page.contains(
        r#"<script async src="http://127.0.0.1:8787/embed.js" data-tenant="e2e"></script>"#
    ));
    assert!(page.contains("Best sellers") && page.contains("Summit Waterproof Jacket"));
    assert!(page.contains("<span data-cart-count>0</span>"));
    assert!(page.contains("shopkeep:add_to_cart"));
}

#[test]
fn hostile_query_values_never_reach_the_page() {
    let shop = shop();
    let page = get(
        &shop,
        "/shopify/?gateway=http%3A%2F%2Fa%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E&tenant=x%22y",
    )
    .text();
    assert!(!page.contains("alert(1)"));
    assert!(
        !page.contains("embed.js\""),
        "no widget without a plain origin"
    );
    let page = get(
        &shop,
        "/woo/?gateway=http%3A%2F%2F127.0.0.1%3A1&tenant=%22%3E",
    )
    .text();
    assert!(
        page.contains("data-tenant=\"demo\""),
        "a bad tenant falls back to demo"
    );
}

#[test]
fn shopify_cart_add_js_and_cart_js_share_a_cookie() {
    let shop = shop();
    let variant = shop.catalog().products[0].variants[0].id;
    let first = shop.handle(&Request::new("GET", "/cart.js"), common::NOW);
    let cookie = first
        .header_value("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(first.json_body()["item_count"], 0);
    let add = shop.handle(
        &Request::new("POST", "/cart/add.js")
            .with_header("Cookie", &cookie)
            .with_header("Content-Type", "application/json")
            .with_body(&format!(r#"{{"id": {variant}, "quantity": 2}}"#)),
        common::NOW,
    );
    assert_eq!(add.status, 200, "{}", add.text());
    assert_eq!(add.json_body()["variant_id"], variant);
    let form = shop.handle(
        &Request::new("POST", "/cart/add.js")
            .with_header("Cookie", &cookie)
            .with_body(&format!("id={variant}&quantity=1")),
        common::NOW,
    );
    assert_eq!(form.status, 200);
    let cart = shop
        .handle(
            &Request::new("GET", "/cart.js").with_header("Cookie", &cookie),
            common::NOW,
        )
        .json_body();
    assert_eq!(cart["item_count"], 3);
    assert_eq!(cart["items"][0]["quantity"], 3);
    assert_eq!(cart["total_price"], 3 * 18_900);
    let other = shop
        .handle(&Request::new("GET", "/cart.js"), common::NOW)
        .json_body();
    assert_eq!(other["item_count"], 0, "another shopper's cart is separate");
    let page = shop
        .handle(
            &Request::new("GET", "/shopify/").with_header("Cookie", &cookie),
            common::NOW,
        )
        .text();
    assert!(page.contains("<span data-cart-count>3</span>"));
}

#[test]
fn shopify_cart_refuses_unknown_and_sold_out_variants() {
    let shop = shop();
    let catalog = shop.catalog();
    let sold_out = catalog.products[0]
        .variants
        .iter()
        .find(|v| !v.available())
        .unwrap()
        .id;
    let unknown = shop.handle(
        &Request::new("POST", "/cart/add.js").with_body(r#"{"id": 1}"#),
        common::NOW,
    );
    assert_eq!(unknown.status, 404);
    let gone = shop.handle(
        &Request::new("POST", "/cart/add.js").with_body(&format!(r#"{{"id": {sold_out}}}"#)),
        common::NOW,
    );
    assert_eq!(gone.status, 422);
    assert!(gone.json_body()["description"]
        .as_str()
        .unwrap()
        .contains("sold out"));
    let bad = shop.handle(
        &Request::new("POST", "/cart/add.js").with_body("quantity=2"),
        common::NOW,
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn woo_add_to_cart_links_fill_the_store_api_cart() {
    let shop = shop();
    let product = shop.catalog().products[2].clone();
    let variation = product.variants[0].woo_id;
    let page = shop.handle(
        &Request::new("GET", &format!("/woo/?add-to-cart={variation}&quantity=2")),
        common::NOW,
    );
    let cookie = page
        .header_value("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(page.text().contains("has been added to your cart"));
    assert!(page.text().contains("<span data-cart-count>2</span>"));
    let cart = shop
        .handle(
            &Request::new("GET", "/woo/wp-json/wc/store/v1/cart").with_header("Cookie", &cookie),
            common::NOW,
        )
        .json_body();
    assert_eq!(cart["items_count"], 2);
    let parent = shop
        .handle(
            &Request::new("GET", &format!("/woo/?add-to-cart={}", product.woo_id)),
            common::NOW,
        )
        .text();
    assert!(parent.contains("Please choose product options"));
}

#[test]
fn product_pages_exist_for_the_links_every_shape_gives() {
    let shop = shop();
    let handle = shop.catalog().products[5].handle.clone();
    assert_eq!(
        get(&shop, &format!("/shopify/products/{handle}")).status,
        200
    );
    assert_eq!(get(&shop, &format!("/woo/product/{handle}/")).status, 200);
    assert_eq!(get(&shop, "/shopify/products/no-such-thing").status, 404);
}
