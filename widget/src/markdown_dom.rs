//! Markdown node tree → DOM nodes, with `createElement`/`createTextNode` only.
//!
//! Nothing is ever parsed as HTML: text from the assistant lands in text nodes, and the only
//! attribute taken from it is a link's `href`, which the core has already limited to `http(s)`.

use crate::dom::{self, Dom};
use shopkeep_widget_core::markdown::{self, Block, Inline};
use web_sys::{Document, Element, Node};

/// Renders an answer's markdown into `parent`, after whatever it already holds.
pub fn render_markdown(doc: &Document, parent: &Node, text: &str) {
    for block in markdown::parse(text) {
        let node: Element = match block {
            Block::Paragraph(inlines) => {
                let p = dom::create(doc, "p");
                inline_into(doc, &p, &inlines);
                p
            }
            Block::Heading(inlines) => {
                let p = dom::create(doc, "p");
                let strong = dom::create(doc, "strong");
                inline_into(doc, &strong, &inlines);
                p.append(&strong);
                p
            }
            Block::Code(code) => {
                let pre = dom::create(doc, "pre");
                let c = dom::create(doc, "code");
                c.append(&doc.create_text_node(&code));
                pre.append(&c);
                pre
            }
            Block::List { ordered, items } => {
                let list = dom::create(doc, if ordered { "ol" } else { "ul" });
                for item in items {
                    let li = dom::create(doc, "li");
                    inline_into(doc, &li, &item);
                    list.append(&li);
                }
                list
            }
        };
        parent.append(&node);
    }
}

fn inline_into(doc: &Document, parent: &Element, inlines: &[Inline]) {
    for inline in inlines {
        let node: Node = match inline {
            Inline::Text(t) => doc.create_text_node(t).into(),
            Inline::Break => dom::create(doc, "br").into(),
            Inline::Code(t) => {
                let c = dom::create(doc, "code");
                c.append(&doc.create_text_node(t));
                c.into()
            }
            Inline::Strong(children) | Inline::Emphasis(children) => {
                let tag = if matches!(inline, Inline::Strong(_)) {
                    "strong"
                } else {
                    "em"
                };
                let e = dom::create(doc, tag);
                inline_into(doc, &e, children);
                e.into()
            }
            Inline::Link { href, children } => {
                let a = dom::create(doc, "a");
                a.set("href", href);
                a.set("target", "_blank");
                a.set("rel", "noopener noreferrer");
                inline_into(doc, &a, children);
                a.into()
            }
        };
        parent.append(&node);
    }
}
