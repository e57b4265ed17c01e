//! The handoff's HTTP and stream surface: what the shopper is told (notice sentences and the
//! `handoff` stream event), the bodies of the handoff, CSAT, contact, staff and webhook
//! routes and their validation, and a tenant's handoff settings.
//!
//! Owns: request shapes and their limits for issue 14's routes. Must not depend on: worker.

use crate::handoff::{Notice, Rules, State};
use crate::hours::BusinessHours;
use crate::live::MAX_TEXT_CHARS;
use crate::outbound;
use crate::webhooks::{EventType, Format};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shopkeep_protocol::StreamEvent;

/// A tenant's handoff settings (`handoff` in the tenant config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// When a person can answer (no spans: always open).
    pub hours: BusinessHours,
    /// When a conversation is handed to a person without being asked.
    pub rules: Rules,
}

/// The sentence the shopper sees for a notice (the widget may translate by `notice` name).
pub fn notice_text(notice: &Notice) -> String {
    match notice {
        Notice::PersonWillReply { minutes } => {
            format!("A person will reply — usually within {minutes} minutes.")
        }
        Notice::ClosedLeaveEmail => {
            String::from("We're closed now; leave your email and we'll reply.")
        }
        Notice::PersonJoined => String::from("A person joined the conversation."),
        Notice::BackToAssistant => String::from("The assistant answers again."),
        Notice::Closed => String::from("This conversation was closed. How did we do?"),
    }
}

/// The JSON of the `handoff` stream event and of the live channel's `state` frame:
/// `{"state":"waiting","notice":"person_will_reply","minutes":10,"text":"…"}` (`notice` and
/// `text` absent when nothing changed the shopper sees).
pub fn state_json(state: &State, notice: Option<&Notice>) -> serde_json::Value {
    let mut value = json!({ "state": state.name() });
    if let Some(notice) = notice {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(notice) {
            for (k, v) in fields {
                value[k] = v;
            }
        }
        value["text"] = json!(notice_text(notice));
    }
    value
}

/// The typed `handoff` stream event: the state and, when the shopper sees a change, the
/// notice by name, its minutes and its sentence (the same JSON as [`state_json`] plus
/// `"type":"handoff"`).
pub fn event(state: &State, notice: Option<&Notice>) -> StreamEvent {
    event_of(&state_json(state, notice)).unwrap_or_else(|| StreamEvent::Handoff {
        state: state.name().to_owned(),
        notice: None,
        minutes: None,
        text: None,
    })
}

/// The typed `handoff` stream event of a [`state_json`] value (the `handoff` tool's result);
/// `None` when it has no `state`.
pub fn event_of(value: &serde_json::Value) -> Option<StreamEvent> {
    let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    Some(StreamEvent::Handoff {
        state: text("state")?,
        notice: text("notice"),
        minutes: value
            .get("minutes")
            .and_then(serde_json::Value::as_u64)
            .and_then(|m| u32::try_from(m).ok()),
        text: text("text"),
    })
}

/// The `handoff` server-sent event a chat stream carries instead of an answer while a person
/// owns the conversation. Old widgets ignore event names they do not know.
pub fn stream_event(state: &State, notice: Option<&Notice>) -> String {
    crate::relay::encode_event(&event(state, notice))
}

/// The rule for a webhook URL, at save and before every attempt: [`outbound::check`]
/// without exceptions, except that the dev/test switch (`allow_private`) admits loopback
/// receivers only (`localhost`, `127.0.0.1`, `[::1]`) — never other internal ranges, so the
/// refusal of link-local, private and metadata addresses holds in every environment.
pub fn webhook_url(url: &str, allow_private: bool) -> Result<(), outbound::Refused> {
    match outbound::check(url, false) {
        Ok(_) => Ok(()),
        Err(refused @ (outbound::Refused::Internal | outbound::Refused::NotHttps))
            if allow_private =>
        {
            let Ok(target) = outbound::check(url, true) else {
                return Err(refused);
            };
            let loopback = matches!(
                target.host.as_str(),
                "localhost" | "127.0.0.1" | "[::1]" | "::1"
            );
            if loopback {
                Ok(())
            } else {
                Err(refused)
            }
        }
        Err(refused) => Err(refused),
    }
}

/// `POST /v1/handoff`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct HandoffRequest {
    /// What the shopper wants help with (shown to staff).
    pub reason: Option<String>,
}

/// `POST /v1/csat`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsatRequest {
    /// 1–5.
    pub rating: u8,
    /// Optional, up to 1000 characters.
    #[serde(default)]
    pub comment: Option<String>,
}

/// `POST /v1/contact`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// Where the shop may reply.
    pub email: String,
    /// The shopper agreed to be contacted at that address (must be true).
    pub consent: bool,
}

/// A staff reply or note over HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMessage {
    /// The sender's id for it (resends carry the same); one is made when absent.
    #[serde(default)]
    pub client_id: Option<String>,
    /// The text.
    pub text: String,
    /// The staff member's display name shown with it (1–60 characters).
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST …/take` and the staff ticket: an optional display name shown to the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StaffName {
    /// Display name (1–60 characters), e.g. "Sam".
    pub name: Option<String>,
    /// An admin taking a conversation someone else owns.
    pub assign: bool,
}

/// `POST …/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointRequest {
    /// The receiver (https, never an internal address).
    pub url: String,
    /// The events it receives (at least one).
    pub events: Vec<String>,
    /// `json` (default) or `slack`.
    #[serde(default)]
    pub format: Format,
}

/// Most endpoints a tenant may register.
pub const MAX_ENDPOINTS: usize = 10;
/// Longest CSAT comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Longest handoff reason or summary, in characters.
pub const MAX_REASON_CHARS: usize = 500;

fn plain(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    let n = text.chars().count();
    (n >= 1
        && n <= max
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'))
    .then(|| text.to_owned())
}

/// A rating and its comment, checked.
pub fn check_csat(request: &CsatRequest) -> Result<(u8, Option<String>), &'static str> {
    if !(1..=5).contains(&request.rating) {
        return Err("rating must be 1–5");
    }
    match request.comment.as_deref().map(str::trim) {
        None | Some("") => Ok((request.rating, None)),
        Some(c) => plain(c, MAX_COMMENT_CHARS)
            .map(|c| (request.rating, Some(c)))
            .ok_or("comment must be at most 1000 characters of text"),
    }
}

/// An email left outside hours, checked (and lower-cased domain).
pub fn check_contact(request: &ContactRequest) -> Result<String, &'static str> {
    if !request.consent {
        return Err(
            "consent must be true: the shop may only write to an address it was given for that",
        );
    }
    let email = request.email.trim();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !local.contains(char::is_whitespace)
                && domain
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        })
        && !email.chars().any(char::is_control);
    if !valid {
        return Err("email must look like name@example.com");
    }
    let (local, domain) = email.split_once('@').unwrap_or_default();
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A handoff reason or summary, checked (`None` when blank).
pub fn check_reason(reason: Option<&str>) -> Result<Option<String>, &'static str> {
    match reason.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => plain(r, MAX_REASON_CHARS)
            .map(Some)
            .ok_or("reason must be at most 500 characters of text"),
    }
}

/// The `handoff` tool's arguments: `(reason, summary)`, each 1–500 characters of text.
pub fn handoff_arguments(arguments: &serde_json::Value) -> Result<(String, String), String> {
    let field = |name: &str| {
        let value = arguments.get(name).and_then(serde_json::Value::as_str);
        match check_reason(value) {
            Ok(Some(text)) => Ok(text),
            _ => Err(format!("{name} must be 1–500 characters of text")),
        }
    };
    Ok((field("reason")?, field("summary")?))
}

/// A staff message text, checked like a socket frame's.
pub fn check_staff_text(text: &str) -> Result<String, &'static str> {
    plain(text, MAX_TEXT_CHARS).ok_or("text must be 1–4000 characters without control characters")
}

/// A staff display name, checked.
pub fn check_staff_name(name: Option<&str>) -> Result<Option<String>, &'static str> {
    match name.map(str::trim) {
        None | Some("") => Ok(None),
        Some(n) => plain(n, 60).map(Some).ok_or("name must be 1–60 characters"),
    }
}

/// A webhook endpoint, checked: every problem, precisely. `allow_private` is the dev/test
/// switch of [`outbound::check`].
pub fn check_endpoint(
    request: &WebhookEndpointRequest,
    allow_private: bool,
) -> Result<Vec<EventType>, Vec<String>> {
    let mut problems = Vec::new();
    if let Err(refused) = webhook_url(&request.url, allow_private) {
        problems.push(format!("url: {refused}"));
    }
    if request.url.len() > 2_000 {
        problems.push(String::from("url: at most 2000 characters"));
    }
    let mut events = Vec::new();
    if request.events.is_empty() {
        problems.push(String::from("events: name at least one event type"));
    }
    for name in &request.events {
        match EventType::parse(name) {
            Some(e) if !events.contains(&e) => events.push(e),
            Some(_) => {}
            None => problems.push(format!("events: unknown event type {name:?}")),
        }
    }
    if problems.is_empty() {
        Ok(events)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_one_to_five_with_an_optional_comment() {
        let r = |rating, comment: Option<&str>| {
            check_csat(&CsatRequest {
                rating,
                comment: comment.map(String::from),
            })
        };
        assert_eq!(r(5, None), Ok((5, None)));
        assert_eq!(r(1, Some("  ")), Ok((1, None)));
        assert_eq!(r(3, Some(" ok ")), Ok((3, Some("ok".into()))));
        assert!(r(0, None).is_err());
        assert!(r(6, None).is_err());
        assert!(r(4, Some(&"x".repeat(1_001))).is_err());
        assert!(r(4, Some("a\u{0}b")).is_err());
    }

    #[test]
    fn a_contact_email_needs_consent_and_a_plausible_address() {
        let c = |email: &str, consent| {
            check_contact(&ContactRequest {
                email: email.into(),
                consent,
            })
        };
        assert_eq!(c("Ann@Example.COM", true), Ok("Ann@example.com".into()));
        assert!(c("ann@example.com", false).is_err());
        for bad in [
            "",
            "ann",
            "@example.com",
            "ann@",
            "ann@localhost",
            "a b@x.io",
            "ann@x..io.",
        ] {
            assert!(c(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhook_endpoints_must_be_https_public_and_name_known_events() {
        let e = |url: &str, events: &[&str]| {
            check_endpoint(
                &WebhookEndpointRequest {
                    url: url.into(),
                    events: events.iter().map(|s| s.to_string()).collect(),
                    format: Format::Json,
                },
                false,
            )
        };
        assert_eq!(
            e(
                "https://hooks.example.com/x",
                &["csat.submitted", "csat.submitted"]
            ),
            Ok(vec![EventType::CsatSubmitted])
        );
        assert!(e("http://hooks.example.com/x", &["csat.submitted"]).is_err());
        assert!(e("https://127.0.0.1/x", &["csat.submitted"]).is_err());
        assert!(e("https://169.254.169.254/latest", &["csat.submitted"]).is_err());
        let problems = e("https://hooks.example.com/x", &["nope"]).unwrap_err();
        assert_eq!(
            problems,
            vec!["events: unknown event type \"nope\"".to_string()]
        );
        assert!(e("https://hooks.example.com/x", &[]).is_err());
    }

    #[test]
    fn the_handoff_tool_needs_a_reason_and_a_summary() {
        assert_eq!(
            handoff_arguments(&json!({"reason": " refund ", "summary": "Wants a refund."})),
            Ok(("refund".into(), "Wants a refund.".into()))
        );
        assert!(handoff_arguments(&json!({"reason": "refund"})).is_err());
        assert!(handoff_arguments(&json!({"reason": "", "summary": "x"})).is_err());
        assert!(handoff_arguments(&json!({"reason": "x", "summary": "y".repeat(501)})).is_err());
    }

    #[test]
    fn the_dev_switch_admits_loopback_receivers_only() {
        assert_eq!(webhook_url("http://127.0.0.1:9000/hook", true), Ok(()));
        assert_eq!(webhook_url("http://localhost:9000/hook", true), Ok(()));
        assert!(webhook_url("http://127.0.0.1:9000/hook", false).is_err());
        for internal in [
            "http://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://192.168.1.1/x",
            "http://hooks.example.com/x",
            "https://user:pw@hooks.example.com/x",
            "ftp://hooks.example.com/x",
        ] {
            assert!(webhook_url(internal, true).is_err(), "{internal}");
        }
    }

    #[test]
    fn the_stream_event_says_the_state_and_the_notice() {
        let waiting = State::Waiting {
            since_ms: 1,
            reason: crate::handoff::Reason::Shopper,
        };
        let sse = stream_event(&waiting, Some(&Notice::PersonWillReply { minutes: 7 }));
        assert!(sse.starts_with("event: handoff\n"), "{sse}");
        assert!(sse.contains(r#""state":"waiting""#), "{sse}");
        assert!(sse.contains(r#""notice":"person_will_reply""#), "{sse}");
        assert!(sse.contains("within 7 minutes"), "{sse}");
        assert!(sse.contains(r#""type":"handoff""#), "{sse}");
        let quiet = state_json(&State::Ai, None);
        assert_eq!(quiet, json!({"state": "ai"}));
        assert_eq!(
            event(&State::Ai, None),
            StreamEvent::Handoff {
                state: "ai".into(),
                notice: None,
                minutes: None,
                text: None
            }
        );
    }

    #[test]
    fn the_tool_result_becomes_the_same_typed_event() {
        let waiting = State::Waiting {
            since_ms: 1,
            reason: crate::handoff::Reason::Shopper,
        };
        let notice = Notice::PersonWillReply { minutes: 7 };
        let typed = event(&waiting, Some(&notice));
        assert_eq!(
            event_of(&state_json(&waiting, Some(&notice))),
            Some(typed.clone())
        );
        let StreamEvent::Handoff {
            notice,
            minutes,
            text,
            ..
        } = typed
        else {
            panic!("not a handoff event");
        };
        assert_eq!(notice.as_deref(), Some("person_will_reply"));
        assert_eq!(minutes, Some(7));
        assert!(text.is_some_and(|t| t.contains("within 7 minutes")));
        assert_eq!(event_of(&json!({"notice": "closed"})), None);
    }
}
