//! Summaries of samples: nearest-rank percentiles, medians and the ratio wording the report
//! uses everywhere ("3.2× lighter"), so every table rounds the same way.

use std::time::Duration;

/// Nearest-rank percentile of sorted samples.
pub(crate) fn percentile(sorted: &[Duration], pct: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Nearest-rank percentile of unsorted numbers (`None` when there are none).
pub(crate) fn percentile_f64(samples: &[f64], pct: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The median of unsorted numbers: the mean of the two middle values for an even count.
pub(crate) fn median(samples: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// `12.34 ms`.
pub(crate) fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// Milliseconds with a precision that suits their size: `0.8 ms`, `12 ms`, `1,234 ms`.
pub(crate) fn ms_f(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.1} ms")
    } else {
        format!("{} ms", thousands(value.round() as i64))
    }
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Bytes as `1.7 KB` / `412 KB` (1 KB = 1024 bytes, as the budgets in SPEC §8).
pub(crate) fn kb(bytes: f64) -> String {
    let value = bytes / 1024.0;
    if value < 100.0 {
        format!("{value:.1} KB")
    } else {
        format!("{} KB", thousands(value.round() as i64))
    }
}

/// How many times `theirs` is `ours`, for "lower is better" quantities: `4.2×`. `—` when a
/// side is missing or ours is zero (a ratio to nothing says nothing).
pub(crate) fn times(theirs: Option<f64>, ours: Option<f64>) -> String {
    match (theirs, ours) {
        (Some(t), Some(o)) if o > 0.0 && t.is_finite() => {
            let r = t / o;
            if r >= 10.0 {
                format!("{r:.0}×")
            } else {
                format!("{r:.1}×")
            }
        }
        _ => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
        let numbers: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile_f64(&numbers, 99.0), Some(99.0));
        assert_eq!(percentile_f64(&[], 50.0), None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(ms_f(0.84), "0.8 ms");
        assert_eq!(ms_f(1234.4), "1,234 ms");
        assert_eq!(kb(1746.0), "1.7 KB");
        assert_eq!(kb(60_971.0), "59.5 KB");
        assert_eq!(kb(200_000.0), "195 KB");
    }

    #[test]
    fn ratios_need_both_sides() {
        assert_eq!(times(Some(42.0), Some(10.0)), "4.2×");
        assert_eq!(times(Some(420.0), Some(10.0)), "42×");
        assert_eq!(times(None, Some(1.0)), "—");
        assert_eq!(times(Some(1.0), Some(0.0)), "—");
    }
}
