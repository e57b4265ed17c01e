//! One `lookup_order` call, decided: what to fetch from the shop, and what the model and the
//! shopper are told. Every failure a guest can cause (unknown number, wrong email, another
//! customer's order, malformed input after the first check) gets the one answer
//! [`NOT_FOUND`], in the same shape.

use super::access::{may_see, Requester, VerifiedEmail};
use super::{normalise_email, normalise_number, Order};
use serde_json::{json, Value};
use shopkeep_protocol::Block;

/// The one answer for every order a shopper may not see or that does not exist.
pub const NOT_FOUND: &str = "I couldn't find an order with those details.";
/// When the verification limit is reached.
pub const LIMITED: &str = "Too many attempts to verify an order. Offer the shopper a person \
                           from the team instead.";
/// When the shop's order API failed (timeout, bad credentials, rate limit): never its error.
pub const UNAVAILABLE: &str = "The shop's order system did not answer. Apologise, and offer \
                               the shopper a person from the team.";
/// Most orders shown to a signed-in shopper who gave no number.
pub const MAX_RECENT: usize = 3;

/// What the shell fetches from the shop's order API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// The orders of this customer account (most recent first); `number` narrows them.
    ByCustomer {
        /// The shop's customer id (the identity token's subject).
        customer_id: String,
        /// An order number the shopper named.
        number: Option<String>,
    },
    /// The order with this number (then checked against the email).
    ByNumber {
        /// The normalised number.
        number: String,
    },
}

/// What to do with one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Fetch, then call [`answer`].
    Fetch(Fetch),
    /// Answer the model at once (what to ask the shopper for); nothing is fetched or counted.
    Ask(Value),
}

/// The identity of a verified shopper, from the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    /// The identity token's subject.
    pub customer_id: &'a str,
    /// Its verified email (`email_verified: true`), as the session's keyed digest.
    pub email: Option<VerifiedEmail<'a>>,
}

fn arg<'a>(arguments: &'a Value, key: &str) -> Option<&'a str> {
    arguments
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 320)
}

/// The call's arguments completed from the shopper's own message of this turn: an order
/// number or email the model did not pass in a usable form (absent, or a redaction
/// placeholder such as `[email]` when the tenant redacts PII before the AI runtime) is read
/// from the message itself. A usable argument of the model's is never replaced.
pub fn fill_from_message(arguments: &Value, message: &str) -> Value {
    let from_text = super::arguments_from_text(message);
    let mut out = arguments.as_object().cloned().unwrap_or_default();
    let usable_number = arg(arguments, "order_number")
        .and_then(normalise_number)
        .is_some();
    let usable_email = arg(arguments, "email").and_then(normalise_email).is_some();
    for (key, usable) in [("order_number", usable_number), ("email", usable_email)] {
        if !usable {
            match from_text.get(key) {
                Some(value) => {
                    out.insert(key.to_owned(), value.clone());
                }
                None => {
                    out.remove(key);
                }
            }
        }
    }
    Value::Object(out)
}

/// Decides what to fetch for `arguments` (`{order_number?, email?}`).
pub fn plan(arguments: &Value, verified: Option<Verified<'_>>) -> Plan {
    let number = arg(arguments, "order_number").and_then(normalise_number);
    if let Some(me) = verified {
        return Plan::Fetch(Fetch::ByCustomer {
            customer_id: me.customer_id.to_owned(),
            number,
        });
    }
    let email = arg(arguments, "email").and_then(normalise_email);
    match (number, email) {
        (Some(number), Some(_)) => Plan::Fetch(Fetch::ByNumber { number }),
        (number, email) => {
            let mut missing = Vec::new();
            if number.is_none() {
                missing.push("order_number");
            }
            if email.is_none() {
                missing.push("email");
            }
            Plan::Ask(json!({
                "found": false,
                "need": missing,
                "message": "Ask the shopper for their order number and the email they used for the order.",
            }))
        }
    }
}

/// The second fetch a verified shopper's lookup needs after the customer's own orders: when
/// the shopper named a number that is not among them and the session carries a verified
/// email, the order with that number (a guest checkout of theirs, opened by [`answer`] only
/// when its email is the verified one). `None` otherwise: no number, no verified email, or
/// the number already found.
pub fn follow_up(fetch: &Fetch, verified: Option<Verified<'_>>, first: &[Order]) -> Option<Fetch> {
    let Fetch::ByCustomer {
        number: Some(number),
        ..
    } = fetch
    else {
        return None;
    };
    verified?.email?;
    let already = first
        .iter()
        .any(|o| normalise_number(&o.number).as_ref() == Some(number));
    (!already).then(|| Fetch::ByNumber {
        number: number.clone(),
    })
}

/// Whether a failed lookup counts against the verification limit: guest verifications and
/// a verified shopper's [`follow_up`] by number that fetched and matched nothing.
pub fn counts_as_failure(plan: &Plan, followed_up: bool, found: bool) -> bool {
    (followed_up || matches!(plan, Plan::Fetch(Fetch::ByNumber { .. }))) && !found
}

/// The result of a lookup: what the model sees, and the cards (one per order shown).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The `tool` message content for the model.
    pub for_model: Value,
    /// One `order` block per order shown.
    pub blocks: Vec<Block>,
    /// Whether any order was shown.
    pub found: bool,
}

/// Filters what the shop returned down to what `who` may see, and builds the answer.
/// `arguments` are the call's (for the guest's email and the number the shopper named).
/// For a verified shopper `orders` are the customer's orders plus what the [`follow_up`]
/// fetched.
pub fn answer(
    orders: &[Order],
    fetch: &Fetch,
    arguments: &Value,
    verified: Option<Verified<'_>>,
) -> Answer {
    let typed_number = arg(arguments, "order_number").unwrap_or_default();
    let typed_email = arg(arguments, "email").unwrap_or_default();
    let mut shown: Vec<&Order> = orders
        .iter()
        .filter(|order| match (fetch, verified) {
            (Fetch::ByCustomer { number, .. }, Some(me)) => {
                may_see(
                    order,
                    &Requester::Verified {
                        customer_id: me.customer_id,
                        email: me.email,
                        number: number.as_deref(),
                    },
                ) && number
                    .as_ref()
                    .is_none_or(|n| normalise_number(&order.number).as_ref() == Some(n))
            }
            (Fetch::ByNumber { .. }, _) => may_see(
                order,
                &Requester::Guest {
                    number: typed_number,
                    email: typed_email,
                },
            ),
            // A customer fetch without a verified shopper never shows anything.
            (Fetch::ByCustomer { .. }, None) => false,
        })
        .collect();
    shown.sort_by(|a, b| b.placed_at.cmp(&a.placed_at));
    shown.truncate(MAX_RECENT);
    if shown.is_empty() {
        return not_found();
    }
    Answer {
        for_model: json!({
            "found": true,
            "orders": shown.iter().map(|o| o.for_model()).collect::<Vec<_>>(),
        }),
        blocks: shown
            .iter()
            .map(|o| Block::Order { order: o.card() })
            .collect(),
        found: true,
    }
}

/// The answer when nothing may be shown (whatever the reason).
pub fn not_found() -> Answer {
    Answer {
        for_model: json!({"found": false, "message": NOT_FOUND}),
        blocks: Vec::new(),
        found: false,
    }
}

/// The answer past the verification limit.
pub fn limited() -> Answer {
    Answer {
        for_model: json!({"found": false, "message": LIMITED, "offer_handoff": true}),
        blocks: Vec::new(),
        found: false,
    }
}

/// The answer when the shop's order API failed.
pub fn unavailable() -> Answer {
    Answer {
        for_model: json!({"found": false, "message": UNAVAILABLE, "offer_handoff": true}),
        blocks: Vec::new(),
        found: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopkeep_protocol::OrderStatus;

    fn order(number: &str, customer: Option<&str>, email: &str, at: &str) -> Order {
        Order {
            external_id: number.into(),
            number: number.into(),
            customer_id: customer.map(str::to_owned),
            email: normalise_email(email),
            placed_at: at.into(),
            status: OrderStatus::Shipped,
            items: Vec::new(),
            parcels: Vec::new(),
            eta: None,
        }
    }

    #[test]
    fn a_guest_is_asked_for_what_is_missing_before_anything_is_fetched() {
        let Plan::Ask(ask) = plan(&json!({"order_number": "#1001"}), None) else {
            panic!("fetched without an email")
        };
        assert_eq!(ask["need"], json!(["email"]));
        assert_eq!(
            plan(&json!({"order_number": "#1001", "email": "a@b.c"}), None),
            Plan::Fetch(Fetch::ByNumber {
                number: "1001".into()
            })
        );
    }

    #[test]
    fn redacted_arguments_are_read_from_the_shoppers_message() {
        let message = "Where is #1001? ada@example.com";
        assert_eq!(
            fill_from_message(
                &json!({"order_number": "#1001", "email": "[email]"}),
                message
            ),
            json!({"order_number": "#1001", "email": "ada@example.com"})
        );
        assert_eq!(
            fill_from_message(&json!({}), message),
            json!({"order_number": "#1001", "email": "ada@example.com"})
        );
        // The model's usable arguments stand.
        assert_eq!(
            fill_from_message(
                &json!({"order_number": "1002", "email": "ben@example.net"}),
                message
            ),
            json!({"order_number": "1002", "email": "ben@example.net"})
        );
        assert_eq!(
            fill_from_message(&json!({"email": "[email]"}), "where is my order"),
            json!({})
        );
    }

    #[test]
    fn every_guest_failure_is_the_same_answer() {
        let shop = [order("1001", Some("c1"), "ada@example.com", "2026-11-01")];
        let fetch = Fetch::ByNumber {
            number: "1001".into(),
        };
        let wrong_email = answer(
            &shop,
            &fetch,
            &json!({"order_number": "1001", "email": "eve@example.com"}),
            None,
        );
        let unknown = answer(
            &[],
            &fetch,
            &json!({"order_number": "1001", "email": "ada@example.com"}),
            None,
        );
        assert_eq!(wrong_email, unknown);
        assert_eq!(wrong_email, not_found());
        let right = answer(
            &shop,
            &fetch,
            &json!({"order_number": "#1001", "email": "ADA@example.com"}),
            None,
        );
        assert!(right.found);
        assert_eq!(right.blocks.len(), 1);
    }

    #[test]
    fn a_verified_shopper_gets_their_recent_orders_and_never_another_customers() {
        let shop = [
            order("1001", Some("c1"), "ada@example.com", "2026-10-01"),
            order("1002", Some("c2"), "bob@example.com", "2026-11-02"),
            order("1003", Some("c1"), "ada@example.com", "2026-11-03"),
        ];
        let me = Verified {
            customer_id: "c1",
            email: None,
        };
        let Plan::Fetch(fetch) = plan(&json!({}), Some(me)) else {
            panic!()
        };
        let got = answer(&shop, &fetch, &json!({}), Some(me));
        let numbers: Vec<&str> = got.for_model["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers, ["#1003", "#1001"]);
        // Naming another customer's number shows nothing.
        let Plan::Fetch(fetch) = plan(&json!({"order_number": "1002"}), Some(me)) else {
            panic!()
        };
        assert_eq!(
            answer(&shop, &fetch, &json!({"order_number": "1002"}), Some(me)),
            not_found()
        );
    }

    #[test]
    fn a_verified_email_opens_a_guest_checkout_by_its_number_only() {
        let key = [3u8; 32];
        let digest = super::super::api::keyed_digest_with(&key, "email", "ada@example.com");
        let me = Verified {
            customer_id: "c1",
            email: Some(VerifiedEmail {
                digest: &digest,
                key: &key,
            }),
        };
        let account = [order("1001", Some("c1"), "ada@example.com", "2026-10-01")];
        let guest = [
            order("1101", None, " Ada@Example.com", "2026-11-05"),
            order("1102", None, "ben@example.net", "2026-11-06"),
        ];
        // No number: the account's orders only, and no second fetch.
        let Plan::Fetch(fetch) = plan(&json!({}), Some(me)) else {
            panic!()
        };
        assert_eq!(follow_up(&fetch, Some(me), &account), None);
        let all: Vec<Order> = account.iter().chain(&guest).cloned().collect();
        let got = answer(&all, &fetch, &json!({}), Some(me));
        assert_eq!(got.blocks.len(), 1, "guest checkouts are never listed");
        // Their guest checkout's number: fetched by number, shown.
        let args = json!({"order_number": "#1101"});
        let Plan::Fetch(fetch) = plan(&args, Some(me)) else {
            panic!()
        };
        assert_eq!(
            follow_up(&fetch, Some(me), &account),
            Some(Fetch::ByNumber {
                number: "1101".into()
            })
        );
        let got = answer(
            &[account[0].clone(), guest[0].clone()],
            &fetch,
            &args,
            Some(me),
        );
        assert!(got.found);
        assert_eq!(got.for_model["orders"][0]["number"], "#1101");
        // Another email's guest checkout: the one answer, counted as a failure.
        let args = json!({"order_number": "1102"});
        let Plan::Fetch(fetch) = plan(&args, Some(me)) else {
            panic!()
        };
        let p = plan(&args, Some(me));
        let got = answer(&[guest[1].clone()], &fetch, &args, Some(me));
        assert_eq!(got, not_found());
        assert!(counts_as_failure(&p, true, got.found));
        assert!(!counts_as_failure(&p, false, got.found));
        // Without a verified email there is no second fetch.
        let no_email = Verified {
            customer_id: "c1",
            email: None,
        };
        assert_eq!(follow_up(&fetch, Some(no_email), &account), None);
        assert_eq!(answer(&guest, &fetch, &args, Some(no_email)), not_found());
        // A number already among the account's orders needs no second fetch.
        let Plan::Fetch(fetch) = plan(&json!({"order_number": "1001"}), Some(me)) else {
            panic!()
        };
        assert_eq!(follow_up(&fetch, Some(me), &account), None);
    }
}
