//! The panel's DOM: built once at mount, then patched from the state, one [`Patch`] at a time.
//!
//! Every node is made with `createElement`/`createTextNode`; the `data-sk` attributes are the
//! hooks the end-to-end tests use (see widget/README.md).

mod cards;
#[cfg(feature = "person")]
mod form;

use crate::dom::{self, Dom};
use crate::error::Result;
use crate::markdown_dom::render_markdown;
use shopkeep_protocol::Rating;
use shopkeep_widget_core::theme;
use shopkeep_widget_core::{ChatMessage, Consent, Patch, Role, State, Status};
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
    pub(crate) log: Element,
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
    avatar: Element,
    consent: Element,
    consent_text: Element,
    pub(crate) consent_accept: Element,
    pub(crate) consent_decline: Element,
    pub(crate) handoff: Element,
    #[cfg(feature = "person")]
    pub(crate) form: Element,
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
    // CSS `order` puts the avatar before the title and the consent notice above the composer.
    /* 22 */
    (
        1,
        "img",
        &[("data-sk", "avatar"), ("alt", ""), ("hidden", "")],
    ),
    /* 23 */
    (
        0,
        "div",
        &[
            ("data-sk", "consent"),
            ("class", "k"),
            ("role", "group"),
            ("aria-labelledby", "sk-k"),
            ("hidden", ""),
        ],
    ),
    /* 24 */ (23, "p", &[("id", "sk-k")]),
    /* 25 */
    (
        23,
        "button",
        &[("data-sk", "consent-accept"), ("type", "button")],
    ),
    /* 26 */
    (
        23,
        "button",
        &[("data-sk", "consent-decline"), ("type", "button")],
    ),
    // "Talk to a person" sits in the header: reachable whenever the panel is open.
    /* 27 */
    (1, "button", &[("data-sk", "handoff"), ("type", "button")]),
    // The contact and rating forms (issue 14); CSS `order` puts them above the composer.
    /* 28 */
    (0, "div", &[("class", "fm"), ("hidden", "")]),
];

/// The thumb icon (thumbs down is the same path turned by CSS).
const THUMB: &str = "M7 11v10H3V11h4zm2 10h8.2a2 2 0 0 0 2-1.6l1.3-6.6A2 2 0 0 0 18.5 10H14V5.5A2.5 2.5 0 0 0 11.5 3L9 11v10z";

/// A new `tag` (`svg:` prefix: in SVG's namespace) with `attrs`, appended to `parent`.
fn el(doc: &Document, parent: &Node, tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = dom::create(doc, tag);
    for (k, v) in attrs {
        e.set(k, v);
    }
    parent.append(&e);
    e
}

fn set_hidden(e: &Element, hidden: bool) {
    e.toggle("hidden", hidden);
}

fn set_disabled(e: &Element, disabled: bool) {
    e.toggle("disabled", disabled);
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
            nodes.push(el(doc, parent, tag, attrs));
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
            avatar: n(22),
            consent: n(23),
            consent_text: n(24),
            consent_accept: n(25),
            consent_decline: n(26),
            handoff: n(27),
            #[cfg(feature = "person")]
            form: n(28),
        })
    }

    /// Redraws one part of the panel from the state.
    pub(crate) fn render(&self, patch: Patch, state: &State) {
        match patch {
            Patch::Config => self.render_config(state),
            Patch::Open => {
                set_hidden(&self.panel, !state.open);
                if let Some(l) = &self.launcher {
                    l.set("aria-expanded", if state.open { "true" } else { "false" });
                }
                self.scroll_to_end();
            }
            Patch::Messages => {
                for item in self.items.borrow_mut().drain(..) {
                    item.remove();
                }
                for i in 0..state.messages.len() {
                    self.render_message(i, state);
                }
            }
            Patch::Message(i) => self.render_message(i, state),
            Patch::Composer => {
                self.input.set_value(&state.draft);
            }
            Patch::Chrome => self.render_chrome(state),
            Patch::Launcher => self.render_launcher(state),
            Patch::Card { message, card } => self.render_card(message, card, state),
            #[cfg(feature = "person")]
            Patch::Form => self.render_form(state),
            #[cfg(not(feature = "person"))]
            Patch::Form => {}
        }
    }

    fn render_launcher(&self, state: &State) {
        let Some(l) = &self.launcher else {
            return;
        };
        l.set("aria-label", &state.strings.launcher_label(state.unread));
        l.set("data-side", theme::side(&state.config.theme));
        // The tenant's colour (validated in core), once the config is known; embed.js only
        // had the cached one.
        if let Some((_, primary)) = theme::css_vars(&state.config.theme).into_iter().next() {
            l.style().set_style("background-color", &primary);
        }
        if state.unread > 0 {
            let mut n = String::new();
            shopkeep_widget_core::push_number(&mut n, state.unread.min(99).into());
            l.set("data-unread", &n);
        } else {
            l.unset("data-unread");
        }
    }

    fn render_config(&self, state: &State) {
        let c = &state.config;
        let s = state.strings;
        // Custom properties on the panel only: the host element belongs to embed.js.
        let style = self.panel.style();
        for (name, value) in theme::css_vars(&c.theme) {
            style.set_style(name, &value);
        }
        let p = &self.panel;
        p.set("data-side", theme::side(&c.theme));
        p.set("data-scheme", theme::scheme(&c.theme));
        p.set("dir", if state.rtl() { "rtl" } else { "ltr" });
        p.set("lang", state.locale());
        // Only an https avatar (the gateway validated it; the cached copy is page-writable).
        match c
            .theme
            .avatar_url
            .as_deref()
            .filter(|u| u.starts_with("https://"))
        {
            Some(url) => {
                self.avatar.set("src", url);
                set_hidden(&self.avatar, false);
            }
            None => set_hidden(&self.avatar, true),
        }
        set_text(&self.consent_accept, s.consent_accept);
        set_text(&self.consent_decline, s.consent_decline);
        set_text(&self.handoff, s.talk_to_person);
        set_text(&self.title, &c.theme.title);
        set_text(&self.greeting, &c.texts.greeting);
        set_hidden(&self.greeting, c.texts.greeting.trim().is_empty());
        self.input.set_placeholder(&c.texts.placeholder);
        self.input.set("aria-label", s.input_label);
        self.close.set("aria-label", s.close);
        self.log.set("aria-label", s.messages_label);
        self.suggestions.set("aria-label", s.suggestions_label);
        set_text(&self.send, s.send);
        set_text(&self.stop, s.stop);
        set_text(&self.retry, s.retry);
        set_text(&self.typing_text, s.typing);
        set_text(&self.suggestions, "");
        for (i, q) in c.suggested_questions.iter().enumerate() {
            let chip = el(
                &self.doc,
                &self.suggestions,
                "button",
                &[("data-sk", "suggestion"), ("type", "button")],
            );
            let mut index = String::new();
            shopkeep_widget_core::push_number(&mut index, i as u64);
            chip.set("data-i", &index);
            set_text(&chip, q);
        }
    }

    /// The focused element inside the widget's shadow root (the panel's root node: the panel
    /// lives in it from mount to destroy).
    pub(crate) fn active_element(&self) -> Option<Element> {
        self.panel
            .get_root_node()
            .unchecked_into::<web_sys::ShadowRoot>()
            .active_element()
    }

    fn render_chrome(&self, state: &State) {
        let busy = state.busy();
        // Send and Stop swap places; focus on the one being hidden moves to the composer
        // instead of falling out of the dialog.
        let hiding = if busy { &self.send } else { &self.stop };
        if self.active_element().is_some_and(|a| a == *hiding) {
            self.input.focus_now();
        }
        set_hidden(&self.send, busy);
        set_hidden(&self.stop, !busy);
        set_hidden(&self.typing, !state.typing());
        set_text(&self.typing_text, state.typing_label());
        set_hidden(&self.suggestions, !state.show_suggestions());
        let gated = state.needs_consent();
        set_hidden(&self.consent, !gated);
        set_disabled(&self.input, gated);
        set_disabled(&self.send, gated);
        if gated {
            let s = state.strings;
            let mut text = state.config.texts.consent_text.trim().to_owned();
            if text.is_empty() {
                text.push_str(s.consent_default);
            }
            if state.consent == Consent::Declined {
                text.push(' ');
                text.push_str(s.consent_declined);
            }
            set_text(&self.consent_text, &text);
            set_hidden(&self.consent_decline, state.consent == Consent::Declined);
            set_disabled(&self.consent_accept, state.consent == Consent::Accepted);
        }
        match state.visible_notice() {
            Some(n) => {
                set_text(&self.error, &n.text);
                set_hidden(&self.retry, !n.retry);
                set_disabled(&self.retry, n.wait_secs > 0);
                set_hidden(&self.notice, false);
            }
            None => {
                set_text(&self.error, "");
                set_hidden(&self.notice, true);
            }
        }
        self.scroll_to_end();
    }

    fn render_message(&self, i: usize, state: &State) {
        let Some(msg) = state.messages.get(i) else {
            return;
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
                );
                items.push(item.clone());
                item
            }
        };
        self.fill_message(&item, msg, state);
        self.scroll_to_end();
    }

    fn fill_message(&self, item: &Element, msg: &ChatMessage, state: &State) {
        let s = state.strings;
        item.set("data-role", msg.role.as_str());
        item.set("data-status", msg.status.as_str());
        // The blocks are redrawn only when new ones arrived: a delta or a status change must
        // not reset a carousel's scroll, a focused chip or a lazy image (cards patch
        // themselves, `Patch::Card`).
        let mut count = String::new();
        shopkeep_widget_core::push_number(&mut count, msg.blocks.len() as u64);
        let kept = item
            .query(":scope>.b")
            .filter(|b| b.get_attribute("data-n").as_deref() == Some(count.as_str()));
        // Everything but the kept blocks goes (removing a focused chip would drop its focus).
        let kept: Option<Node> = kept.map(Into::into);
        while let Some(c) = item.first_child().filter(|c| Some(c) != kept.as_ref()) {
            item.remove_node(&c);
        }
        while let Some(c) = kept.as_ref().and_then(Node::next_sibling) {
            item.remove_node(&c);
        }
        let text: Node = match msg.role {
            Role::Assistant => {
                let f = self.doc.create_document_fragment();
                render_markdown(&self.doc, &f, &msg.text);
                f.into()
            }
            // The shopper's, staff's and notices' text is shown as written (CSS keeps its
            // newlines): never markup.
            _ => self.doc.create_text_node(&msg.text).into(),
        };
        item.insert(&text, kept.as_ref());
        match kept {
            Some(_) => {}
            None if !msg.blocks.is_empty() => {
                let b = el(&self.doc, item, "div", &[("class", "b")]);
                b.set("data-n", &count);
                self.render_blocks(&b, msg, state);
            }
            None => {}
        }
        // The note is CSS generated content (`attr(data-note)`): the message's text content stays
        // exactly the message, for copy-paste and for tests.
        match msg.status {
            Status::Stopped => item.set("data-note", s.stopped),
            Status::Interrupted => item.set("data-note", s.interrupted),
            _ => item.unset("data-note"),
        }
        if msg.rateable() {
            let bar = el(&self.doc, item, "div", &[("class", "f")]);
            for (rating, hook, label) in [
                (Rating::Up, "thumb-up", s.helpful),
                (Rating::Down, "thumb-down", s.not_helpful),
            ] {
                let b = el(
                    &self.doc,
                    &bar,
                    "button",
                    &[("data-sk", hook), ("type", "button")],
                );
                b.set("aria-label", label);
                let pressed = msg.rating == Some(rating);
                b.set("aria-pressed", if pressed { "true" } else { "false" });
                let svg = dom::create(&self.doc, "svg:svg");
                svg.set("viewBox", "0 0 24 24");
                svg.set("aria-hidden", "true");
                let path = dom::create(&self.doc, "svg:path");
                path.set("d", THUMB);
                svg.append(&path);
                b.append(&svg);
            }
        }
    }

    /// Index of the message holding `node`, for delegated clicks on the list.
    pub(crate) fn message_index(&self, node: &Element) -> Option<usize> {
        let item = node.up("[data-sk=message]")?;
        self.items.borrow().iter().position(|e| *e == item)
    }

    /// Follows the visual viewport (the on-screen keyboard shrinks it): the full-screen mobile
    /// panel's top and height come from these two custom properties.
    pub(crate) fn fit_viewport(&self, top: f64, height: f64) {
        let style = self.panel.style();
        for (name, v) in [("--sk-vt", top), ("--sk-vh", height)] {
            let mut px = String::new();
            shopkeep_widget_core::push_number(&mut px, v.max(0.0) as u64);
            px.push_str("px");
            style.set_style(name, &px);
        }
    }

    /// Focusable controls of the open panel, in order (hidden and disabled ones left out).
    pub(crate) fn focusables(&self) -> Vec<HtmlElement> {
        let mut out = Vec::new();
        let list = self
            .panel
            .query_all("button,textarea,a[href],[tabindex='0']");
        for i in 0..list.length() {
            if let Some(e) = list.get(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                if e.offset_parent().is_some() && !e.has_attribute("disabled") {
                    out.push(e);
                }
            }
        }
        out
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
            l.set("aria-expanded", "false");
            l.unset("data-unread");
        }
    }
}
