//! The shell's one error type: every `JsValue` error becomes one of these at the boundary.

use wasm_bindgen::{JsCast, JsValue};

/// What can go wrong in the browser shell.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A DOM or browser API threw (creating nodes, stylesheets, fetch set-up).
    #[error("browser API failed: {0}")]
    Js(String),
    /// There is no `window` or `document` (not running on a page).
    #[error("no window or document")]
    NoWindow,
    /// `mount` was given options it cannot use.
    #[error("invalid mount options: {0}")]
    Options(&'static str),
    /// A response or stored value did not have the expected shape.
    #[error("could not decode {0}")]
    Decode(&'static str),
}

/// The shell's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<JsValue> for Error {
    fn from(value: JsValue) -> Self {
        // Keep the JS message for diagnostics; avoid `format!` on the hot path (weight).
        let text = value
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "unknown".into());
        Error::Js(text)
    }
}

impl Error {
    /// The same text as `Display`, built by concatenation: `to_string()` would pull
    /// `core::fmt`'s machinery (a couple of KB) into the wasm for this one use.
    pub fn message(&self) -> String {
        let (head, tail) = match self {
            Error::Js(t) => ("browser API failed: ", t.as_str()),
            Error::NoWindow => ("no window or document", ""),
            Error::Options(o) => ("invalid mount options: ", *o),
            Error::Decode(d) => ("could not decode ", *d),
        };
        let mut s = String::from(head);
        s.push_str(tail);
        s
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        js_sys::Error::new(&e.message()).into()
    }
}
