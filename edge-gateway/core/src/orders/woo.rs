//! WooCommerce REST v3 orders (`GET /wp-json/wc/v3/orders`): an array of orders, or one.
//! Tracking comes from the Shipment Tracking extension's `_wc_shipment_tracking_items` meta
//! (the de-facto standard). Billing/shipping addresses, phone and payment fields are never read.

use super::{https_only, normalise_email, normalise_number, text, Order, OrdersError};
use serde_json::Value;
use shopkeep_protocol::{OrderItem, OrderStatus, Parcel};

/// Parses an orders answer (an array, or one order object).
pub fn parse_woo_orders(body: &str) -> Result<Vec<Order>, OrdersError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| OrdersError::Shape(format!("not JSON: {e}")))?;
    let orders = match &value {
        Value::Array(orders) => orders.iter().collect::<Vec<_>>(),
        Value::Object(o) if o.contains_key("number") || o.contains_key("line_items") => {
            vec![&value]
        }
        _ => {
            return Err(OrdersError::Shape(String::from(
                "expected an array of orders or one order",
            )))
        }
    };
    Ok(orders.into_iter().filter_map(order).collect())
}

fn order(o: &Value) -> Option<Order> {
    let number = text(o, "number")
        .or_else(|| text(o, "id"))
        .and_then(|n| normalise_number(&n))?;
    let placed_at = text(o, "date_created_gmt")
        .map(|d| if d.ends_with('Z') { d } else { format!("{d}Z") })
        .or_else(|| text(o, "date_created"))?;
    let customer_id = text(o, "customer_id").filter(|id| id != "0");
    let email = o
        .get("billing")
        .and_then(|b| text(b, "email"))
        .and_then(|e| normalise_email(&e));
    let items = o
        .get("line_items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    Some(OrderItem {
                        title: text(item, "name")?,
                        quantity: item
                            .get("quantity")
                            .and_then(Value::as_u64)
                            .and_then(|q| u32::try_from(q).ok())
                            .unwrap_or(1),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let parcels: Vec<Parcel> = o
        .get("meta_data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|m| m.get("key").and_then(Value::as_str) == Some("_wc_shipment_tracking_items"))
        .filter_map(|m| m.get("value").and_then(Value::as_array))
        .flatten()
        .map(|t| Parcel {
            carrier: text(t, "tracking_provider").or_else(|| text(t, "custom_tracking_provider")),
            tracking_number: text(t, "tracking_number"),
            tracking_url: https_only(text(t, "custom_tracking_link").as_deref()),
            delivered: false,
        })
        .collect();
    let status = match o.get("status").and_then(Value::as_str) {
        Some("cancelled" | "failed") => OrderStatus::Cancelled,
        Some("refunded") => OrderStatus::Refunded,
        Some("completed") => OrderStatus::Shipped,
        _ if !parcels.is_empty() => OrderStatus::Shipped,
        _ => OrderStatus::Processing,
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
        eta: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_woo_order_reads_items_tracking_and_status_but_no_address() {
        let body = json!([{
            "id": 727, "number": "727", "status": "completed",
            "date_created": "2026-11-01T10:00:00", "date_created_gmt": "2026-11-01T09:00:00",
            "customer_id": 0,
            "billing": {"email": "Ada@Example.com", "phone": "+44 20 7946 0000", "address_1": "1 Secret Street"},
            "shipping": {"address_1": "1 Secret Street"},
            "payment_method_title": "Card •••• 4242",
            "line_items": [{"name": "Summit jacket - M", "quantity": 1}],
            "meta_data": [{"key": "_wc_shipment_tracking_items", "value": [
                {"tracking_provider": "DHL", "tracking_number": "JD1", "custom_tracking_link": "https://dhl.example/JD1"}]}]
        }])
        .to_string();
        let o = &parse_woo_orders(&body).unwrap()[0];
        assert_eq!(o.number, "727");
        assert_eq!(o.customer_id, None);
        assert_eq!(o.email.as_deref(), Some("ada@example.com"));
        assert_eq!(o.placed_at, "2026-11-01T09:00:00Z");
        assert_eq!(o.status, OrderStatus::Shipped);
        assert_eq!(o.parcels[0].carrier.as_deref(), Some("DHL"));
        let shown = format!("{}{:?}", o.for_model(), o.card());
        for private in ["Secret Street", "7946", "4242", "ada@"] {
            assert!(!shown.contains(private), "{private} leaked");
        }
    }

    #[test]
    fn woo_statuses_map_and_bad_shapes_fail() {
        let status = |s: &str| {
            parse_woo_orders(&json!({"id": 1, "number": "1", "status": s, "date_created": "2026-11-01T10:00:00"}).to_string())
                .unwrap()[0]
                .status
        };
        assert_eq!(status("processing"), OrderStatus::Processing);
        assert_eq!(status("on-hold"), OrderStatus::Processing);
        assert_eq!(status("cancelled"), OrderStatus::Cancelled);
        assert_eq!(status("refunded"), OrderStatus::Refunded);
        assert!(parse_woo_orders(r#"{"code":"woocommerce_rest_cannot_view"}"#).is_err());
    }
}
