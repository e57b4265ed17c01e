//! WooCommerce's variations listing in the shell: after a sync's products pages, one queue
//! message reads up to `core::catalog::sync::VARIATION_PAGES_PER_JOB` pages of
//! `?type=variation` (one message per page took a queue hop — about a second in `wrangler
//! dev` — for each of the 2,400-product fake shop's 215 pages), fetching them
//! `VARIATION_FETCHES_AT_ONCE` at a time once the first says how many there are (a small
//! cut: most of a message's time is its queue hop and the D1 rewrite of the parents; see
//! docs/BENCHMARKS.md), then updates the variants of
//! the products this sync wrote in one read and one write per chunk. Meanwhile, products
//! rewritten from the products pages keep their variations' last known prices
//! ([`keep_known`]), so cards never show the parent's price for a variation with its own.
//!
//! Owns: the I/O of those two steps. The parsing and merging are `core::catalog::woo`'s.

use super::{open_sync_page, Answered, Next, UPLOAD_CHUNK};
use crate::store::{PageProgress, Store, SyncRow};
use shopkeep_gateway_core::catalog::sync;
use shopkeep_gateway_core::catalog::{
    woo, Connector, Cursor, Page, Problem, Product, VariationUpdate,
};
use shopkeep_gateway_core::Error;
use std::collections::HashMap;
use worker::Env;

/// Reads variations pages from `cursor` on, applies them, records the progress, and says
/// what comes next: `Ok(Ok(next))` (`None`: the sync is complete) or `Ok(Err(reason))` (the
/// sync fails with this reason; the last good catalog keeps serving). The first page is read
/// alone; its `X-WP-TotalPages` tells which pages follow, and those are fetched
/// [`sync::VARIATION_FETCHES_AT_ONCE`] at a time (`core::catalog::sync::variation_round`).
/// Answers are taken in page order: a 429 stops the batch there (the pages before it are
/// applied, the ones after it fetched meanwhile are dropped and read again later, and the
/// page is retried after `Retry-After`); a failure fails the sync only when every page before
/// it was read.
pub(super) async fn pages(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    run: &SyncRow,
    connector: &dyn Connector,
    cursor: Cursor,
    attempt: u32,
) -> Result<Result<Option<Next>, String>, Error> {
    let mut updates: Vec<VariationUpdate> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut read = 0u32;
    let mut total: Option<u32> = None;
    let mut head = Next {
        cursor,
        attempt,
        delay_s: 0,
    };
    let next = 'message: loop {
        let at_once = match read {
            0 => 1,
            _ => sync::VARIATION_FETCHES_AT_ONCE,
        };
        let round = sync::variation_round(
            &head.cursor,
            total,
            sync::VARIATION_PAGES_PER_JOB - read,
            at_once,
        );
        let answers = futures::future::join_all(round.iter().map(|cursor| {
            let attempt = match cursor.page == head.cursor.page {
                true => head.attempt,
                false => 0,
            };
            fetch(env, connector, cursor, attempt)
        }))
        .await;
        for (cursor, answer) in round.iter().zip(answers) {
            if cursor.page != head.cursor.page {
                // The page before said the listing goes on elsewhere (or it was
                // not the one after it): a new round from there.
                break;
            }
            let (page, pages) = match answer {
                Answered::Read(got) => got,
                Answered::Again(next) => break 'message Some(next),
                Answered::Failed(why) => return Ok(Err(why)),
            };
            read += 1;
            total = pages.or(total);
            updates.extend(page.variations);
            problems.extend(page.problems);
            match sync::next_page(cursor, page.next, false, None) {
                Some(next) if read < sync::VARIATION_PAGES_PER_JOB => head = Next::now(next),
                next => break 'message next.map(Next::now),
            }
        }
    };
    apply(store, tenant_id, &run.id, &updates).await?;
    store
        .record_page(
            tenant_id,
            run,
            &PageProgress {
                // The products were counted when their pages wrote them.
                seen: 0,
                upserted: 0,
                pages: read,
                problems: &problems,
            },
        )
        .await?;
    Ok(Ok(next))
}

/// One variations page: asked for, read and parsed, with the shop's page count.
async fn fetch(
    env: &Env,
    connector: &dyn Connector,
    cursor: &Cursor,
    attempt: u32,
) -> Answered<(Page, Option<u32>)> {
    let opened = match open_sync_page(env, connector, cursor, attempt).await {
        Answered::Read(opened) => opened,
        Answered::Again(next) => return Answered::Again(next),
        Answered::Failed(why) => return Answered::Failed(why),
    };
    let fetched = match opened.read().await {
        Ok(fetched) => fetched,
        Err(why) => return Answered::Failed(format!("{}: {why}", cursor.label())),
    };
    match connector.parse(cursor, &fetched.response()) {
        Ok(page) => Answered::Read((page, sync::total_pages(fetched.response().total_pages))),
        Err(e) => Answered::Failed(format!("{}: {}", e.position, e.reason)),
    }
}

/// Gives the variants of products this sync wrote their own prices, stock and SKUs,
/// rewriting the changed products (row, price columns, index).
async fn apply(
    store: &Store,
    tenant_id: &str,
    sync_id: &str,
    updates: &[VariationUpdate],
) -> Result<(), Error> {
    let mut parents: Vec<&str> = updates.iter().map(|v| v.parent.as_str()).collect();
    parents.sort_unstable();
    parents.dedup();
    for parents in parents.chunks(UPLOAD_CHUNK) {
        let mut changed = store
            .products_of_sync(tenant_id, Some(sync_id), parents)
            .await?;
        changed.retain_mut(|product| woo::apply_variations(product, updates));
        store.write_products(tenant_id, sync_id, &changed).await?;
    }
    Ok(())
}

/// Products about to be rewritten from a products page keep their variations' last known
/// prices and stock until the variations pages arrive.
pub(super) async fn keep_known(
    store: &Store,
    tenant_id: &str,
    products: &mut [Product],
) -> Result<(), Error> {
    let ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
    let stored: HashMap<String, Product> = store
        .products_of_sync(tenant_id, None, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    for product in products.iter_mut() {
        if let Some(known) = stored.get(&product.id) {
            woo::keep_known_variations(product, known);
        }
    }
    Ok(())
}
