//! Widget routes around the chat: public config, sessions, conversation history — and the
//! authentication phase every token-carrying route shares.

use crate::env::{now_ms, random_bytes, secret};
use crate::http::{self, header, json_response};
use crate::limiter;
use crate::store::Store;
use crate::tenant_cache::{self, CachedTenant};
use shopkeep_gateway_core::cors::origin_allowed;
use shopkeep_gateway_core::identity::{self, IdentityError};
use shopkeep_gateway_core::keyring::KeyRing;
use shopkeep_gateway_core::orders::api as orders_api;
use shopkeep_gateway_core::privacy;
use shopkeep_gateway_core::ratelimit::RouteClass;
use shopkeep_gateway_core::requests::check_feedback;
use shopkeep_gateway_core::requests::{bearer_token, decode_json, MAX_WIDGET_BODY_BYTES};
use shopkeep_gateway_core::routes::valid_tenant_id;
use shopkeep_gateway_core::session_check::{self, Presented, TokenRoute};
use shopkeep_gateway_core::session_token::{self, KeyPurpose, SessionClaims, TokenError};
use shopkeep_gateway_core::tenant::if_none_match_matches;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{
    ConsentRequest, CreateSessionRequest, ErrorCode, FeedbackRequest, SessionResponse,
};
use std::rc::Rc;
use worker::{Env, Headers, Request, Response};

/// How long a session token verifies.
const SESSION_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// How long after expiry a token may still resume its conversation.
const RESUME_GRACE_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// A tenant key, derived from the master secret (never stored).
pub(crate) fn tenant_key(
    env: &Env,
    tenant_id: &str,
    purpose: KeyPurpose,
    kid: &str,
) -> Result<[u8; 32], Error> {
    let cache_key = (tenant_id.to_owned(), purpose, kid.to_owned());
    if let Some(key) = DERIVED_KEYS.with(|c| c.borrow().get(&cache_key).copied()) {
        return Ok(key);
    }
    let master = secret(env, "MASTER_SECRET")?;
    let key = session_token::derive_key(master.as_bytes(), tenant_id, purpose, kid);
    // Names are checked by the callers; long ones (never valid) are not kept.
    if tenant_id.len() > 64 || kid.len() > 64 {
        return Ok(key);
    }
    DERIVED_KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_DERIVED_KEYS {
            c.clear();
        }
        c.insert(cache_key, key);
    });
    Ok(key)
}

/// Most derived keys an isolate keeps (a crude bound, as the tenant cache's).
const MAX_DERIVED_KEYS: usize = 4_096;

thread_local! {
    /// Keys derived in this isolate: a pure function of the master secret (fixed for the
    /// isolate's deployment) and the key's name, so they never go stale; a retired kid is
    /// refused by the tenant's key ring (`session_check`), not by a missing key.
    static DERIVED_KEYS: std::cell::RefCell<std::collections::HashMap<(String, KeyPurpose, String), [u8; 32]>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// A session token that passed the authentication phase, with the tenant as stored now.
pub(crate) struct Authenticated {
    pub(crate) claims: SessionClaims,
    pub(crate) tenant: Rc<CachedTenant>,
}

fn token_error(err: TokenError) -> Error {
    match err {
        TokenError::Expired => Error::code(ErrorCode::SessionExpired),
        _ => Error::code(ErrorCode::Unauthorized),
    }
}

/// The authentication phase every session-token route shares: verifies the bearer token
/// statelessly with the key its kid names, loads the tenant (per-isolate cache), and asks the
/// core whether the token may still be used on `route` (live kid, origin bound and still
/// allowed, identity requirement, consent) — see `session_check`.
pub(crate) async fn authenticate(
    req: &Request,
    env: &Env,
    origin: Option<&str>,
    route: TokenRoute,
) -> Result<Authenticated, Error> {
    let authorization = header(req, "Authorization");
    let token = bearer_token(authorization.as_deref())?;
    let (tenant_id, kid) = session_token::peek(token).map_err(token_error)?;
    if !valid_tenant_id(&tenant_id) || !valid_kid(&kid) {
        return Err(Error::code(ErrorCode::Unauthorized));
    }
    let key = tenant_key(env, &tenant_id, KeyPurpose::Session, &kid)?;
    let now = now_ms();
    let claims = session_token::verify(token, &key, now).map_err(token_error)?;
    let tenant = tenant_cache::tenant(&Store::new(env)?, &claims.tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::Unauthorized))?;
    let presented = Presented {
        claims: &claims,
        kid: &kid,
        request_origin: origin,
    };
    session_check::check(
        route,
        presented,
        &tenant.record.config,
        &tenant.record.keys,
        now,
    )?;
    Ok(Authenticated { claims, tenant })
}

/// `GET /v1/tenants/{id}/config`
pub(crate) async fn public_config(
    req: &Request,
    env: &Env,
    tenant_id: &str,
    origin: Option<&str>,
) -> Result<Response, Error> {
    limiter::meter(env, req, tenant_id, RouteClass::Config).await?;
    let record = Store::new(env)?
        .tenant_public(tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    if let Some(o) = origin {
        let allowed: Vec<String> =
            serde_json::from_str(&record.allowed_origins).unwrap_or_default();
        if !origin_allowed(o, &allowed) {
            return Err(Error::code(ErrorCode::OriginNotAllowed));
        }
    }
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| Error::Internal(format!("set header: {e}")))
    };
    set("ETag", &record.etag)?;
    // Revalidate every time: the ETag makes that a cheap 304.
    set("Cache-Control", "no-cache")?;
    http::cors_headers(&headers, origin)?;
    if header(req, "If-None-Match").is_some_and(|h| if_none_match_matches(&h, &record.etag)) {
        let response = Response::empty().map_err(|e| Error::Internal(e.to_string()))?;
        return Ok(response.with_status(304).with_headers(headers));
    }
    set("Content-Type", "application/json; charset=utf-8")?;
    let response = Response::ok(record.public_json).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(response.with_headers(headers))
}

/// `POST /v1/sessions`
pub(crate) async fn create_session(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let origin = origin.ok_or_else(|| Error::code(ErrorCode::OriginNotAllowed))?;
    let body = http::read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let request: CreateSessionRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    limiter::meter(env, &req, &request.tenant_id, RouteClass::Session).await?;
    if !valid_tenant_id(&request.tenant_id) {
        return Err(Error::code(ErrorCode::TenantNotFound));
    }
    let tenant = Store::new(env)?
        .tenant(&request.tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    if !origin_allowed(origin, &tenant.config.allowed_origins) {
        return Err(Error::code(ErrorCode::OriginNotAllowed));
    }
    let now = now_ms();
    let tenant_id = request.tenant_id.as_str();
    // Identity: only a verified token names a user (and carries the email the shop vouched
    // for, as a keyed digest).
    let (user_id, email_digest) = match request.identity_token.as_deref() {
        Some(token) => {
            let (user, email) = verify_identity(env, tenant_id, &tenant.keys, token, now)?;
            (Some(user), email)
        }
        None if tenant.config.privacy.identity_required => {
            return Err(Error::code(ErrorCode::IdentityRequired));
        }
        None => (None, None),
    };
    // A previous token of the same tenant, site and user continues its conversation (and its
    // consent); anything else (forged, too old, other site, other user) starts a new one.
    let resumed = request
        .resume_token
        .as_deref()
        .and_then(|t| {
            let kid = session_token::peek_kid(t).ok()?;
            if !tenant.keys.is_live(KeyPurpose::Session, &kid, now) {
                return None;
            }
            let key = tenant_key(env, tenant_id, KeyPurpose::Session, &kid).ok()?;
            session_token::verify_allowing_expired(t, &key, now, RESUME_GRACE_MS).ok()
        })
        .filter(|c| c.tenant_id == tenant_id && c.origin == origin && c.user_id == user_id);
    let store = Store::new(env)?;
    let (conversation_id, consent) = match (resumed, &user_id) {
        (Some(previous), _) => (previous.conversation_id, previous.consent),
        (None, Some(user)) => match store.latest_conversation_of(tenant_id, user).await? {
            Some(id) => (id, false),
            None => (session_token::random_id("c_", &random_bytes()?), false),
        },
        (None, None) => (session_token::random_id("c_", &random_bytes()?), false),
    };
    let claims = SessionClaims {
        tenant_id: tenant_id.to_owned(),
        session_id: session_token::random_id("s_", &random_bytes()?),
        conversation_id,
        origin: origin.to_owned(),
        user_id,
        email_digest,
        consent,
        issued_at_ms: now,
        expires_at_ms: now + SESSION_TTL_MS,
    };
    issue(env, &tenant.keys, &claims, 201, origin)
}

/// Verifies a shop-signed identity token against the tenant's live identity keys and returns
/// the user id and the keyed digest of the email the token vouches for (`email_verified:
/// true`; see `IdentityClaims::verified_email`). The public message says what is wrong,
/// never anything about keys.
fn verify_identity(
    env: &Env,
    tenant_id: &str,
    keys: &KeyRing,
    token: &str,
    now_ms: u64,
) -> Result<(String, Option<String>), Error> {
    let master = secret(env, "MASTER_SECRET")?;
    let key_for_kid = |kid: &str| {
        keys.is_live(KeyPurpose::Identity, kid, now_ms).then(|| {
            session_token::derive_key(master.as_bytes(), tenant_id, KeyPurpose::Identity, kid)
        })
    };
    identity::verify(token, key_for_kid, now_ms / 1000)
        .map(|claims| {
            let email = orders_api::verified_email_digest(master.as_bytes(), tenant_id, &claims);
            (claims.sub, email)
        })
        .map_err(|e| {
            let why = match e {
                IdentityError::Expired => "The identity token has expired.",
                IdentityError::NotYetValid => "The identity token is not valid yet.",
                IdentityError::UnknownKid => "The identity token names an unknown or retired key.",
                IdentityError::UnsupportedAlgorithm => "Identity tokens must be signed with HS256.",
                _ => "The identity token is not valid.",
            };
            Error::downstream(ErrorCode::InvalidIdentity, why)
        })
}

/// Key ids as the key ring makes them: a letter and a number.
fn valid_kid(kid: &str) -> bool {
    (2..=12).contains(&kid.len())
        && kid.as_bytes()[0].is_ascii_lowercase()
        && kid[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Signs `claims` with the tenant's current session key and answers with the session.
fn issue(
    env: &Env,
    keys: &KeyRing,
    claims: &SessionClaims,
    status: u16,
    origin: &str,
) -> Result<Response, Error> {
    let kid = keys
        .current(KeyPurpose::Session, claims.issued_at_ms)
        .map(|entry| entry.kid.clone())
        .ok_or_else(|| {
            Error::Internal(format!(
                "tenant {} has no live session key",
                claims.tenant_id
            ))
        })?;
    let key = tenant_key(env, &claims.tenant_id, KeyPurpose::Session, &kid)?;
    let body = SessionResponse {
        token: session_token::sign(claims, &kid, &key),
        session_id: claims.session_id.clone(),
        conversation_id: claims.conversation_id.clone(),
        expires_at_ms: claims.expires_at_ms,
        user_id: claims.user_id.clone(),
        consent: claims.consent,
    };
    json_response(status, &body, Some(origin))
}

/// `POST /v1/consent`: records the decision and answers with a token that carries it.
pub(crate) async fn consent(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let Authenticated { claims, tenant } =
        authenticate(&req, env, origin, TokenRoute::Consent).await?;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Consent).await?;
    let body = http::read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let decision: ConsentRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let now = now_ms();
    Store::new(env)?
        .record_consent(
            &claims.tenant_id,
            &claims.session_id,
            &claims.conversation_id,
            decision.accepted,
            now,
        )
        .await?;
    let renewed = SessionClaims {
        consent: decision.accepted,
        issued_at_ms: now,
        expires_at_ms: now + SESSION_TTL_MS,
        ..claims
    };
    let origin = renewed.origin.clone();
    issue(env, &tenant.record.keys, &renewed, 200, &origin)
}

/// `POST /v1/messages/{id}/feedback`
pub(crate) async fn feedback(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
    message_id: &str,
) -> Result<Response, Error> {
    let Authenticated { claims, tenant } =
        authenticate(&req, env, origin, TokenRoute::Feedback).await?;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Feedback).await?;
    let body = http::read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let feedback: FeedbackRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let comment = check_feedback(&feedback)?;
    let store = Store::new(env)?;
    // A comment is stored as a message would be: redacted per the tenant's privacy rules,
    // not at all in store-nothing mode.
    let rules = &tenant.record.config.privacy;
    let feedback = FeedbackRequest {
        comment: comment.and_then(|c| privacy::stored_comment(&c, rules)),
        ..feedback
    };
    let rated = store
        .rate_message(
            &claims.tenant_id,
            &claims.conversation_id,
            message_id,
            &feedback,
            now_ms(),
        )
        .await?;
    if !rated {
        return Err(Error::downstream(
            ErrorCode::NotFound,
            "No such answer in this conversation.",
        ));
    }
    // A thumbs-down marks the question as a knowledge gap (issue 15), and a tenant rule may
    // hand the conversation to a person after N of them (issue 14). The rating is stored
    // either way: a failed handoff is logged, not the shopper's error.
    if feedback.rating == shopkeep_protocol::Rating::Down {
        crate::knowledge::thumbs_down(env, &claims.tenant_id, message_id).await;
        let config = &tenant.record.config;
        if let Err(e) = crate::handoff::on_thumbs_down(env, config, &claims.conversation_id).await {
            worker::console_error!("thumbs-down handoff rule: {e}");
        }
    }
    json_response(200, &serde_json::json!({"ok": true}), origin)
}

/// `GET /v1/conversation`
pub(crate) async fn conversation(
    req: &Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let claims = authenticate(req, env, origin, TokenRoute::History)
        .await?
        .claims;
    limiter::meter(env, req, &claims.tenant_id, RouteClass::History).await?;
    // The transcript with each message's blocks (product cards), so a reloaded widget
    // redraws them, interleaved with the live log's entries (staff, notices, messages to a
    // person) and the live `seq` to resume the socket after (`core::history`).
    let history = Store::new(env)?
        .conversation(&claims.tenant_id, &claims.conversation_id)
        .await?;
    json_response(200, &history, origin)
}
