//! The Shopkeep chat widget: a thin WebAssembly shell over `shopkeep-widget-core`.
//!
//! Owns: the `mount` entry point embed.js calls, the panel's DOM inside the shadow root, the
//! event listeners (`dom::Listener`), fetches to the gateway (config, sessions, history, the chat stream),
//! `localStorage` persistence and the constructable stylesheet. Every decision — what to show,
//! when to fetch, what to keep — is `shopkeep_widget_core::update`; this crate only performs
//! the effects it returns.
//!
//! Must not depend on: serde_json, serde-wasm-bindgen or other heavy crates (JSON goes through
//! the browser's `JSON` and the core's hand-written field reads, `shopkeep_widget_core::json`):
//! the gzip weight of the wasm is the product's budget.
//!
//! JS contract (see widget/README.md):
//! ```js
//! const w = mount(shadowRoot, { tenant: "demo", gateway: "http://127.0.0.1:8787", launcher });
//! w.open(); w.close(); w.toggle(); w.is_open(); w.destroy();
//! ```

mod app;
mod cart;
mod dom;
mod error;
mod json;
#[cfg(feature = "person")]
mod live;
mod markdown_dom;
mod net;
mod storage;
mod style;
#[cfg(not(feature = "person"))]
mod swap;
mod view;

pub use error::{Error, Result};
pub use markdown_dom::render_markdown;

use app::App;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, HtmlElement, ShadowRoot};

// talc instead of std's dlmalloc: same job, ~4 KB less wasm (the weight budget).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A mounted widget, as JS holds it.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Widget {
    app: Option<Rc<App>>,
}

/// Mounts the widget into `root` (an open shadow root made by embed.js).
///
/// `options`: `{ tenant: string, gateway: string, launcher?: HTMLElement,
/// emit?: (name: string, detail: object) => void, assets?: string,
/// upgrade?: (widget: Widget) => void }` — `assets` is the
/// widget's versioned asset URL ending in `/`, where `i18n/<lang>.json` tables and the person
/// module live; the build without the person module, when it swaps in the build with it
/// (`src/swap.rs`), hands the new widget to `upgrade`. The panel starts
/// closed; the config is fetched (revalidating the cached copy) straight away.
#[wasm_bindgen]
pub fn mount(root: ShadowRoot, options: JsValue) -> Result<Widget, JsError> {
    mount_inner(root, &options).map_err(|e| JsError::new(&e.message()))
}

fn mount_inner(root: ShadowRoot, options: &JsValue) -> Result<Widget> {
    if !options.is_object() {
        return Err(Error::Options("tenant"));
    }
    let get = |k: &str| Some(dom::get(options, k)).filter(|v| !v.is_undefined() && !v.is_null());
    let tenant = get("tenant")
        .and_then(|v| v.as_string())
        .filter(|t| !t.is_empty())
        .ok_or(Error::Options("tenant"))?;
    let gateway = get("gateway")
        .and_then(|v| v.as_string())
        .filter(|g| !g.is_empty())
        .ok_or(Error::Options("gateway"))?;
    let launcher = match get("launcher") {
        Some(v) => Some(
            v.dyn_into::<HtmlElement>()
                .map_err(|_| Error::Options("launcher"))?,
        ),
        None => None,
    };
    let doc = crate::dom::window()
        .and_then(|w| w.document())
        .ok_or(Error::NoWindow)?;

    let sheet = CssStyleSheet::new()?;
    dom::replace_css(&sheet, style::CSS);
    let sheets = root.adopted_style_sheets();
    sheets.push(&sheet);
    root.set_adopted_style_sheets(&sheets);

    let view = view::View::build(&doc, &root, launcher)?;
    let assets = get("assets").and_then(|v| v.as_string());
    let emit = get("emit").and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let app = App::new(
        tenant,
        net::Gateway::new(&gateway),
        view,
        emit,
        assets,
        (root, sheet),
        #[cfg(not(feature = "person"))]
        options.clone(),
    );
    app.start(seed());
    Ok(Widget { app: Some(app) })
}

/// Randomness for client message ids: uniqueness matters, secrecy does not.
fn seed() -> u64 {
    let r = |scale: f64| (js_sys::Math::random() * scale) as u64;
    (r(4_294_967_296.0) << 32) ^ r(4_294_967_296.0) ^ (js_sys::Date::now() as u64)
}

#[wasm_bindgen]
impl Widget {
    /// Opens the panel and focuses the composer.
    pub fn open(&self) {
        self.send(shopkeep_widget_core::Msg::Open);
    }

    /// Closes the panel and returns focus to the launcher.
    pub fn close(&self) {
        self.send(shopkeep_widget_core::Msg::Close);
    }

    /// Opens the panel when closed, closes it when open.
    pub fn toggle(&self) {
        self.send(shopkeep_widget_core::Msg::Toggle);
    }

    /// Identifies a logged-in shopper with the shop's identity token (an HS256 JWT the
    /// gateway verifies); `null` or `""` logs out like [`Widget::reset`]. A different shopper
    /// never sees the previous one's conversation.
    pub fn identify(&self, token: Option<String>) {
        if let Some(app) = &self.app {
            app.identify(token);
        }
    }

    /// Page-level settings: `{ locale?, color_scheme?: "light"|"dark"|"auto",
    /// launcher_position?: "left"|"right" }`.
    pub fn update(&self, attrs: JsValue) {
        #[cfg(not(feature = "person"))]
        if let Some(app) = &self.app {
            app.attrs.replace(attrs.clone());
        }
        self.send(shopkeep_widget_core::Msg::Update(json::overrides(
            &json::Json::from_value(attrs),
        )));
    }

    /// Preview mode for the admin console (only in the build with the person module, which
    /// the console loads: `widget/current.json`): shows `config` (a public config object, as
    /// `GET /v1/tenants/{id}/config` answers) without caching it; saved configs fetched later
    /// are ignored. Returns false when `config` is not a valid public config.
    #[cfg(feature = "person")]
    pub fn set_config(&self, config: JsValue) -> bool {
        match json::config(&json::Json::from_value(config)) {
            Some(config) => {
                self.send(shopkeep_widget_core::Msg::Preview(config));
                true
            }
            None => false,
        }
    }

    /// Logs out: forgets the stored session(s) and the conversation on screen.
    pub fn reset(&self) {
        self.send(shopkeep_widget_core::Msg::Reset);
    }

    /// Whether the panel is open.
    pub fn is_open(&self) -> bool {
        self.app.as_ref().is_some_and(|a| a.is_open())
    }

    /// Removes every node, listener and stylesheet the widget added and aborts its requests.
    /// The widget does nothing afterwards.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.teardown();
        }
    }

    fn send(&self, msg: shopkeep_widget_core::Msg) {
        if let Some(app) = &self.app {
            app.dispatch(msg);
        }
    }
}

/// The person module's own calls.
#[cfg(feature = "person")]
#[wasm_bindgen]
impl Widget {
    /// Asks for a person, as the "Talk to a person" button does: embed.js calls it on the
    /// widget it swapped in for one without the person module whose button was pressed
    /// (after replaying `identify`, so the request is the signed-in shopper's).
    pub fn talk(&self) {
        self.send(shopkeep_widget_core::Msg::TalkToPerson);
    }

    /// Asks for a rating, as a thumbs-up on an answer does: embed.js calls it on the widget
    /// it swapped in for one without the rating form whose thumbs-up was pressed.
    pub fn rate(&self) {
        self.send(shopkeep_widget_core::Msg::AskRating);
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.destroy();
    }
}
