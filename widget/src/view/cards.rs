//! Product cards, the carousel and the "Sources" row under an answer (widget/README.md "Product
//! cards"). Every text goes in through `textContent`; links and images are the https ones the
//! core kept ([`shopkeep_widget_core::cards::https`]).

use super::{el, set_text, View};
use crate::dom::Dom;
use crate::json::js_object;
use shopkeep_protocol::{Money, OrderCard};
use shopkeep_widget_core::cards::{self, Card, Cart, Shown};
use shopkeep_widget_core::i18n::Strings;
use shopkeep_widget_core::{ChatMessage, State};
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};

/// Sets an attribute; a failure leaves it unset (names here are static and valid, so the DOM
/// has no reason to refuse them, and one `?` per attribute is wasm weight).
fn attr(e: &Element, name: &str, value: &str) {
    e.set(name, value);
}

fn number(n: usize) -> String {
    let mut s = String::new();
    shopkeep_widget_core::push_number(&mut s, n as u64);
    s
}

#[wasm_bindgen]
extern "C" {
    /// `Intl.NumberFormat`.
    #[wasm_bindgen(js_namespace = Intl)]
    type NumberFormat;
    /// Throws (an `Err` here) for a locale or currency the browser refuses, or without `Intl`.
    #[wasm_bindgen(catch, constructor, js_namespace = Intl)]
    fn new(locales: &JsValue, options: &JsValue) -> std::result::Result<NumberFormat, JsValue>;
    #[wasm_bindgen(method)]
    fn format(this: &NumberFormat, n: f64) -> String;
}

/// The price in the shopper's locale and the product's currency (`Intl.NumberFormat`), or
/// `129.99 EUR` when the browser refuses the locale or currency (a throwing constructor is an
/// `Err`, never an exception unwinding through the wasm).
fn price_text(m: &Money, locale: &str) -> String {
    let locales = if locale.is_empty() {
        JsValue::UNDEFINED
    } else {
        locale.into()
    };
    let opts = js_object(&[
        ("style", "currency".into()),
        ("currency", m.currency.as_str().into()),
    ]);
    NumberFormat::new(&locales, &opts)
        .map_or_else(|_| cards::format_money(m), |f| f.format(cards::amount(m)))
}

impl View {
    fn text_el(&self, parent: &Element, tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
        let e = el(&self.doc, parent, tag, attrs);
        set_text(&e, text);
        e
    }

    /// Appends the message's blocks to `parent`.
    pub(super) fn render_blocks(&self, parent: &Element, msg: &ChatMessage, state: &State) {
        let s = state.strings;
        let mut k = 0;
        for block in &msg.blocks {
            match block {
                Shown::Sources(sources) => {
                    let row = el(
                        &self.doc,
                        parent,
                        "div",
                        &[("data-sk", "sources"), ("class", "src"), ("role", "group")],
                    );
                    attr(&row, "aria-label", s.sources);
                    self.text_el(&row, "span", &[], s.sources);
                    for source in sources {
                        let e = match &source.url {
                            Some(url) => {
                                let a = el(
                                    &self.doc,
                                    &row,
                                    "a",
                                    &[("target", "_blank"), ("rel", "noopener noreferrer")],
                                );
                                attr(&a, "href", url);
                                a
                            }
                            None => el(&self.doc, &row, "span", &[]),
                        };
                        set_text(&e, &source.title);
                    }
                }
                Shown::Products(list) => {
                    let many = list.len() > 1;
                    let wrap = el(
                        &self.doc,
                        parent,
                        "div",
                        &[("data-sk", "products"), ("class", "pc"), ("role", "group")],
                    );
                    attr(&wrap, "aria-label", s.products_label);
                    let arrow = |hook: &str, label: &str, glyph: &str| {
                        let b = el(
                            &self.doc,
                            &wrap,
                            "button",
                            &[("data-sk", hook), ("type", "button")],
                        );
                        attr(&b, "aria-label", label);
                        set_text(&b, glyph);
                    };
                    if many {
                        arrow("prev", s.previous, "‹");
                    }
                    let track = el(
                        &self.doc,
                        &wrap,
                        "div",
                        &[("class", "tr"), ("role", "list")],
                    );
                    for card in list {
                        let c = el(
                            &self.doc,
                            &track,
                            "div",
                            &[
                                ("data-sk", "card"),
                                ("role", "listitem"),
                                ("tabindex", "-1"),
                            ],
                        );
                        attr(&c, "data-k", &number(k));
                        attr(&c, "aria-label", &card.product.title);
                        self.fill_card(&c, card, state);
                        k += 1;
                    }
                    if many {
                        arrow("next", s.next, "›");
                    }
                }
                Shown::Order(o) => self.render_order(parent, o, s),
            }
        }
    }

    /// An order card: number, date, status badge, items, one line per parcel (carrier, number,
    /// tracking link when the core kept one), expected delivery.
    fn render_order(&self, parent: &Element, o: &OrderCard, s: &Strings) {
        let c = el(
            &self.doc,
            parent,
            "div",
            &[("data-sk", "order"), ("class", "oc")],
        );
        let head = self.text_el(&c, "p", &[("class", "t")], s.order);
        head.append(&self.doc.create_text_node(" "));
        self.text_el(&head, "span", &[("data-sk", "order-number")], &o.number);
        self.text_el(&c, "span", &[], cards::date(&o.placed_at));
        let badge = self.text_el(
            &c,
            "span",
            &[("data-sk", "order-status")],
            cards::status_text(s, o.status),
        );
        attr(&badge, "data-status", cards::status_name(o.status));
        let list = el(&self.doc, &c, "ul", &[]);
        for i in &o.items {
            self.text_el(&list, "li", &[], &cards::item_line(i.quantity, &i.title));
        }
        for p in &o.parcels {
            let line = el(&self.doc, &c, "p", &[("data-sk", "parcel")]);
            let mut text = p.carrier.clone().unwrap_or_default();
            if let Some(n) = &p.tracking_number {
                text.push(' ');
                text.push_str(n);
            }
            if p.delivered {
                text.push_str(" · ");
                text.push_str(s.delivered);
            }
            set_text(&line, text.trim());
            if let Some(url) = &p.tracking_url {
                line.append(&self.doc.create_text_node(" "));
                let a = self.text_el(
                    &line,
                    "a",
                    &[
                        ("data-sk", "tracking"),
                        ("target", "_blank"),
                        ("rel", "noopener noreferrer"),
                    ],
                    s.track,
                );
                attr(&a, "href", url);
            }
        }
        if let Some(eta) = &o.eta {
            let mut text = String::from(s.eta);
            text.push_str(": ");
            text.push_str(cards::date(eta));
            self.text_el(&c, "p", &[("data-sk", "eta")], &text);
        }
    }

    /// (Re)draws one card's content from its state.
    fn fill_card(&self, c: &Element, card: &Card, state: &State) {
        let (s, p): (&Strings, _) = (state.strings, &card.product);
        let locale = state.browser_locale.as_str();
        set_text(c, "");
        if let Some(src) = &p.image {
            // `loading` before `src`, or the browser starts the download at once.
            let img = el(&self.doc, c, "img", &[("loading", "lazy"), ("alt", "")]);
            attr(&img, "src", src);
        }
        self.text_el(
            c,
            "p",
            &[("data-sk", "card-title"), ("class", "t")],
            &p.title,
        );
        let row = el(&self.doc, c, "p", &[]);
        let price = price_text(card.price(), locale);
        self.text_el(&row, "span", &[("data-sk", "price")], &price);
        if let Some(was) = card.compare_at() {
            let was = price_text(was, locale);
            self.text_el(&row, "s", &[("data-sk", "compare-at")], &was);
        }
        let available = card.available();
        let stock = el(&self.doc, c, "p", &[("data-sk", "availability")]);
        attr(
            &stock,
            "data-available",
            if available { "true" } else { "false" },
        );
        set_text(
            &stock,
            if available {
                s.in_stock
            } else {
                s.out_of_stock
            },
        );
        for (o, name) in p.options.iter().enumerate() {
            let group = el(&self.doc, c, "div", &[("class", "o"), ("role", "group")]);
            attr(&group, "aria-label", name);
            for (v, value) in card.option_values(o).into_iter().enumerate() {
                let (pressed, enabled) = card.chip(o, value);
                let chip = el(
                    &self.doc,
                    &group,
                    "button",
                    &[("data-sk", "chip"), ("type", "button")],
                );
                attr(&chip, "data-o", &number(o));
                attr(&chip, "data-v", &number(v));
                attr(
                    &chip,
                    "aria-pressed",
                    if pressed { "true" } else { "false" },
                );
                chip.toggle("disabled", !enabled);
                set_text(&chip, value);
            }
        }
        let actions = el(&self.doc, c, "div", &[("class", "a")]);
        if let Some(url) = &p.url {
            let a = el(
                &self.doc,
                &actions,
                "a",
                &[
                    ("data-sk", "view"),
                    ("target", "_blank"),
                    ("rel", "noopener noreferrer"),
                ],
            );
            attr(&a, "href", url);
            set_text(&a, s.view);
        }
        let add = el(
            &self.doc,
            &actions,
            "button",
            &[("data-sk", "add-to-cart"), ("type", "button")],
        );
        add.toggle("disabled", !available);
        // Not `disabled` while adding: the button keeps focus (aria-disabled; the core ignores
        // a second press until the first is done).
        let adding = card.cart == Cart::Adding;
        attr(&add, "aria-disabled", if adding { "true" } else { "false" });
        set_text(&add, if adding { s.adding } else { s.add_to_cart });
        let outcome = match card.cart {
            Cart::Added => Some(s.added),
            Cart::Failed => Some(s.cart_failed),
            _ => None,
        };
        if let Some(text) = outcome {
            let note = el(&self.doc, c, "p", &[("data-sk", "cart-status")]);
            attr(
                &note,
                "data-ok",
                if card.cart == Cart::Added {
                    "true"
                } else {
                    "false"
                },
            );
            set_text(&note, text);
        }
    }

    /// Redraws card `k` of message `i` in place (the carousel keeps its scroll position), puts
    /// focus back on the control that had it, and announces a cart outcome.
    pub(super) fn render_card(&self, i: usize, k: usize, state: &State) {
        let (Some(msg), Some(item)) = (state.messages.get(i), self.items.borrow().get(i).cloned())
        else {
            return;
        };
        let Some(card) = msg.card(k) else {
            return;
        };
        let mut sel = String::from("[data-sk=card][data-k=\"");
        sel.push_str(&number(k));
        sel.push_str("\"]");
        let Some(c) = item.query(&sel) else {
            return;
        };
        // Focus goes back to the control at the same place (the chips, View and Add to cart
        // keep their order), else to the card itself: it never falls out of the panel.
        let controls = || c.query_all("button,a");
        let at = self.active_element().and_then(|a| {
            let list = controls();
            (0..list.length()).find(|&i| list.get(i).is_some_and(|n| n == *a))
        });
        self.fill_card(&c, card, state);
        if let Some(at) = at {
            let target = controls()
                .get(at)
                .and_then(|n| n.dyn_into::<HtmlElement>().ok())
                .filter(|e| !e.has_attribute("disabled"))
                .unwrap_or_else(|| c.clone().unchecked_into());
            target.focus_now();
        }
        match card.cart {
            Cart::Added => self.announce(state.strings.added),
            Cart::Failed => self.announce(state.strings.cart_failed),
            _ => {}
        }
    }

    /// Prev/next: scrolls the carousel of `button` one card back or forward (in reading order,
    /// so it is right to left under `dir=rtl`).
    pub(crate) fn step_carousel(&self, button: &Element, forward: bool) {
        let Some(track) = button.parent_element().and_then(|w| w.query(".tr")) else {
            return;
        };
        let cards = track_cards(&track);
        let (Some(a), Some(b)) = (cards.first(), cards.get(1)) else {
            return;
        };
        // Where the carousel stands, from its scroll offset (negative under rtl) and the
        // distance between two cards: also right after the shopper scrolled by hand.
        let step = (b.offset_left() - a.offset_left()).abs().max(1);
        let at = ((track.scroll_left().abs() + step / 2) / step) as usize;
        let to = if forward {
            (at + 1).min(cards.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        cards[to].scroll_to(&js_object(&[
            ("block", "nearest".into()),
            ("inline", "start".into()),
        ]));
    }

    /// Arrow keys in a carousel: focus the next or previous card (Home/End: the first/last).
    /// True when the key was used.
    pub(crate) fn carousel_key(&self, target: &Element, key: &str) -> bool {
        let Some(card) = target.up("[data-sk=card]") else {
            return false;
        };
        let Some(track) = card.parent_element() else {
            return false;
        };
        let cards = track_cards(&track);
        let Some(at) = cards
            .iter()
            .position(|c| **c == card)
            .filter(|_| cards.len() > 1)
        else {
            return false;
        };
        let rtl = self.panel.get_attribute("dir").as_deref() == Some("rtl");
        let last = cards.len() - 1;
        let to = match (key, rtl) {
            ("ArrowRight", false) | ("ArrowLeft", true) => (at + 1).min(last),
            ("ArrowLeft", false) | ("ArrowRight", true) => at.saturating_sub(1),
            ("Home", _) => 0,
            ("End", _) => last,
            _ => return false,
        };
        cards[to].focus_now();
        true
    }
}

fn track_cards(track: &Element) -> Vec<HtmlElement> {
    let mut out = Vec::new();
    let list = track.query_all("[data-sk=card]");
    for i in 0..list.length() {
        if let Some(e) = list.get(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
            out.push(e);
        }
    }
    out
}
