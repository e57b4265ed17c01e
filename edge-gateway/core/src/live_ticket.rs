//! Live-channel tickets: a browser cannot set headers on a WebSocket, so a shopper (session
//! token) or a staff member (signed admin request) first asks for a short-lived ticket over
//! HTTPS and opens `GET /v1/live?ticket=…` with it.
//!
//! A ticket is `<tenant>.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, keyed with the
//! tenant's live-ticket key (derived from the master secret, never stored). It names exactly
//! one conversation and one role: a shopper's ticket is minted only for the conversation its
//! session token names, and only a staff ticket carries a staff id.
//!
//! Owns: ticket claims, signing and verification. Must not depend on: worker. Time is a
//! parameter.

use crate::ct::constant_time_eq;
use crate::live::Role;
use crate::mac::new_mac;
use crate::routes::{valid_conversation_id, valid_tenant_id};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;
use serde::{Deserialize, Serialize};

/// How long a ticket opens a socket (ms). Reconnects ask for a new one.
pub const TICKET_TTL_MS: u64 = 60_000;
/// The key id mixed into the derivation of the live-ticket key (`derive_key(master, tenant,
/// Session, LIVE_KID)`). Session key ids are a letter and digits, so this label can never be
/// a session key's.
pub const LIVE_KID: &str = "live-ticket";

/// What a ticket lets its holder do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// The tenant.
    pub tenant_id: String,
    /// The one conversation it opens.
    pub conversation_id: String,
    /// Shopper or staff.
    pub role: Role,
    /// The staff member (staff tickets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// The staff member's display name (staff tickets only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_name: Option<String>,
    /// Expiry (ms since the epoch).
    pub expires_at_ms: u64,
}

/// Why a ticket was refused (one public answer for all: `unauthorized`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Not three parts, bad base64 or JSON, or invalid ids.
    #[error("malformed ticket")]
    Malformed,
    /// The MAC does not verify.
    #[error("bad ticket signature")]
    BadSignature,
    /// Past its expiry.
    #[error("ticket expired")]
    Expired,
}

fn mac(key: &[u8], signed: &str) -> Vec<u8> {
    let mut mac = new_mac(key);
    mac.update(signed.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Signs a ticket with the tenant's live-ticket key.
pub fn sign(ticket: &Ticket, key: &[u8; 32]) -> String {
    let json = serde_json::to_string(ticket).unwrap_or_default();
    let signed = format!("{}.{}", ticket.tenant_id, URL_SAFE_NO_PAD.encode(json));
    let tag = URL_SAFE_NO_PAD.encode(mac(key, &signed));
    format!("{signed}.{tag}")
}

/// The tenant a ticket claims (to derive the key that verifies it); not yet trusted.
pub fn peek_tenant(ticket: &str) -> Result<&str, TicketError> {
    let tenant = ticket.split('.').next().unwrap_or_default();
    if valid_tenant_id(tenant) {
        Ok(tenant)
    } else {
        Err(TicketError::Malformed)
    }
}

/// Verifies a ticket at `now_ms`.
pub fn verify(ticket: &str, key: &[u8; 32], now_ms: u64) -> Result<Ticket, TicketError> {
    if ticket.len() > 2_048 {
        return Err(TicketError::Malformed);
    }
    let mut parts = ticket.split('.');
    let (Some(tenant), Some(body), Some(tag), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TicketError::Malformed);
    };
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| TicketError::Malformed)?;
    let expected = mac(key, &ticket[..tenant.len() + 1 + body.len()]);
    if !constant_time_eq(&expected, &tag) {
        return Err(TicketError::BadSignature);
    }
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| TicketError::Malformed)?;
    let claims: Ticket = serde_json::from_slice(&json).map_err(|_| TicketError::Malformed)?;
    let staff_ok = match claims.role {
        Role::Staff => claims.staff_id.is_some(),
        Role::Shopper => claims.staff_id.is_none() && claims.staff_name.is_none(),
    };
    if claims.tenant_id != tenant || !valid_conversation_id(&claims.conversation_id) || !staff_ok {
        return Err(TicketError::Malformed);
    }
    if claims.expires_at_ms <= now_ms {
        return Err(TicketError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shopper() -> Ticket {
        Ticket {
            tenant_id: "demo".into(),
            conversation_id: "c_abc".into(),
            role: Role::Shopper,
            staff_id: None,
            staff_name: None,
            expires_at_ms: 1_000 + TICKET_TTL_MS,
        }
    }

    #[test]
    fn a_signed_ticket_verifies_until_it_expires() {
        let key = [7u8; 32];
        let t = sign(&shopper(), &key);
        assert_eq!(peek_tenant(&t), Ok("demo"));
        assert_eq!(verify(&t, &key, 1_000), Ok(shopper()));
        assert_eq!(
            verify(&t, &key, 1_000 + TICKET_TTL_MS),
            Err(TicketError::Expired)
        );
    }

    #[test]
    fn tampering_or_another_key_fails() {
        let key = [7u8; 32];
        let t = sign(&shopper(), &key);
        assert_eq!(
            verify(&t, &[8u8; 32], 1_000),
            Err(TicketError::BadSignature)
        );
        // Another conversation or a staff role cannot be spliced in.
        let staff = Ticket {
            role: Role::Staff,
            staff_id: Some("admin:a1".into()),
            conversation_id: "c_other".into(),
            ..shopper()
        };
        let forged_body = sign(&staff, &[9u8; 32]);
        let body = forged_body.split('.').nth(1).unwrap_or_default();
        let tag = t.split('.').nth(2).unwrap_or_default();
        let spliced = format!("demo.{body}.{tag}");
        assert_eq!(
            verify(&spliced, &key, 1_000),
            Err(TicketError::BadSignature)
        );
        // The tenant prefix is covered by the MAC.
        let moved = t.replacen("demo", "acme", 1);
        assert_eq!(verify(&moved, &key, 1_000), Err(TicketError::BadSignature));
        for bad in ["", "demo", "demo.x", "demo.x.y.z", "demo.!!.??"] {
            assert!(verify(bad, &key, 1_000).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_shopper_ticket_never_carries_a_staff_id() {
        let key = [7u8; 32];
        let odd = Ticket {
            staff_id: Some("admin:a1".into()),
            ..shopper()
        };
        assert_eq!(
            verify(&sign(&odd, &key), &key, 1_000),
            Err(TicketError::Malformed)
        );
        let staff_without_id = Ticket {
            role: Role::Staff,
            ..shopper()
        };
        assert_eq!(
            verify(&sign(&staff_without_id, &key), &key, 1_000),
            Err(TicketError::Malformed)
        );
    }
}
