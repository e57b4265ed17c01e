//! Proves the retention rule of SPEC §6 with injected time: a conversation is purged once its
//! last update is strictly older than `retention_days` days (the boundary millisecond is kept),
//! the cut-off never underflows, and the UTC calendar the analytics series uses agrees with
//! known dates (epoch, leap days, century rules, year ends) and with a day-by-day walk.

use proptest::prelude::*;
use shopkeep_gateway_core::retention::{
    civil_date, cutoff_ms, day_index, day_string, is_expired, CivilDate, DAY_MS,
};

/// 2026-11-21T10:00:00Z.
const NOW: u64 = 1_795_255_200_000;

#[test]
fn cutoff_is_now_minus_whole_days() {
    assert_eq!(cutoff_ms(NOW, 30), NOW - 30 * DAY_MS);
    assert_eq!(cutoff_ms(NOW, 1), NOW - DAY_MS);
    assert_eq!(cutoff_ms(NOW, 3650), NOW - 3650 * DAY_MS);
}

#[test]
fn the_boundary_millisecond_is_kept_and_the_one_before_purged() {
    let cutoff = cutoff_ms(NOW, 30);
    assert!(!is_expired(cutoff, NOW, 30), "exactly 30 days old is kept");
    assert!(
        is_expired(cutoff - 1, NOW, 30),
        "one millisecond older is purged"
    );
    assert!(!is_expired(NOW, NOW, 30));
    assert!(
        !is_expired(NOW + DAY_MS, NOW, 30),
        "clock skew: a future update is kept"
    );
}

#[test]
fn cutoff_saturates_instead_of_underflowing() {
    assert_eq!(cutoff_ms(5 * DAY_MS, 30), 0);
    assert_eq!(cutoff_ms(0, 3650), 0);
    assert_eq!(
        cutoff_ms(u64::MAX, u32::MAX),
        u64::MAX - u64::from(u32::MAX) * DAY_MS
    );
    assert!(
        !is_expired(0, 5 * DAY_MS, 30),
        "nothing is older than the epoch"
    );
}

#[test]
fn zero_days_purges_everything_not_updated_now() {
    assert_eq!(cutoff_ms(NOW, 0), NOW);
    assert!(is_expired(NOW - 1, NOW, 0));
}

#[test]
fn known_days() {
    assert_eq!(day_string(0), "1970-01-01");
    assert_eq!(day_string(DAY_MS - 1), "1970-01-01");
    assert_eq!(day_string(DAY_MS), "1970-01-02");
    assert_eq!(day_string(NOW), "2026-11-21");
    assert_eq!(
        day_string(951_782_400_000),
        "2000-02-29",
        "2000 is a leap year"
    );
    assert_eq!(day_string(951_868_800_000), "2000-03-01");
    assert_eq!(day_string(4_107_456_000_000), "2100-02-28");
    assert_eq!(day_string(4_107_542_400_000), "2100-03-01", "2100 is not");
    assert_eq!(day_string(1_798_761_599_999), "2026-12-31");
    assert_eq!(day_string(1_798_761_600_000), "2027-01-01");
    assert_eq!(day_string(253_402_300_799_000), "9999-12-31");
    assert_eq!(day_index(NOW), 20_778);
    assert_eq!(
        civil_date(20_778),
        CivilDate {
            year: 2026,
            month: 11,
            day: 21
        }
    );
}

#[test]
fn walking_day_by_day_matches_the_calendar() {
    let mut expected = CivilDate {
        year: 1970,
        month: 1,
        day: 1,
    };
    for days in 0..(500 * 366) {
        assert_eq!(civil_date(days), expected, "day {days}");
        let year = expected.year;
        let leap =
            year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
        let month_len = match expected.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        expected.day += 1;
        if expected.day > month_len {
            expected.day = 1;
            expected.month += 1;
            if expected.month > 12 {
                expected.month = 1;
                expected.year += 1;
            }
        }
    }
}

proptest! {
    #[test]
    fn expiry_is_monotonic_in_age_and_period(
        updated in 0u64..4_000_000_000_000,
        age in 0u64..4_000_000_000_000,
        days in 1u32..=3650,
    ) {
        let now = updated + age;
        prop_assert_eq!(is_expired(updated, now, days), age > u64::from(days) * DAY_MS);
        if is_expired(updated, now, days) {
            prop_assert!(is_expired(updated, now + 1, days));
            prop_assert!(is_expired(updated, now, days - 1));
        }
    }

    #[test]
    fn day_strings_are_ordered_like_instants(a in 0u64..253_402_300_799_000, b in 0u64..253_402_300_799_000) {
        let (sa, sb) = (day_string(a), day_string(b));
        prop_assert_eq!(sa.len(), 10);
        prop_assert_eq!(sa.cmp(&sb), day_index(a).cmp(&day_index(b)));
    }
}
