//! Proves that BM25 retrieval over the demo tenant's knowledge finds the snippet a shopper's
//! question is about, ranks best first, returns only positive scores, honours `limit`, and
//! finds nothing for questions the help content does not cover.

use shopkeep_gateway_core::retrieval::{tokenize, KnowledgeIndex, Snippet};

const DEMO: &str = include_str!("../../../demo-site/tenants/demo.json");

fn demo_index() -> KnowledgeIndex {
    #[derive(serde::Deserialize)]
    struct Tenant {
        knowledge: Vec<Snippet>,
    }
    let tenant: Tenant = serde_json::from_str(DEMO).expect("demo.json has a knowledge list");
    KnowledgeIndex::new(tenant.knowledge)
}

fn top(index: &KnowledgeIndex, query: &str) -> Option<String> {
    index.search(query, 3).first().map(|h| h.snippet.id.clone())
}

#[test]
fn shipping_question_finds_shipping_first() {
    let index = demo_index();
    assert_eq!(
        top(&index, "How long does shipping take?").as_deref(),
        Some("shipping")
    );
}

#[test]
fn returning_a_sale_item_finds_returns() {
    let index = demo_index();
    assert_eq!(
        top(&index, "can I return a sale item").as_deref(),
        Some("returns")
    );
}

#[test]
fn waterproof_summit_jacket_finds_the_product_note() {
    let index = demo_index();
    assert_eq!(
        top(&index, "is the summit jacket waterproof").as_deref(),
        Some("summit-jacket")
    );
}

#[test]
fn questions_outside_the_help_content_find_nothing() {
    let index = demo_index();
    for q in [
        "what's the weather on mars",
        "",
        "?!",
        "the and of",
        "hello",
    ] {
        assert!(
            index.search(q, 5).is_empty(),
            "{q:?} matched {:?}",
            index.search(q, 5)
        );
    }
}

#[test]
fn other_phrasings_reach_the_right_snippet() {
    let index = demo_index();
    let cases = [
        ("Do you ship to Norway?", "shipping"),
        ("When will my refund arrive", "returns"),
        ("which size should I order for boots", "sizes"),
        ("do you take paypal or klarna", "payment"),
        ("where is your store in Munich", "stores"),
        ("my zipper broke, can you repair it", "warranty"),
        ("how do I break in the trail boots", "trail-boots"),
    ];
    for (q, want) in cases {
        assert_eq!(
            top(&index, q).as_deref(),
            Some(want),
            "{q}: {:?}",
            index.search(q, 3)
        );
    }
}

#[test]
fn hits_are_best_first_positive_and_limited() {
    let index = demo_index();
    let hits = index.search("waterproof jacket boots size", 10);
    assert!(hits.len() > 2);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.iter().all(|h| h.score > 0.0));
    assert_eq!(index.search("waterproof jacket boots size", 2).len(), 2);
    assert!(index.search("waterproof", 0).is_empty());
}

#[test]
fn title_terms_count_double() {
    let a = Snippet {
        id: "a".into(),
        title: "Gift cards".into(),
        text: "Buy one online.".into(),
        url: None,
    };
    let b = Snippet {
        id: "b".into(),
        title: "Vouchers".into(),
        text: "Gift options online.".into(),
        url: None,
    };
    let index = KnowledgeIndex::new(vec![b, a]);
    assert_eq!(index.search("gift", 2)[0].snippet.id, "a");
}

#[test]
fn equal_scores_keep_configured_order() {
    let snippet = |id: &str| Snippet {
        id: id.into(),
        title: "Same".into(),
        text: "Same words here.".into(),
        url: None,
    };
    let index = KnowledgeIndex::new(vec![snippet("x"), snippet("y"), snippet("z")]);
    let ids: Vec<_> = index
        .search("words", 3)
        .iter()
        .map(|h| h.snippet.id.as_str())
        .collect();
    assert_eq!(ids, ["x", "y", "z"]);
}

#[test]
fn an_empty_index_finds_nothing() {
    let index = KnowledgeIndex::new(Vec::new());
    assert!(index.search("shipping", 3).is_empty());
    assert!(index.snippets().is_empty());
}

#[test]
fn snippets_are_kept_in_order() {
    let index = demo_index();
    assert_eq!(index.snippets().len(), 8);
    assert_eq!(index.snippets()[0].id, "shipping");
}

#[test]
fn tokenizer_handles_other_languages_and_digits() {
    assert_eq!(
        tokenize("¿Cuánto tarda el envío?"),
        ["cuánto", "tarda", "envío"]
    );
    assert_eq!(
        tokenize("Wie lange dauert die Lieferung?"),
        ["lang", "dauert", "lieferung"]
    );
    assert_eq!(
        tokenize("XS to XXL, 20,000 mm"),
        ["xs", "xxl", "20", "000", "mm"]
    );
}
