//! Reading the gateway's JSON into protocol types, over any parsed JSON value.
//!
//! Hand-written on purpose (STYLE: "hand-write only where weight matters in the widget"):
//! decoding through serde + serde-wasm-bindgen pulled in serde's buffered internally-tagged
//! enums, hashbrown and float formatting — about 60 KB of the 100 KB gzip first build, against a
//! 60 KB budget for the whole widget. Reading a handful of known fields is a few hundred bytes.
//!
//! The shell implements [`JsonValue`] over the browser's parsed `JsValue`; the tests implement
//! it over `serde_json::Value` and check every wire type against the protocol's own serde
//! output, so a wire change breaks a host test rather than a shopper's widget. Missing optional
//! fields take the protocol's defaults, exactly like its `#[serde(default)]`; a value of the
//! wrong JSON type counts as missing.

use crate::Overrides;
use shopkeep_protocol::{
    AutoOpen, Block, CardVariant, ColorScheme, ConversationResponse, ErrorBody, ErrorDetail,
    FinishReason, LauncherPosition, MessageRole, MessageStatus, Money, OrderCard, OrderItem,
    OrderStatus, Parcel, Platform, ProductCard, PublicConfig, PublicPrivacy, SessionResponse,
    Source, StoredMessage, StreamEvent, Texts, Theme, ToolStatus, Usage,
};

/// A parsed JSON value, read one field at a time.
///
/// Generic code over this trait has one implementation in the wasm (the shell's), so it is
/// compiled once there.
pub trait JsonValue: Sized {
    /// The member `key` of an object; for anything else, or a missing member, a value every
    /// `as_*` reads as `None`.
    fn field(&self, key: &str) -> Self;
    /// The value if it is a string.
    fn as_string(&self) -> Option<String>;
    /// The value if it is a number.
    fn as_f64(&self) -> Option<f64>;
    /// The value if it is `true` or `false`.
    fn as_bool(&self) -> Option<bool>;
    /// The elements if it is an array.
    fn items(&self) -> Option<Vec<Self>>;
}

/// Typed reads of one member, shared by every decoder below.
trait Fields: JsonValue {
    fn str(&self, key: &str) -> Option<String> {
        self.field(key).as_string()
    }

    fn str_or(&self, key: &str, default: String) -> String {
        self.str(key).unwrap_or(default)
    }

    /// A finite, non-negative number (every number on Shopkeep's wire is a count or a time).
    fn num(&self, key: &str) -> Option<f64> {
        self.field(key)
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
    }

    fn bool_or(&self, key: &str, default: bool) -> bool {
        self.field(key).as_bool().unwrap_or(default)
    }

    fn array(&self, key: &str) -> Vec<Self> {
        self.field(key).items().unwrap_or_default()
    }
}

impl<J: JsonValue> Fields for J {}

/// `GET /v1/tenants/{id}/config` (and a cached or previewed copy of it).
pub fn config<J: JsonValue>(j: &J) -> Option<PublicConfig> {
    let (t, x, a, p) = (
        j.field("theme"),
        j.field("texts"),
        j.field("auto_open"),
        j.field("privacy"),
    );
    let (dt, dx, dp) = (Theme::default(), Texts::default(), PublicPrivacy::default());
    Some(PublicConfig {
        tenant_id: j.str("tenant_id")?,
        version: j.num("version").unwrap_or(0.0) as u64,
        theme: Theme {
            primary_color: t.str_or("primary_color", dt.primary_color),
            accent_color: t.str_or("accent_color", dt.accent_color),
            background_color: t.str_or("background_color", dt.background_color),
            text_color: t.str_or("text_color", dt.text_color),
            launcher_position: match t.str("launcher_position").as_deref() {
                Some("left") => LauncherPosition::Left,
                _ => LauncherPosition::Right,
            },
            launcher_icon: t.str_or("launcher_icon", dt.launcher_icon),
            title: t.str_or("title", dt.title),
            avatar_url: t.str("avatar_url"),
            font_family: t.str_or("font_family", dt.font_family),
            corner_radius: t
                .num("corner_radius")
                .map_or(dt.corner_radius, |r| r.min(255.0) as u8),
            color_scheme: match t.str("color_scheme").as_deref() {
                Some("dark") => ColorScheme::Dark,
                Some("auto") => ColorScheme::Auto,
                _ => ColorScheme::Light,
            },
        },
        texts: Texts {
            locale: x.str_or("locale", dx.locale),
            greeting: x.str_or("greeting", dx.greeting),
            placeholder: x.str_or("placeholder", dx.placeholder),
            consent_text: x.str_or("consent_text", dx.consent_text),
        },
        suggested_questions: j
            .array("suggested_questions")
            .iter()
            .filter_map(J::as_string)
            .collect(),
        auto_open: match (a.str("mode").as_deref(), a.num("delay_ms")) {
            (Some("after_delay"), Some(d)) => AutoOpen::AfterDelay {
                delay_ms: d.min(u32::MAX as f64) as u32,
            },
            _ => AutoOpen::Off,
        },
        privacy: PublicPrivacy {
            consent_required: p.bool_or("consent_required", dp.consent_required),
            stores_transcripts: p.bool_or("stores_transcripts", dp.stores_transcripts),
        },
    })
}

/// `POST /v1/sessions` and `POST /v1/consent` (and the stored session).
pub fn session<J: JsonValue>(j: &J) -> Option<SessionResponse> {
    Some(SessionResponse {
        token: j.str("token")?,
        session_id: j.str("session_id")?,
        conversation_id: j.str("conversation_id")?,
        expires_at_ms: j.num("expires_at_ms")? as u64,
        user_id: j.str("user_id"),
        consent: j.bool_or("consent", false),
    })
}

/// `GET /v1/conversation`.
pub fn conversation<J: JsonValue>(j: &J) -> Option<ConversationResponse> {
    let messages = j
        .array("messages")
        .iter()
        .map(|m| {
            Some(StoredMessage {
                id: m.str("id")?,
                role: match m.str("role")?.as_str() {
                    "user" => MessageRole::User,
                    "staff" => MessageRole::Staff,
                    "system" => MessageRole::System,
                    _ => MessageRole::Assistant,
                },
                text: m.str("text")?,
                status: match m.str("status").as_deref() {
                    Some("stopped") => MessageStatus::Stopped,
                    Some("interrupted") => MessageStatus::Interrupted,
                    _ => MessageStatus::Complete,
                },
                created_at_ms: m.num("created_at_ms").unwrap_or(0.0) as u64,
                seq: m.num("seq").map(|n| n as u64),
                notice: m.str("notice"),
                minutes: m.num("minutes").map(|n| n as u32),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ConversationResponse {
        conversation_id: j.str("conversation_id")?,
        messages,
        live_seq: j.num("live_seq").unwrap_or(0.0) as u64,
    })
}

/// One chat stream event's data; `None` for a type this version does not know, so an older
/// widget skips the events a newer gateway adds.
pub fn stream_event<J: JsonValue>(j: &J) -> Option<StreamEvent> {
    Some(match j.str("type")?.as_str() {
        "start" => StreamEvent::Start {
            user_message_id: j.str("user_message_id")?,
            message_id: j.str("message_id")?,
        },
        "delta" => StreamEvent::Delta {
            text: j.str("text")?,
        },
        "done" => {
            let u = j.field("usage");
            StreamEvent::Done {
                message_id: j.str("message_id")?,
                finish: match j.str("finish").as_deref() {
                    Some("stopped") => FinishReason::Stopped,
                    Some("length") => FinishReason::Length,
                    _ => FinishReason::Complete,
                },
                usage: Usage {
                    prompt_tokens: u.num("prompt_tokens").unwrap_or(0.0) as u32,
                    completion_tokens: u.num("completion_tokens").unwrap_or(0.0) as u32,
                    estimated: u.bool_or("estimated", false),
                },
            }
        }
        "error" => StreamEvent::Error {
            code: j.str("code")?,
            message: j.str_or("message", String::new()),
            retryable: j.bool_or("retryable", false),
        },
        "tool" => StreamEvent::Tool {
            name: j.str("name")?,
            status: match j.str("status")?.as_str() {
                "started" => ToolStatus::Started,
                "finished" => ToolStatus::Finished,
                "failed" => ToolStatus::Failed,
                _ => return None,
            },
        },
        "blocks" => StreamEvent::Blocks {
            blocks: blocks(&j.field("blocks")),
        },
        "handoff" => StreamEvent::Handoff {
            state: j.str("state")?,
            notice: j.str("notice"),
            minutes: j.num("minutes").map(|m| m.min(u32::MAX as f64) as u32),
            text: j.str("text"),
        },
        _ => return None,
    })
}

/// The `blocks` of each message of `GET /v1/conversation`, in message order (none for a
/// message stored without them, or by a gateway that does not store them).
pub fn message_blocks<J: JsonValue>(j: &J) -> Vec<Vec<Block>> {
    j.array("messages")
        .iter()
        .map(|m| blocks(&m.field("blocks")))
        .collect()
}

/// A list of blocks: kinds this version does not know, and malformed blocks or cards, are
/// left out (the rest still shows).
pub fn blocks<J: JsonValue>(j: &J) -> Vec<Block> {
    j.items()
        .unwrap_or_default()
        .iter()
        .filter_map(|b| {
            Some(match b.str("kind")?.as_str() {
                "sources" => Block::Sources {
                    sources: b
                        .array("sources")
                        .iter()
                        .filter_map(|s| {
                            Some(Source {
                                title: s.str("title")?,
                                url: s.str("url"),
                            })
                        })
                        .collect(),
                },
                "products" => Block::Products {
                    products: b.array("products").iter().filter_map(product).collect(),
                },
                "order" => Block::Order {
                    order: order(&b.field("order"))?,
                },
                _ => return None,
            })
        })
        .collect()
}

fn order<J: JsonValue>(o: &J) -> Option<OrderCard> {
    Some(OrderCard {
        number: o.str("number")?,
        placed_at: o.str_or("placed_at", String::new()),
        status: match o.str("status")?.as_str() {
            "partially_shipped" => OrderStatus::PartiallyShipped,
            "shipped" => OrderStatus::Shipped,
            "delivered" => OrderStatus::Delivered,
            "cancelled" => OrderStatus::Cancelled,
            "refunded" => OrderStatus::Refunded,
            _ => OrderStatus::Processing,
        },
        items: o
            .array("items")
            .iter()
            .filter_map(|i| {
                Some(OrderItem {
                    title: i.str("title")?,
                    quantity: i.num("quantity").unwrap_or(1.0).min(u32::MAX as f64) as u32,
                })
            })
            .collect(),
        parcels: o
            .array("parcels")
            .iter()
            .map(|p| Parcel {
                carrier: p.str("carrier"),
                tracking_number: p.str("tracking_number"),
                tracking_url: p.str("tracking_url"),
                delivered: p.bool_or("delivered", false),
            })
            .collect(),
        eta: o.str("eta"),
    })
}

fn money<J: JsonValue>(j: &J) -> Option<Money> {
    Some(Money {
        amount_minor: j.field("amount_minor").as_f64().filter(|n| n.is_finite())? as i64,
        currency: j.str("currency")?,
        exponent: j.num("exponent")?.min(18.0) as u8,
    })
}

fn product<J: JsonValue>(p: &J) -> Option<ProductCard> {
    let strings = |k| p.array(k).iter().filter_map(J::as_string).collect();
    Some(ProductCard {
        id: p.str("id")?,
        title: p.str("title")?,
        url: p.str("url"),
        image: p.str("image"),
        price: money(&p.field("price"))?,
        compare_at: money(&p.field("compare_at")),
        available: p.bool_or("available", false),
        options: strings("options"),
        variants: p
            .array("variants")
            .iter()
            .filter_map(|v| {
                Some(CardVariant {
                    id: v.str("id")?,
                    values: v.array("values").iter().filter_map(J::as_string).collect(),
                    price: money(&v.field("price"))?,
                    available: v.bool_or("available", false),
                })
            })
            .collect(),
        selected_variant: p.str("selected_variant"),
        platform: match p.str("platform").as_deref() {
            Some("shopify") => Platform::Shopify,
            Some("woocommerce") => Platform::Woocommerce,
            _ => Platform::Other,
        },
    })
}

/// The body of any error response.
pub fn error_body<J: JsonValue>(j: &J) -> Option<ErrorBody> {
    let e = j.field("error");
    Some(ErrorBody {
        error: ErrorDetail {
            code: e.str("code")?,
            message: e.str_or("message", String::new()),
            retryable: e.bool_or("retryable", false),
        },
    })
}

/// `Shopkeep('update', {locale, color_scheme, launcher_position})`; unknown keys and values
/// are ignored.
pub fn overrides<J: JsonValue>(j: &J) -> Overrides {
    Overrides {
        locale: j
            .str("locale")
            .filter(|l| !l.trim().is_empty() && l.len() <= 35),
        color_scheme: match j.str("color_scheme").as_deref() {
            Some("light") => Some(ColorScheme::Light),
            Some("dark") => Some(ColorScheme::Dark),
            Some("auto") => Some(ColorScheme::Auto),
            _ => None,
        },
        launcher_position: match j.str("launcher_position").as_deref() {
            Some("left") => Some(LauncherPosition::Left),
            Some("right") => Some(LauncherPosition::Right),
            _ => None,
        },
    }
}

/// A frame of the live socket (docs/API.md "Handoff"); `None` for frames the widget does not
/// use (errors: the socket closes after a bad one) and internal notes.
pub fn live_frame<J: JsonValue>(j: &J) -> Option<crate::handoff::Frame> {
    use crate::handoff::{Frame, Person};
    use crate::Role;
    Some(match j.str("type")?.as_str() {
        "message" if !j.bool_or("internal", false) => Frame::Entry {
            seq: j.num("seq")? as u64,
            role: match j.str("author")?.as_str() {
                "shopper" => Role::User,
                "staff" => Role::Staff,
                "assistant" => Role::Assistant,
                _ => Role::System,
            },
            client_id: j.str("client_id"),
            text: j.str("text")?,
            notice: j.str("notice"),
            minutes: j.num("minutes").map(|n| n as u32),
        },
        "state" => Frame::State(Person::parse(&j.str("state")?)),
        "typing" => Frame::Typing,
        _ => return None,
    })
}

/// The answer of `POST /v1/handoff` as the message it becomes.
pub fn handoff_answer<J: JsonValue>(j: &J) -> Option<crate::Msg> {
    Some(crate::Msg::Handoff {
        state: j.str("state")?,
        notice: j.str("notice"),
        minutes: j.num("minutes").map(|n| n as u32),
        text: j.str("text"),
    })
}
