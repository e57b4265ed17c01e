//! Shopify Admin API orders (`GET /admin/api/<version>/orders.json`): `{"orders": [...]}` or
//! one `{"order": {...}}`. Addresses, phone numbers and payment details are never read.

use super::{https_only, normalise_email, normalise_number, text, Order, OrdersError};
use serde_json::Value;
use shopkeep_protocol::{OrderItem, OrderStatus, Parcel};

/// Parses an orders answer. Orders missing a number or a date are skipped (the shop's API
/// always has them; a stray one must not break the others).
pub fn parse_shopify_orders(body: &str) -> Result<Vec<Order>, OrdersError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| OrdersError::Shape(format!("not JSON: {e}")))?;
    let orders = match (value.get("orders"), value.get("order")) {
        (Some(Value::Array(orders)), _) => orders.iter().collect::<Vec<_>>(),
        (_, Some(order @ Value::Object(_))) => vec![order],
        _ => {
            return Err(OrdersError::Shape(String::from(
                "expected an `orders` array or an `order` object",
            )))
        }
    };
    Ok(orders.into_iter().filter_map(order).collect())
}

fn order(o: &Value) -> Option<Order> {
    let number = text(o, "order_number")
        .or_else(|| text(o, "name"))
        .and_then(|n| normalise_number(&n))?;
    let placed_at = text(o, "created_at")?;
    let customer = o.get("customer").filter(|c| c.is_object());
    let customer_id = customer.and_then(|c| text(c, "id"));
    let email = text(o, "email")
        .or_else(|| text(o, "contact_email"))
        .or_else(|| customer.and_then(|c| text(c, "email")))
        .and_then(|e| normalise_email(&e));
    let items = o
        .get("line_items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let title = text(item, "title").or_else(|| text(item, "name"))?;
                    let title = match text(item, "variant_title") {
                        Some(variant) if !title.contains(&variant) => {
                            format!("{title} – {variant}")
                        }
                        _ => title,
                    };
                    let quantity = item.get("quantity").and_then(Value::as_u64).unwrap_or(1);
                    Some(OrderItem {
                        title,
                        quantity: u32::try_from(quantity).unwrap_or(u32::MAX),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let mut eta = None;
    let parcels: Vec<Parcel> = o
        .get("fulfillments")
        .and_then(Value::as_array)
        .map(|fulfillments| {
            fulfillments
                .iter()
                .filter(|f| {
                    !matches!(
                        f.get("status").and_then(Value::as_str),
                        Some("cancelled" | "error" | "failure")
                    )
                })
                .map(|f| {
                    if eta.is_none() {
                        eta = text(f, "estimated_delivery_at");
                    }
                    let first = |array: &str, single: &str| {
                        f.get(array)
                            .and_then(Value::as_array)
                            .and_then(|a| a.first())
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                            .or_else(|| text(f, single))
                    };
                    Parcel {
                        carrier: text(f, "tracking_company"),
                        tracking_number: first("tracking_numbers", "tracking_number"),
                        tracking_url: https_only(first("tracking_urls", "tracking_url").as_deref()),
                        delivered: f.get("shipment_status").and_then(Value::as_str)
                            == Some("delivered"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let cancelled = o.get("cancelled_at").is_some_and(|c| !c.is_null());
    let financial = o.get("financial_status").and_then(Value::as_str);
    let fulfillment = o.get("fulfillment_status").and_then(Value::as_str);
    let status = if cancelled {
        OrderStatus::Cancelled
    } else if financial == Some("refunded") {
        OrderStatus::Refunded
    } else {
        match (fulfillment, parcels.is_empty()) {
            (Some("fulfilled"), _)
                if !parcels.is_empty() && parcels.iter().all(|p| p.delivered) =>
            {
                OrderStatus::Delivered
            }
            (Some("fulfilled"), _) => OrderStatus::Shipped,
            (Some("partial"), _) | (_, false) => OrderStatus::PartiallyShipped,
            _ => OrderStatus::Processing,
        }
    };
    Some(Order {
        external_id: text(o, "id")?,
        number,
        customer_id,
        email,
        placed_at,
        status,
        items,
        parcels,
        eta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn two_parcels() -> Value {
        json!({
            "id": 450789469, "name": "#1001", "order_number": 1001,
            "email": "Ada@Example.com", "created_at": "2026-11-01T10:00:00+01:00",
            "cancelled_at": null, "financial_status": "paid", "fulfillment_status": "partial",
            "customer": {"id": 207119551, "email": "ada@example.com"},
            "shipping_address": {"address1": "1 Secret Street", "phone": "+44 20 7946 0000"},
            "phone": "+44 20 7946 0000",
            "payment_details": {"credit_card_number": "•••• 4242"},
            "line_items": [
                {"title": "Summit jacket", "variant_title": "M / Blue", "quantity": 1},
                {"title": "Trail boots", "variant_title": null, "quantity": 2}
            ],
            "fulfillments": [
                {"status": "success", "tracking_company": "DHL", "tracking_numbers": ["JD0001"],
                 "tracking_urls": ["https://dhl.example/track/JD0001"], "shipment_status": "delivered"},
                {"status": "success", "tracking_company": "UPS", "tracking_number": "1Z999",
                 "tracking_url": "http://ups.example/1Z999", "shipment_status": "in_transit"},
                {"status": "cancelled", "tracking_company": "X", "tracking_numbers": ["gone"]}
            ]
        })
    }

    #[test]
    fn an_order_with_two_parcels_keeps_both_and_nothing_private() {
        let body = json!({"orders": [two_parcels()]}).to_string();
        let orders = parse_shopify_orders(&body).unwrap();
        let o = &orders[0];
        assert_eq!(o.number, "1001");
        assert_eq!(o.customer_id.as_deref(), Some("207119551"));
        assert_eq!(o.email.as_deref(), Some("ada@example.com"));
        assert_eq!(o.status, OrderStatus::PartiallyShipped);
        assert_eq!(o.items[0].title, "Summit jacket – M / Blue");
        assert_eq!(o.items[1].quantity, 2);
        assert_eq!(o.parcels.len(), 2);
        assert!(o.parcels[0].delivered);
        assert_eq!(
            o.parcels[0].tracking_url.as_deref(),
            Some("https://dhl.example/track/JD0001")
        );
        assert_eq!(o.parcels[1].tracking_number.as_deref(), Some("1Z999"));
        assert_eq!(o.parcels[1].tracking_url, None, "http links are dropped");
        let shown = format!("{}{:?}", o.for_model(), o.card());
        for private in ["Secret Street", "7946", "4242", "ada@example.com"] {
            assert!(!shown.contains(private), "{private} leaked: {shown}");
        }
    }

    #[test]
    fn statuses_follow_the_shop() {
        let with = |patch: Value| {
            let mut o = two_parcels();
            for (k, v) in patch.as_object().unwrap() {
                o[k] = v.clone();
            }
            parse_shopify_orders(&json!({ "order": o }).to_string()).unwrap()[0].status
        };
        assert_eq!(
            with(json!({"cancelled_at": "2026-11-02T00:00:00Z"})),
            OrderStatus::Cancelled
        );
        assert_eq!(
            with(json!({"financial_status": "refunded"})),
            OrderStatus::Refunded
        );
        assert_eq!(
            with(json!({"fulfillment_status": "fulfilled"})),
            OrderStatus::Shipped
        );
        assert_eq!(
            with(json!({"fulfillment_status": null, "fulfillments": []})),
            OrderStatus::Processing
        );
        let delivered = json!({"fulfillment_status": "fulfilled", "fulfillments": [
            {"status": "success", "shipment_status": "delivered"}]});
        assert_eq!(with(delivered), OrderStatus::Delivered);
    }

    #[test]
    fn bad_shapes_are_errors_and_stray_orders_are_skipped() {
        assert!(parse_shopify_orders("<html>").is_err());
        assert!(parse_shopify_orders(r#"{"products": []}"#).is_err());
        let body = json!({"orders": [{"id": 1}, two_parcels()]}).to_string();
        assert_eq!(parse_shopify_orders(&body).unwrap().len(), 1);
    }
}
