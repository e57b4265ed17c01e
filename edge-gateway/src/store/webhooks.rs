//! Queries of webhooks out: endpoints and the delivery log. Every statement names the tenant.

use super::{n, opt, s, storage, Store};
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::Error;

/// An endpoint as listed (never its secret: it is derived, and shown once at creation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EndpointRow {
    pub(crate) id: String,
    pub(crate) url: String,
    pub(crate) events_json: String,
    pub(crate) format: String,
    pub(crate) created_at_ms: f64,
}

/// A delivery with what it needs to be attempted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DeliveryRow {
    pub(crate) id: String,
    pub(crate) endpoint_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) event_json: String,
    pub(crate) status: String,
    pub(crate) attempts: f64,
    pub(crate) last_status: Option<f64>,
    pub(crate) last_error: Option<String>,
    pub(crate) next_attempt_at_ms: Option<f64>,
    pub(crate) created_at_ms: f64,
    pub(crate) updated_at_ms: f64,
    /// From the endpoint (NULL when it was deleted).
    pub(crate) url: Option<String>,
    pub(crate) format: Option<String>,
}

/// A new delivery.
pub(crate) struct NewDelivery<'a> {
    pub(crate) id: &'a str,
    pub(crate) endpoint_id: &'a str,
    pub(crate) event_id: &'a str,
    pub(crate) event_type: &'a str,
    pub(crate) event_json: &'a str,
}

/// What an attempt changed.
pub(crate) struct AttemptResult<'a> {
    pub(crate) status: &'a str,
    pub(crate) attempts: u32,
    pub(crate) last_status: Option<u16>,
    pub(crate) last_error: Option<&'a str>,
    pub(crate) next_attempt_at_ms: Option<u64>,
}

const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.event_id, d.event_type, d.event_json, d.status, d.attempts, \
     d.last_status, d.last_error, d.next_attempt_at_ms, d.created_at_ms, d.updated_at_ms, e.url, e.format";

impl Store {
    /// The tenant's endpoints, oldest first.
    pub(crate) async fn webhook_endpoints(
        &self,
        tenant_id: &str,
    ) -> Result<Vec<EndpointRow>, Error> {
        self.db
            .prepare(
                "SELECT id, url, events_json, format, created_at_ms FROM webhook_endpoints WHERE tenant_id = ?1 \
                 ORDER BY created_at_ms, id",
            )
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("webhook endpoints"))?
            .results()
            .map_err(storage("read webhook endpoints"))
    }

    /// Adds an endpoint, unless the tenant already has `max` (false then).
    pub(crate) async fn insert_webhook_endpoint(
        &self,
        tenant_id: &str,
        endpoint: &EndpointRow,
        max: usize,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare(
                "INSERT INTO webhook_endpoints (id, tenant_id, url, events_json, format, created_at_ms) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE (SELECT COUNT(*) FROM webhook_endpoints WHERE tenant_id = ?2) < ?7",
            )
            .bind(&[
                s(&endpoint.id),
                s(tenant_id),
                s(&endpoint.url),
                s(&endpoint.events_json),
                s(&endpoint.format),
                n(endpoint.created_at_ms as u64),
                n(max as u64),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("insert webhook endpoint"))?;
        Ok(result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0)
            > 0)
    }

    /// Deletes an endpoint of this tenant (false: no such endpoint here).
    pub(crate) async fn delete_webhook_endpoint(
        &self,
        tenant_id: &str,
        endpoint_id: &str,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare("DELETE FROM webhook_endpoints WHERE tenant_id = ?1 AND id = ?2")
            .bind(&[s(tenant_id), s(endpoint_id)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("delete webhook endpoint"))?;
        Ok(result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0)
            > 0)
    }

    /// Records new deliveries (one per subscribed endpoint) in one transaction.
    pub(crate) async fn insert_deliveries(
        &self,
        tenant_id: &str,
        deliveries: &[NewDelivery<'_>],
        now_ms: u64,
    ) -> Result<(), Error> {
        let mut batch = Vec::with_capacity(deliveries.len());
        for d in deliveries {
            batch.push(
                self.db
                    .prepare(
                        "INSERT INTO webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, event_json, \
                         status, attempts, next_attempt_at_ms, created_at_ms, updated_at_ms) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7, ?7)",
                    )
                    .bind(&[
                        s(d.id),
                        s(tenant_id),
                        s(d.endpoint_id),
                        s(d.event_id),
                        s(d.event_type),
                        s(d.event_json),
                        n(now_ms),
                    ])
                    .map_err(storage("bind"))?,
            );
        }
        if !batch.is_empty() {
            self.db
                .batch(batch)
                .await
                .map_err(storage("insert deliveries"))?;
        }
        Ok(())
    }

    /// One delivery of this tenant, with its endpoint.
    pub(crate) async fn delivery(
        &self,
        tenant_id: &str,
        delivery_id: &str,
    ) -> Result<Option<DeliveryRow>, Error> {
        self.db
            .prepare(format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN webhook_endpoints e \
                 ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id WHERE d.tenant_id = ?1 AND d.id = ?2"
            ))
            .bind(&[s(tenant_id), s(delivery_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("delivery"))
    }

    /// The delivery log, newest first.
    pub(crate) async fn deliveries(
        &self,
        tenant_id: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryRow>, Error> {
        self.db
            .prepare(format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d LEFT JOIN webhook_endpoints e \
                 ON e.tenant_id = d.tenant_id AND e.id = d.endpoint_id WHERE d.tenant_id = ?1 \
                 ORDER BY d.created_at_ms DESC, d.id DESC LIMIT ?2"
            ))
            .bind(&[s(tenant_id), n(limit.into())])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("deliveries"))?
            .results()
            .map_err(storage("read deliveries"))
    }

    /// Records an attempt's result.
    pub(crate) async fn record_attempt(
        &self,
        tenant_id: &str,
        delivery_id: &str,
        result: &AttemptResult<'_>,
        now_ms: u64,
    ) -> Result<(), Error> {
        let num = |v: Option<u64>| v.map_or(wasm_bindgen::JsValue::NULL, n);
        self.db
            .prepare(
                "UPDATE webhook_deliveries SET status = ?3, attempts = ?4, last_status = ?5, last_error = ?6, \
                 next_attempt_at_ms = ?7, updated_at_ms = ?8 WHERE tenant_id = ?1 AND id = ?2",
            )
            .bind(&[
                s(tenant_id),
                s(delivery_id),
                s(result.status),
                n(result.attempts.into()),
                num(result.last_status.map(u64::from)),
                opt(result.last_error),
                num(result.next_attempt_at_ms),
                n(now_ms),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("record attempt"))?;
        Ok(())
    }

    /// Makes a failed or pending delivery pending again with a fresh attempt budget (the
    /// console's "retry"); false when it is not this tenant's or was delivered.
    pub(crate) async fn reset_delivery(
        &self,
        tenant_id: &str,
        delivery_id: &str,
        now_ms: u64,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare(
                "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at_ms = ?3, \
                 updated_at_ms = ?3 WHERE tenant_id = ?1 AND id = ?2 AND status <> 'delivered'",
            )
            .bind(&[s(tenant_id), s(delivery_id), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("reset delivery"))?;
        Ok(result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0)
            > 0)
    }
}
