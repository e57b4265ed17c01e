//! A shopper's side of the API for the benchmarks: benchmark tenants with limits out of the
//! way, sessions, and timed chat turns whose event stream is read and parsed.

use std::time::Duration;

use serde_json::{json, Value};

use crate::error::{fail, Result};
use crate::harness::{demo_tenant, seed_tenant, tenant_body, Stack};
use crate::http;
use crate::paths::Paths;

/// Creates (or replaces) a tenant copied from the demo one, allowed on `origins`, with limits
/// high enough that one client sending every request is never refused — except
/// `max_concurrent_streams`, which the load and fault runs set on purpose.
pub(crate) fn seed(
    paths: &Paths,
    stack: &Stack,
    tenant_id: &str,
    origins: &[String],
    max_concurrent_streams: u32,
) -> Result<()> {
    let tenant = bench_tenant(paths, tenant_id, origins, max_concurrent_streams)?;
    seed_tenant(&stack.gateway, &stack.platform_secret, &tenant)
}

/// The tenant [`seed`] creates.
pub(crate) fn bench_tenant(
    paths: &Paths,
    tenant_id: &str,
    origins: &[String],
    max_concurrent_streams: u32,
) -> Result<Value> {
    let mut tenant = tenant_body(&demo_tenant(paths)?, tenant_id, origins);
    tenant["limits"] = json!({
        "tenant_requests_per_minute": 100000,
        "session_requests_per_minute": 10000,
        "ip_requests_per_minute": 100000,
        "max_concurrent_streams": max_concurrent_streams,
        "daily_token_budget": 1000000000u64,
        // Every metered widget route (sessions, config, …): one client sends it all.
        "routes": {
            "session": {"ip_per_minute": 100000, "tenant_per_minute": 100000},
            "consent": {"ip_per_minute": 100000, "tenant_per_minute": 100000},
            "privacy": {"ip_per_minute": 100000, "tenant_per_minute": 100000},
            "feedback": {"ip_per_minute": 100000, "tenant_per_minute": 100000},
            "history": {"ip_per_minute": 100000, "tenant_per_minute": 100000},
            "config": {"ip_per_minute": 100000, "tenant_per_minute": 100000}
        }
    });
    Ok(tenant)
}

/// A shopper's session.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// Bearer token.
    pub(crate) token: String,
}

/// `POST /v1/sessions` from the gateway's own origin.
pub(crate) fn session(gateway: &str, tenant_id: &str) -> Result<Session> {
    let response = http::request(
        "POST",
        &format!("{gateway}/v1/sessions"),
        &[("Origin", gateway), ("Content-Type", "application/json")],
        json!({ "tenant_id": tenant_id }).to_string().as_bytes(),
    )?;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    match body["token"].as_str() {
        Some(token) if response.status == 201 => Ok(Session {
            token: token.to_owned(),
        }),
        _ => fail(format!(
            "POST /v1/sessions answered {}: {}",
            response.status,
            response.text()
        )),
    }
}

/// One chat turn as the shopper saw it.
#[derive(Debug, Clone)]
pub(crate) struct Turn {
    /// HTTP status.
    pub(crate) status: u16,
    /// Until the first `delta` event.
    pub(crate) first_delta: Option<Duration>,
    /// Until the stream (or error body) ended.
    pub(crate) end: Duration,
    /// The stream's events, when it was a stream.
    pub(crate) events: Vec<Value>,
    /// The JSON body, when it was not a stream.
    pub(crate) body: Option<Value>,
    /// The `Server-Timing` header.
    pub(crate) server_timing: Option<String>,
}

impl Turn {
    /// The last event's `type` (`done`, `error`), if a stream.
    pub(crate) fn last_event(&self) -> Option<&str> {
        self.events.last().and_then(|e| e["type"].as_str())
    }

    /// The `start` event's user and assistant message ids.
    pub(crate) fn message_ids(&self) -> Option<(String, String)> {
        let start = self.events.iter().find(|e| e["type"] == "start")?;
        Some((
            start["user_message_id"].as_str()?.to_owned(),
            start["message_id"].as_str()?.to_owned(),
        ))
    }

    /// The error code, from the error body or the final error event.
    pub(crate) fn error_code(&self) -> Option<String> {
        if let Some(body) = &self.body {
            return body["error"]["code"].as_str().map(str::to_owned);
        }
        let last = self.events.last()?;
        (last["type"] == "error")
            .then(|| last["code"].as_str().map(str::to_owned))
            .flatten()
    }

    /// Whether the error (body or event) says it may be retried.
    pub(crate) fn retryable(&self) -> bool {
        match &self.body {
            Some(body) => body["error"]["retryable"] == true,
            None => self.events.last().is_some_and(|e| e["retryable"] == true),
        }
    }
}

/// The `data:` objects of a complete Shopkeep event stream.
pub(crate) fn parse_events(body: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(body)
        .split("\n\n")
        .filter_map(|frame| {
            let data: Vec<&str> = frame
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(str::trim)
                .collect();
            (!data.is_empty())
                .then(|| serde_json::from_str(&data.join("\n")).ok())
                .flatten()
        })
        .collect()
}

/// The first `delta` event of the gateway's stream has arrived.
pub(crate) fn has_delta(body: &[u8]) -> bool {
    body.windows(12).any(|window| window == b"event: delta")
}

/// `POST /v1/chat`, read to the end.
pub(crate) fn chat(gateway: &str, token: &str, message: &str, client_id: &str) -> Result<Turn> {
    let auth = format!("Bearer {token}");
    let body = json!({ "message": message, "client_message_id": client_id }).to_string();
    let timing = http::time_to_first(
        "POST",
        &format!("{gateway}/v1/chat"),
        &[
            ("Content-Type", "application/json"),
            ("Origin", gateway),
            ("Authorization", &auth),
        ],
        body.as_bytes(),
        has_delta,
    )?;
    let is_stream = timing.status == 200;
    Ok(Turn {
        status: timing.status,
        first_delta: timing.first_marker,
        end: timing.end,
        events: if is_stream {
            parse_events(&timing.body)
        } else {
            Vec::new()
        },
        body: if is_stream {
            None
        } else {
            Some(serde_json::from_slice(&timing.body).unwrap_or(Value::Null))
        },
        server_timing: timing.server_timing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_frame_by_frame() {
        let body = b"event: start\ndata: {\"type\":\"start\",\"user_message_id\":\"u\",\"message_id\":\"a\"}\n\n\
                     event: delta\ndata: {\"type\":\"delta\",\"text\":\"Hi\"}\n\n\
                     event: error\ndata: {\"type\":\"error\",\"code\":\"storage_error\",\"retryable\":true}\n\n";
        let events = parse_events(body);
        assert_eq!(events.len(), 3);
        let turn = Turn {
            status: 200,
            first_delta: None,
            end: Duration::ZERO,
            events,
            body: None,
            server_timing: None,
        };
        assert_eq!(turn.message_ids(), Some(("u".into(), "a".into())));
        assert_eq!(turn.last_event(), Some("error"));
        assert_eq!(turn.error_code().as_deref(), Some("storage_error"));
        assert!(turn.retryable());
        assert!(has_delta(body));
    }

    #[test]
    fn error_bodies_give_their_code() {
        let turn = Turn {
            status: 503,
            first_delta: None,
            end: Duration::ZERO,
            events: Vec::new(),
            body: Some(json!({"error": {"code": "storage_error", "retryable": true}})),
            server_timing: None,
        };
        assert_eq!(turn.error_code().as_deref(), Some("storage_error"));
        assert!(turn.retryable());
        assert_eq!(turn.last_event(), None);
    }
}
