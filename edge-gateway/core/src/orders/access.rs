//! Who may see an order, and how many tries a shopper gets.
//!
//! - A shopper whose identity token verified sees the orders of that customer only: the
//!   shop's customer id on the order equals the token's subject, or (an order placed as a
//!   guest checkout: no customer id) the order's email equals the email the token vouched for
//!   (`email_verified: true`) **and** the shopper named the order's number. A verified email
//!   never opens an order of an account (not even the shopper's own email on another
//!   account), nor lists guest orders without a number.
//! - A guest gives an order number **and** the email on the order; both must match after
//!   normalisation. Both comparisons always run, on SHA-256 digests, in constant time: a
//!   wrong email, an unknown number and another customer's order take the same path and get
//!   the same answer.
//! - Failed verifications are counted per session and per IP (in the tenant's Durable
//!   Object); past [`MAX_ATTEMPTS`] within [`ATTEMPT_WINDOW_MS`] no lookup runs and the
//!   assistant offers a person instead.

use super::api::keyed_digest_with;
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
        /// The token's verified email (as its keyed digest), when the shop vouched for one.
        email: Option<VerifiedEmail<'a>>,
        /// The order number the shopper named, if any: a guest checkout opens by the
        /// verified email only with its number.
        number: Option<&'a str>,
    },
    /// A guest who typed an order number and an email.
    Guest {
        /// The order number as typed.
        number: &'a str,
        /// The email as typed.
        email: &'a str,
    },
}

/// A verified email as the session carries it: the keyed digest of the normalised address
/// (`api::verified_email_digest`), with the tenant's digest key to test an order's email
/// against it. The session never holds the address itself.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifiedEmail<'a> {
    /// `keyed_digest_with(key, "email", normalised email)`.
    pub digest: &'a str,
    /// The tenant's digest key (`api::digest_key`).
    pub key: &'a [u8; 32],
}

impl std::fmt::Debug for VerifiedEmail<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("VerifiedEmail")
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl VerifiedEmail<'_> {
    /// Whether `email` (an order's, already normalised) is the verified one; constant time
    /// over the digests.
    pub fn is(&self, email: Option<&str>) -> bool {
        let theirs = keyed_digest_with(self.key, "email", email.unwrap_or("\0absent"));
        constant_time_eq(theirs.as_bytes(), self.digest.as_bytes()) & email.is_some()
    }
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
        Requester::Verified {
            customer_id,
            email,
            number,
        } => {
            let customer_id = customer_id.trim();
            let by_id = same(
                order.customer_id.as_deref(),
                (!customer_id.is_empty()).then_some(customer_id),
            );
            let by_email = email.is_some_and(|e| e.is(order.email.as_deref()));
            let named = same(
                normalise_number(&order.number).as_deref(),
                number.and_then(normalise_number).as_deref(),
            );
            // A verified email only opens orders that belong to no account (guest checkouts),
            // and only the one whose number the shopper named; an account's orders open by
            // the account's id.
            by_id | (by_email & named & order.customer_id.is_none())
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

    const KEY: [u8; 32] = [7; 32];

    fn verified_email(email: &str) -> String {
        keyed_digest_with(&KEY, "email", &normalise_email(email).unwrap())
    }

    #[test]
    fn a_verified_shopper_sees_their_own_orders_only() {
        let mine = order("1001", Some("c_7"), "ada@example.com");
        let theirs = order("1002", Some("c_8"), "bob@example.com");
        let digest = verified_email("ada@example.com");
        let email = Some(VerifiedEmail {
            digest: &digest,
            key: &KEY,
        });
        let me = |number| Requester::Verified {
            customer_id: "c_7",
            email,
            number,
        };
        assert!(may_see(&mine, &me(None)));
        assert!(!may_see(&theirs, &me(None)));
        assert!(!may_see(&theirs, &me(Some("1002"))));
        // The same email on another account's order does not open it, number or not.
        let same_email_other_account = order("1003", Some("c_9"), "ada@example.com");
        assert!(!may_see(&same_email_other_account, &me(None)));
        assert!(!may_see(&same_email_other_account, &me(Some("#1003"))));
        // A guest checkout with the verified email opens with its number, only.
        let guest_checkout = order("1004", None, "ADA@example.com");
        assert!(may_see(&guest_checkout, &me(Some(" #1004"))));
        assert!(!may_see(&guest_checkout, &me(None)));
        assert!(!may_see(&guest_checkout, &me(Some("1005"))));
        // Another email's guest checkout never opens.
        let bobs_guest_checkout = order("1006", None, "bob@example.com");
        assert!(!may_see(&bobs_guest_checkout, &me(Some("1006"))));
        // Without a verified email (absent or not vouched for), a guest checkout stays shut.
        let no_email = Requester::Verified {
            customer_id: "c_7",
            email: None,
            number: Some("1004"),
        };
        assert!(!may_see(&guest_checkout, &no_email));
        // A digest under another key (another tenant) matches nothing.
        let other_key = [8; 32];
        let elsewhere = Requester::Verified {
            customer_id: "c_7",
            email: Some(VerifiedEmail {
                digest: &digest,
                key: &other_key,
            }),
            number: Some("1004"),
        };
        assert!(!may_see(&guest_checkout, &elsewhere));
        // An empty subject never matches an order without a customer.
        let nobody = Requester::Verified {
            customer_id: " ",
            email: None,
            number: None,
        };
        assert!(!may_see(&guest_checkout, &nobody));
        // The key never shows in debug output.
        assert!(!format!("{email:?}").contains("7, 7"));
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
