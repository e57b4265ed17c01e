//! The generic cell rate algorithm (GCRA): a token bucket kept as one timestamp, in integer
//! microseconds so that no rounding ever admits an extra request.

use serde::{Deserialize, Serialize};

/// A bucket of `limit` requests refilling evenly over `period_ms`, stored as its theoretical
/// arrival time. The default is a full bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gcra {
    tat_us: u64,
}

/// What a client may see of a bucket: `RateLimit-Limit`, `-Remaining` and `-Reset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    /// Requests per period.
    pub limit: u32,
    /// Requests admitted right now before a refusal.
    pub remaining: u32,
    /// Milliseconds until the bucket is full again.
    pub reset_ms: u64,
}

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Milliseconds until one request would be admitted.
    pub retry_after_ms: u64,
    /// The bucket's quota now.
    pub quota: Quota,
}

/// The emission interval: microseconds between two requests at the sustained rate, rounded
/// up so the sustained rate is never above `limit / period`.
fn interval_us(limit: u32, period_ms: u64) -> u64 {
    (period_ms * 1000).div_ceil(u64::from(limit.max(1)))
}

impl Gcra {
    /// Checks one request at `now_ms` without changing the bucket: `Ok` carries the bucket
    /// after admission and its quota.
    pub fn check(self, now_ms: u64, limit: u32, period_ms: u64) -> Result<(Gcra, Quota), Refusal> {
        let now = now_ms * 1000;
        let t = interval_us(limit, period_ms);
        let tau = t * u64::from(limit.max(1) - 1);
        let tat = self.tat_us.max(now);
        if tat - now > tau {
            let retry_after_us = tat - now - tau;
            return Err(Refusal {
                retry_after_ms: retry_after_us.div_ceil(1000),
                quota: Quota {
                    limit,
                    remaining: 0,
                    reset_ms: (tat - now).div_ceil(1000),
                },
            });
        }
        let new_tat = tat + t;
        let remaining = if new_tat - now <= tau + t {
            ((tau + t - (new_tat - now)) / t) as u32
        } else {
            0
        };
        Ok((
            Gcra { tat_us: new_tat },
            Quota {
                limit,
                remaining,
                reset_ms: (new_tat - now).div_ceil(1000),
            },
        ))
    }

    /// Whether the bucket is full at `now_ms` (indistinguishable from a new one).
    pub fn is_full(self, now_ms: u64) -> bool {
        self.tat_us <= now_ms * 1000
    }
}
