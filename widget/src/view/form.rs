//! The contact form (outside business hours) and the rating form (after a conversation
//! closed), issue 14. Redrawn whole on [`shopkeep_widget_core::Patch::Form`]; clicks reach the
//! app through one delegated listener on the container.

use super::{el, set_hidden, set_text, View};
use crate::dom::Dom;
use shopkeep_widget_core::handoff::Form;
use shopkeep_widget_core::State;
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;

impl View {
    pub(super) fn render_form(&self, state: &State) {
        let (f, s, d) = (&self.form, state.strings, &self.doc);
        // A comment typed before picking a rating survives the redraw.
        let typed = f
            .query("textarea")
            .map(|t| t.unchecked_into::<HtmlTextAreaElement>().value());
        set_text(f, "");
        let form = state.handoff.form;
        set_hidden(f, form == Form::None);
        let button = |hook: &str, text: &str| {
            let b = el(d, f, "button", &[("type", "button")]);
            b.set("data-sk", hook);
            set_text(&b, text);
            b
        };
        match form {
            Form::None => {}
            Form::Contact => {
                f.set("data-sk", "contact");
                let i = el(
                    d,
                    f,
                    "input",
                    &[("data-sk", "contact-email"), ("type", "email")],
                );
                i.set("placeholder", s.email_label);
                i.set("aria-label", s.email_label);
                button("contact-send", s.email_send);
            }
            Form::Csat(picked) => {
                f.set("data-sk", "csat");
                set_text(&el(d, f, "p", &[]), s.rate_label);
                for n in 1..=5u8 {
                    let digit = [b'0' + n];
                    let digit = std::str::from_utf8(&digit).unwrap_or("");
                    let mut hook = String::from("csat-");
                    hook.push_str(digit);
                    button(&hook, digit)
                        .set("aria-pressed", if picked == n { "true" } else { "false" });
                }
                let c = el(d, f, "textarea", &[("data-sk", "csat-comment")]);
                c.unchecked_ref::<HtmlTextAreaElement>()
                    .set_value(typed.as_deref().unwrap_or(""));
                c.set("placeholder", s.comment_label);
                c.set("aria-label", s.comment_label);
                button("csat-send", s.send).toggle("disabled", picked == 0);
            }
            Form::Thanks => {
                f.set("data-sk", "csat");
                set_text(&el(d, f, "p", &[("data-sk", "csat-thanks")]), s.thanks);
            }
        }
    }
}
