//! Orders: "where is my order?" answered from the shop's own order API, only to the buyer.
//!
//! Owns: the normalised order (what the assistant may ever know of one: number, date, status,
//! items, parcels, ETA — never an address, phone or payment detail, which the parsers drop on
//! the way in), the parsers of the Shopify Admin API and WooCommerce REST v3 order shapes, the
//! decision of who may see an order ([`access`]), the verification-attempt window, and the
//! order card and the model's view of an order.
//!
//! Must not depend on: worker. Fetching is the shell's; every decision is here.

pub mod access;
pub mod api;
pub mod lookup;
mod shopify;
mod woo;

pub use access::{may_see, Attempts, Requester, VerifiedEmail, ATTEMPT_WINDOW_MS, MAX_ATTEMPTS};
pub use shopify::parse_shopify_orders;
pub use woo::parse_woo_orders;

use serde_json::{json, Value};
use shopkeep_protocol::{OrderCard, OrderItem, OrderStatus, Parcel};

/// One order as the assistant may know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The shop's internal id (never shown; used to refetch).
    pub external_id: String,
    /// The number the buyer knows, without `#` (e.g. `1001`).
    pub number: String,
    /// The shop's customer id, when the order belongs to an account.
    pub customer_id: Option<String>,
    /// The email on the order, normalised ([`normalise_email`]); only for the access check,
    /// never shown to the model or stored.
    pub email: Option<String>,
    /// When it was placed (RFC 3339, as the shop gave it).
    pub placed_at: String,
    /// Where it is.
    pub status: OrderStatus,
    /// What was bought.
    pub items: Vec<OrderItem>,
    /// Parcels shipped so far.
    pub parcels: Vec<Parcel>,
    /// Expected delivery, when known.
    pub eta: Option<String>,
}

impl Order {
    /// The card the widget shows.
    pub fn card(&self) -> OrderCard {
        OrderCard {
            number: format!("#{}", self.number),
            placed_at: self.placed_at.clone(),
            status: self.status,
            items: self.items.clone(),
            parcels: self.parcels.clone(),
            eta: self.eta.clone(),
        }
    }

    /// What the model sees: the card's facts, nothing more.
    pub fn for_model(&self) -> Value {
        json!({
            "number": format!("#{}", self.number),
            "placed_at": self.placed_at,
            "status": status_name(self.status),
            "items": self.items.iter().map(|i| json!({"title": i.title, "quantity": i.quantity})).collect::<Vec<_>>(),
            "parcels": self.parcels.iter().map(|p| json!({
                "carrier": p.carrier,
                "tracking_number": p.tracking_number,
                "tracking_url": p.tracking_url,
                "delivered": p.delivered,
            })).collect::<Vec<_>>(),
            "eta": self.eta,
        })
    }
}

/// The wire name of a status (as the protocol spells it).
pub fn status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Processing => "processing",
        OrderStatus::PartiallyShipped => "partially_shipped",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Refunded => "refunded",
    }
}

/// An order number as a shopper may type it (`#1001`, ` 1001 `, `no. 1001`, full-width
/// digits) → its digits and letters, upper case; `None` when nothing is left or it is
/// implausibly long.
pub fn normalise_number(raw: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = raw.nfkc().collect();
    let trimmed = folded.trim();
    let trimmed = trimmed
        .strip_prefix("no.")
        .or_else(|| trimmed.strip_prefix("No."))
        .unwrap_or(trimmed)
        .trim()
        .trim_start_matches('#');
    let out: String = trimmed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!out.is_empty() && out.len() <= 32).then_some(out)
}

/// An email as compared: NFKC, trimmed, lower case; `None` unless it has one `@` with text on
/// both sides.
pub fn normalise_email(raw: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    let (local, domain) = folded.split_once('@')?;
    (!local.is_empty() && !domain.is_empty() && !domain.contains('@') && folded.len() <= 254)
        .then_some(folded)
}

/// Whether a shopper's sentence asks about an order ("where is my order?", "track my
/// parcel", "order #1001 status"): the built-in responder's routing to `lookup_order`.
pub fn asks_about_order(text: &str) -> bool {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '#')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let about_order =
        has("order") || has("orders") || has("parcel") || has("package") || has("shipment");
    let asks = [
        "where",
        "status",
        "track",
        "tracking",
        "shipped",
        "arrive",
        "arrived",
        "delivery",
        "delivered",
        "late",
        "when",
    ]
    .iter()
    .any(|w| has(w));
    let tracks = has("track") && (has("parcel") || has("package") || has("order"));
    let names_a_number = words
        .iter()
        .any(|w| w.len() > 3 && w.starts_with('#') && w[1..].bytes().all(|b| b.is_ascii_digit()));
    (about_order && (asks || names_a_number)) || tracks
}

/// The `lookup_order` arguments a shopper's sentence carries: an order number (`#1001`,
/// `order 1001`, `order number 1001`) and an email, when present.
pub fn arguments_from_text(text: &str) -> Value {
    let mut number = None;
    let mut email = None;
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '?' | '!'))
        .filter(|t| !t.is_empty())
        .collect();
    for (i, token) in tokens.iter().enumerate() {
        let token = token.trim_end_matches(['.', ':']);
        if email.is_none() && token.contains('@') {
            email = normalise_email(token);
        }
        let after_order_word = i > 0 && {
            let previous = tokens[i - 1].to_lowercase();
            previous == "order" || previous == "number" || previous == "no." || previous == "nr"
        };
        let digits = token.trim_start_matches('#');
        if number.is_none()
            && (token.starts_with('#') || after_order_word)
            && (3..=12).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            number = Some(format!("#{digits}"));
        }
    }
    let mut arguments = serde_json::Map::new();
    if let Some(number) = number {
        arguments.insert("order_number".into(), Value::String(number));
    }
    if let Some(email) = email {
        arguments.insert("email".into(), Value::String(email));
    }
    Value::Object(arguments)
}

/// A tracking URL kept only when it is https (anything else is dropped, not rewritten).
fn https_only(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|u| {
            u.len() <= 2048
                && u.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        })
        .map(str::to_owned)
}

/// A string field of a JSON object, trimmed, non-empty.
fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Why a page of orders could not be read. The message is for logs and the admin, never the
/// shopper (who gets one polite sentence whatever happened).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrdersError {
    /// Not JSON, or not the expected shape.
    #[error("the order API's answer is not in the expected shape: {0}")]
    Shape(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_normalised_the_way_shoppers_type_them() {
        for raw in [
            "#1001",
            " 1001 ",
            "no. 1001",
            "No.1001",
            "#１００１",
            "10-01",
        ] {
            assert_eq!(normalise_number(raw).as_deref(), Some("1001"), "{raw:?}");
        }
        assert_eq!(normalise_number("#").as_deref(), None);
        assert_eq!(normalise_number(&"9".repeat(40)), None);
        assert_eq!(normalise_number("wc-88a").as_deref(), Some("WC88A"));
    }

    #[test]
    fn emails_are_normalised_for_comparison() {
        assert_eq!(
            normalise_email("  Ada@Example.COM ").as_deref(),
            Some("ada@example.com")
        );
        assert_eq!(
            normalise_email("ａｄａ＠example.com").as_deref(),
            Some("ada@example.com")
        );
        for bad in ["ada", "@example.com", "ada@", "a@b@c"] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn order_questions_are_recognised_and_their_details_read() {
        for yes in [
            "Where is my order?",
            "where's my order #1001",
            "Can you track my parcel",
            "order 1001 status please",
            "When will my package arrive?",
        ] {
            assert!(asks_about_order(yes), "{yes}");
        }
        for no in [
            "Do you have waterproof jackets?",
            "What is your return policy?",
            "I want to order boots",
        ] {
            assert!(!asks_about_order(no), "{no}");
        }
        assert_eq!(
            arguments_from_text("Where is order #1001? My email is Ada@Example.com."),
            json!({"order_number": "#1001", "email": "ada@example.com"})
        );
        assert_eq!(
            arguments_from_text("order number 20043, ada@example.com"),
            json!({"order_number": "#20043", "email": "ada@example.com"})
        );
        assert_eq!(arguments_from_text("where is my order"), json!({}));
        assert_eq!(
            arguments_from_text("I am 25 years old, order 12"),
            json!({})
        );
    }

    #[test]
    fn tracking_links_are_https_only() {
        assert_eq!(
            https_only(Some("https://track.example/1")).as_deref(),
            Some("https://track.example/1")
        );
        assert_eq!(https_only(Some("javascript:alert(1)")), None);
        assert_eq!(https_only(Some("http://track.example/1")), None);
    }
}
