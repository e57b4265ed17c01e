//! Spelling help for product search: the catalog's own words (from titles, tags and
//! categories), and the correction of a query term the catalog does not contain to the
//! catalog word one edit away (two for long words) — "Nordvick sneakers" finds Nordvik's.
//!
//! Owns: [`Vocabulary`] (built from product texts once per sync, stored compactly, loaded by
//! the search) and [`SearchQuery::corrected`]. The search asks for a correction only when the
//! query as typed found nothing, so a correct query never pays for it.

use super::query::{stem, SearchQuery};
use std::collections::HashMap;

/// Words shorter than this are neither kept nor corrected (too many neighbours).
pub const MIN_WORD: usize = 4;
/// Most words kept (the most frequent ones); the stored form stays small.
pub const MAX_WORDS: usize = 20_000;
/// Longest word kept.
const MAX_WORD: usize = 40;

/// The catalog's words with how many products use each, sorted by word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vocabulary {
    words: Vec<(String, u32)>,
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| {
            let n = w.chars().count();
            (MIN_WORD..=MAX_WORD).contains(&n) && !w.chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_lowercase)
}

impl Vocabulary {
    /// From product texts (one text per product: title, tags, categories).
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vocabulary {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for text in texts {
            let mut seen: Vec<String> = tokens(text).collect();
            seen.sort();
            seen.dedup();
            for word in seen {
                *counts.entry(word).or_default() += 1;
            }
        }
        let mut words: Vec<(String, u32)> = counts.into_iter().collect();
        if words.len() > MAX_WORDS {
            words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            words.truncate(MAX_WORDS);
        }
        words.sort();
        Vocabulary { words }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The stored form: `word count` per line.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (word, count) in &self.words {
            out.push_str(word);
            out.push(' ');
            out.push_str(&count.to_string());
            out.push('\n');
        }
        out
    }

    /// From [`Vocabulary::encode`]'s form; malformed lines are skipped.
    pub fn decode(text: &str) -> Vocabulary {
        let mut words: Vec<(String, u32)> = text
            .lines()
            .filter_map(|line| {
                let (word, count) = line.split_once(' ')?;
                Some((word.to_owned(), count.parse().ok()?))
            })
            .filter(|(w, _)| !w.is_empty())
            .collect();
        words.sort();
        words.dedup_by(|a, b| a.0 == b.0);
        Vocabulary { words }
    }

    /// Whether a catalog word starts with `term` (the FTS query is a prefix query).
    pub fn knows(&self, term: &str) -> bool {
        let i = self.words.partition_point(|(w, _)| w.as_str() < term);
        self.words.get(i).is_some_and(|(w, _)| w.starts_with(term))
    }

    /// The catalog word closest to an unknown `term` (stemmed like query terms), within
    /// [`max_edits`]; ties go to the more frequent word, then the alphabetically first.
    /// `None` for a known or short term, or when nothing is close enough.
    pub fn correct(&self, term: &str) -> Option<String> {
        let n = term.chars().count();
        if n < MIN_WORD || self.knows(term) || term.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let k = max_edits(n);
        let term: Vec<char> = term.chars().collect();
        let mut best: Option<(usize, u32, &str)> = None;
        for (word, count) in &self.words {
            let stemmed = stem(word);
            for candidate in [word.as_str(), stemmed.as_str()] {
                let chars: Vec<char> = candidate.chars().collect();
                if chars.len().abs_diff(term.len()) > k {
                    continue;
                }
                let Some(d) = distance(&term, &chars, k) else {
                    continue;
                };
                let better = match best {
                    None => true,
                    Some((bd, bc, bw)) => {
                        d < bd || (d == bd && (*count > bc || (*count == bc && word.as_str() < bw)))
                    }
                };
                if better {
                    best = Some((d, *count, word.as_str()));
                }
            }
        }
        best.map(|(_, _, w)| stem(w))
    }
}

/// Edits allowed for a term of `chars` characters: one up to 7, two from 8.
pub fn max_edits(chars: usize) -> usize {
    if chars >= 8 {
        2
    } else {
        1
    }
}

/// The optimal-string-alignment distance (insert, delete, substitute, swap two neighbours)
/// when it is at most `k`, else `None`.
pub fn distance(a: &[char], b: &[char], k: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > k {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2: Vec<usize> = vec![0; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur: Vec<usize> = vec![0; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..w {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= k).then_some(d)
}

impl SearchQuery {
    /// The query with each term the catalog does not know replaced by its correction;
    /// `None` when no term changed.
    pub fn corrected(&self, vocabulary: &Vocabulary) -> Option<SearchQuery> {
        let mut changed = false;
        let mut terms: Vec<String> = Vec::with_capacity(self.terms.len());
        for term in &self.terms {
            let next = match vocabulary.correct(term) {
                Some(fixed) => {
                    changed = true;
                    fixed
                }
                None => term.clone(),
            };
            if !terms.contains(&next) {
                terms.push(next);
            }
        }
        changed.then(|| SearchQuery {
            terms,
            ..self.clone()
        })
    }
}
