//! The panel's DOM: built once at mount, then patched from the state, one [`Patch`] at a time.
//!
//! Every node is made with `createElement`/`createTextNode`; the `data-sk` attributes are the
//! hooks the end-to-end tests use (see widget/README.md).

use crate::error::Result;
use crate::markdown_dom::render_markdown;
use shopkeep_widget_core::theme;
use shopkeep_widget_core::{ChatMessage, Patch, Role, State, Status};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, HtmlTextAreaElement, Node};

/// Handles to the nodes the widget patches.
#[derive(Debug)]
pub(crate) struct View {
    doc: Document,
    pub(crate) launcher: Option<HtmlElement>,
    pub(crate) panel: HtmlElement,
    title: Element,
    pub(crate) close: Element,
    log: Element,
    greeting: Element,
    items: RefCell<Vec<Element>>,
    typing: Element,
    typing_text: Element,
    pub(crate) suggestions: Element,
    notice: Element,
    error: Element,
    pub(crate) retry: Element,
    pub(crate) input: HtmlTextAreaElement,
    pub(crate) send: Element,
    pub(crate) stop: Element,
    live: Element,
}

/// Parent index meaning "the shadow root".
const ROOT: u8 = u8::MAX;

type Attrs = &'static [(&'static str, &'static str)];

/// The panel: `(parent index, tag, attributes)`, parents before children. `View::build` takes
/// the nodes it patches by index, so keep the two in step (the browser test checks every hook).
const PANEL: &[(u8, &str, Attrs)] = &[
    /* 0 */
    (
        ROOT,
        "div",
        &[
            ("data-sk", "panel"),
            ("role", "dialog"),
            ("aria-labelledby", "sk-t"),
            ("hidden", ""),
        ],
    ),
    /* 1 */ (0, "div", &[("class", "h")]),
    /* 2 */ (1, "h2", &[("data-sk", "title"), ("id", "sk-t")]),
    /* 3 */ (1, "button", &[("data-sk", "close"), ("type", "button")]),
    /* 4 */
    (
        3,
        "svg:svg",
        &[
            ("viewBox", "0 0 24 24"),
            ("aria-hidden", "true"),
            ("fill", "none"),
        ],
    ),
    /* 5 */ (4, "svg:path", &[("d", "M6 6l12 12M18 6L6 18")]),
    /* 6 */
    (
        0,
        "div",
        &[("data-sk", "messages"), ("role", "log"), ("tabindex", "0")],
    ),
    /* 7 */
    (
        6,
        "div",
        &[
            ("data-sk", "greeting"),
            ("class", "m"),
            ("data-role", "assistant"),
        ],
    ),
    /* 8 */
    (
        0,
        "div",
        &[("data-sk", "typing"), ("role", "status"), ("hidden", "")],
    ),
    /* 9 */ (8, "i", &[("aria-hidden", "true")]),
    /* 10 */ (8, "i", &[("aria-hidden", "true")]),
    /* 11 */ (8, "i", &[("aria-hidden", "true")]),
    /* 12 */ (8, "span", &[("class", "sr")]),
    /* 13 */
    (
        0,
        "div",
        &[("class", "s"), ("role", "group"), ("hidden", "")],
    ),
    /* 14 */
    (
        0,
        "div",
        &[("class", "e"), ("role", "alert"), ("hidden", "")],
    ),
    /* 15 */ (14, "span", &[("data-sk", "error")]),
    /* 16 */ (14, "button", &[("data-sk", "retry"), ("type", "button")]),
    /* 17 */ (0, "div", &[("class", "c")]),
    /* 18 */
    (
        17,
        "textarea",
        &[
            ("data-sk", "input"),
            ("rows", "1"),
            ("enterkeyhint", "send"),
        ],
    ),
    /* 19 */ (17, "button", &[("data-sk", "send"), ("type", "button")]),
    /* 20 */
    (
        17,
        "button",
        &[("data-sk", "stop"), ("type", "button"), ("hidden", "")],
    ),
    // Finished answers are announced here once, not every delta of the visible log.
    /* 21 */
    (
        0,
        "div",
        &[
            ("class", "sr"),
            ("aria-live", "polite"),
            ("data-sk", "live"),
        ],
    ),
];

fn el(doc: &Document, parent: &Node, tag: &str, attrs: &[(&str, &str)]) -> Result<Element> {
    let e = doc.create_element(tag)?;
    for (k, v) in attrs {
        e.set_attribute(k, v)?;
    }
    parent.append_child(&e)?;
    Ok(e)
}

fn set_hidden(e: &Element, hidden: bool) -> Result<()> {
    Ok(e.toggle_attribute_with_force("hidden", hidden)
        .map(|_| ())?)
}

fn set_text(e: &Node, text: &str) {
    e.set_text_content(Some(text));
}

impl View {
    /// Builds the (hidden) panel inside `root`.
    pub(crate) fn build(
        doc: &Document,
        root: &Node,
        launcher: Option<HtmlElement>,
    ) -> Result<View> {
        // One loop over a table instead of forty inlined DOM calls: this is the wasm's weight.
        let mut nodes: Vec<Element> = Vec::with_capacity(PANEL.len());
        for (parent, tag, attrs) in PANEL {
            let parent: &Node = match nodes.get(usize::from(*parent)) {
                Some(p) if *parent != ROOT => p,
                _ => root,
            };
            let e = match tag.strip_prefix("svg:") {
                Some(t) => doc.create_element_ns(Some("http://www.w3.org/2000/svg"), t)?,
                None => doc.create_element(tag)?,
            };
            for (k, v) in *attrs {
                e.set_attribute(k, v)?;
            }
            parent.append_child(&e)?;
            nodes.push(e);
        }
        let n = |i: usize| nodes[i].clone();
        Ok(View {
            doc: doc.clone(),
            launcher,
            panel: n(0).unchecked_into(),
            title: n(2),
            close: n(3),
            log: n(6),
            greeting: n(7),
            items: RefCell::new(Vec::new()),
            typing: n(8),
            typing_text: n(12),
            suggestions: n(13),
            notice: n(14),
            error: n(15),
            retry: n(16),
            input: n(18).unchecked_into(),
            send: n(19),
            stop: n(20),
            live: n(21),
        })
    }

    /// Redraws one part of the panel from the state.
    pub(crate) fn render(&self, patch: Patch, state: &State) -> Result<()> {
        match patch {
            Patch::Config => self.render_config(state),
            Patch::Open => {
                set_hidden(&self.panel, !state.open)?;
                if let Some(l) = &self.launcher {
                    l.set_attribute("aria-expanded", if state.open { "true" } else { "false" })?;
                }
                self.scroll_to_end();
                Ok(())
            }
            Patch::Messages => {
                for item in self.items.borrow_mut().drain(..) {
                    item.remove();
                }
                for i in 0..state.messages.len() {
                    self.render_message(i, state)?;
                }
                Ok(())
            }
            Patch::Message(i) => self.render_message(i, state),
            Patch::Composer => {
                self.input.set_value(&state.draft);
                Ok(())
            }
            Patch::Chrome => self.render_chrome(state),
        }
    }

    fn render_config(&self, state: &State) -> Result<()> {
        let c = &state.config;
        let s = state.strings;
        // Custom properties on the panel only: the host element belongs to embed.js.
        let style = self.panel.style();
        for (name, value) in theme::css_vars(&c.theme) {
            style.set_property(name, &value)?;
        }
        let p = &self.panel;
        p.set_attribute("data-side", theme::side(&c.theme))?;
        p.set_attribute("data-scheme", theme::scheme(&c.theme))?;
        p.set_attribute("dir", if state.rtl() { "rtl" } else { "ltr" })?;
        p.set_attribute("lang", &c.texts.locale)?;
        set_text(&self.title, &c.theme.title);
        set_text(&self.greeting, &c.texts.greeting);
        set_hidden(&self.greeting, c.texts.greeting.trim().is_empty())?;
        self.input.set_placeholder(&c.texts.placeholder);
        self.input.set_attribute("aria-label", s.input_label)?;
        self.close.set_attribute("aria-label", s.close)?;
        self.log.set_attribute("aria-label", s.messages_label)?;
        self.suggestions
            .set_attribute("aria-label", s.suggestions_label)?;
        set_text(&self.send, s.send);
        set_text(&self.stop, s.stop);
        set_text(&self.retry, s.retry);
        set_text(&self.typing_text, s.typing);
        if let Some(l) = &self.launcher {
            l.set_attribute("aria-label", s.open_chat)?;
        }
        set_text(&self.suggestions, "");
        for (i, q) in c.suggested_questions.iter().enumerate() {
            let chip = el(
                &self.doc,
                &self.suggestions,
                "button",
                &[("data-sk", "suggestion"), ("type", "button")],
            )?;
            let mut index = String::new();
            shopkeep_widget_core::push_number(&mut index, i as u64);
            chip.set_attribute("data-i", &index)?;
            set_text(&chip, q);
        }
        Ok(())
    }

    fn render_chrome(&self, state: &State) -> Result<()> {
        let busy = state.busy();
        set_hidden(&self.send, busy)?;
        set_hidden(&self.stop, !busy)?;
        set_hidden(&self.typing, !state.typing())?;
        set_hidden(&self.suggestions, !state.show_suggestions())?;
        match &state.notice {
            Some(n) => {
                set_text(&self.error, &n.text);
                set_hidden(&self.retry, !n.retry)?;
                set_hidden(&self.notice, false)?;
            }
            None => {
                set_text(&self.error, "");
                set_hidden(&self.notice, true)?;
            }
        }
        self.scroll_to_end();
        Ok(())
    }

    fn render_message(&self, i: usize, state: &State) -> Result<()> {
        let Some(msg) = state.messages.get(i) else {
            return Ok(());
        };
        let existing = self.items.borrow().get(i).cloned();
        let item = match existing {
            Some(item) => item,
            None => {
                let mut items = self.items.borrow_mut();
                // A gap means the list went out of step: rebuild it rather than misplace one.
                if i > items.len() {
                    drop(items);
                    return self.render(Patch::Messages, state);
                }
                let item = el(
                    &self.doc,
                    &self.log,
                    "div",
                    &[("data-sk", "message"), ("class", "m")],
                )?;
                items.push(item.clone());
                item
            }
        };
        self.fill_message(&item, msg, state)?;
        self.scroll_to_end();
        Ok(())
    }

    fn fill_message(&self, item: &Element, msg: &ChatMessage, state: &State) -> Result<()> {
        let s = state.strings;
        item.set_attribute("data-role", msg.role.as_str())?;
        item.set_attribute("data-status", msg.status.as_str())?;
        set_text(item, "");
        match msg.role {
            // The shopper's own text is shown as typed (CSS keeps its newlines).
            Role::User => set_text(item, &msg.text),
            Role::Assistant => render_markdown(&self.doc, item, &msg.text)?,
        }
        // The note is CSS generated content (`attr(data-note)`): the message's text content stays
        // exactly the message, for copy-paste and for tests.
        match msg.status {
            Status::Stopped => item.set_attribute("data-note", s.stopped)?,
            Status::Interrupted => item.set_attribute("data-note", s.interrupted)?,
            _ => item.remove_attribute("data-note")?,
        }
        Ok(())
    }

    fn scroll_to_end(&self) {
        self.log.set_scroll_top(self.log.scroll_height());
    }

    /// Reads a finished answer to screen readers once.
    pub(crate) fn announce(&self, text: &str) {
        set_text(&self.live, "");
        set_text(&self.live, text);
    }

    /// Removes every node the widget added and the theme properties it set.
    pub(crate) fn remove(&self) {
        self.panel.remove();
        if let Some(l) = &self.launcher {
            let _ = l.set_attribute("aria-expanded", "false");
        }
    }
}
