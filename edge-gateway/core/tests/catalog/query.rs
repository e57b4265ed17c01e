//! The query parser: tool arguments and shoppers' sentences into terms and filters.

use proptest::prelude::*;
use serde_json::json;
use shopkeep_gateway_core::catalog::SearchQuery;

fn opts(q: &SearchQuery) -> Vec<(&str, &str)> {
    q.options
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}

#[test]
fn the_issue_sentence_becomes_terms_price_and_size() {
    let q = SearchQuery::from_sentence("waterproof jacket under 200 in size M", 2);
    assert_eq!(q.terms, ["waterproof", "jacket"]);
    assert_eq!(q.max_price, Some(20000));
    assert_eq!(opts(&q), [("size", "m")]);
    assert_eq!(q.fts_all().unwrap(), "\"waterproof\"* AND \"jacket\"*");
}

#[test]
fn sentences_in_other_shapes() {
    let q = SearchQuery::from_sentence("Do you have red dresses between 50 and 80 € in stock?", 2);
    assert_eq!(q.terms, ["dress"]);
    assert_eq!((q.min_price, q.max_price), (Some(5000), Some(8000)));
    assert!(q.in_stock);
    assert_eq!(opts(&q), [("colour", "red")]);
    let q = SearchQuery::from_sentence("boots taille 42 less than 150.50", 2);
    assert_eq!(q.terms, ["boot"]);
    assert_eq!(q.max_price, Some(15050));
    assert_eq!(opts(&q), [("size", "42")]);
    let q = SearchQuery::from_sentence("hoodie in size medium over €30", 2);
    assert_eq!((q.min_price, opts(&q)), (Some(3000), vec![("size", "m")]));
}

#[test]
fn tool_arguments_win_over_the_sentence_and_synonyms_are_canonical() {
    let q = SearchQuery::from_args(&json!({"query": "jacket under 100", "max_price": 250, "options": {"Taille": "Medium", "Color": "Grey"}, "category": " Outdoor "}), 2).unwrap();
    assert_eq!(q.max_price, Some(25000));
    assert_eq!(opts(&q), [("colour", "gray"), ("size", "m")]);
    assert_eq!(q.category.as_deref(), Some("outdoor"));
    let yen = SearchQuery::from_args(&json!({"query": "mug", "max_price": 1500}), 0).unwrap();
    assert_eq!(yen.max_price, Some(1500));
}

#[test]
fn bad_tool_arguments_are_precise_errors() {
    for (args, why) in [
        (json!({"query": 5}), "`query` must be a string"),
        (
            json!({"query": "x", "max_price": -1}),
            "`max_price` must be a non-negative number",
        ),
        (
            json!({"query": "x", "min_price": 10, "max_price": 5}),
            "`min_price` is above `max_price`",
        ),
        (
            json!({"query": "x", "in_stock": "yes"}),
            "`in_stock` must be true or false",
        ),
        (
            json!({"query": "x", "options": ["M"]}),
            "`options` must be an object",
        ),
    ] {
        assert_eq!(SearchQuery::from_args(&args, 2).unwrap_err(), why);
    }
}

proptest! {
    #[test]
    fn any_sentence_parses_into_safe_fts_terms(s in "\\PC{0,120}") {
        let q = SearchQuery::from_sentence(&s, 2);
        prop_assert!(q.terms.len() <= 8);
        for t in &q.terms {
            prop_assert!(!t.is_empty() && t.chars().all(char::is_alphanumeric), "{t:?}");
        }
        if let (Some(lo), Some(hi)) = (q.min_price, q.max_price) { prop_assert!(lo >= 0 && hi >= 0); }
    }

    #[test]
    fn under_n_is_n_in_minor_units(n in 1u32..100_000, noun in "[a-z]{4,10}") {
        let q = SearchQuery::from_sentence(&format!("{noun} under {n}"), 2);
        prop_assert_eq!(q.max_price, Some(i64::from(n) * 100));
    }

    #[test]
    fn any_arguments_object_is_accepted_or_refused_without_panic(q in ".{0,40}", p in proptest::num::f64::ANY) {
        let _ = SearchQuery::from_args(&json!({"query": q, "max_price": p}), 2);
    }
}
