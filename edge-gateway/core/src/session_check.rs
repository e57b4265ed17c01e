//! The authentication phase every route that carries a session token shares (SPEC §3).
//!
//! A session token verifies statelessly, but what it proves can go stale: the key that signed
//! it may have been retired, its site removed from the tenant's allowed origins, or the tenant
//! may since require identity or consent. [`check`] decides all of that against the tenant as
//! stored now, in one place, so no route can forget a rule (the audit found `/v1/consent`
//! renewing tokens of retired keys, and history, feedback, export and erase accepting them).

use crate::cors::origin_allowed;
use crate::keyring::KeyRing;
use crate::session_token::{KeyPurpose, SessionClaims};
use crate::tenant::TenantConfig;
use crate::Error;
use shopkeep_protocol::ErrorCode;

/// The routes that carry a session token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRoute {
    /// `POST /v1/chat`.
    Chat,
    /// `POST /v1/consent`.
    Consent,
    /// `POST /v1/messages/{id}/feedback`.
    Feedback,
    /// `GET /v1/conversation`.
    History,
    /// `POST /v1/privacy/export`.
    Export,
    /// `POST /v1/privacy/erase`.
    Erase,
}

impl TokenRoute {
    /// Whether the route needs the shopper's consent when the tenant asks for it. Only a new
    /// message does: consenting, reading what exists, and exporting or erasing one's own data
    /// must work without it.
    pub fn needs_consent(self) -> bool {
        matches!(self, TokenRoute::Chat)
    }

    /// Whether the route only reads (may come without an `Origin` header, like any GET).
    pub fn is_read(self) -> bool {
        matches!(self, TokenRoute::History)
    }
}

/// A token that verified, as presented on one request.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    /// The verified claims.
    pub claims: &'a SessionClaims,
    /// The key id that signed the token.
    pub kid: &'a str,
    /// The request's `Origin` header, if any.
    pub request_origin: Option<&'a str>,
}

/// Decides whether a verified session token may be used on `route` now, against the tenant's
/// stored config and key ring. Checks, in order: the request comes from the token's site
/// (reads may omit `Origin`), the token belongs to this tenant, its key is still live, its
/// site is still allowed, the tenant's identity requirement, and consent where the route
/// needs it.
pub fn check(
    route: TokenRoute,
    token: Presented<'_>,
    config: &TenantConfig,
    keys: &KeyRing,
    now_ms: u64,
) -> Result<(), Error> {
    let claims = token.claims;
    match token.request_origin {
        Some(origin) if origin == claims.origin => {}
        None if route.is_read() => {}
        _ => {
            return Err(Error::downstream(
                ErrorCode::Unauthorized,
                "The session token was issued to another site.",
            ))
        }
    }
    if claims.tenant_id != config.tenant_id {
        return Err(Error::code(ErrorCode::Unauthorized));
    }
    if !keys.is_live(KeyPurpose::Session, token.kid, now_ms) {
        return Err(Error::downstream(
            ErrorCode::Unauthorized,
            "The session key was retired; start a new session.",
        ));
    }
    if !origin_allowed(&claims.origin, &config.allowed_origins) {
        return Err(Error::code(ErrorCode::OriginNotAllowed));
    }
    if config.privacy.identity_required && claims.user_id.is_none() {
        return Err(Error::code(ErrorCode::IdentityRequired));
    }
    if route.needs_consent() && config.privacy.consent_required && !claims.consent {
        return Err(Error::code(ErrorCode::ConsentRequired));
    }
    Ok(())
}
