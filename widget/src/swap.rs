//! Without the person module: swapping in the widget built with it (widget/README.md "Two
//! modules"). The person module's glue is imported and its wasm instantiated from the widget's
//! versioned assets; then this widget is torn down and the new one mounted into the same shadow
//! root with the same options, the signed-in shopper's token, the page's `update` attributes,
//! opened, and asked to do what this one could not (`talk`, `rate`); embed.js's `upgrade` gets
//! the new widget, so `Shopkeep(…)` calls reach it. In JS (bundled into the glue): three
//! promise steps and a few method calls are lighter there than as bindings.

use wasm_bindgen::prelude::*;
use web_sys::ShadowRoot;

#[wasm_bindgen(
    inline_js = "export function load(b){return import(b+'shopkeep_widget_p.js').then(m=>m.default({module_or_path:b+'shopkeep_widget_p_bg.wasm'}).then(()=>m))}\n\
export function start(m,r,o,t,a,n){const w=m.mount(r,o);t&&w.identify(t);a&&w.update(a);w.open();n&&w[n]();o.upgrade&&o.upgrade(w)}"
)]
extern "C" {
    /// The person module, instantiated (`base`: the versioned assets URL, ending in `/`).
    pub(crate) fn load(base: &str) -> js_sys::Promise;
    /// Mounts the loaded module's widget (throws only as `mount` does, for options this
    /// widget was mounted with).
    #[wasm_bindgen(catch)]
    pub(crate) fn start(
        module: &JsValue,
        root: &ShadowRoot,
        options: &JsValue,
        token: Option<String>,
        attrs: &JsValue,
        then: &str,
    ) -> Result<(), JsValue>;
}
