//! Proves the rate-limit math is exact over arbitrary call sequences: a bucket of `limit` per
//! `period` never admits more than `limit + rate × elapsed` in any window, refills fully after
//! a quiet period, and `remaining` tells the truth about how many more would be admitted.

use proptest::prelude::*;
use shopkeep_gateway_core::ratelimit::Gcra;

const PERIOD_MS: u64 = 60_000;

fn run(limit: u32, gaps: &[u64]) -> Vec<u64> {
    let mut bucket = Gcra::default();
    let mut now = 1_000_000;
    let mut admitted = Vec::new();
    for gap in gaps {
        now += gap;
        if let Ok((next, _)) = bucket.check(now, limit, PERIOD_MS) {
            bucket = next;
            admitted.push(now);
        }
    }
    admitted
}

proptest! {
    #[test]
    fn never_admits_more_than_capacity_plus_rate_times_elapsed(
        limit in 1u32..50,
        gaps in proptest::collection::vec(prop_oneof![Just(0u64), 0u64..50, 0u64..5_000], 1..400),
    ) {
        let admitted = run(limit, &gaps);
        for i in 0..admitted.len() {
            for j in i..admitted.len() {
                let window = admitted[j] - admitted[i];
                let count = (j - i + 1) as u64;
                let bound = u64::from(limit) + window * u64::from(limit) / PERIOD_MS;
                prop_assert!(count <= bound, "{count} admitted in {window} ms, bound {bound}");
            }
        }
    }

    #[test]
    fn refills_fully_after_a_quiet_period(
        limit in 1u32..50,
        gaps in proptest::collection::vec(0u64..3_000, 0..200),
    ) {
        let mut bucket = Gcra::default();
        let mut now = 0;
        for gap in &gaps {
            now += gap;
            if let Ok((next, _)) = bucket.check(now, limit, PERIOD_MS) { bucket = next; }
        }
        now += PERIOD_MS;
        let mut burst = 0;
        while let Ok((next, _)) = bucket.check(now, limit, PERIOD_MS) {
            bucket = next;
            burst += 1;
            prop_assert!(burst <= limit);
        }
        prop_assert_eq!(burst, limit);
    }

    #[test]
    fn remaining_counts_the_admissions_left(
        limit in 1u32..30,
        gaps in proptest::collection::vec(0u64..4_000, 1..100),
    ) {
        let mut bucket = Gcra::default();
        let mut now = 0;
        for gap in &gaps {
            now += gap;
            if let Ok((next, quota)) = bucket.check(now, limit, PERIOD_MS) {
                bucket = next;
                let mut probe = bucket;
                let mut more = 0;
                while let Ok((n, _)) = probe.check(now, limit, PERIOD_MS) { probe = n; more += 1; }
                prop_assert_eq!(quota.remaining, more);
            }
        }
    }
}
