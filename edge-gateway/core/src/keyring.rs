//! Which key ids are live, per tenant and purpose, so keys rotate without downtime
//! (SPEC §3, issue 3 "Keys").
//!
//! Owns: the tenant's key ring (kids only — keys themselves are derived from the master secret
//! with [`derive_key`](crate::session_token::derive_key) and never stored), choosing the kid to
//! sign with, deciding whether a kid is accepted for verification, and rotation with a grace
//! period. Time is a parameter.
//!
//! Kids are a purpose prefix and a number (`s1`, `i2`, `a3`) and are never reused: the key
//! derived for a kid is always the same, so reusing a retired kid would bring its key — and
//! every token it ever signed — back to life.

use crate::session_token::KeyPurpose;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How long a retired entry is kept after it stopped verifying, before rotation prunes it.
pub const PRUNE_AFTER_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Most kids of one purpose that may be live at once.
pub const MAX_LIVE_PER_PURPOSE: usize = 5;

/// Why a key ring change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRingError {
    /// [`MAX_LIVE_PER_PURPOSE`] kids of this purpose are already live; wait for older ones to
    /// retire (or rotate with a shorter grace period).
    #[error("too many live keys for this purpose")]
    TooManyLive,
    /// The highest kid number of this purpose cannot be incremented (only reachable through a
    /// hand-edited ring); a fresh kid cannot be chosen without reusing one.
    #[error("no unused key id is left for this purpose")]
    NoFreeKid,
}

/// One key id of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    /// The key id: the purpose's prefix (`s`, `i`, `a`) and a number.
    pub kid: String,
    /// What the derived key is for; stored as `"session"`, `"identity"` or `"admin"`.
    #[serde(
        serialize_with = "serialize_purpose",
        deserialize_with = "deserialize_purpose"
    )]
    pub purpose: KeyPurpose,
    /// When the kid was added, milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// From when the kid no longer verifies (`None`: until a rotation retires it).
    pub retires_at_ms: Option<u64>,
}

impl KeyEntry {
    /// Whether the kid still verifies at `now_ms` (live strictly before `retires_at_ms`).
    pub fn is_live_at(&self, now_ms: u64) -> bool {
        self.retires_at_ms.is_none_or(|retires| now_ms < retires)
    }
}

/// A tenant's key ids, for all three purposes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRing {
    /// Every kid not yet pruned, live or retired, in the order they were added.
    pub keys: Vec<KeyEntry>,
}

impl KeyRing {
    /// A new tenant's ring: one live kid per purpose, `s1` (session), `i1` (identity) and `a1`
    /// (admin).
    pub fn initial(now_ms: u64) -> Self {
        let keys = [KeyPurpose::Session, KeyPurpose::Identity, KeyPurpose::Admin]
            .into_iter()
            .map(|purpose| KeyEntry {
                kid: format!("{}1", prefix(purpose)),
                purpose,
                created_at_ms: now_ms,
                retires_at_ms: None,
            })
            .collect();
        KeyRing { keys }
    }

    /// The kid to sign with: the newest (highest-numbered) live kid of `purpose`.
    pub fn current(&self, purpose: KeyPurpose, now_ms: u64) -> Option<&KeyEntry> {
        self.live(purpose, now_ms)
            .max_by_key(|entry| (kid_number(purpose, &entry.kid), entry.created_at_ms))
    }

    /// Whether `kid` is accepted for verifying `purpose` at `now_ms`.
    pub fn is_live(&self, purpose: KeyPurpose, kid: &str, now_ms: u64) -> bool {
        self.live(purpose, now_ms).any(|entry| entry.kid == kid)
    }

    /// Every kid of `purpose` that verifies at `now_ms`.
    pub fn live(&self, purpose: KeyPurpose, now_ms: u64) -> impl Iterator<Item = &KeyEntry> {
        self.keys
            .iter()
            .filter(move |entry| entry.purpose == purpose && entry.is_live_at(now_ms))
    }

    /// Adds a new kid for `purpose` (prefix + highest number ever used + 1) and schedules every
    /// older live kid of that purpose to retire at `now_ms + grace_ms` (an earlier retire time
    /// already set is kept). Entries retired more than [`PRUNE_AFTER_MS`] ago are pruned, except
    /// each purpose's highest-numbered kid, which remembers where numbering stands.
    ///
    /// Refused, changing nothing, when [`MAX_LIVE_PER_PURPOSE`] kids of `purpose` are live.
    pub fn rotate(
        &mut self,
        purpose: KeyPurpose,
        now_ms: u64,
        grace_ms: u64,
    ) -> Result<&KeyEntry, KeyRingError> {
        if self.live(purpose, now_ms).count() >= MAX_LIVE_PER_PURPOSE {
            return Err(KeyRingError::TooManyLive);
        }
        let next = match self.highest_number(purpose) {
            Some(n) => n.checked_add(1).ok_or(KeyRingError::NoFreeKid)?,
            None => 1,
        };
        let retires_at = now_ms.saturating_add(grace_ms);
        for entry in &mut self.keys {
            if entry.purpose == purpose && entry.is_live_at(now_ms) {
                entry.retires_at_ms = Some(
                    entry
                        .retires_at_ms
                        .map_or(retires_at, |r| r.min(retires_at)),
                );
            }
        }
        self.keys.push(KeyEntry {
            kid: format!("{}{next}", prefix(purpose)),
            purpose,
            created_at_ms: now_ms,
            retires_at_ms: None,
        });
        // After the push, so the new kid is the one that keeps numbering.
        self.prune(now_ms);
        Ok(&self.keys[self.keys.len() - 1])
    }

    /// The highest number among `purpose`'s kids, live or retired.
    fn highest_number(&self, purpose: KeyPurpose) -> Option<u64> {
        self.keys
            .iter()
            .filter(|entry| entry.purpose == purpose)
            .filter_map(|entry| kid_number(purpose, &entry.kid))
            .max()
    }

    fn prune(&mut self, now_ms: u64) {
        let highest = [KeyPurpose::Session, KeyPurpose::Identity, KeyPurpose::Admin]
            .map(|purpose| (purpose, self.highest_number(purpose)));
        self.keys.retain(|entry| {
            let long_retired = entry
                .retires_at_ms
                .is_some_and(|r| r.saturating_add(PRUNE_AFTER_MS) < now_ms);
            let keeps_numbering = highest.iter().any(|(p, n)| {
                *p == entry.purpose && *n == kid_number(*p, &entry.kid) && n.is_some()
            });
            !long_retired || keeps_numbering
        });
    }
}

/// The kid prefix of a purpose.
fn prefix(purpose: KeyPurpose) -> &'static str {
    match purpose {
        KeyPurpose::Session => "s",
        KeyPurpose::Identity => "i",
        KeyPurpose::Admin => "a",
    }
}

/// The number in a kid of the form prefix + decimal (no leading zeros), if it is one.
fn kid_number(purpose: KeyPurpose, kid: &str) -> Option<u64> {
    let digits = kid.strip_prefix(prefix(purpose))?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

// `KeyPurpose` lives in `session_token` without serde derives; the ring stores it by the same
// label the key derivation uses.
fn serialize_purpose<S: Serializer>(
    purpose: &KeyPurpose,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(purpose.as_str())
}

fn deserialize_purpose<'de, D: Deserializer<'de>>(deserializer: D) -> Result<KeyPurpose, D::Error> {
    let label = String::deserialize(deserializer)?;
    [KeyPurpose::Session, KeyPurpose::Identity, KeyPurpose::Admin]
        .into_iter()
        .find(|purpose| purpose.as_str() == label)
        .ok_or_else(|| serde::de::Error::unknown_variant(&label, &["session", "identity", "admin"]))
}
