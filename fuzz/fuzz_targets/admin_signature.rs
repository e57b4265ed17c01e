//! Admin signatures: parsing any header value and verifying it against any request never
//! panics and never accepts a signature not made with the key; signing and verifying an
//! arbitrary request round-trips, and the replay memory accepts it exactly once.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use shopkeep_gateway_core::admin_auth::{
    parse_header, sign, verify, AdminAuthError, ReplayGuard, WINDOW_S,
};

const KEY: [u8; 32] = [9; 32];

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let round_trip: bool = u.arbitrary()?;
    let method: String = u.arbitrary()?;
    let path: String = u.arbitrary()?;
    let body: Vec<u8> = u.arbitrary()?;
    if round_trip {
        let kid = "a1";
        let ts: u64 = u.arbitrary()?;
        let skew = u.int_in_range(0..=2 * WINDOW_S)?;
        // Anywhere in [ts - window, ts + window], clamped to the clock's range.
        let now = if skew >= WINDOW_S {
            ts.saturating_add(skew - WINDOW_S)
        } else {
            ts.saturating_sub(WINDOW_S - skew)
        };
        let header = parse_header(&sign(&KEY, kid, ts, &method, &path, &body))
            .expect("our own header parses");
        assert_eq!(verify(&header, &KEY, &method, &path, &body, now), Ok(()));
        let mut guard = ReplayGuard::default();
        assert_eq!(guard.check_and_remember(&header.signature, ts, now), Ok(()));
        assert_eq!(
            guard.check_and_remember(&header.signature, ts, now),
            Err(AdminAuthError::Replayed)
        );
    } else {
        // Half the time, arbitrary values in the expected frame, so the fuzzer reaches the
        // value checks (kid charset, timestamp spelling, signature decoding) quickly.
        let value: String = if u.arbitrary()? {
            let (kid, ts, sig): (String, String, String) = u.arbitrary()?;
            format!("kid={kid},ts={ts},sig={sig}")
        } else {
            u.arbitrary()?
        };
        if let Ok(header) = parse_header(&value) {
            for now in [header.timestamp_s, 0, u64::MAX] {
                assert!(verify(&header, &KEY, &method, &path, &body, now).is_err());
            }
            let mut guard = ReplayGuard::default();
            let _ = guard.check_and_remember(&header.signature, header.timestamp_s, 0);
        }
    }
    Ok(())
}
