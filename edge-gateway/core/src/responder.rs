//! The built-in responder: answers from the tenant's knowledge snippets without an AI runtime.
//!
//! Owns: choosing the relevant snippets and sentences for a question, wording a grounded reply
//! (or an honest "I don't know" that lists what the shop's help content does cover), and
//! splitting a reply into word-sized chunks so it streams like a model's answer. Used when no
//! AI runtime is configured and as the last fallback. Deterministic: same index and question,
//! same answer.

use crate::retrieval::{tokenize, Hit, KnowledgeIndex, Snippet};

/// A snippet must score at least this (BM25) to be used. Chosen so that one rare term in a
/// title-less body still counts, while a question sharing nothing but a common word does not.
pub const MIN_SCORE: f32 = 1.0;

/// A second snippet is quoted only if it scores at least this fraction of the best one.
const SECOND_SNIPPET_RATIO: f32 = 0.6;

/// Most sentences quoted from the best snippet, and from the second one.
const MAX_SENTENCES: [usize; 2] = [3, 2];

/// Most snippet titles suggested when nothing matched.
const MAX_SUGGESTED_TITLES: usize = 6;

/// Longest chunk [`stream_chunks`] makes out of text without spaces (CJK, long URLs), in chars.
const MAX_CHUNK_CHARS: usize = 24;

/// The reply the built-in responder gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The reply, in the widget's markdown subset.
    pub text: String,
    /// True when the reply quotes the tenant's snippets; false for "I don't know".
    pub grounded: bool,
    /// Ids of the quoted snippets, best first (empty when not grounded).
    pub source_ids: Vec<String>,
}

/// Answers `question` from `index`: the most relevant sentences of the best one or two
/// snippets, each followed by `(Source: **<title>**)`; when nothing is relevant, says so
/// plainly and names the topics the help content does cover.
pub fn answer(index: &KnowledgeIndex, question: &str) -> Answer {
    // The same retrieval the model's `search_knowledge` tool runs.
    let hits: Vec<Hit<'_>> = crate::tools::knowledge_hits(index, question, 2);
    let best = match hits.first() {
        Some(best) if best.score >= MIN_SCORE => best.score,
        _ => return not_found(index.snippets()),
    };
    let mut question_terms = tokenize(question);
    question_terms.sort();
    question_terms.dedup();
    let mut paragraphs = Vec::new();
    let mut source_ids = Vec::new();
    for (rank, hit) in hits.iter().enumerate() {
        if rank > 0 && (hit.score < MIN_SCORE || hit.score < best * SECOND_SNIPPET_RATIO) {
            break;
        }
        let quote = relevant_sentences(&hit.snippet.text, &question_terms, MAX_SENTENCES[rank]);
        if quote.is_empty() {
            continue;
        }
        paragraphs.push(format!(
            "{quote} (Source: **{}**)",
            hit.snippet.title.trim()
        ));
        source_ids.push(hit.snippet.id.clone());
    }
    if paragraphs.is_empty() {
        return not_found(index.snippets());
    }
    Answer {
        text: paragraphs.join("\n\n"),
        grounded: true,
        source_ids,
    }
}

/// The tool the built-in responder routes a question to, as the model would call it: today
/// every question is a knowledge question (`search_knowledge` with the question); the catalog,
/// order and handoff intents join with their tools.
pub fn route(question: &str) -> (crate::tools::ToolName, serde_json::Value) {
    (
        crate::tools::ToolName::SearchKnowledge,
        serde_json::json!({ "query": question }),
    )
}

/// [`route`] for a tenant whose toolset may include the catalog: a product question (a price
/// filter, a size, "do you have …") goes to `search_products` with the question as its
/// query, as a model would call it; everything else to [`route`].
pub fn route_with(
    question: &str,
    toolset: crate::tools::Toolset,
) -> (crate::tools::ToolName, serde_json::Value) {
    // "Where is my order?" goes to the order lookup before anything else (an order question
    // names products too).
    if toolset.contains(crate::tools::ToolName::LookupOrder)
        && crate::orders::asks_about_order(question)
    {
        return (
            crate::tools::ToolName::LookupOrder,
            crate::orders::arguments_from_text(question),
        );
    }
    if toolset.contains(crate::tools::ToolName::SearchProducts)
        && crate::catalog::reply::looks_like_product_question(question)
    {
        return (
            crate::tools::ToolName::SearchProducts,
            serde_json::json!({ "query": question }),
        );
    }
    route(question)
}

fn not_found(snippets: &[Snippet]) -> Answer {
    let mut text = String::from("I don't have information about that in this shop's help content");
    let titles: Vec<&str> = snippets
        .iter()
        .map(|s| s.title.trim())
        .filter(|t| !t.is_empty())
        .take(MAX_SUGGESTED_TITLES)
        .collect();
    if titles.is_empty() {
        text.push('.');
    } else {
        text.push_str(", but I can help with: ");
        text.push_str(&titles.join(", "));
        text.push('.');
    }
    Answer {
        text,
        grounded: false,
        source_ids: Vec::new(),
    }
}

/// Up to `max` sentences of `text` sharing the most (distinct) question terms, in text order.
/// When no sentence shares a term (the snippet matched on its title), its opening sentences.
fn relevant_sentences(text: &str, question_terms: &[String], max: usize) -> String {
    let sentences = split_sentences(text);
    let mut scored: Vec<(usize, usize)> = sentences
        .iter()
        .enumerate()
        .map(|(i, sentence)| {
            let terms = tokenize(sentence);
            (
                i,
                question_terms.iter().filter(|q| terms.contains(q)).count(),
            )
        })
        .collect();
    let mut chosen: Vec<usize> = if scored.iter().any(|&(_, overlap)| overlap > 0) {
        // Most overlap first; ties go to the earlier sentence.
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        scored
            .iter()
            .filter(|&&(_, overlap)| overlap > 0)
            .take(max)
            .map(|&(i, _)| i)
            .collect()
    } else {
        (0..sentences.len().min(max.min(2))).collect()
    };
    chosen.sort_unstable();
    chosen
        .iter()
        .map(|&i| sentences[i])
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits at `.`, `!` or `?` followed by whitespace, so `4.90 EUR` or `acme.example` stay whole.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_end = matches!(c, '.' | '!' | '?')
            && chars.peek().is_none_or(|&(_, next)| next.is_whitespace());
        if at_end {
            let end = i + c.len_utf8();
            let sentence = text[start..end].trim();
            if !sentence.is_empty() {
                sentences.push(sentence);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        sentences.push(rest);
    }
    sentences
}

/// Splits `text` into streaming chunks of about one word: each chunk is a word with its
/// punctuation and the whitespace after it (leading whitespace joins the first chunk). Runs
/// without spaces longer than 24 characters are cut, on character boundaries. Concatenating
/// the chunks gives back exactly `text`; empty text gives no chunks.
pub fn stream_chunks(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut prev_is_space = false;
    // Non-space chars in the current chunk's latest run; zero until its first word starts.
    let mut run_chars = 0;
    let mut has_word = false;
    for (i, c) in text.char_indices() {
        let is_space = c.is_whitespace();
        let new_word = !is_space && prev_is_space && has_word;
        let too_long = !is_space && run_chars >= MAX_CHUNK_CHARS;
        if new_word || too_long {
            chunks.push(text[start..i].to_owned());
            start = i;
            run_chars = 0;
        }
        if is_space {
            run_chars = 0;
        } else {
            run_chars += 1;
            has_word = true;
        }
        prev_is_space = is_space;
    }
    if start < text.len() {
        chunks.push(text[start..].to_owned());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_terminal_punctuation_only() {
        assert_eq!(
            split_sentences("It costs 4.90 EUR. Mail care@acme.example! Ok?Yes"),
            ["It costs 4.90 EUR.", "Mail care@acme.example!", "Ok?Yes"]
        );
    }

    #[test]
    fn chunks_are_words_with_trailing_space() {
        assert_eq!(
            stream_chunks("  Hi, there!\nBye"),
            ["  Hi, ", "there!\n", "Bye"]
        );
        assert!(stream_chunks("").is_empty());
    }
}
