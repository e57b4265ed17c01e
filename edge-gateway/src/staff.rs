//! Staff accounts (issue 14, staff side): invites, passkey registration and sign-in
//! (WebAuthn, core `webauthn`), staff sessions (core `staff`), listing, disabling and
//! revoking. Which admin routes a session may call is decided once, in `admin::authorize`
//! with core `staff_access`.
//!
//! The session travels as an HttpOnly, Secure, SameSite=Strict cookie scoped to the tenant's
//! admin path: the console is served by the gateway itself (same origin), page scripts
//! never see the token (an injected script cannot carry it away), and no other site can
//! make the browser send it. `Authorization: Bearer st1.…` is accepted too, for tools.

use crate::admin::admin_call;
use crate::env::{now_ms, random_bytes, secret, var};
use crate::http::{header, json_response, read_json_body};
use crate::store::staff::{InviteRow, NewInvite, NewPasskey};
use crate::store::Store;
use serde::Deserialize;
use serde_json::{json, Value};
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::session_token::random_id;
use shopkeep_gateway_core::staff::{self, Role, StaffTokenError};
use shopkeep_gateway_core::staff_access::{
    self, cleared_cookie, session_cookie, token_from_cookie, valid_staff_id, StaffRoute,
};
use shopkeep_gateway_core::webauthn::{self, Credential, RelyingParty, WebauthnError};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// Failed sign-ins of one passkey within [`LOCKOUT_WINDOW_MS`] before it is locked out.
const LOCKOUT_FAILURES: u64 = 10;
/// The lockout's sliding window.
const LOCKOUT_WINDOW_MS: u64 = 15 * 60 * 1000;

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
        format!("staff:{} ({})", self.staff_id, self.name)
    }

    /// The role's wire name.
    pub(crate) fn role_name(&self) -> &'static str {
        role_name(self.role)
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Agent => "agent",
        Role::Admin => "admin",
    }
}

fn unauthorized(why: &str) -> Error {
    Error::downstream(ErrorCode::Unauthorized, why)
}

/// The staff session token a request presents: `Authorization: Bearer st1.…`, else the
/// session cookie.
pub(crate) fn presented_token(req: &Request) -> Option<String> {
    if let Some(auth) = header(req, "Authorization") {
        if let Some((scheme, token)) = auth.split_once(' ') {
            let token = token.trim();
            if scheme.eq_ignore_ascii_case("bearer") && token.starts_with("st1.") {
                return Some(token.to_owned());
            }
        }
    }
    let cookies = header(req, "Cookie")?;
    token_from_cookie(&cookies).map(str::to_owned)
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

/// The relying party: the console's origin (`STAFF_CONSOLE_ORIGIN`, else the origin this
/// request came to: the console is served by the gateway) and its host as the RP id.
/// Never taken from request headers a client chooses.
fn relying_party(req: &Request, env: &Env) -> Result<(String, String), Error> {
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

fn b64(bytes: &[u8]) -> String {
    staff_access::b64url(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// The hash a challenge is stored under (the challenge is base64url as the client echoes it).
fn challenge_hash(challenge_b64: &str) -> Result<String, Error> {
    let bytes = staff_access::b64url_decode(challenge_b64)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| Error::invalid_field("challenge", "must be the challenge issued"))?;
    Ok(staff::secret_hash(&bytes))
}

/// A fresh challenge stored for `purpose`; `429` when the tenant has too many live ones.
async fn new_challenge(
    store: &Store,
    tenant_id: &str,
    purpose: &str,
    invite_id: Option<&str>,
) -> Result<(String, u64), Error> {
    let challenge: [u8; 32] = random_bytes()?;
    let now = now_ms();
    let expires = now + staff::CHALLENGE_TTL_MS;
    let stored = store
        .put_challenge(
            tenant_id,
            &staff::secret_hash(&challenge),
            purpose,
            invite_id,
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
    Ok((b64(&challenge), expires))
}

/// Starts a session for a member: the row, the token, the cookie.
async fn start_session(
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
            "staff": {"id": staff_id, "name": name, "role": role_name(role)},
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

/// `/v1/admin/tenants/{t}/staff/…`
pub(crate) async fn route(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    route: StaffRoute,
) -> Result<Response, Error> {
    match route {
        StaffRoute::List => list(&mut req, env, tenant_id).await,
        StaffRoute::Invite => invite(&mut req, env, tenant_id).await,
        StaffRoute::Disable(id) => end_sessions(&mut req, env, tenant_id, &id, true).await,
        StaffRoute::Revoke(id) => end_sessions(&mut req, env, tenant_id, &id, false).await,
        StaffRoute::RegisterBegin => register_begin(&mut req, env, tenant_id).await,
        StaffRoute::RegisterFinish => register_finish(&mut req, env, tenant_id).await,
        StaffRoute::SignInBegin => signin_begin(&req, env, tenant_id).await,
        StaffRoute::SignInFinish => signin_finish(&mut req, env, tenant_id).await,
        StaffRoute::SignOut => sign_out(&req, env, tenant_id).await,
        StaffRoute::Me => me(&mut req, env, tenant_id).await,
    }
}

async fn list(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
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
async fn invite(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
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
    let secret = b64(&secret);
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
                role: role_name(role),
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
            &json!({"invite_id": invite_id, "staff_id": staff_id, "name": name, "role": role_name(role)}),
            now,
        )
        .await?;
    let (_, origin) = relying_party(req, env)?;
    // The secret rides in the fragment: browsers never send it to a server or a log.
    let url = format!("{origin}/admin/?tenant={tenant_id}#invite={secret}");
    json_response(
        201,
        &json!({
            "invite_id": invite_id,
            "staff_id": staff_id,
            "name": name,
            "role": role_name(role),
            "expires_at_ms": expires,
            "secret": secret,
            "url": url,
        }),
        None,
    )
}

async fn end_sessions(
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteSecret {
    invite: String,
}

fn invalid_invite() -> Error {
    unauthorized("This invite link is not valid: it was already used, has expired, or belongs to another shop. Ask an admin for a new one.")
}

async fn open_invite(store: &Store, tenant_id: &str, secret: &str) -> Result<InviteRow, Error> {
    if secret.is_empty() || secret.len() > 128 {
        return Err(invalid_invite());
    }
    store
        .open_invite(tenant_id, &staff::secret_hash(secret.as_bytes()), now_ms())
        .await?
        .ok_or_else(invalid_invite)
}

/// `POST …/staff/register/begin` `{"invite"}`: the options for `navigator.credentials.create`.
async fn register_begin(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let InviteSecret { invite } = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let store = Store::new(env)?;
    let row = open_invite(&store, tenant_id, &invite).await?;
    let (challenge, expires) = new_challenge(&store, tenant_id, "register", Some(&row.id)).await?;
    let (rp_id, _) = relying_party(req, env)?;
    json_response(
        200,
        &json!({
            "expires_at_ms": expires,
            "staff": {"name": row.name, "role": row.role},
            "publicKey": {
                "challenge": challenge,
                "rp": {"id": rp_id, "name": "Shopkeep console"},
                "user": {"id": b64(row.staff_id.as_bytes()), "name": row.name, "displayName": row.name},
                "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
                "attestation": "none",
                "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
                "timeout": staff::CHALLENGE_TTL_MS,
            }
        }),
        None,
    )
}

#[derive(Deserialize)]
struct Attestation {
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    #[serde(rename = "attestationObject")]
    attestation_object: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterFinish {
    invite: String,
    challenge: String,
    credential: Attestation,
}

fn ceremony_error(err: &WebauthnError) -> Error {
    worker::console_log!("staff passkey refused: {err}");
    match err {
        WebauthnError::Counter => unauthorized(
            "This passkey's signature counter went backwards (a cloned passkey?): sign-in refused. Ask an admin.",
        ),
        WebauthnError::Origin | WebauthnError::RelyingParty => {
            unauthorized("The passkey was made for another site: open the console at its usual address.")
        }
        _ => unauthorized("The passkey could not be verified."),
    }
}

/// `POST …/staff/register/finish`: verifies the new passkey, spends the invite, creates the
/// member and signs them in.
async fn register_finish(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
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
    let (rp_id, origin) = relying_party(req, env)?;
    let challenge = staff_access::b64url_decode(&finish.challenge)
        .ok_or_else(|| Error::invalid_field("challenge", "must be base64url"))?;
    let credential = webauthn::verify_registration(
        &finish.credential.client_data_json,
        &finish.credential.attestation_object,
        &challenge,
        &RelyingParty {
            id: &rp_id,
            origin: &origin,
        },
    )
    .map_err(|e| ceremony_error(&e))?;
    if !store.use_invite(tenant_id, &invite.id, now).await? {
        return Err(invalid_invite());
    }
    store
        .add_member(
            tenant_id,
            &invite,
            &format!("invite:{}", invite.id),
            &NewPasskey {
                credential_id: &credential.id,
                public_key_hex: &hex(&credential.public_key),
                sign_count: credential.sign_count,
            },
            now,
        )
        .await?;
    let role = Role::parse(&invite.role)
        .ok_or_else(|| Error::Internal(format!("stored role {:?}", invite.role)))?;
    let actor = format!("staff:{} ({})", invite.staff_id, invite.name);
    store
        .audit_action(
            tenant_id,
            &actor,
            "staff.register",
            &json!({"staff_id": invite.staff_id, "invite_id": invite.id, "role": invite.role}),
            now,
        )
        .await?;
    start_session(env, &store, tenant_id, &invite.staff_id, &invite.name, role).await
}

/// `POST …/staff/signin/begin`: the options for `navigator.credentials.get` (a discoverable
/// passkey: no user name asked).
async fn signin_begin(req: &Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let store = Store::new(env)?;
    if store.tenant_public(tenant_id).await?.is_none() {
        return Err(Error::code(ErrorCode::TenantNotFound));
    }
    let (challenge, expires) = new_challenge(&store, tenant_id, "signin", None).await?;
    let (rp_id, _) = relying_party(req, env)?;
    json_response(
        200,
        &json!({
            "expires_at_ms": expires,
            "publicKey": {
                "challenge": challenge,
                "rpId": rp_id,
                "userVerification": "required",
                "allowCredentials": [],
                "timeout": staff::CHALLENGE_TTL_MS,
            }
        }),
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
async fn signin_finish(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let body = read_json_body(req, MAX_ADMIN_BODY_BYTES).await?;
    let finish: SignInFinish = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let credential_id = finish.credential.id.trim_end_matches('=');
    if credential_id.is_empty() || credential_id.len() > 1400 {
        return Err(Error::invalid_field("credential.id", "is not a passkey id"));
    }
    let store = Store::new(env)?;
    let now = now_ms();
    let since = now.saturating_sub(LOCKOUT_WINDOW_MS);
    if store
        .signin_failures(tenant_id, credential_id, since)
        .await?
        >= LOCKOUT_FAILURES
    {
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
    let (rp_id, origin) = relying_party(req, env)?;
    let challenge = staff_access::b64url_decode(&finish.challenge)
        .ok_or_else(|| Error::invalid_field("challenge", "must be base64url"))?;
    let verified = webauthn::verify_assertion(
        &finish.credential.client_data_json,
        &finish.credential.authenticator_data,
        &finish.credential.signature,
        &challenge,
        &RelyingParty {
            id: &rp_id,
            origin: &origin,
        },
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
    let role = Role::parse(&row.role)
        .ok_or_else(|| Error::Internal(format!("stored role {:?}", row.role)))?;
    store
        .audit_action(
            tenant_id,
            &format!("staff:{} ({})", row.staff_id, row.name),
            "staff.signin",
            &json!({"staff_id": row.staff_id}),
            now,
        )
        .await?;
    start_session(env, &store, tenant_id, &row.staff_id, &row.name, role).await
}

/// `POST …/staff/signout`: ends the presented session (when it is valid) and clears the
/// cookie either way.
async fn sign_out(req: &Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
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
async fn me(req: &mut Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
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
            "may": {
                "settings": caller.role.may(staff::Action::Settings),
                "privacy": caller.role.may(staff::Action::Privacy),
                "staff": caller.role.may(staff::Action::Staff),
                "insights": caller.role.may(staff::Action::Insights),
                "assign": caller.role.may(staff::Action::Assign),
            },
        }),
        None,
    )
}
