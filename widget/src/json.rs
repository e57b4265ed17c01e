//! JSON through the browser's own `JSON` and plain property reads.
//!
//! What each response means is read in `shopkeep_widget_core::json` (tested on the host against
//! the protocol's serde); this module hands it the browser's parsed values through
//! [`JsonValue`], and writes the few bodies the widget sends.

use js_sys::{Array, Object, JSON};
use shopkeep_protocol::SessionResponse;
pub(crate) use shopkeep_widget_core::json::{
    config, conversation, error_body, message_blocks, overrides, session, stream_event, JsonValue,
};
#[cfg(feature = "person")]
pub(crate) use shopkeep_widget_core::json::{handoff_answer, live_frame};
use wasm_bindgen::JsValue;

/// A value the browser parsed.
#[derive(Debug, Clone)]
pub(crate) struct Json(JsValue);

impl Json {
    /// Parses JSON text; `None` when it is not JSON.
    pub(crate) fn parse(text: &str) -> Option<Json> {
        JSON::parse(text).ok().map(Json)
    }

    pub(crate) fn from_value(v: JsValue) -> Json {
        Json(v)
    }
}

impl JsonValue for Json {
    fn field(&self, key: &str) -> Json {
        Json(if self.0.is_object() {
            crate::dom::get(&self.0, key)
        } else {
            JsValue::UNDEFINED
        })
    }

    fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn as_bool(&self) -> Option<bool> {
        self.0.as_bool()
    }

    fn items(&self) -> Option<Vec<Json>> {
        Array::is_array(&self.0).then(|| Array::from(&self.0).iter().map(Json).collect())
    }
}

/// Builds a JSON object text from string-keyed values (request bodies, the stored session).
pub(crate) fn object(fields: &[(&str, JsValue)]) -> String {
    let o = Object::new();
    for (k, v) in fields {
        if !v.is_undefined() {
            crate::dom::put(&o, k, v);
        }
    }
    crate::dom::stringify(&o)
}

/// A string as a JSON string literal.
pub(crate) fn quote(s: &str) -> String {
    crate::dom::stringify(&JsValue::from_str(s))
}

/// A plain JS object from string-keyed values (event details for the host page).
pub(crate) fn js_object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        crate::dom::put(&o, k, v);
    }
    o.into()
}

/// The `sub` of a JWT's payload, read without verifying: only a storage key — the gateway
/// verifies the token, and a stored session is used only for the user id it verified.
pub(crate) fn jwt_subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let mut b64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let text = crate::dom::window()?.atob(&b64).ok()?;
    // atob gives one char per byte; the payload is UTF-8 (`from_utf8` is in the wasm anyway,
    // a `TextDecoder` would add two throwing bindings).
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let text = String::from_utf8(bytes).ok()?;
    Json::parse(&text)?
        .field("sub")
        .as_string()
        .filter(|s| !s.is_empty())
}

pub(crate) fn session_text(s: &SessionResponse) -> String {
    object(&[
        ("token", s.token.as_str().into()),
        ("session_id", s.session_id.as_str().into()),
        ("conversation_id", s.conversation_id.as_str().into()),
        ("expires_at_ms", (s.expires_at_ms as f64).into()),
        (
            "user_id",
            s.user_id
                .as_deref()
                .map_or(JsValue::UNDEFINED, JsValue::from_str),
        ),
        ("consent", s.consent.into()),
    ])
}
