//! Proves the identity-token contract of SPEC §3: an HS256 JWT signed by the shop's server
//! verifies (including one produced by an independent implementation, Python's stdlib) and
//! round-trips any valid claims; any single changed character and any truncation is refused;
//! `alg` must be exactly `HS256` (`none`, `HS512`, `RS256`, case variants and a missing `alg`
//! are refused before any key is looked up); unknown kids are refused; `exp`/`nbf` obey the
//! 60 s leeway exactly with injected time; odd headers (extra or duplicate fields, arrays) are
//! refused deterministically; claims are checked only after the signature; over-long tokens are
//! refused before decoding; errors never echo the token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::Sha256;
use shopkeep_gateway_core::identity::{
    peek_kid, sign, verify, IdentityClaims, IdentityError, LEEWAY_S, MAX_IDENTITY_TOKEN_LEN,
};
use shopkeep_gateway_core::session_token::{derive_key, KeyPurpose};

const MASTER: &[u8] = b"test master secret, not a real one";
const NOW: u64 = 1_790_000_000;

fn key(kid: &str) -> [u8; 32] {
    derive_key(MASTER, "demo", KeyPurpose::Identity, kid)
}

/// The tenant's live identity kids: `i1` and `i2`.
fn keys(kid: &str) -> Option<[u8; 32]> {
    matches!(kid, "i1" | "i2").then(|| key(kid))
}

fn claims() -> IdentityClaims {
    IdentityClaims {
        sub: "user-42".into(),
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        email_verified: false,
        exp: NOW + 3600,
        nbf: None,
        iat: Some(NOW),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with exactly this header and payload text, correctly signed under `key`.
fn raw_token(header: &str, payload: &str, key: &[u8]) -> String {
    let signed = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

const PAYLOAD: &str = r#"{"sub":"user-42","exp":1790003600}"#;

fn with_header(header: &str) -> Result<IdentityClaims, IdentityError> {
    verify(&raw_token(header, PAYLOAD, &key("i1")), keys, NOW)
}

fn with_payload(payload: &str) -> Result<IdentityClaims, IdentityError> {
    let header = r#"{"alg":"HS256","typ":"JWT","kid":"i1"}"#;
    verify(&raw_token(header, payload, &key("i1")), keys, NOW)
}

#[test]
fn a_token_signed_by_the_shop_verifies_and_carries_its_claims() {
    let token = sign(&claims(), "i1", &key("i1"));
    assert_eq!(verify(&token, keys, NOW), Ok(claims()));
    assert_eq!(peek_kid(&token), Ok("i1".to_owned()));
    assert_eq!(token.matches('.').count(), 2);
    // The header is the documented one, in the documented order.
    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    assert_eq!(header, br#"{"alg":"HS256","typ":"JWT","kid":"i1"}"#);
}

/// Produced with Python's stdlib (`json.dumps` with its default `", "`/`": "` separators,
/// PyJWT's header order, an extra `aud` claim): the signature covers the exact received bytes,
/// whatever their spacing or key order, and unknown claims are ignored.
#[test]
fn a_token_from_an_independent_implementation_verifies() {
    const KEY: &[u8; 32] = b"shopkeep identity test vector k1";
    const TOKEN: &str = "eyJhbGciOiAiSFMyNTYiLCAia2lkIjogImkxIiwgInR5cCI6ICJKV1QifQ.eyJzdWIiOiAidXNlci00MiIsICJuYW1lIjogIkFkYSBMb3ZlbGFjZSIsICJlbWFpbCI6ICJhZGFAZXhhbXBsZS5jb20iLCAiaWF0IjogMTc5MDAwMDAwMCwgImV4cCI6IDE3OTAwMDM2MDAsICJhdWQiOiAic2hvcGtlZXAifQ.q5t3BkOvcepOkQA6eCwaI_3ssjjvKEA9hFvc2r49p7o";
    let lookup = |kid: &str| (kid == "i1").then_some(*KEY);
    assert_eq!(verify(TOKEN, lookup, NOW), Ok(claims()));
    assert_eq!(
        verify(TOKEN, |_| Some(key("i1")), NOW),
        Err(IdentityError::BadSignature)
    );
}

/// The same claims, compact JSON in our field order, signed by Python: `sign` produces it byte
/// for byte, so the docs' Node/Python/PHP snippets and the CLI agree with the gateway.
#[test]
fn sign_matches_an_independent_implementation_byte_for_byte() {
    const KEY: &[u8; 32] = b"shopkeep identity test vector k1";
    const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImkxIn0.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFkYSBMb3ZlbGFjZSIsImVtYWlsIjoiYWRhQGV4YW1wbGUuY29tIiwiZXhwIjoxNzkwMDAzNjAwLCJpYXQiOjE3OTAwMDAwMDB9.ddTdlAzAzMir7LUvAAzR42bzL54hSAjNQL6GHFrWaPE";
    assert_eq!(sign(&claims(), "i1", KEY), TOKEN);
}

#[test]
fn every_single_character_change_is_refused() {
    let token = sign(&claims(), "i1", &key("i1"));
    for (at, old) in token.char_indices() {
        for new in ['A', 'g', 'Q', '0', '-', '_', '.', '='] {
            if new == old {
                continue;
            }
            let mut forged = token.clone();
            forged.replace_range(at..at + 1, &new.to_string());
            assert!(
                verify(&forged, keys, NOW).is_err(),
                "changing byte {at} to {new:?} still verified"
            );
        }
    }
}

#[test]
fn every_single_bit_flip_is_refused() {
    let token = sign(&claims(), "i1", &key("i1"));
    for at in 0..token.len() {
        for bit in 0..8 {
            let mut bytes = token.clone().into_bytes();
            bytes[at] ^= 1 << bit;
            if let Ok(forged) = String::from_utf8(bytes) {
                assert!(
                    verify(&forged, keys, NOW).is_err(),
                    "bit {bit} of byte {at}"
                );
            }
        }
    }
}

#[test]
fn every_truncation_is_refused() {
    let token = sign(&claims(), "i1", &key("i1"));
    for end in 0..token.len() {
        assert!(verify(&token[..end], keys, NOW).is_err(), "prefix of {end}");
    }
    for start in 1..token.len() {
        assert!(
            verify(&token[start..], keys, NOW).is_err(),
            "suffix from {start}"
        );
    }
}

#[test]
fn appended_characters_and_padding_are_refused() {
    let token = sign(&claims(), "i1", &key("i1"));
    for extra in ["=", "==", "A", ".", ".x", " ", "\n"] {
        assert!(
            verify(&format!("{token}{extra}"), keys, NOW).is_err(),
            "{extra:?}"
        );
    }
    assert!(verify(&format!(" {token}"), keys, NOW).is_err());
}

#[test]
fn alg_none_with_an_empty_signature_is_refused() {
    let header = b64(br#"{"alg":"none","typ":"JWT","kid":"i1"}"#);
    let payload = b64(PAYLOAD.as_bytes());
    let token = format!("{header}.{payload}.");
    assert_eq!(
        verify(&token, keys, NOW),
        Err(IdentityError::UnsupportedAlgorithm)
    );
    assert_eq!(peek_kid(&token), Err(IdentityError::UnsupportedAlgorithm));
    // Even with the right key's HS256 MAC attached, `none` stays refused.
    let signed = raw_token(
        r#"{"alg":"none","typ":"JWT","kid":"i1"}"#,
        PAYLOAD,
        &key("i1"),
    );
    assert_eq!(
        verify(&signed, keys, NOW),
        Err(IdentityError::UnsupportedAlgorithm)
    );
}

#[test]
fn any_alg_but_exactly_hs256_is_refused_before_the_key_lookup() {
    for alg in [
        "none", "None", "NONE", "hs256", "Hs256", "hS256", "HS256 ", " HS256", "HS384", "HS512",
        "RS256", "ES256", "PS256", "EdDSA", "",
    ] {
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"i1"}}"#);
        let token = raw_token(&header, PAYLOAD, &key("i1"));
        let looked_up = std::cell::Cell::new(false);
        let result = verify(
            &token,
            |kid| {
                looked_up.set(true);
                keys(kid)
            },
            NOW,
        );
        assert_eq!(result, Err(IdentityError::UnsupportedAlgorithm), "{alg:?}");
        assert!(!looked_up.get(), "{alg:?} reached the key lookup");
    }
    assert_eq!(
        with_header(r#"{"typ":"JWT","kid":"i1"}"#),
        Err(IdentityError::UnsupportedAlgorithm)
    );
    assert_eq!(
        with_header(r#"{"alg":null,"kid":"i1"}"#),
        Err(IdentityError::UnsupportedAlgorithm)
    );
}

#[test]
fn an_hs512_token_signed_with_the_right_key_is_refused() {
    use sha2::Sha512;
    let signed = format!(
        "{}.{}",
        b64(br#"{"alg":"HS512","typ":"JWT","kid":"i1"}"#),
        b64(PAYLOAD.as_bytes())
    );
    let mut mac = Hmac::<Sha512>::new_from_slice(&key("i1")).unwrap();
    mac.update(signed.as_bytes());
    let token = format!("{signed}.{}", b64(&mac.finalize().into_bytes()));
    assert_eq!(
        verify(&token, keys, NOW),
        Err(IdentityError::UnsupportedAlgorithm)
    );
}

#[test]
fn unknown_or_missing_kids_are_refused() {
    let token = sign(&claims(), "i9", &key("i9"));
    assert_eq!(peek_kid(&token), Ok("i9".to_owned()));
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::UnknownKid));
    assert_eq!(
        with_header(r#"{"alg":"HS256","typ":"JWT"}"#),
        Err(IdentityError::UnknownKid)
    );
    for kid in ["", "i/1", "i 1", &"i".repeat(33), "ï1"] {
        let header = format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#);
        let looked_up = std::cell::Cell::new(false);
        let token = raw_token(&header, PAYLOAD, &key("i1"));
        let result = verify(
            &token,
            |_| {
                looked_up.set(true);
                Some(key("i1"))
            },
            NOW,
        );
        assert_eq!(result, Err(IdentityError::UnknownKid), "{kid:?}");
        assert!(!looked_up.get());
    }
}

#[test]
fn another_kids_key_or_another_tenants_key_is_a_bad_signature() {
    let token = sign(&claims(), "i1", &key("i2"));
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::BadSignature));
    let other_tenant = derive_key(MASTER, "demo2", KeyPurpose::Identity, "i1");
    let token = sign(&claims(), "i1", &other_tenant);
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::BadSignature));
    let session_key = derive_key(MASTER, "demo", KeyPurpose::Session, "i1");
    let token = sign(&claims(), "i1", &session_key);
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::BadSignature));
}

#[test]
fn expiry_allows_exactly_the_leeway() {
    let at = |exp: u64, now: u64| {
        let c = IdentityClaims { exp, ..claims() };
        verify(&sign(&c, "i1", &key("i1")), keys, now).map(|_| ())
    };
    assert_eq!(at(NOW, NOW), Ok(()));
    assert_eq!(at(NOW - LEEWAY_S, NOW), Ok(()));
    assert_eq!(at(NOW - LEEWAY_S - 1, NOW), Err(IdentityError::Expired));
    assert_eq!(at(NOW + 1, NOW), Ok(()));
    assert_eq!(at(0, NOW), Err(IdentityError::Expired));
    assert_eq!(at(u64::MAX, u64::MAX), Ok(()));
    assert_eq!(at(u64::MAX - 1, 0), Ok(()));
    assert_eq!(at(0, LEEWAY_S), Ok(()));
    assert_eq!(at(0, LEEWAY_S + 1), Err(IdentityError::Expired));
}

#[test]
fn not_before_allows_exactly_the_leeway() {
    let at = |nbf: u64, now: u64| {
        let c = IdentityClaims {
            nbf: Some(nbf),
            exp: u64::MAX,
            ..claims()
        };
        verify(&sign(&c, "i1", &key("i1")), keys, now).map(|_| ())
    };
    assert_eq!(at(NOW, NOW), Ok(()));
    assert_eq!(at(NOW + LEEWAY_S, NOW), Ok(()));
    assert_eq!(at(NOW + LEEWAY_S + 1, NOW), Err(IdentityError::NotYetValid));
    assert_eq!(at(u64::MAX, NOW), Err(IdentityError::NotYetValid));
    assert_eq!(at(u64::MAX, u64::MAX), Ok(()));
    assert_eq!(at(0, NOW), Ok(()));
}

#[test]
fn an_expired_forgery_is_a_bad_signature_not_expired() {
    let c = IdentityClaims { exp: 0, ..claims() };
    let token = sign(&c, "i1", &key("i2"));
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::BadSignature));
}

#[test]
fn extra_duplicate_or_mistyped_header_fields_are_malformed() {
    for header in [
        r#"{"alg":"HS256","typ":"JWT","kid":"i1","crit":["exp"]}"#,
        r#"{"alg":"HS256","typ":"JWT","kid":"i1","jku":"https://evil.example/keys"}"#,
        r#"{"alg":"HS256","alg":"HS256","kid":"i1"}"#,
        r#"{"alg":"none","alg":"HS256","kid":"i1"}"#,
        r#"{"alg":"HS256","kid":"i2","kid":"i1"}"#,
        r#"{"alg":"HS256","typ":"JWS","kid":"i1"}"#,
        r#"{"alg":"HS256","typ":null,"kid":"i1"}"#,
        r#"{"alg":256,"kid":"i1"}"#,
        r#"{"alg":"HS256","kid":1}"#,
        r#"["HS256","JWT","i1"]"#,
        r#""HS256""#,
        r#"{"alg":"HS256","kid":"i1"} trailing"#,
        "not json",
        "",
    ] {
        let expected = if header == r#"{"alg":"HS256","typ":null,"kid":"i1"}"# {
            Ok(()) // a null `typ` is an absent one
        } else {
            Err(IdentityError::Malformed)
        };
        let got = with_header(header).map(|_| ());
        assert_eq!(got, expected, "{header}");
        // Deterministic: the same input always gives the same answer.
        assert_eq!(with_header(header).map(|_| ()), got);
    }
    // Spacing, key order and a lowercase `typ` are fine: the header is JSON, not a string.
    for header in [
        r#"{"kid":"i1","alg":"HS256"}"#,
        r#" { "typ" : "jwt" , "alg" : "HS256" , "kid" : "i1" } "#,
    ] {
        assert!(with_header(header).is_ok(), "{header}");
    }
}

#[test]
fn claims_are_checked_after_the_signature() {
    let long = |n: usize| "x".repeat(n);
    let ok = [
        r#"{"sub":"u","exp":1790003600}"#.to_owned(),
        format!(r#"{{"sub":"{}","exp":1790003600}}"#, long(128)),
        format!(r#"{{"sub":"u","name":"{}","exp":1790003600}}"#, long(100)),
        format!(r#"{{"sub":"u","email":"{}","exp":1790003600}}"#, long(254)),
        r#"{"sub":"ü","exp":1790003600,"iss":"shop","aud":["x"],"jti":"1"}"#.to_owned(),
    ];
    for payload in &ok {
        assert!(with_payload(payload).is_ok(), "{payload}");
    }
    let invalid = [
        r#"{"exp":1790003600}"#.to_owned(),
        r#"{"sub":"","exp":1790003600}"#.to_owned(),
        r#"{"sub":"u"}"#.to_owned(),
        r#"{"sub":"u","exp":"1790003600"}"#.to_owned(),
        r#"{"sub":"u","exp":1790003600.5}"#.to_owned(),
        r#"{"sub":"u","exp":-1}"#.to_owned(),
        r#"{"sub":42,"exp":1790003600}"#.to_owned(),
        r#"{"sub":"a\nb","exp":1790003600}"#.to_owned(),
        r#"{"sub":"u","name":"a\u0000b","exp":1790003600}"#.to_owned(),
        r#"{"sub":"u","sub":"v","exp":1790003600}"#.to_owned(),
        format!(r#"{{"sub":"{}","exp":1790003600}}"#, long(129)),
        format!(r#"{{"sub":"u","name":"{}","exp":1790003600}}"#, long(101)),
        format!(r#"{{"sub":"u","email":"{}","exp":1790003600}}"#, long(255)),
        r#"["u",null,null,1790003600,null,null]"#.to_owned(),
        "null".to_owned(),
        "{".to_owned(),
    ];
    for payload in &invalid {
        assert_eq!(
            with_payload(payload),
            Err(IdentityError::InvalidClaims),
            "{payload}"
        );
    }
    // The same invalid payload under the wrong key is a bad signature: nothing unverified is
    // parsed.
    let header = r#"{"alg":"HS256","kid":"i1"}"#;
    let token = raw_token(header, "{", &key("i2"));
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::BadSignature));
}

#[test]
fn malformed_structure_says_so() {
    let token = sign(&claims(), "i1", &key("i1"));
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        parts[0].into(),
        format!("{}.{}", parts[0], parts[1]),
        format!(".{}.{}", parts[1], parts[2]),
        format!("{}..{}", parts[0], parts[2]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[2]),
        format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}+.{}", parts[0], parts[1], parts[2]),
    ] {
        assert_eq!(
            verify(&bad, keys, NOW),
            Err(IdentityError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn over_long_tokens_are_refused_before_decoding() {
    let token = "a".repeat(MAX_IDENTITY_TOKEN_LEN + 1);
    assert_eq!(verify(&token, keys, NOW), Err(IdentityError::TooLong));
    assert_eq!(peek_kid(&token), Err(IdentityError::TooLong));
    // A valid token up to the limit is fine.
    let c = IdentityClaims {
        name: Some("n".repeat(100)),
        email: Some("e".repeat(254)),
        ..claims()
    };
    let token = sign(&c, "i1", &key("i1"));
    assert!(token.len() <= MAX_IDENTITY_TOKEN_LEN);
    assert_eq!(verify(&token, keys, NOW), Ok(c));
}

#[test]
fn errors_never_echo_the_token() {
    let token = sign(&claims(), "i1", &key("i2"));
    let err = verify(&token, keys, NOW).unwrap_err();
    for part in token.split('.') {
        assert!(!err.to_string().contains(part));
        assert!(!format!("{err:?}").contains(part));
    }
}

fn arb_claims() -> impl Strategy<Value = IdentityClaims> {
    (
        "[^\\p{Cc}]{1,128}",
        proptest::option::of("[^\\p{Cc}]{0,100}"),
        proptest::option::of("[^\\p{Cc}]{0,60}"),
        (any::<bool>(), any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(sub, name, email, (email_verified, exp), nbf, iat)| IdentityClaims {
                sub,
                name,
                email,
                email_verified,
                exp,
                nbf,
                iat,
            },
        )
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(
        c in arb_claims(),
        kid in "[A-Za-z0-9_-]{1,32}",
        key in any::<[u8; 32]>(),
    ) {
        let token = sign(&c, &kid, &key);
        // The earliest instant the token is valid, if there is one.
        let now = c.nbf.unwrap_or(0).saturating_sub(LEEWAY_S);
        let expected = if now > c.exp.saturating_add(LEEWAY_S) {
            Err(IdentityError::Expired) // nbf after exp: never valid
        } else {
            Ok(c.clone())
        };
        let lookup = |k: &str| (k == kid).then_some(key);
        prop_assert_eq!(verify(&token, lookup, now), expected);
        prop_assert_eq!(peek_kid(&token), Ok(kid.clone()));
    }

    #[test]
    fn a_random_change_is_refused(
        at in any::<prop::sample::Index>(),
        ch in "[A-Za-z0-9_.=-]",
    ) {
        let token = sign(&claims(), "i1", &key("i1"));
        let at = at.index(token.len());
        let mut forged = token.clone();
        forged.replace_range(at..at + 1, &ch);
        prop_assume!(forged != token);
        prop_assert!(verify(&forged, keys, NOW).is_err());
    }

    #[test]
    fn arbitrary_strings_never_verify(s in "\\PC{0,300}") {
        prop_assert!(verify(&s, keys, NOW).is_err());
        let _ = peek_kid(&s);
    }

    #[test]
    fn arbitrary_signed_payloads_never_panic(payload in "\\PC{0,200}") {
        let token = raw_token(r#"{"alg":"HS256","kid":"i1"}"#, &payload, &key("i1"));
        let _ = verify(&token, keys, NOW);
    }
}

/// `email_verified` (OIDC's claim): only the JSON boolean `true` vouches for the email; any
/// other value reads as not verified and never refuses the token. Only a vouched-for email
/// reaches the session (normalised), so an address the shop merely collected opens no orders.
#[test]
fn only_email_verified_true_vouches_for_the_email() {
    let with = |extra: &str| {
        with_payload(&format!(
            r#"{{"sub":"user-42","exp":1790003600,"email":" Ada@Example.COM "{extra}}}"#
        ))
        .unwrap()
    };
    let yes = with(r#","email_verified":true"#);
    assert!(yes.email_verified);
    assert_eq!(yes.verified_email().as_deref(), Some("ada@example.com"));
    for no in [
        "",
        r#","email_verified":false"#,
        r#","email_verified":"true""#,
        r#","email_verified":1"#,
        r#","email_verified":null"#,
        r#","email_verified":[true]"#,
    ] {
        let c = with(no);
        assert!(!c.email_verified, "{no}");
        assert_eq!(c.verified_email(), None, "{no}");
    }
    // Verified, but no email or not an address: nothing.
    let none = with_payload(r#"{"sub":"u","exp":1790003600,"email_verified":true}"#).unwrap();
    assert_eq!(none.verified_email(), None);
    let junk =
        with_payload(r#"{"sub":"u","exp":1790003600,"email":"nobody","email_verified":true}"#)
            .unwrap();
    assert_eq!(junk.verified_email(), None);
    // Signing writes the flag only when true; it round-trips.
    let c = IdentityClaims {
        email_verified: true,
        ..claims()
    };
    let token = sign(&c, "i1", &key("i1"));
    assert_eq!(verify(&token, keys, NOW), Ok(c));
    assert!(!sign(&claims(), "i1", &key("i1")).contains("ZW1haWxfdmVyaWZpZWQ"));
}
