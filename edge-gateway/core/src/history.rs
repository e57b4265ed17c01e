//! A conversation's history as the shopper's widget gets it after a reload
//! (`GET /v1/conversation`): the stored transcript (shopper ↔ assistant) and the live log
//! (staff messages, notices, shopper messages written while a person was involved) merged
//! into one list in the order they happened, with the highest live sequence number included
//! (`live_seq`), so the widget resumes its socket after it: nothing twice, nothing lost.
//!
//! Owns: the merge — order, de-duplication, the window both lists cover, what the shopper
//! may see of the live log. Must not depend on: worker.

use crate::handoff::Notice;
use crate::live::{Author, Entry, Role};
use serde::Serialize;

/// One message of the stored transcript, as the shell loaded it (oldest first): `message` is
/// what the answer carries (the stored message with its blocks), the rest is what the merge
/// needs to place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcribed<T> {
    /// When it was written (ms).
    pub created_at_ms: u64,
    /// The shopper's idempotency key (user messages only).
    pub client_message_id: Option<String>,
    /// The message as sent.
    pub message: T,
}

/// Who wrote a live entry, in the transcript's words (`user` is the shopper).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveRole {
    /// The shopper.
    User,
    /// A staff member.
    Staff,
    /// A notice (state change).
    System,
    /// The assistant (not written to the live log today; kept for completeness).
    Assistant,
}

impl From<Author> for LiveRole {
    fn from(author: Author) -> Self {
        match author {
            Author::Shopper => LiveRole::User,
            Author::Staff => LiveRole::Staff,
            Author::System => LiveRole::System,
            Author::Assistant => LiveRole::Assistant,
        }
    }
}

/// A live entry in the history: the fields of a transcript message (`id`, `role`, `text`,
/// `status`, `created_at_ms`) so a client that reads messages reads it too, plus its `seq`,
/// the staff member's `name`, and for a notice its name (`notice`) and `minutes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiveMessage {
    /// `m_live-<seq>` (the id the chat stream's `start` gives a diverted shopper message).
    pub id: String,
    /// Its sequence number in the live log.
    pub seq: u64,
    /// Who wrote it.
    pub role: LiveRole,
    /// Its text (the English sentence for a notice).
    pub text: String,
    /// Always `complete` (live entries are whole).
    pub status: &'static str,
    /// When it was written (ms).
    pub created_at_ms: u64,
    /// The staff member's display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The notice by name, with its minutes where it has them.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
}

impl LiveMessage {
    fn of(entry: Entry) -> Self {
        LiveMessage {
            id: format!("m_live-{}", entry.seq),
            seq: entry.seq,
            role: entry.author.into(),
            text: entry.text,
            status: "complete",
            created_at_ms: entry.at_ms,
            name: entry.name,
            notice: entry.notice,
        }
    }
}

/// One message of the history: from the transcript or from the live log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HistoryMessage<T> {
    /// A stored chat message (shopper or assistant).
    Transcript(T),
    /// A live entry the shopper may see.
    Live(LiveMessage),
}

/// The answer of `GET /v1/conversation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History<T> {
    /// The conversation id.
    pub conversation_id: String,
    /// Transcript and live entries, in the order they happened.
    pub messages: Vec<HistoryMessage<T>>,
    /// The highest live `seq` the answer covers (0: none): the live socket resumes after it.
    pub live_seq: u64,
}

/// Merges the transcript (oldest first; `transcript_full`: the store's row limit was hit, so
/// older messages exist) with the live log (in `seq` order; `live_full`: likewise).
///
/// - Internal notes are left out (never shown to the shopper).
/// - A shopper entry whose `client_id` is also a transcript message's `client_message_id`
///   (one message sent twice: once answered, once diverted) is listed once, as the transcript
///   message.
/// - Each list keeps its own order; between them, earlier `created_at_ms`/`at_ms` first and,
///   at the same millisecond, the transcript first.
/// - When a list was cut at its limit, whatever the other list holds from before the cut is
///   left out too, so the answer is one unbroken stretch of the conversation.
/// - `live_seq` is the highest `seq` of `live` (notes and duplicates included: the socket
///   would not show them either).
pub fn merge<T>(
    conversation_id: String,
    transcript: Vec<Transcribed<T>>,
    transcript_full: bool,
    live: Vec<Entry>,
    live_full: bool,
) -> History<T> {
    let live_seq = live.iter().map(|e| e.seq).max().unwrap_or(0);
    let cut = |full: bool, first: Option<u64>| if full { first } else { None };
    let from_ms = cut(transcript_full, transcript.first().map(|m| m.created_at_ms))
        .max(cut(live_full, live.first().map(|e| e.at_ms)))
        .unwrap_or(0);
    let live: Vec<Entry> = live
        .into_iter()
        .filter(|e| e.visible_to(Role::Shopper) && e.at_ms >= from_ms)
        .filter(|e| {
            e.author != Author::Shopper
                || e.client_id.as_deref().is_none_or(|id| {
                    !transcript
                        .iter()
                        .any(|m| m.client_message_id.as_deref() == Some(id))
                })
        })
        .collect();
    let mut messages = Vec::with_capacity(transcript.len() + live.len());
    let mut live = live.into_iter().peekable();
    for message in transcript
        .into_iter()
        .filter(|m| m.created_at_ms >= from_ms)
    {
        while let Some(entry) = live.next_if(|e| e.at_ms < message.created_at_ms) {
            messages.push(HistoryMessage::Live(LiveMessage::of(entry)));
        }
        messages.push(HistoryMessage::Transcript(message.message));
    }
    messages.extend(live.map(|e| HistoryMessage::Live(LiveMessage::of(e))));
    History {
        conversation_id,
        messages,
        live_seq,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn said(at: u64, text: &'static str, client: Option<&str>) -> Transcribed<&'static str> {
        Transcribed {
            created_at_ms: at,
            client_message_id: client.map(String::from),
            message: text,
        }
    }

    fn live(seq: u64, at: u64, author: Author, text: &str) -> Entry {
        Entry {
            seq,
            author,
            client_id: None,
            text: text.into(),
            internal: false,
            name: None,
            notice: None,
            at_ms: at,
        }
    }

    /// The texts in order, live ones marked with their role.
    fn order(history: &History<&'static str>) -> Vec<String> {
        history
            .messages
            .iter()
            .map(|m| match m {
                HistoryMessage::Transcript(t) => (*t).to_owned(),
                HistoryMessage::Live(l) => format!("{:?}:{}", l.role, l.text),
            })
            .collect()
    }

    #[test]
    fn live_entries_sit_between_the_ai_turns_they_happened_between() {
        let transcript = vec![
            said(10, "q1", Some("c1")),
            said(11, "a1", None),
            said(50, "q2", Some("c2")),
            said(51, "a2", None),
        ];
        let mut joined = live(2, 30, Author::System, "A person joined");
        joined.notice = Some(Notice::PersonJoined);
        let entries = vec![
            live(1, 20, Author::System, "A person will reply"),
            joined,
            live(3, 31, Author::Staff, "Hi, Sam here"),
            live(4, 32, Author::Shopper, "my parcel"),
            live(5, 40, Author::System, "The assistant answers again"),
            live(6, 60, Author::Staff, "one more thing"),
        ];
        let history = merge("c_1".into(), transcript, false, entries, false);
        assert_eq!(
            order(&history),
            [
                "q1",
                "a1",
                "System:A person will reply",
                "System:A person joined",
                "Staff:Hi, Sam here",
                "User:my parcel",
                "System:The assistant answers again",
                "q2",
                "a2",
                "Staff:one more thing",
            ]
        );
        assert_eq!(history.live_seq, 6);
    }

    #[test]
    fn notes_are_never_listed_but_count_toward_live_seq() {
        let mut note = live(2, 5, Author::Staff, "VIP");
        note.internal = true;
        let history = merge(
            "c".into(),
            vec![said(1, "q", Some("c1"))],
            false,
            vec![live(1, 4, Author::Staff, "hello"), note],
            false,
        );
        assert_eq!(order(&history), ["q", "Staff:hello"]);
        assert_eq!(history.live_seq, 2);
    }

    #[test]
    fn a_diverted_message_also_in_the_transcript_is_listed_once() {
        let mut twice = live(1, 12, Author::Shopper, "where is it?");
        twice.client_id = Some("c1".into());
        let mut other = live(2, 13, Author::Shopper, "hello?");
        other.client_id = Some("c9".into());
        // A staff entry's client id never matches a shopper's message.
        let mut staff = live(3, 14, Author::Staff, "hi");
        staff.client_id = Some("c1".into());
        let history = merge(
            "c".into(),
            vec![said(10, "where is it?", Some("c1")), said(11, "a", None)],
            false,
            vec![twice, other, staff],
            false,
        );
        assert_eq!(
            order(&history),
            ["where is it?", "a", "User:hello?", "Staff:hi"]
        );
        assert_eq!(
            history.live_seq, 3,
            "the socket resumes after the duplicate"
        );
    }

    #[test]
    fn at_the_same_millisecond_the_transcript_comes_first_and_each_list_keeps_its_order() {
        let history = merge(
            "c".into(),
            vec![said(5, "q", Some("c1")), said(5, "a", None)],
            false,
            vec![
                live(1, 5, Author::System, "n1"),
                live(2, 5, Author::Staff, "s2"),
            ],
            false,
        );
        assert_eq!(order(&history), ["q", "a", "System:n1", "Staff:s2"]);
    }

    #[test]
    fn a_list_cut_at_its_limit_cuts_the_other_to_the_same_stretch() {
        let transcript = vec![said(100, "q", Some("c1")), said(101, "a", None)];
        let entries = vec![
            live(1, 50, Author::Staff, "older than the transcript's window"),
            live(2, 150, Author::Staff, "inside"),
        ];
        let cut = merge("c".into(), transcript.clone(), true, entries.clone(), false);
        assert_eq!(order(&cut), ["q", "a", "Staff:inside"]);
        assert_eq!(cut.live_seq, 2);
        let whole = merge(
            "c".into(),
            transcript.clone(),
            false,
            entries.clone(),
            false,
        );
        assert_eq!(whole.messages.len(), 4, "nothing cut: everything listed");
        let live_cut = merge("c".into(), transcript, false, entries[1..].to_vec(), true);
        assert_eq!(order(&live_cut), ["Staff:inside"]);
    }

    #[test]
    fn nothing_live_is_live_seq_zero() {
        let history = merge(
            "c".into(),
            vec![said(1, "q", Some("c1"))],
            false,
            vec![],
            false,
        );
        assert_eq!(history.live_seq, 0);
        assert_eq!(order(&history), ["q"]);
        let empty: History<&'static str> = merge("c".into(), vec![], false, vec![], false);
        assert!(empty.messages.is_empty());
    }

    #[test]
    fn the_json_carries_seq_role_name_and_the_notice_by_name() {
        let mut waiting = live(
            1,
            20,
            Author::System,
            "A person will reply — usually within 7 minutes.",
        );
        waiting.notice = Some(Notice::PersonWillReply { minutes: 7 });
        let mut staff = live(2, 21, Author::Staff, "Hi");
        staff.name = Some("Sam".into());
        let mut shopper = live(3, 22, Author::Shopper, "Hello");
        shopper.client_id = Some("c2".into());
        let history = merge(
            "c_9".into(),
            vec![said(10, "q", Some("c1"))],
            false,
            vec![waiting, staff, shopper],
            false,
        );
        let value = serde_json::to_value(&history).unwrap();
        assert_eq!(
            value,
            json!({
                "conversation_id": "c_9",
                "live_seq": 3,
                "messages": [
                    "q",
                    {"id": "m_live-1", "seq": 1, "role": "system", "status": "complete",
                     "text": "A person will reply — usually within 7 minutes.", "created_at_ms": 20,
                     "notice": "person_will_reply", "minutes": 7},
                    {"id": "m_live-2", "seq": 2, "role": "staff", "status": "complete",
                     "text": "Hi", "created_at_ms": 21, "name": "Sam"},
                    {"id": "m_live-3", "seq": 3, "role": "user", "status": "complete",
                     "text": "Hello", "created_at_ms": 22},
                ]
            })
        );
    }
}
