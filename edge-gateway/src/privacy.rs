//! Privacy operations (SPEC §6): a shopper's export and erase of their own conversation, the
//! admin's export and erase by verified user id, and the retention purge on the cron trigger.

use crate::admin::{admin_call, AdminCall};
use crate::env::now_ms;
use crate::http::{json_response, read_json_body};
use crate::limiter;
use crate::sessions::authenticate;
use crate::store::{Scope, Store};
use serde::Deserialize;
use shopkeep_gateway_core::ratelimit::RouteClass;
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES, MAX_WIDGET_BODY_BYTES};
use shopkeep_gateway_core::retention::cutoff_ms;
use shopkeep_gateway_core::session_check::TokenRoute;
use shopkeep_gateway_core::Error;
use worker::{Env, Request, Response};

/// `POST /v1/privacy/export`: the shopper's own conversation.
pub(crate) async fn shopper_export(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let claims = authenticate(&req, env, origin, TokenRoute::Export)
        .await?
        .claims;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Privacy).await?;
    // The body is `{}`; reading it keeps the size and content-type rules of every route.
    let _ = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let store = Store::new(env)?;
    let scope = Scope::Conversation(&claims.conversation_id);
    let exported = store.export(&claims.tenant_id, scope).await?;
    store
        .audit_export(
            &claims.tenant_id,
            "shopper",
            scope,
            exported.len(),
            now_ms(),
        )
        .await?;
    let messages = exported
        .into_iter()
        .flat_map(|(_, m)| m)
        .collect::<Vec<_>>();
    // The order lookups made in the conversation (issue 13): digests and outcomes, never an
    // email.
    let lookups: Vec<_> = store
        .order_lookups(&claims.tenant_id, scope)
        .await?
        .iter()
        .map(|l| l.public())
        .collect();
    json_response(
        200,
        &serde_json::json!({ "conversation_id": claims.conversation_id, "messages": messages, "order_lookups": lookups }),
        origin,
    )
}

/// `POST /v1/privacy/erase`: deletes the shopper's own conversation.
pub(crate) async fn shopper_erase(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let claims = authenticate(&req, env, origin, TokenRoute::Erase)
        .await?
        .claims;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Privacy).await?;
    let _ = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let erased = Store::new(env)?
        .erase(
            &claims.tenant_id,
            Scope::Conversation(&claims.conversation_id),
            "shopper",
            now_ms(),
        )
        .await?;
    limiter::forget_turns(env, &claims.tenant_id).await;
    json_response(200, &serde_json::json!({ "erased": erased }), origin)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserRequest {
    user_id: String,
}

fn user_id(body: &[u8]) -> Result<String, Error> {
    let request: UserRequest = decode_json(body, MAX_ADMIN_BODY_BYTES)?;
    let id = request.user_id.trim();
    if id.is_empty() || id.chars().count() > 128 {
        return Err(Error::invalid_field("user_id", "must be 1–128 characters"));
    }
    Ok(id.to_owned())
}

/// `POST /v1/admin/tenants/{id}/privacy/export` `{"user_id": …}`
pub(crate) async fn admin_export(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body, store, actor, ..
    } = admin_call(&mut req, env, tenant_id).await?;
    let user = user_id(&body)?;
    let scope = Scope::User(&user);
    let exported = store.export(tenant_id, scope).await?;
    store
        .audit_export(tenant_id, &actor, scope, exported.len(), now_ms())
        .await?;
    let conversations: Vec<_> = exported
        .into_iter()
        .map(|(id, messages)| serde_json::json!({ "id": id, "messages": messages }))
        .collect();
    let lookups: Vec<_> = store
        .order_lookups(tenant_id, scope)
        .await?
        .iter()
        .map(|l| l.public())
        .collect();
    json_response(
        200,
        &serde_json::json!({ "user_id": user, "conversations": conversations, "order_lookups": lookups }),
        None,
    )
}

/// `POST /v1/admin/tenants/{id}/privacy/erase` `{"user_id": …}`
pub(crate) async fn admin_erase(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body, store, actor, ..
    } = admin_call(&mut req, env, tenant_id).await?;
    let user = user_id(&body)?;
    let erased = store
        .erase(tenant_id, Scope::User(&user), &actor, now_ms())
        .await?;
    limiter::forget_turns(env, tenant_id).await;
    json_response(200, &serde_json::json!({ "erased": erased }), None)
}

/// The cron trigger: purges every tenant's conversations older than its retention period.
/// One tenant's failure is logged and does not stop the others.
pub(crate) async fn purge_expired(env: &Env) {
    let store = match Store::new(env) {
        Ok(store) => store,
        Err(e) => return worker::console_error!("retention: {e}"),
    };
    let tenants = match store.retention_periods().await {
        Ok(t) => t,
        Err(e) => return worker::console_error!("retention: {e}"),
    };
    let now = now_ms();
    for (tenant_id, days) in tenants {
        match store
            .erase(
                &tenant_id,
                Scope::OlderThan(cutoff_ms(now, days)),
                "retention",
                now,
            )
            .await
        {
            Ok(erased) if erased.conversations + erased.messages > 0 => {
                limiter::forget_turns(env, &tenant_id).await;
                worker::console_log!(
                    "retention: {tenant_id}: purged {} conversations",
                    erased.conversations
                )
            }
            Ok(_) => {}
            Err(e) => worker::console_error!("retention: {tenant_id}: {e}"),
        }
    }
}
