//! The last turns of each active conversation, kept in the tenant's object as a *hint*.
//!
//! Every chat turn already asks the tenant's object for admission; answering with the
//! conversation's recent turns lets the gateway build the prompt and start the upstream
//! request while the user message is still being written to D1 (one D1 round trip off the
//! time to the first token). D1 stays the truth: the shell compares the hint with the history
//! D1 returns and, on any difference, drops the early request and asks again with D1's
//! history (see `docs/ARCHITECTURE.md`, phase 3). The hint is memory only — never persisted —
//! bounded per conversation and per tenant, dropped after an idle period, and cleared
//! whenever a conversation is erased or purged, so erased text never reaches a prompt.

use crate::prompt::{trim_history, HistoryTurn, HISTORY_BUDGET_TOKENS};
use serde::{Deserialize, Serialize};
use shopkeep_protocol::MessageRole;
use std::collections::HashMap;

/// Conversations remembered per tenant; the least recently used go first beyond this.
pub(super) const MAX_CONVERSATIONS: usize = 2_000;
/// A conversation's hint is dropped after this long without a turn.
pub(super) const IDLE_MS: u64 = 30 * 60_000;

/// One finished turn, reported when its lease is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnRecord {
    /// The conversation.
    pub conversation: String,
    /// The shopper's message as stored.
    pub user: String,
    /// The answer as stored, when it completed (cut or stopped answers are not history).
    pub assistant: Option<String>,
    /// The conversation's history before this turn as D1 gave it, when the hint did not
    /// match: the hint is rebuilt from it instead of appended to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resync: Option<Vec<HistoryTurn>>,
}

/// Client message ids remembered per conversation (resends are recognised among these).
pub(super) const MAX_IDS: usize = 64;

/// What the object knows of a client message id when a turn is admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sent {
    /// Not seen (new, or the object forgot it).
    #[default]
    New,
    /// Seen, and its earlier turn still holds its lease: it is being answered.
    InFlight,
    /// Seen, and its earlier turn has ended (answered, failed or cut).
    Finished,
}

/// The recent turns of a tenant's conversations, and the client message ids sent in them
/// (with whether their turn is still running).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentTurns {
    conversations: HashMap<String, (u64, Vec<HistoryTurn>)>,
    ids: HashMap<String, (u64, Vec<(String, bool)>)>,
}

/// Before a new conversation is added to `map` (entries keyed by conversation, stamped with
/// their last use): drops idle entries, then the least recently used one, so at most
/// [`MAX_CONVERSATIONS`] are kept.
fn make_room<V>(map: &mut HashMap<String, (u64, V)>, conversation: &str, now_ms: u64) {
    if map.len() < MAX_CONVERSATIONS || map.contains_key(conversation) {
        return;
    }
    map.retain(|_, (at, _)| now_ms.saturating_sub(*at) < IDLE_MS);
    if map.len() >= MAX_CONVERSATIONS {
        let oldest = map
            .iter()
            .min_by_key(|(_, (at, _))| *at)
            .map(|(id, _)| id.clone());
        if let Some(id) = oldest {
            map.remove(&id);
        }
    }
}

impl RecentTurns {
    /// The hint for a conversation: its recent turns, oldest first (empty when unknown or
    /// idle for longer than [`IDLE_MS`]).
    pub fn get(&self, conversation: &str, now_ms: u64) -> Vec<HistoryTurn> {
        match self.conversations.get(conversation) {
            Some((at, turns)) if now_ms.saturating_sub(*at) < IDLE_MS => turns.clone(),
            _ => Vec::new(),
        }
    }

    /// Appends a finished turn, keeping only what a prompt can use (the history budget).
    pub fn record(&mut self, now_ms: u64, turn: TurnRecord) {
        let mut turns = match turn.resync {
            Some(base) => base,
            None => self.get(&turn.conversation, now_ms),
        };
        turns.push(HistoryTurn {
            role: MessageRole::User,
            text: turn.user,
        });
        if let Some(text) = turn.assistant {
            turns.push(HistoryTurn {
                role: MessageRole::Assistant,
                text,
            });
        }
        // Keep twice the prompt's budget: the prompt trims again, and a trim that starts one
        // turn later must still find the same turns.
        let keep = trim_history(&turns, HISTORY_BUDGET_TOKENS * 2).len();
        turns.drain(..turns.len() - keep);
        make_room(&mut self.conversations, &turn.conversation, now_ms);
        self.conversations
            .insert(turn.conversation, (now_ms, turns));
    }

    /// Notes that a turn for a client message id starts; returns what was known of the id
    /// before (a resend must not start its upstream request before D1 decides, and a resend
    /// whose earlier turn ended is answered again rather than refused as in progress).
    pub fn note_id(&mut self, conversation: &str, client_message_id: &str, now_ms: u64) -> Sent {
        make_room(&mut self.ids, conversation, now_ms);
        let (at, ids) = self.ids.entry(conversation.to_owned()).or_default();
        *at = now_ms;
        if let Some((_, running)) = ids.iter_mut().find(|(id, _)| id == client_message_id) {
            let was = if *running {
                Sent::InFlight
            } else {
                Sent::Finished
            };
            *running = true;
            return was;
        }
        if ids.len() >= MAX_IDS {
            ids.remove(0);
        }
        ids.push((client_message_id.to_owned(), true));
        Sent::New
    }

    /// Notes that the turn for a client message id has ended (its lease was released).
    pub fn finished(&mut self, conversation: &str, client_message_id: &str) {
        if let Some((_, ids)) = self.ids.get_mut(conversation) {
            for (id, running) in ids.iter_mut() {
                if id == client_message_id {
                    *running = false;
                }
            }
        }
    }

    /// Forgets everything (after an erase or a retention purge).
    pub fn forget_all(&mut self) {
        self.conversations.clear();
        self.ids.clear();
    }

    /// Conversations remembered.
    pub fn len(&self) -> usize {
        self.conversations.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(conversation: &str, user: &str, assistant: Option<&str>) -> TurnRecord {
        TurnRecord {
            conversation: conversation.into(),
            user: user.into(),
            assistant: assistant.map(Into::into),
            resync: None,
        }
    }

    #[test]
    fn turns_are_remembered_in_order_and_cut_answers_are_not_history() {
        let mut recent = RecentTurns::default();
        recent.record(0, turn("c_1", "hi", Some("hello")));
        recent.record(10, turn("c_1", "ships when?", None));
        let roles: Vec<_> = recent
            .get("c_1", 20)
            .into_iter()
            .map(|t| (t.role, t.text))
            .collect();
        assert_eq!(
            roles,
            vec![
                (MessageRole::User, "hi".into()),
                (MessageRole::Assistant, "hello".into()),
                (MessageRole::User, "ships when?".into())
            ]
        );
        assert!(recent.get("c_2", 20).is_empty());
    }

    #[test]
    fn a_resync_replaces_a_stale_hint_with_the_stored_history() {
        let mut recent = RecentTurns::default();
        recent.record(0, turn("c_1", "stale", None));
        let base = vec![HistoryTurn {
            role: MessageRole::User,
            text: "from D1".into(),
        }];
        let mut t = turn("c_1", "now", Some("answer"));
        t.resync = Some(base);
        recent.record(1, t);
        let texts: Vec<String> = recent.get("c_1", 2).into_iter().map(|t| t.text).collect();
        assert_eq!(texts, ["from D1", "now", "answer"]);
    }

    #[test]
    fn a_client_message_id_seen_before_is_a_resend_in_flight_or_finished() {
        let mut recent = RecentTurns::default();
        assert_eq!(recent.note_id("c_1", "m_a", 0), Sent::New);
        assert_eq!(
            recent.note_id("c_1", "m_a", 1),
            Sent::InFlight,
            "the same id again"
        );
        recent.finished("c_1", "m_a");
        assert_eq!(
            recent.note_id("c_1", "m_a", 2),
            Sent::Finished,
            "its turn ended"
        );
        assert_eq!(
            recent.note_id("c_1", "m_a", 2),
            Sent::InFlight,
            "the retry runs now"
        );
        assert_eq!(
            recent.note_id("c_2", "m_a", 2),
            Sent::New,
            "ids are per conversation"
        );
        for i in 0..MAX_IDS {
            recent.note_id("c_1", &format!("m_{i}"), 3);
        }
        assert_eq!(
            recent.note_id("c_1", "m_a", 4),
            Sent::New,
            "only the last ids are kept"
        );
        recent.forget_all();
        assert_eq!(recent.note_id("c_1", "m_0", 5), Sent::New);
    }

    #[test]
    fn idle_conversations_and_erased_ones_give_no_hint() {
        let mut recent = RecentTurns::default();
        recent.record(0, turn("c_1", "hi", Some("hello")));
        assert!(recent.get("c_1", IDLE_MS).is_empty());
        recent.record(IDLE_MS, turn("c_1", "again", None));
        assert_eq!(
            recent.get("c_1", IDLE_MS + 1).len(),
            1,
            "the idle turns are gone"
        );
        recent.forget_all();
        assert!(recent.get("c_1", IDLE_MS + 1).is_empty());
    }

    #[test]
    fn memory_is_bounded_per_conversation_and_per_tenant() {
        let mut recent = RecentTurns::default();
        let long = "word ".repeat(400);
        for i in 0..50 {
            recent.record(i, turn("c_1", &long, Some(&long)));
        }
        let kept: u32 = recent
            .get("c_1", 60)
            .iter()
            .map(|t| crate::prompt::estimate_tokens(&t.text) + 4)
            .sum();
        assert!(kept <= HISTORY_BUDGET_TOKENS * 2, "{kept} tokens kept");
        for i in 0..(MAX_CONVERSATIONS as u64 + 10) {
            recent.record(100 + i, turn(&format!("c_{i}"), "hi", None));
        }
        assert_eq!(recent.len(), MAX_CONVERSATIONS);
        assert!(
            recent.get("c_1", 100).is_empty(),
            "the least recently used went first"
        );
    }
}
