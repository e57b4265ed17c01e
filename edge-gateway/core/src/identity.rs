//! Identity tokens signed by the shop's server (SPEC §3 "Identity tokens").
//!
//! Owns: verifying (and, for tests, the CLI and the docs, signing) the HS256 JWT a shop's
//! server issues to say "this shopper is user `sub`". Keys, time and the kid→key lookup are
//! parameters; nothing here reads a clock or a secret store.
//!
//! A token is a compact JWS: `base64url(header) "." base64url(payload) "." base64url(mac)`,
//! with `mac = HMAC-SHA256(identity key, header "." payload)` over exactly the bytes received.
//! The header is `{"alg":"HS256","typ":"JWT","kid":"…"}` and nothing else: `alg` must be
//! exactly `HS256` (so `none`, `HS512`, `RS256` and `hs256` are refused before any key is
//! looked up), `typ` is optional but must be `JWT` when present, `kid` is required, and any
//! other or repeated header field makes the token malformed — a header we cannot fully
//! understand (e.g. `crit`, `jku`) is never half-trusted. The payload is only parsed after the
//! signature verified; unknown claims in it (`iss`, `aud`, …) are ignored.

use crate::mac::{append_signature, new_mac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;
use serde::{Deserialize, Serialize};

/// Longest token [`verify`] and [`peek_kid`] look at; longer input is refused before decoding.
pub const MAX_IDENTITY_TOKEN_LEN: usize = 4096;

/// Clock skew allowed between the shop's server and the gateway, for `exp` and `nbf`.
pub const LEEWAY_S: u64 = 60;

/// Longest `sub` (user id), in characters.
pub const MAX_SUB_CHARS: usize = 128;
/// Longest `name`, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest `email`, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest `kid`, in bytes (`[A-Za-z0-9_-]`, like every key id the gateway issues).
pub const MAX_KID_LEN: usize = 32;

/// The only algorithm accepted, compared byte for byte.
const ALG: &str = "HS256";

/// What a verified identity token says about the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityClaims {
    /// The shop's user id: 1–128 characters, no control characters.
    pub sub: String,
    /// Display name, at most 100 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address, at most 254 characters (not otherwise checked: the shop vouches for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the shop asserts that the shopper proved they own `email` (OIDC's
    /// `email_verified`). Only the JSON boolean `true` counts; `false`, a string `"true"`, a
    /// number or an absent claim all read as `false` (never a refused token). Only a verified
    /// email opens orders ([`IdentityClaims::verified_email`]).
    #[serde(
        default,
        deserialize_with = "only_true",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub email_verified: bool,
    /// Expiry, seconds since the Unix epoch (required: identity never lasts forever).
    pub exp: u64,
    /// Not before, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at, seconds since the Unix epoch (informational; not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

impl IdentityClaims {
    /// The email the shop vouches the shopper owns: `email`, normalised (trimmed,
    /// lower-cased, NFKC), only when `email_verified` is `true` and it reads as an address.
    /// An email the shop merely collected (a sign-up form that never confirmed it) would let
    /// anyone who registers with someone else's address open that person's guest orders.
    pub fn verified_email(&self) -> Option<String> {
        if !self.email_verified {
            return None;
        }
        self.email
            .as_deref()
            .and_then(crate::orders::normalise_email)
    }
}

/// `email_verified` as a strict flag: only the JSON boolean `true` is `true`.
fn only_true<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(value == serde_json::Value::Bool(true))
}

/// Why an identity token was refused. Messages never contain the token or any key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Longer than [`MAX_IDENTITY_TOKEN_LEN`]; refused before any decoding.
    #[error("identity token is too long")]
    TooLong,
    /// Not three dot-separated parts of strict base64url, or the header is not the expected
    /// JSON object (unknown, repeated or mistyped fields, `typ` other than `JWT`).
    #[error("malformed identity token")]
    Malformed,
    /// The header's `alg` is missing or anything but exactly `HS256`.
    #[error("identity token algorithm is not supported")]
    UnsupportedAlgorithm,
    /// The header's `kid` is missing, not a valid key id, or not a live identity key.
    #[error("identity token key id is unknown")]
    UnknownKid,
    /// The signature does not match under the named key (forged, altered, other tenant).
    #[error("identity token signature does not verify")]
    BadSignature,
    /// `exp` is more than [`LEEWAY_S`] in the past.
    #[error("identity token has expired")]
    Expired,
    /// `nbf` is more than [`LEEWAY_S`] in the future.
    #[error("identity token is not valid yet")]
    NotYetValid,
    /// The signature verified but the payload is not valid claims (missing or mistyped
    /// `sub`/`exp`, over-long or control characters in `sub`, `name` or `email`).
    #[error("identity token claims are invalid")]
    InvalidClaims,
}

/// The header as received. Every field is optional here so that a missing `alg` is reported
/// as [`IdentityError::UnsupportedAlgorithm`] and a missing `kid` as
/// [`IdentityError::UnknownKid`]; serde refuses unknown and duplicate fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceivedHeader {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
}

/// The header as signed, in the order the docs show.
#[derive(Serialize)]
struct SignedHeader<'a> {
    alg: &'a str,
    typ: &'a str,
    kid: &'a str,
}

/// A token split into its parts, with the header checked up to and including the `kid`.
struct Checked<'a> {
    /// `header "." payload`, exactly the bytes the MAC covers.
    signed: &'a str,
    payload_json: Vec<u8>,
    signature: &'a str,
    kid: String,
}

/// Reads the token's key id without verifying the signature, to pick the key to verify with.
/// Runs every check [`verify`] runs before the key lookup (length, structure, header, `alg`).
/// Never trust anything else from an unverified token.
pub fn peek_kid(token: &str) -> Result<String, IdentityError> {
    check_up_to_kid(token).map(|checked| checked.kid)
}

/// Verifies an identity token at time `now_s` (seconds since the Unix epoch).
///
/// `key_for_kid` returns the tenant's identity key for a live kid (`None` →
/// [`IdentityError::UnknownKid`]). Order: length → structure and base64 → header JSON → `alg`
/// must be exactly `HS256` → `kid` → signature (constant time, over the exact received
/// `header.payload` bytes) → only then the claims → `exp`/`nbf` with [`LEEWAY_S`]. A token is
/// valid while `now_s <= exp + LEEWAY_S` and, with `nbf`, from `nbf <= now_s + LEEWAY_S`.
pub fn verify(
    token: &str,
    key_for_kid: impl Fn(&str) -> Option<[u8; 32]>,
    now_s: u64,
) -> Result<IdentityClaims, IdentityError> {
    let checked = check_up_to_kid(token)?;
    let key = key_for_kid(&checked.kid).ok_or(IdentityError::UnknownKid)?;

    // The strict decoder refuses padding and non-zero trailing bits, so every distinct
    // signature string maps to distinct bytes: no two spellings of one valid token.
    let signature = URL_SAFE_NO_PAD
        .decode(checked.signature)
        .map_err(|_| IdentityError::BadSignature)?;
    let mut mac = new_mac(&key);
    mac.update(checked.signed.as_bytes());
    // `verify_slice` compares in constant time (and refuses a wrong length).
    mac.verify_slice(&signature)
        .map_err(|_| IdentityError::BadSignature)?;

    if !is_json_object(&checked.payload_json) {
        return Err(IdentityError::InvalidClaims);
    }
    let claims: IdentityClaims =
        serde_json::from_slice(&checked.payload_json).map_err(|_| IdentityError::InvalidClaims)?;
    check_claims(&claims)?;
    if claims.exp.saturating_add(LEEWAY_S) < now_s {
        return Err(IdentityError::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| nbf > now_s.saturating_add(LEEWAY_S))
    {
        return Err(IdentityError::NotYetValid);
    }
    Ok(claims)
}

/// Signs `claims` as an HS256 JWT with header `{"alg":"HS256","typ":"JWT","kid":kid}`.
///
/// What a shop's server does (the docs show it in Node, Python and PHP); here for tests, the
/// CLI and examples. Absent optional claims are left out of the payload.
pub fn sign(claims: &IdentityClaims, kid: &str, key: &[u8]) -> String {
    let header = SignedHeader {
        alg: ALG,
        typ: "JWT",
        kid,
    };
    // Serializing structs of strings, integers and options to a Vec cannot fail.
    let header = serde_json::to_vec(&header).unwrap_or_default();
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 48);
    URL_SAFE_NO_PAD.encode_string(&header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    append_signature(&mut token, key);
    token
}

fn check_up_to_kid(token: &str) -> Result<Checked<'_>, IdentityError> {
    if token.len() > MAX_IDENTITY_TOKEN_LEN {
        return Err(IdentityError::TooLong);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(IdentityError::Malformed)?;
    let (header, payload) = signed.split_once('.').ok_or(IdentityError::Malformed)?;
    // The signature may be empty here (`alg: none` tokens end in "."), so that such a token
    // is reported as an unsupported algorithm rather than as merely malformed.
    if header.is_empty()
        || payload.is_empty()
        || !is_base64url(header)
        || !is_base64url(payload)
        || !is_base64url(signature)
    {
        return Err(IdentityError::Malformed);
    }
    let header_json = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| IdentityError::Malformed)?;
    let payload_json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| IdentityError::Malformed)?;
    if !is_json_object(&header_json) {
        return Err(IdentityError::Malformed);
    }
    let header: ReceivedHeader =
        serde_json::from_slice(&header_json).map_err(|_| IdentityError::Malformed)?;
    if header.alg.as_deref() != Some(ALG) {
        return Err(IdentityError::UnsupportedAlgorithm);
    }
    if header
        .typ
        .as_deref()
        .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
    {
        return Err(IdentityError::Malformed);
    }
    let kid = header.kid.ok_or(IdentityError::UnknownKid)?;
    if !is_kid(&kid) {
        return Err(IdentityError::UnknownKid);
    }
    Ok(Checked {
        signed,
        payload_json,
        signature,
        kid,
    })
}

fn check_claims(claims: &IdentityClaims) -> Result<(), IdentityError> {
    let text_ok = |s: &str, min: usize, max: usize| {
        let n = s.chars().count();
        (min..=max).contains(&n) && !s.chars().any(char::is_control)
    };
    let ok = text_ok(&claims.sub, 1, MAX_SUB_CHARS)
        && claims
            .name
            .as_deref()
            .is_none_or(|n| text_ok(n, 0, MAX_NAME_CHARS))
        && claims
            .email
            .as_deref()
            .is_none_or(|e| text_ok(e, 0, MAX_EMAIL_CHARS));
    if ok {
        Ok(())
    } else {
        Err(IdentityError::InvalidClaims)
    }
}

/// A key id as the gateway issues them: 1–32 of `[A-Za-z0-9_-]` (never `/`, which the key
/// derivation label uses as a separator).
fn is_kid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// serde also reads a struct from a JSON array (`["HS256","JWT","i1"]`); JOSE headers and
/// claims are objects only, so anything else is refused before serde sees it.
fn is_json_object(json: &[u8]) -> bool {
    json.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

fn is_base64url(part: &str) -> bool {
    part.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
