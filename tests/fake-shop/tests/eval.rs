//! Proves the committed eval set (tests/eval/catalog-questions.json) is exactly what the
//! generator derives from the catalog's facts, large and mixed enough, and spot-checks expected
//! sets against facts a person can verify by hand.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use shopkeep_fake_shop::catalog::{self, SEED};
use shopkeep_fake_shop::eval::eval_set;

fn committed() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../eval/catalog-questions.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("tests/eval/catalog-questions.json"))
        .unwrap()
}

#[test]
fn the_committed_eval_set_is_what_the_generator_derives() {
    let fresh = eval_set(&catalog::demo(), SEED);
    assert!(
        fresh == committed(),
        "tests/eval/catalog-questions.json is stale: run `cargo run -p shopkeep-fake-shop -- --eval > tests/eval/catalog-questions.json`"
    );
}

#[test]
fn at_least_100_questions_of_every_kind_with_real_answers() {
    let set = committed();
    let questions = set["questions"].as_array().unwrap();
    assert!(questions.len() >= 100, "{}", questions.len());
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    let handles: HashSet<String> = catalog::demo()
        .products
        .into_iter()
        .map(|p| p.handle)
        .collect();
    for question in questions {
        *kinds.entry(question["kind"].as_str().unwrap()).or_default() += 1;
        let expected = question["expected"].as_array().unwrap();
        assert!(!expected.is_empty(), "{question}");
        assert!(expected
            .iter()
            .all(|h| handles.contains(h.as_str().unwrap())));
        assert!(question["arguments"]["query"].is_string());
    }
    for kind in [
        "category+attribute",
        "price_ceiling",
        "price_floor",
        "size",
        "colour",
        "in_stock",
        "brand",
        "misspelling",
        "plural_singular",
        "combined",
    ] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) >= 5,
            "{kind}: {kinds:?}"
        );
    }
}

#[test]
fn expected_sets_agree_with_hand_checked_facts() {
    let set = committed();
    let catalog = catalog::demo();
    let question = |text: &str| {
        set["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["question"] == text)
            .cloned()
            .unwrap()
    };
    // The Summit jacket: waterproof, 189 EUR, M in stock in Teal.
    let journey = question("waterproof jacket under 200 in size M");
    let expected: Vec<&str> = journey["expected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(expected.contains(&"summit-waterproof-jacket"));
    for product in &catalog.products {
        let fits = product.category == "Jackets"
            && product.attributes.contains(&"waterproof")
            && product
                .variants
                .iter()
                .any(|v| v.price_cents <= 20_000 && v.options[0] == "M");
        assert_eq!(
            fits,
            expected.contains(&product.handle.as_str()),
            "{}",
            product.handle
        );
    }
    assert_eq!(
        question("Is the Summit jacket in stock in M?")["expected"],
        serde_json::json!(["summit-waterproof-jacket"])
    );
}
