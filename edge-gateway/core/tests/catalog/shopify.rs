//! Shopify `/products.json` and Storefront GraphQL pages.

use serde_json::json;
use shopkeep_gateway_core::catalog::shopify::{self, ProductsJson, Storefront, PAGE_LIMIT};
use shopkeep_gateway_core::catalog::{Connector, Cursor, PageResponse};
use shopkeep_protocol::Platform;

fn shop() -> ProductsJson {
    ProductsJson {
        base: "https://shop.example".into(),
        currency: Some("EUR".into()),
    }
}

fn respond<'a>(body: &'a str, link: Option<&'a str>) -> PageResponse<'a> {
    PageResponse {
        body,
        link,
        total_pages: None,
    }
}

fn jacket() -> serde_json::Value {
    json!({
        "id": 101, "title": "Summit Jacket", "handle": "summit-jacket",
        "body_html": "<p>Waterproof &amp; breathable</p>", "product_type": "Jackets",
        "tags": "waterproof, outdoor", "updated_at": "2026-11-02T10:00:00+01:00",
        "options": [{"name": "Size"}, {"name": "Colour"}],
        "images": [{"src": "https://cdn.example/j.jpg"}, {"src": "http://cdn.example/insecure.jpg"}, {"src": "//cdn.example/k.jpg"}],
        "variants": [
            {"id": 1001, "option1": "M", "option2": "Blue", "price": "179.00", "compare_at_price": "199.00", "available": true, "sku": "SJ-M-B"},
            {"id": 1002, "option1": "L", "option2": "Blue", "price": "179.00", "compare_at_price": null, "available": false}
        ]
    })
}

#[test]
fn a_products_json_page_normalises_products_variants_and_images() {
    let body = json!({"products": [jacket()]}).to_string();
    let page = shop()
        .parse(&Cursor::first(), &respond(&body, None))
        .unwrap();
    assert!(page.problems.is_empty(), "{:?}", page.problems);
    assert_eq!(page.next, None);
    let p = &page.products[0];
    assert_eq!(p.id, "101");
    assert_eq!(
        p.url.as_deref(),
        Some("https://shop.example/products/summit-jacket")
    );
    assert_eq!(p.description, "Waterproof & breathable");
    assert_eq!(p.options, ["Size", "Colour"]);
    assert_eq!(p.tags, ["waterproof", "outdoor"]);
    assert_eq!(p.categories, ["Jackets"]);
    assert_eq!(
        p.images,
        ["https://cdn.example/j.jpg", "https://cdn.example/k.jpg"],
        "http images are dropped"
    );
    assert_eq!(p.variants[0].values, ["M", "Blue"]);
    assert_eq!(p.variants[0].price.amount_minor, 17900);
    assert_eq!(
        p.variants[0].compare_at.as_ref().unwrap().amount_minor,
        19900
    );
    assert!(!p.variants[1].available);
    assert_eq!(
        p.updated_at_ms,
        Some(1793610000000),
        "10:00+01:00 is 09:00 UTC"
    );
    assert_eq!(p.platform, Platform::Shopify);
}

#[test]
fn a_full_page_asks_for_the_next_page_number_and_a_link_header_wins() {
    let items: Vec<_> = (0..PAGE_LIMIT)
        .map(|i| {
            let mut j = jacket();
            j["id"] = json!(i);
            j
        })
        .collect();
    let body = json!({"products": items}).to_string();
    let page = shop()
        .parse(&Cursor::first(), &respond(&body, None))
        .unwrap();
    assert_eq!(page.next, Some(Cursor::products(2)));
    assert!(shop()
        .request(&page.next.unwrap())
        .url
        .ends_with("/products.json?limit=250&page=2"));
    let link = r#"<https://shop.example/products.json?limit=250&page_info=abc123>; rel="next", <https://shop.example/products.json?page_info=zzz>; rel="previous""#;
    let page = shop()
        .parse(&Cursor::first(), &respond(&body, Some(link)))
        .unwrap();
    let next = page.next.unwrap();
    assert_eq!(next.token.as_deref(), Some("abc123"));
    assert!(shop().request(&next).url.ends_with("page_info=abc123"));
    let only_prev = r#"<https://shop.example/products.json?page_info=zzz>; rel="previous""#;
    assert_eq!(
        shop()
            .parse(&Cursor::first(), &respond(&body, Some(only_prev)))
            .unwrap()
            .next,
        None
    );
}

#[test]
fn malformed_products_are_listed_with_their_position_and_skipped() {
    let mut no_price = jacket();
    no_price["variants"][0]["price"] = json!("twelve");
    let mut no_title = jacket();
    no_title["title"] = json!("");
    let mut no_variants = jacket();
    no_variants["variants"] = json!([]);
    let body = json!({"products": [jacket(), no_price, no_title, no_variants]}).to_string();
    let page = shop()
        .parse(&Cursor::products(3), &respond(&body, None))
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
            (
                "page 3 item 2",
                "variant 1: price `twelve` is not a valid amount"
            ),
            ("page 3 item 3", "no `title`"),
            ("page 3 item 4", "no `variants`"),
        ]
    );
}

#[test]
fn without_a_currency_a_price_is_a_problem_not_zero() {
    let no_currency = ProductsJson {
        base: "https://s.example".into(),
        currency: None,
    };
    let body = json!({"products": [jacket()]}).to_string();
    let page = no_currency
        .parse(&Cursor::first(), &respond(&body, None))
        .unwrap();
    assert!(page.products.is_empty());
    assert!(
        page.problems[0].reason.contains("no currency"),
        "{:?}",
        page.problems
    );
}

#[test]
fn a_page_that_is_not_products_json_is_refused_whole() {
    for (body, why) in [
        ("<html>shop</html>", "not JSON"),
        (r#"{"items": []}"#, "no `products` array"),
    ] {
        let err = shop()
            .parse(&Cursor::products(2), &respond(body, None))
            .unwrap_err();
        assert_eq!(err.position, "page 2");
        assert!(err.reason.contains(why), "{err}");
    }
}

#[test]
fn storefront_requests_carry_the_token_and_cursor() {
    let sf = Storefront {
        base: "https://shop.example".into(),
        token: "tok".into(),
    };
    let req = sf.request(&Cursor {
        token: Some("c1".into()),
        ..Cursor::products(2)
    });
    assert_eq!(req.method, "POST");
    assert!(req.url.ends_with("/api/2024-07/graphql.json"));
    assert!(req
        .headers
        .contains(&("X-Shopify-Storefront-Access-Token", "tok".into())));
    let body: serde_json::Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["variables"]["after"], "c1");
}

#[test]
fn storefront_pages_parse_with_currency_codes_and_cursors() {
    let body = json!({"data": {"products": {
        "pageInfo": {"hasNextPage": true, "endCursor": "END"},
        "nodes": [{
            "id": "gid://shopify/Product/7", "handle": "boot", "title": "Trail Boot", "description": "Leather",
            "productType": "Boots", "tags": ["waterproof"], "updatedAt": "2026-01-01T00:00:00Z",
            "onlineStoreUrl": "https://shop.example/products/boot", "options": [{"name": "Size"}],
            "images": {"nodes": [{"url": "https://cdn.example/b.jpg"}]},
            "variants": {"nodes": [
                {"id": "gid://shopify/ProductVariant/70", "sku": "B43", "availableForSale": true,
                 "selectedOptions": [{"name": "Size", "value": "43"}],
                 "price": {"amount": "149.0", "currencyCode": "EUR"}, "compareAtPrice": null}
            ]}
        }, {"id": "gid://shopify/Product/8", "title": "Broken", "variants": {"nodes": [
            {"id": "gid://shopify/ProductVariant/80", "price": {"amount": "1.00", "currencyCode": ""}}]}}]
    }}}).to_string();
    let page = shopify::parse_graphql("https://shop.example", &Cursor::first(), &body).unwrap();
    assert_eq!(page.products[0].id, "7");
    assert_eq!(page.products[0].variants[0].id, "70");
    assert_eq!(page.products[0].variants[0].values, ["43"]);
    assert_eq!(page.products[0].variants[0].price.amount_minor, 14900);
    assert_eq!(
        page.next,
        Some(Cursor {
            token: Some("END".into()),
            ..Cursor::products(2)
        })
    );
    assert_eq!(page.problems[0].position, "page 1 item 2");
    assert!(page.problems[0].reason.contains("no currency"));
    let err = shopify::parse_graphql(
        "x",
        &Cursor::first(),
        r#"{"errors":[{"message":"Unauthorized"}]}"#,
    )
    .unwrap_err();
    assert!(err.reason.contains("Unauthorized"));
}
