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

/// The most bytes one item may take (an item larger than this is refused, so the bytes held
/// while an item is incomplete stay bounded).
pub const MAX_ITEM_BYTES: usize = 1024 * 1024;

/// Parses a whole feed (a [`FeedStream`] given everything at once).
pub fn parse_feed(text: &str, default_currency: Option<&str>) -> Result<Page, PageError> {
    let mut stream = FeedStream::new(default_currency);
    stream.push(text.as_bytes())?;
    stream.finish()
}

/// A Merchant feed parsed as its bytes arrive: [`FeedStream::push`] each chunk, then
/// [`FeedStream::finish`] (the whole feed) or [`FeedStream::head`] (what the first chunks
/// held: the save probe reads only the head of a feed).
///
/// Only the bytes of the item being read are kept (at most [`MAX_ITEM_BYTES`]); each complete
/// item is turned into its product or variant at once. Items are grouped by
/// `g:item_group_id` in O(1) per item. Well-formedness is checked as the bytes arrive (end
/// tags must match their start tags), so a broken feed is refused whole at its line.
#[derive(Debug)]
pub struct FeedStream {
    /// Bytes not yet consumed; `buf[0]` is outside any item.
    buf: Vec<u8>,
    /// The line number of `buf[0]`.
    line: usize,
    /// Open elements outside items (`rss`, `channel`).
    open: Vec<String>,
    saw_root: bool,
    /// Items started (complete or not), for their numbers.
    started: usize,
    /// Items complete.
    complete: usize,
    currency: Option<String>,
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    problems: Vec<Problem>,
}

#[derive(Debug)]
struct Group {
    product: Product,
    members: Vec<(Variant, BTreeMap<&'static str, String>)>,
}

impl FeedStream {
    /// A new feed; `default_currency` fills in prices written without one.
    pub fn new(default_currency: Option<&str>) -> FeedStream {
        FeedStream {
            buf: Vec::new(),
            line: 1,
            open: Vec::new(),
            saw_root: false,
            started: 0,
            complete: 0,
            currency: default_currency.map(str::to_owned),
            groups: Vec::new(),
            index: HashMap::new(),
            problems: Vec::new(),
        }
    }

    /// Items read completely so far.
    pub fn items(&self) -> usize {
        self.complete
    }

    /// Bytes held (the incomplete tail).
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// Whether the root element was seen (and was a feed's).
    pub fn saw_root(&self) -> bool {
        self.saw_root
    }

    /// Feeds the next chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), PageError> {
        self.buf.extend_from_slice(chunk);
        self.run(false)
    }

    /// The end of the body: every item must be complete and the document well-formed.
    pub fn finish(mut self) -> Result<Page, PageError> {
        self.run(true)?;
        if !self.saw_root {
            return Err(PageError {
                position: String::from("line 1"),
                reason: String::from("not a Merchant feed: no XML root element"),
            });
        }
        if let Some(open) = self.open.last() {
            return Err(PageError {
                position: format!("line {}", self.line),
                reason: format!(
                    "the feed is not well-formed XML (<{open}> is never closed); nothing was imported"
                ),
            });
        }
        Ok(self.page())
    }

    /// What the complete items so far make, without requiring the rest (the probe's view).
    pub fn head(self) -> Result<Page, PageError> {
        if !self.saw_root {
            return Err(PageError {
                position: String::from("line 1"),
                reason: String::from("not a Merchant feed: no XML root element"),
            });
        }
        Ok(self.page())
    }

    fn page(self) -> Page {
        let mut page = Page {
            problems: self.problems,
            ..Page::default()
        };
        for group in self.groups {
            page.products.push(product_of(group));
        }
        page
    }

    /// The error for a feed that is not well-formed, at byte `at` of `buf` (the bytes from
    /// line `self.line` on).
    fn not_well_formed(&self, buf: &[u8], at: usize, why: impl std::fmt::Display) -> PageError {
        PageError {
            position: format!("line {}", self.line + newlines(&buf[..at.min(buf.len())])),
            reason: format!("the feed is not well-formed XML ({why}); nothing was imported"),
        }
    }

    /// Parses what the buffer holds; consumes it up to the end of the last complete item (or
    /// of the last complete event outside items).
    fn run(&mut self, last: bool) -> Result<(), PageError> {
        let buf = std::mem::take(&mut self.buf);
        let result = self.parse(&buf, last);
        let safe = match result {
            Ok(safe) => safe,
            Err(e) => {
                self.buf = buf;
                return Err(e);
            }
        };
        self.line += newlines(&buf[..safe]);
        self.buf = buf;
        self.buf.drain(..safe);
        if !last && self.buf.len() > MAX_ITEM_BYTES && !self.saw_root {
            return Err(PageError {
                position: String::from("line 1"),
                reason: format!(
                    "not a Merchant feed: no XML root element in the first {} MB",
                    MAX_ITEM_BYTES / 1024 / 1024
                ),
            });
        }
        if !last && self.buf.len() > MAX_ITEM_BYTES {
            return Err(PageError {
                position: format!("item {} (line {})", self.started + 1, self.line),
                reason: format!(
                    "an item is larger than {} MB (or the XML around it is broken); nothing was imported",
                    MAX_ITEM_BYTES / 1024 / 1024
                ),
            });
        }
        if last && !self.buf.is_empty() {
            // Only an incomplete item can be left at the very end.
            return Err(self.not_well_formed(
                &self.buf,
                self.buf.len(),
                "the feed ends inside an item",
            ));
        }
        Ok(())
    }

    /// Returns how many bytes of `buf` were consumed.
    fn parse(&mut self, buf: &[u8], last: bool) -> Result<usize, PageError> {
        let mut reader = Reader::from_reader(buf);
        reader.config_mut().trim_text(true);
        reader.config_mut().check_end_names = false;
        reader.config_mut().allow_unmatched_ends = true;
        let mut safe = 0usize;
        // Line counting for item starts, advanced monotonically (linear in the buffer).
        let (mut counted_to, mut counted_line) = (0usize, self.line);
        let mut current: Option<Item> = None;
        let mut inner: Vec<String> = Vec::new();
        let mut field: Option<(String, bool)> = None;
        loop {
            let before = reader.buffer_position() as usize;
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    if last {
                        return Err(self.not_well_formed(
                            buf,
                            reader.buffer_position() as usize,
                            e,
                        ));
                    }
                    // Most likely a tag cut by the chunk's end: read again with more bytes
                    // (a real error stays one, and `run` bounds what is held).
                    break;
                }
            };
            let tag_at = || before + buf[before..].iter().position(|b| *b == b'<').unwrap_or(0);
            match event {
                Event::Start(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let local = name.rsplit(':').next().unwrap_or(&name).to_owned();
                    if !self.saw_root {
                        if local != "rss" && local != "feed" && local != "RDF" {
                            return Err(PageError {
                                position: String::from("line 1"),
                                reason: format!("not a Merchant feed: the root element is <{name}>, not <rss> or <feed>"),
                            });
                        }
                        self.saw_root = true;
                    }
                    if current.is_none() && (local == "item" || local == "entry") {
                        self.started += 1;
                        let at = tag_at();
                        counted_line += newlines(&buf[counted_to..at]);
                        counted_to = at;
                        current = Some(Item {
                            number: self.started,
                            line: counted_line,
                            ..Item::default()
                        });
                        inner.clear();
                        inner.push(name);
                    } else if let Some(item) = current.as_mut() {
                        // Atom's <link href=…/> is an Empty event; a <link> with text is RSS.
                        field = Some((local.clone(), name.starts_with("g:")));
                        if local == "link" {
                            if let Some(href) = attr(&e, b"href") {
                                item.fields.entry(local).or_insert(href);
                            }
                        }
                        inner.push(name);
                    } else {
                        self.open.push(name);
                        safe = reader.buffer_position() as usize;
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
                    } else {
                        if !self.saw_root {
                            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                            return Err(PageError {
                                position: String::from("line 1"),
                                reason: format!("not a Merchant feed: the root element is <{name}/>, not <rss> or <feed>"),
                            });
                        }
                        safe = reader.buffer_position() as usize;
                    }
                }
                Event::Text(t) => {
                    if let (Some(item), Some((local, is_g))) = (current.as_mut(), field.as_ref()) {
                        let value = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                        put(item, local, *is_g, value);
                    } else if current.is_none()
                        && !last
                        && reader.buffer_position() as usize == buf.len()
                    {
                        // Text outside items may continue in the next chunk: not consumed.
                        break;
                    } else if current.is_none() {
                        safe = reader.buffer_position() as usize;
                    }
                }
                Event::CData(c) => {
                    if let (Some(item), Some((local, is_g))) = (current.as_mut(), field.as_ref()) {
                        let value = String::from_utf8_lossy(&c.into_inner()).into_owned();
                        put(item, local, *is_g, value);
                    } else if current.is_none() {
                        safe = reader.buffer_position() as usize;
                    }
                }
                Event::End(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    let open = if current.is_some() {
                        inner.pop()
                    } else {
                        self.open.pop()
                    };
                    match open {
                        Some(open) if open == name => {}
                        Some(open) => {
                            return Err(self.not_well_formed(
                                buf,
                                tag_at(),
                                format!("</{name}> closes <{open}>"),
                            ))
                        }
                        None => {
                            return Err(self.not_well_formed(
                                buf,
                                tag_at(),
                                format!("</{name}> closes nothing"),
                            ))
                        }
                    }
                    field = None;
                    if current.is_some() && inner.is_empty() {
                        if let Some(item) = current.take() {
                            self.complete += 1;
                            self.add(&item);
                        }
                    }
                    if current.is_none() {
                        safe = reader.buffer_position() as usize;
                    }
                }
                Event::Eof => {
                    if current.is_none() {
                        // Whitespace trimmed away: consumed.
                        safe = reader.buffer_position() as usize;
                    }
                    break;
                }
                _ => {
                    if current.is_none() {
                        safe = reader.buffer_position() as usize;
                    }
                }
            }
        }
        if current.is_some() {
            // An incomplete item: read again, whole, when more bytes came.
            self.started -= 1;
        }
        Ok(safe)
    }

    fn add(&mut self, item: &Item) {
        match item_product(item, self.currency.as_deref()) {
            Ok(parsed) => match self.index.get(&parsed.group) {
                Some(&i) => {
                    let group = &mut self.groups[i];
                    if group.product.images.is_empty() {
                        group.product.images = parsed.product.images;
                    }
                    group.members.push((parsed.variant, parsed.attrs));
                }
                None => {
                    self.index.insert(parsed.group, self.groups.len());
                    self.groups.push(Group {
                        product: parsed.product,
                        members: vec![(parsed.variant, parsed.attrs)],
                    });
                }
            },
            Err(reason) => self.problems.push(Problem::new(
                format!("item {} (line {})", item.number, item.line),
                reason,
            )),
        }
    }
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
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

fn product_of(group: Group) -> Product {
    // Options: the variant attributes any member of the group has.
    let names: Vec<(&str, &str)> = VARIANT_FIELDS
        .iter()
        .copied()
        .filter(|(k, _)| group.members.iter().any(|(_, attrs)| attrs.contains_key(k)))
        .collect();
    let mut product = group.product;
    product.options = names.iter().map(|(_, n)| (*n).to_owned()).collect();
    for (mut v, attrs) in group.members {
        v.values = names
            .iter()
            .map(|(k, _)| attrs.get(k).cloned().unwrap_or_default())
            .collect();
        product.variants.push(v);
    }
    product
}
