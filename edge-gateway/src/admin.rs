//! The admin API (signed by the tenant's admin key) and platform operations (authorised by the
//! platform secret): tenant config, key rotation, tenant creation.

use crate::env::{now_ms, secret};
use crate::http::{header, json_response, read_json_body};
use crate::limiter;
use crate::sessions::tenant_key;
use crate::store::{Store, TenantRecord};
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::admin_auth::{self, AdminAuthError};
use shopkeep_gateway_core::ct::constant_time_eq;
use shopkeep_gateway_core::keyring::KeyRing;
use shopkeep_gateway_core::requests::{bearer_token, decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::routes::{self, Method};
use shopkeep_gateway_core::session_token::KeyPurpose;
use shopkeep_gateway_core::staff_access;
use shopkeep_gateway_core::tenant::{validate, TenantConfig};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

pub(crate) mod sources;

/// Default grace period during which a rotated-out key still verifies.
const DEFAULT_GRACE_S: u64 = 7 * 24 * 60 * 60;

fn signature_error(err: AdminAuthError) -> Error {
    let why = match err {
        AdminAuthError::Missing => "The request is not signed (Shopkeep-Signature header).",
        AdminAuthError::Malformed => "The Shopkeep-Signature header is malformed.",
        AdminAuthError::UnknownKid => "The signature names an unknown or retired admin key.",
        AdminAuthError::Stale => {
            "The signature timestamp is more than 300 s away from the gateway's clock."
        }
        AdminAuthError::Replayed => "This signature was already used.",
        _ => "The request signature does not verify.",
    };
    Error::downstream(ErrorCode::InvalidSignature, why)
}

/// Verifies an admin request: header, live admin kid, ±300 s window, HMAC over timestamp,
/// method, path and query and the body's SHA-256 (constant time), then first use of the
/// signature (remembered in the tenant's Durable Object). Returns the tenant and the actor.
///
/// Without a signature header, a staff session (cookie or `Authorization: Bearer st1.…`)
/// is the other way in: its role must allow what the route needs (core
/// `staff_access::required_action`): the one place an `agent` is kept to the inbox.
async fn authorize(
    req: &Request,
    env: &Env,
    store: &Store,
    tenant_id: &str,
    body: &[u8],
) -> Result<(TenantRecord, String), Error> {
    let Some(value) = header(req, admin_auth::HEADER) else {
        if let Some(token) = crate::staff::presented_token(req) {
            return authorize_staff(req, env, store, tenant_id, &token, body).await;
        }
        return Err(signature_error(AdminAuthError::Missing));
    };
    let signature = admin_auth::parse_header(&value).map_err(signature_error)?;
    let tenant = store
        .tenant(tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    let now = now_ms();
    if !tenant.keys.is_live(KeyPurpose::Admin, &signature.kid, now) {
        return Err(signature_error(AdminAuthError::UnknownKid));
    }
    let key = tenant_key(env, tenant_id, KeyPurpose::Admin, &signature.kid)?;
    let url = req
        .url()
        .map_err(|e| Error::Internal(format!("url: {e}")))?;
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let method = req.method().to_string();
    admin_auth::verify(&signature, &key, &method, &path_and_query, body, now / 1000)
        .map_err(signature_error)?;
    if !limiter::first_use(env, tenant_id, signature.signature, signature.timestamp_s).await? {
        return Err(signature_error(AdminAuthError::Replayed));
    }
    Ok((tenant, format!("admin:{}", signature.kid)))
}

/// The staff-session half of [`authorize`].
async fn authorize_staff(
    req: &Request,
    env: &Env,
    store: &Store,
    tenant_id: &str,
    token: &str,
    body: &[u8],
) -> Result<(TenantRecord, String), Error> {
    let caller = crate::staff::session_caller(env, store, tenant_id, token).await?;
    let route = routes::route(Method::parse(req.method().as_ref()), &req.path())?;
    let needed = staff_access::required_action(&route, body);
    if !caller.role.may(needed) {
        return Err(Error::downstream(
            ErrorCode::Forbidden,
            format!(
                "Staff with the {} role may not do this ({needed:?}): ask an admin.",
                caller.role_name()
            ),
        ));
    }
    let tenant = store
        .tenant(tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    Ok((tenant, caller.actor()))
}

/// A verified admin request: its body (empty for GET), the store, the tenant and the actor.
pub(crate) struct AdminCall {
    pub(crate) body: Vec<u8>,
    pub(crate) store: Store,
    pub(crate) tenant: TenantRecord,
    pub(crate) actor: String,
}

/// Reads the body (non-GET only) and verifies the signature over it: the preamble of every
/// admin route.
pub(crate) async fn admin_call(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
) -> Result<AdminCall, Error> {
    let body = match req.method() {
        worker::Method::Get | worker::Method::Head => Vec::new(),
        // A DELETE may carry no body (the console's webhook and catalog removals) or `{}`
        // (the knowledge routes); the signature covers whatever bytes were sent.
        worker::Method::Delete => crate::http::read_body(req, MAX_ADMIN_BODY_BYTES).await?,
        _ => read_json_body(req, MAX_ADMIN_BODY_BYTES).await?,
    };
    let store = Store::new(env)?;
    let (tenant, actor) = authorize(req, env, &store, tenant_id, &body).await?;
    Ok(AdminCall {
        body,
        store,
        tenant,
        actor,
    })
}

/// [`admin_call`] for a route whose body is not JSON (the catalog upload's CSV): reads at
/// most `limit` bytes of any content type; the route checks the type.
pub(crate) async fn admin_call_raw(
    req: &mut Request,
    env: &Env,
    tenant_id: &str,
    limit: usize,
) -> Result<AdminCall, Error> {
    let body = crate::http::read_body(req, limit).await?;
    let store = Store::new(env)?;
    let (tenant, actor) = authorize(req, env, &store, tenant_id, &body).await?;
    Ok(AdminCall {
        body,
        store,
        tenant,
        actor,
    })
}

/// The answer of config routes: the config and its version.
#[derive(Serialize)]
struct ConfigAnswer<'a> {
    version: u64,
    config: &'a TenantConfig,
}

/// `GET /v1/admin/tenants/{id}/config`
pub(crate) async fn get_config(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let tenant = admin_call(&mut req, env, tenant_id).await?.tenant;
    json_response(
        200,
        &ConfigAnswer {
            version: tenant.version,
            config: &tenant.config,
        },
        None,
    )
}

/// `PUT /v1/admin/tenants/{id}/config`: the whole config, validated; nothing is written
/// unless every field is valid.
pub(crate) async fn put_config(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body, store, actor, ..
    } = admin_call(&mut req, env, tenant_id).await?;
    let config: TenantConfig = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    if let Err(response) = validated(&config, tenant_id) {
        return response;
    }
    let version = store.put_tenant(&config, &actor, now_ms()).await?;
    json_response(
        200,
        &ConfigAnswer {
            version,
            config: &config,
        },
        None,
    )
}

/// Field-level validation errors as a 400 with a `fields` list.
fn validated(config: &TenantConfig, tenant_id: &str) -> Result<(), Result<Response, Error>> {
    let Err(problems) = validate(config, tenant_id) else {
        return Ok(());
    };
    let summary: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.problem))
        .collect();
    let body = serde_json::json!({
        "error": {
            "code": "invalid_field",
            "message": format!("{} field(s) are invalid: {}", problems.len(), summary.join("; ")),
            "retryable": false,
            "fields": problems,
        }
    });
    Err(json_response(400, &body, None))
}

/// Body of a key rotation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotate {
    purpose: String,
    #[serde(default)]
    grace_seconds: Option<u64>,
}

/// A live key as shown to its owner: the kid, the derived secret (hex) where the purpose's
/// secret may leave the gateway (never for session keys), and its retirement.
#[derive(Serialize)]
struct ShownKey {
    kid: String,
    purpose: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_hex: Option<String>,
    retires_at_ms: Option<u64>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn show(
    env: &Env,
    tenant_id: &str,
    keys: &KeyRing,
    purposes: &[KeyPurpose],
    now_ms: u64,
) -> Result<Vec<ShownKey>, Error> {
    let mut out = Vec::new();
    for purpose in purposes {
        for entry in keys.live(*purpose, now_ms) {
            let secret_hex = if purpose.shown_to_tenant() {
                Some(hex(&tenant_key(env, tenant_id, *purpose, &entry.kid)?))
            } else {
                None
            };
            out.push(ShownKey {
                kid: entry.kid.clone(),
                purpose: purpose.as_str(),
                secret_hex,
                retires_at_ms: entry.retires_at_ms,
            });
        }
    }
    Ok(out)
}

/// `POST /v1/admin/tenants/{id}/keys/rotate` `{"purpose": "admin"|"identity"|"session",
/// "grace_seconds": 604800}`: adds a key, retires the older ones after the grace period, and
/// answers with the live keys of that purpose (admin and identity secrets included: the
/// answer goes only to a holder of a live admin key; session secrets never leave).
pub(crate) async fn rotate_key(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body,
        store,
        tenant,
        actor,
    } = admin_call(&mut req, env, tenant_id).await?;
    let rotate: Rotate = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    let purpose = match rotate.purpose.as_str() {
        "admin" => KeyPurpose::Admin,
        "identity" => KeyPurpose::Identity,
        "session" => KeyPurpose::Session,
        _ => {
            return Err(Error::invalid_field(
                "purpose",
                "must be admin, identity or session",
            ))
        }
    };
    let grace_s = rotate.grace_seconds.unwrap_or(DEFAULT_GRACE_S);
    if grace_s > 90 * 24 * 60 * 60 {
        return Err(Error::invalid_field(
            "grace_seconds",
            "must be at most 7776000 (90 days)",
        ));
    }
    let now = now_ms();
    let mut keys = tenant.keys.clone();
    let kid = keys
        .rotate(purpose, now, grace_s * 1000)
        .map_err(|e| Error::downstream(ErrorCode::InvalidField, format!("purpose: {e}")))?
        .kid
        .clone();
    let detail = serde_json::json!({ "purpose": purpose.as_str(), "new_kid": kid, "grace_seconds": grace_s });
    store
        .put_keys(tenant_id, &tenant.keys, &keys, &actor, &detail, now)
        .await?;
    let shown = show(env, tenant_id, &keys, &[purpose], now)?;
    json_response(
        200,
        &serde_json::json!({ "new_kid": kid, "keys": shown }),
        None,
    )
}

fn platform(req: &Request, env: &Env) -> Result<(), Error> {
    let platform_secret = secret(env, "PLATFORM_SECRET")?;
    let authorization = header(req, "Authorization");
    let presented = bearer_token(authorization.as_deref())?;
    if !constant_time_eq(presented.as_bytes(), platform_secret.as_bytes()) {
        return Err(Error::downstream(
            ErrorCode::Unauthorized,
            "The platform secret is required.",
        ));
    }
    Ok(())
}

/// `PUT /v1/platform/tenants/{id}`: creates (201, with the first admin and identity keys) or
/// replaces (200) a tenant's config; validated, nothing written unless valid.
pub(crate) async fn put_tenant(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    platform(&req, env)?;
    let body = read_json_body(&mut req, MAX_ADMIN_BODY_BYTES).await?;
    let config: TenantConfig = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    if let Err(response) = validated(&config, tenant_id) {
        return response;
    }
    let store = Store::new(env)?;
    let now = now_ms();
    let version = store.put_tenant(&config, "platform", now).await?;
    if version == 1 {
        let keys = store
            .tenant(tenant_id)
            .await?
            .ok_or_else(|| Error::Storage("tenant vanished after creation".into()))?
            .keys;
        let shown = show(
            env,
            tenant_id,
            &keys,
            &[KeyPurpose::Admin, KeyPurpose::Identity],
            now,
        )?;
        return json_response(
            201,
            &serde_json::json!({"tenant_id": tenant_id, "version": version, "keys": shown}),
            None,
        );
    }
    json_response(
        200,
        &serde_json::json!({"tenant_id": tenant_id, "version": version}),
        None,
    )
}

/// `GET /v1/platform/tenants/{id}/keys`: the live admin and identity keys, for operators.
pub(crate) async fn platform_keys(
    req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    platform(&req, env)?;
    let tenant = Store::new(env)?
        .tenant(tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    let shown = show(
        env,
        tenant_id,
        &tenant.keys,
        &[KeyPurpose::Admin, KeyPurpose::Identity],
        now_ms(),
    )?;
    json_response(
        200,
        &serde_json::json!({"tenant_id": tenant_id, "keys": shown}),
        None,
    )
}
