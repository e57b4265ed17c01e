//! A small, safe markdown subset → a node tree the shell turns into DOM nodes.
//!
//! Supported: paragraphs (single newlines are line breaks, as in chat), `# headings` (rendered
//! as strong paragraphs), `**bold**`/`__bold__`, `*italic*`/`_italic_`, `` `code` ``, fenced
//! code blocks, `-`/`*`/`+` and `1.` lists, `[label](url)` links and backslash escapes.
//!
//! Safety by construction: the output has no HTML at all — every leaf is text the shell inserts
//! with `createTextNode` — and a [`Inline::Link`] only exists for `http:`/`https:` URLs without
//! whitespace or control characters; any other link keeps its label as plain text. Unclosed
//! markers stay literal text, so a half-streamed answer renders sensibly on every delta.
//! Hand-written rather than pulling a CommonMark crate: the widget's weight is the budget.

use crate::text::find;

/// A block of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A heading (any level; shown as a strong paragraph in a chat bubble).
    Heading(Vec<Inline>),
    /// A fenced code block.
    Code(String),
    /// A list of items.
    List {
        /// Numbered (`1.`) rather than bulleted.
        ordered: bool,
        /// Each item's inline content.
        items: Vec<Vec<Inline>>,
    },
}

/// Inline content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Bold.
    Strong(Vec<Inline>),
    /// Italic.
    Emphasis(Vec<Inline>),
    /// Inline code.
    Code(String),
    /// A link; `href` is always an `http:` or `https:` URL.
    Link {
        /// The checked URL.
        href: String,
        /// The label.
        children: Vec<Inline>,
    },
    /// A line break inside a paragraph.
    Break,
}

/// How deep bold/italic/link nesting may go; deeper markers stay text (bounds recursion).
const MAX_DEPTH: u8 = 4;

/// Parses an answer into blocks.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush_paragraph(&mut para, &mut blocks);
            let mut code = String::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                if !code.is_empty() {
                    code.push('\n');
                }
                code.push_str(l);
            }
            blocks.push(Block::Code(code));
        } else if trimmed.is_empty() {
            flush_paragraph(&mut para, &mut blocks);
        } else if let Some(h) = heading(trimmed) {
            flush_paragraph(&mut para, &mut blocks);
            blocks.push(Block::Heading(parse_inline(h, 0)));
        } else if let Some((ordered, item)) = list_item(trimmed) {
            flush_paragraph(&mut para, &mut blocks);
            match blocks.last_mut() {
                Some(Block::List { ordered: o, items }) if *o == ordered && para.is_empty() => {
                    items.push(parse_inline(item, 0))
                }
                _ => blocks.push(Block::List {
                    ordered,
                    items: vec![parse_inline(item, 0)],
                }),
            }
        } else {
            para.push(trimmed);
        }
    }
    flush_paragraph(&mut para, &mut blocks);
    blocks
}

fn flush_paragraph(para: &mut Vec<&str>, blocks: &mut Vec<Block>) {
    if para.is_empty() {
        return;
    }
    let mut inlines = Vec::new();
    for (i, line) in para.drain(..).enumerate() {
        if i > 0 {
            inlines.push(Inline::Break);
        }
        inlines.extend(parse_inline(line, 0));
    }
    blocks.push(Block::Paragraph(inlines));
}

fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| rest.trim())
}

fn list_item(line: &str) -> Option<(bool, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        if let Some(item) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, item));
        }
    }
    None
}

/// Parses inline markup of one line.
pub fn parse_inline(s: &str, depth: u8) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() {
        let rest = &s[i..];
        let c = b[i];
        let parsed = match c {
            b'\\' if rest.len() > 1 && b[i + 1].is_ascii_punctuation() => {
                text.push(b[i + 1] as char);
                i += 2;
                continue;
            }
            b'`' => rest[1..]
                .find('`')
                .map(|end| (Inline::Code(rest[1..1 + end].into()), end + 2)),
            b'*' | b'_' if depth < MAX_DEPTH => emphasis(rest, c, left_flank_ok(s, i, c), depth),
            b'[' if depth < MAX_DEPTH => link(rest, depth),
            _ => None,
        };
        match parsed {
            Some((node, used)) => {
                if !text.is_empty() {
                    out.push(Inline::Text(std::mem::take(&mut text)));
                }
                out.push(node);
                i += used;
            }
            None => {
                let ch_len = rest.chars().next().map_or(1, char::len_utf8);
                text.push_str(&rest[..ch_len]);
                i += ch_len;
            }
        }
    }
    if !text.is_empty() {
        out.push(Inline::Text(text));
    }
    out
}

/// `_` only opens emphasis at a word start, so `snake_case_name` stays text. Any non-ASCII
/// character counts as a letter (no Unicode tables in the wasm for this).
fn left_flank_ok(s: &str, i: usize, c: u8) -> bool {
    c == b'*'
        || i == 0
        || !(s.as_bytes()[i - 1].is_ascii_alphanumeric() || s.as_bytes()[i - 1] >= 0x80)
}

fn emphasis(rest: &str, c: u8, ok: bool, depth: u8) -> Option<(Inline, usize)> {
    if !ok {
        return None;
    }
    let double = [c, c];
    let marker = if rest.as_bytes().starts_with(&double) {
        2
    } else {
        1
    };
    let delim = &rest[..marker];
    let body = &rest[marker..];
    if body.starts_with(' ') || body.is_empty() {
        return None;
    }
    let end = find_closing(body, delim)?;
    let inner = parse_inline(&body[..end], depth + 1);
    let node = if marker == 2 {
        Inline::Strong(inner)
    } else {
        Inline::Emphasis(inner)
    };
    Some((node, marker * 2 + end))
}

/// Finds a closing delimiter that is not preceded by a space and is not part of a longer run.
fn find_closing(body: &str, delim: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = find(&body[from..], delim) {
        let at = from + pos;
        let before_ok = at > 0 && !body[..at].ends_with(' ');
        let after = &body[at + delim.len()..];
        let single_ok = delim.len() == 2 || !after.starts_with(delim);
        if before_ok && single_ok {
            return Some(at);
        }
        from = at + delim.len();
        if delim.len() == 1 {
            // A byte count, not `trim_start_matches(&str)`: its two-way searcher is ~1 KB of wasm.
            let b = delim.as_bytes()[0];
            from += after.bytes().take_while(|&c| c == b).count();
        }
    }
    None
}

fn link(rest: &str, depth: u8) -> Option<(Inline, usize)> {
    let close = find(rest, "](")?;
    let label = &rest[1..close];
    if label.contains('[') {
        return None;
    }
    let after = &rest[close + 2..];
    // URLs may hold balanced parentheses (Wikipedia links); the link ends at the unmatched `)`.
    let mut open = 0usize;
    let end = after.bytes().position(|b| match b {
        b'(' => {
            open += 1;
            false
        }
        b')' if open == 0 => true,
        b')' => {
            open -= 1;
            false
        }
        _ => false,
    })?;
    let href = after[..end].trim();
    let used = close + 2 + end + 1;
    let children = parse_inline(label, depth + 1);
    Some(match safe_href(href) {
        Some(href) => (Inline::Link { href, children }, used),
        // An unsafe link keeps its label as text: the shopper still reads the answer.
        None => (Inline::Text(plain_text(&children)), used),
    })
}

/// Accepts only `http:`/`https:` URLs with a host and no whitespace, quotes or control chars.
pub fn safe_href(href: &str) -> Option<String> {
    let lower = href.get(..8).unwrap_or(href).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &href[8..]
    } else if lower.starts_with("http://") {
        &href[7..]
    } else {
        return None;
    };
    let bad = |c: char| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
    };
    (!rest.is_empty() && !rest.starts_with('/') && !href.chars().any(bad)).then(|| href.into())
}

/// The plain text of inline content (for accessible names and tests).
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for i in inlines {
        match i {
            Inline::Text(t) | Inline::Code(t) => s.push_str(t),
            Inline::Strong(c) | Inline::Emphasis(c) | Inline::Link { children: c, .. } => {
                s.push_str(&plain_text(c))
            }
            Inline::Break => s.push('\n'),
        }
    }
    s
}

/// An answer as plain text, one line per block: what the live region reads (no markup
/// characters for a screen reader to spell out).
pub fn answer_text(text: &str) -> String {
    let mut out = String::new();
    for block in parse(text) {
        if !out.is_empty() {
            out.push('\n');
        }
        match block {
            Block::Paragraph(i) | Block::Heading(i) => out.push_str(&plain_text(&i)),
            Block::Code(code) => out.push_str(&code),
            Block::List { items, .. } => {
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push('\n');
                    }
                    out.push_str(&plain_text(item));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
