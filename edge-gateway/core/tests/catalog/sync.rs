//! Sync planning: statuses, incremental writes, the cap, schedules.

use shopkeep_gateway_core::catalog::sync::{self, Fetched, Schedule};
use shopkeep_gateway_core::catalog::{Product, Variant};
use shopkeep_protocol::{Money, Platform};

fn p(id: &str, updated: Option<u64>) -> Product {
    Product {
        id: id.into(),
        handle: String::new(),
        title: id.into(),
        description: String::new(),
        url: Some("http://evil.example/x".into()),
        images: vec![],
        options: vec![],
        categories: vec![],
        tags: vec![],
        updated_at_ms: updated,
        platform: Platform::Other,
        variants: vec![Variant {
            id: id.into(),
            sku: None,
            values: vec![],
            price: Money {
                amount_minor: 1,
                currency: "EUR".into(),
                exponent: 2,
            },
            compare_at: None,
            available: true,
        }],
    }
}

#[test]
fn statuses_become_parse_wait_or_fail() {
    assert_eq!(sync::classify(200, None, 0, 1), Fetched::Parse);
    assert_eq!(sync::classify(429, Some("7"), 0, 2), Fetched::RetryIn(7));
    assert_eq!(
        sync::classify(429, None, 0, 2),
        Fetched::RetryIn(sync::DEFAULT_RETRY_S)
    );
    assert_eq!(
        sync::classify(429, Some("999999"), 0, 2),
        Fetched::RetryIn(sync::MAX_RETRY_AFTER_S)
    );
    assert!(
        matches!(sync::classify(429, Some("1"), sync::MAX_PAGE_RETRIES, 2), Fetched::Fail(r) if r.contains("after 5 retries"))
    );
    assert_eq!(
        sync::classify(500, None, 0, 3),
        Fetched::Fail("page 3: the shop answered HTTP 500".into())
    );
    assert!(matches!(sync::classify(503, None, 0, 3), Fetched::Fail(_)));
}

#[test]
fn incremental_writes_only_changed_products_and_the_cap_counts_all_seen() {
    let page = vec![p("old", Some(100)), p("new", Some(300)), p("unknown", None)];
    let (w, capped) = sync::to_write(page.clone(), false, Some(200), 0, 100);
    assert_eq!(
        w.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["new", "unknown"]
    );
    assert!(!capped);
    let (w, _) = sync::to_write(page.clone(), true, Some(200), 0, 100);
    assert_eq!(w.len(), 3);
    let (w, capped) = sync::to_write(page, true, None, 8, 10);
    assert_eq!((w.len(), capped), (2, true));
}

#[test]
fn product_urls_must_be_https_or_the_shop_origin() {
    assert_eq!(sync::sanitize(p("x", None), "http://127.0.0.1:9").url, None);
    let mut ok = p("y", None);
    ok.url = Some("http://127.0.0.1:9/products/y".into());
    assert!(sync::sanitize(ok, "http://127.0.0.1:9").url.is_some());
}

#[test]
fn schedules_decide_full_and_incremental_runs() {
    let h = 3_600_000;
    assert_eq!(sync::due(Schedule::Daily, None, None, 10 * h), Some(true));
    assert_eq!(
        sync::due(Schedule::Daily, Some(2 * h), Some(2 * h), 10 * h),
        None
    );
    assert_eq!(
        sync::due(Schedule::Hourly, Some(2 * h), Some(2 * h), 10 * h),
        Some(false)
    );
    assert_eq!(
        sync::due(Schedule::Hourly, Some(9 * h + 1), Some(2 * h), 10 * h),
        None
    );
    assert_eq!(sync::due(Schedule::Off, None, None, 10 * h), None);
    assert!(sync::max_products(Some(0)).is_err());
    assert_eq!(sync::max_products(None), Ok(10_000));
}

/// The Woo variations listing follows the products, also when the products stopped at the
/// cap (the variations only update products already written), and ends the sync itself.
#[test]
fn the_variations_listing_follows_the_products_even_at_the_cap() {
    use shopkeep_gateway_core::catalog::{Cursor, Phase};
    let variations = |page| Cursor {
        phase: Phase::Variations,
        ..Cursor::products(page)
    };
    let after = Some(variations(1));
    let p1 = Cursor::first();
    assert_eq!(
        sync::next_page(&p1, Some(Cursor::products(2)), false, after.clone()),
        Some(Cursor::products(2))
    );
    assert_eq!(
        sync::next_page(&p1, None, false, after.clone()),
        after,
        "last products page"
    );
    assert_eq!(
        sync::next_page(&p1, Some(Cursor::products(2)), true, after.clone()),
        after,
        "capped"
    );
    assert_eq!(
        sync::next_page(&p1, None, false, None),
        None,
        "no variations listing (Shopify, feeds)"
    );
    assert_eq!(
        sync::next_page(
            &Cursor::products(sync::MAX_PAGES),
            Some(Cursor::products(sync::MAX_PAGES + 1)),
            false,
            None
        ),
        None,
        "page guard"
    );
    let v1 = variations(1);
    assert_eq!(
        sync::next_page(&v1, Some(variations(2)), false, after.clone()),
        Some(variations(2))
    );
    assert_eq!(
        sync::next_page(&v1, None, false, after.clone()),
        None,
        "the variations listing ends the sync, it does not start again"
    );
}

/// A variations message's rounds: the pages after `head` fetched at once only when the shop
/// said how many there are, bounded by the round size, the message's budget, the last page
/// and the page guard, in page order.
#[test]
fn a_variations_round_is_bounded_and_in_page_order() {
    use shopkeep_gateway_core::catalog::{Cursor, Phase};
    let variations = |page| Cursor {
        phase: Phase::Variations,
        ..Cursor::products(page)
    };
    let pages = |round: Vec<Cursor>| -> Vec<u32> {
        assert!(round.iter().all(|c| c.phase == Phase::Variations));
        round.iter().map(|c| c.page).collect()
    };
    let at_once = sync::VARIATION_FETCHES_AT_ONCE;
    assert_eq!(
        pages(sync::variation_round(&variations(1), None, 20, at_once)),
        vec![1],
        "no page count: one at a time"
    );
    assert_eq!(
        pages(sync::variation_round(&variations(1), Some(215), 20, 1)),
        vec![1],
        "the first page alone"
    );
    assert_eq!(
        pages(sync::variation_round(&variations(2), Some(215), 19, 5)),
        vec![2, 3, 4, 5, 6]
    );
    assert_eq!(
        pages(sync::variation_round(&variations(18), Some(215), 3, 5)),
        vec![18, 19, 20],
        "the message's budget"
    );
    assert_eq!(
        pages(sync::variation_round(&variations(213), Some(215), 20, 5)),
        vec![213, 214, 215],
        "the last page"
    );
    assert_eq!(
        pages(sync::variation_round(&variations(9), Some(3), 20, 5)),
        vec![9],
        "a page count below head: head only"
    );
    assert_eq!(
        pages(sync::variation_round(
            &variations(sync::MAX_PAGES - 1),
            Some(5_000),
            20,
            5
        )),
        vec![sync::MAX_PAGES - 1, sync::MAX_PAGES],
        "the page guard"
    );
    assert_eq!(sync::total_pages(Some(" 215 ")), Some(215));
    assert_eq!(sync::total_pages(Some("many")), None);
    assert_eq!(sync::total_pages(None), None);
}
