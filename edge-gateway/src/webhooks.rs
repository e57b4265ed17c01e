//! Webhooks out (issue 14): `emit` records one delivery per subscribed endpoint and queues
//! it on `JOBS`; the queue's consumer calls `deliver`, which signs and POSTs the event,
//! records the attempt and schedules the next with the core's backoff. Delivery is at least
//! once: receivers de-duplicate on the event id. The admin routes list, create and delete
//! endpoints and show and retry deliveries.
//!
//! Secrets: an endpoint's signing secret is derived from `MASTER_SECRET`, the tenant and the
//! endpoint id (never stored), shown once in the creation answer, never again.
//!
//! Tests: `WEBHOOK_BACKOFF_SCALE` (a var, default 1) multiplies every backoff delay, so the
//! e2e suite can watch three attempts in seconds rather than minutes.

use crate::admin::admin_call;
use crate::env::{allow_private_fetch, jitter, now_ms, random_bytes, secret, var};
use crate::http::json_response;
use crate::jobs::{self, Done, Job};
use crate::store::{AttemptResult, EndpointRow, NewDelivery, Store};
use futures::future::{select, Either};
use serde_json::{json, Value};
use shopkeep_gateway_core::handoff_wire::{
    check_endpoint, webhook_url, WebhookEndpointRequest, MAX_ENDPOINTS,
};
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::session_token::{derive_key, random_id, KeyPurpose};
use shopkeep_gateway_core::webhooks::{self as core, Attempt, Event, EventType, Format};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use std::time::Duration;
use worker::{Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

/// The endpoint's signing secret, as shown to the tenant once: `whsec_` and 64 hex digits.
/// Receivers use the whole string as the HMAC key.
fn endpoint_secret(env: &Env, tenant_id: &str, endpoint_id: &str) -> Result<String, Error> {
    let master = secret(env, "MASTER_SECRET")?;
    // Key ids of session keys are a letter and digits; this label can never be one.
    let key = derive_key(
        master.as_bytes(),
        tenant_id,
        KeyPurpose::Session,
        &format!("webhook-{endpoint_id}"),
    );
    Ok(format!(
        "whsec_{}",
        key.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn format_str(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Slack => "slack",
    }
}

/// Emits an event for the tenant: one delivery per endpoint subscribed to it, each queued.
/// Never fails its caller (a conversation must not break because a webhook could not be
/// queued); failures are logged. The catalog work calls this with `CatalogSyncFailed`.
pub(crate) async fn emit(env: &Env, tenant_id: &str, event_type: EventType, data: Value) {
    if let Err(e) = try_emit(env, tenant_id, event_type, data).await {
        worker::console_error!("webhook emit {}: {e}", event_type.as_str());
    }
}

async fn try_emit(
    env: &Env,
    tenant_id: &str,
    event_type: EventType,
    data: Value,
) -> Result<(), Error> {
    let store = Store::new(env)?;
    let endpoints: Vec<EndpointRow> = store
        .webhook_endpoints(tenant_id)
        .await?
        .into_iter()
        .filter(|e| {
            serde_json::from_str::<Vec<String>>(&e.events_json)
                .is_ok_and(|events| events.iter().any(|name| name == event_type.as_str()))
        })
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let event = Event {
        id: random_id("evt_", &random_bytes()?),
        event_type,
        tenant_id: tenant_id.to_owned(),
        created_ms: now,
        data,
    };
    let event_json = serde_json::to_string(&event).map_err(|e| Error::Internal(e.to_string()))?;
    let mut ids = Vec::with_capacity(endpoints.len());
    for _ in &endpoints {
        ids.push(random_id("whd_", &random_bytes()?));
    }
    let deliveries: Vec<NewDelivery<'_>> = endpoints
        .iter()
        .zip(&ids)
        .map(|(endpoint, id)| NewDelivery {
            id,
            endpoint_id: &endpoint.id,
            event_id: &event.id,
            event_type: event_type.as_str(),
            event_json: &event_json,
        })
        .collect();
    store.insert_deliveries(tenant_id, &deliveries, now).await?;
    for id in ids {
        let job = Job::Webhook {
            tenant_id: tenant_id.to_owned(),
            delivery_id: id,
        };
        if let Err(e) = jobs::enqueue(env, &job, 0).await {
            worker::console_error!("webhook enqueue: {e}");
        }
    }
    Ok(())
}

/// The backoff delay as scaled for tests (`WEBHOOK_BACKOFF_SCALE`, default 1).
fn scaled(seconds: u32, env: &Env) -> u32 {
    let scale = var(env, "WEBHOOK_BACKOFF_SCALE")
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(1.0);
    (f64::from(seconds) * scale).round() as u32
}

/// One attempt of one delivery (the `webhook` job). Always acks: the next attempt is its
/// own message, scheduled with the core's backoff (the queue's own retry count is not the
/// webhook's attempt budget).
pub(crate) async fn deliver(env: &Env, tenant_id: &str, delivery_id: &str) -> Done {
    match try_deliver(env, tenant_id, delivery_id).await {
        Ok(()) => Done::Ack,
        Err(e) => {
            // Storage failed: nothing was recorded, so the queue retries this attempt.
            worker::console_error!("webhook delivery {delivery_id}: {e}");
            Done::RetryIn(30)
        }
    }
}

async fn try_deliver(env: &Env, tenant_id: &str, delivery_id: &str) -> Result<(), Error> {
    let store = Store::new(env)?;
    let Some(delivery) = store.delivery(tenant_id, delivery_id).await? else {
        return Ok(());
    };
    if delivery.status != "pending" {
        return Ok(());
    }
    let attempt = delivery.attempts as u32 + 1;
    let now = now_ms();
    fn give_up(attempts: u32, error: &str) -> AttemptResult<'_> {
        AttemptResult {
            status: "failed",
            attempts,
            last_status: None,
            last_error: Some(error),
            next_attempt_at_ms: None,
        }
    }
    let (Some(url), Some(format)) = (delivery.url.as_deref(), delivery.format.as_deref()) else {
        let result = give_up(attempt, "the endpoint was deleted");
        return store
            .record_attempt(tenant_id, delivery_id, &result, now)
            .await;
    };
    // Checked at every attempt, not only when saved.
    if let Err(refused) = webhook_url(url, allow_private_fetch(env)) {
        let error = format!("url refused: {refused}");
        let result = give_up(attempt, &error);
        return store
            .record_attempt(tenant_id, delivery_id, &result, now)
            .await;
    }
    let event: Event = serde_json::from_str(&delivery.event_json)
        .map_err(|e| Error::Internal(format!("stored event: {e}")))?;
    let format = if format == "slack" {
        Format::Slack
    } else {
        Format::Json
    };
    let body = core::body(&event, format);
    let secret = endpoint_secret(env, tenant_id, &delivery.endpoint_id)?;
    let signature = core::sign(secret.as_bytes(), now / 1000, &body);
    let (status, error) = match post(url, &body, &signature, &event).await {
        Ok(status) => (Some(status), None),
        Err(error) => (None, Some(error)),
    };
    let error = match (status, error) {
        (Some(s), _) if !(200..300).contains(&s) => Some(format!("the receiver answered {s}")),
        (_, error) => error,
    };
    let outcome = core::after_attempt(attempt, status, jitter());
    let (state, next, delay) = match outcome {
        Attempt::Delivered => ("delivered", None, None),
        Attempt::GiveUp => ("failed", None, None),
        Attempt::RetryIn(seconds) => {
            let delay = scaled(seconds, env);
            ("pending", Some(now + u64::from(delay) * 1000), Some(delay))
        }
    };
    let result = AttemptResult {
        status: state,
        attempts: attempt,
        last_status: status,
        last_error: error.as_deref(),
        next_attempt_at_ms: next,
    };
    store
        .record_attempt(tenant_id, delivery_id, &result, now_ms())
        .await?;
    if let Some(delay) = delay {
        let job = Job::Webhook {
            tenant_id: tenant_id.to_owned(),
            delivery_id: delivery_id.to_owned(),
        };
        jobs::enqueue(env, &job, delay)
            .await
            .map_err(|e| Error::Storage(format!("webhook requeue: {e}")))?;
    }
    Ok(())
}

/// POSTs the body, redirects not followed (a 3xx is a failed attempt), within the core's
/// timeout. The receiver's status, or why there was none.
async fn post(url: &str, body: &str, signature: &str, event: &Event) -> Result<u16, String> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("Content-Type", "application/json")?;
    set("User-Agent", "Shopkeep-Webhooks/1")?;
    set(core::SIGNATURE_HEADER, signature)?;
    set("Shopkeep-Webhook-Id", &event.id)?;
    set("Shopkeep-Webhook-Event", event.event_type.as_str())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(body.into()));
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let request = Fetch::Request(request);
    let sending = Box::pin(request.send());
    let timeout = Box::pin(Delay::from(Duration::from_millis(core::TIMEOUT_MS)));
    let outcome = match select(sending, timeout).await {
        Either::Left((Ok(response), _)) => Ok(response.status_code()),
        Either::Left((Err(e), _)) => Err(format!("no answer: {e}")),
        Either::Right(_) => Err(String::from("no answer within 10 s")),
    };
    outcome
}

fn endpoint_json(row: &EndpointRow) -> Value {
    json!({
        "id": row.id,
        "url": row.url,
        "events": serde_json::from_str::<Value>(&row.events_json).unwrap_or(Value::Null),
        "format": row.format,
        "created_at_ms": row.created_at_ms as u64,
    })
}

/// `GET|POST /v1/admin/tenants/{id}/webhooks`
pub(crate) async fn endpoints(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    create: bool,
) -> Result<Response, Error> {
    let call = admin_call(&mut req, env, tenant_id).await?;
    if !create {
        let rows = call.store.webhook_endpoints(tenant_id).await?;
        let list: Vec<Value> = rows.iter().map(endpoint_json).collect();
        return json_response(200, &json!({ "endpoints": list }), None);
    }
    let request: WebhookEndpointRequest = decode_json(&call.body, MAX_ADMIN_BODY_BYTES)?;
    let events = check_endpoint(&request, allow_private_fetch(env))
        .map_err(|problems| Error::downstream(ErrorCode::InvalidField, problems.join("; ")))?;
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let now = now_ms();
    let row = EndpointRow {
        id: random_id("wh_", &random_bytes()?),
        url: request.url.trim().to_owned(),
        events_json: serde_json::to_string(&names).map_err(|e| Error::Internal(e.to_string()))?,
        format: format_str(request.format).to_owned(),
        created_at_ms: now as f64,
    };
    if !call
        .store
        .insert_webhook_endpoint(tenant_id, &row, MAX_ENDPOINTS)
        .await?
    {
        return Err(Error::downstream(
            ErrorCode::InvalidField,
            format!("at most {MAX_ENDPOINTS} webhook endpoints"),
        ));
    }
    call.store
        .audit_action(
            tenant_id,
            &call.actor,
            "webhook.create",
            &json!({"endpoint_id": row.id, "url": row.url, "events": names}),
            now,
        )
        .await?;
    let mut answer = endpoint_json(&row);
    // Shown once: it is never returned again.
    answer["secret"] = json!(endpoint_secret(env, tenant_id, &row.id)?);
    json_response(201, &answer, None)
}

/// `DELETE /v1/admin/tenants/{id}/webhooks/{endpoint}`
pub(crate) async fn delete_endpoint(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    endpoint_id: &str,
) -> Result<Response, Error> {
    let call = admin_call(&mut req, env, tenant_id).await?;
    if !call
        .store
        .delete_webhook_endpoint(tenant_id, endpoint_id)
        .await?
    {
        return Err(Error::downstream(
            ErrorCode::NotFound,
            "No such webhook endpoint.",
        ));
    }
    call.store
        .audit_action(
            tenant_id,
            &call.actor,
            "webhook.delete",
            &json!({"endpoint_id": endpoint_id}),
            now_ms(),
        )
        .await?;
    json_response(200, &json!({"ok": true}), None)
}

/// `GET /v1/admin/tenants/{id}/webhooks/deliveries`
pub(crate) async fn deliveries(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let call = admin_call(&mut req, env, tenant_id).await?;
    let rows = call.store.deliveries(tenant_id, 200).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "endpoint_id": d.endpoint_id,
                "url": d.url,
                "event_id": d.event_id,
                "event_type": d.event_type,
                "status": d.status,
                "attempts": d.attempts as u64,
                "last_status": d.last_status.map(|s| s as u64),
                "last_error": d.last_error,
                "next_attempt_at_ms": d.next_attempt_at_ms.map(|s| s as u64),
                "created_at_ms": d.created_at_ms as u64,
                "updated_at_ms": d.updated_at_ms as u64,
            })
        })
        .collect();
    json_response(200, &json!({ "deliveries": list }), None)
}

/// `POST /v1/admin/tenants/{id}/webhooks/deliveries/{delivery}/retry`
pub(crate) async fn retry(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    delivery_id: &str,
) -> Result<Response, Error> {
    let call = admin_call(&mut req, env, tenant_id).await?;
    if !call
        .store
        .reset_delivery(tenant_id, delivery_id, now_ms())
        .await?
    {
        return Err(Error::downstream(
            ErrorCode::NotFound,
            "No such undelivered delivery.",
        ));
    }
    let job = Job::Webhook {
        tenant_id: tenant_id.to_owned(),
        delivery_id: delivery_id.to_owned(),
    };
    jobs::enqueue(env, &job, 0)
        .await
        .map_err(|e| Error::Storage(format!("webhook retry: {e}")))?;
    call.store
        .audit_action(
            tenant_id,
            &call.actor,
            "webhook.retry",
            &json!({"delivery_id": delivery_id}),
            now_ms(),
        )
        .await?;
    json_response(202, &json!({"ok": true}), None)
}
