//! Widget routes around the chat: public config, sessions, conversation history — and the
//! authentication phase every token-carrying route shares.

use crate::env::{now_ms, random_bytes, secret};
use crate::http::{self, header, json_response};
use crate::store::Store;
use shopkeep_gateway_core::cors::origin_allowed;
use shopkeep_gateway_core::requests::check_feedback;
use shopkeep_gateway_core::requests::{bearer_token, decode_json, MAX_WIDGET_BODY_BYTES};
use shopkeep_gateway_core::routes::valid_tenant_id;
use shopkeep_gateway_core::session_token::{self, KeyPurpose, SessionClaims, TokenError};
use shopkeep_gateway_core::tenant::if_none_match_matches;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{
    ConsentRequest, ConversationResponse, CreateSessionRequest, ErrorCode, FeedbackRequest,
    SessionResponse,
};
use worker::{Env, Headers, Request, Response};

/// Key id of session keys. Rotation (several kids at once) comes with the admin API.
const SESSION_KID: &str = "k1";
/// How long a session token verifies.
const SESSION_TTL_MS: u64 = 24 * 60 * 60 * 1000;
/// How long after expiry a token may still resume its conversation.
const RESUME_GRACE_MS: u64 = 30 * 24 * 60 * 60 * 1000;

fn session_key(env: &Env, tenant_id: &str) -> Result<[u8; 32], Error> {
    let master = secret(env, "MASTER_SECRET")?;
    Ok(session_token::derive_key(
        master.as_bytes(),
        tenant_id,
        KeyPurpose::Session,
        SESSION_KID,
    ))
}

fn token_error(err: TokenError) -> Error {
    match err {
        TokenError::Expired => Error::code(ErrorCode::SessionExpired),
        _ => Error::code(ErrorCode::Unauthorized),
    }
}

/// Authenticate phase: verifies the bearer token statelessly (no storage), then binds it to
/// the request's origin. Non-GET requests must carry an `Origin` equal to the token's.
pub(crate) fn authenticate(
    req: &Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<SessionClaims, Error> {
    let authorization = header(req, "Authorization");
    let token = bearer_token(authorization.as_deref())?;
    let tenant_id = session_token::peek_tenant(token).map_err(token_error)?;
    if !valid_tenant_id(&tenant_id) {
        return Err(Error::code(ErrorCode::Unauthorized));
    }
    let claims = session_token::verify(token, &session_key(env, &tenant_id)?, now_ms())
        .map_err(token_error)?;
    let is_get = matches!(req.method(), worker::Method::Get | worker::Method::Head);
    match origin {
        Some(o) if o == claims.origin => Ok(claims),
        None if is_get => Ok(claims),
        _ => Err(Error::downstream(
            ErrorCode::Unauthorized,
            "The session token was issued to another site.",
        )),
    }
}

/// `GET /v1/tenants/{id}/config`
pub(crate) async fn public_config(
    req: &Request,
    env: &Env,
    tenant_id: &str,
    origin: Option<&str>,
) -> Result<Response, Error> {
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
    if request.identity_token.is_some() {
        return Err(Error::invalid_field(
            "identity_token",
            "identity verification is not enabled on this gateway",
        ));
    }
    let key = session_key(env, &request.tenant_id)?;
    let now = now_ms();
    // A previous token of the same tenant and site continues its conversation; anything else
    // (forged, too old, other site) silently starts a new one.
    let resumed = request
        .resume_token
        .as_deref()
        .and_then(|t| session_token::verify_allowing_expired(t, &key, now, RESUME_GRACE_MS).ok())
        .filter(|c| c.tenant_id == request.tenant_id && c.origin == origin);
    let session_id = session_token::random_id("s_", &random_bytes()?);
    let conversation_id = match resumed {
        Some(previous) => previous.conversation_id,
        None => session_token::random_id("c_", &random_bytes()?),
    };
    let claims = SessionClaims {
        tenant_id: request.tenant_id.clone(),
        session_id: session_id.clone(),
        conversation_id: conversation_id.clone(),
        origin: origin.to_owned(),
        user_id: None,
        consent: false,
        issued_at_ms: now,
        expires_at_ms: now + SESSION_TTL_MS,
    };
    issue(&claims, &key, 201, origin)
}

/// Signs `claims` and answers with the session.
fn issue(
    claims: &SessionClaims,
    key: &[u8; 32],
    status: u16,
    origin: &str,
) -> Result<Response, Error> {
    let body = SessionResponse {
        token: session_token::sign(claims, SESSION_KID, key),
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
    let claims = authenticate(&req, env, origin)?;
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
    let key = session_key(env, &renewed.tenant_id)?;
    let origin = renewed.origin.clone();
    issue(&renewed, &key, 200, &origin)
}

/// `POST /v1/messages/{id}/feedback`
pub(crate) async fn feedback(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
    message_id: &str,
) -> Result<Response, Error> {
    let claims = authenticate(&req, env, origin)?;
    let body = http::read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let feedback: FeedbackRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    check_feedback(&feedback)?;
    let rated = Store::new(env)?
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
    json_response(200, &serde_json::json!({"ok": true}), origin)
}

/// `GET /v1/conversation`
pub(crate) async fn conversation(
    req: &Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let claims = authenticate(req, env, origin)?;
    let messages = Store::new(env)?
        .conversation(&claims.conversation_id)
        .await?;
    let body = ConversationResponse {
        conversation_id: claims.conversation_id,
        messages,
    };
    json_response(200, &body, origin)
}
