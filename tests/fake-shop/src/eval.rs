//! The product-search eval set: shopper questions over the default catalog, each with the
//! `search_products` arguments a good model would send and the expected product handles.
//!
//! Owns: question templates and the constraint filter that derives each expected set.
//! Must not depend on: any search implementation — expected sets come only from the
//! generated products' facts (category, attributes, brand, model, audience, variant options,
//! variant prices and stock), so the eval cannot flatter the search it measures.
//!
//! Expected = every product that satisfies all constraints (the full set a shopper would accept);
//! a product satisfies the variant constraints when ONE of its variants has the asked option
//! values, is in stock (if asked) and is priced within the bounds (if asked). Prices are the
//! selling price (not compare-at); bounds are inclusive, as the tool's `max_price`/`min_price`.

use serde_json::{json, Map, Value};

use crate::catalog::{Catalog, Product, Rng};
use crate::words::{self, CategorySpec};

/// What a question asks for, as facts of the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Category name.
    pub category: Option<&'static str>,
    /// Attributes the product must all have.
    pub attributes: Vec<&'static str>,
    /// Brand (vendor).
    pub brand: Option<String>,
    /// Model word in the title.
    pub model: Option<String>,
    /// "kids", "women", "men".
    pub audience: Option<&'static str>,
    /// Lowest price, cents, inclusive.
    pub min_cents: Option<u64>,
    /// Highest price, cents, inclusive.
    pub max_cents: Option<u64>,
    /// Only in-stock variants count.
    pub in_stock: bool,
    /// (option name, value), case-insensitive.
    pub options: Vec<(String, String)>,
}

impl Constraints {
    /// Whether a product satisfies every constraint.
    pub fn accepts(&self, product: &Product) -> bool {
        let product_level = self.category.is_none_or(|c| product.category == c)
            && self
                .attributes
                .iter()
                .all(|a| product.attributes.contains(a))
            && self.brand.as_deref().is_none_or(|b| product.brand == b)
            && self.model.as_deref().is_none_or(|m| product.model == m)
            && self.audience.is_none_or(|a| product.audience == a);
        product_level
            && product.variants.iter().any(|variant| {
                (!self.in_stock || variant.available())
                    && self.min_cents.is_none_or(|min| variant.price_cents >= min)
                    && self.max_cents.is_none_or(|max| variant.price_cents <= max)
                    && self.options.iter().all(|(name, value)| {
                        product
                            .option_value(variant, name)
                            .is_some_and(|v| v.eq_ignore_ascii_case(value))
                    })
            })
    }

    /// Handles of every accepted product, in catalog order.
    pub fn expected(&self, catalog: &Catalog) -> Vec<String> {
        catalog
            .products
            .iter()
            .filter(|p| self.accepts(p))
            .map(|p| p.handle.clone())
            .collect()
    }

    fn to_json(&self) -> Value {
        let mut out = Map::new();
        if let Some(c) = self.category {
            out.insert("category".into(), json!(c));
        }
        if !self.attributes.is_empty() {
            out.insert("attributes".into(), json!(self.attributes));
        }
        if let Some(b) = &self.brand {
            out.insert("brand".into(), json!(b));
        }
        if let Some(m) = &self.model {
            out.insert("model".into(), json!(m));
        }
        if let Some(a) = self.audience {
            out.insert("audience".into(), json!(a));
        }
        if let Some(v) = self.min_cents {
            out.insert("min_price".into(), json!(v as f64 / 100.0));
        }
        if let Some(v) = self.max_cents {
            out.insert("max_price".into(), json!(v as f64 / 100.0));
        }
        if self.in_stock {
            out.insert("in_stock".into(), json!(true));
        }
        if !self.options.is_empty() {
            let options: Map<String, Value> = self
                .options
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            out.insert("options".into(), Value::Object(options));
        }
        Value::Object(out)
    }
}

/// One eval question.
#[derive(Debug, Clone)]
pub struct Question {
    /// What it exercises.
    pub kind: &'static str,
    /// What the shopper types.
    pub text: String,
    /// `search_products` arguments.
    pub arguments: Value,
    /// The facts the expected set is filtered by.
    pub constraints: Constraints,
}

fn plural(spec: &CategorySpec) -> String {
    spec.name.to_ascii_lowercase()
}

/// Whole euros rounded up to a "shopper number" (10s below 100, 50s above).
fn round_up(cents: u64) -> u64 {
    let euros = cents.div_ceil(100);
    let step = if euros < 100 { 10 } else { 50 };
    euros.div_ceil(step) * step
}

fn prices(catalog: &Catalog, c: &Constraints) -> Vec<u64> {
    let mut prices: Vec<u64> = catalog
        .products
        .iter()
        .filter(|p| c.accepts(p))
        .map(Product::min_price_cents)
        .collect();
    prices.sort_unstable();
    prices
}

fn args(query: &str, category: Option<&str>, extra: &[(&str, Value)]) -> Value {
    let mut out = Map::new();
    out.insert("query".into(), json!(query));
    if let Some(c) = category {
        out.insert("category".into(), json!(c));
    }
    for (k, v) in extra {
        out.insert((*k).into(), v.clone());
    }
    Value::Object(out)
}

fn base(spec: &'static CategorySpec, attribute: Option<&'static str>) -> Constraints {
    Constraints {
        category: Some(spec.name),
        attributes: attribute.into_iter().collect(),
        ..Constraints::default()
    }
}

/// Every question, before expected sets are filled in.
pub fn questions(catalog: &Catalog) -> Vec<Question> {
    let mut rng = Rng::new(0xE7A1);
    let mut out: Vec<Question> = Vec::new();
    let pairs: Vec<(&'static CategorySpec, &'static str)> = words::CATEGORIES
        .iter()
        .flat_map(|spec| spec.attributes.iter().map(move |a| (spec, *a)))
        .collect();
    let q = |kind, text: String, arguments, constraints| Question {
        kind,
        text,
        arguments,
        constraints,
    };

    // The issue's own journey, word for word.
    let jackets = words::category("Jackets");
    let mut c = base(jackets, Some("waterproof"));
    c.max_cents = Some(20_000);
    c.options = vec![("size".into(), "M".into())];
    out.push(q(
        "combined",
        "waterproof jacket under 200 in size M".into(),
        args(
            "waterproof jacket",
            Some("Jackets"),
            &[("max_price", json!(200)), ("options", json!({"size": "M"}))],
        ),
        c,
    ));
    out.push(q(
        "in_stock",
        "Is the Summit jacket in stock in M?".into(),
        args(
            "summit jacket",
            None,
            &[("in_stock", json!(true)), ("options", json!({"size": "M"}))],
        ),
        Constraints {
            category: Some("Jackets"),
            model: Some("Summit".into()),
            in_stock: true,
            options: vec![("size".into(), "M".into())],
            ..Constraints::default()
        },
    ));

    for (i, (spec, attribute)) in pairs.iter().step_by(2).enumerate() {
        let (spec, attribute) = (*spec, *attribute);
        let text = match i % 3 {
            0 => format!("Do you have {attribute} {}?", plural(spec)),
            1 => format!("I'm looking for {attribute} {}", plural(spec)),
            _ => format!("show me your {attribute} {}", plural(spec)),
        };
        out.push(q(
            "category+attribute",
            text,
            args(
                &format!("{attribute} {}", spec.singular),
                Some(spec.name),
                &[],
            ),
            base(spec, Some(attribute)),
        ));
    }

    for (spec, attribute) in pairs.iter().step_by(3) {
        let c = base(spec, Some(attribute));
        let list = prices(catalog, &c);
        if list.len() < 4 {
            continue;
        }
        let ceiling = round_up(list[list.len() / 3]);
        let mut capped = c.clone();
        capped.max_cents = Some(ceiling * 100);
        out.push(q(
            "price_ceiling",
            format!("{attribute} {} under {ceiling} euros", plural(spec)),
            args(
                &format!("{attribute} {}", spec.singular),
                Some(spec.name),
                &[("max_price", json!(ceiling))],
            ),
            capped,
        ));
    }

    for spec in words::CATEGORIES {
        let c = base(spec, None);
        let list = prices(catalog, &c);
        let floor = round_up(list[list.len() * 4 / 5]);
        let mut floored = c.clone();
        floored.min_cents = Some(floor * 100);
        out.push(q(
            "price_floor",
            format!("premium {} over {floor} EUR", plural(spec)),
            args(
                spec.singular,
                Some(spec.name),
                &[("min_price", json!(floor))],
            ),
            floored,
        ));
    }

    for spec in words::CATEGORIES.iter().step_by(2) {
        let list = prices(catalog, &base(spec, None));
        let (lo, hi) = (
            round_up(list[list.len() / 4]),
            round_up(list[list.len() / 2]),
        );
        if lo >= hi {
            continue;
        }
        let mut c = base(spec, None);
        c.min_cents = Some(lo * 100);
        c.max_cents = Some(hi * 100);
        out.push(q(
            "price_range",
            format!("{} between {lo} and {hi} euros", plural(spec)),
            args(
                spec.singular,
                Some(spec.name),
                &[("min_price", json!(lo)), ("max_price", json!(hi))],
            ),
            c,
        ));
    }

    let sized: Vec<(&'static CategorySpec, &'static str)> = pairs
        .iter()
        .copied()
        .filter(|(spec, _)| matches!(spec.sizing, words::Sizing::Clothing | words::Sizing::Shoes))
        .collect();
    for k in 0..16 {
        let (spec, attribute) = sized[(k * 7) % sized.len()];
        let size = if spec.sizing == words::Sizing::Shoes {
            (38 + rng.below(9)).to_string()
        } else {
            (*rng.pick(words::CLOTHING_SIZES)).to_string()
        };
        let mut c = base(spec, Some(attribute));
        c.options = vec![("size".into(), size.clone())];
        out.push(q(
            "size",
            format!("{attribute} {} in size {size}", plural(spec)),
            args(
                &format!("{attribute} {}", spec.singular),
                Some(spec.name),
                &[("options", json!({"size": size}))],
            ),
            c,
        ));
    }

    for k in 0..12 {
        let spec = &words::CATEGORIES[(k * 5) % words::CATEGORIES.len()];
        let colour = words::COLOURS[(k * 3) % words::COLOURS.len()].to_ascii_lowercase();
        let mut c = base(spec, None);
        c.options = vec![("colour".into(), colour.clone())];
        out.push(q(
            "colour",
            format!("do you have {colour} {}?", plural(spec)),
            args(
                spec.singular,
                Some(spec.name),
                &[("options", json!({"colour": colour}))],
            ),
            c,
        ));
    }

    // "Is the <model> <thing> in stock in <size>?" for products that have such a variant.
    let mut picked = 0;
    for product in catalog.products.iter().skip(40).step_by(97) {
        if picked == 10 {
            break;
        }
        let Some(size_position) = product.options.iter().position(|o| o.name == "Size") else {
            continue;
        };
        let in_stock: Vec<_> = product.variants.iter().filter(|v| v.available()).collect();
        if in_stock.is_empty() {
            continue;
        }
        let variant = in_stock[rng.below(in_stock.len() as u64) as usize];
        let size = variant.options[size_position].clone();
        let spec = words::category(product.category);
        let c = Constraints {
            category: Some(spec.name),
            brand: Some(product.brand.clone()),
            model: Some(product.model.clone()),
            in_stock: true,
            options: vec![("size".into(), size.clone())],
            ..Constraints::default()
        };
        out.push(q(
            "in_stock",
            format!(
                "Do you have the {} {} {} in size {size} in stock?",
                product.brand, product.model, spec.singular
            ),
            args(
                &format!("{} {} {}", product.brand, product.model, spec.singular),
                Some(spec.name),
                &[
                    ("in_stock", json!(true)),
                    ("options", json!({"size": size})),
                ],
            ),
            c,
        ));
        picked += 1;
    }

    for k in 0..10 {
        let brand = words::BRANDS[(k * 5) % words::BRANDS.len()];
        let spec = &words::CATEGORIES[(k * 3 + 1) % words::CATEGORIES.len()];
        let c = Constraints {
            category: Some(spec.name),
            brand: Some(brand.into()),
            ..Constraints::default()
        };
        out.push(q(
            "brand",
            format!("Show me {brand} {}", plural(spec)),
            args(&format!("{brand} {}", spec.singular), Some(spec.name), &[]),
            c,
        ));
    }

    // Brand names a model cannot correct: the typo goes to search as typed.
    for k in 0..10 {
        let (brand, typo) = words::BRAND_TYPOS[k % words::BRAND_TYPOS.len()];
        let spec = &words::CATEGORIES[(k * 4 + 2) % words::CATEGORIES.len()];
        let c = Constraints {
            category: Some(spec.name),
            brand: Some(brand.into()),
            ..Constraints::default()
        };
        out.push(q(
            "misspelling",
            format!("{typo} {}", plural(spec)),
            args(
                &format!("{} {}", typo.to_ascii_lowercase(), spec.singular),
                Some(spec.name),
                &[],
            ),
            c,
        ));
    }

    // Product words misspelled (one edit): the typo goes to search as typed.
    for (k, (attribute, typo)) in words::ATTRIBUTE_TYPOS.iter().enumerate() {
        let Some((spec, _)) = pairs
            .iter()
            .filter(|(_, a)| a == attribute)
            .nth(k % 2)
            .or_else(|| pairs.iter().find(|(_, a)| a == attribute))
        else {
            continue;
        };
        out.push(q(
            "misspelling",
            format!("{typo} {}", plural(spec)),
            args(&format!("{typo} {}", spec.singular), Some(spec.name), &[]),
            base(spec, Some(attribute)),
        ));
    }

    // No category argument: the query's singular/plural form alone must find them.
    for (k, (spec, attribute)) in pairs.iter().skip(1).step_by(6).enumerate() {
        let word = if k % 2 == 0 {
            spec.singular.to_owned()
        } else {
            plural(spec)
        };
        let text = if k % 2 == 0 {
            let article = if word.ends_with('s') {
                ""
            } else if attribute.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an "
            } else {
                "a "
            };
            format!("I need {article}{attribute} {word}")
        } else {
            format!("any {attribute} {word}?")
        };
        out.push(q(
            "plural_singular",
            text,
            args(&format!("{attribute} {word}"), None, &[]),
            base(spec, Some(attribute)),
        ));
    }

    for spec in words::CATEGORIES.iter().filter(|s| s.gendered).take(8) {
        let mut c = base(spec, None);
        c.audience = Some("kids");
        out.push(q(
            "kids",
            format!("kids' {}", plural(spec)),
            args(&format!("kids {}", spec.singular), Some(spec.name), &[]),
            c,
        ));
    }

    for (k, (spec, attribute)) in sized.iter().skip(2).step_by(4).take(10).enumerate() {
        let mut c = base(spec, Some(attribute));
        let list = prices(catalog, &c);
        if list.len() < 3 {
            continue;
        }
        let ceiling = round_up(list[list.len() / 2]);
        let size = if spec.sizing == words::Sizing::Shoes {
            (40 + k as u64 % 5).to_string()
        } else {
            words::CLOTHING_SIZES[k % 4].to_string()
        };
        c.max_cents = Some(ceiling * 100);
        c.in_stock = true;
        c.options = vec![("size".into(), size.clone())];
        out.push(q(
            "combined",
            format!(
                "{attribute} {} under {ceiling} in size {size}, in stock",
                plural(spec)
            ),
            args(
                &format!("{attribute} {}", spec.singular),
                Some(spec.name),
                &[
                    ("max_price", json!(ceiling)),
                    ("in_stock", json!(true)),
                    ("options", json!({"size": size})),
                ],
            ),
            c,
        ));
    }
    out
}

/// The eval file: questions with a non-empty expected set.
pub fn eval_set(catalog: &Catalog, seed: u64) -> Value {
    let mut seen = std::collections::HashSet::new();
    let items: Vec<Value> = questions(catalog)
        .into_iter()
        .filter(|question| seen.insert(question.arguments.to_string()))
        .filter_map(|question| {
            let expected = question.constraints.expected(catalog);
            (!expected.is_empty()).then_some((question, expected))
        })
        .enumerate()
        .map(|(i, (question, expected))| {
            json!({
                "id": format!("q{:03}", i + 1),
                "kind": question.kind,
                "question": question.text,
                "arguments": question.arguments,
                "constraints": question.constraints.to_json(),
                "expected": expected,
            })
        })
        .collect();
    json!({
        "about": "Shopper questions over the fake shop's default catalog (tests/fake-shop). `arguments` are the search_products arguments a good model sends; `expected` is EVERY product handle satisfying `constraints`, derived from the generated products' facts (never from a search). Regenerate with `cargo run -p shopkeep-fake-shop -- --eval > tests/eval/catalog-questions.json`; a host test fails when this file drifts from the generator.",
        "metrics": "precision@5 = relevant results in the top 5 / results in the top 5 (max 5); recall@5 = relevant results in the top 5 / min(5, expected count).",
        "catalog": {"seed": seed, "products": catalog.products.len()},
        "questions": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopper_numbers() {
        assert_eq!(round_up(4_590), 50);
        assert_eq!(round_up(12_999), 150);
        assert_eq!(round_up(10_000), 100);
    }
}
