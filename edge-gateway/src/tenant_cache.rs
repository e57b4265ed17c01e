//! A per-isolate cache of tenant rows (and their knowledge index) for the chat path and for
//! the limits every metered widget route reads (`limiter::meter`).
//!
//! Reading the tenant is one D1 round trip on every chat; an isolate serves many requests,
//! so the row is reused for [`TTL_MS`]. Writes through this isolate (config saves, key
//! rotations) drop the entry at once; other isolates see a change within [`TTL_MS`].
//! After the TTL the row is read again, but parsed (config JSON, key ring) and indexed
//! (retrieval) again only when its stored text changed: that work is CPU every turn would
//! otherwise pay every [`TTL_MS`].
//! Otherwise admin, session and config routes always read D1.

use crate::env::now_ms;
use crate::store::{Store, TenantRecord, TenantRow};
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

/// A cached tenant: when it was read, the row as read, and its parsed form.
struct Entry {
    read_at: u64,
    row: Rc<TenantRow>,
    tenant: Rc<CachedTenant>,
}

thread_local! {
    static CACHE: RefCell<HashMap<String, Entry>> = RefCell::new(HashMap::new());
}

/// The tenant, from the cache when fresh, else from D1.
pub(crate) async fn tenant(
    store: &Store,
    tenant_id: &str,
) -> Result<Option<Rc<CachedTenant>>, Error> {
    let now = now_ms();
    let (fresh, previous) = CACHE.with(|c| {
        let c = c.borrow();
        match c.get(tenant_id) {
            Some(e) if now.saturating_sub(e.read_at) < TTL_MS => (Some(e.tenant.clone()), None),
            Some(e) => (None, Some((e.row.clone(), e.tenant.clone()))),
            None => (None, None),
        }
    });
    if let Some(hit) = fresh {
        return Ok(Some(hit));
    }
    let Some(row) = store.tenant_row(tenant_id).await? else {
        forget(tenant_id);
        return Ok(None);
    };
    // Parsed again only when the row changed; the knowledge (its own cache, keyed by the
    // config and knowledge versions) is checked on every refresh, since crawled snippets
    // change without the row.
    let unchanged = match previous {
        Some((old_row, tenant)) if *old_row == row => Some(tenant),
        _ => None,
    };
    let record = match &unchanged {
        Some(tenant) => tenant.record.clone(),
        None => row.parse(tenant_id)?,
    };
    let knowledge = crate::knowledge::for_tenant(store, tenant_id, &record).await;
    let cached = match unchanged {
        Some(tenant) if Rc::ptr_eq(&tenant.knowledge, &knowledge) => tenant,
        _ => Rc::new(CachedTenant {
            record,
            index: knowledge.index.clone(),
            knowledge,
        }),
    };
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_ENTRIES {
            c.clear();
        }
        c.insert(
            tenant_id.to_owned(),
            Entry {
                read_at: now,
                row: Rc::new(row),
                tenant: cached.clone(),
            },
        );
    });
    Ok(Some(cached))
}

/// Drops a tenant's entry after this isolate changed its row.
pub(crate) fn forget(tenant_id: &str) {
    CACHE.with(|c| c.borrow_mut().remove(tenant_id));
}
