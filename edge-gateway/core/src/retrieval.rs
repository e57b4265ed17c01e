//! Knowledge retrieval: BM25 over a tenant's knowledge snippets.
//!
//! Owns: the tokenizer (Unicode lowercase, split on non-alphanumerics, a small stopword list,
//! light suffix stemming) and the ranking of snippets for a question. Title terms count double.
//! Deterministic: equal scores keep the snippets' configured order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 document-length normalisation.
const B: f32 = 0.75;
/// How many times a title term counts compared with a body term.
const TITLE_WEIGHT: u32 = 2;

/// One knowledge entry the tenant configured (FAQ answer, policy, product note).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snippet {
    /// Stable id, e.g. `shipping`.
    pub id: String,
    /// Short title, shown as the source of an answer.
    pub title: String,
    /// The text itself.
    pub text: String,
    /// The page it was learned from (crawled snippets); `None` for hand-written ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A snippet that matched a query, and how well.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<'a> {
    /// The snippet.
    pub snippet: &'a Snippet,
    /// BM25 score; always greater than zero. Comparable only within one index.
    pub score: f32,
}

/// An inverted index over a tenant's snippets. Cheap to build (a few hundred snippets at most),
/// so the gateway may build it per request from the stored config.
#[derive(Debug, Clone)]
pub struct KnowledgeIndex {
    snippets: Vec<Snippet>,
    /// term → (snippet index, weighted term frequency), snippet indexes ascending.
    postings: BTreeMap<String, Vec<(usize, u32)>>,
    /// Weighted length (in terms) of each snippet.
    lengths: Vec<u32>,
    average_length: f32,
}

impl KnowledgeIndex {
    /// Indexes `snippets`, keeping their order.
    pub fn new(snippets: Vec<Snippet>) -> Self {
        let mut postings: BTreeMap<String, Vec<(usize, u32)>> = BTreeMap::new();
        let mut lengths = Vec::with_capacity(snippets.len());
        for (doc, snippet) in snippets.iter().enumerate() {
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            let mut length = 0;
            for (text, weight) in [(&snippet.title, TITLE_WEIGHT), (&snippet.text, 1)] {
                for term in tokenize(text) {
                    *counts.entry(term).or_default() += weight;
                    length += weight;
                }
            }
            for (term, count) in counts {
                postings.entry(term).or_default().push((doc, count));
            }
            lengths.push(length);
        }
        let total: u64 = lengths.iter().map(|&l| u64::from(l)).sum();
        let average_length = if lengths.is_empty() {
            0.0
        } else {
            total as f32 / lengths.len() as f32
        };
        KnowledgeIndex {
            snippets,
            postings,
            lengths,
            average_length,
        }
    }

    /// Up to `limit` snippets matching `query`, best first; only scores above zero. Ties keep
    /// the snippets' configured order.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit<'_>> {
        if limit == 0 || self.snippets.is_empty() {
            return Vec::new();
        }
        let mut terms = tokenize(query);
        terms.sort();
        terms.dedup();
        let n = self.snippets.len() as f32;
        let mut scores = vec![0.0_f32; self.snippets.len()];
        for term in &terms {
            let Some(posting) = self.postings.get(term) else {
                continue;
            };
            let df = posting.len() as f32;
            // Lucene's BM25 idf: never negative, even for a term in every snippet.
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for &(doc, tf) in posting {
                let tf = tf as f32;
                let norm = 1.0 - B + B * self.lengths[doc] as f32 / self.average_length.max(1.0);
                scores[doc] += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
            }
        }
        let mut hits: Vec<Hit<'_>> = scores
            .into_iter()
            .zip(&self.snippets)
            .filter(|(score, _)| *score > 0.0)
            .map(|(score, snippet)| Hit { snippet, score })
            .collect();
        // Stable sort: equal scores stay in configured order.
        hits.sort_by(|a, b| b.score.total_cmp(&a.score));
        hits.truncate(limit);
        hits
    }

    /// The indexed snippets, in configured order.
    pub fn snippets(&self) -> &[Snippet] {
        &self.snippets
    }
}

/// Splits `text` into index terms: Unicode lowercase, split on anything not alphanumeric,
/// stopwords and single letters dropped, light suffix stemming. Used for both snippets and
/// questions, so they meet on the same terms.
pub fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .filter_map(|word| {
            // ASCII words (most of them) skip the Unicode case tables: same result.
            let word = if word.is_ascii() {
                word.to_ascii_lowercase()
            } else {
                word.to_lowercase()
            };
            let mut chars = word.chars();
            let single_letter =
                matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic());
            if single_letter || is_stopword(&word) {
                None
            } else {
                Some(stem(word))
            }
        })
        .collect()
}

/// A small list of English words that carry no topic, plus a few Spanish, Portuguese, French
/// and German ones. Deliberately short: question words like "long" or "free" stay searchable.
const STOPWORDS: &[&str] = &[
    // English
    "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "he", "her",
    "hi", "him", "his", "how", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not",
    "of", "on", "or", "our", "please", "she", "should", "so", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "those", "to", "us", "was", "we", "were",
    "what", "when", "where", "which", "who", "whom", "why", "will", "with", "would", "you", "your",
    // Spanish
    "con", "del", "el", "en", "es", "la", "las", "lo", "los", "para", "por", "que", "se", "su",
    "un", "una", "y", // Portuguese
    "com", "da", "das", "de", "do", "dos", "em", "na", "no", "os", "um", "uma", // French
    "au", "aux", "ce", "des", "du", "est", "et", "il", "je", "le", "les", "mon", "nous", "pour",
    "qui", "sur", "une", "vous", // German
    "auf", "das", "dem", "den", "der", "die", "ein", "eine", "ich", "ist", "mit", "nicht", "sie",
    "und", "wie", "zu",
];

fn is_stopword(word: &str) -> bool {
    // A set rather than a scan of the list: this runs for every word of every snippet.
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    word.len() <= LONGEST_STOPWORD
        && SET
            .get_or_init(|| STOPWORDS.iter().copied().collect())
            .contains(word)
}

/// Bytes of the longest stop word (checked by a test).
const LONGEST_STOPWORD: usize = 6;

#[cfg(test)]
#[test]
fn the_longest_stopword_bound_holds() {
    assert_eq!(
        STOPWORDS.iter().map(|w| w.len()).max(),
        Some(LONGEST_STOPWORD)
    );
}

/// Light, English-leaning suffix stripping: plurals (`-s`, `-es`, `-ies`), `-ing`, `-ed`, a
/// doubled final consonant left behind (`shipping` → `ship`) and a final silent `e` (so `size`,
/// `sizes` and `sizing` meet). Words with digits are left alone.
///
/// Works on the string in place (every suffix is ASCII, so a byte suffix is a character
/// suffix): building the index of 5,000 snippets stems ~500,000 words, and the character
/// vectors this used to allocate per word and suffix were most of the build's time.
fn stem(word: String) -> String {
    if word.chars().any(|c| c.is_numeric()) {
        return word;
    }
    let mut w = word;
    let mut n = w.chars().count();
    let ends = |w: &str, suffix: &str| w.ends_with(suffix);
    // Plurals.
    if n > 4 && ends(&w, "ies") {
        w.truncate(w.len() - 3);
        w.push('y');
        n -= 2;
    } else if n > 4
        && (ends(&w, "sses")
            || ends(&w, "xes")
            || ends(&w, "zes")
            || ends(&w, "ches")
            || ends(&w, "shes"))
    {
        w.truncate(w.len() - 2);
        n -= 2;
    } else if n > 3 && ends(&w, "s") && !ends(&w, "ss") && !ends(&w, "us") && !ends(&w, "is") {
        w.pop();
        n -= 1;
    }
    // Verb endings, only when a real stem (three letters with a vowel) is left.
    let has_stem =
        |stem: &str, chars: usize| chars >= 3 && stem.chars().any(|c| "aeiouy".contains(c));
    let mut stripped = false;
    if ends(&w, "ing") && n >= 3 && has_stem(&w[..w.len() - 3], n - 3) {
        w.truncate(w.len() - 3);
        n -= 3;
        stripped = true;
    } else if ends(&w, "ed") && !ends(&w, "eed") && n >= 2 && has_stem(&w[..w.len() - 2], n - 2) {
        w.truncate(w.len() - 2);
        n -= 2;
        stripped = true;
    }
    if stripped {
        let mut last = w.chars().rev();
        if let (Some(a), Some(b)) = (last.next(), last.next()) {
            if a == b && !"aeioulsz".contains(a) {
                w.pop();
                n -= 1;
            }
        }
    }
    if n > 3 && ends(&w, "e") {
        w.pop();
    }
    w
}

/// The stemmer as first written (a `Vec<char>` per word and suffix): the reference the
/// in-place [`stem`] is property-tested against.
#[cfg(test)]
fn stem_reference(word: String) -> String {
    if word.chars().any(|c| c.is_numeric()) {
        return word;
    }
    let mut w: Vec<char> = word.chars().collect();
    let ends = |w: &[char], suffix: &str| {
        let s: Vec<char> = suffix.chars().collect();
        w.len() >= s.len() && w[w.len() - s.len()..] == s[..]
    };
    // Plurals.
    if w.len() > 4 && ends(&w, "ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 4
        && (ends(&w, "sses")
            || ends(&w, "xes")
            || ends(&w, "zes")
            || ends(&w, "ches")
            || ends(&w, "shes"))
    {
        w.truncate(w.len() - 2);
    } else if w.len() > 3 && ends(&w, "s") && !ends(&w, "ss") && !ends(&w, "us") && !ends(&w, "is")
    {
        w.pop();
    }
    // Verb endings, only when a real stem (three letters with a vowel) is left.
    let has_stem = |stem: &[char]| stem.len() >= 3 && stem.iter().any(|c| "aeiouy".contains(*c));
    let mut stripped = false;
    if ends(&w, "ing") && has_stem(&w[..w.len() - 3]) {
        w.truncate(w.len() - 3);
        stripped = true;
    } else if ends(&w, "ed") && !ends(&w, "eed") && has_stem(&w[..w.len() - 2]) {
        w.truncate(w.len() - 2);
        stripped = true;
    }
    if stripped {
        let n = w.len();
        if n >= 2 && w[n - 1] == w[n - 2] && !"aeioulsz".contains(w[n - 1]) {
            w.pop();
        }
    }
    if w.len() > 3 && ends(&w, "e") {
        w.pop();
    }
    w.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_in_place_stem_equals_the_reference(word in "[a-zé0-9ßı]{0,12}(s|es|ies|ing|ed|eed|sses|ches|e|ss|us|is)?") {
            prop_assert_eq!(stem(word.clone()), stem_reference(word));
        }
    }

    /// Not a pass/fail timing (the machine is shared): prints how long stemming the words of
    /// 5,000 snippets takes each way, run with `--ignored --nocapture`.
    #[test]
    #[ignore]
    fn stem_time_in_place_and_reference() {
        let words: Vec<String> = (0..500_000)
            .map(|i| {
                [
                    "shipping",
                    "boots",
                    "deliveries",
                    "returned",
                    "glacier",
                    "sizes",
                    "merino",
                ][i % 7]
                    .to_owned()
            })
            .collect();
        let t = std::time::Instant::now();
        let a: usize = words.iter().map(|w| stem(w.clone()).len()).sum();
        let in_place = t.elapsed();
        let t = std::time::Instant::now();
        let b: usize = words.iter().map(|w| stem_reference(w.clone()).len()).sum();
        let reference = t.elapsed();
        assert_eq!(a, b);
        println!("500,000 words: in place {in_place:?}, reference {reference:?}");
    }

    /// Prints the index build time of 5,000 snippets of 60 words (`--ignored --nocapture`).
    #[test]
    #[ignore]
    fn index_build_time_at_5000_snippets() {
        const WORDS: &[&str] = &[
            "alpine",
            "trail",
            "summit",
            "valley",
            "ridges",
            "glacier",
            "merino",
            "fleeces",
            "shipping",
            "returned",
            "deliveries",
            "boots",
            "gloves",
            "pocket",
            "hooded",
            "seams",
        ];
        let snippets: Vec<Snippet> = (0..5_000)
            .map(|i| Snippet {
                id: format!("s{i}"),
                title: format!("{} {} item {i}", WORDS[i % 16], WORDS[(i / 16) % 16]),
                text: (0..60)
                    .map(|k| WORDS[(i * 7 + k * 13) % 16])
                    .collect::<Vec<_>>()
                    .join(" "),
                url: None,
            })
            .collect();
        let t = std::time::Instant::now();
        let index = KnowledgeIndex::new(snippets);
        println!("index of 5,000 snippets: {:?}", t.elapsed());
        assert_eq!(index.snippets().len(), 5_000);
    }

    #[test]
    fn stemming_joins_common_forms() {
        let same = |a: &str, b: &str| assert_eq!(tokenize(a), tokenize(b), "{a} vs {b}");
        same("shipping", "ship");
        same("shipped", "ships");
        same("sizes", "size");
        same("sizing", "size");
        same("boxes", "box");
        same("deliveries", "delivery");
        same("returns", "returned");
        same("refunds", "refund");
    }

    #[test]
    fn stems_do_not_eat_short_words() {
        assert_eq!(
            tokenize("need thing red bus"),
            ["need", "thing", "red", "bus"]
        );
    }

    #[test]
    fn stopwords_and_single_letters_are_dropped() {
        assert_eq!(
            tokenize("What's the price of a Jacket?"),
            ["price", "jacket"].map(|w| stem(w.into()))
        );
    }

    #[test]
    fn unicode_is_lowercased_and_kept() {
        assert_eq!(
            tokenize("GRÖSSE Größe"),
            ["grösse", "größe"].map(|w| stem(w.into()))
        );
    }
}
