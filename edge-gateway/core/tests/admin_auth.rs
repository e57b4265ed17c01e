//! Proves the admin-signature contract of SPEC §3: sign→parse→verify round-trips (and matches
//! an independent implementation, Python's stdlib, byte for byte); the window is exactly
//! ±300 s with injected time and is checked before the MAC; every field of the canonical
//! string matters (timestamp, method, path, query, each body byte); the header parser is
//! strict (three keys once each, any order, bounded, canonical values) and refuses every
//! truncation; an accepted signature is refused when replayed, and after the window a replay is
//! stale anyway; the replay memory forgets only what can no longer verify, stays bounded, and
//! survives a serde round trip.

use proptest::prelude::*;
use shopkeep_gateway_core::admin_auth::{
    canonical_string, parse_header, sign, verify, AdminAuthError, ReplayGuard, SignatureHeader,
    HEADER, MAX_HEADER_LEN, WINDOW_S,
};
use shopkeep_gateway_core::session_token::{derive_key, KeyPurpose};

const MASTER: &[u8] = b"test master secret, not a real one";
const TS: u64 = 1_790_000_000;
const PATH: &str = "/v1/admin/tenants/demo/config?x=1";
const BODY: &[u8] = br#"{"name":"Demo"}"#;

fn key() -> [u8; 32] {
    derive_key(MASTER, "demo", KeyPurpose::Admin, "a1")
}

fn signed(ts: u64) -> SignatureHeader {
    parse_header(&sign(&key(), "a1", ts, "PUT", PATH, BODY)).unwrap()
}

fn check(
    header: &SignatureHeader,
    method: &str,
    path: &str,
    body: &[u8],
    now: u64,
) -> Result<(), AdminAuthError> {
    verify(header, &key(), method, path, body, now)
}

#[test]
fn a_signed_request_verifies() {
    let value = sign(&key(), "a1", TS, "PUT", PATH, BODY);
    assert!(value.starts_with("kid=a1,ts=1790000000,sig="), "{value}");
    assert_eq!(value.len(), "kid=a1,ts=1790000000,sig=".len() + 43);
    let header = parse_header(&value).unwrap();
    assert_eq!(header.kid, "a1");
    assert_eq!(header.timestamp_s, TS);
    assert_eq!(check(&header, "PUT", PATH, BODY, TS), Ok(()));
    assert_eq!(HEADER, "Shopkeep-Signature");
}

/// Computed with Python's stdlib (hmac, hashlib, base64) from the documented canonical string.
#[test]
fn matches_an_independent_implementation() {
    const KEY: &[u8; 32] = b"shopkeep admin test vector key a";
    assert_eq!(
        canonical_string(TS, "PUT", PATH, BODY),
        "shopkeep-admin-v1\n1790000000\nPUT\n/v1/admin/tenants/demo/config?x=1\n\
         fdef97059d5819ef64f84034018a887b8591f398da5cbbe240376ca81f1444bb"
    );
    let expected = "kid=a1,ts=1790000000,sig=LrspmuFG8Mh238WxM69jCeOCeUKH4hddeqYLvP02Da0";
    assert_eq!(sign(KEY, "a1", TS, "PUT", PATH, BODY), expected);
    let header = parse_header(expected).unwrap();
    assert_eq!(verify(&header, KEY, "PUT", PATH, BODY, TS), Ok(()));
}

#[test]
fn no_body_signs_the_hash_of_the_empty_string() {
    assert!(canonical_string(TS, "get", "/v1/admin/x", b"").ends_with(
        "\nGET\n/v1/admin/x\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    ));
}

#[test]
fn the_window_is_exactly_plus_minus_300_seconds() {
    let header = signed(TS);
    assert_eq!(check(&header, "PUT", PATH, BODY, TS + WINDOW_S), Ok(()));
    assert_eq!(check(&header, "PUT", PATH, BODY, TS - WINDOW_S), Ok(()));
    assert_eq!(
        check(&header, "PUT", PATH, BODY, TS + WINDOW_S + 1),
        Err(AdminAuthError::Stale)
    );
    assert_eq!(
        check(&header, "PUT", PATH, BODY, TS - WINDOW_S - 1),
        Err(AdminAuthError::Stale)
    );
    assert_eq!(
        check(&header, "PUT", PATH, BODY, 0),
        Err(AdminAuthError::Stale)
    );
    assert_eq!(
        check(&header, "PUT", PATH, BODY, u64::MAX),
        Err(AdminAuthError::Stale)
    );
    // Extremes of the clock do not overflow.
    for ts in [0, u64::MAX] {
        assert_eq!(check(&signed(ts), "PUT", PATH, BODY, ts), Ok(()));
    }
}

#[test]
fn the_window_is_checked_before_the_signature() {
    let mut forged = signed(TS);
    forged.signature[0] ^= 1;
    assert_eq!(
        check(&forged, "PUT", PATH, BODY, TS + WINDOW_S + 1),
        Err(AdminAuthError::Stale)
    );
    assert_eq!(
        check(&forged, "PUT", PATH, BODY, TS),
        Err(AdminAuthError::BadSignature)
    );
}

#[test]
fn every_field_of_the_canonical_string_matters() {
    let header = signed(TS);
    let bad = Err(AdminAuthError::BadSignature);
    assert_eq!(check(&header, "POST", PATH, BODY, TS), bad);
    assert_eq!(
        check(&header, "put", PATH, BODY, TS),
        Ok(()),
        "method is uppercased"
    );
    for path in [
        "/v1/admin/tenants/demo/config",
        "/v1/admin/tenants/demo/config?x=2",
        "/v1/admin/tenants/demo/config?x=1&y=2",
        "/v1/admin/tenants/demo2/config?x=1",
        "/v1/admin/tenants/demo/config/?x=1",
        "/v1/admin/tenants/%64emo/config?x=1",
        "/V1/admin/tenants/demo/config?x=1",
    ] {
        assert_eq!(check(&header, "PUT", path, BODY, TS), bad, "{path}");
    }
    for at in 0..BODY.len() {
        let mut body = BODY.to_vec();
        body[at] ^= 0x20;
        assert_eq!(
            check(&header, "PUT", PATH, &body, TS),
            bad,
            "body byte {at}"
        );
    }
    assert_eq!(check(&header, "PUT", PATH, b"", TS), bad);
    assert_eq!(check(&header, "PUT", PATH, &[BODY, b" "].concat(), TS), bad);
    for ts in [TS - 1, TS + 1] {
        let moved = SignatureHeader {
            timestamp_s: ts,
            ..header.clone()
        };
        assert_eq!(check(&moved, "PUT", PATH, BODY, TS), bad, "ts {ts}");
    }
    let other_key = derive_key(MASTER, "demo", KeyPurpose::Admin, "a2");
    assert_eq!(verify(&header, &other_key, "PUT", PATH, BODY, TS), bad);
    // Fields cannot bleed into each other: a newline moved between method and path differs.
    assert_ne!(
        canonical_string(TS, "PUT\n/a", "b", b""),
        canonical_string(TS, "PUT", "/a\nb", b"")
    );
}

#[test]
fn every_signature_bit_matters() {
    let header = signed(TS);
    for byte in 0..32 {
        for bit in 0..8 {
            let mut forged = header.clone();
            forged.signature[byte] ^= 1 << bit;
            assert_eq!(
                check(&forged, "PUT", PATH, BODY, TS),
                Err(AdminAuthError::BadSignature)
            );
        }
    }
}

#[test]
fn header_keys_may_come_in_any_order() {
    let value = sign(&key(), "a1", TS, "PUT", PATH, BODY);
    let parts: Vec<&str> = value.split(',').collect();
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let shuffled = order.map(|i| parts[i]).join(",");
        assert_eq!(parse_header(&shuffled), Ok(signed(TS)), "{shuffled}");
    }
}

#[test]
fn every_truncation_of_the_header_is_refused() {
    let value = sign(&key(), "a1", TS, "PUT", PATH, BODY);
    let parts: Vec<&str> = value.split(',').collect();
    // As signed (sig last), and with ts last so that a cut can land inside the timestamp.
    for value in [
        value.clone(),
        format!("{},{},{}", parts[2], parts[0], parts[1]),
    ] {
        for end in 0..value.len() {
            match parse_header(&value[..end]) {
                // A cut inside a trailing timestamp leaves another valid timestamp: the MAC
                // refuses it.
                Ok(header) => {
                    assert!(value.ends_with(parts[1]) && end > value.len() - 10, "{end}");
                    assert_eq!(
                        check(&header, "PUT", PATH, BODY, header.timestamp_s),
                        Err(AdminAuthError::BadSignature)
                    );
                }
                Err(e) if end == 0 => assert_eq!(e, AdminAuthError::Missing),
                Err(e) => assert_eq!(e, AdminAuthError::Malformed, "prefix of {end}"),
            }
        }
        for start in 1..value.len() {
            assert!(
                parse_header(&value[start..]).is_err(),
                "suffix from {start}"
            );
        }
    }
}

#[test]
fn the_header_parser_is_strict() {
    let sig = &sign(&key(), "a1", TS, "PUT", PATH, BODY)["kid=a1,ts=1790000000,sig=".len()..];
    let ok = format!("kid=a1,ts={TS},sig={sig}");
    assert!(parse_header(&ok).is_ok());
    for bad in [
        format!("kid=a1,ts={TS},sig={sig},"),
        format!(",kid=a1,ts={TS},sig={sig}"),
        format!("kid=a1,,ts={TS},sig={sig}"),
        format!("kid=a1, ts={TS},sig={sig}"),
        format!(" kid=a1,ts={TS},sig={sig}"),
        format!("kid=a1,ts={TS},sig={sig} "),
        format!("kid=a1;ts={TS};sig={sig}"),
        format!("KID=a1,ts={TS},sig={sig}"),
        format!("kid =a1,ts={TS},sig={sig}"),
        format!("kid=a1,ts={TS},sig={sig},kid=a1"),
        format!("kid=a1,kid=a2,ts={TS},sig={sig}"),
        format!("kid=a1,ts={TS},ts={TS},sig={sig}"),
        format!("kid=a1,ts={TS},sig={sig},v=1"),
        format!("kid=a1,ts={TS}"),
        format!("kid=a1,sig={sig}"),
        format!("ts={TS},sig={sig}"),
        format!("kid=,ts={TS},sig={sig}"),
        format!("kid={},ts={TS},sig={sig}", "a".repeat(33)),
        format!("kid=a/1,ts={TS},sig={sig}"),
        format!("kid=a.1,ts={TS},sig={sig}"),
        format!("kid=a1=,ts={TS},sig={sig}"),
        format!("kid=a1,ts=,sig={sig}"),
        format!("kid=a1,ts=0{TS},sig={sig}"),
        format!("kid=a1,ts=+{TS},sig={sig}"),
        format!("kid=a1,ts=-1,sig={sig}"),
        format!("kid=a1,ts={TS}.0,sig={sig}"),
        format!("kid=a1,ts=18446744073709551616,sig={sig}"),
        format!("kid=a1,ts={TS},sig={sig}="),
        format!("kid=a1,ts={TS},sig={}", &sig[..42]),
        format!("kid=a1,ts={TS},sig={sig}A"),
        format!("kid=a1,ts={TS},sig={}+", &sig[..42]),
        format!("kid=a1,ts={TS},sig={}", "_".repeat(43)), // non-zero trailing bits
        format!("kid=a1,ts={TS},sig="),
        "kid".to_owned(),
        ",".to_owned(),
        "=".to_owned(),
        "x".repeat(MAX_HEADER_LEN + 1),
    ] {
        assert_eq!(parse_header(&bad), Err(AdminAuthError::Malformed), "{bad}");
    }
    assert_eq!(parse_header(""), Err(AdminAuthError::Missing));
    // Boundary values that are fine.
    for good in [
        format!("kid=a,ts=0,sig={sig}"),
        format!("kid={},ts=18446744073709551615,sig={sig}", "A_-9".repeat(8)),
    ] {
        assert!(parse_header(&good).is_ok(), "{good}");
    }
}

#[test]
fn a_replayed_signature_is_refused() {
    let mut guard = ReplayGuard::default();
    assert!(guard.is_empty());
    let header = signed(TS);
    assert_eq!(check(&header, "PUT", PATH, BODY, TS), Ok(()));
    assert_eq!(guard.check_and_remember(&header.signature, TS, TS), Ok(()));
    assert_eq!(guard.len(), 1);
    for now in [TS, TS + 1, TS + WINDOW_S, TS - WINDOW_S] {
        assert_eq!(check(&header, "PUT", PATH, BODY, now), Ok(()));
        assert_eq!(
            guard.check_and_remember(&header.signature, TS, now),
            Err(AdminAuthError::Replayed),
            "now {now}"
        );
    }
    // A different request is still accepted.
    let other = signed(TS + 1);
    assert_eq!(
        guard.check_and_remember(&other.signature, TS + 1, TS + 1),
        Ok(())
    );
    assert_eq!(guard.len(), 2);
}

#[test]
fn after_the_window_a_replay_is_stale_and_then_forgotten() {
    let mut guard = ReplayGuard::default();
    let header = signed(TS);
    guard.check_and_remember(&header.signature, TS, TS).unwrap();
    let later = TS + WINDOW_S + 1;
    assert_eq!(
        check(&header, "PUT", PATH, BODY, later),
        Err(AdminAuthError::Stale)
    );
    assert_eq!(
        guard.check_and_remember(&header.signature, TS, later),
        Err(AdminAuthError::Stale)
    );
    // Kept until ts + 2 × window, then forgotten on the next accepted request.
    let fresh = signed(TS + 2 * WINDOW_S);
    guard
        .check_and_remember(&fresh.signature, TS + 2 * WINDOW_S, TS + 2 * WINDOW_S)
        .unwrap();
    assert_eq!(guard.len(), 2);
    let fresher = signed(TS + 2 * WINDOW_S + 1);
    guard
        .check_and_remember(
            &fresher.signature,
            TS + 2 * WINDOW_S + 1,
            TS + 2 * WINDOW_S + 1,
        )
        .unwrap();
    assert_eq!(guard.len(), 2, "the first entry was forgotten");
}

#[test]
fn a_full_replay_memory_refuses_rather_than_forgets_a_live_signature() {
    use shopkeep_gateway_core::admin_auth::MAX_REMEMBERED;
    let mut guard = ReplayGuard::default();
    let sig = |i: usize| {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&(i as u64).to_le_bytes());
        s
    };
    // Half the memory at TS - 300 (about to leave the window), half at TS.
    let half = MAX_REMEMBERED / 2;
    for i in 0..MAX_REMEMBERED {
        let ts = if i < half { TS - WINDOW_S } else { TS };
        guard.check_and_remember(&sig(i), ts, TS).unwrap();
    }
    assert_eq!(guard.len(), MAX_REMEMBERED);
    // Full and everything still inside the window: refused, nothing forgotten.
    assert_eq!(
        guard.check_and_remember(&sig(MAX_REMEMBERED), TS, TS),
        Err(AdminAuthError::Replayed)
    );
    assert_eq!(guard.len(), MAX_REMEMBERED);
    // One second later the older half cannot verify any more, so it makes room.
    assert_eq!(
        guard.check_and_remember(&sig(MAX_REMEMBERED), TS, TS + 1),
        Ok(())
    );
    assert_eq!(guard.len(), MAX_REMEMBERED - half + 1);
    // The newer half is still remembered.
    assert_eq!(
        guard.check_and_remember(&sig(half), TS, TS + 1),
        Err(AdminAuthError::Replayed)
    );
}

#[test]
fn the_replay_memory_survives_storage() {
    let mut guard = ReplayGuard::default();
    for ts in [TS, TS + 5, TS - 5] {
        guard
            .check_and_remember(&signed(ts).signature, ts, TS)
            .unwrap();
    }
    let json = serde_json::to_string(&guard).unwrap();
    let mut back: ReplayGuard = serde_json::from_str(&json).unwrap();
    assert_eq!(back, guard);
    assert_eq!(
        back.check_and_remember(&signed(TS).signature, TS, TS),
        Err(AdminAuthError::Replayed)
    );
    assert_eq!(
        serde_json::from_str::<ReplayGuard>("{}").ok(),
        None,
        "a guard without its field is not silently empty"
    );
    assert!(
        serde_json::from_str::<ReplayGuard>(r#"{"seen":[[1,"AAAA"]]}"#).is_err(),
        "a damaged entry is an error, not a silently forgotten signature"
    );
    let empty: ReplayGuard = serde_json::from_str(r#"{"seen":[]}"#).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn errors_never_echo_the_signature() {
    let value = sign(&key(), "a1", TS, "PUT", PATH, BODY);
    let sig = &value["kid=a1,ts=1790000000,sig=".len()..];
    let header = signed(TS);
    let err = check(&header, "POST", PATH, BODY, TS).unwrap_err();
    assert!(!err.to_string().contains(sig));
    assert!(!format!("{err:?}").contains(sig));
}

proptest! {
    #[test]
    fn sign_parse_verify_round_trips(
        key in any::<[u8; 32]>(),
        kid in "[A-Za-z0-9_-]{1,32}",
        ts in prop_oneof![any::<u64>(), 0..2 * WINDOW_S, u64::MAX - 2 * WINDOW_S..],
        skew in 0..=2 * WINDOW_S,
        method in "[A-Za-z]{1,10}",
        path in "/[ -~]{0,200}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let value = sign(&key, &kid, ts, &method, &path, &body);
        let header = parse_header(&value).unwrap();
        prop_assert_eq!(&header.kid, &kid);
        prop_assert_eq!(header.timestamp_s, ts);
        // Anywhere in [ts - window, ts + window], clamped to the clock's range (the first
        // fuzz run found this harness clamping wrongly near ts = 0).
        let now = if skew >= WINDOW_S {
            ts.saturating_add(skew - WINDOW_S)
        } else {
            ts.saturating_sub(WINDOW_S - skew)
        };
        prop_assert_eq!(verify(&header, &key, &method, &path, &body, now), Ok(()));
        prop_assert_eq!(
            verify(&header, &key, &method.to_ascii_lowercase(), &path, &body, now),
            Ok(())
        );
    }

    #[test]
    fn a_changed_body_is_refused(
        body in proptest::collection::vec(any::<u8>(), 1..300),
        at in any::<prop::sample::Index>(),
        flip in 1u8..,
    ) {
        let header = parse_header(&sign(&key(), "a1", TS, "POST", PATH, &body)).unwrap();
        let mut changed = body.clone();
        let at = at.index(changed.len());
        changed[at] ^= flip;
        prop_assert_eq!(
            check(&header, "POST", PATH, &changed, TS),
            Err(AdminAuthError::BadSignature)
        );
    }

    #[test]
    fn arbitrary_header_values_never_panic(value in "\\PC{0,600}") {
        if let Ok(header) = parse_header(&value) {
            prop_assert!(value.len() <= MAX_HEADER_LEN);
            prop_assert!(check(&header, "PUT", PATH, BODY, header.timestamp_s).is_err());
        }
    }

    #[test]
    fn a_signature_is_accepted_once(ts in 1_000u64..u64::MAX - 1_000, skew in 0..=2 * WINDOW_S) {
        let now = ts - WINDOW_S + skew;
        let mut guard = ReplayGuard::default();
        let header = parse_header(&sign(&key(), "a1", ts, "PUT", PATH, BODY)).unwrap();
        prop_assert_eq!(guard.check_and_remember(&header.signature, ts, now), Ok(()));
        prop_assert_eq!(
            guard.check_and_remember(&header.signature, ts, now),
            Err(AdminAuthError::Replayed)
        );
    }
}
