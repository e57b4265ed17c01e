//! Checking the model's reply against the cards shown, and the built-in responder's words
//! for product answers.
//!
//! Owns: finding prices in reply text and counting the ones that match no shown product
//! (telemetry for a possible hallucination), and the built-in product answer text.

use super::money::{decimal_to_minor, format_plain};
use shopkeep_protocol::ProductCard;

const SYMBOLS: [char; 4] = ['€', '$', '£', '¥'];
const CODES: [&str; 8] = ["eur", "usd", "gbp", "chf", "sek", "jpy", "cad", "aud"];

/// Prices written in `text` (a number next to a currency symbol or code), in minor units
/// at each candidate exponent (2 and 0), e.g. "129.99 €" → 12999.
pub fn prices_in(text: &str) -> Vec<i64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit()
            || (i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1].is_alphabetic()))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || ((chars[i] == '.' || chars[i] == ',')
                    && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            i += 1;
        }
        let raw: String = chars[start..i].iter().collect();
        let before: String = chars[start.saturating_sub(5)..start]
            .iter()
            .collect::<String>()
            .to_lowercase();
        let after: String = chars[i..(i + 5).min(chars.len())]
            .iter()
            .collect::<String>()
            .to_lowercase();
        let marked = before.trim_end().ends_with(SYMBOLS)
            || after.trim_start().starts_with(SYMBOLS)
            || CODES
                .iter()
                .any(|c| after.trim_start().starts_with(c) || before.trim_end().ends_with(c));
        if marked {
            // "1,299.00" / "1.299,00" / "129,99": the last separator followed by exactly
            // two digits is the decimal point; the others group thousands.
            let normalised = match raw.rfind(['.', ',']) {
                Some(p) if raw.len() - p == 3 => {
                    let whole: String = raw[..p].chars().filter(char::is_ascii_digit).collect();
                    format!("{whole}.{}", &raw[p + 1..])
                }
                _ => raw.chars().filter(char::is_ascii_digit).collect(),
            };
            if let Ok(minor) = decimal_to_minor(&normalised, 2) {
                out.push(minor);
            }
        }
    }
    out
}

/// How many prices in `text` match no price of the shown cards (any variant, or the
/// compare-at price). Whole amounts ("129 €") match a price of 129.00 or 129.xx rounded.
pub fn unmatched_prices(text: &str, cards: &[ProductCard]) -> u32 {
    let shown: Vec<i64> = cards
        .iter()
        .flat_map(|c| {
            let scale = 10i64.pow(u32::from(2u8.saturating_sub(c.price.exponent)));
            std::iter::once(&c.price)
                .chain(c.compare_at.iter())
                .chain(c.variants.iter().map(|v| &v.price))
                .map(move |m| m.amount_minor * scale)
                .collect::<Vec<_>>()
        })
        .collect();
    prices_in(text)
        .into_iter()
        .filter(|p| {
            !shown.iter().any(|s| {
                s == p || (p % 100 == 0 && (s / 100 == p / 100 || (s + 50) / 100 == p / 100))
            })
        })
        .count() as u32
}

/// The built-in responder's answer for a product question.
pub fn builtin_answer(cards: &[ProductCard]) -> String {
    match cards {
        [] => String::from(
            "I couldn't find a product matching that in the catalog. Could you describe it differently, or loosen the price or size?",
        ),
        [one] => format!(
            "I found one match: {} at {} {}{}.",
            one.title,
            format_plain(&one.price),
            one.price.currency,
            if one.available { "" } else { " (currently out of stock)" }
        ),
        many => {
            let mut text = format!("Here are {} products that match:", many.len());
            for c in many {
                text.push_str(&format!(
                    "\n- {}: {} {}{}",
                    c.title,
                    format_plain(&c.price),
                    c.price.currency,
                    if c.available { "" } else { " (out of stock)" }
                ));
            }
            text
        }
    }
}

/// Whether a shopper's question is about products (the built-in responder's routing):
/// shopping words, a price filter, a size or colour, or a hit in the catalog's own words.
pub fn looks_like_product_question(question: &str) -> bool {
    let q = question.to_lowercase();
    const HINTS: [&str; 18] = [
        "under ",
        "below ",
        "cheaper",
        "in size",
        "size ",
        "taille",
        "in stock",
        "do you have",
        "do you sell",
        "looking for",
        "show me",
        "recommend",
        "price of",
        "how much is",
        "how much are",
        "between ",
        "colour",
        "color",
    ];
    HINTS.iter().any(|h| q.contains(h))
}
