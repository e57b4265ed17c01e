//! Proves that the widget reads every wire type exactly as the gateway writes it: each value is
//! serialised with the protocol's serde (what the gateway sends) and read back through the
//! widget's hand-written JSON reads (`shopkeep_widget_core::json`, here over `serde_json::Value`
//! instead of the browser's values) to an equal value. A wire change that the widget does not
//! follow breaks one of these tests, not a shopper's widget. Also: optional fields take the
//! protocol's defaults, stream event types this version does not know (`tool`, `blocks`, …) are
//! skipped, and a chat stream framed as the gateway frames it reads back event for event.

use proptest::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};
use shopkeep_protocol::{
    sse, AutoOpen, ColorScheme, ConversationResponse, ErrorBody, ErrorCode, FinishReason,
    LauncherPosition, MessageRole, MessageStatus, PublicConfig, PublicPrivacy, SessionResponse,
    StoredMessage, StreamEvent, Texts, Theme, ToolStatus, Usage,
};
use shopkeep_protocol::{Block, CardVariant, Money, Platform, ProductCard, Source};
use shopkeep_widget_core::json::{self, JsonValue};
use shopkeep_widget_core::sse::SseDecoder;
use shopkeep_widget_core::Overrides;

/// A `serde_json` value read the way the shell reads a browser value.
#[derive(Debug, Clone)]
struct J(Value);

impl JsonValue for J {
    fn field(&self, key: &str) -> J {
        J(self.0.get(key).cloned().unwrap_or(Value::Null))
    }
    fn as_string(&self) -> Option<String> {
        self.0.as_str().map(str::to_owned)
    }
    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }
    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }
    fn items(&self) -> Option<Vec<J>> {
        self.0
            .as_array()
            .map(|a| a.iter().cloned().map(J).collect())
    }
}

/// What the gateway sends for `value`.
fn wire<T: Serialize>(value: &T) -> J {
    J(serde_json::to_value(value).expect("protocol types serialise"))
}

fn every_field_set() -> PublicConfig {
    PublicConfig {
        tenant_id: "acme-shoes".into(),
        version: 42,
        theme: Theme {
            primary_color: "#112233".into(),
            accent_color: "rgb(1, 2, 3)".into(),
            background_color: "#fafafa".into(),
            text_color: "#000".into(),
            launcher_position: LauncherPosition::Left,
            launcher_icon: "bag".into(),
            title: "Acme — Hilfe".into(),
            avatar_url: Some("https://acme.example/a.png".into()),
            font_family: "Georgia, serif".into(),
            corner_radius: 3,
            color_scheme: ColorScheme::Dark,
        },
        texts: Texts {
            locale: "pt-BR".into(),
            greeting: "Olá! 👋".into(),
            placeholder: "Pergunte…".into(),
            consent_text: "We store chats for 30 days.".into(),
        },
        suggested_questions: vec!["Where is my order?".into(), "Returns?".into()],
        auto_open: AutoOpen::AfterDelay { delay_ms: 4000 },
        privacy: PublicPrivacy {
            consent_required: true,
            stores_transcripts: false,
        },
    }
}

#[test]
fn a_public_config_with_every_field_set_reads_back_equal() {
    let config = every_field_set();
    assert_eq!(json::config(&wire(&config)), Some(config));
}

#[test]
fn every_colour_scheme_launcher_position_and_auto_open_reads_back_equal() {
    let schemes = [ColorScheme::Light, ColorScheme::Dark, ColorScheme::Auto];
    let positions = [LauncherPosition::Left, LauncherPosition::Right];
    let opens = [AutoOpen::Off, AutoOpen::AfterDelay { delay_ms: 0 }];
    for color_scheme in schemes {
        for launcher_position in positions {
            for auto_open in opens {
                let mut config = every_field_set();
                config.theme.color_scheme = color_scheme;
                config.theme.launcher_position = launcher_position;
                config.theme.avatar_url = None;
                config.auto_open = auto_open;
                assert_eq!(json::config(&wire(&config)), Some(config));
            }
        }
    }
}

#[test]
fn a_public_config_with_only_its_tenant_takes_the_protocols_defaults() {
    let text = json!({"tenant_id": "demo"});
    let by_serde: PublicConfig = serde_json::from_value(text.clone()).expect("serde reads it");
    assert_eq!(json::config(&J(text)), Some(by_serde));
    let defaults = PublicConfig {
        tenant_id: "demo".into(),
        version: 0,
        theme: Theme::default(),
        texts: Texts::default(),
        suggested_questions: vec![],
        auto_open: AutoOpen::default(),
        privacy: PublicPrivacy::default(),
    };
    assert_eq!(json::config(&wire(&defaults)), Some(defaults));
}

#[test]
fn partly_given_theme_texts_and_privacy_fill_the_rest_with_defaults() {
    let text = json!({
        "tenant_id": "demo",
        "theme": {"title": "Help"},
        "texts": {"locale": "de"},
        "privacy": {"consent_required": true},
    });
    let by_serde: PublicConfig = serde_json::from_value(text.clone()).expect("serde reads it");
    assert_eq!(json::config(&J(text)), Some(by_serde));
}

#[test]
fn a_config_without_a_tenant_is_not_a_config() {
    assert_eq!(json::config(&J(json!({"version": 1}))), None);
    assert_eq!(json::config(&J(json!("demo"))), None);
}

#[test]
fn session_responses_read_back_equal() {
    for (user_id, consent) in [(None, false), (Some("shopper-7".to_owned()), true)] {
        let session = SessionResponse {
            token: "v1.abc.def".into(),
            session_id: "s_1".into(),
            conversation_id: "c_1".into(),
            expires_at_ms: 1_767_225_600_000,
            user_id,
            consent,
        };
        assert_eq!(json::session(&wire(&session)), Some(session));
    }
}

#[test]
fn a_conversation_with_every_role_and_status_reads_back_equal() {
    let message = |id: &str, role, status| StoredMessage {
        id: id.into(),
        role,
        text: format!("text of {id}\nwith **markdown**"),
        status,
        created_at_ms: 1_700_000_000_123,
        seq: None,
        notice: None,
        minutes: None,
    };
    let conversation = ConversationResponse {
        conversation_id: "c_1".into(),
        messages: vec![
            message("m1", MessageRole::User, MessageStatus::Complete),
            message("m2", MessageRole::Assistant, MessageStatus::Complete),
            message("m3", MessageRole::Assistant, MessageStatus::Stopped),
            message("m4", MessageRole::Assistant, MessageStatus::Interrupted),
            // Live entries (issue 14): a notice with its name and minutes, a staff message.
            StoredMessage {
                seq: Some(1),
                notice: Some("person_will_reply".into()),
                minutes: Some(10),
                ..message("m_live-1", MessageRole::System, MessageStatus::Complete)
            },
            StoredMessage {
                seq: Some(2),
                ..message("m_live-2", MessageRole::Staff, MessageStatus::Complete)
            },
        ],
        live_seq: 2,
    };
    assert_eq!(json::conversation(&wire(&conversation)), Some(conversation));
    let empty = ConversationResponse {
        conversation_id: "c_2".into(),
        messages: vec![],
        live_seq: 0,
    };
    assert_eq!(json::conversation(&wire(&empty)), Some(empty));
}

fn every_stream_event() -> Vec<StreamEvent> {
    let mut events = vec![
        StreamEvent::Start {
            user_message_id: "u1".into(),
            message_id: "a1".into(),
        },
        StreamEvent::Delta {
            text: "Grüße — \"quoted\"\nnew line 🚚".into(),
        },
        StreamEvent::Error {
            code: ErrorCode::UpstreamError.as_str().into(),
            message: "The assistant is unavailable.".into(),
            retryable: true,
        },
    ];
    for status in [
        ToolStatus::Started,
        ToolStatus::Finished,
        ToolStatus::Failed,
    ] {
        events.push(StreamEvent::Tool {
            name: "search_knowledge".into(),
            status,
        });
    }
    for finish in [
        FinishReason::Complete,
        FinishReason::Length,
        FinishReason::Stopped,
    ] {
        for estimated in [false, true] {
            events.push(StreamEvent::Done {
                message_id: "a1".into(),
                finish,
                usage: Usage {
                    prompt_tokens: 120,
                    completion_tokens: 42,
                    estimated,
                },
            });
        }
    }
    events.push(StreamEvent::Blocks {
        blocks: every_block(),
    });
    events.push(StreamEvent::Blocks { blocks: vec![] });
    // Issue 14: a handoff with its notice, and a quiet one (the state only).
    events.push(StreamEvent::Handoff {
        state: "waiting".into(),
        notice: Some("person_will_reply".into()),
        minutes: Some(10),
        text: Some("A person will reply — usually within 10 minutes.".into()),
    });
    events.push(StreamEvent::Handoff {
        state: "human".into(),
        notice: None,
        minutes: None,
        text: None,
    });
    events
}

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
        exponent: 2,
    }
}

/// A product card with every field set, and one with only the required ones.
fn every_block() -> Vec<Block> {
    let full = ProductCard {
        id: "p-1".into(),
        title: "Summit jacket — \"Gore\" 🧥".into(),
        url: Some("https://shop.example/products/summit".into()),
        image: Some("https://cdn.example/summit.jpg".into()),
        price: eur(12999),
        compare_at: Some(eur(15999)),
        available: true,
        options: vec!["Size".into(), "Colour".into()],
        variants: vec![
            CardVariant {
                id: "4001".into(),
                values: vec!["M".into(), "Blue".into()],
                price: eur(12999),
                available: true,
            },
            CardVariant {
                id: "4002".into(),
                values: vec!["L".into(), "Blue".into()],
                price: eur(13999),
                available: false,
            },
        ],
        selected_variant: Some("4001".into()),
        platform: Platform::Shopify,
    };
    let minimal = ProductCard {
        id: "p-2".into(),
        title: "Gift card".into(),
        url: None,
        image: None,
        price: Money {
            amount_minor: 5000,
            currency: "JPY".into(),
            exponent: 0,
        },
        compare_at: None,
        available: false,
        options: vec![],
        variants: vec![],
        selected_variant: None,
        platform: Platform::Other,
    };
    let woo = ProductCard {
        id: "p-3".into(),
        platform: Platform::Woocommerce,
        ..minimal.clone()
    };
    vec![
        Block::Sources {
            sources: vec![
                Source {
                    title: "Shipping".into(),
                    url: Some("https://shop.example/pages/shipping".into()),
                },
                Source {
                    title: "Returns (snippet)".into(),
                    url: None,
                },
            ],
        },
        Block::Products {
            products: vec![full, minimal, woo],
        },
        Block::Sources { sources: vec![] },
        Block::Products { products: vec![] },
    ]
}

#[test]
fn every_block_reads_back_equal() {
    let blocks = every_block();
    let data = serde_json::to_value(&blocks).unwrap();
    assert_eq!(json::blocks(&J(data)), blocks);
}

#[test]
fn block_kinds_this_version_does_not_know_are_ignored_and_the_rest_kept() {
    let data = json!([
        {"kind": "order_summary", "order": "#1001"},
        {"kind": "sources", "sources": [{"title": "FAQ", "url": "https://shop.example/faq"}]},
        {"no_kind": true},
        "not an object",
    ]);
    assert_eq!(
        json::blocks(&J(data)),
        vec![Block::Sources {
            sources: vec![Source {
                title: "FAQ".into(),
                url: Some("https://shop.example/faq".into()),
            }],
        }]
    );
    // An event of only unknown kinds is an empty `blocks` event, which shows nothing.
    let event = json!({"type": "blocks", "blocks": [{"kind": "product", "sku": "A1"}]});
    assert_eq!(
        json::stream_event(&J(event)),
        Some(StreamEvent::Blocks { blocks: vec![] })
    );
}

#[test]
fn a_malformed_card_is_dropped_and_its_neighbours_kept() {
    let good = json!({"id": "ok", "title": "Fine", "available": true,
        "price": {"amount_minor": 100, "currency": "USD", "exponent": 2}});
    let data = json!([{"kind": "products", "products": [
        {"id": "no-price", "title": "x", "available": true},
        {"id": "bad-price", "title": "x", "available": true,
         "price": {"amount_minor": "100", "currency": "USD", "exponent": 2}},
        {"title": "no id", "available": true,
         "price": {"amount_minor": 100, "currency": "USD", "exponent": 2}},
        good,
    ]}]);
    let blocks = json::blocks(&J(data));
    let Block::Products { products } = &blocks[0] else {
        panic!("not products: {blocks:?}")
    };
    let ids: Vec<&str> = products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["ok"]);
}

#[test]
fn history_messages_carry_their_blocks_when_the_gateway_stored_them() {
    let data = json!({"conversation_id": "c", "messages": [
        {"id": "m1", "role": "user", "text": "boots?", "status": "complete", "created_at_ms": 1},
        {"id": "m2", "role": "assistant", "text": "These:", "status": "complete",
         "created_at_ms": 2, "blocks": serde_json::to_value(every_block()).unwrap()},
    ]});
    assert_eq!(
        json::conversation(&J(data.clone())).unwrap().messages.len(),
        2
    );
    assert_eq!(json::message_blocks(&J(data)), vec![vec![], every_block()]);
}

#[test]
fn every_stream_event_reads_back_equal() {
    for event in every_stream_event() {
        assert_eq!(json::stream_event(&wire(&event)), Some(event));
    }
}

#[test]
fn stream_event_types_this_version_does_not_know_are_skipped() {
    let future = [
        json!({"type": "tool", "name": "order_status", "status": "thinking"}),
        json!({"type": "DELTA", "text": "case matters"}),
        json!({"text": "no type at all"}),
        json!(["not", "an", "object"]),
    ];
    for data in future {
        assert_eq!(json::stream_event(&J(data.clone())), None, "{data}");
    }
}

#[test]
fn a_known_event_missing_a_required_field_is_skipped() {
    assert_eq!(json::stream_event(&J(json!({"type": "delta"}))), None);
    assert_eq!(
        json::stream_event(&J(json!({"type": "start", "message_id": "a1"}))),
        None
    );
}

#[test]
fn every_error_code_reads_back_equal() {
    for &code in ErrorCode::ALL {
        let body = ErrorBody::from_code(code);
        assert_eq!(json::error_body(&wire(&body)), Some(body));
    }
    assert_eq!(json::error_body(&J(json!({"message": "no error"}))), None);
}

#[test]
fn page_overrides_keep_known_values_and_ignore_the_rest() {
    let read = |v: Value| json::overrides(&J(v));
    assert_eq!(
        read(json!({"locale": "fr", "color_scheme": "dark", "launcher_position": "left"})),
        Overrides {
            locale: Some("fr".into()),
            color_scheme: Some(ColorScheme::Dark),
            launcher_position: Some(LauncherPosition::Left),
        }
    );
    assert_eq!(
        read(json!({"locale": " ", "color_scheme": "sepia", "launcher_position": 1, "x": 2})),
        Overrides::default()
    );
}

/// The gateway's `relay::encode_event`: the event's serde JSON in one SSE frame.
fn gateway_frame(event: &StreamEvent) -> String {
    sse::encode(
        event.name(),
        &serde_json::to_string(event).expect("serialises"),
    )
}

#[test]
fn a_chat_stream_framed_like_the_gateway_reads_back_event_for_event() {
    let events = every_stream_event();
    let body: String = events.iter().map(gateway_frame).collect();
    let bytes = body.as_bytes();
    for at in 0..=bytes.len() {
        let mut decoder = SseDecoder::new();
        let mut got = Vec::new();
        for chunk in [&bytes[..at], &bytes[at..]] {
            for frame in decoder.push(chunk) {
                let event = json::stream_event(&J(parse(&frame.data))).expect("a known event");
                assert_eq!(frame.event, event.name());
                got.push(event);
            }
        }
        assert_eq!(got, events, "split at {at}");
    }
}

fn parse(data: &str) -> Value {
    serde_json::from_str(data).expect("the gateway frames JSON")
}

proptest! {
    #[test]
    fn any_delta_text_and_error_message_read_back_equal(
        text in "\\PC*",
        code in "[a-z_]{1,20}",
        retryable: bool,
    ) {
        let delta = StreamEvent::Delta { text: text.clone() };
        prop_assert_eq!(json::stream_event(&wire(&delta)), Some(delta));
        let error = StreamEvent::Error { code, message: text, retryable };
        prop_assert_eq!(json::stream_event(&wire(&error)), Some(error));
    }

    #[test]
    fn any_counts_and_times_read_back_equal(
        prompt_tokens: u32,
        completion_tokens: u32,
        expires_at_ms in 0u64..(1 << 53),
        version in 0u64..(1 << 53),
        corner_radius: u8,
        delay_ms: u32,
    ) {
        let done = StreamEvent::Done {
            message_id: "a".into(),
            finish: FinishReason::Complete,
            usage: Usage { prompt_tokens, completion_tokens, estimated: false },
        };
        prop_assert_eq!(json::stream_event(&wire(&done)), Some(done));
        let session = SessionResponse {
            token: "t".into(),
            session_id: "s".into(),
            conversation_id: "c".into(),
            expires_at_ms,
            user_id: None,
            consent: false,
        };
        prop_assert_eq!(json::session(&wire(&session)), Some(session));
        let mut config = every_field_set();
        config.version = version;
        config.theme.corner_radius = corner_radius;
        config.auto_open = AutoOpen::AfterDelay { delay_ms };
        prop_assert_eq!(json::config(&wire(&config)), Some(config));
    }
}
