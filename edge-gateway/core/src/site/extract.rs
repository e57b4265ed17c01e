//! A page's readable content, extracted while its bytes stream through `lol_html`: the title,
//! the main text as blocks with headings kept as structure, the JSON-LD documents, the links
//! and the `noindex` flag. Navigation, header, footer, scripts, styles, forms, hidden
//! elements and cookie banners are dropped.
//!
//! Streaming: [`Extractor::push`] takes the body in whatever pieces the network delivers;
//! the result never depends on where it was split (text is decoded and folded only when a
//! block ends), which the tests check by splitting pages at every byte.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk};
use lol_html::{doc_text, element, HtmlRewriter, Settings};

use super::text::{decode_entities, fold_whitespace};

/// The most text kept from one page (bytes of folded text); the rest is dropped.
pub const MAX_PAGE_TEXT: usize = 200 * 1024;
/// The most JSON-LD kept from one page (bytes).
const MAX_JSONLD: usize = 256 * 1024;

/// One block of main text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A heading (`h1`…`h6`), with its level.
    Heading(u8, String),
    /// A paragraph-like run of text (paragraph, list item, cell, …).
    Text(String),
}

/// What a page says, ready for chunking.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// `<title>`, folded.
    pub title: String,
    /// Main text blocks in document order.
    pub blocks: Vec<Block>,
    /// Parsed JSON-LD documents (`<script type="application/ld+json">`); unparsable ones are
    /// dropped.
    pub jsonld: Vec<serde_json::Value>,
    /// `href`s of `<a>` elements, as written (resolve them with [`super::links::resolve`]).
    pub links: Vec<String>,
    /// `<meta name="robots" content="noindex">`: the page asks not to be indexed.
    pub noindex: bool,
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The HTML rewriter gave up (memory limit or an internal parsing error).
    #[error("the page could not be parsed: {0}")]
    Parse(String),
}

/// Elements whose text is never main content.
const DROPPED: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "header",
    "footer",
    "form",
    "iframe",
    "button",
    "select",
    "dialog",
    "aside",
    "[hidden]",
    "[aria-hidden=true]",
    "[role=navigation]",
    "[role=banner]",
    "[role=contentinfo]",
    "[id*=cookie]",
    "[class*=cookie]",
    "[id*=consent]",
    "[class*=consent]",
];

/// Elements that start a new text block.
const BLOCKS: &[&str] = &[
    "p",
    "li",
    "dt",
    "dd",
    "td",
    "th",
    "tr",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "br",
    "table",
    "ul",
    "ol",
    "dl",
    "details",
    "summary",
    "figcaption",
];

#[derive(Debug, Default)]
struct State {
    page: Page,
    /// Open dropped elements.
    dropped: u32,
    in_title: bool,
    in_jsonld: bool,
    /// The level of the heading being read, if any.
    heading: Option<u8>,
    text: String,
    title: String,
    jsonld: String,
    kept_text: usize,
}

impl State {
    /// Ends the current block: decodes, folds and keeps it.
    fn flush(&mut self) {
        let raw = std::mem::take(&mut self.text);
        let text = fold_whitespace(&decode_entities(&raw));
        if !text.is_empty() && self.kept_text < MAX_PAGE_TEXT {
            self.kept_text += text.len();
            self.page.blocks.push(match self.heading {
                Some(level) => Block::Heading(level, text),
                None => Block::Text(text),
            });
        }
    }
}

/// A page being extracted; feed it with [`push`](Self::push), then [`finish`](Self::finish).
pub struct Extractor<'h> {
    rewriter: HtmlRewriter<'h, fn(&[u8])>,
    state: Rc<RefCell<State>>,
}

impl std::fmt::Debug for Extractor<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extractor").finish_non_exhaustive()
    }
}

fn discard(_: &[u8]) {}

type Handled = Result<(), Box<dyn std::error::Error + Send + Sync>>;

impl Extractor<'_> {
    /// A new extractor.
    pub fn new() -> Self {
        let state = Rc::new(RefCell::new(State::default()));
        let mut handlers = Vec::new();
        for selector in DROPPED {
            let s = state.clone();
            handlers.push(element!(
                *selector,
                move |el: &mut Element<'_, '_>| -> Handled {
                    if !el.can_have_content() || el.is_self_closing() {
                        return Ok(());
                    }
                    s.borrow_mut().dropped += 1;
                    let s = s.clone();
                    if let Some(ends) = el.end_tag_handlers() {
                        ends.push(Box::new(move |_| {
                            let mut st = s.borrow_mut();
                            st.dropped = st.dropped.saturating_sub(1);
                            Ok(())
                        }));
                    }
                    Ok(())
                }
            ));
        }
        for selector in BLOCKS {
            let s = state.clone();
            handlers.push(element!(
                *selector,
                move |el: &mut Element<'_, '_>| -> Handled {
                    let mut st = s.borrow_mut();
                    if st.dropped == 0 {
                        st.flush();
                        st.heading = None;
                    }
                    drop(st);
                    if el.can_have_content() {
                        let s = s.clone();
                        if let Some(ends) = el.end_tag_handlers() {
                            ends.push(Box::new(move |_| {
                                let mut st = s.borrow_mut();
                                if st.dropped == 0 {
                                    st.flush();
                                }
                                Ok(())
                            }));
                        }
                    }
                    Ok(())
                }
            ));
        }
        for level in 1..=6u8 {
            let s = state.clone();
            let selector = format!("h{level}");
            handlers.push(element!(
                selector,
                move |el: &mut Element<'_, '_>| -> Handled {
                    let mut st = s.borrow_mut();
                    if st.dropped > 0 {
                        return Ok(());
                    }
                    st.flush();
                    st.heading = Some(level);
                    drop(st);
                    let s = s.clone();
                    if let Some(ends) = el.end_tag_handlers() {
                        ends.push(Box::new(move |_| {
                            let mut st = s.borrow_mut();
                            if st.dropped == 0 {
                                st.flush();
                                st.heading = None;
                            }
                            Ok(())
                        }));
                    }
                    Ok(())
                }
            ));
        }
        let s = state.clone();
        handlers.push(element!(
            "title",
            move |el: &mut Element<'_, '_>| -> Handled {
                s.borrow_mut().in_title = true;
                let s = s.clone();
                if let Some(ends) = el.end_tag_handlers() {
                    ends.push(Box::new(move |_| {
                        s.borrow_mut().in_title = false;
                        Ok(())
                    }));
                }
                Ok(())
            }
        ));
        let s = state.clone();
        handlers.push(element!(
            "script[type='application/ld+json']",
            move |el: &mut Element<'_, '_>| -> Handled {
                s.borrow_mut().in_jsonld = true;
                let s = s.clone();
                if let Some(ends) = el.end_tag_handlers() {
                    ends.push(Box::new(move |_| {
                        let mut st = s.borrow_mut();
                        st.in_jsonld = false;
                        let raw = std::mem::take(&mut st.jsonld);
                        if let Ok(value) = serde_json::from_str(raw.trim()) {
                            st.page.jsonld.push(value);
                        }
                        Ok(())
                    }));
                }
                Ok(())
            }
        ));
        let s = state.clone();
        handlers.push(element!(
            "a[href]",
            move |el: &mut Element<'_, '_>| -> Handled {
                if let Some(href) = el.get_attribute("href") {
                    let mut st = s.borrow_mut();
                    if st.page.links.len() < 2000 {
                        st.page.links.push(href);
                    }
                }
                Ok(())
            }
        ));
        let s = state.clone();
        handlers.push(element!("meta[name=robots]", move |el: &mut Element<
            '_,
            '_,
        >|
              -> Handled {
            if let Some(content) = el.get_attribute("content") {
                if content.to_ascii_lowercase().contains("noindex") {
                    s.borrow_mut().page.noindex = true;
                }
            }
            Ok(())
        }));
        let s = state.clone();
        let text_handler = doc_text!(move |t: &mut TextChunk<'_>| -> Handled {
            let mut st = s.borrow_mut();
            let chunk = t.as_str();
            if st.in_jsonld {
                if st.jsonld.len() + chunk.len() <= MAX_JSONLD {
                    st.jsonld.push_str(chunk);
                }
            } else if st.in_title {
                if st.title.len() < 1024 {
                    st.title.push_str(chunk);
                }
            } else if st.dropped == 0
                && st.kept_text < MAX_PAGE_TEXT
                && st.text.len() < MAX_PAGE_TEXT
            {
                st.text.push_str(chunk);
            }
            Ok(())
        });
        let settings = Settings {
            element_content_handlers: handlers,
            document_content_handlers: vec![text_handler],
            ..Settings::new()
        };
        Extractor {
            rewriter: HtmlRewriter::new(settings, discard as fn(&[u8])),
            state,
        }
    }

    /// Feeds the next piece of the body.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), ExtractError> {
        self.rewriter
            .write(bytes)
            .map_err(|e| ExtractError::Parse(e.to_string()))
    }

    /// Ends the document and returns what it says.
    pub fn finish(self) -> Result<Page, ExtractError> {
        self.rewriter
            .end()
            .map_err(|e| ExtractError::Parse(e.to_string()))?;
        let mut st = self.state.borrow_mut();
        st.flush();
        st.page.title = fold_whitespace(&decode_entities(&st.title));
        Ok(std::mem::take(&mut st.page))
    }
}

impl Default for Extractor<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// Extracts a whole page at once.
pub fn extract(html: &[u8]) -> Result<Page, ExtractError> {
    let mut extractor = Extractor::new();
    extractor.push(html)?;
    extractor.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const PAGE: &str = r#"<!doctype html><html><head><title>Returns &amp; refunds | Acme</title>
<meta name="description" content="x"><style>body{color:red}</style>
<script>var tracking = "do not index me";</script>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"Acme Outdoor","email":"help@acme.example"}</script>
</head><body>
<header><a href="/">Acme</a><nav><a href="/shop">Shop</a><a href="/faq">FAQ</a></nav></header>
<div id="cookie-banner">We use cookies. <button>Accept</button></div>
<main><h1>Returns &amp; refunds</h1>
<p>You can return any item within <strong>30 days</strong> of delivery.</p>
<h2>How to start a return</h2><p>Email us with your order number.</p><ul><li>Unworn items</li><li>Original packaging</li></ul>
<p>See our <a href="shipping">shipping policy</a> too.</p></main>
<footer><p>© 2026 Acme. <a href="/privacy">Privacy</a></p></footer>
<script>console.log("tail")</script></body></html>"#;

    fn expected() -> Vec<Block> {
        vec![
            Block::Heading(1, "Returns & refunds".into()),
            Block::Text("You can return any item within 30 days of delivery.".into()),
            Block::Heading(2, "How to start a return".into()),
            Block::Text("Email us with your order number.".into()),
            Block::Text("Unworn items".into()),
            Block::Text("Original packaging".into()),
            Block::Text("See our shipping policy too.".into()),
        ]
    }

    #[test]
    fn main_text_keeps_headings_and_drops_chrome() {
        let page = extract(PAGE.as_bytes()).unwrap();
        assert_eq!(page.title, "Returns & refunds | Acme");
        assert_eq!(page.blocks, expected());
        assert_eq!(page.jsonld.len(), 1);
        assert_eq!(page.jsonld[0]["name"], "Acme Outdoor");
        assert_eq!(page.links, ["/", "/shop", "/faq", "shipping", "/privacy"]);
        assert!(!page.noindex);
    }

    #[test]
    fn the_result_does_not_depend_on_where_the_stream_splits() {
        let whole = extract(PAGE.as_bytes()).unwrap();
        let bytes = PAGE.as_bytes();
        for at in 0..=bytes.len() {
            let mut extractor = Extractor::new();
            extractor.push(&bytes[..at]).unwrap();
            extractor.push(&bytes[at..]).unwrap();
            assert_eq!(extractor.finish().unwrap(), whole, "split at byte {at}");
        }
    }

    #[test]
    fn one_byte_at_a_time_with_multibyte_characters() {
        let html = "<title>Café</title><h2>Größe &amp; Passform</h2><p>Ärmel — 60 cm&nbsp;lang</p>";
        let whole = extract(html.as_bytes()).unwrap();
        let mut extractor = Extractor::new();
        for byte in html.as_bytes() {
            extractor.push(std::slice::from_ref(byte)).unwrap();
        }
        assert_eq!(extractor.finish().unwrap(), whole);
        assert_eq!(whole.title, "Café");
        assert_eq!(
            whole.blocks,
            vec![
                Block::Heading(2, "Größe & Passform".into()),
                Block::Text("Ärmel — 60 cm lang".into())
            ]
        );
    }

    proptest::proptest! {
        /// Any number of pieces at any offsets: the network decides, the result must not.
        #[test]
        fn any_chunking_gives_the_same_page(cuts in proptest::collection::vec(0usize..PAGE.len(), 0..12)) {
            let whole = extract(PAGE.as_bytes()).unwrap();
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut extractor = Extractor::new();
            let mut at = 0;
            for cut in cuts.into_iter().chain([PAGE.len()]) {
                extractor.push(&PAGE.as_bytes()[at..cut]).unwrap();
                at = cut;
            }
            proptest::prop_assert_eq!(extractor.finish().unwrap(), whole);
        }
    }

    #[test]
    fn noindex_is_seen() {
        let page = extract(b"<meta name=robots content='NOINDEX, follow'><p>x</p>").unwrap();
        assert!(page.noindex);
    }
}
