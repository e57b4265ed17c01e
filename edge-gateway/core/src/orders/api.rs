//! The shop's order API as the shell calls it: which URL and headers one lookup needs, how an
//! answer is classified (a fault is never shown), the write-only credentials' shape, the
//! verification-attempt book the tenant's Durable Object keeps, and the keyed digests that
//! stand for an email or an order number wherever a lookup is recorded.

use super::lookup::{self, Answer, Fetch};
use super::{parse_shopify_orders, parse_woo_orders, Attempts, Order, OrdersError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Shopify Admin API version the gateway speaks.
pub const SHOPIFY_ADMIN_VERSION: &str = "2024-10";
/// Orders read per lookup (a customer's recent orders, or the matches of a number).
pub const PAGE_LIMIT: u32 = 20;
/// Time limit of one request to the shop's order API.
pub const FETCH_TIMEOUT_MS: u64 = 3_500;
/// Largest order-API answer read.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Which order API a tenant connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderApi {
    /// Shopify Admin REST (`/admin/api/<version>/orders.json`, `X-Shopify-Access-Token`).
    ShopifyAdmin,
    /// WooCommerce REST v3 (`/wp-json/wc/v3/orders`, consumer key + secret).
    Woocommerce,
}

impl OrderApi {
    /// Parses the admin API's `kind`.
    pub fn parse(kind: &str) -> Option<OrderApi> {
        match kind {
            "shopify_admin" => Some(OrderApi::ShopifyAdmin),
            "woocommerce" => Some(OrderApi::Woocommerce),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderApi::ShopifyAdmin => "shopify_admin",
            OrderApi::Woocommerce => "woocommerce",
        }
    }

    /// Parses an answer of this API.
    pub fn parse_orders(self, body: &str) -> Result<Vec<Order>, OrdersError> {
        match self {
            OrderApi::ShopifyAdmin => parse_shopify_orders(body),
            OrderApi::Woocommerce => parse_woo_orders(body),
        }
    }
}

/// The credentials of an order source, as sealed (`core::secretbox`) and never returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Credentials {
    /// A Shopify Admin API access token (`shpat_…`) with `read_orders` only.
    Shopify {
        /// The token.
        access_token: String,
    },
    /// A WooCommerce REST key with Read permission.
    Woo {
        /// `ck_…`
        consumer_key: String,
        /// `cs_…`
        consumer_secret: String,
    },
}

fn trimmed(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn token_like(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 200
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != ':' && c != '"' && c != '\\')
}

impl Credentials {
    /// The credentials an admin body gives for `api`, checked; the error names the field.
    pub fn from_fields(
        api: OrderApi,
        access_token: Option<&str>,
        consumer_key: Option<&str>,
        consumer_secret: Option<&str>,
    ) -> Result<Credentials, (&'static str, &'static str)> {
        let (token, key, secret) = (
            trimmed(access_token),
            trimmed(consumer_key),
            trimmed(consumer_secret),
        );
        match api {
            OrderApi::ShopifyAdmin => {
                if key.is_some() || secret.is_some() {
                    return Err((
                        "consumer_key",
                        "a Shopify Admin source takes an access_token only",
                    ));
                }
                let token = token.ok_or(("access_token", "is required"))?;
                if !token_like(token) {
                    return Err(("access_token", "is not a token"));
                }
                Ok(Credentials::Shopify {
                    access_token: token.to_owned(),
                })
            }
            OrderApi::Woocommerce => {
                if token.is_some() {
                    return Err((
                        "access_token",
                        "a WooCommerce source takes consumer_key and consumer_secret",
                    ));
                }
                let key = key.ok_or(("consumer_key", "is required"))?;
                let secret = secret.ok_or(("consumer_secret", "is required"))?;
                if !token_like(key) {
                    return Err(("consumer_key", "is not a key"));
                }
                if !token_like(secret) {
                    return Err(("consumer_secret", "is not a secret"));
                }
                Ok(Credentials::Woo {
                    consumer_key: key.to_owned(),
                    consumer_secret: secret.to_owned(),
                })
            }
        }
    }

    /// Whether these credentials are of `api`'s kind.
    pub fn fits(&self, api: OrderApi) -> bool {
        matches!(
            (self, api),
            (Credentials::Shopify { .. }, OrderApi::ShopifyAdmin)
                | (Credentials::Woo { .. }, OrderApi::Woocommerce)
        )
    }
}

/// One request to the shop's order API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// The full URL.
    pub url: String,
    /// Headers, credentials included (never logged).
    pub headers: Vec<(String, String)>,
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A Shopify customer id as a path segment: Shopify's ids are numbers (also written
/// `gid://shopify/Customer/<n>`). Anything else becomes `0`, a customer no shop has (the API
/// answers 404, a fault): an identity token's subject must never steer the path — `..`, even
/// percent-encoded, would climb to the shop's whole order list.
fn shopify_customer_segment(customer_id: &str) -> &str {
    let id = customer_id
        .strip_prefix("gid://shopify/Customer/")
        .unwrap_or(customer_id);
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        id
    } else {
        "0"
    }
}

/// The request a planned fetch needs. `base` is the source's checked base URL (no trailing
/// slash): the shop's address for Shopify (`https://x.myshopify.com`), the WordPress site for
/// WooCommerce.
pub fn request(api: OrderApi, base: &str, credentials: &Credentials, fetch: &Fetch) -> ApiRequest {
    use base64::Engine as _;
    let base = base.trim_end_matches('/');
    let url = match (api, fetch) {
        (OrderApi::ShopifyAdmin, Fetch::ByCustomer { customer_id, .. }) => format!(
            "{base}/admin/api/{SHOPIFY_ADMIN_VERSION}/customers/{}/orders.json?status=any&limit={PAGE_LIMIT}",
            shopify_customer_segment(customer_id)
        ),
        (OrderApi::ShopifyAdmin, Fetch::ByNumber { number }) => format!(
            "{base}/admin/api/{SHOPIFY_ADMIN_VERSION}/orders.json?name={}&status=any&limit={PAGE_LIMIT}",
            encode(number)
        ),
        (OrderApi::Woocommerce, Fetch::ByCustomer { customer_id, .. }) => format!(
            "{base}/wp-json/wc/v3/orders?customer={}&per_page={PAGE_LIMIT}",
            encode(customer_id)
        ),
        (OrderApi::Woocommerce, Fetch::ByNumber { number }) => format!(
            "{base}/wp-json/wc/v3/orders?search={}&per_page={PAGE_LIMIT}",
            encode(number)
        ),
    };
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    match credentials {
        Credentials::Shopify { access_token } => {
            headers.push(("X-Shopify-Access-Token".to_owned(), access_token.clone()))
        }
        Credentials::Woo {
            consumer_key,
            consumer_secret,
        } => {
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{consumer_key}:{consumer_secret}"));
            headers.push(("Authorization".to_owned(), format!("Basic {basic}")));
        }
    }
    ApiRequest { url, headers }
}

/// The request that checks a source when it is saved: one order at most, to see that the
/// URL is the API and the credentials are accepted (its orders are not read).
pub fn probe(api: OrderApi, base: &str, credentials: &Credentials) -> ApiRequest {
    let mut r = request(
        api,
        base,
        credentials,
        &Fetch::ByNumber {
            number: String::from("0"),
        },
    );
    r.url = match api {
        OrderApi::ShopifyAdmin => format!(
            "{}/admin/api/{SHOPIFY_ADMIN_VERSION}/orders.json?status=any&limit=1",
            base.trim_end_matches('/')
        ),
        OrderApi::Woocommerce => format!(
            "{}/wp-json/wc/v3/orders?per_page=1",
            base.trim_end_matches('/')
        ),
    };
    r
}

/// The model's view of a lookup under the tenant's privacy rules: every string redacted as a
/// message to the AI runtime would be (`redact_pii_before_ai`).
pub fn redact_for_ai(value: &mut serde_json::Value, rules: &crate::tenant::PrivacyRules) {
    use serde_json::Value;
    if !rules.redact_pii_before_ai {
        return;
    }
    match value {
        Value::String(s) => *s = crate::privacy::forms(s, rules).for_ai,
        Value::Array(items) => items.iter_mut().for_each(|v| redact_for_ai(v, rules)),
        Value::Object(map) => map.values_mut().for_each(|v| redact_for_ai(v, rules)),
        _ => {}
    }
}

/// Why a lookup could not be answered from the shop (for the audit row and logs; the shopper
/// and the model only ever get [`lookup::unavailable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No answer within [`FETCH_TIMEOUT_MS`], or the connection failed.
    Unreachable,
    /// 401/403: the credentials were refused.
    Credentials,
    /// 429.
    RateLimited,
    /// Any other non-2xx status.
    Status,
    /// A 2xx answer that is not the expected shape.
    Shape,
}

impl Fault {
    /// The audit outcome name.
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Unreachable => "shop_unreachable",
            Fault::Credentials => "shop_credentials_refused",
            Fault::RateLimited => "shop_rate_limited",
            Fault::Status => "shop_error",
            Fault::Shape => "shop_bad_answer",
        }
    }
}

/// The orders of an answer, or why there are none. A 404 is "no such order" (Woo answers
/// some unknown searches so), not a fault.
pub fn read_answer(api: OrderApi, status: u16, body: &str) -> Result<Vec<Order>, Fault> {
    match status {
        200..=299 => api.parse_orders(body).map_err(|_| Fault::Shape),
        404 => Ok(Vec::new()),
        401 | 403 => Err(Fault::Credentials),
        429 => Err(Fault::RateLimited),
        _ => Err(Fault::Status),
    }
}

/// What one lookup ended with (the `order_lookups.outcome` and audit `outcome`).
pub fn outcome_name(answer: &Answer, fault: Option<Fault>, limited: bool) -> &'static str {
    match (fault, limited) {
        (_, true) => "limited",
        (Some(f), false) => f.as_str(),
        (None, false) if answer.found => "found",
        (None, false) => "not_found",
    }
}

/// The answer for a fault: always the same polite one, with a handoff offer.
pub fn answer_for_fault(_fault: Fault) -> Answer {
    lookup::unavailable()
}

/// What the built-in responder (no model) says for a lookup result: built from the result's
/// facts only (the card shows the rest).
pub fn builtin_reply(result: &serde_json::Value) -> String {
    use serde_json::Value;
    let found = result.get("found").and_then(Value::as_bool) == Some(true);
    if !found {
        if result.get("need").is_some() {
            return String::from(
                "I can look up your order: please tell me the order number and the email \
                 address you used for it.",
            );
        }
        if result.get("message").and_then(Value::as_str) == Some(lookup::LIMITED) {
            return String::from(
                "I couldn't verify an order with those details, and for your security I can't \
                 try again for a while. A person from our team can help: use \"Talk to a person\".",
            );
        }
        if result.get("offer_handoff").and_then(Value::as_bool) == Some(true) {
            return String::from(
                "I'm sorry, I can't check that order right now. A person from our team can \
                 help: use \"Talk to a person\".",
            );
        }
        return String::from(lookup::NOT_FOUND);
    }
    let orders = result
        .get("orders")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut lines = Vec::new();
    for order in &orders {
        let number = order.get("number").and_then(Value::as_str).unwrap_or("");
        let status = order
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace('_', " ");
        let parcels = order
            .get("parcels")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let mut line = format!("Order {number} is {status}");
        match parcels {
            0 => line.push('.'),
            1 => line.push_str(", in 1 parcel."),
            n => line.push_str(&format!(", in {n} parcels.")),
        }
        if let Some(eta) = order.get("eta").and_then(Value::as_str) {
            line.push_str(&format!(" Expected by {}.", eta.get(..10).unwrap_or(eta)));
        }
        lines.push(line);
    }
    let lead = if orders.len() == 1 {
        "Here is your order:"
    } else {
        "Here are your recent orders:"
    };
    format!("{lead} {}", lines.join(" "))
}

/// A keyed digest standing for an email or an order number in stored lookups and audit rows:
/// HMAC-SHA256 under a key derived from the master secret and the tenant, so a digest can be
/// matched by the gateway (export by the shopper's own lookups) but not reversed by a
/// dictionary of emails without the master secret. 16 bytes, base64url.
pub fn keyed_digest(master_secret: &[u8], tenant_id: &str, kind: &str, value: &str) -> String {
    keyed_digest_with(&digest_key(master_secret, tenant_id), kind, value)
}

/// The tenant's key for [`keyed_digest`]: HMAC-SHA256(master secret,
/// `"shopkeep/v1/order-digest/" + tenant_id`). Derived, never stored.
pub fn digest_key(master_secret: &[u8], tenant_id: &str) -> [u8; 32] {
    use hmac::Mac;
    let mut key = crate::mac::new_mac(master_secret);
    key.update(format!("shopkeep/v1/order-digest/{tenant_id}").as_bytes());
    key.finalize().into_bytes().into()
}

/// [`keyed_digest`] under a key from [`digest_key`].
pub fn keyed_digest_with(key: &[u8; 32], kind: &str, value: &str) -> String {
    use base64::Engine as _;
    use hmac::Mac;
    let mut mac = crate::mac::new_mac(key);
    mac.update(kind.as_bytes());
    mac.update(b"\0");
    mac.update(value.as_bytes());
    let digest = mac.finalize().into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// What a session carries of an identity token's verified email: the keyed digest of the
/// normalised address (kind `email`, the same digest the `order.lookup` audit row keeps).
/// `None` when the shop did not vouch for an email
/// ([`crate::identity::IdentityClaims::verified_email`]).
pub fn verified_email_digest(
    master_secret: &[u8],
    tenant_id: &str,
    claims: &crate::identity::IdentityClaims,
) -> Option<String> {
    claims
        .verified_email()
        .map(|email| keyed_digest(master_secret, tenant_id, "email", &email))
}

/// The verification attempts of one tenant, per key (a session, an IP's key), kept by the
/// tenant's Durable Object. Keys with nothing counted are forgotten.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttemptBook {
    keys: BTreeMap<String, Attempts>,
}

/// Most keys remembered (the oldest-forgotten beyond it; a flood of sessions cannot grow the
/// object without bound).
pub const MAX_KEYS: usize = 50_000;

impl AttemptBook {
    /// Whether another verification may run now for every key.
    pub fn allows(&mut self, keys: &[String], now_ms: u64) -> bool {
        let mut ok = true;
        for key in keys {
            if let Some(a) = self.keys.get_mut(key) {
                ok &= a.allows(now_ms);
            }
        }
        ok
    }

    /// Reserves a verification: when every key has a try left, counts it as failed now (so
    /// concurrent verifications cannot pass the limit together) and returns the time to
    /// [`AttemptBook::forgive`] it with when it succeeds; `None` when the limit is reached.
    pub fn begin(&mut self, keys: &[String], now_ms: u64) -> Option<u64> {
        if !self.allows(keys, now_ms) {
            return None;
        }
        self.failed(keys, now_ms);
        Some(now_ms)
    }

    /// Takes back a reservation of [`AttemptBook::begin`] (the verification succeeded, or the
    /// shop's API failed before anything was compared).
    pub fn forgive(&mut self, keys: &[String], at_ms: u64) {
        for key in keys {
            if let Some(a) = self.keys.get_mut(key) {
                a.forgive(at_ms);
                if a.is_empty() {
                    self.keys.remove(key);
                }
            }
        }
    }

    /// Counts a failed verification against every key.
    pub fn failed(&mut self, keys: &[String], now_ms: u64) {
        for key in keys {
            self.keys.entry(key.clone()).or_default().failed(now_ms);
        }
        self.keys.retain(|_, a| {
            a.allows(now_ms);
            !a.is_empty()
        });
        while self.keys.len() > MAX_KEYS {
            let Some(first) = self.keys.keys().next().cloned() else {
                break;
            };
            self.keys.remove(&first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::lookup::Plan;

    fn shopify() -> Credentials {
        Credentials::Shopify {
            access_token: "shpat_x".into(),
        }
    }

    #[test]
    fn requests_name_the_customer_or_the_number_encoded() {
        let r = request(
            OrderApi::ShopifyAdmin,
            "https://s.example/",
            &shopify(),
            &Fetch::ByNumber {
                number: "1001".into(),
            },
        );
        assert_eq!(
            r.url,
            "https://s.example/admin/api/2024-10/orders.json?name=1001&status=any&limit=20"
        );
        assert!(r
            .headers
            .contains(&("X-Shopify-Access-Token".into(), "shpat_x".into())));
        // A customer's orders: Shopify's documented per-customer route, the id encoded.
        let r = request(
            OrderApi::ShopifyAdmin,
            "https://s.example",
            &shopify(),
            &Fetch::ByCustomer {
                customer_id: "gid://shopify/Customer/207119551".into(),
                number: None,
            },
        );
        assert_eq!(
            r.url,
            "https://s.example/admin/api/2024-10/customers/207119551/orders.json?status=any&limit=20"
        );
        // A subject that is not a Shopify id never shapes the path.
        for hostile in ["..", "%2e%2e", "7/../..", "7?x=1", "", "7#", "1 1"] {
            let r = request(
                OrderApi::ShopifyAdmin,
                "https://s.example",
                &shopify(),
                &Fetch::ByCustomer {
                    customer_id: hostile.into(),
                    number: None,
                },
            );
            assert_eq!(
                r.url,
                "https://s.example/admin/api/2024-10/customers/0/orders.json?status=any&limit=20",
                "{hostile}"
            );
        }
        let woo = Credentials::Woo {
            consumer_key: "ck".into(),
            consumer_secret: "cs".into(),
        };
        let r = request(
            OrderApi::Woocommerce,
            "https://w.example",
            &woo,
            &Fetch::ByCustomer {
                customer_id: "1 1&x=y".into(),
                number: None,
            },
        );
        assert_eq!(
            r.url,
            "https://w.example/wp-json/wc/v3/orders?customer=1%201%26x%3Dy&per_page=20"
        );
        assert!(r
            .headers
            .contains(&("Authorization".into(), "Basic Y2s6Y3M=".into())));
    }

    #[test]
    fn credentials_must_fit_the_kind() {
        assert_eq!(
            Credentials::from_fields(OrderApi::ShopifyAdmin, Some(" shpat_1 "), None, None),
            Ok(Credentials::Shopify {
                access_token: "shpat_1".into()
            })
        );
        assert!(Credentials::from_fields(OrderApi::ShopifyAdmin, None, None, None).is_err());
        assert!(Credentials::from_fields(OrderApi::Woocommerce, None, Some("ck"), None).is_err());
        assert!(
            Credentials::from_fields(OrderApi::Woocommerce, None, Some("c k"), Some("cs")).is_err()
        );
        assert!(
            Credentials::from_fields(OrderApi::Woocommerce, Some("t"), Some("ck"), Some("cs"))
                .is_err()
        );
        let woo =
            Credentials::from_fields(OrderApi::Woocommerce, None, Some("ck"), Some("cs")).unwrap();
        assert!(woo.fits(OrderApi::Woocommerce) && !woo.fits(OrderApi::ShopifyAdmin));
        // Sealed as JSON and read back.
        let json = serde_json::to_string(&woo).unwrap();
        assert_eq!(serde_json::from_str::<Credentials>(&json).unwrap(), woo);
    }

    #[test]
    fn faults_are_classified_and_never_carry_the_body() {
        assert_eq!(
            read_answer(OrderApi::ShopifyAdmin, 401, "secret"),
            Err(Fault::Credentials)
        );
        assert_eq!(
            read_answer(OrderApi::ShopifyAdmin, 429, ""),
            Err(Fault::RateLimited)
        );
        assert_eq!(
            read_answer(OrderApi::Woocommerce, 502, ""),
            Err(Fault::Status)
        );
        assert_eq!(
            read_answer(OrderApi::Woocommerce, 200, "<html>"),
            Err(Fault::Shape)
        );
        assert_eq!(read_answer(OrderApi::Woocommerce, 404, ""), Ok(Vec::new()));
        assert_eq!(answer_for_fault(Fault::Credentials), lookup::unavailable());
    }

    #[test]
    fn the_builtin_reply_says_only_the_results_facts() {
        let found = serde_json::json!({"found": true, "orders": [{"number": "#1001",
            "status": "partially_shipped", "parcels": [{}, {}], "eta": "2026-12-03T00:00:00Z"}]});
        assert_eq!(
            builtin_reply(&found),
            "Here is your order: Order #1001 is partially shipped, in 2 parcels. Expected by 2026-12-03."
        );
        assert_eq!(
            builtin_reply(&lookup::not_found().for_model),
            lookup::NOT_FOUND
        );
        assert!(builtin_reply(&lookup::unavailable().for_model).contains("Talk to a person"));
        assert!(builtin_reply(&lookup::limited().for_model).contains("Talk to a person"));
        let Plan::Ask(ask) = lookup::plan(&serde_json::json!({}), None) else {
            panic!()
        };
        assert!(builtin_reply(&ask).contains("order number"));
    }

    #[test]
    fn digests_are_keyed_per_tenant_and_stable() {
        let a = keyed_digest(b"m", "t1", "email", "ada@example.com");
        assert_eq!(a, keyed_digest(b"m", "t1", "email", "ada@example.com"));
        assert_ne!(a, keyed_digest(b"m", "t2", "email", "ada@example.com"));
        assert_ne!(a, keyed_digest(b"n", "t1", "email", "ada@example.com"));
        assert_ne!(a, keyed_digest(b"m", "t1", "number", "ada@example.com"));
        assert!(!a.contains("ada"));
    }

    #[test]
    fn the_book_limits_every_key_and_forgets_old_ones() {
        let mut book = AttemptBook::default();
        let keys = vec!["s1".to_owned(), "ip1".to_owned()];
        for i in 0..super::super::MAX_ATTEMPTS as u64 {
            assert!(book.allows(&keys, 1_000 + i));
            book.failed(&keys, 1_000 + i);
        }
        assert!(!book.allows(&keys, 2_000));
        // Another session from the same IP is limited too; the same session from another IP
        // as well.
        assert!(!book.allows(&["s2".to_owned(), "ip1".to_owned()], 2_000));
        assert!(!book.allows(&["s1".to_owned(), "ip2".to_owned()], 2_000));
        assert!(book.allows(&["s2".to_owned(), "ip2".to_owned()], 2_000));
        // Reservations: concurrent verifications cannot pass the limit together, and a
        // successful one is taken back.
        let mut book2 = AttemptBook::default();
        let k = vec!["s9".to_owned()];
        let reserved: Vec<u64> = (0..10).filter_map(|i| book2.begin(&k, 5_000 + i)).collect();
        assert_eq!(reserved.len(), super::super::MAX_ATTEMPTS);
        book2.forgive(&k, reserved[0]);
        assert!(book2.begin(&k, 6_000).is_some(), "a success frees its try");
        assert!(book2.begin(&k, 6_001).is_none());
        let later = 1_000 + super::super::ATTEMPT_WINDOW_MS + 10;
        assert!(book.allows(&keys, later));
        book.failed(&["x".to_owned()], later);
        assert_eq!(book.keys.len(), 1, "expired keys are forgotten");
    }
}
