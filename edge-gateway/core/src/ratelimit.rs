//! Exact per-tenant admission: request-rate buckets for the tenant, each session and each
//! client network; a cap on concurrent streams with leases; a daily model-token budget
//! (SPEC §4); and the budgets of the other widget routes ([`RouteClass`]).
//!
//! This is the state one tenant's Durable Object holds. All math is integer and all time is
//! injected (`now_ms`), so admission is exact and testable: the object serialises calls, and
//! [`Limiter::admit`] checks every limit before it changes any, so a refusal by one limit
//! never spends another's capacity.

mod gcra;
mod ip;
mod object;
mod recent;
mod routes;

pub use gcra::{Gcra, Quota};
pub use ip::{client_network, ip_key};
pub use object::TenantObject;
pub use recent::{RecentTurns, Sent, TurnRecord};
use routes::RouteBuckets;
pub use routes::{MeterRequest, MeterVerdict, RouteClass};

use crate::tenant::Limits;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Length of a request-rate period.
pub const PERIOD_MS: u64 = 60_000;
/// How long a stream may hold a concurrency slot without releasing it (a crashed stream's
/// slot frees itself after this).
pub const LEASE_TTL_MS: u64 = 5 * 60_000;
/// One UTC day.
pub const DAY_MS: u64 = 86_400_000;
/// Above this many idle per-session/IP buckets, full ones are dropped (a full bucket is the
/// same as a missing one, so this never changes a decision).
const PRUNE_AT: usize = 10_000;

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// Requests per minute for the whole tenant.
    Tenant,
    /// Requests per minute for one session.
    Session,
    /// Requests per minute for one client IP.
    Ip,
    /// Streams open at once.
    Concurrency,
    /// Model tokens per UTC day.
    DailyBudget,
}

impl LimitKind {
    /// Wire name, used in logs and the error message.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Tenant => "tenant",
            LimitKind::Session => "session",
            LimitKind::Ip => "ip",
            LimitKind::Concurrency => "concurrency",
            LimitKind::DailyBudget => "daily_budget",
        }
    }
}

/// One admission request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdmitRequest {
    /// Session id from the verified token.
    pub session: String,
    /// Salted hash of the client IP (never the raw IP).
    pub ip_key: String,
    /// A fresh random id for the concurrency lease.
    pub lease_id: String,
    /// The tenant's limits.
    pub limits: Limits,
    /// The conversation, when the answer may use its recent turns as a history hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// The shopper's client message id, to recognise a resend before D1 is asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
}

/// The answer to an admission request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Admitted: the stream holds `lease_id` until released.
    Admitted {
        /// The lease to release when the stream ends.
        lease_id: String,
        /// The session's request quota after this request, for `RateLimit-*` headers.
        quota: Quota,
        /// The conversation's recent turns as the object remembers them (a hint; D1 is the
        /// truth), when the request named one.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        history: Vec<crate::prompt::HistoryTurn>,
        /// What the object knew of the client message id (a resend, and whether its earlier
        /// turn is still running).
        #[serde(default)]
        sent: Sent,
    },
    /// Refused by `limit`; retry after `retry_after_ms`.
    Refused {
        /// Which limit.
        limit: LimitKind,
        /// When a retry may succeed.
        retry_after_ms: u64,
        /// The refusing limit's quota, for `RateLimit-*` headers.
        quota: Quota,
    },
}

impl Verdict {
    /// The admitted quota, else the `429` error the chat route answers with (`Retry-After`,
    /// `RateLimit-*`, and the code of the limit that refused).
    pub fn into_result(self) -> crate::Result<Quota> {
        match self {
            Verdict::Admitted { quota, .. } => Ok(quota),
            Verdict::Refused {
                limit,
                retry_after_ms,
                quota,
            } => Err(crate::Error::RateLimited {
                limit,
                retry_after_s: u32::try_from(retry_after_ms.div_ceil(1000)).unwrap_or(u32::MAX),
                quota,
            }),
        }
    }
}

/// The whole admission state of one tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limiter {
    tenant: Gcra,
    sessions: HashMap<String, Gcra>,
    ips: HashMap<String, Gcra>,
    leases: BTreeMap<String, u64>,
    day: u64,
    tokens_today: u64,
    routes: RouteBuckets,
}

impl Limiter {
    /// A limiter with every bucket full.
    pub fn new() -> Self {
        Self::default()
    }

    /// Admits or refuses one chat request at `now_ms`.
    pub fn admit(&mut self, now_ms: u64, req: &AdmitRequest) -> Verdict {
        let limits = &req.limits;
        self.roll_day(now_ms);
        self.leases.retain(|_, expires| *expires > now_ms);
        let session = self.sessions.get(&req.session).copied().unwrap_or_default();
        let ip = self.ips.get(&req.ip_key).copied().unwrap_or_default();
        // Check everything first; change nothing until all agree.
        let checks = [
            (
                LimitKind::Tenant,
                self.tenant
                    .check(now_ms, limits.tenant_requests_per_minute, PERIOD_MS),
            ),
            (
                LimitKind::Session,
                session.check(now_ms, limits.session_requests_per_minute, PERIOD_MS),
            ),
            (
                LimitKind::Ip,
                ip.check(now_ms, limits.ip_requests_per_minute, PERIOD_MS),
            ),
        ];
        for (kind, check) in &checks {
            if let Err(refusal) = check {
                return Verdict::Refused {
                    limit: *kind,
                    retry_after_ms: refusal.retry_after_ms,
                    quota: refusal.quota,
                };
            }
        }
        if self.leases.len() as u64 >= u64::from(limits.max_concurrent_streams) {
            let soonest = self.leases.values().min().copied().unwrap_or(now_ms);
            return Verdict::Refused {
                limit: LimitKind::Concurrency,
                retry_after_ms: soonest.saturating_sub(now_ms).clamp(1000, LEASE_TTL_MS),
                quota: Quota {
                    limit: limits.max_concurrent_streams,
                    remaining: 0,
                    reset_ms: 1000,
                },
            };
        }
        if self.tokens_today >= limits.daily_token_budget {
            let until_midnight = DAY_MS - now_ms % DAY_MS;
            return Verdict::Refused {
                limit: LimitKind::DailyBudget,
                retry_after_ms: until_midnight,
                quota: Quota {
                    limit: 0,
                    remaining: 0,
                    reset_ms: until_midnight,
                },
            };
        }
        let [(_, Ok(tenant)), (_, Ok(session)), (_, Ok(ip))] = checks else {
            unreachable!("every check was Ok above");
        };
        self.tenant = tenant.0;
        self.sessions.insert(req.session.clone(), session.0);
        self.ips.insert(req.ip_key.clone(), ip.0);
        self.leases
            .insert(req.lease_id.clone(), now_ms + LEASE_TTL_MS);
        self.prune(now_ms);
        Verdict::Admitted {
            lease_id: req.lease_id.clone(),
            quota: session.1,
            history: Vec::new(),
            sent: Sent::New,
        }
    }

    /// Admits or refuses one request to a metered widget route at `now_ms`.
    pub fn meter(&mut self, now_ms: u64, req: &MeterRequest) -> MeterVerdict {
        let verdict = self.routes.meter(now_ms, req);
        self.prune(now_ms);
        verdict
    }

    fn prune(&mut self, now_ms: u64) {
        if self.sessions.len() + self.ips.len() + self.routes.len() > PRUNE_AT {
            self.sessions.retain(|_, g| !g.is_full(now_ms));
            self.ips.retain(|_, g| !g.is_full(now_ms));
            self.routes.prune(now_ms);
        }
    }

    /// Ends a stream: frees its concurrency slot and spends `tokens` of today's budget.
    /// Releasing an unknown or expired lease still counts the tokens.
    pub fn release(&mut self, now_ms: u64, lease_id: &str, tokens: u64) {
        self.roll_day(now_ms);
        self.leases.remove(lease_id);
        self.tokens_today = self.tokens_today.saturating_add(tokens);
    }

    /// Keeps a running stream's slot: its lease now expires [`LEASE_TTL_MS`] after `now_ms`.
    /// Returns whether the lease was still held. A lost lease (it expired, or an evicted object
    /// forgot it) is taken again, even above the concurrency cap: the stream it counts is really
    /// running, so counting it keeps the cap honest and new streams wait for it.
    pub fn renew(&mut self, now_ms: u64, lease_id: &str) -> bool {
        let expires = now_ms.saturating_add(LEASE_TTL_MS);
        self.leases
            .insert(lease_id.to_owned(), expires)
            .is_some_and(|old| old > now_ms)
    }

    /// Streams open now.
    pub fn open_streams(&self, now_ms: u64) -> usize {
        self.leases.values().filter(|e| **e > now_ms).count()
    }

    /// `(day number, tokens spent that day)`: the part that must survive eviction.
    pub fn budget(&self) -> (u64, u64) {
        (self.day, self.tokens_today)
    }

    /// Restores the persisted budget after the object was evicted.
    pub fn restore_budget(&mut self, day: u64, tokens: u64) {
        self.day = day;
        self.tokens_today = tokens;
    }

    fn roll_day(&mut self, now_ms: u64) {
        let today = now_ms / DAY_MS;
        if today != self.day {
            self.day = today;
            self.tokens_today = 0;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn limits(per_min: u32, streams: u32, budget: u64) -> Limits {
        Limits {
            tenant_requests_per_minute: 10_000,
            session_requests_per_minute: per_min,
            ip_requests_per_minute: 10_000,
            max_concurrent_streams: streams,
            daily_token_budget: budget,
            routes: Default::default(),
        }
    }

    pub(crate) fn req(session: &str, lease: &str, l: Limits) -> AdmitRequest {
        AdmitRequest {
            session: session.into(),
            ip_key: "ip".into(),
            lease_id: lease.into(),
            limits: l,
            conversation: None,
            client_message_id: None,
        }
    }

    fn admitted(v: &Verdict) -> bool {
        matches!(v, Verdict::Admitted { .. })
    }

    #[test]
    fn a_burst_admits_exactly_the_limit() {
        for n in [4u32, 5, 15] {
            let mut lim = Limiter::new();
            let l = limits(5, 100, 1_000_000);
            let ok = (0..n)
                .filter(|i| admitted(&lim.admit(1_000, &req("s", &format!("l{i}"), l))))
                .count();
            assert_eq!(ok as u32, n.min(5), "n={n}");
        }
    }

    #[test]
    fn a_refusal_by_one_limit_spends_nothing_elsewhere() {
        let mut lim = Limiter::new();
        let l = limits(1, 100, 1_000_000);
        assert!(admitted(&lim.admit(0, &req("a", "1", l))));
        // Session "a" is out; its refusals must not drain the tenant or IP buckets.
        for i in 0..50 {
            assert!(!admitted(&lim.admit(0, &req("a", &format!("x{i}"), l))));
        }
        let tight = Limits {
            tenant_requests_per_minute: 2,
            ..l
        };
        assert!(admitted(&lim.admit(0, &req("b", "2", tight))));
    }

    #[test]
    fn concurrency_slots_free_on_release_or_lease_expiry() {
        let mut lim = Limiter::new();
        let l = limits(100, 2, 1_000_000);
        assert!(admitted(&lim.admit(0, &req("s", "a", l))));
        assert!(admitted(&lim.admit(0, &req("s", "b", l))));
        let v = lim.admit(0, &req("s", "c", l));
        assert!(
            matches!(
                v,
                Verdict::Refused {
                    limit: LimitKind::Concurrency,
                    ..
                }
            ),
            "{v:?}"
        );
        lim.release(10, "a", 0);
        assert!(admitted(&lim.admit(10, &req("s", "c", l))));
        // "b" crashed and never released: its lease expires.
        assert!(!admitted(&lim.admit(20, &req("s", "d", l))));
        assert!(admitted(&lim.admit(LEASE_TTL_MS + 1, &req("s", "d", l))));
    }

    #[test]
    fn a_stream_longer_than_the_lease_ttl_keeps_its_slot_while_it_renews() {
        let mut lim = Limiter::new();
        let l = limits(100, 1, 1_000_000);
        assert!(admitted(&lim.admit(0, &req("s", "long", l))));
        // The relay renews every third of the TTL while it streams.
        for n in 1..=6 {
            assert!(lim.renew(n * LEASE_TTL_MS / 3, "long"), "renewal {n}");
        }
        let now = 2 * LEASE_TTL_MS + 1;
        assert_eq!(lim.open_streams(now), 1);
        assert!(!admitted(&lim.admit(now, &req("s", "other", l))));
        lim.release(now, "long", 0);
        assert!(admitted(&lim.admit(now, &req("s", "other", l))));
    }

    #[test]
    fn a_lost_lease_is_taken_again_on_renewal_even_above_the_cap() {
        let mut lim = Limiter::new();
        let l = limits(100, 1, 1_000_000);
        assert!(admitted(&lim.admit(0, &req("s", "a", l))));
        // "a" missed its renewals; after expiry "b" takes the only slot.
        let later = LEASE_TTL_MS + 1;
        assert!(admitted(&lim.admit(later, &req("s", "b", l))));
        assert!(!lim.renew(later + 1, "a"), "reported as lost");
        assert_eq!(lim.open_streams(later + 1), 2, "both running streams count");
        assert!(!admitted(&lim.admit(later + 2, &req("s", "c", l))));
    }

    #[test]
    fn the_daily_budget_refuses_once_spent_and_resets_at_midnight() {
        let mut lim = Limiter::new();
        let l = limits(100, 100, 1000);
        assert!(admitted(&lim.admit(0, &req("s", "a", l))));
        lim.release(1, "a", 1000);
        let v = lim.admit(2, &req("s", "b", l));
        assert!(
            matches!(
                v,
                Verdict::Refused {
                    limit: LimitKind::DailyBudget,
                    ..
                }
            ),
            "{v:?}"
        );
        assert!(admitted(&lim.admit(DAY_MS, &req("s", "b", l))));
        assert_eq!(lim.budget(), (1, 0));
    }
}
