//! Budgets of the widget routes other than chat (`limits.routes` in a tenant's config).
//!
//! Each route class has its own per-client-IP and per-tenant request rate, so a flood of one
//! kind (session creation, consent records, privacy exports) never spends another's budget,
//! and the defaults suit what a real shopper does on that route. Stored configs written before
//! these budgets existed parse with the defaults.

use crate::ratelimit::RouteClass;
use serde::{Deserialize, Serialize};

/// Lowest and highest accepted value of a route budget, per minute.
pub const ROUTE_BUDGET_RANGE: (u32, u32) = (1, 100_000);

/// One route class's request rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteBudget {
    /// Requests per minute from one client network (an IPv4 address or an IPv6 /64).
    pub ip_per_minute: u32,
    /// Requests per minute for the whole tenant.
    pub tenant_per_minute: u32,
}

impl RouteBudget {
    const fn new(ip_per_minute: u32, tenant_per_minute: u32) -> Self {
        RouteBudget {
            ip_per_minute,
            tenant_per_minute,
        }
    }
}

/// The budget of every metered widget route class. A class left out of a stored config gets
/// its default; a class that is given must give both rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteLimits {
    /// `POST /v1/sessions`. A shopper starts one per page view at most; the per-IP rate is
    /// what stops "a new session per message" from escaping the per-session chat bucket.
    pub session: RouteBudget,
    /// `POST /v1/consent` (writes a consent record).
    pub consent: RouteBudget,
    /// `POST /v1/privacy/export` and `/erase` (each writes an audit row).
    pub privacy: RouteBudget,
    /// `POST /v1/messages/{id}/feedback` (writes a rating).
    pub feedback: RouteBudget,
    /// `GET /v1/conversation` (reads the transcript).
    pub history: RouteBudget,
    /// `GET /v1/tenants/{id}/config` (public; read on every widget load).
    pub config: RouteBudget,
}

impl Default for RouteLimits {
    fn default() -> Self {
        RouteLimits {
            session: RouteBudget::new(20, 1_200),
            consent: RouteBudget::new(20, 600),
            privacy: RouteBudget::new(10, 120),
            feedback: RouteBudget::new(30, 600),
            history: RouteBudget::new(60, 1_200),
            config: RouteBudget::new(120, 6_000),
        }
    }
}

impl RouteLimits {
    /// The budget of one class.
    pub fn budget(&self, class: RouteClass) -> RouteBudget {
        match class {
            RouteClass::Session => self.session,
            RouteClass::Consent => self.consent,
            RouteClass::Privacy => self.privacy,
            RouteClass::Feedback => self.feedback,
            RouteClass::History => self.history,
            RouteClass::Config => self.config,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_its_own_default_budget() {
        let limits = RouteLimits::default();
        assert_eq!(limits.budget(RouteClass::Session).ip_per_minute, 20);
        assert_eq!(
            limits.budget(RouteClass::Privacy),
            RouteBudget::new(10, 120)
        );
        for class in RouteClass::ALL {
            let b = limits.budget(class);
            assert!(b.ip_per_minute <= b.tenant_per_minute, "{class:?}");
        }
    }

    #[test]
    fn a_config_without_route_limits_parses_with_the_defaults() {
        let parsed: RouteLimits = serde_json::from_str("{}").unwrap();
        assert_eq!(parsed, RouteLimits::default());
        let one: RouteLimits =
            serde_json::from_str(r#"{"session":{"ip_per_minute":3,"tenant_per_minute":9}}"#)
                .unwrap();
        assert_eq!(one.session, RouteBudget::new(3, 9));
        assert_eq!(one.consent, RouteLimits::default().consent);
    }

    #[test]
    fn a_half_given_or_misspelt_budget_is_refused() {
        assert!(serde_json::from_str::<RouteLimits>(r#"{"session":{"ip_per_minute":3}}"#).is_err());
        assert!(serde_json::from_str::<RouteLimits>(r#"{"sessions":{}}"#).is_err());
    }
}
