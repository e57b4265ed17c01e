//! Spelling help: the catalog's words and the correction of unknown query terms.

use proptest::prelude::*;
use shopkeep_gateway_core::catalog::vocab::{distance, Vocabulary};
use shopkeep_gateway_core::catalog::SearchQuery;

fn catalog() -> Vocabulary {
    Vocabulary::build([
        "Women's Nordvik Talus Breathable Running Shoes Nordvik Sneakers",
        "Nordvik Jasper Vegan Trail Runners Nordvik Sneakers",
        "Men's Fjellstad Timber Packable Fleece Fjellstad Fleeces",
        "Kestrel Nomad Organic Trousers Kestrel Trousers",
        "Larchwood Fjord Recycled Socks Larchwood Socks",
        "Summit Waterproof Jacket Acme Jackets",
    ])
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

#[test]
fn misspelled_brands_are_corrected_to_the_catalogs_word() {
    let v = catalog();
    for (typed, meant) in [
        ("nordvick", "nordvik"),
        ("fjelstad", "fjellstad"),
        ("kestral", "kestrel"),
        ("larchwod", "larchwood"),
        ("wterproof", "waterproof"),
        ("jakcet", "jacket"),
    ] {
        assert_eq!(v.correct(typed).as_deref(), Some(meant), "{typed}");
    }
}

#[test]
fn known_short_or_distant_terms_are_left_alone() {
    let v = catalog();
    // Known words and prefixes of them (the FTS query is a prefix query).
    for term in ["nordvik", "sneaker", "jack", "fleece"] {
        assert_eq!(v.correct(term), None, "{term}");
    }
    // Too short to correct, numbers, and words two edits from anything short.
    for term in ["sox", "1234", "banana", "kestxyz"] {
        assert_eq!(v.correct(term), None, "{term}");
    }
}

#[test]
fn a_query_is_corrected_term_by_term_and_only_when_something_changed() {
    let v = catalog();
    let q = SearchQuery::from_sentence("Nordvick sneakers under 100", 2);
    let fixed = q.corrected(&v).expect("a term changed");
    assert_eq!(fixed.terms, ["nordvik", "sneaker"]);
    assert_eq!(fixed.max_price, q.max_price, "filters are kept");
    assert_eq!(
        SearchQuery::from_sentence("nordvik sneakers", 2).corrected(&v),
        None
    );
}

#[test]
fn the_stored_form_round_trips_and_ties_prefer_the_frequent_word() {
    let v = catalog();
    assert_eq!(Vocabulary::decode(&v.encode()), v);
    assert!(v.len() > 10);
    let v = Vocabulary::build(["Ridge boots", "Ridge boots", "Rodge cap"]);
    assert_eq!(
        v.correct("rudge").as_deref(),
        Some("ridge"),
        "the more frequent of two words at one edit"
    );
}

fn naive(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

proptest! {
    #[test]
    fn the_bounded_distance_equals_the_full_table_within_its_bound(a in "[abc]{0,8}", b in "[abc]{0,8}", k in 0usize..4) {
        let full = naive(&chars(&a), &chars(&b));
        let bounded = distance(&chars(&a), &chars(&b), k);
        prop_assert_eq!(bounded, (full <= k).then_some(full));
    }
}
