//! Staff accounts (issue 14, staff side): invites, passkey registration and sign-in
//! (WebAuthn, core `webauthn` and `staff_ceremony`), staff sessions (core `staff`), listing,
//! disabling and revoking. Which admin routes a session may call is decided once, in
//! `admin::authorize` with core `staff_access`.
//!
//! The session travels as an HttpOnly, Secure, SameSite=Strict cookie scoped to the tenant's
//! admin path: the console is served by the gateway itself (same origin), page scripts
//! never see the token (an injected script cannot carry it away), and no other site can
//! make the browser send it. `Authorization: Bearer st1.…` is accepted too, for tools.
//!
//! This file: the routes' table and the session check every staff call shares;
//! `passkey.rs`: the registration and sign-in ceremonies; `add_passkey.rs`: a signed-in
//! member registers another passkey; `session.rs`: starting, ending and describing a session;
//! `members.rs`: the admin's staff list, invites, disabling, revoking.

mod add_passkey;
mod members;
mod passkey;
mod session;

use crate::env::{now_ms, secret};
use crate::http::header;
use crate::store::Store;
use shopkeep_gateway_core::staff::{self, Role, StaffTokenError};
use shopkeep_gateway_core::staff_access::{self, StaffRoute};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// A verified staff session.
pub(crate) struct StaffCaller {
    pub(crate) staff_id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) session_id: String,
    pub(crate) expires_at_ms: u64,
}

impl StaffCaller {
    /// The audit log's actor: `staff:<id> (<name>)`.
    pub(crate) fn actor(&self) -> String {
        actor(&self.staff_id, &self.name)
    }

    /// The role's wire name.
    pub(crate) fn role_name(&self) -> &'static str {
        self.role.name()
    }
}

/// The audit log's actor for a staff member: `staff:<id> (<name>)`.
fn actor(staff_id: &str, name: &str) -> String {
    format!("staff:{staff_id} ({name})")
}

fn unauthorized(why: &str) -> Error {
    Error::downstream(ErrorCode::Unauthorized, why)
}

/// The staff session token a request presents: `Authorization: Bearer st1.…`, else the
/// session cookie.
pub(crate) fn presented_token(req: &Request) -> Option<String> {
    let authorization = header(req, "Authorization");
    let cookies = header(req, "Cookie");
    staff_access::presented_token(authorization.as_deref(), cookies.as_deref()).map(str::to_owned)
}

fn session_key(env: &Env, tenant_id: &str) -> Result<[u8; 32], Error> {
    let master = secret(env, "MASTER_SECRET")?;
    Ok(staff::session_key(master.as_bytes(), tenant_id))
}

/// Verifies a staff session of `tenant_id`: the token's tenant, signature and expiry, then
/// the session row (not revoked) and the member (not disabled), whose role is read now.
pub(crate) async fn session_caller(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    token: &str,
) -> Result<StaffCaller, Error> {
    if staff::peek_tenant(token).ok().as_deref() != Some(tenant_id) {
        return Err(unauthorized(
            "This staff session is not valid for this shop: sign in again.",
        ));
    }
    let now = now_ms();
    let claims = staff::verify(token, &session_key(env, tenant_id)?, now).map_err(|e| match e {
        StaffTokenError::Expired => unauthorized("Your staff session has expired: sign in again."),
        _ => unauthorized("This staff session is not valid: sign in again."),
    })?;
    let member = store
        .session_member(tenant_id, &claims.sid, &claims.staff_id, now)
        .await?
        .ok_or_else(|| {
            unauthorized(
                "This staff session has ended (signed out, revoked, or the account was disabled).",
            )
        })?;
    let role = Role::parse(&member.role)
        .ok_or_else(|| Error::Internal(format!("stored role {:?}", member.role)))?;
    Ok(StaffCaller {
        staff_id: member.id,
        name: member.name,
        role,
        session_id: claims.sid,
        expires_at_ms: claims.exp_ms,
    })
}

/// `/v1/admin/tenants/{t}/staff/…`
pub(crate) async fn route(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    route: StaffRoute,
) -> Result<Response, Error> {
    match route {
        StaffRoute::List => members::list(&mut req, env, tenant_id).await,
        StaffRoute::Invite => members::invite(&mut req, env, tenant_id).await,
        StaffRoute::Disable(id) => members::end_sessions(&mut req, env, tenant_id, &id, true).await,
        StaffRoute::Revoke(id) => members::end_sessions(&mut req, env, tenant_id, &id, false).await,
        StaffRoute::RegisterBegin => passkey::register_begin(&mut req, env, tenant_id).await,
        StaffRoute::RegisterFinish => passkey::register_finish(&mut req, env, tenant_id).await,
        StaffRoute::SignInBegin => passkey::signin_begin(&req, env, tenant_id).await,
        StaffRoute::SignInFinish => passkey::signin_finish(&mut req, env, tenant_id).await,
        StaffRoute::SignOut => session::sign_out(&req, env, tenant_id).await,
        StaffRoute::Me => session::me(&mut req, env, tenant_id).await,
        StaffRoute::PasskeyBegin => add_passkey::begin(&mut req, env, tenant_id).await,
        StaffRoute::PasskeyFinish => add_passkey::finish(&mut req, env, tenant_id).await,
    }
}
