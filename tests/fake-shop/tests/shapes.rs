//! Proves every shape serialises the same products (same handles, SKUs, prices, compare-at
//! prices, stock and option values), and each shape's paging and headers behave as the real
//! platform's do.

mod common;

use std::collections::HashMap;

use common::{cents, get, rows, shop, small_shop, Row};
use serde_json::Value;

fn shopify_rows(shop: &shopkeep_fake_shop::shop::Shop) -> Vec<Row> {
    let mut out = Vec::new();
    for page in 1.. {
        let body = get(
            shop,
            &format!("/shopify/products.json?limit=250&page={page}"),
        )
        .json_body();
        let products = body["products"].as_array().unwrap().clone();
        if products.is_empty() {
            break;
        }
        for product in products {
            let option_count = product["options"].as_array().unwrap().len();
            assert!(product["images"][0]["src"]
                .as_str()
                .unwrap()
                .starts_with("https://"));
            for variant in product["variants"].as_array().unwrap() {
                out.push(Row {
                    handle: product["handle"].as_str().unwrap().into(),
                    sku: variant["sku"].as_str().unwrap().into(),
                    price_cents: cents(variant["price"].as_str().unwrap()),
                    compare_at_cents: variant["compare_at_price"].as_str().map(cents),
                    available: variant["available"].as_bool().unwrap(),
                    options: (1..=option_count)
                        .map(|n| variant[format!("option{n}")].as_str().unwrap().to_owned())
                        .collect(),
                });
            }
        }
    }
    out.sort();
    out
}

#[test]
fn shopify_products_json_has_every_variant() {
    let shop = shop();
    assert_eq!(shopify_rows(&shop), rows(&shop.catalog()));
}

#[test]
fn shopify_paging_follows_limit_and_page() {
    let shop = small_shop(100);
    let count = |target: &str| {
        get(&shop, target).json_body()["products"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        count("/shopify/products.json"),
        30,
        "Shopify's default limit"
    );
    assert_eq!(
        count("/shopify/products.json?limit=1000"),
        100,
        "limit is capped at 250"
    );
    assert_eq!(count("/shopify/products.json?limit=40&page=3"), 20);
    assert_eq!(
        count("/shopify/products.json?limit=40&page=4"),
        0,
        "past the end: empty, not an error"
    );
    assert_eq!(
        count("/shopify/products.json?limit=abc&page=x"),
        30,
        "unreadable values are ignored"
    );
    let first = get(&shop, "/shopify/products.json?limit=1&page=2").json_body();
    assert_eq!(
        first["products"][0]["handle"],
        shop.catalog().products[1].handle
    );
    let response = get(&shop, "/shopify/products.json");
    assert_eq!(
        response.header_value("access-control-allow-origin"),
        Some("*")
    );
}

#[test]
fn shopify_product_js_uses_cents_and_protocol_relative_images() {
    let shop = shop();
    let product = &shop.catalog().products[2];
    let js = get(&shop, &format!("/shopify/products/{}.js", product.handle)).json_body();
    assert_eq!(js["price"], 7_900);
    assert_eq!(js["compare_at_price"], 9_900);
    assert_eq!(js["variants"][0]["price"], 7_900);
    assert_eq!(
        js["variants"].as_array().unwrap().len(),
        product.variants.len()
    );
    assert!(js["images"][0]
        .as_str()
        .unwrap()
        .starts_with("//images.shopkeep.test/"));
    assert_eq!(js["url"], format!("/products/{}", product.handle));
    let json = get(&shop, &format!("/shopify/products/{}.json", product.handle)).json_body();
    assert_eq!(json["product"]["handle"], product.handle.as_str());
    assert_eq!(get(&shop, "/shopify/products/nope.js").status, 404);
}

#[test]
fn woo_store_api_lists_every_product_with_totals() {
    let shop = shop();
    let catalog = shop.catalog();
    let first = get(
        &shop,
        "/woo/wp-json/wc/store/v1/products?per_page=100&page=1",
    );
    assert_eq!(first.header_value("x-wp-total"), Some("2400"));
    assert_eq!(first.header_value("x-wp-totalpages"), Some("24"));
    let mut seen = Vec::new();
    for page in 1..=24 {
        let body = get(
            &shop,
            &format!("/woo/wp-json/wc/store/v1/products?per_page=100&page={page}"),
        )
        .json_body();
        for product in body.as_array().unwrap() {
            seen.push(product.clone());
        }
    }
    assert_eq!(seen.len(), 2_400);
    for (product, json) in catalog.products.iter().zip(&seen) {
        assert_eq!(json["slug"], product.handle.as_str());
        assert_eq!(json["name"], product.title.as_str());
        assert_eq!(json["type"], "variable");
        assert_eq!(json["prices"]["currency_code"], "EUR");
        assert_eq!(json["prices"]["currency_minor_unit"], 2);
        assert_eq!(
            json["prices"]["price"],
            product.min_price_cents().to_string()
        );
        assert_eq!(json["is_in_stock"], product.available());
        assert_eq!(
            json["variations"].as_array().unwrap().len(),
            product.variants.len()
        );
        assert_eq!(json["categories"][0]["name"], product.category);
    }
    let beyond = get(
        &shop,
        "/woo/wp-json/wc/store/v1/products?per_page=100&page=25",
    )
    .json_body();
    assert_eq!(beyond, Value::Array(vec![]));
    let too_big = get(&shop, "/woo/wp-json/wc/store/v1/products?per_page=101");
    assert_eq!(too_big.status, 400);
    assert_eq!(too_big.json_body()["code"], "rest_invalid_param");
    let default = get(&shop, "/woo/wp-json/wc/store/v1/products").json_body();
    assert_eq!(
        default.as_array().unwrap().len(),
        10,
        "Store API default per_page"
    );
}

/// `type=variation` pages every variation (the listing the catalog sync reads for per-variant
/// prices and stock), each as `/products/<variation id>` serves it, some priced above their
/// product's listed (cheapest) price.
#[test]
fn woo_type_variation_pages_every_variation_with_its_own_price() {
    let shop = small_shop(120);
    let catalog = shop.catalog();
    let variants: Vec<_> = catalog
        .products
        .iter()
        .flat_map(|p| p.variants.iter().map(move |v| (p, v)))
        .collect();
    let first = get(
        &shop,
        "/woo/wp-json/wc/store/v1/products?type=variation&per_page=100&page=1",
    );
    assert_eq!(
        first.header_value("x-wp-total"),
        Some(variants.len().to_string().as_str())
    );
    let pages = variants.len().div_ceil(100);
    assert_eq!(
        first.header_value("x-wp-totalpages"),
        Some(pages.to_string().as_str())
    );
    let mut seen = Vec::new();
    for page in 1..=pages + 1 {
        let body = get(
            &shop,
            &format!("/woo/wp-json/wc/store/v1/products?type=variation&per_page=100&page={page}"),
        )
        .json_body();
        seen.extend(body.as_array().unwrap().iter().cloned());
    }
    assert_eq!(seen.len(), variants.len(), "the page past the end is empty");
    let mut above_parent = 0;
    for ((product, variant), json) in variants.iter().zip(&seen) {
        assert_eq!(json["type"], "variation");
        assert_eq!(json["id"], variant.woo_id);
        assert_eq!(json["parent"], product.woo_id);
        assert_eq!(json["sku"], variant.sku.as_str());
        assert_eq!(json["prices"]["price"], variant.price_cents.to_string());
        assert_eq!(json["is_in_stock"], variant.available());
        let one = get(
            &shop,
            &format!("/woo/wp-json/wc/store/v1/products/{}", variant.woo_id),
        )
        .json_body();
        assert_eq!(&one, json);
        above_parent += usize::from(variant.price_cents > product.min_price_cents());
    }
    assert!(
        above_parent > 0,
        "some variations cost more than the product's listed price"
    );
    assert_eq!(
        get(&shop, "/woo/wp-json/wc/store/v1/products?type=grouped").json_body(),
        Value::Array(vec![])
    );
}

#[test]
fn woo_variations_carry_their_own_price_and_stock() {
    let shop = shop();
    let catalog = shop.catalog();
    let mut expected = Vec::new();
    let mut actual = Vec::new();
    for product in catalog.products.iter().step_by(37) {
        let list = get(
            &shop,
            &format!("/woo/wp-json/wc/store/v1/products/{}", product.woo_id),
        )
        .json_body();
        // Variation attribute values are term slugs; the product's attribute terms map them back.
        let mut names: HashMap<(String, String), String> = HashMap::new();
        for attribute in list["attributes"].as_array().unwrap() {
            for term in attribute["terms"].as_array().unwrap() {
                names.insert(
                    (
                        attribute["name"].as_str().unwrap().into(),
                        term["slug"].as_str().unwrap().into(),
                    ),
                    term["name"].as_str().unwrap().into(),
                );
            }
        }
        for variation in list["variations"].as_array().unwrap() {
            let one = get(
                &shop,
                &format!("/woo/wp-json/wc/store/v1/products/{}", variation["id"]),
            )
            .json_body();
            assert_eq!(one["type"], "variation");
            assert_eq!(one["parent"], product.woo_id);
            let price = one["prices"]["price"].as_str().unwrap().parse().unwrap();
            let regular: u64 = one["prices"]["regular_price"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            actual.push(Row {
                handle: one["slug"].as_str().unwrap().into(),
                sku: one["sku"].as_str().unwrap().into(),
                price_cents: price,
                compare_at_cents: (regular != price).then_some(regular),
                available: one["is_in_stock"].as_bool().unwrap(),
                options: variation["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        names[&(
                            a["name"].as_str().unwrap().to_owned(),
                            a["value"].as_str().unwrap().to_owned(),
                        )]
                            .clone()
                    })
                    .collect(),
            });
        }
        expected.extend(rows(&shopkeep_fake_shop::catalog::Catalog {
            products: vec![product.clone()],
        }));
    }
    actual.sort();
    expected.sort();
    assert_eq!(actual, expected);
    assert_eq!(
        get(&shop, "/woo/wp-json/wc/store/v1/products/999999999").status,
        404
    );
}

fn xml_field(item: &str, name: &str) -> Vec<String> {
    let open = format!("<g:{name}>");
    let close = format!("</g:{name}>");
    item.split(&open)
        .skip(1)
        .map(|rest| {
            rest.split(&close)
                .next()
                .unwrap()
                .replace("&amp;", "&")
                .replace("&apos;", "'")
                .replace("&quot;", "\"")
        })
        .collect()
}

#[test]
fn the_merchant_feed_has_one_item_per_variant() {
    let shop = shop();
    let response = get(&shop, "/merchant/feed.xml");
    assert!(response.content_type.starts_with("application/rss+xml"));
    let text = response.text();
    assert!(text.contains("<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">"));
    let catalog = shop.catalog();
    let options: HashMap<&str, Vec<String>> = catalog
        .products
        .iter()
        .flat_map(|p| {
            p.variants
                .iter()
                .map(|v| (v.sku.as_str(), v.options.clone()))
        })
        .collect();
    let mut actual: Vec<Row> = text
        .split("<item>")
        .skip(1)
        .map(|item| {
            let one = |name: &str| xml_field(item, name).into_iter().next();
            let amount =
                |value: String| cents(value.strip_suffix(" EUR").expect("price with currency"));
            let price = amount(one("price").unwrap());
            let sale = one("sale_price").map(amount);
            let sku = one("id").unwrap();
            let mut values = xml_field(item, "size");
            values.extend(xml_field(item, "color"));
            let mut expected_values = options[sku.as_str()].clone();
            expected_values.sort();
            values.sort();
            assert_eq!(values, expected_values, "{sku}");
            assert!(one("image_link").unwrap().starts_with("https://"));
            assert!(one("link").unwrap().contains("/shopify/products/"));
            Row {
                handle: one("item_group_id").unwrap(),
                price_cents: sale.unwrap_or(price),
                compare_at_cents: sale.map(|_| price),
                available: one("availability").unwrap() == "in_stock",
                options: options[sku.as_str()].clone(),
                sku,
            }
        })
        .collect();
    actual.sort();
    assert_eq!(actual, rows(&catalog));
}

/// RFC 4180 records (quoted fields may hold commas, quotes and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

fn export_row(get_field: &dyn Fn(&str) -> Option<String>, available: bool) -> Row {
    Row {
        handle: get_field("handle").unwrap(),
        sku: get_field("sku").unwrap(),
        price_cents: cents(&get_field("price").unwrap()),
        compare_at_cents: get_field("compare_at_price")
            .filter(|s| !s.is_empty())
            .map(|s| cents(&s)),
        available,
        options: ["option1_value", "option2_value"]
            .iter()
            .filter_map(|k| get_field(k).filter(|s| !s.is_empty()))
            .collect(),
    }
}

#[test]
fn the_csv_export_has_the_documented_columns_and_every_variant() {
    let shop = shop();
    let text = get(&shop, "/export/products.csv").text();
    let records = parse_csv(&text);
    let header = &records[0];
    assert_eq!(
        header,
        &shopkeep_fake_shop::feeds::COLUMNS
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
    );
    let mut actual: Vec<Row> = records[1..]
        .iter()
        .map(|record| {
            assert_eq!(record.len(), header.len());
            let field = |name: &str| {
                header
                    .iter()
                    .position(|h| h == name)
                    .map(|i| record[i].clone())
            };
            assert_eq!(field("currency").as_deref(), Some("EUR"));
            export_row(&field, field("available").as_deref() == Some("true"))
        })
        .collect();
    actual.sort();
    assert_eq!(actual, rows(&shop.catalog()));
}

#[test]
fn the_json_export_matches_the_csv() {
    let shop = shop();
    let body = get(&shop, "/export/products.json").json_body();
    let mut actual: Vec<Row> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let field = |name: &str| row[name].as_str().map(str::to_owned);
            assert!(row["tags"].is_array());
            export_row(&field, row["available"].as_bool().unwrap())
        })
        .collect();
    actual.sort();
    assert_eq!(actual, rows(&shop.catalog()));
}

fn graphql(
    shop: &shopkeep_fake_shop::shop::Shop,
    token: &str,
    variables: serde_json::Value,
) -> shopkeep_fake_shop::http::Response {
    let body = serde_json::json!({"query": "query Products($first: Int!, $after: String) { products(first: $first, after: $after) { edges { cursor node { handle } } pageInfo { hasNextPage endCursor } } }", "variables": variables});
    let request =
        shopkeep_fake_shop::http::Request::new("POST", "/shopify/api/2024-10/graphql.json")
            .with_header("X-Shopify-Storefront-Access-Token", token)
            .with_body(&body.to_string());
    shop.handle(&request, common::NOW)
}

#[test]
fn the_storefront_graphql_api_pages_by_cursor_through_every_variant() {
    let shop = shop();
    let token = shopkeep_fake_shop::shop::Credentials::default().storefront_token;
    assert_eq!(
        graphql(&shop, "wrong", serde_json::json!({"first": 10})).status,
        401
    );
    let mut actual = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let body = graphql(
            &shop,
            &token,
            serde_json::json!({"first": 250, "after": after}),
        )
        .json_body();
        let products = &body["data"]["products"];
        for edge in products["edges"].as_array().unwrap() {
            let node = &edge["node"];
            for variant in node["variants"]["edges"].as_array().unwrap() {
                let v = &variant["node"];
                assert_eq!(v["price"]["currencyCode"], "EUR");
                actual.push(Row {
                    handle: node["handle"].as_str().unwrap().into(),
                    sku: v["sku"].as_str().unwrap().into(),
                    price_cents: cents(v["price"]["amount"].as_str().unwrap()),
                    compare_at_cents: v["compareAtPrice"]["amount"].as_str().map(cents),
                    available: v["availableForSale"].as_bool().unwrap(),
                    options: v["selectedOptions"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| o["value"].as_str().unwrap().to_owned())
                        .collect(),
                });
            }
        }
        pages += 1;
        if products["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = products["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 10);
    actual.sort();
    assert_eq!(actual, rows(&shop.catalog()));
    let too_many = graphql(&shop, &token, serde_json::json!({"first": 251})).json_body();
    assert!(too_many["errors"][0]["message"].is_string());
}
