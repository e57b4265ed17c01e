//! The phone-number rule of [`super`]: a conservative heuristic, since a missed number is
//! preferred to a mangled order number, price, size or date (the rule is spelled out in the
//! parent module's documentation).

use super::{digit_groups, ends_word, number_may_start};
use std::ops::Range;

/// Words just before a number that say it is a phone number (matched at a word start,
/// lowercase, in en, es, pt, fr, de).
const PHONE_WORDS: &[&str] = &[
    "tel",
    "tél",
    "phone",
    "festnetz",
    "mobile",
    "mobil",
    "móvil",
    "movil",
    "cell",
    "celular",
    "telemóvel",
    "telemovel",
    "whatsapp",
    "handy",
    "portable",
    "rufnummer",
    "llám",
    "llam",
    "ligue",
    "appel",
    "sms",
    "fone",
    "anruf",
    "call",
];

/// Words just before a number that say it is not a phone number.
const ORDER_WORDS: &[&str] = &[
    "order",
    "pedido",
    "commande",
    "bestell",
    "auftrag",
    "encomenda",
    "invoice",
    "factura",
    "fatura",
    "facture",
    "rechnung",
    "tracking",
    "sendung",
    "seguimiento",
    "suivi",
    "rastreio",
    "sku",
    "ref",
    "kunden",
    "customer",
    "cliente",
    "client",
];

/// Units and currencies that make a number an amount, not a phone number.
const UNITS: &[&str] = &[
    "eur", "euro", "euros", "€", "usd", "$", "£", "gbp", "chf", "brl", "mxn", "kr", "mm", "cm",
    "km", "m", "g", "kg", "mg", "ml", "l", "%", "pcs", "uds",
];

/// How many characters before a number are searched for a phone or order word.
const CONTEXT_CHARS: usize = 32;

/// A phone-number candidate: its span, its digit groups and how it starts.
struct PhoneCandidate {
    end: usize,
    groups: Vec<Range<usize>>,
    joiners: Vec<char>,
    plus: bool,
    parenthesised: bool,
}

/// Scans a candidate at `at` (a `+`, `(` or digit): groups joined by one of ` -./`, at most
/// one group in parentheses.
fn phone_at(chars: &[char], at: usize) -> Option<PhoneCandidate> {
    let plus = chars[at] == '+';
    let mut pos = at + usize::from(plus);
    let mut candidate = PhoneCandidate {
        end: pos,
        groups: Vec::new(),
        joiners: Vec::new(),
        plus,
        parenthesised: chars.get(pos) == Some(&'('),
    };
    let mut parens = 0;
    loop {
        let open = chars.get(pos) == Some(&'(');
        let start = pos + usize::from(open);
        let end = (start..chars.len())
            .find(|&i| !chars[i].is_ascii_digit())
            .unwrap_or(chars.len());
        let closed = !open || chars.get(end) == Some(&')');
        if end == start || !closed || (open && parens == 1) {
            break;
        }
        parens += usize::from(open);
        candidate.groups.push(start..end);
        pos = end + usize::from(open);
        candidate.end = pos;
        let next = chars.get(pos).copied();
        let group_follows = |p: usize| match chars.get(p) {
            Some('(') => chars.get(p + 1).is_some_and(char::is_ascii_digit),
            Some(c) => c.is_ascii_digit(),
            None => false,
        };
        match next {
            Some(c @ (' ' | '-' | '.' | '/')) if group_follows(pos + 1) => {
                candidate.joiners.push(c);
                pos += 1;
            }
            Some(_) if group_follows(pos) && (open || next == Some('(')) => {
                candidate.joiners.push('(');
            }
            _ => break,
        }
    }
    (!candidate.groups.is_empty()).then_some(candidate)
}

pub(super) fn find_phones(chars: &[char]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let starts = match chars[at] {
            '+' => matches!(chars.get(at + 1), Some('(' | '0'..='9')),
            '(' => chars.get(at + 1).is_some_and(char::is_ascii_digit),
            c => c.is_ascii_digit(),
        };
        let candidate = if starts && number_may_start(chars, at) {
            phone_at(chars, at)
        } else {
            None
        };
        match candidate {
            Some(candidate) => {
                if is_phone(chars, at, &candidate) {
                    spans.push(at..candidate.end);
                }
                at = candidate.end.max(at + 1);
            }
            // Skip the rest of a number that may not start here.
            None if chars[at].is_ascii_digit() => {
                at = digit_groups(chars, at, &[' ', '-', '.', '/'])
                    .last()
                    .map_or(at + 1, |g| g.end);
            }
            None => at += 1,
        }
    }
    spans
}

fn is_phone(chars: &[char], at: usize, c: &PhoneCandidate) -> bool {
    let lens: Vec<usize> = c.groups.iter().map(|g| g.len()).collect();
    let digits: usize = lens.iter().sum();
    let first = &chars[c.groups[0].clone()];
    if !(7..=15).contains(&digits)
        || lens.iter().filter(|&&n| n == 1).count() > 1
        || !ends_word(chars, c.end)
        || (matches!(chars.get(c.end), Some(',' | '.'))
            && chars.get(c.end + 1).is_some_and(char::is_ascii_digit))
        || followed_by_unit(chars, c.end)
        || looks_like_date(chars, c)
    {
        return false;
    }
    if c.plus {
        return true;
    }
    let context = context_before(chars, at);
    if has_word(&context, PHONE_WORDS) {
        return true;
    }
    if has_word(&context, ORDER_WORDS) {
        return false;
    }
    let nanp = matches!(lens.as_slice(), [3, 3, 4] | [1, 3, 3, 4]);
    (first.starts_with(&['0', '0']) && first.get(2) != Some(&'0') && digits >= 9)
        || (first[0] == '0' && (9..=13).contains(&digits))
        || (c.parenthesised && c.groups.len() >= 2)
        || (nanp && (lens.len() == 3 || first == ['1']))
}

/// Whether the first three groups read as a date: d.m.yyyy, yyyy-mm-dd and the like.
fn looks_like_date(chars: &[char], c: &PhoneCandidate) -> bool {
    let [a, b, y, ..] = c.groups.as_slice() else {
        return false;
    };
    if !c
        .joiners
        .iter()
        .take(2)
        .all(|j| matches!(j, '.' | '-' | '/'))
    {
        return false;
    }
    let year = |g: &Range<usize>| {
        g.len() == 4 && matches!(chars[g.start..g.start + 2], ['1', '9'] | ['2', '0'])
    };
    (a.len() <= 2 && b.len() <= 2 && year(y)) || (year(a) && b.len() <= 2 && y.len() <= 2)
}

fn followed_by_unit(chars: &[char], end: usize) -> bool {
    let start = end + usize::from(chars.get(end) == Some(&' '));
    let word_end = (start..chars.len())
        .find(|&i| !chars[i].is_alphabetic())
        .unwrap_or(chars.len());
    let word: String = if word_end > start {
        chars[start..word_end]
            .iter()
            .flat_map(|c| c.to_lowercase())
            .collect()
    } else {
        chars.get(start).map(char::to_string).unwrap_or_default()
    };
    UNITS.contains(&word.as_str())
}

/// Up to [`CONTEXT_CHARS`] lowercase characters before `at`, back to the previous number,
/// `@` or placeholder (so redacting a neighbour never changes what a second pass sees), and
/// whether the first of them starts a word.
fn context_before(chars: &[char], at: usize) -> (Vec<char>, bool) {
    let floor = at.saturating_sub(CONTEXT_CHARS);
    let start = (floor..at)
        .rev()
        .find(|&i| chars[i].is_ascii_digit() || matches!(chars[i], '@' | '[' | ']'))
        .map_or(floor, |i| i + 1);
    let word_start = start == 0 || !chars[start - 1].is_alphanumeric();
    let text = chars[start..at]
        .iter()
        .flat_map(|c| c.to_lowercase())
        .collect();
    (text, word_start)
}

/// Whether one of `words` starts a word of the context.
fn has_word((context, word_start): &(Vec<char>, bool), words: &[&str]) -> bool {
    (0..context.len()).any(|i| {
        let starts = match i {
            0 => *word_start,
            _ => !context[i - 1].is_alphanumeric(),
        };
        starts
            && words.iter().any(|word| {
                let mut rest = context[i..].iter();
                word.chars().all(|w| rest.next() == Some(&w))
            })
    })
}
