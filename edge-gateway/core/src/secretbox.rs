//! Secrets kept at rest (a shop's Storefront token, later order-API credentials):
//! ChaCha20-Poly1305 with a key derived from the master secret, a purpose label and the
//! tenant, so one tenant's ciphertext never opens under another's key (the tenant is also
//! the associated data).
//!
//! Owns: key derivation, sealing and opening. The random nonce is a parameter (the shell
//! draws it from `crypto.getRandomValues`). Must not depend on: worker, js-sys.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Nonce length in bytes.
pub const NONCE_LEN: usize = 12;
const VERSION: &str = "sb1";

/// Why a sealed value did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretBoxError {
    /// Not a value this module sealed (wrong version or encoding).
    #[error("not a sealed value")]
    Malformed,
    /// Sealed under another key, purpose or tenant, or tampered with.
    #[error("the sealed value does not open")]
    Forged,
}

fn key(master: &[u8], purpose: &str, tenant_id: &str) -> Key {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("hmac takes any key length");
    mac.update(b"shopkeep/secretbox/v1\0");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(tenant_id.as_bytes());
    let bytes = mac.finalize().into_bytes();
    *Key::from_slice(&bytes)
}

/// Seals `plaintext` for `tenant_id` under `purpose` (e.g. "catalog-credentials").
pub fn seal(
    master: &[u8],
    purpose: &str,
    tenant_id: &str,
    nonce: [u8; NONCE_LEN],
    plaintext: &str,
) -> String {
    let cipher = ChaCha20Poly1305::new(&key(master, purpose, tenant_id));
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: tenant_id.as_bytes(),
            },
        )
        .expect("chacha20poly1305 encrypts any message under 256 GiB");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    format!("{VERSION}.{}", URL_SAFE_NO_PAD.encode(out))
}

/// Opens a value [`seal`] made with the same master secret, purpose and tenant.
pub fn open(
    master: &[u8],
    purpose: &str,
    tenant_id: &str,
    sealed: &str,
) -> Result<String, SecretBoxError> {
    let body = sealed
        .strip_prefix(VERSION)
        .and_then(|s| s.strip_prefix('.'))
        .ok_or(SecretBoxError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| SecretBoxError::Malformed)?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err(SecretBoxError::Malformed);
    }
    let (nonce, ct) = bytes.split_at(NONCE_LEN);
    let cipher = ChaCha20Poly1305::new(&key(master, purpose, tenant_id));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ct,
                aad: tenant_id.as_bytes(),
            },
        )
        .map_err(|_| SecretBoxError::Forged)?;
    String::from_utf8(plain).map_err(|_| SecretBoxError::Forged)
}
