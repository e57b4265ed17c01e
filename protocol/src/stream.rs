//! Shopkeep's chat event stream: the body of `POST /v1/chat`.
//!
//! Framed as Server-Sent Events: each event is `event: <type>\ndata: <json>\n\n`, where the
//! JSON is one [`StreamEvent`] (internally tagged by `type`). The stream always ends with
//! exactly one `done` or `error` event.

use serde::{Deserialize, Serialize};

/// One event of the chat stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Sent first: ids of the stored user message and of the assistant message being written.
    Start {
        /// Server id of the shopper's message.
        user_message_id: String,
        /// Server id of the assistant message this stream writes.
        message_id: String,
    },
    /// A piece of assistant text to append.
    Delta {
        /// The text to append.
        text: String,
    },
    /// The answer is complete.
    Done {
        /// Server id of the assistant message.
        message_id: String,
        /// How it ended.
        finish: FinishReason,
        /// Token usage, reported by the AI runtime or estimated.
        usage: Usage,
    },
    /// The assistant is using a tool (looking something up). Shown as a short status line;
    /// clients that do not know a tool show a generic one. Old clients ignore this event.
    Tool {
        /// The tool's name, e.g. `search_knowledge`.
        name: String,
        /// Where the tool is.
        status: ToolStatus,
    },
    /// Rich content the gateway built from data (never from model text), shown with the
    /// answer. Old clients ignore this event; new clients ignore block kinds they do not know.
    Blocks {
        /// The blocks, in display order.
        blocks: Vec<Block>,
    },
    /// Where the conversation's handoff stands (issue 14): sent when the `handoff` tool or a
    /// tenant rule hands the conversation to a person, and instead of an answer while a
    /// person owns it. Old clients ignore this event.
    Handoff {
        /// `ai`, `waiting`, `human` or `closed`.
        state: String,
        /// What the shopper is told, by name (`person_will_reply`, `closed_leave_email`,
        /// `person_joined`, `back_to_assistant`, `closed`); absent when nothing changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notice: Option<String>,
        /// The tenant's usual reply time, with `person_will_reply`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minutes: Option<u32>,
        /// The notice as a sentence (English; the widget may translate by `notice`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// The answer failed; what arrived so far is kept.
    Error {
        /// A code from [`crate::ErrorCode`].
        code: String,
        /// A human-readable sentence.
        message: String,
        /// Whether sending the same message again may succeed.
        retryable: bool,
    },
}

impl StreamEvent {
    /// The SSE `event:` name of this event.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Start { .. } => "start",
            StreamEvent::Delta { .. } => "delta",
            StreamEvent::Done { .. } => "done",
            StreamEvent::Tool { .. } => "tool",
            StreamEvent::Blocks { .. } => "blocks",
            StreamEvent::Handoff { .. } => "handoff",
            StreamEvent::Error { .. } => "error",
        }
    }
}

/// Where a tool call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolStatus {
    /// The tool was called.
    Started,
    /// It answered.
    Finished,
    /// It failed or timed out (the assistant answers without it).
    Failed,
}

/// One block of rich content. Later kinds (order summaries, handoff notices) are added as
/// variants; the wire tag is `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Block {
    /// The shop's help content an answer is grounded in.
    Sources {
        /// The sources, best first.
        sources: Vec<Source>,
    },
    /// Product cards, built by the gateway from catalog rows (never from model text): one is
    /// shown as a card, several as a carousel.
    Products {
        /// The products, best first.
        products: Vec<ProductCard>,
    },
    /// One order's status, built by the gateway from the shop's order API for a shopper
    /// allowed to see it (never an address, phone or payment detail).
    Order {
        /// The order.
        order: OrderCard,
    },
}

/// Where an order is, as the shopper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Paid or pending, nothing shipped yet.
    Processing,
    /// Some parcels shipped, others not yet.
    PartiallyShipped,
    /// Everything shipped.
    Shipped,
    /// Everything delivered.
    Delivered,
    /// Cancelled.
    Cancelled,
    /// Refunded (in full).
    Refunded,
}

/// An order card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCard {
    /// The number the shop shows the buyer, e.g. `#1001`.
    pub number: String,
    /// When it was placed (RFC 3339).
    pub placed_at: String,
    /// Its status.
    pub status: OrderStatus,
    /// What was bought.
    pub items: Vec<OrderItem>,
    /// One entry per parcel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parcels: Vec<Parcel>,
    /// Expected delivery (RFC 3339 date), when the shop knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<String>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    /// The product (and variant) title.
    pub title: String,
    /// How many.
    pub quantity: u32,
}

/// One parcel of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// The carrier, e.g. `DHL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// The tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// The carrier's tracking page (https only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_url: Option<String>,
    /// Whether it was delivered.
    pub delivered: bool,
}

/// Which shop platform a product comes from: decides the widget's default "Add to cart".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// Shopify: `POST /cart/add.js` on the page's own origin, by variant id.
    Shopify,
    /// WooCommerce: `?add-to-cart=<id>` (variation id when there is one).
    Woocommerce,
    /// Anything else (feed, upload): only the `shopkeep:add_to_cart` event fires.
    #[default]
    Other,
}

/// A price: an amount in the currency's minor units (cents), so no float ever rounds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units, e.g. `12999` for 129.99 EUR.
    pub amount_minor: i64,
    /// ISO 4217 code, upper case, e.g. `EUR`.
    pub currency: String,
    /// Digits after the decimal point for this currency (2 for EUR, 0 for JPY).
    pub exponent: u8,
}

/// One product card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCard {
    /// The product's id in the tenant's catalog (what `get_product` takes).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its page on the shop's site (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its main image (https), lazy-loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The price shown: the lowest price of the variants that match, else of all variants.
    pub price: Money,
    /// The price before a discount, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_at: Option<Money>,
    /// Whether any variant is in stock.
    pub available: bool,
    /// Option names in order, e.g. `["Size", "Colour"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The variants (the matching ones first, at most a few dozen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<CardVariant>,
    /// The variant "Add to cart" adds unless the shopper picks another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_variant: Option<String>,
    /// The shop platform ("Add to cart" default).
    #[serde(default)]
    pub platform: Platform,
}

/// One variant of a product card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardVariant {
    /// The platform's variant id (Shopify variant id, WooCommerce variation id), as a string.
    pub id: String,
    /// Its option values, in the order of [`ProductCard::options`], e.g. `["M", "Blue"]`.
    pub values: Vec<String>,
    /// Its price.
    pub price: Money,
    /// Whether it is in stock.
    pub available: bool,
}

/// A source an answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Its title, e.g. "Shipping".
    pub title: String,
    /// Its page on the shop's site (https), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Why an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model finished.
    Complete,
    /// The answer hit the tenant's length limit.
    Length,
    /// The shopper stopped it.
    Stopped,
}

/// Token counts of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens in the answer.
    pub completion_tokens: u32,
    /// True when the counts are estimated rather than reported by the AI runtime.
    #[serde(default)]
    pub estimated: bool,
}
