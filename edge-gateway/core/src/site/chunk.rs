//! A page cut into snippets: one per heading section (long sections split at block
//! boundaries), plus one per JSON-LD fact; each with the page URL, a title that names the
//! page and the section, and a content hash. Hashes de-duplicate snippets within a sync
//! (the same shipping blurb on every product page is kept once) and tell a re-sync which
//! pages changed.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::extract::{Block, Page};
use super::jsonld;
use super::text::fold_whitespace;

/// A section longer than this (bytes) is split at block boundaries.
pub const MAX_SNIPPET_TEXT: usize = 1200;
/// A section shorter than this (bytes) with no heading is merged into the one before.
const MIN_SNIPPET_TEXT: usize = 24;

/// One snippet of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The page it came from.
    pub url: String,
    /// "Page title — Section heading" (or the page title alone).
    pub title: String,
    /// Plain text.
    pub text: String,
    /// Hex SHA-256 (first 16 bytes) of the folded, lower-cased title and text.
    pub hash: String,
    /// Whether it came from structured data (JSON-LD) rather than page text.
    pub structured: bool,
}

/// Hex of the first 16 bytes of SHA-256 over `parts`, joined by a separator that cannot
/// appear in folded text.
pub fn content_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(fold_whitespace(&part.to_lowercase()).as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Cuts `page` (fetched from `url`) into snippets.
pub fn chunk(url: &str, page: &Page) -> Vec<Chunk> {
    let page_title = if page.title.is_empty() {
        url.to_string()
    } else {
        page.title.clone()
    };
    let mut out = Vec::new();
    let mut heading: Option<String> = None;
    let mut body: Vec<&str> = Vec::new();
    let emit = |heading: &Option<String>, body: &mut Vec<&str>, out: &mut Vec<Chunk>| {
        if body.is_empty() {
            return;
        }
        let title = match heading {
            Some(h) if !page_title.starts_with(h.as_str()) => format!("{page_title} — {h}"),
            _ => page_title.clone(),
        };
        let mut text = String::new();
        for block in body.drain(..) {
            if !text.is_empty() && text.len() + block.len() + 1 > MAX_SNIPPET_TEXT {
                out.push(make(url, &title, std::mem::take(&mut text), false));
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(block);
        }
        if text.len() < MIN_SNIPPET_TEXT && heading.is_none() {
            if let Some(last) = out.last_mut().filter(|c: &&mut Chunk| c.url == url) {
                last.text.push('\n');
                last.text.push_str(&text);
                last.hash = content_hash(&[&last.title, &last.text]);
                return;
            }
        }
        out.push(make(url, &title, text, false));
    };
    for block in &page.blocks {
        match block {
            Block::Heading(_, h) => {
                emit(&heading, &mut body, &mut out);
                heading = Some(h.clone());
            }
            Block::Text(t) => body.push(t),
        }
    }
    emit(&heading, &mut body, &mut out);
    for doc in &page.jsonld {
        for fact in jsonld::facts(doc) {
            if !fact.text.is_empty() {
                out.push(make(url, &fact.title, fact.text, true));
            }
        }
    }
    out
}

fn make(url: &str, title: &str, text: String, structured: bool) -> Chunk {
    Chunk {
        url: url.to_string(),
        title: title.to_string(),
        hash: content_hash(&[title, &text]),
        text,
        structured,
    }
}

/// Keeps the first snippet of each content hash (pages in crawl order), dropping later
/// copies of the same text.
pub fn dedup(chunks: Vec<Chunk>) -> Vec<Chunk> {
    let mut seen = HashSet::new();
    chunks
        .into_iter()
        .filter(|c| seen.insert(dedup_key(c)))
        .collect()
}

/// Text-only key: the same paragraph under two page titles is still one snippet.
pub fn dedup_key(chunk: &Chunk) -> String {
    content_hash(&[&chunk.text])
}

/// One hash for a whole page's content: what a re-sync compares to call a page changed.
pub fn page_hash(chunks: &[Chunk]) -> String {
    let hashes: Vec<&str> = chunks.iter().map(|c| c.hash.as_str()).collect();
    content_hash(&hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::extract::extract;

    const URL: &str = "https://shop.example/returns";

    #[test]
    fn sections_follow_headings_and_carry_the_page_title() {
        let page = extract(
            b"<title>Returns</title><h1>Returns</h1><p>Within 30 days.</p><h2>Refunds</h2><p>Refunds take 5 days to reach your card.</p>",
        )
        .unwrap();
        let chunks = chunk(URL, &page);
        let got: Vec<(&str, &str)> = chunks
            .iter()
            .map(|c| (c.title.as_str(), c.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Returns", "Within 30 days."),
                (
                    "Returns — Refunds",
                    "Refunds take 5 days to reach your card."
                )
            ]
        );
        assert!(chunks.iter().all(|c| c.url == URL && c.hash.len() == 32));
    }

    #[test]
    fn long_sections_split_at_block_boundaries() {
        let para = "word ".repeat(100);
        let html = format!(
            "<title>T</title><h2>Long</h2>{}",
            format!("<p>{para}</p>").repeat(6)
        );
        let chunks = chunk(URL, &extract(html.as_bytes()).unwrap());
        assert!(chunks.len() >= 2, "{} chunks", chunks.len());
        assert!(chunks.iter().all(|c| c.text.len() <= MAX_SNIPPET_TEXT));
        let words: usize = chunks
            .iter()
            .map(|c| c.text.split_whitespace().count())
            .sum();
        assert_eq!(words, 600, "nothing lost in the split");
    }

    #[test]
    fn jsonld_facts_become_structured_snippets() {
        let page = extract(br#"<title>FAQ</title><script type="application/ld+json">{"@type":"FAQPage","mainEntity":[{"@type":"Question","name":"Gift wrap?","acceptedAnswer":{"text":"Yes, for 3 EUR."}}]}</script>"#).unwrap();
        let chunks = chunk(URL, &page);
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].structured);
        assert_eq!(
            (chunks[0].title.as_str(), chunks[0].text.as_str()),
            ("Gift wrap?", "Yes, for 3 EUR.")
        );
    }

    #[test]
    fn dedup_keeps_the_first_copy_of_repeated_text() {
        let a = extract(b"<title>A</title><h2>Shipping</h2><p>Free shipping over 50 EUR.</p><h2>A</h2><p>Only on A, a longer text.</p>").unwrap();
        let b = extract(b"<title>B</title><h2>Shipping</h2><p>Free  shipping over 50 EUR.</p><h2>B</h2><p>Only on B, a longer text.</p>").unwrap();
        let mut all = chunk("https://s.example/a", &a);
        all.extend(chunk("https://s.example/b", &b));
        let kept = dedup(all.clone());
        assert_eq!(all.len(), 4);
        let titles: Vec<&str> = kept.iter().map(|c| c.title.as_str()).collect();
        // A heading that repeats the page title adds nothing to it.
        assert_eq!(titles, ["A — Shipping", "A", "B"]);
        assert_eq!(dedup(kept.clone()), kept, "idempotent");
    }

    #[test]
    fn the_page_hash_changes_with_the_text_only() {
        let one = chunk(
            URL,
            &extract(b"<title>T</title><p>Ships in 2 days.</p>").unwrap(),
        );
        let same = chunk(
            URL,
            &extract(b"<title>T</title><div><p>Ships in  2 days.</p></div>").unwrap(),
        );
        let other = chunk(
            URL,
            &extract(b"<title>T</title><p>Ships in 3 days.</p>").unwrap(),
        );
        assert_eq!(page_hash(&one), page_hash(&same));
        assert_ne!(page_hash(&one), page_hash(&other));
    }
}
