//! PII redaction of shopper text before storage and/or before the AI runtime (SPEC §6).
//!
//! Owns: finding e-mail addresses, IBANs, payment-card numbers and phone numbers in free text
//! and replacing each with a placeholder (`[email]`, `[iban]`, `[card]`, `[phone]`). Hand-written
//! scanners rather than regexes: each rule needs a checksum or context anyway, and the core
//! stays free of a regex engine in the wasm.
//!
//! The scanners read the text's NFKC form ([`normalize`]), so look-alikes a shopper's keyboard
//! or IME produces — full-width digits `４１１１`, `＋４９`, the full-width at sign `＠`,
//! ideographic spaces, superscript or circled digits — are found like their ASCII forms. When
//! something is found the result is the NFKC form with placeholders (the original spelling of
//! the rest is not kept: mapping spans back through NFKC's compositions is not worth the code);
//! when nothing is found the text is returned unchanged.
//!
//! Passes run in a fixed order, each on the previous pass's output, so placeholders act as
//! barriers: e-mail, IBAN, card, phone. The result is idempotent (a second pass finds
//! nothing), already NFKC when anything was replaced (placeholders are ASCII starters, so
//! splicing them in composes nothing new), and text whose NFKC form has no ASCII digit or
//! `@` is returned unchanged.
//!
//! - **E-mail**: `local@domain.tld`. The local part is letters (any script), digits and
//!   `._%+-`; the domain is labels of letters, digits and `-` with at least two labels and an
//!   alphabetic top-level label of 2+ letters. A full stop after it stays in the text.
//! - **IBAN**: 2 letters, 2 digits, 11–30 letters or digits, either compact or in groups of 4
//!   separated by single spaces, passing the ISO 13616 mod-97 check.
//! - **Card**: 13–19 digits, not starting with 0, compact or in groups of 3–6 digits separated
//!   by single spaces or dashes, passing Luhn. Within a longer run of groups (a card followed by
//!   its CVC, an amount before it) the leftmost passing sub-run is taken.
//! - **Phone** (conservative — a missed number is preferred to a mangled order number, price,
//!   size or date): groups of digits joined by single ` `, `-`, `.` or `/`, optionally one group
//!   in parentheses, 7–15 digits, at most one single-digit group, not followed by a letter,
//!   a decimal part or a unit/currency (`EUR`, `€`, `g`, `mm`, …), not shaped like a date,
//!   not preceded by a letter, `#`, `@` or a currency sign. It is a phone number when it
//!   starts with `+`; or a phone word (`tel`, `phone`, `teléfono`, `Handy`, `celular`, …) is
//!   among the words just before it; otherwise, unless an order word (`order`, `pedido`,
//!   `commande`, `Bestellung`, …) is, when it has a national shape: a leading `00` with 9–15
//!   digits, a trunk `0` with 9–13 digits, an area code in parentheses and 2+ groups, or the
//!   North-American 3-3-4.

mod phone;

use phone::find_phones;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::ops::Range;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// What kind of personal data was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PiiKind {
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A payment-card number (passes Luhn).
    Card,
    /// An IBAN (passes mod-97).
    Iban,
}

impl PiiKind {
    /// The text that replaces it.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "[email]",
            PiiKind::Phone => "[phone]",
            PiiKind::Card => "[card]",
            PiiKind::Iban => "[iban]",
        }
    }
}

/// Redacted text and what was replaced, in order of appearance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The text with placeholders.
    pub text: String,
    /// One entry per replacement, in text order.
    pub found: Vec<PiiKind>,
}

/// Unicode NFKC (compatibility composition) of `text`; borrowed when it already is (all ASCII
/// text is). Compatibility forms fold into their plain letters and digits (`４` → `4`, `＠` →
/// `@`, `ﬁ` → `fi`); the length may change either way (`①` is one char, `1`; `ﷺ` is one char
/// that becomes many), so limits are checked on this form.
pub fn normalize(text: &str) -> Cow<'_, str> {
    // ASCII is its own NFKC form; checking bytes is far cheaper than the per-char quick check
    // (most shop questions and answers are ASCII).
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        IsNormalized::No | IsNormalized::Maybe => {
            let normalized: String = text.nfkc().collect();
            if normalized == text {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(normalized)
            }
        }
    }
}

/// Replaces e-mail addresses, IBANs, card numbers and phone numbers, found in the text's NFKC
/// form, with placeholders.
pub fn redact(text: &str) -> Redacted {
    let unchanged = || Redacted {
        text: text.to_owned(),
        found: Vec::new(),
    };
    let normalized = normalize(text);
    if !normalized.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
        return unchanged();
    }
    let mut doc = Doc {
        chars: normalized.chars().collect(),
        marks: Vec::new(),
    };
    doc.replace(PiiKind::Email, find_emails);
    doc.replace(PiiKind::Iban, find_ibans);
    doc.replace(PiiKind::Card, find_cards);
    doc.replace(PiiKind::Phone, find_phones);
    if doc.marks.is_empty() {
        return unchanged();
    }
    doc.marks.sort_unstable_by_key(|&(at, _)| at);
    Redacted {
        text: doc.chars.into_iter().collect(),
        found: doc.marks.into_iter().map(|(_, kind)| kind).collect(),
    }
}

/// The text being redacted (as chars, so spans are char ranges) and where placeholders are.
struct Doc {
    chars: Vec<char>,
    marks: Vec<(usize, PiiKind)>,
}

impl Doc {
    /// Replaces the (ascending, disjoint) spans `find` returns and moves earlier marks along.
    fn replace(&mut self, kind: PiiKind, find: fn(&[char]) -> Vec<Range<usize>>) {
        let spans = find(&self.chars);
        if spans.is_empty() {
            return;
        }
        let placeholder: Vec<char> = kind.placeholder().chars().collect();
        let mut out = Vec::with_capacity(self.chars.len());
        let mut last = 0;
        let mut added = Vec::with_capacity(spans.len());
        for span in &spans {
            out.extend_from_slice(&self.chars[last..span.start]);
            added.push((out.len(), kind));
            out.extend_from_slice(&placeholder);
            last = span.end;
        }
        out.extend_from_slice(&self.chars[last..]);
        // Placeholders never overlap a span (no scanner accepts `[` or `]`), so each old mark
        // moves by what the spans before it removed and added.
        for (at, _) in &mut self.marks {
            let before = spans.iter().filter(|span| span.end <= *at);
            let (removed, count) = before.fold((0, 0), |(r, c), span| (r + span.len(), c + 1));
            *at = *at - removed + count * placeholder.len();
        }
        self.marks.extend(added);
        self.chars = out;
    }
}

fn is_alnum(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// Whether a word ends at `end` (no letter or digit follows).
fn ends_word(chars: &[char], end: usize) -> bool {
    !is_alnum(chars.get(end))
}

/// Whether a number may start at `at`: not inside a word, not a reference (`#`, `@`, `_`),
/// not an amount (currency sign), not the continuation of another number (`4.90`, `10:30`,
/// `1,5`). A placeholder counts as a number here, so a second pass decides the same.
fn number_may_start(chars: &[char], at: usize) -> bool {
    let Some(prev) = at.checked_sub(1).map(|i| chars[i]) else {
        return true;
    };
    // `]` ends a placeholder, which stands for a number or an address: what was glued to it
    // before redaction must stay glued to it after.
    let glued = matches!(prev, ']' | '#' | '@' | '_' | '€' | '$' | '£' | '¥' | '₹');
    if prev.is_alphanumeric() || glued {
        return false;
    }
    let joined = matches!(prev, '.' | ',' | ':' | '/' | '-' | '+');
    let before = at.checked_sub(2).map(|i| chars[i]);
    !(joined && before.is_some_and(|c| c.is_ascii_digit() || c == ']'))
}

fn find_emails(chars: &[char]) -> Vec<Range<usize>> {
    let is_local = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-');
    let mut spans = Vec::new();
    let mut floor = 0;
    for at in 0..chars.len() {
        if chars[at] != '@' {
            continue;
        }
        let mut start = at;
        while start > floor && is_local(chars[start - 1]) {
            start -= 1;
        }
        while start < at && !chars[start].is_alphanumeric() {
            start += 1;
        }
        if start == at {
            continue;
        }
        if let Some(end) = domain_end(chars, at + 1) {
            spans.push(start..end);
            floor = end;
        }
    }
    spans
}

/// The end of the longest valid domain starting at `from`.
fn domain_end(chars: &[char], from: usize) -> Option<usize> {
    let mut end = from;
    while end < chars.len() && (chars[end].is_alphanumeric() || matches!(chars[end], '-' | '.')) {
        end += 1;
    }
    // A sentence's full stop is not part of the address. (A trailing `-` is not trimmed: the
    // label it ends may have gone on with digits a later pass replaces.)
    while end > from && chars[end - 1] == '.' {
        end -= 1;
    }
    let mut best = None;
    let mut labels = 0;
    let mut start = from;
    while start < end {
        let stop = (start..end).find(|&i| chars[i] == '.').unwrap_or(end);
        let label = &chars[start..stop];
        if label.is_empty() || label[0] == '-' || label[label.len() - 1] == '-' {
            break;
        }
        labels += 1;
        if labels >= 2 && label.len() >= 2 && label.iter().all(|c| c.is_alphabetic()) {
            best = Some(stop);
        }
        start = stop + 1;
    }
    best
}

fn find_ibans(chars: &[char]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        match (at == 0 || !chars[at - 1].is_alphanumeric())
            .then(|| iban_at(chars, at))
            .flatten()
        {
            Some(end) => {
                spans.push(at..end);
                at = end;
            }
            None => at += 1,
        }
    }
    spans
}

fn ascii_word_end(chars: &[char], from: usize) -> usize {
    (from..chars.len())
        .find(|&i| !chars[i].is_ascii_alphanumeric())
        .unwrap_or(chars.len())
}

fn iban_at(chars: &[char], at: usize) -> Option<usize> {
    let head = chars.get(at..at + 4)?;
    let head_ok = head[..2].iter().all(char::is_ascii_alphabetic)
        && head[2..].iter().all(char::is_ascii_digit);
    if !head_ok {
        return None;
    }
    let word_end = ascii_word_end(chars, at);
    if !ends_word(chars, word_end) {
        return None;
    }
    if word_end > at + 4 {
        let compact = &chars[at..word_end];
        return ((15..=34).contains(&compact.len()) && mod97_ok(compact.iter().copied()))
            .then_some(word_end);
    }
    // Grouped: "DE89 3704 0044 0532 0130 00"; try the longest run of groups first, since a
    // word may follow the last group.
    let mut ends = Vec::new();
    let (mut pos, mut len) = (word_end, 4);
    while chars.get(pos) == Some(&' ') && len < 34 {
        let group_end = ascii_word_end(chars, pos + 1);
        let group = group_end - pos - 1;
        if group == 0 || group > 4 || !ends_word(chars, group_end) {
            break;
        }
        len += group;
        ends.push((group_end, len));
        if group < 4 {
            break;
        }
        pos = group_end;
    }
    ends.into_iter().rev().find_map(|(end, len)| {
        let compact = chars[at..end].iter().copied().filter(|c| *c != ' ');
        ((15..=34).contains(&len) && mod97_ok(compact)).then_some(end)
    })
}

/// ISO 13616: move the first four characters to the end, letters become 10–35, and the
/// number must be 1 modulo 97.
fn mod97_ok(iban: impl Iterator<Item = char> + Clone) -> bool {
    let rearranged = iban.clone().skip(4).chain(iban.take(4));
    let mut rem = 0u32;
    for c in rearranged {
        rem = match c.to_digit(36) {
            Some(d) if d < 10 => (rem * 10 + d) % 97,
            Some(v) => (rem * 100 + v) % 97,
            None => return false,
        };
    }
    rem == 1
}

/// Runs of digit groups joined by single characters from `joiners`: the group ranges.
fn digit_groups(chars: &[char], from: usize, joiners: &[char]) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = from;
    loop {
        let end = (start..chars.len())
            .find(|&i| !chars[i].is_ascii_digit())
            .unwrap_or(chars.len());
        groups.push(start..end);
        let joined = chars.get(end).is_some_and(|c| joiners.contains(c))
            && chars.get(end + 1).is_some_and(char::is_ascii_digit);
        if !joined {
            return groups;
        }
        start = end + 1;
    }
}

fn find_cards(chars: &[char]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        if !chars[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let groups = digit_groups(chars, at, &[' ', '-']);
        let end = groups[groups.len() - 1].end;
        if number_may_start(chars, at) && ends_word(chars, end) {
            spans.extend(cards_in(chars, &groups));
        }
        at = end;
    }
    spans
}

/// The leftmost-longest sub-runs of `groups` that are card numbers.
fn cards_in(chars: &[char], groups: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut first = 0;
    'start: while first < groups.len() {
        // A card has at most 19 digits, so at most six groups of 3+ (or one group).
        for last in (first..groups.len().min(first + 6)).rev() {
            let run = &groups[first..=last];
            let shaped = run.len() == 1 || run.iter().all(|g| (3..=6).contains(&g.len()));
            let digits: Vec<u32> = run
                .iter()
                .flat_map(|g| chars[g.clone()].iter().filter_map(|c| c.to_digit(10)))
                .collect();
            if shaped && (13..=19).contains(&digits.len()) && digits[0] != 0 && luhn_ok(&digits) {
                spans.push(run[0].start..run[run.len() - 1].end);
                first = last + 1;
                continue 'start;
            }
        }
        first += 1;
    }
    spans
}

fn luhn_ok(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| match (i % 2, d * 2) {
            (0, _) => d,
            (_, doubled) if doubled > 9 => doubled - 9,
            (_, doubled) => doubled,
        })
        .sum();
    sum.is_multiple_of(10)
}
