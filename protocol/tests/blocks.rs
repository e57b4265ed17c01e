//! The `blocks` event's wire shape: what the widget decodes (widget/core/src/json.rs).

use serde_json::json;
use shopkeep_protocol::{Block, CardVariant, Money, Platform, ProductCard, StreamEvent};

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
        exponent: 2,
    }
}

#[test]
fn a_product_card_has_a_stable_wire_shape() {
    let event = StreamEvent::Blocks {
        blocks: vec![Block::Products {
            products: vec![ProductCard {
                id: "p_1".into(),
                title: "Summit jacket".into(),
                url: Some("https://shop.example/products/summit".into()),
                image: None,
                price: eur(12_999),
                compare_at: None,
                available: true,
                options: vec!["Size".into()],
                variants: vec![CardVariant {
                    id: "4001".into(),
                    values: vec!["M".into()],
                    price: eur(12_999),
                    available: true,
                }],
                selected_variant: Some("4001".into()),
                platform: Platform::Shopify,
            }],
        }],
    };
    let wire = serde_json::to_value(&event).unwrap();
    assert_eq!(
        wire,
        json!({"type": "blocks", "blocks": [{"kind": "products", "products": [{
            "id": "p_1", "title": "Summit jacket", "url": "https://shop.example/products/summit",
            "price": {"amount_minor": 12999, "currency": "EUR", "exponent": 2},
            "available": true, "options": ["Size"],
            "variants": [{"id": "4001", "values": ["M"], "price": {"amount_minor": 12999, "currency": "EUR", "exponent": 2}, "available": true}],
            "selected_variant": "4001", "platform": "shopify"
        }]}]})
    );
    let back: StreamEvent = serde_json::from_value(wire).unwrap();
    assert_eq!(back, event);
}
