//! The passkey ceremonies: registering a passkey from a one-time invite and signing in with
//! one. Challenges are random, stored as hashes with their purpose, and spent before
//! verification; the relying party is the console's origin, never a header a client picks.
//! Verification is core `webauthn`; the options, refusals and lockout are core
//! `staff_ceremony`.

use super::{actor, session, unauthorized};
use crate::env::{now_ms, random_bytes, var};
use crate::http::{json_response, read_json_body};
use crate::store::staff::{ChallengeOwner, InviteRow, NewPasskey};
use crate::store::Store;
use serde::Deserialize;
use serde_json::json;
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::staff::{self, Role};
use shopkeep_gateway_core::staff_access::{b64url, b64url_decode};
use shopkeep_gateway_core::staff_ceremony::{
    self, credential_id, hex, invite_secret_plausible, locked_out, unhex, Registrant,
};
use shopkeep_gateway_core::webauthn::{self, Credential, RelyingParty, WebauthnError};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// The relying party: the console's origin (`STAFF_CONSOLE_ORIGIN`, else the origin this
/// request came to: the console is served by the gateway) and its host as the RP id.
/// Never taken from request headers a client chooses.
pub(super) fn relying_party(req: &Request, env: &Env) -> Result<(String, String), Error> {
    let configured = var(env, "STAFF_CONSOLE_ORIGIN");
    let url = if configured.is_empty() {
        req.url()
            .map_err(|e| Error::Internal(format!("url: {e}")))?
    } else {
        worker::Url::parse(&configured)
            .map_err(|e| Error::Internal(format!("STAFF_CONSOLE_ORIGIN: {e}")))?
    };
    let host = url
        .host_str()
        .ok_or_else(|| Error::Internal("request URL without a host".into()))?
        .to_owned();
    Ok((host, url.origin().ascii_serialization()))
}

/// What a ceremony's `finish` verifies against: the relying party's id and origin, and the
/// challenge's bytes (the client echoes it base64url).
pub(super) struct Ceremony {
    rp_id: String,
    origin: String,
    pub(super) challenge: Vec<u8>,
}

impl Ceremony {
    pub(super) fn of(req: &Request, env: &Env, challenge_b64: &str) -> Result<Self, Error> {
        let (rp_id, origin) = relying_party(req, env)?;
        let challenge = b64url_decode(challenge_b64)
            .ok_or_else(|| Error::invalid_field("challenge", "must be base64url"))?;
        Ok(Ceremony {
            rp_id,
            origin,
            challenge,
        })
    }

    pub(super) fn relying_party(&self) -> RelyingParty<'_> {
        RelyingParty {
            id: &self.rp_id,
            origin: &self.origin,
        }
    }

    /// Verifies a new passkey made for this ceremony (an invite's or a signed-in member's).
    pub(super) fn register(&self, made: &Attestation) -> Result<NewCredential, Error> {
        let credential = webauthn::verify_registration(
            &made.client_data_json,
            &made.attestation_object,
            &self.challenge,
            &self.relying_party(),
        )
        .map_err(|e| ceremony_error(&e))?;
        Ok(NewCredential {
            public_key_hex: hex(&credential.public_key),
            sign_count: credential.sign_count,
            id: credential.id,
        })
    }
}

/// A verified new passkey, as it is stored.
pub(super) struct NewCredential {
    pub(super) id: String,
    public_key_hex: String,
    sign_count: u32,
}

impl NewCredential {
    pub(super) fn row(&self) -> NewPasskey<'_> {
        NewPasskey {
            credential_id: &self.id,
            public_key_hex: &self.public_key_hex,
            sign_count: self.sign_count,
        }
    }
}

/// The hash a challenge is stored under (the challenge is base64url as the client echoes it).
pub(super) fn challenge_hash(challenge_b64: &str) -> Result<String, Error> {
    let bytes = b64url_decode(challenge_b64)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| Error::invalid_field("challenge", "must be the challenge issued"))?;
    Ok(staff::secret_hash(&bytes))
}

/// A fresh challenge stored for `purpose`; `429` when the tenant has too many live ones.
pub(super) async fn new_challenge(
    store: &Store,
    tenant_id: &str,
    purpose: &str,
    owner: ChallengeOwner<'_>,
) -> Result<(String, u64), Error> {
    let challenge: [u8; 32] = random_bytes()?;
    let now = now_ms();
    let expires = now + staff::CHALLENGE_TTL_MS;
    let stored = store
        .put_challenge(
            tenant_id,
            &staff::secret_hash(&challenge),
            purpose,
            owner,
            now,
            expires,
        )
        .await?;
    if !stored {
        return Err(Error::downstream(
            ErrorCode::RateLimited,
            "Too many sign-ins are under way for this shop: wait a few minutes and try again.",
        ));
    }
    Ok((b64url(&challenge), expires))
}

fn ceremony_error(err: &WebauthnError) -> Error {
    worker::console_log!("staff passkey refused: {err}");
    unauthorized(staff_ceremony::refusal(err))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteSecret {
    invite: String,
}

fn invalid_invite() -> Error {
    unauthorized("This invite link is not valid: it was already used, has expired, or belongs to another shop. Ask an admin for a new one.")
}

async fn open_invite(store: &Store, tenant_id: &str, secret: &str) -> Result<InviteRow, Error> {
    if !invite_secret_plausible(secret) {
        return Err(invalid_invite());
    }
    store
        .open_invite(tenant_id, &staff::secret_hash(secret.as_bytes()), now_ms())
        .await?
        .ok_or_else(invalid_invite)
}

fn stored_role(name: &str) -> Result<Role, Error> {
    Role::parse(name).ok_or_else(|| Error::Internal(format!("stored role {name:?}")))
}

/// `POST …/staff/register/begin` `{"invite"}`: the options for `navigator.credentials.create`.
pub(super) async fn register_begin(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let InviteSecret { invite } = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let store = Store::new(env)?;
    let row = open_invite(&store, tenant_id, &invite).await?;
    let (challenge, expires) = new_challenge(
        &store,
        tenant_id,
        "register",
        ChallengeOwner::Invite(&row.id),
    )
    .await?;
    let (rp_id, _) = relying_party(req, env)?;
    let who = Registrant {
        staff_id: &row.staff_id,
        name: &row.name,
        role: stored_role(&row.role)?,
    };
    json_response(
        200,
        &staff_ceremony::registration_options(&challenge, expires, &rp_id, &who, &[]),
        None,
    )
}

/// What `navigator.credentials.create` gives back (the parts verified).
#[derive(Deserialize)]
pub(super) struct Attestation {
    #[serde(rename = "clientDataJSON")]
    pub(super) client_data_json: String,
    #[serde(rename = "attestationObject")]
    pub(super) attestation_object: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFinish {
    invite: String,
    challenge: String,
    credential: Attestation,
}

/// `POST …/staff/register/finish`: verifies the new passkey, spends the invite, creates the
/// member and signs them in.
pub(super) async fn register_finish(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let finish: RegisterFinish = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let store = Store::new(env)?;
    let now = now_ms();
    let hash = challenge_hash(&finish.challenge)?;
    let Some(invite_of_challenge) = store
        .take_challenge(tenant_id, &hash, "register", now)
        .await?
    else {
        return Err(unauthorized(
            "This registration challenge is unknown, expired or already used: start again.",
        ));
    };
    let invite = open_invite(&store, tenant_id, &finish.invite).await?;
    if invite_of_challenge.as_deref() != Some(invite.id.as_str()) {
        return Err(unauthorized(
            "This registration challenge belongs to another invite: start again.",
        ));
    }
    let credential = Ceremony::of(req, env, &finish.challenge)?.register(&finish.credential)?;
    if !store.use_invite(tenant_id, &invite.id, now).await? {
        return Err(invalid_invite());
    }
    store
        .add_member(
            tenant_id,
            &invite,
            &format!("invite:{}", invite.id),
            &credential.row(),
            now,
        )
        .await?;
    let role = stored_role(&invite.role)?;
    store
        .audit_action(
            tenant_id,
            &actor(&invite.staff_id, &invite.name),
            "staff.register",
            &json!({"staff_id": invite.staff_id, "invite_id": invite.id, "role": invite.role}),
            now,
        )
        .await?;
    session::start(env, &store, tenant_id, &invite.staff_id, &invite.name, role).await
}

/// `POST …/staff/signin/begin`: the options for `navigator.credentials.get` (a discoverable
/// passkey: no user name asked).
pub(super) async fn signin_begin(
    req: &Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let store = Store::new(env)?;
    if store.tenant_public(tenant_id).await?.is_none() {
        return Err(Error::code(ErrorCode::TenantNotFound));
    }
    let (challenge, expires) =
        new_challenge(&store, tenant_id, "signin", ChallengeOwner::Nobody).await?;
    let (rp_id, _) = relying_party(req, env)?;
    json_response(
        200,
        &staff_ceremony::signin_options(&challenge, expires, &rp_id),
        None,
    )
}

#[derive(Deserialize)]
struct Assertion {
    id: String,
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    #[serde(rename = "authenticatorData")]
    authenticator_data: String,
    signature: String,
    #[serde(default, rename = "userHandle")]
    #[allow(dead_code)]
    user_handle: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInFinish {
    challenge: String,
    credential: Assertion,
}

/// `POST …/staff/signin/finish`: verifies the assertion with the stored passkey, refuses a
/// counter that did not grow, and starts a session.
pub(super) async fn signin_finish(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let finish: SignInFinish = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let credential_id = credential_id(&finish.credential.id)
        .ok_or_else(|| Error::invalid_field("credential.id", "is not a passkey id"))?;
    let store = Store::new(env)?;
    let now = now_ms();
    let since = now.saturating_sub(staff_ceremony::LOCKOUT_WINDOW_MS);
    if locked_out(
        store
            .signin_failures(tenant_id, credential_id, since)
            .await?,
    ) {
        return Err(Error::downstream(
            ErrorCode::RateLimited,
            "Too many failed sign-ins with this passkey: wait 15 minutes and try again.",
        ));
    }
    let hash = challenge_hash(&finish.challenge)?;
    if store
        .take_challenge(tenant_id, &hash, "signin", now)
        .await?
        .is_none()
    {
        return Err(unauthorized(
            "This sign-in challenge is unknown, expired or already used: start again.",
        ));
    }
    let Some(row) = store.credential(tenant_id, credential_id).await? else {
        return Err(unauthorized(
            "This passkey is not registered for this shop.",
        ));
    };
    if row.disabled_at_ms.is_some() {
        return Err(unauthorized(
            "This staff account has been disabled: ask an admin.",
        ));
    }
    let public_key = unhex(&row.public_key_hex)
        .ok_or_else(|| Error::Internal("stored passkey key is not hex".into()))?;
    let stored_count = row.sign_count as u64;
    let ceremony = Ceremony::of(req, env, &finish.challenge)?;
    let verified = webauthn::verify_assertion(
        &finish.credential.client_data_json,
        &finish.credential.authenticator_data,
        &finish.credential.signature,
        &ceremony.challenge,
        &ceremony.relying_party(),
        &Credential {
            id: credential_id.to_owned(),
            public_key,
            sign_count: u32::try_from(stored_count).unwrap_or(u32::MAX),
        },
    );
    let count = match verified {
        Ok(count) => count,
        Err(err) => {
            store
                .signin_failed(tenant_id, credential_id, now, since)
                .await?;
            return Err(ceremony_error(&err));
        }
    };
    if !store
        .advance_counter(tenant_id, credential_id, stored_count, count, now)
        .await?
    {
        return Err(ceremony_error(&WebauthnError::Counter));
    }
    let role = stored_role(&row.role)?;
    store
        .audit_action(
            tenant_id,
            &actor(&row.staff_id, &row.name),
            "staff.signin",
            &json!({"staff_id": row.staff_id}),
            now,
        )
        .await?;
    session::start(env, &store, tenant_id, &row.staff_id, &row.name, role).await
}
