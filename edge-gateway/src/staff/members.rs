//! The admin's side of staff accounts: the list of members and open invites, one-time invite
//! links, disabling a member and revoking their sessions. Every route here is an admin call
//! (`admin_call`: the signed admin key, or a staff session whose role may manage staff).

use super::passkey::relying_party;
use crate::admin::admin_call;
use crate::env::{now_ms, random_bytes};
use crate::http::json_response;
use crate::store::staff::NewInvite;
use serde::Deserialize;
use serde_json::json;
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::session_token::random_id;
use shopkeep_gateway_core::staff::{self, Role};
use shopkeep_gateway_core::staff_access::{b64url, valid_staff_id};
use shopkeep_gateway_core::staff_ceremony::invite_url;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// `GET …/staff`: members and open invites.
pub(super) async fn list(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let call = admin_call(req, env, tenant_id).await?;
    let now = now_ms();
    let members = call.store.members(tenant_id, now).await?;
    let invites = call.store.open_invites(tenant_id, now).await?;
    json_response(200, &json!({"members": members, "invites": invites}), None)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    name: String,
    role: String,
}

/// `POST …/staff/invites`: a one-time link whose secret is shown once.
pub(super) async fn invite(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let call = admin_call(req, env, tenant_id).await?;
    let body: InviteBody = decode_json(&call.body, MAX_ADMIN_BODY_BYTES)?;
    let name = body.name.trim();
    if !staff::valid_name(name) {
        return Err(Error::invalid_field(
            "name",
            "must be 1–80 characters without control characters",
        ));
    }
    let role = Role::parse(&body.role)
        .ok_or_else(|| Error::invalid_field("role", "must be agent or admin"))?;
    let secret: [u8; 32] = random_bytes()?;
    let secret = b64url(&secret);
    let now = now_ms();
    let invite_id = random_id("inv_", &random_bytes()?);
    let staff_id = random_id("st_", &random_bytes()?);
    let expires = now + staff::INVITE_TTL_MS;
    call.store
        .create_invite(
            tenant_id,
            &NewInvite {
                id: &invite_id,
                secret_hash: &staff::secret_hash(secret.as_bytes()),
                staff_id: &staff_id,
                name,
                role: role.name(),
                created_by: &call.actor,
                expires_at_ms: expires,
            },
            now,
        )
        .await?;
    call.store
        .audit_action(
            tenant_id,
            &call.actor,
            "staff.invite",
            &json!({"invite_id": invite_id, "staff_id": staff_id, "name": name, "role": role.name()}),
            now,
        )
        .await?;
    let (_, origin) = relying_party(req, env)?;
    json_response(
        201,
        &json!({
            "invite_id": invite_id,
            "staff_id": staff_id,
            "name": name,
            "role": role.name(),
            "expires_at_ms": expires,
            "secret": secret,
            "url": invite_url(&origin, tenant_id, &secret),
        }),
        None,
    )
}

/// `POST …/staff/{id}/disable` (`disable`) and `…/revoke`: ends the member's sessions, and
/// with `disable` also refuses their passkeys from now on.
pub(super) async fn end_sessions(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
    staff_id: &str,
    disable: bool,
) -> Result<Response, Error> {
    let call = admin_call(req, env, tenant_id).await?;
    if !valid_staff_id(staff_id) {
        return Err(Error::code(ErrorCode::NotFound));
    }
    let now = now_ms();
    let ended = call
        .store
        .end_member_sessions(tenant_id, staff_id, disable, now)
        .await?
        .ok_or_else(|| Error::downstream(ErrorCode::NotFound, "No such staff member."))?;
    let action = if disable {
        "staff.disable"
    } else {
        "staff.revoke_sessions"
    };
    call.store
        .audit_action(
            tenant_id,
            &call.actor,
            action,
            &json!({"staff_id": staff_id, "sessions_ended": ended}),
            now,
        )
        .await?;
    json_response(
        200,
        &json!({"ok": true, "staff_id": staff_id, "disabled": disable, "sessions_ended": ended}),
        None,
    )
}
