//! Proves key rotation without downtime (issue 3 "Keys"): a new tenant has one live kid per
//! purpose; rotating signs with the new kid at once while the old one keeps verifying through
//! the grace period and not a millisecond after; an earlier retire time is never extended;
//! purposes rotate independently; at most five kids of a purpose are live; long-retired kids
//! are pruned, yet kids are never reused, however rotations and pruning interleave; the ring
//! survives a serde round trip in its documented JSON shape.

use proptest::prelude::*;
use shopkeep_gateway_core::keyring::{
    KeyEntry, KeyRing, KeyRingError, MAX_LIVE_PER_PURPOSE, PRUNE_AFTER_MS,
};
use shopkeep_gateway_core::session_token::KeyPurpose::{self, Admin, Identity, Session};
use std::collections::HashSet;

const T0: u64 = 1_790_000_000_000;
const DAY: u64 = 86_400_000;

fn entry(ring: &KeyRing, kid: &str) -> KeyEntry {
    ring.keys.iter().find(|e| e.kid == kid).unwrap().clone()
}

fn kids(ring: &KeyRing, purpose: KeyPurpose, now: u64) -> Vec<&str> {
    ring.live(purpose, now).map(|e| e.kid.as_str()).collect()
}

#[test]
fn a_new_tenant_has_one_live_kid_per_purpose() {
    let ring = KeyRing::initial(T0);
    for (purpose, kid) in [(Session, "s1"), (Identity, "i1"), (Admin, "a1")] {
        let current = ring.current(purpose, T0).unwrap();
        assert_eq!(current.kid, kid);
        assert_eq!(current.created_at_ms, T0);
        assert_eq!(current.retires_at_ms, None);
        assert!(ring.is_live(purpose, kid, T0));
        assert!(ring.is_live(purpose, kid, u64::MAX));
    }
    assert!(!ring.is_live(Session, "i1", T0), "kids are per purpose");
    assert!(!ring.is_live(Session, "s2", T0));
    assert_eq!(KeyRing::default().current(Session, T0), None);
}

#[test]
fn rotation_keeps_the_old_kid_live_through_the_grace_period_and_not_after() {
    let mut ring = KeyRing::initial(T0);
    let now = T0 + 10 * DAY;
    let grace = DAY;
    let new = ring.rotate(Identity, now, grace).unwrap().clone();
    assert_eq!(new.kid, "i2");
    assert_eq!(new.created_at_ms, now);
    assert_eq!(new.retires_at_ms, None);
    // Sign with the new kid at once; verify both during the grace period.
    assert_eq!(ring.current(Identity, now).unwrap().kid, "i2");
    assert_eq!(kids(&ring, Identity, now), ["i1", "i2"]);
    assert!(ring.is_live(Identity, "i1", now + grace - 1));
    assert!(!ring.is_live(Identity, "i1", now + grace));
    assert_eq!(kids(&ring, Identity, now + grace), ["i2"]);
    // Other purposes are untouched.
    assert_eq!(kids(&ring, Session, now + grace), ["s1"]);
    assert_eq!(kids(&ring, Admin, now + grace), ["a1"]);
}

#[test]
fn a_zero_grace_rotation_retires_the_old_kid_at_once() {
    let mut ring = KeyRing::initial(T0);
    ring.rotate(Admin, T0, 0).unwrap();
    assert_eq!(kids(&ring, Admin, T0), ["a2"]);
}

#[test]
fn an_earlier_retire_time_is_kept() {
    let mut ring = KeyRing::initial(T0);
    ring.rotate(Session, T0, DAY).unwrap(); // s1 retires at T0 + DAY
    ring.rotate(Session, T0 + 1, 7 * DAY).unwrap(); // s2 retires at T0 + 1 + 7 days
    assert_eq!(entry(&ring, "s1").retires_at_ms, Some(T0 + DAY));
    assert_eq!(entry(&ring, "s2").retires_at_ms, Some(T0 + 1 + 7 * DAY));
    assert_eq!(entry(&ring, "s3").retires_at_ms, None);
    // A later rotation with a shorter grace brings retire times forward, never back.
    ring.rotate(Session, T0 + 2, 10).unwrap();
    assert_eq!(entry(&ring, "s1").retires_at_ms, Some(T0 + 12));
    assert_eq!(entry(&ring, "s2").retires_at_ms, Some(T0 + 12));
    assert_eq!(entry(&ring, "s3").retires_at_ms, Some(T0 + 12));
    assert_eq!(ring.current(Session, T0 + 2).unwrap().kid, "s4");
}

#[test]
fn at_most_five_kids_of_a_purpose_are_live() {
    let mut ring = KeyRing::initial(T0);
    for n in 2..=MAX_LIVE_PER_PURPOSE {
        assert_eq!(ring.rotate(Admin, T0, DAY).unwrap().kid, format!("a{n}"));
    }
    assert_eq!(kids(&ring, Admin, T0).len(), MAX_LIVE_PER_PURPOSE);
    let before = ring.clone();
    assert_eq!(ring.rotate(Admin, T0, DAY), Err(KeyRingError::TooManyLive));
    assert_eq!(ring, before, "a refused rotation changes nothing");
    // Other purposes still rotate, and once the grace period ends so does this one.
    assert!(ring.rotate(Session, T0, DAY).is_ok());
    assert_eq!(ring.rotate(Admin, T0 + DAY, DAY).unwrap().kid, "a6");
}

#[test]
fn long_retired_kids_are_pruned_but_never_reused() {
    let mut ring = KeyRing::initial(T0);
    ring.rotate(Session, T0, DAY).unwrap(); // s1 retires at T0 + DAY
                                            // Just inside the 30 days: kept.
    ring.rotate(Session, T0 + DAY + PRUNE_AFTER_MS, DAY)
        .unwrap();
    assert!(ring.keys.iter().any(|e| e.kid == "s1"));
    // After 30 days: gone.
    ring.rotate(Session, T0 + DAY + PRUNE_AFTER_MS + 1, DAY)
        .unwrap();
    assert!(!ring.keys.iter().any(|e| e.kid == "s1"));
    assert_eq!(ring.current(Session, u64::MAX - 1).unwrap().kid, "s4");
}

#[test]
fn numbering_survives_even_when_every_older_kid_is_pruned() {
    // A hand-edited ring whose only session kid is long retired: it stays, so the next kid is
    // s8, never a reused s1.
    let mut ring = KeyRing {
        keys: vec![KeyEntry {
            kid: "s7".into(),
            purpose: Session,
            created_at_ms: 0,
            retires_at_ms: Some(1),
        }],
    };
    let new = ring.rotate(Session, T0, DAY).unwrap().kid.clone();
    assert_eq!(new, "s8");
    // Once s8 exists, s7 may go.
    ring.rotate(Session, T0 + 2 * DAY + PRUNE_AFTER_MS, DAY)
        .unwrap();
    let all: Vec<&str> = ring.keys.iter().map(|e| e.kid.as_str()).collect();
    assert_eq!(all, ["s8", "s9"]);
    // A purpose with no kid at all starts at 1.
    assert_eq!(ring.rotate(Identity, T0, DAY).unwrap().kid, "i1");
}

#[test]
fn hand_named_kids_do_not_confuse_numbering() {
    let mut ring = KeyRing::initial(T0);
    for kid in ["s01", "sx", "i9", "s"] {
        ring.keys.push(KeyEntry {
            kid: kid.into(),
            purpose: Session,
            created_at_ms: T0,
            retires_at_ms: Some(T0),
        });
    }
    assert_eq!(ring.rotate(Session, T0 + 1, DAY).unwrap().kid, "s2");
}

#[test]
fn an_exhausted_numbering_refuses_rather_than_wraps() {
    let mut ring = KeyRing {
        keys: vec![KeyEntry {
            kid: format!("a{}", u64::MAX),
            purpose: Admin,
            created_at_ms: 0,
            retires_at_ms: None,
        }],
    };
    assert_eq!(ring.rotate(Admin, T0, DAY), Err(KeyRingError::NoFreeKid));
}

#[test]
fn the_ring_survives_storage_in_its_documented_shape() {
    let mut ring = KeyRing::initial(T0);
    ring.rotate(Identity, T0 + 1, DAY).unwrap();
    let json = serde_json::to_value(&ring).unwrap();
    assert_eq!(
        json["keys"][1],
        serde_json::json!({
            "kid": "i1", "purpose": "identity", "created_at_ms": T0, "retires_at_ms": T0 + 1 + DAY
        })
    );
    assert_eq!(json["keys"][3]["purpose"], "identity");
    assert_eq!(json["keys"][0]["retires_at_ms"], serde_json::Value::Null);
    let back: KeyRing = serde_json::from_value(json).unwrap();
    assert_eq!(back, ring);
    let bad =
        r#"{"keys":[{"kid":"x1","purpose":"Session","created_at_ms":0,"retires_at_ms":null}]}"#;
    assert!(serde_json::from_str::<KeyRing>(bad).is_err());
}

fn arb_step() -> impl Strategy<Value = (u8, u64, u64)> {
    (0u8..3, 0..40 * DAY, 0..3 * DAY)
}

proptest! {
    #[test]
    fn kids_are_never_reused_and_the_current_kid_is_always_live(
        steps in proptest::collection::vec(arb_step(), 1..60),
    ) {
        let mut ring = KeyRing::initial(T0);
        let mut now = T0;
        let mut ever: HashSet<String> = ring.keys.iter().map(|e| e.kid.clone()).collect();
        for (p, advance, grace) in steps {
            let purpose = [Session, Identity, Admin][p as usize];
            now += advance;
            let live_before = ring.live(purpose, now).count();
            match ring.rotate(purpose, now, grace) {
                Ok(entry) => {
                    let kid = entry.kid.clone();
                    prop_assert!(ever.insert(kid.clone()), "{} reused", kid);
                    prop_assert_eq!(&ring.current(purpose, now).unwrap().kid, &kid);
                    // Every kid live before the rotation stays live for a non-zero grace period.
                    let expected = if grace == 0 { 1 } else { live_before + 1 };
                    prop_assert_eq!(ring.live(purpose, now).count(), expected);
                }
                Err(e) => {
                    prop_assert_eq!(e, KeyRingError::TooManyLive);
                    prop_assert_eq!(live_before, MAX_LIVE_PER_PURPOSE);
                }
            }
            for purpose in [Session, Identity, Admin] {
                prop_assert!(ring.current(purpose, now).is_some());
                prop_assert!(ring.live(purpose, now).count() <= MAX_LIVE_PER_PURPOSE);
            }
        }
    }
}
