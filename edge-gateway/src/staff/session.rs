//! Staff sessions: starting one after a ceremony (the row, the signed token, the cookie),
//! signing out, and `me` (who the caller is and what the console may show them).

use super::{presented_token, session_caller, session_key, unauthorized};
use crate::admin::admin_call;
use crate::env::{now_ms, random_bytes};
use crate::http::{header, json_response};
use crate::store::Store;
use serde_json::{json, Value};
use shopkeep_gateway_core::session_token::random_id;
use shopkeep_gateway_core::staff::{self, Role};
use shopkeep_gateway_core::staff_access::{cleared_cookie, session_cookie};
use shopkeep_gateway_core::Error;
use worker::{Env, Request, Response};

/// Starts a session for a member: the row, the token, the cookie.
pub(super) async fn start(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    staff_id: &str,
    name: &str,
    role: Role,
) -> Result<Response, Error> {
    let now = now_ms();
    let expires = now + staff::SESSION_TTL_MS;
    let sid = random_id("ss_", &random_bytes()?);
    store
        .create_staff_session(tenant_id, &sid, staff_id, now, expires)
        .await?;
    let token = staff::sign(
        &staff::StaffClaims {
            tenant_id: tenant_id.to_owned(),
            staff_id: staff_id.to_owned(),
            role,
            sid,
            exp_ms: expires,
        },
        &session_key(env, tenant_id)?,
    );
    let response = json_response(
        200,
        &json!({
            "staff": {"id": staff_id, "name": name, "role": role.name()},
            "expires_at_ms": expires,
        }),
        None,
    )?;
    response
        .headers()
        .set(
            "Set-Cookie",
            &session_cookie(tenant_id, &token, staff::SESSION_TTL_MS / 1000),
        )
        .map_err(|e| Error::Internal(format!("set cookie: {e}")))?;
    Ok(response)
}

/// `POST …/staff/signout`: ends the presented session (when it is valid) and clears the
/// cookie either way.
pub(super) async fn sign_out(req: &Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let store = Store::new(env)?;
    let token = presented_token(req).ok_or_else(|| unauthorized("No staff session."))?;
    let caller = session_caller(env, &store, tenant_id, &token).await;
    let ended = if let Ok(caller) = &caller {
        let now = now_ms();
        store
            .revoke_staff_session(tenant_id, &caller.session_id, now)
            .await?;
        store
            .audit_action(
                tenant_id,
                &caller.actor(),
                "staff.signout",
                &json!({"staff_id": caller.staff_id}),
                now,
            )
            .await?;
        true
    } else {
        false
    };
    let response = json_response(200, &json!({"ok": true, "ended": ended}), None)?;
    response
        .headers()
        .set("Set-Cookie", &cleared_cookie(tenant_id))
        .map_err(|e| Error::Internal(format!("set cookie: {e}")))?;
    Ok(response)
}

/// `GET …/staff/me`: who the caller is (the console shows only what their role allows).
pub(super) async fn me(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    if header(req, shopkeep_gateway_core::admin_auth::HEADER).is_some() {
        let call = admin_call(req, env, tenant_id).await?;
        return json_response(
            200,
            &json!({"actor": call.actor, "role": "admin", "staff": Value::Null}),
            None,
        );
    }
    let store = Store::new(env)?;
    let token = presented_token(req).ok_or_else(|| unauthorized("No staff session."))?;
    let caller = session_caller(env, &store, tenant_id, &token).await?;
    json_response(
        200,
        &json!({
            "actor": caller.actor(),
            "role": caller.role_name(),
            "staff": {"id": caller.staff_id, "name": caller.name, "role": caller.role_name()},
            "expires_at_ms": caller.expires_at_ms,
            "may": caller.role.permissions(),
        }),
        None,
    )
}
