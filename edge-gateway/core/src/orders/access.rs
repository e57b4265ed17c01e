//! Who may see an order, and how many tries a shopper gets.
//!
//! - A shopper whose identity token verified sees the orders of that customer only: the
//!   shop's customer id on the order equals the token's subject, or (an order placed as a
//!   guest) the order's email equals the token's verified email.
//! - A guest gives an order number **and** the email on the order; both must match after
//!   normalisation. Both comparisons always run, on SHA-256 digests, in constant time: a
//!   wrong email, an unknown number and another customer's order take the same path and get
//!   the same answer.
//! - Failed verifications are counted per session and per IP (in the tenant's Durable
//!   Object); past [`MAX_ATTEMPTS`] within [`ATTEMPT_WINDOW_MS`] no lookup runs and the
//!   assistant offers a person instead.

use super::{normalise_email, normalise_number, Order};
use crate::ct::constant_time_eq;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Failed verifications allowed per session and per IP within [`ATTEMPT_WINDOW_MS`].
pub const MAX_ATTEMPTS: usize = 5;
/// The attempt window: one hour.
pub const ATTEMPT_WINDOW_MS: u64 = 60 * 60 * 1000;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester<'a> {
    /// A shopper whose identity token verified (SPEC §3).
    Verified {
        /// The token's subject: the shop's customer id.
        customer_id: &'a str,
        /// The token's verified email, when the shop gave one.
        email: Option<&'a str>,
    },
    /// A guest who typed an order number and an email.
    Guest {
        /// The order number as typed.
        number: &'a str,
        /// The email as typed.
        email: &'a str,
    },
}

fn digest(value: Option<&str>) -> [u8; 32] {
    // An absent value hashes a marker no normalised value can equal (it has no `@`/digits
    // constraint to meet, but normalised values never contain a NUL).
    Sha256::digest(value.unwrap_or("\0absent").as_bytes()).into()
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    let equal = constant_time_eq(&digest(a), &digest(b));
    equal && a.is_some() && b.is_some()
}

/// Whether `who` may see `order`.
pub fn may_see(order: &Order, who: &Requester<'_>) -> bool {
    match *who {
        Requester::Verified { customer_id, email } => {
            let customer_id = customer_id.trim();
            let by_id = same(
                order.customer_id.as_deref(),
                (!customer_id.is_empty()).then_some(customer_id),
            );
            let verified_email = email.and_then(normalise_email);
            let by_email = same(order.email.as_deref(), verified_email.as_deref());
            // A verified email only opens orders that belong to no account (guest checkouts);
            // an account's orders open by the account's id.
            by_id | (by_email & order.customer_id.is_none())
        }
        Requester::Guest { number, email } => {
            let number = normalise_number(number);
            let email = normalise_email(email);
            let order_number = normalise_number(&order.number);
            let number_ok = same(order_number.as_deref(), number.as_deref());
            let email_ok = same(order.email.as_deref(), email.as_deref());
            number_ok & email_ok
        }
    }
}

/// Failed verification attempts of one key (a session, or an IP) within the window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    /// When each counted failure happened (ms), oldest first.
    failures: Vec<u64>,
}

impl Attempts {
    fn prune(&mut self, now_ms: u64) {
        let since = now_ms.saturating_sub(ATTEMPT_WINDOW_MS);
        self.failures.retain(|t| *t > since);
    }

    /// Whether another verification may run now.
    pub fn allows(&mut self, now_ms: u64) -> bool {
        self.prune(now_ms);
        self.failures.len() < MAX_ATTEMPTS
    }

    /// Counts a failed verification.
    pub fn failed(&mut self, now_ms: u64) {
        self.prune(now_ms);
        if self.failures.len() < MAX_ATTEMPTS {
            self.failures.push(now_ms);
        }
    }

    /// Takes back one failure counted at `at_ms` (a verification reserved as a failure
    /// before it ran, that then succeeded or never reached the shop).
    pub fn forgive(&mut self, at_ms: u64) {
        if let Some(i) = self.failures.iter().position(|t| *t == at_ms) {
            self.failures.remove(i);
        }
    }

    /// When the next attempt will be allowed again (ms), when none is allowed now.
    pub fn retry_at(&mut self, now_ms: u64) -> Option<u64> {
        if self.allows(now_ms) {
            return None;
        }
        self.failures.first().map(|t| t + ATTEMPT_WINDOW_MS)
    }

    /// Whether nothing is counted (the object may forget the key).
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopkeep_protocol::OrderStatus;

    fn order(number: &str, customer: Option<&str>, email: &str) -> Order {
        Order {
            external_id: "x".into(),
            number: number.into(),
            customer_id: customer.map(str::to_owned),
            email: normalise_email(email),
            placed_at: "2026-11-01T10:00:00Z".into(),
            status: OrderStatus::Processing,
            items: Vec::new(),
            parcels: Vec::new(),
            eta: None,
        }
    }

    #[test]
    fn a_verified_shopper_sees_their_own_orders_only() {
        let mine = order("1001", Some("c_7"), "ada@example.com");
        let theirs = order("1002", Some("c_8"), "bob@example.com");
        let me = Requester::Verified {
            customer_id: "c_7",
            email: Some("ada@example.com"),
        };
        assert!(may_see(&mine, &me));
        assert!(!may_see(&theirs, &me));
        // The same email on another account's order does not open it.
        let same_email_other_account = order("1003", Some("c_9"), "ada@example.com");
        assert!(!may_see(&same_email_other_account, &me));
        // A guest checkout with the verified email does.
        let guest_checkout = order("1004", None, "ADA@example.com");
        assert!(may_see(&guest_checkout, &me));
        // An empty subject never matches an order without a customer.
        let nobody = Requester::Verified {
            customer_id: " ",
            email: None,
        };
        assert!(!may_see(&guest_checkout, &nobody));
    }

    #[test]
    fn a_guest_needs_both_number_and_email() {
        let o = order("1001", Some("c_7"), "ada@example.com");
        let ok = |number, email| may_see(&o, &Requester::Guest { number, email });
        assert!(ok("#1001", " Ada@Example.com "));
        assert!(!ok("#1001", "bob@example.com"));
        assert!(!ok("#1002", "ada@example.com"));
        assert!(!ok("", "ada@example.com"));
        assert!(!ok("#1001", ""));
        let no_email = order("1005", None, "");
        assert!(!may_see(
            &no_email,
            &Requester::Guest {
                number: "1005",
                email: ""
            }
        ));
    }

    #[test]
    fn attempts_close_after_the_limit_and_reopen_after_the_window() {
        let mut a = Attempts::default();
        let t0 = 10_000_000;
        for i in 0..MAX_ATTEMPTS as u64 {
            assert!(a.allows(t0 + i));
            a.failed(t0 + i);
        }
        assert!(!a.allows(t0 + 100));
        assert_eq!(a.retry_at(t0 + 100), Some(t0 + ATTEMPT_WINDOW_MS));
        assert!(a.allows(t0 + ATTEMPT_WINDOW_MS + 1));
    }
}
