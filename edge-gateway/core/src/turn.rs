//! A chat turn is idempotent on the shopper's `client_message_id` (SPEC §5).
//!
//! The widget resends a message when it did not see the answer end (a flaky network, a
//! reload). Storing the user message is already idempotent; this module decides what a
//! resend gets, from what storage holds for that id: a completed answer is replayed as a
//! stream (no model call, no usage row), an answer still being written is a `409` the client
//! may retry, and the same id with other text is a `409` that is not retryable — the id names
//! one message, never two. A resend of an answer that was cut, stopped or abandoned is
//! answered again, for the same stored message.

use crate::prompt::{trim_history, HistoryTurn, HISTORY_BUDGET_TOKENS};
use crate::responder;
use crate::Error;
use shopkeep_protocol::{Block, ErrorCode, FinishReason, MessageStatus, StreamEvent, Usage};

/// How long after its user message an unanswered turn counts as still being answered. Past
/// this, a worker that died mid-answer must not block the shopper's retry forever. It is
/// longer than the relay's total-duration cap and the concurrency lease.
pub const IN_FLIGHT_MS: u64 = 5 * 60_000;

/// The latest stored answer to a user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// Message id of the answer.
    pub id: String,
    /// Its stored text.
    pub text: String,
    /// How it ended.
    pub status: MessageStatus,
    /// The blocks shown with it (product cards, order cards, sources), in the order they
    /// were shown; empty when it had none.
    pub blocks: Vec<Block>,
}

/// What storage holds for a client message id after the insert-or-keep of a new turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTurn {
    /// Id of the stored user message.
    pub user_message_id: String,
    /// Its stored text (the storage form, after the tenant's redaction).
    pub text: String,
    /// When it was stored.
    pub created_at_ms: u64,
    /// The latest answer to it, if any was stored.
    pub answer: Option<StoredAnswer>,
}

/// What to do with a chat request, given its stored turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnStart {
    /// A new message: answer it.
    New,
    /// A resend of a message whose earlier answer did not complete: answer it again.
    Retry,
    /// A resend of a completed turn: replay this answer.
    Replay(StoredAnswer),
}

/// Decides a turn. `inserted_id` is the id this request tried to store its message under:
/// when storage kept that id, the message is new. `stored_form` is the storage form of this
/// request's text. `earlier_ended`: the tenant's object saw the earlier turn of this id end
/// (its lease released) — an unanswered one then failed (e.g. storing its answer did) and is
/// answered again at once instead of waiting out [`IN_FLIGHT_MS`].
pub fn decide(
    stored: StoredTurn,
    inserted_id: &str,
    stored_form: &str,
    now_ms: u64,
    earlier_ended: bool,
) -> Result<TurnStart, Error> {
    if stored.user_message_id == inserted_id {
        return Ok(TurnStart::New);
    }
    if stored.text != stored_form {
        return Err(Error::code(ErrorCode::MessageIdReused));
    }
    match stored.answer {
        Some(answer) if answer.status == MessageStatus::Complete => Ok(TurnStart::Replay(answer)),
        Some(_) => Ok(TurnStart::Retry),
        None if earlier_ended => Ok(TurnStart::Retry),
        None if now_ms.saturating_sub(stored.created_at_ms) < IN_FLIGHT_MS => {
            Err(Error::code(ErrorCode::TurnInProgress))
        }
        None => Ok(TurnStart::Retry),
    }
}

/// Whether an upstream request started early — with the history hint of the tenant's object,
/// while D1 was still storing the message — may answer this turn: only a new message, and only
/// when the hint gives the prompt exactly the history D1 gives it (after the same trimming).
/// Otherwise the early request is aborted and the turn asks again with D1's history.
pub fn early_request_usable(
    start: &TurnStart,
    hint: &[HistoryTurn],
    stored: &[HistoryTurn],
) -> bool {
    *start == TurnStart::New
        && trim_history(hint, HISTORY_BUDGET_TOKENS) == trim_history(stored, HISTORY_BUDGET_TOKENS)
}

/// The events that replay a completed turn: the same ids, the stored blocks and text, no
/// usage spent. The blocks come in one `blocks` event before the text: the first stream sent
/// them as its tools answered (before the answer's text, or the sources after a built-in
/// answer), and a client appends blocks to the message in arrival order, apart from its
/// text, so the replayed message shows the same cards, order cards and sources in the same
/// order.
pub fn replay(user_message_id: &str, answer: StoredAnswer) -> Vec<StreamEvent> {
    let mut events = vec![StreamEvent::Start {
        user_message_id: user_message_id.to_owned(),
        message_id: answer.id.clone(),
    }];
    if !answer.blocks.is_empty() {
        events.push(StreamEvent::Blocks {
            blocks: answer.blocks,
        });
    }
    events.extend(
        responder::stream_chunks(&answer.text)
            .into_iter()
            .map(|text| StreamEvent::Delta { text }),
    );
    events.push(StreamEvent::Done {
        message_id: answer.id,
        finish: FinishReason::Complete,
        usage: Usage::default(),
    });
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(answer: Option<(MessageStatus, &str)>) -> StoredTurn {
        StoredTurn {
            user_message_id: "m_first".into(),
            text: "Where is my parcel?".into(),
            created_at_ms: 1_000,
            answer: answer.map(|(status, text)| StoredAnswer {
                id: "m_answer".into(),
                text: text.into(),
                status,
                blocks: Vec::new(),
            }),
        }
    }

    fn code(result: Result<TurnStart, Error>) -> ErrorCode {
        result.expect_err("an error").error_code()
    }

    #[test]
    fn a_message_stored_under_this_requests_id_is_new() {
        let mut stored = turn(None);
        stored.user_message_id = "m_mine".into();
        let start = decide(stored, "m_mine", "Where is my parcel?", 2_000, false).unwrap();
        assert_eq!(start, TurnStart::New);
    }

    #[test]
    fn resend_answered_twice_a_completed_turn_is_replayed() {
        let stored = turn(Some((MessageStatus::Complete, "On its way.")));
        let start = decide(stored, "m_other", "Where is my parcel?", 2_000, false).unwrap();
        let TurnStart::Replay(answer) = start else {
            panic!("expected a replay, got {start:?}")
        };
        assert_eq!(answer.text, "On its way.");
    }

    #[test]
    fn resend_with_other_text_is_refused_whatever_the_answer() {
        for answer in [None, Some((MessageStatus::Complete, "x"))] {
            let result = decide(turn(answer), "m_other", "Cancel my order", 2_000, false);
            assert_eq!(code(result), ErrorCode::MessageIdReused);
        }
    }

    #[test]
    fn a_resend_while_the_answer_is_being_written_is_in_progress() {
        let result = decide(
            turn(None),
            "m_other",
            "Where is my parcel?",
            1_000 + 30_000,
            false,
        );
        assert_eq!(code(result), ErrorCode::TurnInProgress);
        assert!(ErrorCode::TurnInProgress.retryable());
        assert!(!ErrorCode::MessageIdReused.retryable());
    }

    #[test]
    fn an_abandoned_turn_is_answered_again_after_the_in_flight_window() {
        let start = decide(
            turn(None),
            "m_other",
            "Where is my parcel?",
            1_000 + IN_FLIGHT_MS,
            false,
        );
        assert_eq!(start.unwrap(), TurnStart::Retry);
    }

    #[test]
    fn resend_after_a_lost_answer_write_is_answered_again_not_in_progress() {
        // Storage failed while the answer was being stored; the turn's lease was released, so
        // the object knows it ended: the shopper's retry is answered, not told to wait.
        let start = decide(turn(None), "m_other", "Where is my parcel?", 2_000, true);
        assert_eq!(start.unwrap(), TurnStart::Retry);
    }

    #[test]
    fn an_early_request_is_used_only_for_a_new_message_whose_hint_matches_storage() {
        use shopkeep_protocol::MessageRole;
        let t = |role, text: &str| HistoryTurn {
            role,
            text: text.into(),
        };
        let stored = vec![
            t(MessageRole::User, "hi"),
            t(MessageRole::Assistant, "hello"),
        ];
        assert!(early_request_usable(&TurnStart::New, &stored, &stored));
        assert!(early_request_usable(&TurnStart::New, &[], &[]));
        // The object forgot the conversation (evicted), or missed a turn: D1 wins.
        assert!(!early_request_usable(&TurnStart::New, &[], &stored));
        assert!(!early_request_usable(
            &TurnStart::New,
            &stored[..1],
            &stored
        ));
        // After an erase the hint may hold erased text that D1 no longer has.
        assert!(!early_request_usable(&TurnStart::New, &stored, &[]));
        assert!(!early_request_usable(&TurnStart::Retry, &stored, &stored));
        // Older turns beyond the prompt's budget do not matter.
        let mut longer = vec![
            t(MessageRole::User, &"old ".repeat(4000)),
            t(MessageRole::Assistant, "ok"),
        ];
        longer.extend(stored.clone());
        assert!(early_request_usable(&TurnStart::New, &stored, &longer));
    }

    #[test]
    fn cut_or_stopped_answers_are_answered_again() {
        for status in [MessageStatus::Interrupted, MessageStatus::Stopped] {
            let start = decide(
                turn(Some((status, "Half"))),
                "m_other",
                "Where is my parcel?",
                2_000,
                false,
            );
            assert_eq!(start.unwrap(), TurnStart::Retry);
        }
    }

    fn source(title: &str) -> Block {
        Block::Sources {
            sources: vec![shopkeep_protocol::Source {
                title: title.into(),
                url: Some(format!("https://shop.example/{title}")),
            }],
        }
    }

    /// Regression (resend_replays_blocks): a resend of a completed turn replayed only the
    /// text; the cards and sources the first stream showed went missing.
    #[test]
    fn a_replayed_answer_carries_its_blocks_in_order_before_its_text() {
        let blocks = vec![source("returns"), source("shipping")];
        let answer = StoredAnswer {
            id: "m_answer".into(),
            text: "Returns are free within 30 days.".into(),
            status: MessageStatus::Complete,
            blocks: blocks.clone(),
        };
        let events = replay("m_first", answer);
        assert_eq!(
            events[0],
            StreamEvent::Start {
                user_message_id: "m_first".into(),
                message_id: "m_answer".into(),
            }
        );
        assert_eq!(events[1], StreamEvent::Blocks { blocks });
        let text: String = events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Delta { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text, "Returns are free within 30 days.");
        assert!(matches!(
            events.last(),
            Some(StreamEvent::Done { message_id, finish: FinishReason::Complete, usage })
                if message_id == "m_answer" && *usage == Usage::default()
        ));
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, StreamEvent::Blocks { .. }))
                .count(),
            1
        );
    }

    #[test]
    fn a_replayed_answer_without_blocks_sends_no_blocks_event() {
        let answer = StoredAnswer {
            id: "m_answer".into(),
            text: "Hello.".into(),
            status: MessageStatus::Complete,
            blocks: Vec::new(),
        };
        let events = replay("m_first", answer);
        assert!(!events
            .iter()
            .any(|e| matches!(e, StreamEvent::Blocks { .. })));
        assert_eq!(events.len(), 3, "start, one delta, done: {events:?}");
    }
}
