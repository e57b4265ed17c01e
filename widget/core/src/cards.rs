//! Product cards and source links shown under an answer: what the widget keeps of the
//! gateway's blocks, the variant the shopper picked with the option chips, what "Add to cart"
//! sends, and a price's text when the browser cannot format it.
//!
//! Owns: [`Shown`] (a block as the widget shows it: links and images only when https), [`Card`]
//! (a product card and the shopper's choices on it), [`CartRequest`] and [`format_money`].
//! Must not depend on: anything that needs a browser (the shell formats prices with
//! `Intl.NumberFormat` and falls back to [`format_money`]).

use crate::i18n::Strings;
use shopkeep_protocol::{
    Block, CardVariant, Money, OrderCard, OrderStatus, Platform, ProductCard, Source,
};

/// A block as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// The "Sources" row.
    Sources(Vec<Source>),
    /// One card, or a carousel of several.
    Products(Vec<Card>),
    /// An order's status (tracking links already checked, [`order`]).
    Order(OrderCard),
}

/// Where a card's "Add to cart" stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cart {
    /// Nothing happened yet (or the page handled it itself).
    #[default]
    Idle,
    /// The platform's cart request is in flight.
    Adding,
    /// The shop's cart took it.
    Added,
    /// The shop's cart refused it, or could not be reached.
    Failed,
}

/// How an "Add to cart" ended, reported by the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CartOutcome {
    /// The platform's cart took it.
    Added,
    /// The platform's cart failed.
    Failed,
    /// The page called `preventDefault()`, or the platform has no default: the page shows it.
    Handled,
}

/// One product card and the shopper's choices on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The card the gateway built (links and image already checked to be https).
    pub product: ProductCard,
    /// The picked value of each option, in the order of [`ProductCard::options`].
    pub values: Vec<String>,
    /// Where "Add to cart" stands.
    pub cart: Cart,
}

/// What "Add to cart" hands the page (`shopkeep:add_to_cart`) and the platform's cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartRequest {
    /// The product's catalog id.
    pub product_id: String,
    /// The picked variant's platform id, when the card has variants.
    pub variant_id: Option<String>,
    /// How many (the card adds one).
    pub quantity: u32,
    /// Which platform's cart.
    pub platform: Platform,
    /// The product's title.
    pub title: String,
    /// The price shown for the picked variant.
    pub price: Money,
}

/// `url` if it is an absolute https URL without spaces or control characters (anything else
/// the gateway sent is dropped rather than shown: a card never links or loads elsewhere).
pub fn https(url: Option<String>) -> Option<String> {
    url.filter(|u| web(u, "https://"))
}

/// `u` starts with `scheme` (any case), has more after it, and no blank, control or
/// backslash byte anywhere.
fn web(u: &str, scheme: &str) -> bool {
    u.len() > scheme.len()
        && u.get(..scheme.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
        && !u.bytes().any(|b| b <= b' ' || b == b'\\' || b == 0x7f)
}

/// `url` when it is https — or plain http when `plain_http` (the widget talks to a gateway
/// over plain http: local development, where the shop's site is http too).
pub fn source_link(url: Option<String>, plain_http: bool) -> Option<String> {
    url.filter(|u| web(u, "https://") || (plain_http && web(u, "http://")))
}

/// The blocks of an answer as the widget shows them: kinds this version does not know and
/// empty blocks are left out, non-https links and images dropped (source links may be http
/// when `plain_http`, see [`source_link`]).
pub fn shown(blocks: Vec<Block>, plain_http: bool) -> Vec<Shown> {
    blocks
        .into_iter()
        .filter_map(|b| match b {
            Block::Sources { sources } => {
                let sources: Vec<Source> = sources
                    .into_iter()
                    .map(|s| Source {
                        title: s.title,
                        url: source_link(s.url, plain_http),
                    })
                    .filter(|s| !s.title.trim().is_empty())
                    .collect();
                (!sources.is_empty()).then_some(Shown::Sources(sources))
            }
            Block::Products { products } => {
                let cards: Vec<Card> = products.into_iter().map(Card::new).collect();
                (!cards.is_empty()).then_some(Shown::Products(cards))
            }
            Block::Order { order: o } => Some(Shown::Order(order(o, plain_http))),
            _ => None,
        })
        .collect()
}

/// An order card as shown: tracking links follow the source-link rule ([`source_link`]:
/// https, or http only while the gateway itself is plain http in development); anything
/// else is dropped and the parcel shows its carrier and number without a link.
pub fn order(mut o: OrderCard, plain_http: bool) -> OrderCard {
    for p in &mut o.parcels {
        p.tracking_url = source_link(p.tracking_url.take(), plain_http);
    }
    o
}

/// The status badge's text.
pub fn status_text(s: &Strings, status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Processing => s.processing,
        OrderStatus::PartiallyShipped => s.partially_shipped,
        OrderStatus::Shipped => s.shipped,
        OrderStatus::Delivered => s.delivered,
        OrderStatus::Cancelled => s.cancelled,
        OrderStatus::Refunded => s.refunded,
    }
}

/// The status's wire name (the badge's `data-status`, for styling and tests).
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

/// The calendar date of an RFC 3339 time (`2026-11-28T10:00:00Z` → `2026-11-28`); anything
/// else as it is.
pub fn date(rfc3339: &str) -> &str {
    rfc3339
        .get(..10)
        .filter(|d| d.as_bytes().get(4) == Some(&b'-'))
        .unwrap_or(rfc3339)
}

/// `2 × Trail boots`.
pub fn item_line(quantity: u32, title: &str) -> String {
    let mut out = String::new();
    crate::push_number(&mut out, quantity.into());
    out.push_str(" × ");
    out.push_str(title);
    out
}

impl Card {
    /// A card with the gateway's selected variant picked (else the first in stock, else the
    /// first).
    pub fn new(mut product: ProductCard) -> Card {
        product.url = https(product.url.take());
        product.image = https(product.image.take());
        let n = product.options.len();
        // Variants whose values do not fit the options cannot be picked: left out.
        product.variants.retain(|v| v.values.len() == n);
        let start = product
            .variants
            .iter()
            .find(|v| product.selected_variant.as_ref() == Some(&v.id))
            .or_else(|| product.variants.iter().find(|v| v.available))
            .or_else(|| product.variants.first());
        let values = start.map(|v| v.values.clone()).unwrap_or_default();
        Card {
            product,
            values,
            cart: Cart::Idle,
        }
    }

    /// The picked variant.
    pub fn variant(&self) -> Option<&CardVariant> {
        self.product
            .variants
            .iter()
            .find(|v| v.values == self.values)
    }

    /// The price shown: the picked variant's, else the card's.
    pub fn price(&self) -> &Money {
        self.variant().map_or(&self.product.price, |v| &v.price)
    }

    /// The struck-through price: only when it is higher, in the same currency.
    pub fn compare_at(&self) -> Option<&Money> {
        let p = self.price();
        self.product
            .compare_at
            .as_ref()
            .filter(|c| c.currency == p.currency && c.exponent == p.exponent)
            .filter(|c| c.amount_minor > p.amount_minor)
    }

    /// Whether the picked variant (or, without variants, the product) is in stock.
    pub fn available(&self) -> bool {
        self.variant().map_or(
            self.product.available && self.product.variants.is_empty(),
            |v| v.available,
        )
    }

    /// The values of option `o`, each once, in variant order.
    pub fn option_values(&self, o: usize) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in &self.product.variants {
            if let Some(x) = v.values.get(o) {
                if !out.contains(&x.as_str()) {
                    out.push(x);
                }
            }
        }
        out
    }

    /// A chip's state: `(pressed, enabled)`. A value is enabled when some variant with it is
    /// in stock (picking it may change the other options to reach that variant).
    pub fn chip(&self, o: usize, value: &str) -> (bool, bool) {
        let pressed = self.values.get(o).is_some_and(|x| x == value);
        let enabled = self
            .product
            .variants
            .iter()
            .any(|v| v.available && v.values[o] == value);
        (pressed, enabled)
    }

    /// Picks value `i` of option `o`: the variant with that value that keeps most of the other
    /// picks (in stock preferred on a tie). Out-of-range indices change nothing.
    pub fn pick(&mut self, o: usize, i: usize) {
        let Some(value) = self.option_values(o).get(i).map(|v| (*v).to_owned()) else {
            return;
        };
        let score = |v: &CardVariant| {
            let kept = v
                .values
                .iter()
                .zip(&self.values)
                .filter(|(a, b)| a == b)
                .count();
            kept * 2 + usize::from(v.available)
        };
        let mut best: Option<&CardVariant> = None;
        for v in self
            .product
            .variants
            .iter()
            .filter(|v| v.values[o] == value)
        {
            if best.is_none_or(|b| score(v) > score(b)) {
                best = Some(v);
            }
        }
        if let Some(b) = best {
            self.values = b.values.clone();
        }
    }

    /// What "Add to cart" sends for the picked variant.
    pub fn cart_request(&self) -> CartRequest {
        let p = &self.product;
        CartRequest {
            product_id: p.id.clone(),
            variant_id: self
                .variant()
                .map(|v| v.id.clone())
                .or_else(|| p.selected_variant.clone()),
            quantity: 1,
            platform: p.platform,
            title: p.title.clone(),
            price: self.price().clone(),
        }
    }
}

/// `12999 EUR exp 2` → `129.99 EUR`: the price when the browser's `Intl.NumberFormat` is not
/// there or refuses the currency.
pub fn format_money(m: &Money) -> String {
    let mut digits = String::new();
    crate::push_number(&mut digits, m.amount_minor.unsigned_abs());
    let e = usize::from(m.exponent);
    while digits.len() <= e {
        digits.insert(0, '0');
    }
    let mut out = String::new();
    if m.amount_minor < 0 {
        out.push('-');
    }
    let (int, frac) = digits.split_at(digits.len() - e);
    out.push_str(int);
    if e > 0 {
        out.push('.');
        out.push_str(frac);
    }
    out.push(' ');
    out.push_str(&m.currency);
    out
}

/// The amount as a number for `Intl.NumberFormat` (display only: the minor units stay exact).
pub fn amount(m: &Money) -> f64 {
    let mut d = 1.0;
    for _ in 0..m.exponent.min(18) {
        d *= 10.0;
    }
    m.amount_minor as f64 / d
}
