//! Markdown node tree → DOM nodes, with `createElement`/`createTextNode` only.
//!
//! Nothing is ever parsed as HTML: text from the assistant lands in text nodes, and the only
//! attribute taken from it is a link's `href`, which the core has already limited to `http(s)`.

use crate::error::Result;
use shopkeep_widget_core::markdown::{self, Block, Inline};
use web_sys::{Document, Element, Node};

/// Renders an answer's markdown into `parent`, after whatever it already holds.
pub fn render_markdown(doc: &Document, parent: &Node, text: &str) -> Result<()> {
    for block in markdown::parse(text) {
        let node: Element = match block {
            Block::Paragraph(inlines) => {
                let p = doc.create_element("p")?;
                inline_into(doc, &p, &inlines)?;
                p
            }
            Block::Heading(inlines) => {
                let p = doc.create_element("p")?;
                let strong = doc.create_element("strong")?;
                inline_into(doc, &strong, &inlines)?;
                p.append_child(&strong)?;
                p
            }
            Block::Code(code) => {
                let pre = doc.create_element("pre")?;
                let c = doc.create_element("code")?;
                c.append_child(&doc.create_text_node(&code))?;
                pre.append_child(&c)?;
                pre
            }
            Block::List { ordered, items } => {
                let list = doc.create_element(if ordered { "ol" } else { "ul" })?;
                for item in items {
                    let li = doc.create_element("li")?;
                    inline_into(doc, &li, &item)?;
                    list.append_child(&li)?;
                }
                list
            }
        };
        parent.append_child(&node)?;
    }
    Ok(())
}

fn inline_into(doc: &Document, parent: &Element, inlines: &[Inline]) -> Result<()> {
    for inline in inlines {
        let node: Node = match inline {
            Inline::Text(t) => doc.create_text_node(t).into(),
            Inline::Break => doc.create_element("br")?.into(),
            Inline::Code(t) => {
                let c = doc.create_element("code")?;
                c.append_child(&doc.create_text_node(t))?;
                c.into()
            }
            Inline::Strong(children) | Inline::Emphasis(children) => {
                let tag = if matches!(inline, Inline::Strong(_)) {
                    "strong"
                } else {
                    "em"
                };
                let e = doc.create_element(tag)?;
                inline_into(doc, &e, children)?;
                e.into()
            }
            Inline::Link { href, children } => {
                let a = doc.create_element("a")?;
                a.set_attribute("href", href)?;
                a.set_attribute("target", "_blank")?;
                a.set_attribute("rel", "noopener noreferrer")?;
                inline_into(doc, &a, children)?;
                a.into()
            }
        };
        parent.append_child(&node)?;
    }
    Ok(())
}
