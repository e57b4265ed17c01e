//! Ranking, cards from rows, and the reply price check.

use shopkeep_gateway_core::catalog::rank::{self, card};
use shopkeep_gateway_core::catalog::reply;
use shopkeep_gateway_core::catalog::{Product, SearchQuery, Variant};
use shopkeep_protocol::{Money, Platform};

fn eur(minor: i64) -> Money {
    Money {
        amount_minor: minor,
        currency: "EUR".into(),
        exponent: 2,
    }
}

fn product(id: &str, variants: &[(&str, i64, bool)]) -> Product {
    Product {
        id: id.into(),
        handle: id.into(),
        title: format!("Jacket {id}"),
        description: String::new(),
        url: Some(format!("https://shop.example/{id}")),
        images: vec![format!("https://cdn.example/{id}.jpg")],
        options: vec!["Size".into()],
        variants: variants
            .iter()
            .enumerate()
            .map(|(i, (size, price, ok))| Variant {
                id: format!("{id}-{i}"),
                sku: None,
                values: vec![(*size).into()],
                price: eur(*price),
                compare_at: None,
                available: *ok,
            })
            .collect(),
        categories: vec!["Jackets".into()],
        tags: vec![],
        updated_at_ms: None,
        platform: Platform::Shopify,
    }
}

#[test]
fn in_stock_exact_matches_rank_first_and_filters_apply_per_variant() {
    let rows = vec![
        product("a", &[("M", 15000, false), ("L", 15000, true)]),
        product("b", &[("S", 9000, true), ("M", 25000, true)]),
        product("c", &[("M", 18000, true)]),
        product("d", &[("M", 12000, true), ("L", 11000, true)]),
    ];
    let q = SearchQuery::from_sentence("jacket under 200 in size M", 2);
    let hits = rank::rank(&rows, &q);
    let ids: Vec<&str> = hits.iter().map(|h| h.product.id.as_str()).collect();
    assert_eq!(
        ids,
        ["c", "d", "a"],
        "b's M is over 200; a's M is out of stock so it ranks last"
    );
    let c = card(&hits[1]);
    assert_eq!(c.id, "d");
    assert_eq!(
        c.price.amount_minor, 12000,
        "the matching variant's price, not the cheapest L"
    );
    assert_eq!(c.selected_variant.as_deref(), Some("d-0"));
    assert_eq!(c.variants[0].values, ["M"]);
    assert_eq!(c.image.as_deref(), Some("https://cdn.example/d.jpg"));
}

#[test]
fn in_stock_only_drops_products_without_a_matching_available_variant() {
    let rows = vec![
        product("a", &[("M", 100, false)]),
        product("b", &[("M", 100, true)]),
    ];
    let q = SearchQuery::from_sentence("jacket in stock", 2);
    assert_eq!(rank::rank(&rows, &q).len(), 1);
}

#[test]
fn the_tool_result_is_compact_and_true_to_rows() {
    let rows = vec![product("a", &[("M", 17900, true), ("L", 17900, true)])];
    let hits = rank::rank(&rows, &SearchQuery::default());
    let v = rank::tool_result(&hits);
    assert_eq!(v["results"][0]["price"], "179.00 EUR");
    assert_eq!(
        v["results"][0]["options"]["Size"],
        serde_json::json!(["M", "L"])
    );
}

#[test]
fn prices_in_a_reply_that_match_no_card_are_counted() {
    let rows = vec![product("a", &[("M", 17900, true)])];
    let cards: Vec<_> = rank::rank(&rows, &SearchQuery::default())
        .iter()
        .map(card)
        .collect();
    assert_eq!(
        reply::unmatched_prices("The Jacket a costs €179.00.", &cards),
        0
    );
    assert_eq!(reply::unmatched_prices("It is 179 EUR", &cards), 0);
    assert_eq!(
        reply::unmatched_prices("It is 179,00 €, or 149.99 € on sale", &cards),
        1
    );
    assert_eq!(
        reply::unmatched_prices("Size 42 fits; ships in 3 days", &cards),
        0,
        "bare numbers are not prices"
    );
    assert_eq!(reply::prices_in("$1,299.00 and 5 €"), vec![129900, 500]);
}

#[test]
fn the_builtin_answer_names_the_cards() {
    let rows = vec![product("a", &[("M", 17900, true)])];
    let cards: Vec<_> = rank::rank(&rows, &SearchQuery::default())
        .iter()
        .map(card)
        .collect();
    assert_eq!(
        reply::builtin_answer(&cards),
        "I found one match: Jacket a at 179.00 EUR."
    );
    assert!(reply::builtin_answer(&[]).contains("couldn't find"));
}
