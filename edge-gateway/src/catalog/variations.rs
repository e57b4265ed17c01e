//! WooCommerce's variations listing in the shell: after a sync's products pages, one queue
//! message reads up to `core::catalog::sync::VARIATION_PAGES_PER_JOB` pages of
//! `?type=variation` (one message per page took a queue hop — about a second in `wrangler
//! dev` — for each of the 2,400-product fake shop's 215 pages), then updates the variants of
//! the products this sync wrote in one read and one write per chunk. Meanwhile, products
//! rewritten from the products pages keep their variations' last known prices
//! ([`keep_known`]), so cards never show the parent's price for a variation with its own.
//!
//! Owns: the I/O of those two steps. The parsing and merging are `core::catalog::woo`'s.

use super::{open_sync_page, Answered, Next, UPLOAD_CHUNK};
use crate::store::{PageProgress, Store, SyncRow};
use shopkeep_gateway_core::catalog::sync;
use shopkeep_gateway_core::catalog::{woo, Connector, Cursor, Problem, Product, VariationUpdate};
use shopkeep_gateway_core::Error;
use std::collections::HashMap;
use worker::Env;

/// Reads variations pages from `cursor` on, applies them, records the progress, and says
/// what comes next: `Ok(Ok(next))` (`None`: the sync is complete) or `Ok(Err(reason))` (the
/// sync fails with this reason; the last good catalog keeps serving). A 429 stops the batch
/// early: what was read is applied and the page is retried after `Retry-After`.
pub(super) async fn pages(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    run: &SyncRow,
    connector: &dyn Connector,
    mut cursor: Cursor,
    mut attempt: u32,
) -> Result<Result<Option<Next>, String>, Error> {
    let mut updates: Vec<VariationUpdate> = Vec::new();
    let mut problems: Vec<Problem> = Vec::new();
    let mut read = 0u32;
    let next = loop {
        let opened = match open_sync_page(env, connector, &cursor, attempt).await {
            Answered::Read(opened) => opened,
            Answered::Again(next) => break Some(next),
            Answered::Failed(why) => return Ok(Err(why)),
        };
        let page = match opened.read().await {
            Ok(fetched) => connector.parse(&cursor, &fetched.response()),
            Err(why) => return Ok(Err(format!("{}: {why}", cursor.label()))),
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => return Ok(Err(format!("{}: {}", e.position, e.reason))),
        };
        read += 1;
        updates.extend(page.variations);
        problems.extend(page.problems);
        match sync::next_page(&cursor, page.next, false, None) {
            Some(next) if read < sync::VARIATION_PAGES_PER_JOB => {
                cursor = next;
                attempt = 0;
            }
            next => break next.map(Next::now),
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
