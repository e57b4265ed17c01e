//! Per-tenant key derivation and the compact session token (SPEC §3 "Session tokens").
//!
//! Owns: deriving every per-tenant key from the gateway's master secret (keys are derived,
//! never stored), signing and verifying session tokens, and minting random-looking ids from
//! injected randomness. Time, randomness and secrets are parameters; nothing here reads a clock.
//!
//! A token is `v1.<payload>.<signature>`: `payload` is the base64url (no padding) of a compact
//! JSON object (short keys, including the key id `kid`), and `signature` is the base64url of
//! HMAC-SHA256(key, `"v1." + payload`). Verification checks the MAC (constant time) before it
//! looks at anything inside the payload, and checks expiry only after the MAC verified.

use crate::mac::{append_signature, new_mac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;
use serde::{Deserialize, Serialize};

/// Longest token [`verify`] and [`peek_kid`] look at; longer input is refused before decoding.
pub const MAX_TOKEN_LEN: usize = 2048;

/// The only token version this module signs and accepts.
const VERSION: &str = "v1";

/// What a derived key is for. Each purpose yields an unrelated key, so a key leaked or
/// misused for one purpose is useless for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPurpose {
    /// Signs and verifies session tokens.
    Session,
    /// Verifies identity tokens signed by the shop's server.
    Identity,
    /// Verifies signed admin API requests.
    Admin,
}

impl KeyPurpose {
    /// The label mixed into the derivation: `session`, `identity` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Session => "session",
            KeyPurpose::Identity => "identity",
            KeyPurpose::Admin => "admin",
        }
    }

    /// Whether the key's secret may be shown to its tenant. Admin and identity keys are the
    /// shop's to hold (it signs with them); a session key only ever signs inside the gateway,
    /// and a holder of one could mint a token naming any conversation id, so it never leaves.
    pub fn shown_to_tenant(self) -> bool {
        !matches!(self, KeyPurpose::Session)
    }
}

/// Derives a tenant's key: HMAC-SHA256(master_secret, `"shopkeep/v1/" + purpose + "/" +
/// tenant_id + "/" + kid`).
///
/// `tenant_id` and `kid` must not contain `/` (tenant ids and key ids are validated as
/// `[a-z0-9_-]`-style identifiers elsewhere); otherwise two different pairs could share a
/// derivation label.
pub fn derive_key(
    master_secret: &[u8],
    tenant_id: &str,
    purpose: KeyPurpose,
    kid: &str,
) -> [u8; 32] {
    let mut mac = new_mac(master_secret);
    mac.update(b"shopkeep/v1/");
    mac.update(purpose.as_str().as_bytes());
    mac.update(b"/");
    mac.update(tenant_id.as_bytes());
    mac.update(b"/");
    mac.update(kid.as_bytes());
    mac.finalize().into_bytes().into()
}

/// What a session token binds together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The tenant the session belongs to.
    pub tenant_id: String,
    /// The visitor's session id (`s_…`).
    pub session_id: String,
    /// The conversation the session writes to (`c_…`).
    pub conversation_id: String,
    /// The exact origin (scheme + host + port) the session was created from.
    pub origin: String,
    /// The shop's user id, only when an identity token verified.
    pub user_id: Option<String>,
    /// The keyed digest (`orders::api::verified_email_digest`, 22 characters) of the email
    /// the identity token vouched for with `email_verified: true`; never the address itself:
    /// the token sits in the shopper's browser storage for weeks and is readable there.
    pub email_digest: Option<String>,
    /// Whether the shopper accepted the tenant's consent notice in this session.
    pub consent: bool,
    /// When the token was issued, milliseconds since the Unix epoch.
    pub issued_at_ms: u64,
    /// When the token stops verifying, milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

/// Why a token was refused. Messages never contain the token or any key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three dot-separated parts of valid base64url, or the payload is not the expected JSON.
    #[error("malformed session token")]
    Malformed,
    /// The signature does not match the payload under this key (forged, altered, other tenant).
    #[error("session token signature does not verify")]
    BadSignature,
    /// The signature verified but the token's expiry has passed.
    #[error("session token has expired")]
    Expired,
    /// The token names a version this gateway does not speak.
    #[error("unsupported session token version")]
    UnsupportedVersion,
    /// Longer than [`MAX_TOKEN_LEN`]; refused before any decoding.
    #[error("session token is too long")]
    TooLong,
}

/// The payload as it goes on the wire: short keys keep the token small.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WirePayload {
    /// Tenant id; first, so a token starts `v1.eyJ0Ijoi` like the examples in docs/API.md.
    t: String,
    kid: String,
    s: String,
    c: String,
    o: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    u: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ve: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    cs: bool,
    iat: u64,
    exp: u64,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl WirePayload {
    fn into_claims(self) -> (SessionClaims, String) {
        let claims = SessionClaims {
            tenant_id: self.t,
            session_id: self.s,
            conversation_id: self.c,
            origin: self.o,
            user_id: self.u,
            email_digest: self.ve,
            consent: self.cs,
            issued_at_ms: self.iat,
            expires_at_ms: self.exp,
        };
        (claims, self.kid)
    }
}

/// Signs `claims` under `key` (derived with [`KeyPurpose::Session`] and the same `kid`).
///
/// The caller keeps claim fields bounded (ids, origin); a token longer than
/// [`MAX_TOKEN_LEN`] would be refused by [`verify`].
pub fn sign(claims: &SessionClaims, kid: &str, key: &[u8; 32]) -> String {
    let payload = WirePayload {
        t: claims.tenant_id.clone(),
        kid: kid.to_owned(),
        s: claims.session_id.clone(),
        c: claims.conversation_id.clone(),
        o: claims.origin.clone(),
        u: claims.user_id.clone(),
        ve: claims.email_digest.clone(),
        cs: claims.consent,
        iat: claims.issued_at_ms,
        exp: claims.expires_at_ms,
    };
    // Serializing a struct of strings and integers to a Vec cannot fail.
    let json = serde_json::to_vec(&payload).unwrap_or_default();
    let mut token = String::with_capacity(3 + json.len() * 4 / 3 + 1 + 43 + 4);
    token.push_str(VERSION);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&json, &mut token);
    append_signature(&mut token, key);
    token
}

/// Reads the token's key id without verifying anything, to pick the key to verify with.
/// Never trust anything else from an unverified token.
pub fn peek_kid(token: &str) -> Result<String, TokenError> {
    let parts = split(token)?;
    let (_, kid) = decode_payload(parts.payload)?;
    Ok(kid)
}

/// The token's tenant id and kid in one decode (what [`peek_tenant`] and [`peek_kid`] give),
/// without verifying anything, to derive the key to verify with.
pub fn peek(token: &str) -> Result<(String, String), TokenError> {
    let parts = split(token)?;
    let (claims, kid) = decode_payload(parts.payload)?;
    Ok((claims.tenant_id, kid))
}

/// Reads the token's tenant id without verifying anything, to derive the key to verify with.
/// Never trust anything else from an unverified token.
pub fn peek_tenant(token: &str) -> Result<String, TokenError> {
    let parts = split(token)?;
    let (claims, _) = decode_payload(parts.payload)?;
    Ok(claims.tenant_id)
}

/// Verifies the signature in constant time, then the expiry: a token is valid while
/// `now_ms < expires_at_ms`.
pub fn verify(token: &str, key: &[u8; 32], now_ms: u64) -> Result<SessionClaims, TokenError> {
    let claims = verify_signature(token, key)?;
    if claims.expires_at_ms <= now_ms {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// Like [`verify`], but also accepts a token that expired less than `grace_ms` ago
/// (`now_ms < expires_at_ms + grace_ms`), so a returning shopper can resume a conversation.
pub fn verify_allowing_expired(
    token: &str,
    key: &[u8; 32],
    now_ms: u64,
    grace_ms: u64,
) -> Result<SessionClaims, TokenError> {
    let claims = verify_signature(token, key)?;
    if claims.expires_at_ms.saturating_add(grace_ms) <= now_ms {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// An opaque id: `prefix` + the base64url (no padding, 22 chars) of 16 injected random bytes,
/// e.g. `s_4fT0q…`. The caller supplies the randomness (crypto.getRandomValues in the worker).
pub fn random_id(prefix: &str, random: &[u8; 16]) -> String {
    let mut id = String::with_capacity(prefix.len() + 22);
    id.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(random, &mut id);
    id
}

struct Parts<'a> {
    /// `v1.<payload>`, exactly the bytes the MAC covers.
    signed: &'a str,
    payload: &'a str,
    signature: &'a str,
}

fn split(token: &str) -> Result<Parts<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::TooLong);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let (version, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
    if version != VERSION {
        return Err(if looks_like_version(version) {
            TokenError::UnsupportedVersion
        } else {
            TokenError::Malformed
        });
    }
    let base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !base64url(payload) || !base64url(signature) {
        return Err(TokenError::Malformed);
    }
    Ok(Parts {
        signed,
        payload,
        signature,
    })
}

/// `v` followed by 1–3 digits: a version we might speak one day, as opposed to garbage.
fn looks_like_version(s: &str) -> bool {
    s.strip_prefix('v')
        .is_some_and(|n| (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()))
}

fn verify_signature(token: &str, key: &[u8; 32]) -> Result<SessionClaims, TokenError> {
    let parts = split(token)?;
    // The strict decoder refuses padding and non-zero trailing bits, so every distinct
    // signature string maps to distinct bytes: no two spellings of one valid token.
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| TokenError::Malformed)?;
    if signature.len() != 32 {
        return Err(TokenError::Malformed);
    }
    let mut mac = new_mac(key);
    mac.update(parts.signed.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    let (claims, _kid) = decode_payload(parts.payload)?;
    Ok(claims)
}

fn decode_payload(payload: &str) -> Result<(SessionClaims, String), TokenError> {
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenError::Malformed)?;
    let wire: WirePayload = serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)?;
    Ok(wire.into_claims())
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_key_secret_leaks_never_session_keys_are_shown() {
        use super::KeyPurpose;
        assert!(!KeyPurpose::Session.shown_to_tenant());
        assert!(KeyPurpose::Admin.shown_to_tenant());
        assert!(KeyPurpose::Identity.shown_to_tenant());
    }

    use super::*;

    fn claims() -> SessionClaims {
        SessionClaims {
            tenant_id: "demo".into(),
            session_id: "s_1".into(),
            conversation_id: "c_1".into(),
            origin: "https://shop.example".into(),
            user_id: None,
            email_digest: None,
            consent: false,
            issued_at_ms: 1,
            expires_at_ms: 10,
        }
    }

    #[test]
    fn token_starts_like_the_documented_example() {
        let token = sign(&claims(), "k1", &[7; 32]);
        assert!(token.starts_with("v1.eyJ0IjoiZGVtbyIs"), "{token}");
    }

    #[test]
    fn key_purposes_have_distinct_labels() {
        let secret = b"master";
        let a = derive_key(secret, "demo", KeyPurpose::Session, "k1");
        let b = derive_key(secret, "demo", KeyPurpose::Identity, "k1");
        let c = derive_key(secret, "demo", KeyPurpose::Admin, "k1");
        assert!(a != b && b != c && a != c);
    }
}
