//! Order cards (issue 13, widget side): an `order` block as the gateway serialises it reads back
//! whole, its tracking links follow the source-link rule (https; plain http only while the
//! gateway itself is plain http in development; anything else dropped), and the card's texts
//! (status badge, date, item lines) come from the core.

use serde_json::Value;
use shopkeep_protocol::{Block, OrderCard, OrderItem, OrderStatus, Parcel};
use shopkeep_widget_core::cards::{self, Shown};
use shopkeep_widget_core::i18n;
use shopkeep_widget_core::json::{self, JsonValue};

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

fn parcel(carrier: &str, number: &str, url: Option<&str>, delivered: bool) -> Parcel {
    Parcel {
        carrier: Some(carrier.into()),
        tracking_number: Some(number.into()),
        tracking_url: url.map(String::from),
        delivered,
    }
}

fn two_parcels() -> OrderCard {
    OrderCard {
        number: "#1002".into(),
        placed_at: "2026-11-20T09:30:00Z".into(),
        status: OrderStatus::PartiallyShipped,
        items: vec![
            OrderItem {
                title: "Summit jacket — M".into(),
                quantity: 1,
            },
            OrderItem {
                title: "Wool socks".into(),
                quantity: 3,
            },
        ],
        parcels: vec![
            parcel("DHL", "JD0001", Some("https://track.example/JD0001"), true),
            parcel("UPS", "1Z999", Some("http://track.example/1Z999"), false),
        ],
        eta: Some("2026-12-02".into()),
    }
}

#[test]
fn an_order_block_reads_back_exactly_as_the_gateway_writes_it() {
    let block = Block::Order {
        order: two_parcels(),
    };
    let wire = serde_json::to_value(vec![&block]).unwrap();
    assert_eq!(json::blocks(&J(wire)), vec![block]);
    // Optional fields absent: no parcels, no eta.
    let bare = serde_json::json!([{"kind": "order", "order": {"number": "#1", "placed_at": "2026-11-01T00:00:00Z",
        "status": "processing", "items": [{"title": "Cap", "quantity": 1}]}}]);
    let Block::Order { order } = &json::blocks(&J(bare))[0] else {
        panic!("not an order");
    };
    assert!(order.parcels.is_empty() && order.eta.is_none());
    // An order without a number is malformed: left out, the rest still shows.
    let broken = serde_json::json!([{"kind": "order", "order": {"status": "shipped"}}]);
    assert!(json::blocks(&J(broken)).is_empty());
}

#[test]
fn tracking_links_are_https_or_dropped_plain_http_only_in_development() {
    let mut order = two_parcels();
    order
        .parcels
        .push(parcel("Evil", "X", Some("javascript:alert(1)"), false));
    let shown = cards::order(order.clone(), false);
    let links: Vec<Option<&str>> = shown
        .parcels
        .iter()
        .map(|p| p.tracking_url.as_deref())
        .collect();
    assert_eq!(
        links,
        vec![Some("https://track.example/JD0001"), None, None]
    );
    let dev = cards::order(order, true);
    assert_eq!(
        dev.parcels[1].tracking_url.as_deref(),
        Some("http://track.example/1Z999")
    );
    assert_eq!(dev.parcels[2].tracking_url, None);
    // Through the widget's blocks.
    let shown = cards::shown(
        vec![Block::Order {
            order: two_parcels(),
        }],
        false,
    );
    let [Shown::Order(o)] = shown.as_slice() else {
        panic!("{shown:?}");
    };
    assert_eq!(o.parcels.len(), 2, "every parcel keeps its line");
}

#[test]
fn the_cards_texts_come_from_the_core() {
    let s = &i18n::EN;
    assert_eq!(
        cards::status_text(s, OrderStatus::PartiallyShipped),
        "Partly shipped"
    );
    assert_eq!(
        cards::status_name(OrderStatus::PartiallyShipped),
        "partially_shipped"
    );
    for status in [
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ] {
        assert!(!cards::status_text(s, status).is_empty());
    }
    assert_eq!(cards::date("2026-11-20T09:30:00Z"), "2026-11-20");
    assert_eq!(cards::date("2026-12-02"), "2026-12-02");
    assert_eq!(cards::date("soon"), "soon");
    assert_eq!(cards::item_line(3, "Wool socks"), "3 × Wool socks");
}
