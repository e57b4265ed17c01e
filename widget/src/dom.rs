//! DOM calls that cannot fail as the widget makes them, bound without wasm-bindgen's `catch`.
//!
//! Owns: [`Dom`] (attributes, children, `querySelector`, a style property, focus) and
//! [`create`].
//! Must not depend on: the app or the view (this is a leaf of the shell).
//!
//! web-sys binds every DOM method that may throw with `catch`: each call returns a `Result`
//! through an exception-catching shim in the glue, and every call site carries the error path.
//! `setAttribute`/`toggleAttribute`/`removeAttribute` with the widget's static, valid names,
//! `appendChild`/`insertBefore`/`removeChild` of the widget's own nodes, `createElement` and
//! `querySelector(All)`/`closest` with static selectors, `Reflect.get`/`set` on objects, `JSON.stringify` of plain data, `Headers.get`, `scrollIntoView`, `dispatchEvent` of a
//! `CustomEvent`, `setTimeout`, `style.setProperty` and `focus()` do not throw, so these bindings drop the shim and the `Result`
//! (widget/README.md "Weight").

use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

#[wasm_bindgen]
extern "C" {
    /// Any DOM object, for the calls below.
    type Raw;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set_attribute(this: &Raw, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn remove_attribute(this: &Raw, name: &str);
    #[wasm_bindgen(method, js_name = toggleAttribute)]
    fn toggle_attribute(this: &Raw, name: &str, force: bool);
    #[wasm_bindgen(method, js_name = appendChild)]
    fn append_child(this: &Raw, child: &JsValue);
    #[wasm_bindgen(method, js_name = createElement)]
    fn create_element(this: &Raw, tag: &str) -> Element;
    #[wasm_bindgen(method, js_name = createElementNS)]
    fn create_element_ns(this: &Raw, ns: &str, tag: &str) -> Element;
    #[wasm_bindgen(method)]
    fn focus(this: &Raw);
    #[wasm_bindgen(method, js_name = insertBefore)]
    fn insert_before(this: &Raw, node: &JsValue, before: Option<&web_sys::Node>);
    #[wasm_bindgen(method, js_name = removeChild)]
    fn remove_child(this: &Raw, node: &JsValue);
    #[wasm_bindgen(method, js_name = querySelector)]
    fn query_selector(this: &Raw, selector: &str) -> Option<Element>;
    #[wasm_bindgen(method)]
    fn closest(this: &Raw, selector: &str) -> Option<Element>;
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    fn query_selector_all(this: &Raw, selector: &str) -> web_sys::NodeList;
    /// `Reflect.get` on a value known to be an object.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get)]
    pub(crate) fn get(target: &JsValue, key: &str) -> JsValue;
    /// `Reflect.set` on a plain object the widget made.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub(crate) fn put(target: &JsValue, key: &str, value: &JsValue);
    /// `JSON.stringify` of strings and plain objects of strings, numbers and booleans.
    #[wasm_bindgen(js_namespace = JSON)]
    pub(crate) fn stringify(value: &JsValue) -> String;
    /// `Headers.get` with a static, valid header name.
    #[wasm_bindgen(method, js_name = get)]
    fn header(this: &Raw, name: &str) -> Option<String>;
    #[wasm_bindgen(method, js_name = scrollIntoView)]
    fn scroll_into_view(this: &Raw, options: &JsValue);
    #[wasm_bindgen(method, js_name = dispatchEvent)]
    fn dispatch_event(this: &Raw, event: &JsValue) -> bool;
    /// `new CustomEvent(name, init)` with a plain init object.
    #[wasm_bindgen(js_name = CustomEvent)]
    pub(crate) type CustomEvent;
    #[wasm_bindgen(constructor, js_class = CustomEvent)]
    pub(crate) fn new(name: &str, init: &JsValue) -> CustomEvent;
    /// The global `setTimeout(f, ms)`.
    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(f: &js_sys::Function, ms: i32) -> i32;
    #[wasm_bindgen(method, js_name = setProperty)]
    fn set_property(this: &Raw, name: &str, value: &str);
    /// `new AbortController()` (its constructor takes nothing and never throws).
    #[wasm_bindgen(js_name = AbortController)]
    type Controller;
    #[wasm_bindgen(constructor, js_class = AbortController)]
    fn new() -> Controller;
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Raw, event: &str, f: &JsValue);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &Raw, event: &str, f: &JsValue);
    #[wasm_bindgen(method, js_name = getItem)]
    fn get_item(this: &Raw, key: &str) -> Option<String>;
    #[wasm_bindgen(method, js_name = removeItem)]
    fn remove_item(this: &Raw, key: &str);
    #[wasm_bindgen(method, getter)]
    fn length(this: &Raw) -> u32;
    #[wasm_bindgen(method)]
    fn key(this: &Raw, index: u32) -> Option<String>;
    #[wasm_bindgen(method)]
    fn text(this: &Raw) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn json(this: &Raw) -> js_sys::Promise;
    /// `CSSStyleSheet.replaceSync` with the widget's own, static CSS.
    #[wasm_bindgen(method, js_name = replaceSync)]
    fn replace_sync(this: &Raw, css: &str);
}

#[wasm_bindgen]
extern "C" {
    /// The page's `window`, read directly (`web_sys::window()` goes through `js_sys::global()`,
    /// four lookups in the glue for workers and other hosts the widget never runs in).
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: web_sys::Window;
}

/// The page's `window` (always there: embed.js mounts the widget into a page).
pub(crate) fn window() -> Option<web_sys::Window> {
    Some(WINDOW.with(Clone::clone))
}

/// An event listener, removed when dropped: gloo-events' `EventListener` without its `catch`
/// shims (adding or removing a function as a listener never throws) and without options. No
/// listener of the widget needs `passive`: it only changes touch and wheel listeners, and the
/// widget's are clicks, keys, input, online/offline, the viewport's resize and scroll, and the
/// socket's events (a listener may call `preventDefault`; only the keyboard ones do).
#[derive(Debug)]
pub(crate) struct Listener {
    target: web_sys::EventTarget,
    event: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    /// Adds `f` as a listener of `event` on `target`.
    pub(crate) fn new(
        target: &web_sys::EventTarget,
        event: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Listener {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        target
            .unchecked_ref::<Raw>()
            .add_event_listener(event, callback.as_ref());
        Listener {
            target: target.clone(),
            event,
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.target
            .unchecked_ref::<Raw>()
            .remove_event_listener(self.event, self.callback.as_ref());
    }
}

/// `Storage` calls on a storage object already obtained (only getting `localStorage` and
/// `setItem` may throw: a denied storage, a full quota).
pub(crate) trait Store: JsCast {
    /// `getItem(key)`.
    fn get_item_now(&self, key: &str) -> Option<String> {
        self.unchecked_ref::<Raw>().get_item(key)
    }
    /// `removeItem(key)`.
    fn remove_item_now(&self, key: &str) {
        self.unchecked_ref::<Raw>().remove_item(key);
    }
    /// Every key, in storage order.
    fn keys(&self) -> Vec<String> {
        let s = self.unchecked_ref::<Raw>();
        (0..s.length()).filter_map(|i| s.key(i)).collect()
    }
}

impl Store for web_sys::Storage {}

/// `response.text()`: a promise (a body already read rejects it, it never throws).
pub(crate) fn text(resp: &web_sys::Response) -> js_sys::Promise {
    resp.unchecked_ref::<Raw>().text()
}

/// `response.json()`: a promise (a body already read or not JSON rejects it).
pub(crate) fn json(resp: &web_sys::Response) -> js_sys::Promise {
    resp.unchecked_ref::<Raw>().json()
}

/// `new AbortController()`.
pub(crate) fn abort_controller() -> web_sys::AbortController {
    Controller::new().unchecked_into()
}

/// `sheet.replaceSync(css)` with the widget's static CSS (it parses whatever it is given).
pub(crate) fn replace_css(sheet: &web_sys::CssStyleSheet, css: &str) {
    sheet.unchecked_ref::<Raw>().replace_sync(css);
}

/// The non-throwing DOM calls on any element or node.
pub(crate) trait Dom: JsCast {
    /// `setAttribute(name, value)`.
    fn set(&self, name: &str, value: &str) {
        self.unchecked_ref::<Raw>().set_attribute(name, value);
    }
    /// `removeAttribute(name)`.
    fn unset(&self, name: &str) {
        self.unchecked_ref::<Raw>().remove_attribute(name);
    }
    /// `toggleAttribute(name, on)`.
    fn toggle(&self, name: &str, on: bool) {
        self.unchecked_ref::<Raw>().toggle_attribute(name, on);
    }
    /// `appendChild(child)`.
    fn append(&self, child: &JsValue) {
        self.unchecked_ref::<Raw>().append_child(child);
    }
    /// `insertBefore(node, before)` (`before` a child of `self`, or `None`: append).
    fn insert(&self, node: &JsValue, before: Option<&web_sys::Node>) {
        self.unchecked_ref::<Raw>().insert_before(node, before);
    }
    /// `removeChild(node)` (`node` a child of `self`).
    fn remove_node(&self, node: &JsValue) {
        self.unchecked_ref::<Raw>().remove_child(node);
    }
    /// `closest(selector)` with one of the widget's static, valid selectors.
    fn up(&self, selector: &str) -> Option<Element> {
        self.unchecked_ref::<Raw>().closest(selector)
    }
    /// `querySelectorAll(selector)` with one of the widget's static, valid selectors.
    fn query_all(&self, selector: &str) -> web_sys::NodeList {
        self.unchecked_ref::<Raw>().query_selector_all(selector)
    }
    /// `querySelector(selector)` with one of the widget's static, valid selectors.
    fn query(&self, selector: &str) -> Option<Element> {
        self.unchecked_ref::<Raw>().query_selector(selector)
    }
    /// `setProperty(name, value)` on a `CSSStyleDeclaration`.
    fn set_style(&self, name: &str, value: &str) {
        self.unchecked_ref::<Raw>().set_property(name, value);
    }
    /// `scrollIntoView(options)`.
    fn scroll_to(&self, options: &JsValue) {
        self.unchecked_ref::<Raw>().scroll_into_view(options);
    }
    /// `dispatchEvent(event)`: false when a listener called `preventDefault()`.
    fn fire(&self, event: &JsValue) -> bool {
        self.unchecked_ref::<Raw>().dispatch_event(event)
    }
    /// `focus()`.
    fn focus_now(&self) {
        self.unchecked_ref::<Raw>().focus();
    }
}

impl<T: JsCast> Dom for T {}

/// A response header (`headers.get(name)` with a static, valid name).
pub(crate) fn header(resp: &web_sys::Response, name: &str) -> Option<String> {
    resp.headers().unchecked_ref::<Raw>().header(name)
}

/// `document.createElement(tag)`, or with a `svg:` prefix `createElementNS` in SVG's namespace.
pub(crate) fn create(doc: &Document, tag: &str) -> Element {
    let d = doc.unchecked_ref::<Raw>();
    match tag.strip_prefix("svg:") {
        Some(t) => d.create_element_ns("http://www.w3.org/2000/svg", t),
        None => d.create_element(tag),
    }
}
