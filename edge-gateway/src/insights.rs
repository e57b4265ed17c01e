//! Admin views of a tenant's data: conversation list and transcripts, analytics, audit log.

use crate::admin::{admin_call, AdminCall};
use crate::env::now_ms;
use crate::http::json_response;
use serde::Deserialize;
use shopkeep_gateway_core::analytics::summarize;
use shopkeep_gateway_core::cursor::Cursor;
use shopkeep_gateway_core::routes::valid_conversation_id;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// The longest analytics range, in days.
const MAX_RANGE_DAYS: u64 = 366;
const DAY_MS: u64 = 86_400_000;

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

fn query<T: for<'de> Deserialize<'de> + Default>(req: &Request) -> Result<T, Error> {
    req.query::<T>()
        .map_err(|_| Error::bad_request("The query string is not valid."))
}

/// `GET /v1/admin/tenants/{id}/conversations?q=&limit=&cursor=`
pub(crate) async fn conversations(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let params: ListQuery = query(&req)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(Error::invalid_field("limit", "must be 1–100"));
    }
    let q = params.q.unwrap_or_default();
    if q.chars().count() > 200 {
        return Err(Error::invalid_field("q", "must be at most 200 characters"));
    }
    let after = params.cursor.as_deref().map(Cursor::decode).transpose()?;
    let rows = store
        .list_conversations(tenant_id, q.trim(), after.as_ref(), limit)
        .await?;
    let next_cursor = (rows.len() == limit as usize)
        .then(|| {
            rows.last().map(|r| {
                Cursor {
                    updated_at_ms: r.updated_at_ms as u64,
                    id: r.id.clone(),
                }
                .encode()
            })
        })
        .flatten();
    json_response(
        200,
        &serde_json::json!({ "conversations": rows, "next_cursor": next_cursor }),
        None,
    )
}

/// `GET /v1/admin/tenants/{id}/conversations/{conversation_id}`
pub(crate) async fn transcript(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    conversation_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    if !valid_conversation_id(conversation_id) {
        return Err(Error::code(ErrorCode::NotFound));
    }
    let (user_id, messages) = store
        .transcript(tenant_id, conversation_id)
        .await?
        .ok_or_else(|| Error::downstream(ErrorCode::NotFound, "No such conversation."))?;
    json_response(
        200,
        &serde_json::json!({ "conversation_id": conversation_id, "user_id": user_id, "messages": messages }),
        None,
    )
}

#[derive(Deserialize, Default)]
struct RangeQuery {
    from_ms: Option<u64>,
    to_ms: Option<u64>,
}

/// `GET /v1/admin/tenants/{id}/analytics?from_ms=&to_ms=`
pub(crate) async fn analytics(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let range: RangeQuery = query(&req)?;
    let to_ms = range.to_ms.unwrap_or_else(now_ms);
    let from_ms = range.from_ms.unwrap_or(to_ms.saturating_sub(7 * DAY_MS));
    if from_ms >= to_ms || to_ms - from_ms > MAX_RANGE_DAYS * DAY_MS {
        return Err(Error::invalid_field(
            "from_ms",
            "must be before to_ms, at most 366 days apart",
        ));
    }
    let (rows, user_messages, up, down) = store.analytics_rows(tenant_id, from_ms, to_ms).await?;
    let mut summary = summarize(from_ms, to_ms, &rows, user_messages, up, down);
    let mut input = store.handoff_analytics(tenant_id, from_ms, to_ms).await?;
    input.answered = rows.iter().map(|r| r.conversation_id.clone()).collect();
    summary.handoff = shopkeep_gateway_core::analytics::handoff::summarize(&input);
    json_response(200, &summary, None)
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    limit: Option<u32>,
    before: Option<u64>,
}

/// `GET /v1/admin/tenants/{id}/audit?limit=&before=`
pub(crate) async fn audit(mut req: Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let params: AuditQuery = query(&req)?;
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::invalid_field("limit", "must be 1–200"));
    }
    let entries = store
        .audit(tenant_id, params.before.unwrap_or(u64::MAX / 2), limit)
        .await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    json_response(
        200,
        &serde_json::json!({ "entries": entries, "next_before": next_before }),
        None,
    )
}
