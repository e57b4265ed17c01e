//! The analytics summary of `GET /v1/admin/tenants/{id}/analytics` (docs/API.md), computed
//! from telemetry rows the shell reads from storage.
//!
//! Owns: which numbers the summary holds and how each is computed — distinct conversations,
//! message and answer counts, time-to-first-token percentiles (nearest rank), token and cost
//! sums, error rate, feedback counts and the per-UTC-day series. The range is half-open,
//! `[from_ms, to_ms)`, like the shell's query; rows outside it are ignored. Days come from
//! [`crate::retention::day_string`].

use crate::retention::{day_index, day_string, DAY_MS};

pub mod handoff;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One answer's telemetry row (`usage_events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    /// The conversation the answer belongs to.
    pub conversation_id: String,
    /// When the answer was recorded, Unix milliseconds.
    pub created_at_ms: u64,
    /// Time to first token, when a token arrived.
    pub ttft_ms: Option<u64>,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Cost estimate in millionths of a US dollar; `None` for unpriced models (counted as 0).
    pub cost_micro_usd: Option<u64>,
    /// `complete`, `stopped` or `interrupted`.
    pub outcome: String,
    /// The error code when the answer failed.
    pub error_code: Option<String>,
    /// Prices in a model's reply that matched no product card shown with it (a possible
    /// hallucination); `None` when the reply was not checked (no cards, or no model).
    pub unmatched_prices: Option<u64>,
}

/// The summary, serialised exactly as docs/API.md shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Start of the range (inclusive), Unix milliseconds.
    pub from_ms: u64,
    /// End of the range (exclusive), Unix milliseconds.
    pub to_ms: u64,
    /// Distinct conversations with at least one answer in the range.
    pub conversations: u64,
    /// Every message: the shopper's messages plus the answers.
    pub messages: u64,
    /// Answers (telemetry rows).
    pub answers: u64,
    /// Time-to-first-token percentiles.
    pub ttft_ms: Ttft,
    /// Token sums.
    pub tokens: Tokens,
    /// Sum of cost estimates in US dollars.
    pub cost_usd: f64,
    /// Answers with an error code ÷ answers; 0 without answers.
    pub error_rate: f64,
    /// Thumbs up and down given in the range.
    pub feedback: Feedback,
    /// One entry per UTC day that has answers, oldest first.
    pub daily: Vec<Day>,
    /// CSAT, handoff rate, AI resolution rate and human first-response time
    /// ([`handoff::summarize`]; the shell fills it in).
    pub handoff: handoff::HandoffSummary,
    /// The reply price check of answers with product cards.
    pub price_check: PriceCheck,
}

/// The check of model replies against the product cards shown with them
/// (`catalog::reply::unmatched_prices`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct PriceCheck {
    /// Answers whose text was checked (a model's answer shown with product cards).
    pub checked: u64,
    /// Checked answers naming at least one price no shown product has.
    pub answers_with_unmatched: u64,
    /// Such prices in all.
    pub unmatched_prices: u64,
}

/// Nearest-rank percentiles of time to first token, over answers that have one; `null` when
/// none has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ttft {
    /// Median.
    pub p50: Option<u64>,
    /// 95th percentile.
    pub p95: Option<u64>,
}

/// Token sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Tokens {
    /// Prompt tokens.
    pub prompt: u64,
    /// Completion tokens.
    pub completion: u64,
}

/// Feedback counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Feedback {
    /// Thumbs up.
    pub up: u64,
    /// Thumbs down.
    pub down: u64,
}

/// One UTC day of the series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// Distinct conversations with an answer that day.
    pub conversations: u64,
    /// Answers that day.
    pub answers: u64,
    /// Answers with an error code that day.
    pub errors: u64,
}

/// The nearest-rank percentile `p` (in percent, 0–100; clamped) of ascending `sorted` data:
/// the smallest value such that at least `p`% of the data is ≤ it. Always a member of the
/// data; `None` when it is empty.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
    // Rank in 1..=n; `as` saturates, and the clamp keeps p = 0 at the first value.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[derive(Default)]
struct DayTally<'a> {
    conversations: BTreeSet<&'a str>,
    answers: u64,
    errors: u64,
}

/// Summarises the answers recorded in `[from_ms, to_ms)` plus the counts the shell read for
/// the same range: the shopper's messages and the feedback given.
pub fn summarize(
    from_ms: u64,
    to_ms: u64,
    rows: &[AnswerRow],
    user_messages: u64,
    feedback_up: u64,
    feedback_down: u64,
) -> Summary {
    let mut conversations = BTreeSet::new();
    let mut ttfts = Vec::new();
    let mut tokens = Tokens {
        prompt: 0,
        completion: 0,
    };
    let mut cost_micro_usd = 0u64;
    let mut answers = 0u64;
    let mut errors = 0u64;
    let mut days: BTreeMap<u64, DayTally<'_>> = BTreeMap::new();
    let mut price_check = PriceCheck::default();
    for row in rows
        .iter()
        .filter(|row| (from_ms..to_ms).contains(&row.created_at_ms))
    {
        answers += 1;
        conversations.insert(row.conversation_id.as_str());
        ttfts.extend(row.ttft_ms);
        tokens.prompt = tokens.prompt.saturating_add(row.prompt_tokens);
        tokens.completion = tokens.completion.saturating_add(row.completion_tokens);
        cost_micro_usd = cost_micro_usd.saturating_add(row.cost_micro_usd.unwrap_or(0));
        if let Some(unmatched) = row.unmatched_prices {
            price_check.checked += 1;
            price_check.answers_with_unmatched += u64::from(unmatched > 0);
            price_check.unmatched_prices = price_check.unmatched_prices.saturating_add(unmatched);
        }
        let failed = row.error_code.is_some();
        errors += u64::from(failed);
        let day = days.entry(day_index(row.created_at_ms)).or_default();
        day.conversations.insert(row.conversation_id.as_str());
        day.answers += 1;
        day.errors += u64::from(failed);
    }
    ttfts.sort_unstable();
    Summary {
        from_ms,
        to_ms,
        conversations: conversations.len() as u64,
        messages: user_messages.saturating_add(answers),
        answers,
        ttft_ms: Ttft {
            p50: percentile(&ttfts, 50.0),
            p95: percentile(&ttfts, 95.0),
        },
        tokens,
        cost_usd: cost_micro_usd as f64 / 1e6,
        error_rate: if answers == 0 {
            0.0
        } else {
            errors as f64 / answers as f64
        },
        feedback: Feedback {
            up: feedback_up,
            down: feedback_down,
        },
        daily: days
            .into_iter()
            .map(|(index, tally)| Day {
                day: day_string(index * DAY_MS),
                conversations: tally.conversations.len() as u64,
                answers: tally.answers,
                errors: tally.errors,
            })
            .collect(),
        handoff: handoff::HandoffSummary::default(),
        price_check,
    }
}
