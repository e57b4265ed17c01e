//! HMAC-SHA256 as every signed format here uses it: keys of any length, and the compact
//! `<signed part>.<base64url(MAC)>` tail shared by session tokens and identity tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A MAC keyed with `key`.
pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC is defined for keys of any length (long keys are hashed, short ones padded), so
    // this cannot fail; a silent fallback key would be worse than a loud impossibility.
    HmacSha256::new_from_slice(key).expect("unreachable: HMAC-SHA256 accepts keys of any length")
}

/// Appends `.` and the base64url (no padding) MAC of everything already in `token`.
pub(crate) fn append_signature(token: &mut String, key: &[u8]) {
    let mut mac = new_mac(key);
    mac.update(token.as_bytes());
    let signature = mac.finalize().into_bytes();
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, token);
}
