//! Webhooks out: events a tenant subscribes to, delivered at least once to its HTTPS
//! endpoints, signed so the receiver can tell they are ours.
//!
//! The signature header is `Shopkeep-Webhook-Signature: t=<unix seconds>,v1=<hex>` where
//! `<hex>` is HMAC-SHA256(endpoint secret, `<t>.<raw body>`) — the same
//! timestamp-plus-HMAC shape as the admin API, so one verification snippet fits both
//! (docs/API.md). Receivers should refuse timestamps older than five minutes.
//!
//! Owns: event types, the JSON and Slack-compatible bodies, signing and verifying, the retry
//! schedule and what each answer of the receiver means. Must not depend on: worker.

use crate::ct::constant_time_eq;
use crate::mac::new_mac;
use hmac::Mac;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Shopkeep-Webhook-Signature";
/// Most delivery attempts of one event to one endpoint (the first included).
pub const MAX_ATTEMPTS: u32 = 8;
/// How long a receiver may take to answer before the attempt counts as failed.
pub const TIMEOUT_MS: u64 = 10_000;
/// Receivers should refuse signatures older than this.
pub const TOLERANCE_S: u64 = 300;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A shopper was handed to a person (or asked for one).
    #[serde(rename = "conversation.handoff_requested")]
    HandoffRequested,
    /// A message was stored (shopper, staff or assistant).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A conversation was closed.
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    /// A shopper rated a conversation.
    #[serde(rename = "csat.submitted")]
    CsatSubmitted,
    /// A catalog sync failed.
    #[serde(rename = "catalog.sync_failed")]
    CatalogSyncFailed,
}

impl EventType {
    /// Every event type.
    pub const ALL: [EventType; 5] = [
        EventType::HandoffRequested,
        EventType::MessageCreated,
        EventType::ConversationClosed,
        EventType::CsatSubmitted,
        EventType::CatalogSyncFailed,
    ];

    /// Its wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::HandoffRequested => "conversation.handoff_requested",
            EventType::MessageCreated => "message.created",
            EventType::ConversationClosed => "conversation.closed",
            EventType::CsatSubmitted => "csat.submitted",
            EventType::CatalogSyncFailed => "catalog.sync_failed",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }

    fn headline(self) -> &'static str {
        match self {
            EventType::HandoffRequested => "A shopper asked for a person",
            EventType::MessageCreated => "New message",
            EventType::ConversationClosed => "Conversation closed",
            EventType::CsatSubmitted => "New rating",
            EventType::CatalogSyncFailed => "Catalog sync failed",
        }
    }
}

/// The body format of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `{"id", "type", "tenant_id", "created_at", "data"}`.
    #[default]
    Json,
    /// A Slack incoming-webhook body (`{"text": …}`), for pasting a Slack URL.
    Slack,
}

/// One event to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique id (receivers de-duplicate on it: delivery is at least once).
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The tenant.
    pub tenant_id: String,
    /// When (ms since the epoch).
    pub created_ms: u64,
    /// Details (already redacted by the tenant's privacy rules).
    pub data: Value,
}

/// The body sent for `event` in `format`.
pub fn body(event: &Event, format: Format) -> String {
    match format {
        Format::Json => json!({
            "id": event.id,
            "type": event.event_type.as_str(),
            "tenant_id": event.tenant_id,
            "created_at": event.created_ms,
            "data": event.data,
        })
        .to_string(),
        Format::Slack => {
            let mut text = format!("*{}*", event.event_type.headline());
            for key in ["summary", "reason", "text", "rating", "comment", "error"] {
                if let Some(value) = event.data.get(key).filter(|v| !v.is_null()) {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let _ = write!(text, "\n{key}: {}", slack_escape(&value));
                }
            }
            if let Some(id) = event.data.get("conversation_id").and_then(Value::as_str) {
                let _ = write!(text, "\nconversation: `{}`", slack_escape(id));
            }
            json!({ "text": text }).to_string()
        }
    }
}

/// Slack's three control characters, escaped as its docs require.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The signature header value for `body` sent at `unix_s`.
pub fn sign(secret: &[u8], unix_s: u64, body: &str) -> String {
    format!("t={unix_s},v1={}", hex(&mac(secret, unix_s, body)))
}

fn mac(secret: &[u8], unix_s: u64, body: &str) -> [u8; 32] {
    let mut mac = new_mac(secret);
    mac.update(unix_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// What a receiver does: checks `header` over the raw `body` with its secret, within
/// [`TOLERANCE_S`] of `now_s`. (The documented snippets do exactly this.)
pub fn verify(secret: &[u8], header: &str, body: &str, now_s: u64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<u64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if t.abs_diff(now_s) > TOLERANCE_S {
        return false;
    }
    constant_time_eq(hex(&mac(secret, t, body)).as_bytes(), v1.as_bytes())
}

/// What an attempt's result means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// 2xx: delivered.
    Delivered,
    /// Try again after this many seconds.
    RetryIn(u32),
    /// Give up (the receiver said the endpoint is gone, or attempts are exhausted).
    GiveUp,
}

/// After attempt number `attempt` (1-based) answered `status` (`None`: no answer: network
/// error or timeout). Backoff is exponential from 30 s (30 s, 1 min, 2 min, … capped at
/// 1 h) with `jitter` in `[0, 1)` adding up to 20 %.
pub fn after_attempt(attempt: u32, status: Option<u16>, jitter: f64) -> Attempt {
    match status {
        Some(200..=299) => return Attempt::Delivered,
        // Gone: the receiver asks us to stop.
        Some(410) => return Attempt::GiveUp,
        _ => {}
    }
    if attempt >= MAX_ATTEMPTS {
        return Attempt::GiveUp;
    }
    let base = 30u64.saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
    let capped = base.min(3_600);
    let jitter = jitter.clamp(0.0, 0.999_999);
    let with_jitter = capped as f64 * (1.0 + 0.2 * jitter);
    Attempt::RetryIn(with_jitter as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            id: "evt_1".into(),
            event_type: EventType::HandoffRequested,
            tenant_id: "demo".into(),
            created_ms: 1_700_000_000_000,
            data: json!({"conversation_id": "c_1", "summary": "wants <a> refund & more"}),
        }
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let body = body(&event(), Format::Json);
        let header = sign(b"whsec", 1_700_000_000, &body);
        assert!(verify(b"whsec", &header, &body, 1_700_000_100));
        assert!(!verify(b"other", &header, &body, 1_700_000_100));
        assert!(!verify(
            b"whsec",
            &header,
            &body.replace("demo", "dem0"),
            1_700_000_100
        ));
        assert!(!verify(
            b"whsec",
            &header,
            &body,
            1_700_000_000 + TOLERANCE_S + 1
        ));
        assert!(!verify(b"whsec", "v1=00", &body, 1_700_000_000));
    }

    #[test]
    fn the_json_body_names_the_event_and_slack_gets_escaped_text() {
        let json_body: Value = serde_json::from_str(&body(&event(), Format::Json)).unwrap();
        assert_eq!(json_body["type"], "conversation.handoff_requested");
        assert_eq!(json_body["data"]["conversation_id"], "c_1");
        let slack: Value = serde_json::from_str(&body(&event(), Format::Slack)).unwrap();
        let text = slack["text"].as_str().unwrap();
        assert!(text.starts_with("*A shopper asked for a person*"));
        assert!(text.contains("&lt;a&gt; refund &amp; more"), "{text}");
    }

    #[test]
    fn retries_back_off_and_end() {
        assert_eq!(after_attempt(1, Some(204), 0.0), Attempt::Delivered);
        assert_eq!(after_attempt(1, Some(500), 0.0), Attempt::RetryIn(30));
        assert_eq!(after_attempt(2, None, 0.0), Attempt::RetryIn(60));
        assert_eq!(after_attempt(3, Some(429), 0.0), Attempt::RetryIn(120));
        assert_eq!(after_attempt(7, Some(500), 0.0), Attempt::RetryIn(1_920));
        assert_eq!(after_attempt(MAX_ATTEMPTS, Some(500), 0.0), Attempt::GiveUp);
        assert_eq!(after_attempt(1, Some(410), 0.0), Attempt::GiveUp);
        assert_eq!(after_attempt(1, Some(500), 0.5), Attempt::RetryIn(33));
        for name in EventType::ALL.map(EventType::as_str) {
            assert_eq!(EventType::parse(name).map(EventType::as_str), Some(name));
        }
    }
}
