//! The live channel of a conversation with a person: the WebSocket protocol between the
//! conversation's Durable Object and its sockets (the shopper's widget, staff consoles).
//!
//! Every message gets the conversation's next sequence number and is stored in D1 before it
//! is delivered. A socket that reconnects (network drop, reload, second tab) sends `resume`
//! with the last number it has and receives exactly what it missed: nothing lost, nothing
//! twice. A message resent with the same `client_id` is not stored again.
//!
//! Frames are JSON text. Client → object:
//! `{"type":"resume","after":12}`, `{"type":"message","client_id":"…","text":"…"}`,
//! `{"type":"note","client_id":"…","text":"…"}` (staff only, never shown to the shopper),
//! `{"type":"typing"}`. Object → client: `{"type":"message","seq",…}`, `{"type":"typing",…}`,
//! `{"type":"error","code","message"}` before a close.
//!
//! Owns: frame validation (size, shape, who may send what), the per-socket frame budget, who
//! sees which entry, resume and de-duplication. Must not depend on: worker.

use crate::handoff::Notice;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest frame accepted, in bytes.
pub const MAX_FRAME_BYTES: usize = 8 * 1024;
/// Longest message text, in characters.
pub const MAX_TEXT_CHARS: usize = 4_000;
/// Frames a socket may send in a burst, and refilled per second.
pub const FRAME_BURST: u32 = 20;
/// Frames per second refilled.
pub const FRAMES_PER_SECOND: u32 = 2;
/// Close code: a frame broke the protocol.
pub const CLOSE_BAD_FRAME: u16 = 4400;
/// Close code: the socket sent too fast.
pub const CLOSE_TOO_FAST: u16 = 4429;
/// Close code: the token does not open this conversation.
pub const CLOSE_UNAUTHORIZED: u16 = 4401;

/// Who is on a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The shopper (their session token names this conversation).
    Shopper,
    /// A staff member.
    Staff,
}

/// Who wrote an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The shopper.
    Shopper,
    /// A staff member.
    Staff,
    /// The assistant.
    Assistant,
    /// The system (state changes, notices).
    System,
}

/// A frame a socket sent, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientFrame {
    /// Send what came after `after`.
    Resume {
        /// The last sequence number the socket has (0: none).
        after: u64,
    },
    /// A message to the conversation.
    Message {
        /// The sender's id for it (resends carry the same).
        client_id: String,
        /// Its text.
        text: String,
    },
    /// An internal note (staff only).
    Note {
        /// The sender's id for it.
        client_id: String,
        /// Its text.
        text: String,
    },
    /// The sender is typing.
    Typing,
}

/// Why a frame was refused; the socket is closed with [`FrameError::close_code`] and the
/// reason, and nothing is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Larger than [`MAX_FRAME_BYTES`].
    #[error("frame too large")]
    TooLarge,
    /// Not a JSON object with a known `type` and valid fields.
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
    /// The sender's role may not send this.
    #[error("not allowed")]
    NotAllowed,
    /// Over the frame budget.
    #[error("too many frames")]
    TooFast,
}

impl FrameError {
    /// The WebSocket close code.
    pub fn close_code(&self) -> u16 {
        match self {
            FrameError::TooFast => CLOSE_TOO_FAST,
            _ => CLOSE_BAD_FRAME,
        }
    }
}

fn client_id(value: &Value) -> Result<String, FrameError> {
    match value.get("client_id").and_then(Value::as_str) {
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Ok(id.to_owned())
        }
        _ => Err(FrameError::Malformed(
            "client_id must be 1–64 of [A-Za-z0-9_-]",
        )),
    }
}

fn text(value: &Value) -> Result<String, FrameError> {
    let text = value
        .get("text")
        .and_then(Value::as_str)
        .map(str::trim)
        .ok_or(FrameError::Malformed("text is required"))?;
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return Err(FrameError::Malformed("text must be 1–4000 characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FrameError::Malformed("text contains control characters"));
    }
    Ok(text.to_owned())
}

/// Validates one frame from a socket of `role`.
pub fn parse_frame(frame: &str, role: Role) -> Result<ClientFrame, FrameError> {
    if frame.len() > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge);
    }
    let value: Value =
        serde_json::from_str(frame).map_err(|_| FrameError::Malformed("not JSON"))?;
    match value.get("type").and_then(Value::as_str) {
        Some("resume") => Ok(ClientFrame::Resume {
            after: value
                .get("after")
                .and_then(Value::as_u64)
                .ok_or(FrameError::Malformed("after must be a number"))?,
        }),
        Some("message") => Ok(ClientFrame::Message {
            client_id: client_id(&value)?,
            text: text(&value)?,
        }),
        Some("note") if role == Role::Staff => Ok(ClientFrame::Note {
            client_id: client_id(&value)?,
            text: text(&value)?,
        }),
        Some("note") => Err(FrameError::NotAllowed),
        Some("typing") => Ok(ClientFrame::Typing),
        _ => Err(FrameError::Malformed("unknown type")),
    }
}

/// A socket's frame budget (token bucket). Serializable so it survives in the socket's
/// attachment while the conversation's object hibernates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FrameBudget {
    tokens: f64,
    at_ms: u64,
}

impl FrameBudget {
    /// A full budget at `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        FrameBudget {
            tokens: f64::from(FRAME_BURST),
            at_ms: now_ms,
        }
    }

    /// Spends one frame; `Err(TooFast)` when the budget is empty.
    pub fn spend(&mut self, now_ms: u64) -> Result<(), FrameError> {
        let elapsed = now_ms.saturating_sub(self.at_ms) as f64 / 1000.0;
        self.tokens =
            (self.tokens + elapsed * f64::from(FRAMES_PER_SECOND)).min(f64::from(FRAME_BURST));
        self.at_ms = self.at_ms.max(now_ms);
        if self.tokens < 1.0 {
            return Err(FrameError::TooFast);
        }
        self.tokens -= 1.0;
        Ok(())
    }
}

/// One stored entry of the live log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its sequence number (1, 2, …, per conversation).
    pub seq: u64,
    /// Who wrote it.
    pub author: Author,
    /// The sender's id for it (de-duplication), when a socket sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Its text.
    pub text: String,
    /// An internal note (never shown to the shopper).
    #[serde(default)]
    pub internal: bool,
    /// The staff member's display name, for staff entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a system entry that tells the shopper something: the notice, by name (`notice`)
    /// and with its `minutes` where it has them, so a client can translate it instead of
    /// showing the English `text`.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
    /// When (ms).
    pub at_ms: u64,
}

impl Entry {
    /// Whether a socket of `role` sees it.
    pub fn visible_to(&self, role: Role) -> bool {
        role == Role::Staff || !self.internal
    }
}

/// What a socket that has everything up to `after` is sent: the later entries it may see, in
/// order. `log` is in sequence order.
pub fn missed(log: &[Entry], after: u64, role: Role) -> Vec<&Entry> {
    let start = log.partition_point(|e| e.seq <= after);
    log[start..].iter().filter(|e| e.visible_to(role)).collect()
}

/// Whether a message with `client_id` from `author` is already in the log (a resend): its
/// entry, which is re-sent instead of storing a second copy.
pub fn already_stored<'a>(log: &'a [Entry], author: Author, client_id: &str) -> Option<&'a Entry> {
    log.iter()
        .rev()
        .find(|e| e.author == author && e.client_id.as_deref() == Some(client_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, internal: bool) -> Entry {
        Entry {
            seq,
            author: Author::Staff,
            client_id: Some(format!("c{seq}")),
            text: format!("m{seq}"),
            internal,
            name: None,
            notice: None,
            at_ms: seq,
        }
    }

    #[test]
    fn frames_are_validated_by_role_and_shape() {
        assert_eq!(
            parse_frame(r#"{"type":"resume","after":3}"#, Role::Shopper),
            Ok(ClientFrame::Resume { after: 3 })
        );
        assert_eq!(
            parse_frame(
                r#"{"type":"message","client_id":"a1","text":" hi "}"#,
                Role::Shopper
            ),
            Ok(ClientFrame::Message {
                client_id: "a1".into(),
                text: "hi".into()
            })
        );
        assert_eq!(
            parse_frame(
                r#"{"type":"note","client_id":"a1","text":"x"}"#,
                Role::Shopper
            ),
            Err(FrameError::NotAllowed)
        );
        assert!(parse_frame(
            r#"{"type":"note","client_id":"a1","text":"x"}"#,
            Role::Staff
        )
        .is_ok());
        for bad in [
            "not json",
            r#"{"type":"message","client_id":"a b","text":"x"}"#,
            r#"{"type":"message","client_id":"a","text":"   "}"#,
            r#"{"type":"message","client_id":"a","text":"\u0000"}"#,
            r#"{"type":"shutdown"}"#,
            r#"{"type":"resume","after":-1}"#,
        ] {
            assert_eq!(
                parse_frame(bad, Role::Staff).map_err(|e| e.close_code()),
                Err(CLOSE_BAD_FRAME),
                "{bad}"
            );
        }
        let huge = format!(
            r#"{{"type":"message","client_id":"a","text":"{}"}}"#,
            "x".repeat(9000)
        );
        assert_eq!(parse_frame(&huge, Role::Shopper), Err(FrameError::TooLarge));
    }

    #[test]
    fn the_budget_allows_a_burst_then_a_steady_rate() {
        let mut budget = FrameBudget::new(0);
        for _ in 0..FRAME_BURST {
            assert!(budget.spend(0).is_ok());
        }
        assert_eq!(budget.spend(0), Err(FrameError::TooFast));
        assert!(budget.spend(500).is_ok(), "one frame refills in 500 ms");
        assert_eq!(budget.spend(500), Err(FrameError::TooFast));
    }

    #[test]
    fn resume_sends_exactly_what_was_missed_and_never_notes_to_shoppers() {
        let log = [
            entry(1, false),
            entry(2, true),
            entry(3, false),
            entry(4, false),
        ];
        let seqs = |v: Vec<&Entry>| v.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(missed(&log, 1, Role::Shopper)), [3, 4]);
        assert_eq!(seqs(missed(&log, 1, Role::Staff)), [2, 3, 4]);
        assert_eq!(seqs(missed(&log, 4, Role::Staff)), Vec::<u64>::new());
        assert_eq!(seqs(missed(&log, 0, Role::Shopper)), [1, 3, 4]);
        assert_eq!(
            already_stored(&log, Author::Staff, "c3").map(|e| e.seq),
            Some(3)
        );
        assert_eq!(already_stored(&log, Author::Shopper, "c3"), None);
    }

    #[test]
    fn a_notice_entry_carries_the_notice_name_and_minutes_next_to_its_text() {
        let notice = Entry {
            seq: 4,
            author: Author::System,
            client_id: None,
            text: String::from("A person will reply — usually within 7 minutes."),
            internal: false,
            name: None,
            notice: Some(Notice::PersonWillReply { minutes: 7 }),
            at_ms: 9,
        };
        let json = serde_json::to_value(&notice).unwrap();
        assert_eq!(json["notice"], "person_will_reply");
        assert_eq!(json["minutes"], 7);
        assert_eq!(json["author"], "system");
        assert_eq!(serde_json::from_value::<Entry>(json).unwrap(), notice);
        let joined = Entry {
            notice: Some(Notice::PersonJoined),
            ..notice.clone()
        };
        let json = serde_json::to_value(&joined).unwrap();
        assert_eq!(json["notice"], "person_joined");
        assert!(json.get("minutes").is_none());
        let staff = serde_json::to_value(entry(1, false)).unwrap();
        assert!(staff.get("notice").is_none(), "{staff}");
        assert_eq!(
            serde_json::from_value::<Entry>(staff).unwrap(),
            entry(1, false)
        );
    }
}
