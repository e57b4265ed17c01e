//! Google Merchant feeds: RSS 2.0 (`<item>`) or Atom (`<entry>`) with the `g:` fields;
//! items sharing a `g:item_group_id` become one product's variants; `g:price` is
//! "129.99 EUR".
//!
//! Owns: the feed parser (quick-xml, streaming) and grouping items into products. A feed that
//! is not well-formed XML is refused whole (with its line), never half-imported; an item
//! missing a field is listed with its item number and line and skipped.

use super::connector::{Connector, Cursor, Page, PageError, PageRequest, PageResponse};
use super::model::{https_only, image_url, parse_time, strip_html, Problem, Product, Variant};
use super::money;
use quick_xml::events::Event;
use quick_xml::Reader;
use shopkeep_protocol::Platform;
use std::collections::{BTreeMap, HashMap};

/// A feed at one URL (one page).
#[derive(Debug, Clone)]
pub struct MerchantFeed {
    /// The feed URL.
    pub url: String,
    /// The currency for prices written without one.
    pub currency: Option<String>,
}

impl Connector for MerchantFeed {
    fn request(&self, _cursor: &Cursor) -> PageRequest {
        PageRequest {
            url: self.url.clone(),
            method: "GET",
            headers: vec![(
                "Accept",
                String::from(
                    "application/rss+xml, application/atom+xml, application/xml, text/xml",
                ),
            )],
            body: None,
        }
    }

    fn parse(&self, _cursor: &Cursor, response: &PageResponse<'_>) -> Result<Page, PageError> {
        parse_feed(response.body, self.currency.as_deref())
    }
}

/// One `<item>`/`<entry>`: its fields by local name (`g:price` and `price` are one field;
/// the `g:` one wins), its number and line.
#[derive(Debug, Default)]
struct Item {
    fields: HashMap<String, String>,
    images: Vec<String>,
    number: usize,
    line: usize,
}

fn line_at(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses a whole feed.
pub fn parse_feed(text: &str, default_currency: Option<&str>) -> Result<Page, PageError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut items: Vec<Item> = Vec::new();
    let mut current: Option<Item> = None;
    let mut field: Option<(String, bool)> = None;
    let mut saw_root = false;
    let mut count = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| PageError {
            position: format!("line {}", line_at(text, reader.buffer_position() as usize)),
            reason: format!("the feed is not well-formed XML ({e}); nothing was imported"),
        })?;
        match event {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let local = name.rsplit(':').next().unwrap_or(&name).to_owned();
                if !saw_root {
                    saw_root = true;
                    if local != "rss" && local != "feed" && local != "RDF" {
                        return Err(PageError {
                            position: String::from("line 1"),
                            reason: format!("not a Merchant feed: the root element is <{name}>, not <rss> or <feed>"),
                        });
                    }
                }
                if (local == "item" || local == "entry") && current.is_none() {
                    count += 1;
                    // The item's own `<`: the reader is just past its start tag.
                    let end = (reader.buffer_position() as usize).min(text.len());
                    let pos = text[..end].rfind('<').unwrap_or(0);
                    current = Some(Item {
                        number: count,
                        line: line_at(text, pos),
                        ..Item::default()
                    });
                } else if let Some(item) = current.as_mut() {
                    // Atom's <link href=…/> is an Empty event; a <link> with text is RSS.
                    field = Some((local.clone(), name.starts_with("g:")));
                    if local == "link" {
                        if let Some(href) = attr(&e, b"href") {
                            item.fields.entry(local).or_insert(href);
                        }
                    }
                }
            }
            Event::Empty(e) => {
                if let Some(item) = current.as_mut() {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if name == "link" {
                        if let Some(href) = attr(&e, b"href") {
                            item.fields.entry(String::from("link")).or_insert(href);
                        }
                    }
                }
            }
            Event::Text(t) => {
                if let (Some(item), Some((local, is_g))) = (current.as_mut(), field.as_ref()) {
                    let value = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                    put(item, local, *is_g, value);
                }
            }
            Event::CData(c) => {
                if let (Some(item), Some((local, is_g))) = (current.as_mut(), field.as_ref()) {
                    let value = String::from_utf8_lossy(&c.into_inner()).into_owned();
                    put(item, local, *is_g, value);
                }
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let local = name.rsplit(':').next().unwrap_or(&name);
                if (local == "item" || local == "entry") && field.is_none() {
                    if let Some(item) = current.take() {
                        items.push(item);
                    }
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(PageError {
            position: String::from("line 1"),
            reason: String::from("not a Merchant feed: no XML root element"),
        });
    }
    Ok(group(items, default_currency))
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn put(item: &mut Item, local: &str, is_g: bool, value: String) {
    if local == "image_link" || local == "additional_image_link" {
        item.images.push(value);
        return;
    }
    if is_g || !item.fields.contains_key(local) {
        item.fields.insert(local.to_owned(), value);
    }
}

/// Attributes that make variants, in card order, with their display names.
const VARIANT_FIELDS: [(&str, &str); 5] = [
    ("size", "Size"),
    ("color", "Colour"),
    ("material", "Material"),
    ("pattern", "Pattern"),
    ("age_group", "Age group"),
];

struct Parsed {
    group: String,
    product: Product,
    variant: Variant,
    attrs: BTreeMap<&'static str, String>,
}

fn item_product(item: &Item, currency: Option<&str>) -> Result<Parsed, String> {
    let f = |k: &str| {
        item.fields
            .get(k)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    };
    let id = f("id").ok_or("no `g:id`")?;
    let title = f("title").ok_or("no `title`")?;
    let price_text = f("price").ok_or("no `g:price`")?;
    let price =
        money::parse_with_code(price_text, currency).map_err(|e| format!("g:price: {e}"))?;
    let (price, compare_at) =
        match f("sale_price").map(|s| money::parse_with_code(s, Some(&price.currency))) {
            Some(Ok(sale))
                if sale.amount_minor < price.amount_minor && sale.currency == price.currency =>
            {
                (sale, Some(price))
            }
            Some(Err(e)) => return Err(format!("g:sale_price: {e}")),
            _ => (price, None),
        };
    let available = match f("availability").map(|a| a.to_ascii_lowercase().replace(' ', "_")) {
        None => true,
        Some(a) if a == "in_stock" || a == "preorder" || a == "backorder" => true,
        Some(a) if a == "out_of_stock" => false,
        Some(a) => {
            return Err(format!(
                "g:availability `{}` is not in_stock, out_of_stock, preorder or backorder",
                a.chars().take(30).collect::<String>()
            ))
        }
    };
    let attrs: BTreeMap<&'static str, String> = VARIANT_FIELDS
        .iter()
        .filter_map(|(k, _)| f(k).map(|v| (*k, v.to_owned())))
        .collect();
    let categories = f("product_type")
        .map(|t| {
            t.split('>')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Ok(Parsed {
        group: f("item_group_id").unwrap_or(id).to_owned(),
        product: Product {
            id: f("item_group_id").unwrap_or(id).to_owned(),
            handle: String::new(),
            title: title.to_owned(),
            description: strip_html(f("description").unwrap_or_default()),
            url: f("link").and_then(|l| {
                https_only(l).or_else(|| l.starts_with("http://").then(|| l.to_owned()))
            }),
            images: item.images.iter().filter_map(|i| image_url(i)).collect(),
            options: Vec::new(),
            variants: Vec::new(),
            categories,
            tags: f("brand").map(|b| vec![b.to_owned()]).unwrap_or_default(),
            updated_at_ms: f("updated").or(f("pubDate")).and_then(parse_time),
            platform: Platform::Other,
        },
        variant: Variant {
            id: id.to_owned(),
            sku: f("mpn").or(f("gtin")).map(str::to_owned),
            values: Vec::new(),
            price,
            compare_at,
            available,
        },
        attrs,
    })
}

fn group(items: Vec<Item>, currency: Option<&str>) -> Page {
    let mut page = Page::default();
    let mut groups: Vec<(String, Vec<Parsed>)> = Vec::new();
    for item in &items {
        match item_product(item, currency) {
            Ok(parsed) => match groups.iter_mut().find(|(g, _)| *g == parsed.group) {
                Some((_, members)) => members.push(parsed),
                None => groups.push((parsed.group.clone(), vec![parsed])),
            },
            Err(reason) => page.problems.push(Problem::new(
                format!("item {} (line {})", item.number, item.line),
                reason,
            )),
        }
    }
    for (_, members) in groups {
        // Options: the variant attributes any member of the group has.
        let names: Vec<(&str, &str)> = VARIANT_FIELDS
            .iter()
            .copied()
            .filter(|(k, _)| members.iter().any(|m| m.attrs.contains_key(k)))
            .collect();
        let Some(head) = members.first() else {
            continue;
        };
        let mut product = head.product.clone();
        product.options = names.iter().map(|(_, n)| (*n).to_owned()).collect();
        for m in members {
            let mut v = m.variant;
            v.values = names
                .iter()
                .map(|(k, _)| m.attrs.get(k).cloned().unwrap_or_default())
                .collect();
            if product.images.is_empty() {
                product.images = m.product.images;
            }
            product.variants.push(v);
        }
        page.products.push(product);
    }
    page
}
