//! A signed-in staff member adds another passkey (a second device, a spare security key): the
//! same registration ceremony as an invite's, bound to the member's session instead of an
//! invite. Only a staff session may do it (the admin key is no staff member); the challenge
//! belongs to the member who asked for it; passkeys they already have are excluded; at most
//! `staff_ceremony::MAX_PASSKEYS_PER_MEMBER`; every addition is in the audit log.

use super::passkey::{challenge_hash, new_challenge, relying_party, Attestation, Ceremony};
use super::{presented_token, session_caller, unauthorized, StaffCaller};
use crate::env::now_ms;
use crate::http::{json_response, read_json_body};
use crate::store::staff::ChallengeOwner;
use crate::store::Store;
use serde::Deserialize;
use serde_json::json;
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::staff_ceremony::{
    self, may_add_passkey, room_for_another, Registrant, MAX_PASSKEYS_PER_MEMBER,
};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// The signed-in staff member (a staff session: cookie or `Bearer st1.…`).
async fn signed_in(
    req: &Request,
    env: &Env,
    store: &Store,
    tenant_id: &str,
) -> Result<StaffCaller, Error> {
    let token = presented_token(req).ok_or_else(|| {
        unauthorized(
            "Sign in with your passkey first: only a signed-in staff member adds a passkey.",
        )
    })?;
    session_caller(env, store, tenant_id, &token).await
}

fn refused(why: &str) -> Error {
    Error::downstream(ErrorCode::InvalidRequest, why)
}

/// `POST …/staff/passkeys/begin`: the options for `navigator.credentials.create`, for the
/// signed-in member, excluding the passkeys they have.
pub(super) async fn begin(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let store = Store::new(env)?;
    let caller = signed_in(req, env, &store, tenant_id).await?;
    let existing = store.member_passkeys(tenant_id, &caller.staff_id).await?;
    room_for_another(existing.len()).map_err(refused)?;
    let (challenge, expires) = new_challenge(
        &store,
        tenant_id,
        "passkey",
        ChallengeOwner::Member(&caller.staff_id),
    )
    .await?;
    let (rp_id, _) = relying_party(req, env)?;
    let who = Registrant {
        staff_id: &caller.staff_id,
        name: &caller.name,
        role: caller.role,
    };
    json_response(
        200,
        &staff_ceremony::registration_options(&challenge, expires, &rp_id, &who, &existing),
        None,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finish {
    challenge: String,
    credential: Attestation,
}

/// `POST …/staff/passkeys/finish`: verifies the new passkey against a challenge this member
/// was given, and stores it next to their others.
pub(super) async fn finish(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let finish: Finish = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let store = Store::new(env)?;
    let caller = signed_in(req, env, &store, tenant_id).await?;
    let now = now_ms();
    let hash = challenge_hash(&finish.challenge)?;
    let owner = store
        .take_challenge(tenant_id, &hash, "passkey", now)
        .await?;
    // Unknown, spent, expired, for another ceremony, or another member's: one answer.
    if owner.flatten().as_deref() != Some(caller.staff_id.as_str()) {
        return Err(unauthorized(
            "This passkey challenge is unknown, expired, already used or not yours: start again.",
        ));
    }
    let credential = Ceremony::of(req, env, &finish.challenge)?.register(&finish.credential)?;
    let existing = store.member_passkeys(tenant_id, &caller.staff_id).await?;
    may_add_passkey(&existing, &credential.id).map_err(refused)?;
    let added = store
        .add_passkey(
            tenant_id,
            &caller.staff_id,
            &credential.row(),
            MAX_PASSKEYS_PER_MEMBER,
            now,
        )
        .await?;
    if !added {
        // Registered to someone else of the shop, or a racing ceremony reached the limit.
        return Err(refused(
            "This passkey could not be added: it is registered already, or you have the most passkeys allowed.",
        ));
    }
    store
        .audit_action(
            tenant_id,
            &caller.actor(),
            "staff.passkey_add",
            &json!({"staff_id": caller.staff_id, "credential_id": credential.id}),
            now,
        )
        .await?;
    json_response(
        201,
        &json!({"ok": true, "credential_id": credential.id, "passkeys": existing.len() + 1}),
        None,
    )
}
