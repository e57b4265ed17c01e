//! A per-isolate cache of tenant rows (and their knowledge index) for the chat path and for
//! the limits every metered widget route reads (`limiter::meter`).
//!
//! Reading the tenant is one D1 round trip on every chat; an isolate serves many requests,
//! so the row is reused for [`TTL_MS`]. Writes through this isolate (config saves, key
//! rotations) drop the entry at once; other isolates see a change within [`TTL_MS`].
//! Otherwise admin, session and config routes always read D1.

use crate::env::now_ms;
use crate::store::{Store, TenantRecord};
use shopkeep_gateway_core::retrieval::KnowledgeIndex;
use shopkeep_gateway_core::Error;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// How long a cached tenant row is used.
const TTL_MS: u64 = 2_000;
/// Most tenants kept; beyond this the cache is cleared (a crude bound; hot tenants refill it).
const MAX_ENTRIES: usize = 1_000;

/// A tenant row with its knowledge index built once.
pub(crate) struct CachedTenant {
    pub(crate) record: TenantRecord,
    /// Every enabled snippet (config, hand-written, crawled): see `knowledge::for_tenant`.
    pub(crate) index: Rc<KnowledgeIndex>,
    /// The same knowledge with the sites its answers may cite.
    pub(crate) knowledge: Rc<crate::knowledge::Knowledge>,
}

thread_local! {
    static CACHE: RefCell<HashMap<String, (u64, Rc<CachedTenant>)>> = RefCell::new(HashMap::new());
}

/// The tenant, from the cache when fresh, else from D1.
pub(crate) async fn tenant(
    store: &Store,
    tenant_id: &str,
) -> Result<Option<Rc<CachedTenant>>, Error> {
    let now = now_ms();
    let hit = CACHE.with(|c| {
        c.borrow()
            .get(tenant_id)
            .filter(|(at, _)| now.saturating_sub(*at) < TTL_MS)
            .map(|(_, t)| t.clone())
    });
    if let Some(hit) = hit {
        return Ok(Some(hit));
    }
    let Some(record) = store.tenant(tenant_id).await? else {
        return Ok(None);
    };
    let knowledge = crate::knowledge::for_tenant(store, tenant_id, &record).await;
    let index = knowledge.index.clone();
    let cached = Rc::new(CachedTenant {
        record,
        index,
        knowledge,
    });
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(tenant_id.to_owned(), (now, cached.clone()));
    });
    Ok(Some(cached))
}

/// Drops a tenant's entry after this isolate changed its row.
pub(crate) fn forget(tenant_id: &str) {
    CACHE.with(|c| c.borrow_mut().remove(tenant_id));
}
