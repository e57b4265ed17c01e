//! Signed admin API requests (SPEC §3 "Admin API").
//!
//! Owns: the `Shopkeep-Signature` header (parsing and producing it), the canonical string a
//! request signs, verifying a signature within the ±[`WINDOW_S`] window, and the replay memory
//! ([`ReplayGuard`]) the tenant's Durable Object keeps. Keys and time are parameters.
//!
//! The header is `kid=<kid>,ts=<unix seconds>,sig=<base64url, no padding, of 32 bytes>` and the
//! signature is HMAC-SHA256(admin key, [`canonical_string`]):
//!
//! ```text
//! shopkeep-admin-v1\n<ts>\n<METHOD>\n<path and query as sent>\n<hex sha256 of the body>
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fmt::Write as _;

type HmacSha256 = Hmac<Sha256>;

/// The header that carries the signature.
pub const HEADER: &str = "Shopkeep-Signature";

/// How far a request's timestamp may be from the gateway's clock, either way, in seconds.
pub const WINDOW_S: u64 = 300;

/// Longest header value [`parse_header`] looks at, in bytes.
pub const MAX_HEADER_LEN: usize = 512;

/// Longest key id, in bytes (`[A-Za-z0-9_-]`).
pub const MAX_KID_LEN: usize = 32;

/// Most signatures a [`ReplayGuard`] remembers at once (see [`ReplayGuard::check_and_remember`]).
pub const MAX_REMEMBERED: usize = 100_000;

/// The first line of every canonical string: names the scheme and its version.
const PREFIX: &str = "shopkeep-admin-v1";

/// Why an admin request's signature was refused. Messages never contain key material or the
/// signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminAuthError {
    /// No `Shopkeep-Signature` header (or an empty one).
    #[error("admin request is not signed")]
    Missing,
    /// The header is not exactly `kid=…,ts=…,sig=…` with valid values.
    #[error("malformed admin signature header")]
    Malformed,
    /// The key id is not a live admin key of the tenant (the shell decides this).
    #[error("admin signature key id is unknown")]
    UnknownKid,
    /// The timestamp is more than [`WINDOW_S`] away from now.
    #[error("admin signature timestamp is outside the allowed window")]
    Stale,
    /// The signature does not match the request under the named key.
    #[error("admin signature does not verify")]
    BadSignature,
    /// This signature was already accepted once (or the replay memory cannot prove it was
    /// not; see [`ReplayGuard::check_and_remember`]).
    #[error("admin signature was already used")]
    Replayed,
}

/// A parsed `Shopkeep-Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The admin key id: 1–32 of `[A-Za-z0-9_-]`.
    pub kid: String,
    /// When the request was signed, seconds since the Unix epoch.
    pub timestamp_s: u64,
    /// The HMAC-SHA256 of the canonical string.
    pub signature: [u8; 32],
}

/// Parses a header value strictly: exactly the keys `kid`, `ts` and `sig`, each once, in any
/// order, separated by `,` with no whitespace; at most [`MAX_HEADER_LEN`] bytes. `ts` is
/// decimal without sign or leading zeros; `sig` is 43 characters of strict base64url. An empty
/// value is [`AdminAuthError::Missing`].
pub fn parse_header(value: &str) -> Result<SignatureHeader, AdminAuthError> {
    if value.is_empty() {
        return Err(AdminAuthError::Missing);
    }
    if value.len() > MAX_HEADER_LEN {
        return Err(AdminAuthError::Malformed);
    }
    let (mut kid, mut ts, mut sig) = (None, None, None);
    for field in value.split(',') {
        let (key, val) = field.split_once('=').ok_or(AdminAuthError::Malformed)?;
        let slot = match key {
            "kid" => &mut kid,
            "ts" => &mut ts,
            "sig" => &mut sig,
            _ => return Err(AdminAuthError::Malformed),
        };
        if slot.replace(val).is_some() {
            return Err(AdminAuthError::Malformed);
        }
    }
    let (Some(kid), Some(ts), Some(sig)) = (kid, ts, sig) else {
        return Err(AdminAuthError::Malformed);
    };
    if !is_kid(kid) {
        return Err(AdminAuthError::Malformed);
    }
    let timestamp_s = parse_timestamp(ts).ok_or(AdminAuthError::Malformed)?;
    // 43 characters of base64url without padding hold exactly 32 bytes; the strict decoder
    // refuses non-zero trailing bits, so each signature has one spelling.
    let mut signature = [0u8; 32];
    if sig.len() != 43
        || URL_SAFE_NO_PAD
            .decode_slice(sig, &mut signature)
            .map_err(|_| AdminAuthError::Malformed)?
            != 32
    {
        return Err(AdminAuthError::Malformed);
    }
    Ok(SignatureHeader {
        kid: kid.to_owned(),
        timestamp_s,
        signature,
    })
}

/// The string a request signs: `"shopkeep-admin-v1\n" + ts + "\n" + METHOD + "\n" +
/// path_and_query + "\n" + hex(sha256(body))`. The method is uppercased; the path and query
/// are taken exactly as sent (no decoding or reordering), and an absent body is the empty one.
pub fn canonical_string(
    timestamp_s: u64,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    let mut s = String::with_capacity(PREFIX.len() + 20 + method.len() + path_and_query.len() + 68);
    s.push_str(PREFIX);
    s.push('\n');
    // Writing to a String cannot fail.
    let _ = write!(s, "{timestamp_s}");
    s.push('\n');
    s.push_str(&method.to_ascii_uppercase());
    s.push('\n');
    s.push_str(path_and_query);
    s.push('\n');
    for byte in Sha256::digest(body) {
        let _ = write!(s, "{byte:02x}");
    }
    s
}

/// Signs a request and returns the `Shopkeep-Signature` header value.
pub fn sign(
    key: &[u8],
    kid: &str,
    timestamp_s: u64,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    let mac = mac_of(key, timestamp_s, method, path_and_query, body);
    let mut value = format!("kid={kid},ts={timestamp_s},sig=");
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut value);
    value
}

/// Verifies a parsed header against a request at time `now_s`: the window first
/// (`|now_s - ts| > WINDOW_S` → [`AdminAuthError::Stale`]), then the HMAC in constant time.
/// The caller looks up `key` by `header.kid` (unknown → [`AdminAuthError::UnknownKid`]) and,
/// after this succeeds, asks the tenant's [`ReplayGuard`].
pub fn verify(
    header: &SignatureHeader,
    key: &[u8; 32],
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now_s: u64,
) -> Result<(), AdminAuthError> {
    if !in_window(header.timestamp_s, now_s) {
        return Err(AdminAuthError::Stale);
    }
    mac_of(key, header.timestamp_s, method, path_and_query, body)
        .verify_slice(&header.signature)
        .map_err(|_| AdminAuthError::BadSignature)
}

/// The replay memory, kept in the tenant's Durable Object: every accepted signature is
/// remembered until it has left the window, so each signed request is accepted once.
///
/// Entries are keyed by `(timestamp, signature)`: a replay repeats the header, hence both. A
/// signature whose timestamp is outside the window can never pass [`verify`] again, so
/// forgetting it then loses nothing; entries are kept until `ts + 2 × WINDOW_S` for margin.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "WireGuard", into = "WireGuard")]
pub struct ReplayGuard {
    /// Ordered by timestamp, so forgetting is one split at the cut-off.
    seen: BTreeSet<(u64, [u8; 32])>,
}

impl ReplayGuard {
    /// Accepts a signature (already verified at `now_s`) once: a second call with the same
    /// signature and timestamp is [`AdminAuthError::Replayed`]. A timestamp outside the
    /// window is [`AdminAuthError::Stale`] (defence in depth; [`verify`] refuses it first).
    ///
    /// Memory is bounded by [`MAX_REMEMBERED`]. When full, entries that have left the window
    /// are dropped (they can no longer verify, so dropping them is safe); if every remembered
    /// signature is still inside the window, the new request is refused as `Replayed` rather
    /// than forgetting one that could still be replayed: the safe failure is a refused
    /// legitimate request, never an accepted replay. Reaching that needs 100 000 accepted admin
    /// requests within 10 minutes, far beyond the admin rate limit.
    pub fn check_and_remember(
        &mut self,
        signature: &[u8; 32],
        timestamp_s: u64,
        now_s: u64,
    ) -> Result<(), AdminAuthError> {
        if !in_window(timestamp_s, now_s) {
            return Err(AdminAuthError::Stale);
        }
        self.forget_before(now_s.saturating_sub(2 * WINDOW_S));
        let entry = (timestamp_s, *signature);
        if self.seen.contains(&entry) {
            return Err(AdminAuthError::Replayed);
        }
        if self.seen.len() >= MAX_REMEMBERED {
            self.forget_before(now_s.saturating_sub(WINDOW_S));
        }
        if self.seen.len() >= MAX_REMEMBERED {
            return Err(AdminAuthError::Replayed);
        }
        self.seen.insert(entry);
        Ok(())
    }

    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether no signature is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Forgets every entry whose timestamp is before `cutoff_s`.
    fn forget_before(&mut self, cutoff_s: u64) {
        self.seen = self.seen.split_off(&(cutoff_s, [0u8; 32]));
    }
}

/// The stored form: `[timestamp, base64url signature]` pairs, a third the size of 32-number
/// arrays.
#[derive(Serialize, Deserialize)]
struct WireGuard {
    seen: Vec<(u64, String)>,
}

impl From<ReplayGuard> for WireGuard {
    fn from(guard: ReplayGuard) -> Self {
        let seen = guard
            .seen
            .into_iter()
            .map(|(ts, sig)| (ts, URL_SAFE_NO_PAD.encode(sig)))
            .collect();
        WireGuard { seen }
    }
}

impl TryFrom<WireGuard> for ReplayGuard {
    type Error = String;

    /// Refuses a stored entry whose signature does not decode rather than silently forgetting
    /// it (a forgotten entry is a replay window).
    fn try_from(wire: WireGuard) -> Result<Self, Self::Error> {
        let seen = wire
            .seen
            .into_iter()
            .map(|(ts, sig)| {
                let mut bytes = [0u8; 32];
                match URL_SAFE_NO_PAD.decode_slice(&sig, &mut bytes) {
                    Ok(32) if sig.len() == 43 => Ok((ts, bytes)),
                    _ => Err("replay guard entry is not a 32-byte signature".to_owned()),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(ReplayGuard { seen })
    }
}

fn in_window(timestamp_s: u64, now_s: u64) -> bool {
    timestamp_s.abs_diff(now_s) <= WINDOW_S
}

fn mac_of(
    key: &[u8],
    timestamp_s: u64,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> HmacSha256 {
    // HMAC is defined for keys of any length, so this cannot fail; a silent fallback key
    // would be worse than a loud impossibility.
    let mut mac = HmacSha256::new_from_slice(key)
        .expect("unreachable: HMAC-SHA256 accepts keys of any length");
    mac.update(canonical_string(timestamp_s, method, path_and_query, body).as_bytes());
    mac
}

/// Decimal seconds: 1–20 digits, no sign, no leading zeros (one spelling per timestamp).
fn parse_timestamp(ts: &str) -> Option<u64> {
    let digits_only = !ts.is_empty() && ts.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (ts.len() > 1 && ts.starts_with('0')) {
        return None;
    }
    ts.parse().ok()
}

fn is_kid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
