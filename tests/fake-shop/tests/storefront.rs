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

#[test]
fn the_fake_login_identifies_a_fixture_customer_with_a_signed_token() {
    use shopkeep_fake_shop::identity::{base64url, hmac_sha256};
    let shop = shop();
    let url = "/shopify/?gateway=http%3A%2F%2F127.0.0.1%3A9&tenant=e2e&login=ada%40example.com";
    assert!(
        !get(&shop, url).text().contains("identify"),
        "no key, no login"
    );
    let secret = "0f".repeat(32);
    common::control(
        &shop,
        &format!(r#"{{"identity": {{"kid": "i7", "secret_hex": "{secret}"}}}}"#),
    );
    let page = get(&shop, url).text();
    assert!(page.contains("Signed in as Ada Lovelace"));
    let token = page
        .split("Shopkeep('identify', '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let signature = base64url(&hmac_sha256(
        &[0x0f; 32],
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
    ));
    assert_eq!(parts[2], signature);
    let decode = |part: &str| -> serde_json::Value {
        // base64url → bytes (test-side decoder).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let bits: Vec<u8> = part
            .bytes()
            .map(|c| alphabet.iter().position(|a| *a == c).unwrap() as u8)
            .collect();
        let mut out = Vec::new();
        for chunk in bits.chunks(4) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (18 - 6 * i)));
            for i in 0..chunk.len() - 1 {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        serde_json::from_slice(&out).unwrap()
    };
    assert_eq!(decode(parts[0])["kid"], "i7");
    let claims = decode(parts[1]);
    assert_eq!(
        (claims["sub"].as_str(), claims["email"].as_str()),
        (Some("7001"), Some("ada@example.com"))
    );
    assert_eq!(claims["exp"].as_u64(), Some(common::NOW.unix + 3_600));
    let woo = get(
        &shop,
        "/woo/?gateway=http%3A%2F%2F127.0.0.1%3A9&login=ada%40example.com",
    )
    .text();
    let woo_claims = decode(
        woo.split("Shopkeep('identify', '")
            .nth(1)
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap(),
    );
    assert_eq!(
        woo_claims["sub"], "11",
        "the Woo customer id on the Woo shop"
    );
    assert!(!get(
        &shop,
        "/shopify/?gateway=http%3A%2F%2F127.0.0.1%3A9&login=nobody%40example.com"
    )
    .text()
    .contains("identify"));
}

#[test]
fn add_to_cart_works_on_any_woo_front_end_url() {
    let shop = shop();
    let product = shop.catalog().products[2].clone();
    let variation = product.variants[1].woo_id;
    for path in ["/".to_owned(), format!("/woo/product/{}/", product.handle)] {
        let page = get(&shop, &format!("{path}?add-to-cart={variation}"));
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.text().contains("has been added to your cart"),
            "{path}"
        );
        assert!(
            page.text().contains("<span data-cart-count>1</span>"),
            "{path}"
        );
    }
    assert!(
        get(&shop, "/").text().contains("/merchant/feed.xml"),
        "the index lists the shapes"
    );
}
