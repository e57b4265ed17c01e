//! The handoff part of the analytics summary (issue 14): CSAT, handoff rate, AI resolution
//! rate and the human first-response time, from rows the shell reads for the range.
//!
//! Definitions (docs/API.md):
//! - `handoff_rate`: conversations handed to a person in the range ÷ conversations active in
//!   the range (an answer or a handoff request in it).
//! - `ai_resolution_rate`: of the conversations the assistant answered in the range, those
//!   with no handoff, no thumbs-down and no return within 72 h (the shopper writing again
//!   at least 30 minutes and at most 72 hours after an earlier message: a second visit).
//! - `human_first_response_ms`: from a handoff request to the first staff message, nearest
//!   rank p50 and p95, over requests that got one.

use super::percentile;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A gap between a shopper's messages that counts as coming back.
pub const RETURN_MIN_GAP_MS: u64 = 30 * 60 * 1000;
/// The window of "no return within 72 h".
pub const RETURN_WINDOW_MS: u64 = 72 * 60 * 60 * 1000;

/// One handoff request (`conversation_handoff`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRow {
    /// The conversation.
    pub conversation_id: String,
    /// When a person was asked for.
    pub requested_at_ms: u64,
    /// The first staff message after it, if any.
    pub first_response_at_ms: Option<u64>,
}

/// What the shell read for the range, besides the answers.
#[derive(Debug, Clone, Default)]
pub struct HandoffInput {
    /// Conversations with an answer in the range.
    pub answered: BTreeSet<String>,
    /// Handoff requests in the range.
    pub handoffs: Vec<HandoffRow>,
    /// Ratings given in the range.
    pub ratings: Vec<u8>,
    /// Conversations with a thumbs-down in the range.
    pub thumbs_down: BTreeSet<String>,
    /// `(conversation, time)` of the shopper's messages in the range and up to 72 h after it.
    pub shopper_messages: Vec<(String, u64)>,
}

/// CSAT.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Csat {
    /// Ratings given.
    pub count: u64,
    /// Their mean (1–5); `null` without ratings.
    pub average: Option<f64>,
}

/// Time from a handoff request to the first staff message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct FirstResponse {
    /// Requests answered by a person.
    pub count: u64,
    /// Median (ms).
    pub p50: Option<u64>,
    /// 95th percentile (ms).
    pub p95: Option<u64>,
}

/// The handoff part of the summary (`handoff` in the analytics answer).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct HandoffSummary {
    /// Ratings.
    pub csat: Csat,
    /// Conversations handed to a person.
    pub handoffs: u64,
    /// Handed-off conversations ÷ active conversations (0 without any).
    pub handoff_rate: f64,
    /// Answered conversations resolved by the assistant alone ÷ answered conversations.
    pub ai_resolution_rate: f64,
    /// Human first-response time.
    pub human_first_response_ms: FirstResponse,
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Computes the handoff summary.
pub fn summarize(input: &HandoffInput) -> HandoffSummary {
    let handed: BTreeSet<&str> = input
        .handoffs
        .iter()
        .map(|h| h.conversation_id.as_str())
        .collect();
    let active: BTreeSet<&str> = input
        .answered
        .iter()
        .map(String::as_str)
        .chain(handed.iter().copied())
        .collect();
    let mut by_conversation: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (c, at) in &input.shopper_messages {
        by_conversation.entry(c.as_str()).or_default().push(*at);
    }
    let returned = |c: &str| {
        by_conversation.get(c).is_some_and(|times| {
            let mut times = times.clone();
            times.sort_unstable();
            times
                .windows(2)
                .any(|w| (RETURN_MIN_GAP_MS..=RETURN_WINDOW_MS).contains(&(w[1] - w[0])))
        })
    };
    let resolved = input
        .answered
        .iter()
        .filter(|c| !handed.contains(c.as_str()) && !input.thumbs_down.contains(*c) && !returned(c))
        .count();
    let mut waits: Vec<u64> = input
        .handoffs
        .iter()
        .filter_map(|h| {
            h.first_response_at_ms
                .map(|r| r.saturating_sub(h.requested_at_ms))
        })
        .collect();
    waits.sort_unstable();
    let ratings: Vec<u64> = input
        .ratings
        .iter()
        .filter(|r| (1..=5).contains(*r))
        .map(|r| u64::from(*r))
        .collect();
    HandoffSummary {
        csat: Csat {
            count: ratings.len() as u64,
            average: (!ratings.is_empty())
                .then(|| ratings.iter().sum::<u64>() as f64 / ratings.len() as f64),
        },
        handoffs: handed.len() as u64,
        handoff_rate: ratio(handed.len(), active.len()),
        ai_resolution_rate: ratio(resolved, input.answered.len()),
        human_first_response_ms: FirstResponse {
            count: waits.len() as u64,
            p50: percentile(&waits, 50.0),
            p95: percentile(&waits, 95.0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 60 * 60 * 1000;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_rates_follow_their_documented_definitions() {
        let input = HandoffInput {
            // a: resolved; b: handed off; c: thumbs-down; d: came back 2 h later;
            // e: wrote twice within a minute (same visit: still resolved).
            answered: set(&["a", "b", "c", "d", "e"]),
            handoffs: vec![
                HandoffRow {
                    conversation_id: "b".into(),
                    requested_at_ms: 1_000,
                    first_response_at_ms: Some(61_000),
                },
                HandoffRow {
                    conversation_id: "x".into(),
                    requested_at_ms: 5_000,
                    first_response_at_ms: None,
                },
            ],
            ratings: vec![5, 4, 3],
            thumbs_down: set(&["c"]),
            shopper_messages: vec![
                ("d".into(), 0),
                ("d".into(), 2 * H),
                ("e".into(), 0),
                ("e".into(), 60_000),
                ("a".into(), 0),
                ("a".into(), 80 * H),
            ],
        };
        let s = summarize(&input);
        assert_eq!(
            s.csat,
            Csat {
                count: 3,
                average: Some(4.0)
            }
        );
        assert_eq!(s.handoffs, 2);
        // Active: a b c d e x = 6; handed off: b x.
        assert!((s.handoff_rate - 2.0 / 6.0).abs() < 1e-9, "{s:?}");
        // Resolved: a (its return came after 72 h) and e, of 5 answered.
        assert!((s.ai_resolution_rate - 2.0 / 5.0).abs() < 1e-9, "{s:?}");
        assert_eq!(
            s.human_first_response_ms,
            FirstResponse {
                count: 1,
                p50: Some(60_000),
                p95: Some(60_000)
            }
        );
    }

    #[test]
    fn nothing_in_the_range_is_all_zero_and_null() {
        let s = summarize(&HandoffInput::default());
        assert_eq!(s, HandoffSummary::default());
        assert_eq!(s.csat.average, None);
    }
}
