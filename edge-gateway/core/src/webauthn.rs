//! Passkeys for staff sign-in (WebAuthn Level 2, ES256 only): verifying a registration
//! (`navigator.credentials.create`) and an assertion (`navigator.credentials.get`).
//!
//! What is checked, in order, for both ceremonies: the client data's `type`, its `challenge`
//! (one-time, issued by the gateway), its `origin` (the console's exact origin) and that it
//! is not cross-origin; the authenticator data's RP id hash, user presence and user
//! verification flags. A registration must carry an ES256 (P-256) credential key and `none`
//! attestation (the console asks for none: staff passkeys need no device attestation). An
//! assertion's signature is verified over `authenticatorData ‖ SHA-256(clientDataJSON)` with
//! the stored key, and a signature counter that does not grow (when the authenticator counts)
//! is refused as a possible cloned key.
//!
//! Must not depend on: worker. Challenges and time are parameters; storage is the shell's.

use crate::cbor::{self, Cbor};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// COSE algorithm id of ES256.
pub const ES256: i128 = -7;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_AT: u8 = 0x40;

/// The relying party: the console's origin and its RP id (its host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty<'a> {
    /// The RP id, e.g. `shop-console.example.com` (`localhost` locally).
    pub id: &'a str,
    /// The exact origin the console is served from, e.g. `https://shop-console.example.com`.
    pub origin: &'a str,
}

/// A registered credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The credential id (base64url, as browsers report it).
    pub id: String,
    /// The P-256 public key, SEC1 uncompressed (65 bytes).
    pub public_key: Vec<u8>,
    /// The signature counter at registration.
    pub sign_count: u32,
}

/// Why a ceremony was refused. The shell answers every variant with the same 401; the
/// variant is for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnError {
    /// Not base64url, not JSON, not CBOR, or missing fields.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// `type` is not the ceremony's.
    #[error("wrong ceremony type")]
    WrongType,
    /// The challenge is not the one issued.
    #[error("challenge mismatch")]
    Challenge,
    /// The origin is not the console's (or the call was cross-origin).
    #[error("origin mismatch")]
    Origin,
    /// The RP id hash is not ours.
    #[error("relying party mismatch")]
    RelyingParty,
    /// User presence or verification missing.
    #[error("user not present or not verified")]
    User,
    /// Not an ES256 P-256 key, or attestation other than `none`.
    #[error("unsupported credential")]
    Unsupported,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// The counter did not grow: a cloned authenticator, maybe.
    #[error("signature counter did not increase")]
    Counter,
}

fn b64(field: &'static str, value: &str) -> Result<Vec<u8>, WebauthnError> {
    URL_SAFE_NO_PAD
        .decode(value.trim_end_matches('='))
        .map_err(|_| WebauthnError::Malformed(field))
}

/// Checks the client data JSON of a ceremony.
fn client_data(
    json: &[u8],
    ceremony: &str,
    challenge: &[u8],
    rp: &RelyingParty<'_>,
) -> Result<(), WebauthnError> {
    let value: Value =
        serde_json::from_slice(json).map_err(|_| WebauthnError::Malformed("clientDataJSON"))?;
    if value.get("type").and_then(Value::as_str) != Some(ceremony) {
        return Err(WebauthnError::WrongType);
    }
    let sent = value
        .get("challenge")
        .and_then(Value::as_str)
        .ok_or(WebauthnError::Malformed("challenge"))?;
    if !crate::ct::constant_time_eq(&b64("challenge", sent)?, challenge) {
        return Err(WebauthnError::Challenge);
    }
    if value.get("origin").and_then(Value::as_str) != Some(rp.origin)
        || value.get("crossOrigin").and_then(Value::as_bool) == Some(true)
    {
        return Err(WebauthnError::Origin);
    }
    Ok(())
}

/// The fixed part of authenticator data: flags and counter, after checking the RP id hash
/// and the user flags.
fn auth_data_head(data: &[u8], rp: &RelyingParty<'_>) -> Result<(u8, u32), WebauthnError> {
    if data.len() < 37 {
        return Err(WebauthnError::Malformed("authenticatorData"));
    }
    let rp_hash: [u8; 32] = Sha256::digest(rp.id.as_bytes()).into();
    if !crate::ct::constant_time_eq(&data[..32], &rp_hash) {
        return Err(WebauthnError::RelyingParty);
    }
    let flags = data[32];
    if flags & FLAG_UP == 0 || flags & FLAG_UV == 0 {
        return Err(WebauthnError::User);
    }
    let count = u32::from_be_bytes([data[33], data[34], data[35], data[36]]);
    Ok((flags, count))
}

/// The public key of a COSE_Key map: ES256 on P-256 only.
fn cose_es256(key: &Cbor) -> Result<Vec<u8>, WebauthnError> {
    let kty = key.get_int(1).and_then(Cbor::as_int);
    let alg = key.get_int(3).and_then(Cbor::as_int);
    let crv = key.get_int(-1).and_then(Cbor::as_int);
    let x = key.get_int(-2).and_then(Cbor::as_bytes);
    let y = key.get_int(-3).and_then(Cbor::as_bytes);
    match (kty, alg, crv, x, y) {
        (Some(2), Some(ES256), Some(1), Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => {
            let mut sec1 = Vec::with_capacity(65);
            sec1.push(0x04);
            sec1.extend_from_slice(x);
            sec1.extend_from_slice(y);
            VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| WebauthnError::Unsupported)?;
            Ok(sec1)
        }
        _ => Err(WebauthnError::Unsupported),
    }
}

/// Verifies a registration: `client_data_json` and `attestation_object` as base64url (what
/// the console posts from `AuthenticatorAttestationResponse`).
pub fn verify_registration(
    client_data_json: &str,
    attestation_object: &str,
    challenge: &[u8],
    rp: &RelyingParty<'_>,
) -> Result<Credential, WebauthnError> {
    let json = b64("clientDataJSON", client_data_json)?;
    client_data(&json, "webauthn.create", challenge, rp)?;
    let object = b64("attestationObject", attestation_object)?;
    let (att, _) =
        cbor::decode(&object).map_err(|_| WebauthnError::Malformed("attestationObject"))?;
    if att.get_text("fmt").and_then(Cbor::as_text) != Some("none") {
        return Err(WebauthnError::Unsupported);
    }
    let data = att
        .get_text("authData")
        .and_then(Cbor::as_bytes)
        .ok_or(WebauthnError::Malformed("authData"))?;
    let (flags, sign_count) = auth_data_head(data, rp)?;
    if flags & FLAG_AT == 0 || data.len() < 55 {
        return Err(WebauthnError::Malformed("attested credential data"));
    }
    let id_len = usize::from(u16::from_be_bytes([data[53], data[54]]));
    let id = data
        .get(55..55 + id_len)
        .filter(|id| !id.is_empty() && id.len() <= 1023)
        .ok_or(WebauthnError::Malformed("credential id"))?;
    let (key, _) = cbor::decode(&data[55 + id_len..])
        .map_err(|_| WebauthnError::Malformed("credential public key"))?;
    Ok(Credential {
        id: URL_SAFE_NO_PAD.encode(id),
        public_key: cose_es256(&key)?,
        sign_count,
    })
}

/// Verifies an assertion with the stored credential; returns the new signature counter to
/// store.
pub fn verify_assertion(
    client_data_json: &str,
    authenticator_data: &str,
    signature: &str,
    challenge: &[u8],
    rp: &RelyingParty<'_>,
    credential: &Credential,
) -> Result<u32, WebauthnError> {
    let json = b64("clientDataJSON", client_data_json)?;
    client_data(&json, "webauthn.get", challenge, rp)?;
    let data = b64("authenticatorData", authenticator_data)?;
    let (_, count) = auth_data_head(&data, rp)?;
    let key = VerifyingKey::from_sec1_bytes(&credential.public_key)
        .map_err(|_| WebauthnError::Unsupported)?;
    let signature =
        Signature::from_der(&b64("signature", signature)?).map_err(|_| WebauthnError::Signature)?;
    let mut signed = data.clone();
    signed.extend_from_slice(&Sha256::digest(&json));
    key.verify(&signed, &signature)
        .map_err(|_| WebauthnError::Signature)?;
    if (count != 0 || credential.sign_count != 0) && count <= credential.sign_count {
        return Err(WebauthnError::Counter);
    }
    Ok(count)
}
