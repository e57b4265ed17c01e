//! Proves the session-token contract of SPEC §3: sign→verify round-trips any claims; any
//! altered character or bit, any truncation, another tenant's key or another purpose's key is
//! refused; expiry is exact with injected time (valid strictly before `expires_at_ms`) and is
//! only reported after the signature verified; resume grace works; over-long tokens are refused
//! before decoding; key derivation and random ids are deterministic in their inputs.

use proptest::prelude::*;
use shopkeep_gateway_core::session_token::{
    derive_key, peek, peek_kid, peek_tenant, random_id, sign, verify, verify_allowing_expired,
    KeyPurpose, SessionClaims, TokenError, MAX_TOKEN_LEN,
};

const MASTER: &[u8] = b"test master secret, not a real one";

fn key(tenant: &str) -> [u8; 32] {
    derive_key(MASTER, tenant, KeyPurpose::Session, "k1")
}

fn claims() -> SessionClaims {
    SessionClaims {
        tenant_id: "demo".into(),
        session_id: "s_AAAAAAAAAAAAAAAAAAAAAA".into(),
        conversation_id: "c_BBBBBBBBBBBBBBBBBBBBBB".into(),
        origin: "https://shop.example:8443".into(),
        user_id: Some("user-42".into()),
        email_digest: Some("q3Zb1sV0m9fNf2xK8wYc1A".into()),
        consent: false,
        issued_at_ms: 1_790_000_000_000,
        expires_at_ms: 1_790_000_000_000 + 86_400_000,
    }
}

#[test]
fn a_fresh_token_verifies_and_carries_its_claims() {
    let token = sign(&claims(), "k1", &key("demo"));
    assert_eq!(
        verify(&token, &key("demo"), claims().issued_at_ms),
        Ok(claims())
    );
    assert_eq!(peek_kid(&token), Ok("k1".to_owned()));
    assert!(token.starts_with("v1.") && token.matches('.').count() == 2);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
        "{token}"
    );
}

#[test]
fn signing_is_deterministic() {
    assert_eq!(
        sign(&claims(), "k1", &key("demo")),
        sign(&claims(), "k1", &key("demo"))
    );
}

#[test]
fn expiry_is_exact() {
    let c = claims();
    let token = sign(&c, "k1", &key("demo"));
    assert_eq!(
        verify(&token, &key("demo"), c.expires_at_ms - 1),
        Ok(c.clone())
    );
    assert_eq!(
        verify(&token, &key("demo"), c.expires_at_ms),
        Err(TokenError::Expired)
    );
    assert_eq!(
        verify(&token, &key("demo"), u64::MAX),
        Err(TokenError::Expired)
    );
}

#[test]
fn an_expired_forgery_is_a_bad_signature_not_expired() {
    let c = claims();
    let token = sign(&c, "k1", &key("other"));
    assert_eq!(
        verify(&token, &key("demo"), c.expires_at_ms + 1),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn resume_grace_accepts_recently_expired_tokens_only() {
    let c = claims();
    let token = sign(&c, "k1", &key("demo"));
    let grace = 30 * 86_400_000;
    let ok = |now| verify_allowing_expired(&token, &key("demo"), now, grace);
    assert_eq!(ok(c.expires_at_ms - 1), Ok(c.clone()));
    assert_eq!(ok(c.expires_at_ms), Ok(c.clone()));
    assert_eq!(ok(c.expires_at_ms + grace - 1), Ok(c.clone()));
    assert_eq!(ok(c.expires_at_ms + grace), Err(TokenError::Expired));
    assert_eq!(
        verify_allowing_expired(&token, &key("other"), c.expires_at_ms, grace),
        Err(TokenError::BadSignature)
    );
    // A huge grace does not overflow.
    assert_eq!(
        verify_allowing_expired(&token, &key("demo"), u64::MAX - 1, u64::MAX),
        Ok(c)
    );
}

#[test]
fn another_tenants_key_is_refused() {
    let token = sign(&claims(), "k1", &key("demo"));
    assert_eq!(
        verify(&token, &key("demo2"), 0),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn keys_differ_by_tenant_purpose_kid_and_secret() {
    let base = derive_key(MASTER, "demo", KeyPurpose::Session, "k1");
    assert_eq!(base, derive_key(MASTER, "demo", KeyPurpose::Session, "k1"));
    for other in [
        derive_key(MASTER, "demo2", KeyPurpose::Session, "k1"),
        derive_key(MASTER, "demo", KeyPurpose::Identity, "k1"),
        derive_key(MASTER, "demo", KeyPurpose::Admin, "k1"),
        derive_key(MASTER, "demo", KeyPurpose::Session, "k2"),
        derive_key(b"another master secret", "demo", KeyPurpose::Session, "k1"),
    ] {
        assert_ne!(base, other);
    }
}

#[test]
fn derive_key_is_the_documented_hmac() {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(MASTER).unwrap();
    mac.update(b"shopkeep/v1/identity/demo/k7");
    let want: [u8; 32] = mac.finalize().into_bytes().into();
    assert_eq!(derive_key(MASTER, "demo", KeyPurpose::Identity, "k7"), want);
}

#[test]
fn every_single_character_change_is_refused() {
    let token = sign(&claims(), "k1", &key("demo"));
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ";
    for i in 0..token.len() {
        for &c in alphabet {
            if token.as_bytes()[i] == c {
                continue;
            }
            let mut altered = token.clone().into_bytes();
            altered[i] = c;
            let altered = String::from_utf8(altered).unwrap();
            assert!(
                verify(&altered, &key("demo"), 0).is_err(),
                "accepted {altered}"
            );
        }
    }
}

#[test]
fn every_single_bit_flip_is_refused() {
    let token = sign(&claims(), "k1", &key("demo"));
    for i in 0..token.len() {
        for bit in 0..8 {
            let mut altered = token.clone().into_bytes();
            altered[i] ^= 1 << bit;
            // A flip that breaks UTF-8 cannot even reach `verify` as a &str.
            if let Ok(altered) = String::from_utf8(altered) {
                assert!(
                    verify(&altered, &key("demo"), 0).is_err(),
                    "accepted {altered}"
                );
            }
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    let token = sign(&claims(), "k1", &key("demo"));
    for end in 0..token.len() {
        assert!(
            verify(&token[..end], &key("demo"), 0).is_err(),
            "accepted {}",
            &token[..end]
        );
        assert!(verify(&token[token.len() - end..], &key("demo"), 0).is_err());
    }
}

#[test]
fn appended_or_padded_tokens_are_refused() {
    let token = sign(&claims(), "k1", &key("demo"));
    for extra in ["=", "A", ".", ".x", " ", "\n"] {
        let altered = format!("{token}{extra}");
        assert!(
            verify(&altered, &key("demo"), 0).is_err(),
            "accepted {altered:?}"
        );
    }
}

#[test]
fn malformed_tokens_say_so() {
    for bad in [
        "",
        ".",
        "..",
        "v1",
        "v1.",
        "v1..",
        "v1.abc",
        "v1.abc.",
        "v1..abc",
        "v1.!!!.abc",
        "x.y.z",
        "v1.a.b.c",
    ] {
        assert_eq!(
            verify(bad, &key("demo"), 0),
            Err(TokenError::Malformed),
            "{bad:?}"
        );
        assert!(peek_kid(bad).is_err(), "{bad:?}");
        assert!(peek_tenant(bad).is_err(), "{bad:?}");
        assert!(peek(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn other_versions_are_unsupported() {
    let token = sign(&claims(), "k1", &key("demo"));
    let v2 = token.replacen("v1.", "v2.", 1);
    assert_eq!(
        verify(&v2, &key("demo"), 0),
        Err(TokenError::UnsupportedVersion)
    );
    assert_eq!(peek_kid(&v2), Err(TokenError::UnsupportedVersion));
    assert_eq!(peek(&v2), Err(TokenError::UnsupportedVersion));
}

#[test]
fn over_long_tokens_are_refused_before_decoding() {
    let long = format!("v1.{}.x", "A".repeat(MAX_TOKEN_LEN));
    assert_eq!(verify(&long, &key("demo"), 0), Err(TokenError::TooLong));
    assert_eq!(peek_kid(&long), Err(TokenError::TooLong));
    assert_eq!(
        verify(&"!".repeat(MAX_TOKEN_LEN + 1), &key("demo"), 0),
        Err(TokenError::TooLong)
    );
}

#[test]
fn a_signed_payload_that_is_not_our_json_is_malformed() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let k = key("demo");
    let signed = format!("v1.{}", URL_SAFE_NO_PAD.encode(br#"{"t":"demo"}"#));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&k).unwrap();
    mac.update(signed.as_bytes());
    let token = format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(verify(&token, &k, 0), Err(TokenError::Malformed));
}

#[test]
fn kid_and_tenant_can_be_peeked_without_a_key() {
    let token = sign(&claims(), "2026-05", &key("demo"));
    assert_eq!(peek_kid(&token).as_deref(), Ok("2026-05"));
    assert_eq!(peek_tenant(&token).as_deref(), Ok("demo"));
    assert_eq!(peek_tenant(&token[..20]), Err(TokenError::Malformed));
    assert_eq!(
        peek_tenant(&"A".repeat(MAX_TOKEN_LEN + 1)),
        Err(TokenError::TooLong)
    );
}

#[test]
fn errors_never_echo_the_token() {
    let token = sign(&claims(), "k1", &key("demo"));
    for err in [
        TokenError::Malformed,
        TokenError::BadSignature,
        TokenError::Expired,
        TokenError::UnsupportedVersion,
        TokenError::TooLong,
    ] {
        let text = err.to_string();
        assert!(!text.is_empty() && !text.contains(&token[3..10]));
    }
}

#[test]
fn random_ids_have_a_prefix_and_22_url_safe_chars() {
    let id = random_id("s_", &[0xff; 16]);
    assert_eq!(id, "s______________________w");
    assert_eq!(random_id("c_", &[0; 16]), "c_AAAAAAAAAAAAAAAAAAAAAA");
    assert_ne!(random_id("s_", &[1; 16]), random_id("s_", &[2; 16]));
}

fn arb_claims() -> impl Strategy<Value = SessionClaims> {
    (
        "[a-z0-9-]{1,32}",
        "\\PC{0,40}",
        "\\PC{0,40}",
        "\\PC{0,60}",
        (
            proptest::option::of("\\PC{0,40}"),
            proptest::option::of("[A-Za-z0-9_-]{22}"),
        ),
        any::<u64>(),
        any::<u64>(),
    )
        .prop_map(
            |(
                tenant_id,
                session_id,
                conversation_id,
                origin,
                (user_id, email_digest),
                issued_at_ms,
                expires_at_ms,
            )| {
                SessionClaims {
                    tenant_id,
                    session_id,
                    conversation_id,
                    origin,
                    user_id,
                    email_digest,
                    // Alternate consent with the parity of the issue time, so both values are covered.
                    consent: issued_at_ms % 2 == 0,
                    issued_at_ms,
                    expires_at_ms,
                }
            },
        )
}

proptest! {
    /// One decode gives what the two peeks give (the gateway's authentication uses it).
    #[test]
    fn peek_is_peek_tenant_and_peek_kid(c in arb_claims(), kid in "[A-Za-z0-9_-]{1,16}", junk in ".{0,40}") {
        let token = sign(&c, &kid, &derive_key(MASTER, &c.tenant_id, KeyPurpose::Session, &kid));
        for t in [token.clone(), format!("{token}{junk}"), junk.clone()] {
            match peek(&t) {
                Ok((tenant, k)) => {
                    prop_assert_eq!(Ok(tenant), peek_tenant(&t));
                    prop_assert_eq!(Ok(k), peek_kid(&t));
                }
                Err(e) => {
                    prop_assert_eq!(Err(e.clone()), peek_tenant(&t));
                    prop_assert_eq!(Err(e), peek_kid(&t));
                }
            }
        }
        prop_assert_eq!(peek(&token), Ok((c.tenant_id.clone(), kid.clone())));
    }

    #[test]
    fn sign_then_verify_round_trips(c in arb_claims(), kid in "[A-Za-z0-9_-]{1,16}", now in any::<u64>()) {
        let k = derive_key(MASTER, &c.tenant_id, KeyPurpose::Session, &kid);
        let token = sign(&c, &kid, &k);
        prop_assert_eq!(peek_kid(&token), Ok(kid));
        let result = verify(&token, &k, now);
        if now < c.expires_at_ms {
            prop_assert_eq!(result, Ok(c));
        } else {
            prop_assert_eq!(result, Err(TokenError::Expired));
        }
    }

    #[test]
    fn a_random_change_is_refused(c in arb_claims(), at in any::<prop::sample::Index>(), ch in "[A-Za-z0-9_.=-]") {
        let k = key("demo");
        let token = sign(&c, "k1", &k);
        let i = at.index(token.len());
        let ch = ch.as_bytes()[0];
        prop_assume!(token.as_bytes()[i] != ch);
        let mut altered = token.into_bytes();
        altered[i] = ch;
        let altered = String::from_utf8(altered).unwrap();
        prop_assert!(verify(&altered, &k, 0).is_err());
    }

    #[test]
    fn arbitrary_strings_never_verify(s in "\\PC{0,300}") {
        prop_assert!(verify(&s, &key("demo"), 0).is_err());
        let _ = peek_kid(&s);
    }
}
