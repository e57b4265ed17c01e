//! Admission of the widget routes other than chat: each route class has a per-client-network
//! and a per-tenant request rate (`limits.routes`), checked together and spent together, so a
//! refusal by one never spends the other.

use super::{Gcra, LimitKind, Quota, PERIOD_MS};
use crate::tenant::RouteBudget;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A metered widget route, by the budget it draws from (chat has its own admission).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteClass {
    /// `POST /v1/sessions`
    Session,
    /// `POST /v1/consent`
    Consent,
    /// `POST /v1/privacy/export` and `POST /v1/privacy/erase`
    Privacy,
    /// `POST /v1/messages/{id}/feedback`
    Feedback,
    /// `GET /v1/conversation`
    History,
    /// `GET /v1/tenants/{id}/config`
    Config,
}

impl RouteClass {
    /// Every class, in the order of `limits.routes`.
    pub const ALL: [RouteClass; 6] = [
        RouteClass::Session,
        RouteClass::Consent,
        RouteClass::Privacy,
        RouteClass::Feedback,
        RouteClass::History,
        RouteClass::Config,
    ];

    /// Name in the config (`limits.routes.<name>`) and in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteClass::Session => "session",
            RouteClass::Consent => "consent",
            RouteClass::Privacy => "privacy",
            RouteClass::Feedback => "feedback",
            RouteClass::History => "history",
            RouteClass::Config => "config",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One metered request, as the shell sends it to the tenant's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterRequest {
    /// Which route budget it draws from.
    pub class: RouteClass,
    /// The client's [`super::ip_key`].
    pub ip_key: String,
    /// The class's budget from the tenant's config.
    pub budget: RouteBudget,
}

/// The answer to a [`MeterRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum MeterVerdict {
    /// Admitted; the client network's quota after this request.
    Admitted {
        /// For `RateLimit-*` headers.
        quota: Quota,
    },
    /// Refused by `limit` ([`LimitKind::Ip`] or [`LimitKind::Tenant`]).
    Refused {
        /// Which limit.
        limit: LimitKind,
        /// When a retry may succeed.
        retry_after_ms: u64,
        /// The refusing limit's quota, for `RateLimit-*` headers.
        quota: Quota,
    },
}

impl MeterVerdict {
    /// The quota when admitted, else the `429` error with `Retry-After` and `RateLimit-*`.
    pub fn into_result(self) -> Result<Quota> {
        match self {
            MeterVerdict::Admitted { quota } => Ok(quota),
            MeterVerdict::Refused {
                limit,
                retry_after_ms,
                quota,
            } => Err(Error::RateLimited {
                limit,
                retry_after_s: u32::try_from(retry_after_ms.div_ceil(1000)).unwrap_or(u32::MAX),
                quota,
            }),
        }
    }
}

/// The route buckets of one tenant: one per class for the tenant, one per class and client
/// network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct RouteBuckets {
    tenant: [Gcra; 6],
    ips: HashMap<String, Gcra>,
}

impl RouteBuckets {
    /// Admits or refuses one request at `now_ms`: both buckets are checked before either is
    /// spent. The client network's limit is reported first when both refuse.
    pub(super) fn meter(&mut self, now_ms: u64, req: &MeterRequest) -> MeterVerdict {
        let key = format!("{}/{}", req.class.as_str(), req.ip_key);
        let ip = self.ips.get(&key).copied().unwrap_or_default();
        let tenant = self.tenant[req.class.index()];
        let checks = (
            ip.check(now_ms, req.budget.ip_per_minute, PERIOD_MS),
            tenant.check(now_ms, req.budget.tenant_per_minute, PERIOD_MS),
        );
        match checks {
            (Ok((ip, quota)), Ok((tenant, _))) => {
                self.ips.insert(key, ip);
                self.tenant[req.class.index()] = tenant;
                MeterVerdict::Admitted { quota }
            }
            (Err(refusal), _) => MeterVerdict::Refused {
                limit: LimitKind::Ip,
                retry_after_ms: refusal.retry_after_ms,
                quota: refusal.quota,
            },
            (_, Err(refusal)) => MeterVerdict::Refused {
                limit: LimitKind::Tenant,
                retry_after_ms: refusal.retry_after_ms,
                quota: refusal.quota,
            },
        }
    }

    /// Client-network buckets held.
    pub(super) fn len(&self) -> usize {
        self.ips.len()
    }

    /// Drops full buckets (a full bucket is the same as a missing one).
    pub(super) fn prune(&mut self, now_ms: u64) {
        self.ips.retain(|_, g| !g.is_full(now_ms));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Limiter;
    use super::*;
    use proptest::prelude::*;

    fn req(
        class: RouteClass,
        ip: &str,
        ip_per_minute: u32,
        tenant_per_minute: u32,
    ) -> MeterRequest {
        MeterRequest {
            class,
            ip_key: ip.into(),
            budget: RouteBudget {
                ip_per_minute,
                tenant_per_minute,
            },
        }
    }

    fn admitted(v: &MeterVerdict) -> bool {
        matches!(v, MeterVerdict::Admitted { .. })
    }

    #[test]
    fn a_session_flood_from_one_network_is_refused_after_its_budget() {
        let mut lim = Limiter::new();
        let r = req(RouteClass::Session, "ip-a", 20, 1000);
        let ok = (0..100).filter(|_| admitted(&lim.meter(1_000, &r))).count();
        assert_eq!(ok, 20);
        let refusal = lim.meter(1_000, &r);
        let MeterVerdict::Refused {
            limit,
            retry_after_ms,
            quota,
        } = refusal
        else {
            panic!("{refusal:?}");
        };
        assert_eq!(limit, LimitKind::Ip);
        assert_eq!(retry_after_ms, 3_000, "one request per 60 s / 20");
        assert_eq!((quota.limit, quota.remaining), (20, 0));
        // Another network is not affected; the bucket refills at the sustained rate.
        assert!(admitted(
            &lim.meter(1_000, &req(RouteClass::Session, "ip-b", 20, 1000))
        ));
        assert!(admitted(&lim.meter(4_000, &r)));
    }

    #[test]
    fn each_route_class_has_its_own_budget() {
        let mut lim = Limiter::new();
        for class in RouteClass::ALL {
            assert!(
                admitted(&lim.meter(0, &req(class, "ip", 1, 1))),
                "{class:?}"
            );
            assert!(
                !admitted(&lim.meter(0, &req(class, "ip", 1, 1))),
                "{class:?}"
            );
        }
        // Route floods never spend chat's buckets.
        let chat = super::super::tests::req("s", "lease", super::super::tests::limits(1, 1, 1));
        assert!(matches!(
            lim.admit(0, &chat),
            super::super::Verdict::Admitted { .. }
        ));
    }

    #[test]
    fn the_tenant_budget_is_shared_by_every_network() {
        let mut lim = Limiter::new();
        let ok = (0..10)
            .filter(|i| admitted(&lim.meter(0, &req(RouteClass::Consent, &format!("ip{i}"), 5, 4))))
            .count();
        assert_eq!(ok, 4);
        let v = lim.meter(0, &req(RouteClass::Consent, "fresh", 5, 4));
        assert!(
            matches!(
                v,
                MeterVerdict::Refused {
                    limit: LimitKind::Tenant,
                    ..
                }
            ),
            "{v:?}"
        );
    }

    #[test]
    fn a_refused_network_spends_nothing_of_the_tenant_budget() {
        let mut lim = Limiter::new();
        let flood = req(RouteClass::Privacy, "flood", 2, 3);
        for _ in 0..50 {
            lim.meter(0, &flood);
        }
        // The flood got 2 of the tenant's 3; its 48 refusals spent nothing.
        assert!(admitted(
            &lim.meter(0, &req(RouteClass::Privacy, "other", 2, 3))
        ));
        assert!(!admitted(
            &lim.meter(0, &req(RouteClass::Privacy, "third", 2, 3))
        ));
    }

    #[test]
    fn refusals_become_429_with_retry_after_and_quota() {
        let err = MeterVerdict::Refused {
            limit: LimitKind::Ip,
            retry_after_ms: 2_001,
            quota: Quota {
                limit: 20,
                remaining: 0,
                reset_ms: 60_000,
            },
        }
        .into_result()
        .unwrap_err();
        assert_eq!(err.public().0, 429);
        assert_eq!(err.public().1.error.code, "rate_limited");
        assert_eq!(err.retry_after_s(), Some(3));
        assert_eq!(err.rate_limit_headers().unwrap()[0].1, "20");
    }

    proptest! {
        #[test]
        fn a_burst_admits_exactly_min_of_the_two_budgets(
            n in 0u32..80, ip_budget in 1u32..40, tenant_budget in 1u32..40, class in 0usize..6,
        ) {
            let mut lim = Limiter::new();
            let r = req(RouteClass::ALL[class], "ip", ip_budget, tenant_budget);
            let ok = (0..n).filter(|_| admitted(&lim.meter(7, &r))).count() as u32;
            prop_assert_eq!(ok, n.min(ip_budget).min(tenant_budget));
        }
    }
}
