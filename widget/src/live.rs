//! The live socket to a person (issue 14), opened only while one is involved.
//!
//! Owns: the `WebSocket` binding (its constructor throws for a bad URL: a `Result` here; `send`
//! only runs from the `open` event, `close` never throws). What the frames mean is decided in
//! `shopkeep_widget_core::handoff`.

use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

#[wasm_bindgen]
extern "C" {
    /// A browser `WebSocket`.
    #[wasm_bindgen(extends = EventTarget, js_name = WebSocket)]
    #[derive(Debug, Clone)]
    pub(crate) type Socket;
    #[wasm_bindgen(catch, constructor, js_class = WebSocket)]
    pub(crate) fn new(url: &str) -> Result<Socket, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub(crate) fn send(this: &Socket, data: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method)]
    pub(crate) fn close(this: &Socket);
}

/// The first frame on every connect: everything after `after` (docs/API.md "Handoff").
pub(crate) fn resume_frame(after: u64) -> String {
    let mut t = String::from(r#"{"type":"resume","after":"#);
    shopkeep_widget_core::push_number(&mut t, after);
    t.push('}');
    t
}
