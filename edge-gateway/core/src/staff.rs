//! Staff accounts: roles, what each role may do, one-time invites, and the short-lived,
//! revocable staff session a passkey sign-in yields (the signed admin-key scheme stays for
//! the API and CLI).
//!
//! A staff session token is `st1.<base64url JSON claims>.<base64url HMAC-SHA256>`, keyed per
//! tenant with a key derived from the master secret under its own label (never the shopper
//! session key). Each carries a session id the shell checks against its revocation list, so
//! signing out or removing a staff member ends their sessions at once.
//!
//! Must not depend on: worker. Time, randomness and secrets are parameters.

use crate::mac::{append_signature, new_mac};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a staff session lasts.
pub const SESSION_TTL_MS: u64 = 8 * 60 * 60 * 1000;
/// How long an invite link works.
pub const INVITE_TTL_MS: u64 = 72 * 60 * 60 * 1000;
/// How long a sign-in or registration challenge works.
pub const CHALLENGE_TTL_MS: u64 = 5 * 60 * 1000;
/// Longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 1024;

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The inbox only: read, take, reply, notes, hand back, close.
    Agent,
    /// Everything the admin key can do.
    Admin,
}

/// What a staff request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Inbox work.
    Inbox,
    /// Reassign a conversation another staff member owns.
    Assign,
    /// Read or change settings (config, catalog, knowledge, hours, webhooks).
    Settings,
    /// Export or erase data.
    Privacy,
    /// Invite, change or remove staff; rotate keys.
    Staff,
    /// Read analytics, conversations and the audit log.
    Insights,
}

impl Role {
    /// Whether this role may do `action`.
    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Admin => true,
            Role::Agent => matches!(action, Action::Inbox),
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// The wire name (`agent`, `admin`), as stored and as [`Role::parse`] reads it.
    pub fn name(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// What the console may show this role (`GET …/staff/me`'s `may`).
    pub fn permissions(self) -> Permissions {
        Permissions {
            settings: self.may(Action::Settings),
            privacy: self.may(Action::Privacy),
            staff: self.may(Action::Staff),
            insights: self.may(Action::Insights),
            assign: self.may(Action::Assign),
        }
    }
}

/// What a role may do beyond the inbox, for the console to show only what works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Permissions {
    /// [`Action::Settings`].
    pub settings: bool,
    /// [`Action::Privacy`].
    pub privacy: bool,
    /// [`Action::Staff`].
    pub staff: bool,
    /// [`Action::Insights`].
    pub insights: bool,
    /// [`Action::Assign`].
    pub assign: bool,
}

/// What a staff session token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffClaims {
    /// The tenant.
    pub tenant_id: String,
    /// The staff member.
    pub staff_id: String,
    /// Their role when the session began (the shell re-reads it per request).
    pub role: Role,
    /// The session id (revocation).
    pub sid: String,
    /// Expiry, ms since the epoch.
    pub exp_ms: u64,
}

/// Why a staff token was refused (every variant is a 401 to the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StaffTokenError {
    /// Not a staff token.
    #[error("malformed staff token")]
    Malformed,
    /// The signature does not verify.
    #[error("staff token signature does not verify")]
    Signature,
    /// Expired.
    #[error("staff session expired")]
    Expired,
}

/// The tenant's staff session key: HMAC-SHA256(master secret, `"shopkeep/v1/staff/" +
/// tenant_id`).
pub fn session_key(master_secret: &[u8], tenant_id: &str) -> [u8; 32] {
    let mut mac = new_mac(master_secret);
    mac.update(b"shopkeep/v1/staff/");
    mac.update(tenant_id.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Signs a staff session token.
pub fn sign(claims: &StaffClaims, key: &[u8; 32]) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let mut token = String::from("st1.");
    URL_SAFE_NO_PAD.encode_string(json, &mut token);
    append_signature(&mut token, key);
    token
}

/// The tenant a token names, before its key is known (to pick the key); unverified.
pub fn peek_tenant(token: &str) -> Result<String, StaffTokenError> {
    claims_of(token).map(|c| c.tenant_id)
}

fn claims_of(token: &str) -> Result<StaffClaims, StaffTokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(StaffTokenError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some("st1"), Some(body), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(StaffTokenError::Malformed);
    };
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| StaffTokenError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| StaffTokenError::Malformed)
}

/// Verifies a staff session token at `now_ms`.
pub fn verify(token: &str, key: &[u8; 32], now_ms: u64) -> Result<StaffClaims, StaffTokenError> {
    let claims = claims_of(token)?;
    let (signed, signature) = token.rsplit_once('.').ok_or(StaffTokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| StaffTokenError::Malformed)?;
    let mut mac = new_mac(key);
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| StaffTokenError::Signature)?;
    if now_ms >= claims.exp_ms {
        return Err(StaffTokenError::Expired);
    }
    Ok(claims)
}

/// What is stored for an invite or challenge secret: its SHA-256, hex (the secret itself is
/// only ever in the link or the browser).
pub fn secret_hash(secret: &[u8]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks a staff member's display name: 1–80 characters, no control characters.
pub fn valid_name(name: &str) -> bool {
    let n = name.trim().chars().count();
    (1..=80).contains(&n) && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> StaffClaims {
        StaffClaims {
            tenant_id: "demo".into(),
            staff_id: "st_1".into(),
            role: Role::Agent,
            sid: "ss_1".into(),
            exp_ms: 10_000,
        }
    }

    #[test]
    fn tokens_verify_expire_and_resist_tampering() {
        let key = session_key(b"master", "demo");
        let token = sign(&claims(), &key);
        assert_eq!(verify(&token, &key, 9_999), Ok(claims()));
        assert_eq!(verify(&token, &key, 10_000), Err(StaffTokenError::Expired));
        let other = session_key(b"master", "other");
        assert_eq!(verify(&token, &other, 0), Err(StaffTokenError::Signature));
        // An agent promoting itself: the signature no longer matches.
        let (_, sig) = token.rsplit_once('.').unwrap();
        let mut admin = claims();
        admin.role = Role::Admin;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&admin).unwrap());
        let forged = format!("st1.{body}.{sig}");
        assert_eq!(verify(&forged, &key, 0), Err(StaffTokenError::Signature));
        assert_eq!(peek_tenant(&token).as_deref(), Ok("demo"));
        for bad in ["", "st1", "st1.x.y", "v1.a.b", &"a".repeat(2000)] {
            assert!(verify(bad, &key, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn agents_work_the_inbox_and_nothing_else() {
        for action in [
            Action::Assign,
            Action::Settings,
            Action::Privacy,
            Action::Staff,
            Action::Insights,
        ] {
            assert!(!Role::Agent.may(action), "{action:?}");
            assert!(Role::Admin.may(action));
        }
        assert!(Role::Agent.may(Action::Inbox));
        for role in [Role::Agent, Role::Admin] {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        assert_eq!(
            serde_json::to_value(Role::Agent.permissions()).unwrap(),
            serde_json::json!({"settings": false, "privacy": false, "staff": false, "insights": false, "assign": false})
        );
        assert!(Role::Admin.permissions().settings && Role::Admin.permissions().assign);
        assert_ne!(session_key(b"m", "a"), session_key(b"m", "b"));
        assert_eq!(secret_hash(b"abc").len(), 64);
        assert!(valid_name("Ada Lovelace") && !valid_name(" ") && !valid_name("a\u{0}"));
    }
}
