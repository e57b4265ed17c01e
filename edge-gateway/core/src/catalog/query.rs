//! The search query: from the `search_products` tool's arguments, or from a shopper's plain
//! sentence for the built-in responder ("waterproof jacket under 200 in size M"), into a
//! full-text query and structured filters.
//!
//! Owns: argument validation, the sentence parser, option-name synonyms (size/taille,
//! colour/color, …), option-value normalisation (medium → M), and the FTS5 MATCH
//! expressions. Prices are minor units of the catalog's currency.

use super::money;
use serde_json::Value;

/// A parsed search.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The words searched (lower case, stop words and filter words removed).
    pub terms: Vec<String>,
    /// Lowest price, minor units.
    pub min_price: Option<i64>,
    /// Highest price, minor units.
    pub max_price: Option<i64>,
    /// Only products with a variant in stock.
    pub in_stock: bool,
    /// A category or tag (lower case).
    pub category: Option<String>,
    /// Option filters: (canonical name, normalised value).
    pub options: Vec<(String, String)>,
}

/// Longest query text taken.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most terms in a full-text query.
pub const MAX_TERMS: usize = 8;

const STOP_WORDS: &[&str] = &[
    "a",
    "an",
    "and",
    "any",
    "are",
    "can",
    "do",
    "does",
    "find",
    "for",
    "get",
    "have",
    "help",
    "i",
    "id",
    "im",
    "in",
    "is",
    "it",
    "looking",
    "me",
    "my",
    "need",
    "of",
    "on",
    "or",
    "please",
    "show",
    "some",
    "something",
    "that",
    "the",
    "there",
    "this",
    "to",
    "want",
    "what",
    "which",
    "with",
    "would",
    "you",
    "your",
    "like",
    "buy",
    "got",
    "hi",
    "hello",
    "search",
    "product",
    "products",
    "item",
    "items",
    "size",
    "colour",
    "color",
    "price",
    "priced",
    "cost",
    "costs",
    "euro",
    "euros",
    "eur",
    "usd",
    "dollars",
    "dollar",
    "gbp",
    "pounds",
    "sek",
    "chf",
];

/// Option name synonyms → canonical name.
pub fn canonical_option(name: &str) -> String {
    let n = name.trim().to_lowercase();
    match n.as_str() {
        "size" | "sizes" | "taille" | "größe" | "grösse" | "groesse" | "talla" | "maat"
        | "taglia" | "storlek" | "shoe size" => String::from("size"),
        "colour" | "color" | "colours" | "colors" | "couleur" | "farbe" | "kleur" | "colore"
        | "färg" => String::from("colour"),
        "material" | "matière" | "matiere" | "stoff" => String::from("material"),
        _ => n,
    }
}

/// An option value, normalised for comparison: case, and the common size words.
pub fn normalise_value(value: &str) -> String {
    let v = value.trim().to_lowercase();
    match v.as_str() {
        "extra small" | "x-small" | "xsmall" => String::from("xs"),
        "small" | "petit" | "klein" => String::from("s"),
        "medium" | "moyen" | "mittel" | "med" => String::from("m"),
        "large" | "grand" | "groß" | "gross" => String::from("l"),
        "extra large" | "x-large" | "xlarge" => String::from("xl"),
        "grey" => String::from("gray"),
        _ => v,
    }
}

/// Colour words the sentence parser recognises as a colour filter.
const COLOURS: &[&str] = &[
    "black", "white", "red", "blue", "green", "yellow", "orange", "purple", "pink", "brown",
    "grey", "gray", "navy", "beige", "olive", "teal",
];

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == ','))
        .map(|w| w.trim_matches(|c| c == '.' || c == ','))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_number(w: &str) -> bool {
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && w.chars().any(|c| c.is_ascii_digit())
}

fn number(w: &str, exp: u8) -> Option<i64> {
    let w = w.replace(',', ".");
    w.parse::<f64>()
        .ok()
        .and_then(|v| money::filter_amount(v, exp))
}

/// Terms from free text: words that are not stop words or numbers, plural "s" dropped.
fn terms_of(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for w in words(text) {
        if STOP_WORDS.contains(&w.as_str()) || is_number(&w) {
            continue;
        }
        let w: String = w.chars().filter(|c| c.is_alphanumeric()).collect();
        if w.is_empty() {
            continue;
        }
        let stem = stem(&w);
        if !terms.contains(&stem) && terms.len() < MAX_TERMS {
            terms.push(stem);
        }
    }
    terms
}

/// A light stem: the plural "s"/"es" dropped from longer words (the FTS query is a prefix
/// query, so "jacket" finds "jackets" too).
pub fn stem(word: &str) -> String {
    let n = word.chars().count();
    if n > 4 && word.ends_with("ies") {
        format!("{}y", &word[..word.len() - 3])
    } else if n > 4 && (word.ends_with("ses") || word.ends_with("xes") || word.ends_with("shes")) {
        word[..word.len() - 2].to_owned()
    } else if n > 3 && word.ends_with('s') && !word.ends_with("ss") {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

impl SearchQuery {
    /// From the `search_products` arguments; `exp` is the catalog currency's exponent.
    pub fn from_args(args: &Value, exp: u8) -> Result<SearchQuery, String> {
        let text = match args.get("query") {
            Some(Value::String(s)) => s.as_str(),
            None | Some(Value::Null) => "",
            Some(_) => return Err(String::from("`query` must be a string")),
        };
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let price = |key: &str| -> Result<Option<i64>, String> {
            match args.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_f64()
                    .and_then(|v| money::filter_amount(v, exp))
                    .map(Some)
                    .ok_or_else(|| format!("`{key}` must be a non-negative number")),
                Some(Value::String(s)) => number(s.trim(), exp)
                    .map(Some)
                    .ok_or_else(|| format!("`{key}` must be a number")),
                Some(_) => Err(format!("`{key}` must be a number")),
            }
        };
        let min_price = price("min_price")?;
        let max_price = price("max_price")?;
        if let (Some(lo), Some(hi)) = (min_price, max_price) {
            if lo > hi {
                return Err(String::from("`min_price` is above `max_price`"));
            }
        }
        let in_stock = match args.get("in_stock") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(String::from("`in_stock` must be true or false")),
        };
        let category = match args.get("category") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().to_lowercase().chars().take(80).collect()),
            Some(_) => return Err(String::from("`category` must be a string")),
        };
        let mut options = Vec::new();
        match args.get("options") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (name, value) in map.iter().take(4) {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => return Err(format!("option `{name}` must be a string")),
                    };
                    if !value.trim().is_empty() {
                        options.push((canonical_option(name), normalise_value(&value)));
                    }
                }
            }
            Some(_) => return Err(String::from("`options` must be an object")),
        }
        let mut query = SearchQuery::from_sentence(&text, exp);
        // Explicit arguments win over what the sentence implied.
        query.min_price = min_price.or(query.min_price);
        query.max_price = max_price.or(query.max_price);
        query.in_stock |= in_stock;
        query.category = category;
        for (name, value) in options {
            query.options.retain(|(n, _)| *n != name);
            query.options.push((name, value));
        }
        Ok(query)
    }

    /// From a shopper's sentence: "waterproof jacket under 200 in size M", "red dress
    /// between 50 and 80 euros in stock", "taille 42 boots".
    pub fn from_sentence(sentence: &str, exp: u8) -> SearchQuery {
        let sentence: String = sentence.chars().take(MAX_QUERY_CHARS).collect();
        let lower = sentence.to_lowercase();
        let ws: Vec<String> = lower
            .split(|c: char| c.is_whitespace() || "?!;:()\"'€$£".contains(c))
            .map(|w| w.trim_end_matches([',', '.']).to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        let mut q = SearchQuery::default();
        let mut used = vec![false; ws.len()];
        let num_at = |i: usize| {
            ws.get(i).and_then(|w| {
                let w = w
                    .trim_start_matches(['€', '$', '£'])
                    .trim_end_matches(['€', '$', '£']);
                is_number(w).then(|| number(w, exp)).flatten()
            })
        };
        let mut i = 0;
        while i < ws.len() {
            let w = ws[i].as_str();
            let next = ws.get(i + 1).map(String::as_str);
            match (w, next) {
                ("under" | "below" | "max" | "maximum" | "cheaper" | "upto", _)
                | ("less" | "up", Some("than" | "to")) => {
                    let skip = if matches!(next, Some("than" | "to")) {
                        2
                    } else {
                        1
                    };
                    let skip = if w == "cheaper" && next == Some("than") {
                        2
                    } else {
                        skip
                    };
                    if let Some(v) = num_at(i + skip) {
                        q.max_price = Some(v);
                        used[i..=i + skip].iter_mut().for_each(|u| *u = true);
                        i += skip + 1;
                        continue;
                    }
                }
                ("over" | "above" | "min" | "minimum" | "from", _) | ("more", Some("than")) => {
                    let skip = if next == Some("than") { 2 } else { 1 };
                    if let Some(v) = num_at(i + skip) {
                        q.min_price = Some(v);
                        used[i..=i + skip].iter_mut().for_each(|u| *u = true);
                        i += skip + 1;
                        continue;
                    }
                }
                ("between", _) => {
                    if let (Some(a), Some("and" | "-"), Some(b)) = (
                        num_at(i + 1),
                        ws.get(i + 2).map(String::as_str),
                        num_at(i + 3),
                    ) {
                        q.min_price = Some(a.min(b));
                        q.max_price = Some(a.max(b));
                        used[i..=i + 3].iter_mut().for_each(|u| *u = true);
                        i += 4;
                        continue;
                    }
                }
                ("size" | "taille" | "größe" | "grösse" | "talla" | "maat" | "taglia", Some(v)) =>
                {
                    let (value, span) = match (v, ws.get(i + 2).map(String::as_str)) {
                        ("extra" | "x", Some(s @ ("small" | "large"))) => (format!("extra {s}"), 2),
                        _ => (v.to_owned(), 1),
                    };
                    q.options.retain(|(n, _)| n != "size");
                    q.options
                        .push((String::from("size"), normalise_value(&value)));
                    used[i..=i + span].iter_mut().for_each(|u| *u = true);
                    i += span + 1;
                    continue;
                }
                ("in", Some("stock")) | ("available", _) => {
                    q.in_stock = true;
                    used[i] = true;
                    if w == "in" {
                        used[i + 1] = true;
                        i += 2;
                        continue;
                    }
                }
                _ if COLOURS.contains(&w) && !q.options.iter().any(|(n, _)| n == "colour") => {
                    q.options.push((String::from("colour"), normalise_value(w)));
                    used[i] = true;
                }
                _ => {}
            }
            i += 1;
        }
        let rest: Vec<&str> = ws
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(w, _)| w.as_str())
            .collect();
        q.terms = terms_of(&rest.join(" "));
        q
    }

    /// The FTS5 MATCH expression requiring every term (prefix match), `None` without terms.
    pub fn fts_all(&self) -> Option<String> {
        self.fts(" AND ")
    }

    /// The FTS5 MATCH expression accepting any term (the fallback when all-terms finds
    /// nothing).
    pub fn fts_any(&self) -> Option<String> {
        self.fts(" OR ")
    }

    fn fts(&self, join: &str) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        // Terms are alphanumeric only (see `terms_of`), so quoting them is enough to keep
        // FTS5 syntax out of the shopper's words.
        Some(
            self.terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(join),
        )
    }
}
