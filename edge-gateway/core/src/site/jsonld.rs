//! JSON-LD (schema.org) a page carries, turned into clean, self-contained snippets: each
//! FAQ question with its answer, a product's price, availability, returns and shipping, a
//! merchant return policy, shipping details, and the organisation's contact facts. These
//! read better than the same facts scraped from layout, and answer the questions shoppers
//! ask most.

use serde_json::Value;

use super::text::{decode_entities, fold_whitespace};

/// A snippet made from structured data: a title and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// What the snippet is about (the question, the product, "Return policy", …).
    pub title: String,
    /// Plain-text body.
    pub text: String,
}

/// Every fact in one JSON-LD document (an object, an array, or an `@graph`).
pub fn facts(doc: &Value) -> Vec<Fact> {
    let mut out = Vec::new();
    walk(doc, &mut out);
    out
}

fn walk(value: &Value, out: &mut Vec<Fact>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
        Value::Object(map) => {
            if let Some(graph) = map.get("@graph") {
                walk(graph, out);
            }
            if is(value, "FAQPage") {
                faq(value, out);
            } else if is(value, "Product") || is(value, "ProductGroup") {
                out.extend(product(value));
            } else if is(value, "MerchantReturnPolicy") {
                out.push(Fact {
                    title: "Return policy".into(),
                    text: return_policy(value),
                });
            } else if is(value, "OfferShippingDetails") {
                out.push(Fact {
                    title: "Shipping".into(),
                    text: shipping(value),
                });
            } else if is(value, "Organization") || is(value, "OnlineStore") || is(value, "Store") {
                out.extend(organization(value));
            }
        }
        _ => {}
    }
}

/// Whether `@type` is (or includes) `ty`.
fn is(value: &Value, ty: &str) -> bool {
    match value.get("@type") {
        Some(Value::String(s)) => s == ty,
        Some(Value::Array(types)) => types.iter().any(|t| t.as_str() == Some(ty)),
        _ => false,
    }
}

/// A string field, HTML tags stripped, entities decoded, whitespace folded.
fn s(value: &Value, key: &str) -> Option<String> {
    let text = match value.get(key)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        // `{"@type": "Brand", "name": "Acme"}` and the like: the thing's name.
        Value::Object(_) => return s(value.get(key)?, "name"),
        _ => return None,
    };
    let text = fold_whitespace(&decode_entities(&strip_tags(&text)));
    (!text.is_empty()).then_some(text)
}

/// `https://schema.org/InStock` → `in stock`.
fn enum_name(value: &Value, key: &str) -> Option<String> {
    let raw = s(value, key)?;
    let name = raw.rsplit('/').next().unwrap_or(&raw);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    Some(out)
}

/// Removes tags; block-level ones become a space so words on either side stay apart.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut tag: Option<String> = None;
    for c in html.chars() {
        match (&mut tag, c) {
            (None, '<') => tag = Some(String::new()),
            (Some(name), '>') => {
                let name = name.trim_start_matches('/').to_ascii_lowercase();
                let name = name.split([' ', '/']).next().unwrap_or("");
                if matches!(
                    name,
                    "p" | "br"
                        | "li"
                        | "div"
                        | "ul"
                        | "ol"
                        | "tr"
                        | "td"
                        | "h1"
                        | "h2"
                        | "h3"
                        | "h4"
                ) {
                    out.push(' ');
                }
                tag = None;
            }
            (Some(name), c) => name.push(c),
            (None, c) => out.push(c),
        }
    }
    out
}

fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    }
}

fn faq(page: &Value, out: &mut Vec<Fact>) {
    for question in one_or_many(page.get("mainEntity")) {
        let Some(title) = s(question, "name") else {
            continue;
        };
        let answer = one_or_many(question.get("acceptedAnswer"))
            .into_iter()
            .filter_map(|a| s(a, "text"))
            .collect::<Vec<_>>()
            .join(" ");
        if !answer.is_empty() {
            out.push(Fact {
                title,
                text: answer,
            });
        }
    }
}

fn product(p: &Value) -> Vec<Fact> {
    let Some(name) = s(p, "name") else {
        return Vec::new();
    };
    let mut parts = vec![format!("{name}.")];
    if let Some(brand) = s(p, "brand") {
        parts.push(format!("Brand: {brand}."));
    }
    if let Some(description) = s(p, "description") {
        parts.push(description);
    }
    if let Some(sku) = s(p, "sku") {
        parts.push(format!("SKU {sku}."));
    }
    let mut extra = Vec::new();
    for offer in one_or_many(p.get("offers")) {
        let price = s(offer, "price").or_else(|| s(offer, "lowPrice"));
        if let Some(price) = price {
            let currency = s(offer, "priceCurrency").unwrap_or_default();
            parts.push(format!("Price: {price} {currency}.").replace(" .", "."));
        }
        if let Some(availability) = enum_name(offer, "availability") {
            parts.push(format!("Availability: {availability}."));
        }
        for policy in one_or_many(offer.get("hasMerchantReturnPolicy")) {
            extra.push(Fact {
                title: format!("{name}: returns"),
                text: return_policy(policy),
            });
        }
        for details in one_or_many(offer.get("shippingDetails")) {
            extra.push(Fact {
                title: format!("{name}: shipping"),
                text: shipping(details),
            });
        }
    }
    let mut facts = vec![Fact {
        title: name,
        text: parts.join(" "),
    }];
    facts.extend(extra.into_iter().filter(|f| !f.text.is_empty()));
    facts
}

fn return_policy(p: &Value) -> String {
    let mut parts = Vec::new();
    match enum_name(p, "returnPolicyCategory").as_deref() {
        Some("merchant return finite return window") => {
            let days = s(p, "merchantReturnDays").unwrap_or_else(|| "a limited number of".into());
            parts.push(format!("Returns are accepted within {days} days."));
        }
        Some("merchant return not permitted") => parts.push("Returns are not accepted.".into()),
        Some("merchant return unlimited window") => {
            parts.push("Returns are accepted at any time.".into())
        }
        _ => {
            if let Some(days) = s(p, "merchantReturnDays") {
                parts.push(format!("Returns are accepted within {days} days."));
            }
        }
    }
    if let Some(method) = enum_name(p, "returnMethod") {
        parts.push(format!(
            "Return method: {}.",
            method.trim_start_matches("return ")
        ));
    }
    match enum_name(p, "returnFees").as_deref() {
        Some("free return") => parts.push("Returns are free.".into()),
        Some("return fees customer responsibility") => {
            parts.push("Return shipping is paid by the customer.".into())
        }
        Some(other) => parts.push(format!("Return fees: {other}.")),
        None => {}
    }
    if let Some(country) = s(p, "applicableCountry") {
        parts.push(format!("Applies to: {country}."));
    }
    parts.join(" ")
}

fn shipping(d: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(rate) = d.get("shippingRate") {
        if let Some(value) = s(rate, "value") {
            let currency = s(rate, "currency").unwrap_or_default();
            if value == "0" || value == "0.00" {
                parts.push("Shipping is free.".to_string());
            } else {
                parts.push(format!("Shipping costs {value} {currency}.").replace(" .", "."));
            }
        }
    }
    if let Some(dest) = d.get("shippingDestination") {
        if let Some(country) = s(dest, "addressCountry") {
            parts.push(format!("Ships to: {country}."));
        }
    }
    if let Some(time) = d.get("deliveryTime") {
        for (key, label) in [("handlingTime", "Handling"), ("transitTime", "Delivery")] {
            if let Some(t) = time.get(key) {
                let (min, max) = (s(t, "minValue"), s(t, "maxValue"));
                let unit = match s(t, "unitCode").as_deref() {
                    Some("DAY") | Some("d") | None => "days",
                    Some("HUR") | Some("h") => "hours",
                    Some(_) => "days",
                };
                match (min, max) {
                    (Some(a), Some(b)) => parts.push(format!("{label} takes {a}–{b} {unit}.")),
                    (None, Some(b)) | (Some(b), None) => {
                        parts.push(format!("{label} takes {b} {unit}."))
                    }
                    _ => {}
                }
            }
        }
    }
    parts.join(" ")
}

fn organization(o: &Value) -> Vec<Fact> {
    let Some(name) = s(o, "name") else {
        return Vec::new();
    };
    let mut parts = vec![format!("{name}.")];
    if let Some(description) = s(o, "description") {
        parts.push(description);
    }
    for (key, label) in [
        ("email", "Email"),
        ("telephone", "Phone"),
        ("url", "Website"),
    ] {
        if let Some(v) = s(o, key) {
            parts.push(format!("{label}: {v}."));
        }
    }
    if let Some(address) = o.get("address") {
        let line: Vec<String> = [
            "streetAddress",
            "postalCode",
            "addressLocality",
            "addressCountry",
        ]
        .iter()
        .filter_map(|k| s(address, k))
        .collect();
        if !line.is_empty() {
            parts.push(format!("Address: {}.", line.join(", ")));
        }
    }
    for contact in one_or_many(o.get("contactPoint")) {
        let kind = s(contact, "contactType").unwrap_or_else(|| "Contact".into());
        let how: Vec<String> = ["email", "telephone", "hoursAvailable"]
            .iter()
            .filter_map(|k| s(contact, k))
            .collect();
        if !how.is_empty() {
            parts.push(format!("{kind}: {}.", how.join(", ")));
        }
    }
    vec![Fact {
        title: format!("About {name}"),
        text: parts.join(" "),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faq_questions_become_one_snippet_each() {
        let doc = json!({"@context":"https://schema.org","@type":"FAQPage","mainEntity":[
            {"@type":"Question","name":"Do you ship abroad?","acceptedAnswer":{"@type":"Answer","text":"<p>Yes, to <b>30 countries</b>.</p>"}},
            {"@type":"Question","name":"No answer"}]});
        assert_eq!(
            facts(&doc),
            vec![Fact {
                title: "Do you ship abroad?".into(),
                text: "Yes, to 30 countries.".into()
            }]
        );
    }

    #[test]
    fn a_product_with_offer_returns_and_shipping() {
        let doc = json!({"@context":"https://schema.org","@graph":[{"@type":"Product","name":"Trail Jacket","brand":{"@type":"Brand","name":"Acme"},
          "description":"Waterproof.","sku":"TJ-1","offers":{"@type":"Offer","price":"129.00","priceCurrency":"EUR",
          "availability":"https://schema.org/InStock",
          "hasMerchantReturnPolicy":{"@type":"MerchantReturnPolicy","returnPolicyCategory":"https://schema.org/MerchantReturnFiniteReturnWindow","merchantReturnDays":30,"returnFees":"https://schema.org/FreeReturn","returnMethod":"https://schema.org/ReturnByMail"},
          "shippingDetails":{"@type":"OfferShippingDetails","shippingRate":{"value":"4.95","currency":"EUR"},"shippingDestination":{"addressCountry":"DE"},
             "deliveryTime":{"handlingTime":{"minValue":0,"maxValue":1,"unitCode":"DAY"},"transitTime":{"minValue":2,"maxValue":4,"unitCode":"DAY"}}}}}]});
        let f = facts(&doc);
        assert_eq!(f[0].title, "Trail Jacket");
        assert_eq!(
            f[0].text,
            "Trail Jacket. Brand: Acme. Waterproof. SKU TJ-1. Price: 129.00 EUR. Availability: in stock."
        );
        assert_eq!(f[1].title, "Trail Jacket: returns");
        assert_eq!(
            f[1].text,
            "Returns are accepted within 30 days. Return method: by mail. Returns are free."
        );
        assert_eq!(
            f[2].text,
            "Shipping costs 4.95 EUR. Ships to: DE. Handling takes 0–1 days. Delivery takes 2–4 days."
        );
    }

    #[test]
    fn organization_contact_facts() {
        let doc = json!({"@type":"Organization","name":"Acme Outdoor","email":"help@acme.example","telephone":"+49 30 1234",
            "address":{"@type":"PostalAddress","streetAddress":"Hauptstr. 1","postalCode":"10115","addressLocality":"Berlin","addressCountry":"DE"}});
        assert_eq!(
            facts(&doc),
            vec![Fact {
                title: "About Acme Outdoor".into(),
                text: "Acme Outdoor. Email: help@acme.example. Phone: +49 30 1234. Address: Hauptstr. 1, 10115, Berlin, DE.".into()
            }]
        );
    }

    #[test]
    fn unknown_types_and_junk_give_nothing() {
        assert!(facts(&json!({"@type":"BreadcrumbList"})).is_empty());
        assert!(facts(&json!([1, "x", null])).is_empty());
        assert!(facts(&json!({"@type":"Product"})).is_empty());
    }
}
