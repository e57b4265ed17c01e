//! What the admin routes of a tenant's shop sources (the catalog's, the order API's) share:
//! the shop URL check, sealing a credential, and the answer to a removal.
//!
//! Owns: those steps. Each source's route keeps its own fields, probe and storage.

use crate::env::{allow_private_fetch, now_ms, random_bytes, secret};
use crate::store::Store;
use serde_json::json;
use shopkeep_gateway_core::outbound;
use shopkeep_gateway_core::secretbox;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Response};

/// Longest shop URL accepted.
const MAX_URL_CHARS: usize = 500;

/// A shop URL from an admin body: trimmed, required, at most 500 characters, checked with
/// `outbound::check` (the refusal names `field`), without a trailing slash.
pub(crate) fn shop_url(env: &Env, field: &str, raw: Option<&str>) -> Result<String, Error> {
    let raw = raw
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::invalid_field(field, "is required"))?;
    if raw.len() > MAX_URL_CHARS {
        return Err(Error::invalid_field(field, "is too long"));
    }
    let checked = outbound::check(raw, allow_private_fetch(env)).map_err(|refused| {
        Error::downstream(ErrorCode::InvalidRequest, format!("{field}: {refused}"))
    })?;
    Ok(checked.url.trim_end_matches('/').to_owned())
}

/// Seals a tenant's credential with a key derived from the master secret for `purpose`
/// (a credential sealed for one purpose never opens for another).
pub(crate) fn seal_credential(
    env: &Env,
    purpose: &str,
    tenant_id: &str,
    plain: &str,
) -> Result<String, Error> {
    let master = secret(env, "MASTER_SECRET")?;
    Ok(secretbox::seal(
        master.as_bytes(),
        purpose,
        tenant_id,
        random_bytes()?,
        plain,
    ))
}

/// The end of a source's removal: audited as `action` for the actor, the tenant's cached
/// config forgotten, `204`.
pub(crate) async fn removed(
    store: &Store,
    tenant_id: &str,
    actor: &str,
    action: &str,
) -> Result<Response, Error> {
    store
        .catalog_audit(tenant_id, actor, action, &json!({}), now_ms())
        .await;
    crate::tenant_cache::forget(tenant_id);
    Response::empty()
        .map(|r| r.with_status(204))
        .map_err(|e| Error::Internal(format!("response: {e}")))
}
