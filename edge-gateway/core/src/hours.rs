//! Business hours: when a person can answer. A tenant sets a time zone (IANA, e.g.
//! `Europe/Berlin`), opening spans per weekday and holidays; daylight-saving changes follow
//! the zone. Outside the hours a handoff asks the shopper for an email instead of promising a
//! quick reply.
//!
//! Must not depend on: worker. Time is a parameter (ms since the Unix epoch).

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// One opening span on a weekday, local time, `open < close` (no span crosses midnight; split
/// it in two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Span {
    /// `mon` … `sun`.
    pub day: String,
    /// `HH:MM`.
    pub open: String,
    /// `HH:MM` (`24:00` allowed).
    pub close: String,
}

/// A tenant's business hours. No spans: always open (the default — a shop that sets nothing
/// is never told it is closed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA time zone.
    pub time_zone: String,
    /// Opening spans.
    pub spans: Vec<Span>,
    /// Closed all day, `YYYY-MM-DD` in the time zone.
    pub holidays: Vec<String>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            time_zone: String::from("UTC"),
            spans: Vec::new(),
            holidays: Vec::new(),
        }
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Most spans and holidays a tenant may set.
pub const MAX_ENTRIES: usize = 400;

/// `HH:MM` → minutes since midnight (`24:00` is 1440).
fn minutes(hhmm: &str) -> Option<u32> {
    if hhmm.len() != 5 {
        return None;
    }
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl BusinessHours {
    /// Problems with the hours, for the admin API (empty: valid).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.time_zone.parse::<Tz>().is_err() {
            out.push(format!(
                "time_zone {:?} is not an IANA time zone (e.g. \"Europe/Berlin\")",
                self.time_zone
            ));
        }
        if self.spans.len() + self.holidays.len() > MAX_ENTRIES {
            out.push(format!("at most {MAX_ENTRIES} spans and holidays"));
        }
        for (i, span) in self.spans.iter().enumerate() {
            if !DAYS.contains(&span.day.as_str()) {
                out.push(format!("spans[{i}].day must be one of {}", DAYS.join(", ")));
            }
            match (minutes(&span.open), minutes(&span.close)) {
                (Some(open), Some(close)) if open < close => {}
                (Some(_), Some(_)) => {
                    out.push(format!("spans[{i}]: open must be before close"));
                }
                _ => out.push(format!("spans[{i}]: times must be HH:MM")),
            }
        }
        for (i, day) in self.holidays.iter().enumerate() {
            if NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
                out.push(format!("holidays[{i}] must be YYYY-MM-DD"));
            }
        }
        out
    }

    /// Whether the team is open at `now_ms`. Invalid hours (never stored: validated on
    /// write) count as always open.
    pub fn is_open(&self, now_ms: u64) -> bool {
        if self.spans.is_empty() {
            return true;
        }
        let Ok(tz) = self.time_zone.parse::<Tz>() else {
            return true;
        };
        let Some(local) = i64::try_from(now_ms)
            .ok()
            .and_then(|ms| tz.timestamp_millis_opt(ms).single())
        else {
            return true;
        };
        let date = local.date_naive().format("%Y-%m-%d").to_string();
        if self.holidays.contains(&date) {
            return false;
        }
        let day = DAYS[local.weekday().num_days_from_monday() as usize];
        let now = local.time().hour() * 60 + local.time().minute();
        self.spans.iter().any(|span| {
            span.day == day
                && matches!((minutes(&span.open), minutes(&span.close)),
                    (Some(open), Some(close)) if open <= now && now < close)
        })
    }

    /// The next moment (ms) the team opens, searching up to 14 days ahead; `None` when it is
    /// open now or never opens in that time.
    pub fn next_open_ms(&self, now_ms: u64) -> Option<u64> {
        if self.is_open(now_ms) {
            return None;
        }
        // Minute steps would be 20k checks; spans start on minutes, so check each span start.
        let tz: Tz = self.time_zone.parse().ok()?;
        let start = tz
            .timestamp_millis_opt(i64::try_from(now_ms).ok()?)
            .single()?;
        let mut best: Option<u64> = None;
        for offset in 0..15 {
            let date = start.date_naive() + chrono::Days::new(offset);
            let day = DAYS[date.weekday().num_days_from_monday() as usize];
            for span in self.spans.iter().filter(|s| s.day == day) {
                let Some(open) = minutes(&span.open) else {
                    continue;
                };
                let Some(time) = NaiveTime::from_hms_opt(open / 60, open % 60, 0) else {
                    continue;
                };
                let Some(at) = tz.from_local_datetime(&date.and_time(time)).earliest() else {
                    continue;
                };
                let at_ms = u64::try_from(at.timestamp_millis()).ok()?;
                if at_ms > now_ms && self.is_open(at_ms) {
                    best = Some(best.map_or(at_ms, |b| b.min(at_ms)));
                }
            }
            if best.is_some() {
                return best;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(rfc3339: &str) -> u64 {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis() as u64
    }

    fn berlin_weekdays() -> BusinessHours {
        BusinessHours {
            time_zone: "Europe/Berlin".into(),
            spans: ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|d| Span {
                    day: (*d).into(),
                    open: "09:00".into(),
                    close: "17:30".into(),
                })
                .collect(),
            holidays: vec!["2026-12-25".into()],
        }
    }

    #[test]
    fn open_follows_the_zone_and_daylight_saving() {
        let h = berlin_weekdays();
        // Monday 30 Nov 2026 (CET, UTC+1): 08:30 UTC is 09:30 local.
        assert!(h.is_open(ms("2026-11-30T08:30:00Z")));
        assert!(!h.is_open(ms("2026-11-30T07:59:00Z")));
        assert!(
            !h.is_open(ms("2026-11-30T16:30:00Z")),
            "17:30 local is closed"
        );
        // Monday 29 Jun 2026 (CEST, UTC+2): 07:30 UTC is 09:30 local.
        assert!(h.is_open(ms("2026-06-29T07:30:00Z")));
        // Saturday, and a holiday (Friday 25 Dec).
        assert!(!h.is_open(ms("2026-12-05T10:00:00Z")));
        assert!(!h.is_open(ms("2026-12-25T10:00:00Z")));
        assert!(BusinessHours::default().is_open(0));
    }

    #[test]
    fn next_open_skips_weekends_and_holidays() {
        let h = berlin_weekdays();
        // Thursday 24 Dec 2026 at 20:00 local → Monday 28 Dec 09:00 local (Fri is a holiday).
        assert_eq!(
            h.next_open_ms(ms("2026-12-24T19:00:00Z")),
            Some(ms("2026-12-28T08:00:00Z"))
        );
        assert_eq!(h.next_open_ms(ms("2026-11-30T08:30:00Z")), None);
    }

    #[test]
    fn bad_hours_are_reported_precisely() {
        let bad = BusinessHours {
            time_zone: "Mars/Olympus".into(),
            spans: vec![
                Span {
                    day: "monday".into(),
                    open: "9:00".into(),
                    close: "17:00".into(),
                },
                Span {
                    day: "tue".into(),
                    open: "18:00".into(),
                    close: "09:00".into(),
                },
            ],
            holidays: vec!["25/12/2026".into()],
        };
        let problems = bad.problems();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(berlin_weekdays().problems().is_empty());
    }
}
