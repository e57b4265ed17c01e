//! How long conversations are kept (SPEC §6 "retention purge on a cron trigger"), and the UTC
//! calendar the gateway's time-based rules share.
//!
//! Owns: the purge cut-off ([`cutoff_ms`], [`is_expired`]) and the conversion of Unix
//! milliseconds to civil UTC days ([`day_index`], [`civil_date`], [`day_string`]) that the
//! analytics summary groups by. The calendar lives here, in one place, because retention is
//! the first rule measured in days; it is hand-written (Howard Hinnant's `civil_from_days`)
//! because a date crate would be the only reason to depend on one. No time zones: every day
//! is a UTC day, as the API documents.

/// One day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

/// The instant before which a conversation is purged: a conversation whose `updated_at_ms` is
/// strictly less than `now_ms - retention_days × 1 day` is older than its tenant keeps
/// conversations. Saturates at 0 (nothing is purged when the period reaches back before
/// 1970). The tenant config validator keeps `retention_days` in 1–3650; 0 would purge every
/// conversation not updated in this very millisecond.
pub fn cutoff_ms(now_ms: u64, retention_days: u32) -> u64 {
    now_ms.saturating_sub(u64::from(retention_days).saturating_mul(DAY_MS))
}

/// Whether a conversation last updated at `updated_at_ms` is purged at `now_ms`.
pub fn is_expired(updated_at_ms: u64, now_ms: u64, retention_days: u32) -> bool {
    updated_at_ms < cutoff_ms(now_ms, retention_days)
}

/// Days since 1970-01-01 (UTC) of an instant in Unix milliseconds.
pub fn day_index(ms: u64) -> u64 {
    ms / DAY_MS
}

/// A civil UTC date: year, month (1–12) and day of month (1–31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    /// The proleptic Gregorian year.
    pub year: u64,
    /// 1–12.
    pub month: u8,
    /// 1–31.
    pub day: u8,
}

/// The civil UTC date of day number `days` since 1970-01-01.
///
/// Howard Hinnant's `civil_from_days` for non-negative day numbers: shift the epoch to
/// 0000-03-01 so the leap day ends each 400-year era, then split the era into years of
/// March–February.
pub fn civil_date(days: u64) -> CivilDate {
    // 719 468 days from 0000-03-01 to 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8; // [1, 12]
    let year = yoe + era * 400 + u64::from(month <= 2);
    CivilDate { year, month, day }
}

/// The UTC day of an instant as `YYYY-MM-DD` (years past 9999 get more digits).
pub fn day_string(ms: u64) -> String {
    let CivilDate { year, month, day } = civil_date(day_index(ms));
    format!("{year:04}-{month:02}-{day:02}")
}
