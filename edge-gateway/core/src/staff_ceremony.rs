//! The staff passkey ceremonies around the cryptography (issue 14, staff side): the options a
//! browser passes to `navigator.credentials.create` / `get`, the plain reasons a refused
//! ceremony is answered with, the lockout after failed sign-ins, which presented ids and
//! invite secrets are worth a lookup, the invite link, and the stored public key's hex.
//! Verifying a ceremony is [`crate::webauthn`]; sessions and roles are [`crate::staff`].
//!
//! Must not depend on: worker.

use crate::staff::{Role, CHALLENGE_TTL_MS};
use crate::staff_access::b64url;
use crate::webauthn::{WebauthnError, ES256};
use serde_json::{json, Value};

/// Failed sign-ins of one passkey within [`LOCKOUT_WINDOW_MS`] before it is locked out.
pub const LOCKOUT_FAILURES: u64 = 10;
/// The lockout's sliding window.
pub const LOCKOUT_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Longest passkey id looked up (WebAuthn allows 1023 bytes: ~1364 base64url characters).
pub const MAX_CREDENTIAL_ID_CHARS: usize = 1_400;
/// Longest invite secret looked up (ours are 43 characters).
pub const MAX_INVITE_SECRET_CHARS: usize = 128;
/// Most passkeys one staff member may have (a phone, a laptop, spare keys…).
pub const MAX_PASSKEYS_PER_MEMBER: usize = 10;

/// Whether a member who has passkeys `existing` may add passkey `new_id`: `Err` with the
/// reason when it is one of theirs already or they have [`MAX_PASSKEYS_PER_MEMBER`].
pub fn may_add_passkey(existing: &[String], new_id: &str) -> Result<(), &'static str> {
    if existing.iter().any(|id| id == new_id) {
        return Err("This passkey is already registered for you.");
    }
    room_for_another(existing.len())
}

/// Whether a member with `count` passkeys may start adding one.
pub fn room_for_another(count: usize) -> Result<(), &'static str> {
    if count >= MAX_PASSKEYS_PER_MEMBER {
        return Err("You have the most passkeys allowed (10).");
    }
    Ok(())
}

/// Whether `failures` recent failed sign-ins lock the passkey out.
pub fn locked_out(failures: u64) -> bool {
    failures >= LOCKOUT_FAILURES
}

/// The id of a presented passkey (padding removed), when it is worth looking up.
pub fn credential_id(presented: &str) -> Option<&str> {
    let id = presented.trim_end_matches('=');
    (!id.is_empty() && id.len() <= MAX_CREDENTIAL_ID_CHARS).then_some(id)
}

/// Whether an invite secret is worth looking up (its hash is what is stored).
pub fn invite_secret_plausible(secret: &str) -> bool {
    !secret.is_empty() && secret.len() <= MAX_INVITE_SECRET_CHARS
}

/// The link an invite is sent as: the secret rides in the fragment, which browsers never send
/// to a server or put in a `Referer`.
pub fn invite_url(console_origin: &str, tenant_id: &str, secret: &str) -> String {
    format!("{console_origin}/admin/?tenant={tenant_id}#invite={secret}")
}

/// Who a registration makes a passkey for.
#[derive(Debug, Clone, Copy)]
pub struct Registrant<'a> {
    /// The staff id (the passkey's user handle).
    pub staff_id: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Role.
    pub role: Role,
}

/// The answer of a registration's `begin`: the challenge's expiry, who registers, and the
/// `publicKey` options for `navigator.credentials.create` — ES256, `none` attestation, a
/// discoverable passkey with user verification. `exclude`: passkey ids the member already
/// has (base64url), so an authenticator that holds one of them declines to make another.
pub fn registration_options(
    challenge_b64: &str,
    expires_at_ms: u64,
    rp_id: &str,
    who: &Registrant<'_>,
    exclude: &[String],
) -> Value {
    let mut options = json!({
        "expires_at_ms": expires_at_ms,
        "staff": {"name": who.name, "role": who.role.name()},
        "publicKey": {
            "challenge": challenge_b64,
            "rp": {"id": rp_id, "name": "Shopkeep console"},
            "user": {"id": b64url(who.staff_id.as_bytes()), "name": who.name, "displayName": who.name},
            "pubKeyCredParams": [{"type": "public-key", "alg": ES256}],
            "attestation": "none",
            "authenticatorSelection": {"residentKey": "required", "requireResidentKey": true, "userVerification": "required"},
            "timeout": CHALLENGE_TTL_MS,
        }
    });
    if !exclude.is_empty() {
        options["publicKey"]["excludeCredentials"] = exclude
            .iter()
            .map(|id| json!({"type": "public-key", "id": id}))
            .collect();
    }
    options
}

/// The answer of a sign-in's `begin`: the options for `navigator.credentials.get` (a
/// discoverable passkey: no user name asked).
pub fn signin_options(challenge_b64: &str, expires_at_ms: u64, rp_id: &str) -> Value {
    json!({
        "expires_at_ms": expires_at_ms,
        "publicKey": {
            "challenge": challenge_b64,
            "rpId": rp_id,
            "userVerification": "required",
            "allowCredentials": [],
            "timeout": CHALLENGE_TTL_MS,
        }
    })
}

/// The plain reason a refused ceremony is answered with (`401`): what the staff member can
/// do about it, nothing about the cryptography.
pub fn refusal(err: &WebauthnError) -> &'static str {
    match err {
        WebauthnError::Counter => {
            "This passkey's signature counter went backwards (a cloned passkey?): sign-in refused. Ask an admin."
        }
        WebauthnError::Origin | WebauthnError::RelyingParty => {
            "The passkey was made for another site: open the console at its usual address."
        }
        _ => "The passkey could not be verified.",
    }
}

/// Lower-case hex (a passkey's public key as stored).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of [`hex`] text; `None` when it is not hex.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len()
        .is_multiple_of(2)
        .then(|| {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_lock_a_passkey_out() {
        assert!(!locked_out(LOCKOUT_FAILURES - 1));
        assert!(locked_out(LOCKOUT_FAILURES));
        assert!(locked_out(LOCKOUT_FAILURES + 5));
    }

    #[test]
    fn only_plausible_ids_and_secrets_are_looked_up() {
        assert_eq!(credential_id("abc=="), Some("abc"));
        assert_eq!(credential_id("=="), None);
        assert_eq!(
            credential_id(&"a".repeat(MAX_CREDENTIAL_ID_CHARS)).map(str::len),
            Some(MAX_CREDENTIAL_ID_CHARS)
        );
        assert_eq!(
            credential_id(&"a".repeat(MAX_CREDENTIAL_ID_CHARS + 1)),
            None
        );
        assert!(invite_secret_plausible("x"));
        assert!(!invite_secret_plausible(""));
        assert!(!invite_secret_plausible(&"x".repeat(129)));
    }

    #[test]
    fn the_invite_secret_rides_in_the_fragment() {
        let url = invite_url("https://console.example.com", "acme", "s3cr3t");
        assert_eq!(
            url,
            "https://console.example.com/admin/?tenant=acme#invite=s3cr3t"
        );
        assert!(!url.split('#').next().unwrap().contains("s3cr3t"));
    }

    #[test]
    fn registration_asks_for_a_discoverable_es256_passkey_with_verification() {
        let who = Registrant {
            staff_id: "st_1",
            name: "Sam",
            role: Role::Agent,
        };
        let options = registration_options("ch", 99, "shop.example", &who, &["old".into()]);
        let pk = &options["publicKey"];
        assert_eq!(options["staff"], json!({"name": "Sam", "role": "agent"}));
        assert_eq!(options["expires_at_ms"], 99);
        assert_eq!(pk["rp"]["id"], "shop.example");
        assert_eq!(pk["user"]["id"], b64url(b"st_1"));
        assert_eq!(
            pk["pubKeyCredParams"],
            json!([{"type": "public-key", "alg": -7}])
        );
        assert_eq!(pk["attestation"], "none");
        assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
        assert_eq!(
            pk["excludeCredentials"],
            json!([{"type": "public-key", "id": "old"}])
        );
        let first = registration_options("ch", 99, "shop.example", &who, &[]);
        assert!(first["publicKey"].get("excludeCredentials").is_none());
        let signin = signin_options("ch", 99, "shop.example");
        assert_eq!(signin["publicKey"]["rpId"], "shop.example");
        assert_eq!(signin["publicKey"]["allowCredentials"], json!([]));
    }

    #[test]
    fn refusals_say_what_to_do_never_how_it_failed() {
        assert!(refusal(&WebauthnError::Counter).contains("cloned"));
        assert!(refusal(&WebauthnError::Origin).contains("another site"));
        assert_eq!(
            refusal(&WebauthnError::RelyingParty),
            refusal(&WebauthnError::Origin)
        );
        assert_eq!(
            refusal(&WebauthnError::Challenge),
            "The passkey could not be verified."
        );
    }

    #[test]
    fn hex_round_trips_and_refuses_non_hex() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(""), Some(vec![]));
    }

    #[test]
    fn a_member_adds_new_passkeys_up_to_the_limit() {
        let mine: Vec<String> = vec!["a".into(), "b".into()];
        assert_eq!(may_add_passkey(&mine, "c"), Ok(()));
        assert!(may_add_passkey(&mine, "b").unwrap_err().contains("already"));
        let full: Vec<String> = (0..MAX_PASSKEYS_PER_MEMBER)
            .map(|i| i.to_string())
            .collect();
        assert!(may_add_passkey(&full, "new")
            .unwrap_err()
            .contains("most passkeys"));
        assert_eq!(may_add_passkey(&full[1..], "new"), Ok(()));
        assert!(room_for_another(MAX_PASSKEYS_PER_MEMBER - 1).is_ok());
        assert!(room_for_another(MAX_PASSKEYS_PER_MEMBER).is_err());
    }
}
