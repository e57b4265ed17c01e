//! Knowledge gaps: questions the assistant could not answer well, grouped so the shop sees
//! "where is my order / order status / track my order" as one line with a count.
//!
//! Grouping is deliberately simple and explainable: a question becomes its signature (the
//! retrieval tokenizer's terms, de-duplicated and sorted), and joins the most similar group
//! when the term overlap is high enough (Jaccard ≥ 0.5, or every term of the shorter side
//! shared when both have at least two terms). No model, no embeddings: the same question
//! always lands in the same group, and the tests read like the rule.

use serde::{Deserialize, Serialize};

use crate::retrieval::tokenize;

/// Retrieval scores below this mean "no relevant snippet" (BM25, see retrieval.rs). Chosen
/// from the eval set: every expected page scored above it, stray single-word matches below.
pub const RELEVANCE_THRESHOLD: f32 = 1.5;

/// Why a question was recorded as a gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Retrieval found nothing above [`RELEVANCE_THRESHOLD`].
    NoSnippet,
    /// The built-in responder said it does not know.
    DontKnow,
    /// The shopper gave the answer a thumbs-down.
    ThumbsDown,
    /// The conversation was handed to a person (hook for the handoff issue).
    Handoff,
}

impl GapKind {
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::NoSnippet => "no_snippet",
            GapKind::DontKnow => "dont_know",
            GapKind::ThumbsDown => "thumbs_down",
            GapKind::Handoff => "handoff",
        }
    }
}

/// A question's terms, de-duplicated and sorted.
pub fn signature(question: &str) -> Vec<String> {
    let mut terms = tokenize(question);
    terms.sort();
    terms.dedup();
    terms
}

/// The stored form of a signature (space-separated terms).
pub fn key(signature: &[String]) -> String {
    signature.join(" ")
}

/// How alike two signatures are, 0.0…1.0.
pub fn similarity(a: &[String], b: &[String]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let shared = a.iter().filter(|t| b.contains(t)).count() as f32;
    let union = (a.len() + b.len()) as f32 - shared;
    let jaccard = shared / union;
    let smaller = a.len().min(b.len());
    let contained = smaller >= 2 && shared as usize == smaller;
    if contained {
        jaccard.max(0.75)
    } else {
        jaccard
    }
}

/// The least similarity that joins a group.
pub const JOIN_AT: f32 = 0.5;

/// The index of the group (by signature) `question` joins, if any: the most similar one at or
/// above [`JOIN_AT`]; ties go to the earliest group.
pub fn assign(groups: &[Vec<String>], question: &[String]) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for (i, group) in groups.iter().enumerate() {
        let s = similarity(group, question);
        if s >= JOIN_AT && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// Groups `questions` in order (each group keyed by its first question's signature).
/// Returns the question indexes of each group.
pub fn cluster(questions: &[&str]) -> Vec<Vec<usize>> {
    let mut keys: Vec<Vec<String>> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let sig = signature(q);
        match assign(&keys, &sig) {
            Some(g) => groups[g].push(i),
            None => {
                keys.push(sig);
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// Counts per day for the last `days` days ending with the day of `now_ms` (oldest first).
pub fn trend(times_ms: &[u64], now_ms: u64, days: usize) -> Vec<u32> {
    const DAY: u64 = 86_400_000;
    let today = now_ms / DAY;
    let mut counts = vec![0u32; days];
    for t in times_ms {
        let day = t / DAY;
        if day <= today && today - day < days as u64 {
            counts[days - 1 - (today - day) as usize] += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_questions_group_together() {
        let questions = [
            "Do you ship to Canada?",
            "Where is my order?",
            "do you ship to canada",
            "Shipping to Canada?",
            "Can I pay with Klarna?",
            "where's my order??",
            "Is there a Klarna payment option?",
        ];
        let groups = cluster(&questions);
        assert_eq!(groups, vec![vec![0, 2, 3], vec![1, 5], vec![4], vec![6]]);
    }

    #[test]
    fn the_same_question_always_gets_the_same_signature() {
        assert_eq!(
            signature("Do you SHIP to Canada?"),
            signature("canada: do you ship")
        );
        assert_eq!(key(&signature("ship to canada")), "canada ship");
    }

    #[test]
    fn unrelated_questions_stay_apart() {
        let a = signature("How long does delivery take?");
        let b = signature("How long is the warranty?");
        assert!(similarity(&a, &b) < JOIN_AT);
        assert_eq!(assign(&[a], &b), None);
    }

    #[test]
    fn trend_counts_per_day_oldest_first() {
        let day = 86_400_000;
        let now = 10 * day + 5;
        assert_eq!(
            trend(&[now, now - 1, 9 * day, 2 * day, now + day], now, 3),
            vec![0, 1, 2]
        );
    }
}
