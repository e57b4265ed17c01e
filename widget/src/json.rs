//! Protocol types ↔ JSON through the browser's own `JSON` and plain property reads.
//!
//! Hand-written on purpose (STYLE: "hand-write only where weight matters in the widget"):
//! decoding through serde + serde-wasm-bindgen pulled in serde's buffered internally-tagged
//! enums, hashbrown and float formatting — about 60 KB of the 100 KB gzip first build, against a
//! 60 KB budget for the whole widget. Reading a handful of known fields is a few hundred bytes.
//! Missing optional fields take the protocol's defaults, exactly like its `#[serde(default)]`.

use js_sys::{Array, Object, Reflect, JSON};
use shopkeep_protocol::{
    AutoOpen, ColorScheme, ConversationResponse, ErrorBody, ErrorDetail, FinishReason,
    LauncherPosition, MessageRole, MessageStatus, PublicConfig, PublicPrivacy, SessionResponse,
    StoredMessage, StreamEvent, Texts, Theme, Usage,
};
use shopkeep_widget_core::Overrides;
use wasm_bindgen::JsValue;

/// A parsed JSON value with typed field reads.
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

    pub(crate) fn field(&self, key: &str) -> Json {
        let v = if self.0.is_object() {
            Reflect::get(&self.0, &JsValue::from_str(key)).ok()
        } else {
            None
        };
        Json(v.unwrap_or(JsValue::UNDEFINED))
    }

    pub(crate) fn as_array(&self) -> Option<Vec<Json>> {
        Array::is_array(&self.0).then(|| Array::from(&self.0).iter().map(Json).collect())
    }

    pub(crate) fn as_string(&self) -> Option<String> {
        self.0.as_string()
    }

    fn str(&self, key: &str) -> Option<String> {
        self.field(key).0.as_string()
    }

    fn str_or(&self, key: &str, default: String) -> String {
        self.str(key).unwrap_or(default)
    }

    fn num(&self, key: &str) -> Option<f64> {
        self.field(key)
            .0
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
    }

    fn bool_or(&self, key: &str, default: bool) -> bool {
        self.field(key).0.as_bool().unwrap_or(default)
    }

    fn array(&self, key: &str) -> Vec<Json> {
        let v = self.field(key).0;
        if Array::is_array(&v) {
            Array::from(&v).iter().map(Json).collect()
        } else {
            Vec::new()
        }
    }
}

/// Builds a JSON object text from string-keyed values (request bodies, the stored session).
pub(crate) fn object(fields: &[(&str, JsValue)]) -> String {
    let o = Object::new();
    for (k, v) in fields {
        if !v.is_undefined() {
            let _ = Reflect::set(&o, &JsValue::from_str(k), v);
        }
    }
    JSON::stringify(&o)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// A string as a JSON string literal.
pub(crate) fn quote(s: &str) -> String {
    JSON::stringify(&JsValue::from_str(s))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "null".into())
}

/// A plain JS object from string-keyed values (event details for the host page).
pub(crate) fn js_object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
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
    let text = web_sys::window()?.atob(&b64).ok()?;
    // atob gives one char per byte; the payload is UTF-8 (the browser decodes it: weight).
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let text = web_sys::TextDecoder::new()
        .ok()?
        .decode_with_u8_array(&bytes)
        .ok()?;
    Json::parse(&text)?.str("sub").filter(|s| !s.is_empty())
}

/// `Shopkeep('update', {locale, color_scheme, launcher_position})`; unknown keys are ignored.
pub(crate) fn overrides(j: &Json) -> Overrides {
    Overrides {
        locale: j
            .str("locale")
            .filter(|l| !l.trim().is_empty() && l.len() <= 35),
        color_scheme: match j.str("color_scheme").as_deref() {
            Some("light") => Some(ColorScheme::Light),
            Some("dark") => Some(ColorScheme::Dark),
            Some("auto") => Some(ColorScheme::Auto),
            _ => None,
        },
        launcher_position: match j.str("launcher_position").as_deref() {
            Some("left") => Some(LauncherPosition::Left),
            Some("right") => Some(LauncherPosition::Right),
            _ => None,
        },
    }
}

pub(crate) fn config(j: &Json) -> Option<PublicConfig> {
    let (t, x, a, p) = (
        j.field("theme"),
        j.field("texts"),
        j.field("auto_open"),
        j.field("privacy"),
    );
    let (dt, dx, dp) = (Theme::default(), Texts::default(), PublicPrivacy::default());
    Some(PublicConfig {
        tenant_id: j.str("tenant_id")?,
        version: j.num("version").unwrap_or(0.0) as u64,
        theme: Theme {
            primary_color: t.str_or("primary_color", dt.primary_color),
            accent_color: t.str_or("accent_color", dt.accent_color),
            background_color: t.str_or("background_color", dt.background_color),
            text_color: t.str_or("text_color", dt.text_color),
            launcher_position: match t.str("launcher_position").as_deref() {
                Some("left") => LauncherPosition::Left,
                _ => LauncherPosition::Right,
            },
            launcher_icon: t.str_or("launcher_icon", dt.launcher_icon),
            title: t.str_or("title", dt.title),
            avatar_url: t.str("avatar_url"),
            font_family: t.str_or("font_family", dt.font_family),
            corner_radius: t
                .num("corner_radius")
                .map_or(dt.corner_radius, |r| r.min(255.0) as u8),
            color_scheme: match t.str("color_scheme").as_deref() {
                Some("dark") => ColorScheme::Dark,
                Some("auto") => ColorScheme::Auto,
                _ => ColorScheme::Light,
            },
        },
        texts: Texts {
            locale: x.str_or("locale", dx.locale),
            greeting: x.str_or("greeting", dx.greeting),
            placeholder: x.str_or("placeholder", dx.placeholder),
            consent_text: x.str_or("consent_text", dx.consent_text),
        },
        suggested_questions: j
            .array("suggested_questions")
            .iter()
            .filter_map(|q| q.0.as_string())
            .collect(),
        auto_open: match (a.str("mode").as_deref(), a.num("delay_ms")) {
            (Some("after_delay"), Some(d)) => AutoOpen::AfterDelay {
                delay_ms: d.min(u32::MAX as f64) as u32,
            },
            _ => AutoOpen::Off,
        },
        privacy: PublicPrivacy {
            consent_required: p.bool_or("consent_required", dp.consent_required),
            stores_transcripts: p.bool_or("stores_transcripts", dp.stores_transcripts),
        },
    })
}

pub(crate) fn session(j: &Json) -> Option<SessionResponse> {
    Some(SessionResponse {
        token: j.str("token")?,
        session_id: j.str("session_id")?,
        conversation_id: j.str("conversation_id")?,
        expires_at_ms: j.num("expires_at_ms")? as u64,
        user_id: j.str("user_id"),
        consent: j.bool_or("consent", false),
    })
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

pub(crate) fn conversation(j: &Json) -> Option<ConversationResponse> {
    let messages = j
        .array("messages")
        .iter()
        .map(|m| {
            Some(StoredMessage {
                id: m.str("id")?,
                role: match m.str("role")?.as_str() {
                    "user" => MessageRole::User,
                    _ => MessageRole::Assistant,
                },
                text: m.str("text")?,
                status: match m.str("status").as_deref() {
                    Some("stopped") => MessageStatus::Stopped,
                    Some("interrupted") => MessageStatus::Interrupted,
                    _ => MessageStatus::Complete,
                },
                created_at_ms: m.num("created_at_ms").unwrap_or(0.0) as u64,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ConversationResponse {
        conversation_id: j.str("conversation_id")?,
        messages,
    })
}

/// One chat stream event; `None` for a type this version does not know.
pub(crate) fn stream_event(j: &Json) -> Option<StreamEvent> {
    Some(match j.str("type")?.as_str() {
        "start" => StreamEvent::Start {
            user_message_id: j.str("user_message_id")?,
            message_id: j.str("message_id")?,
        },
        "delta" => StreamEvent::Delta {
            text: j.str("text")?,
        },
        "done" => {
            let u = j.field("usage");
            StreamEvent::Done {
                message_id: j.str("message_id")?,
                finish: match j.str("finish").as_deref() {
                    Some("stopped") => FinishReason::Stopped,
                    Some("length") => FinishReason::Length,
                    _ => FinishReason::Complete,
                },
                usage: Usage {
                    prompt_tokens: u.num("prompt_tokens").unwrap_or(0.0) as u32,
                    completion_tokens: u.num("completion_tokens").unwrap_or(0.0) as u32,
                    estimated: u.bool_or("estimated", false),
                },
            }
        }
        "error" => StreamEvent::Error {
            code: j.str("code")?,
            message: j.str_or("message", String::new()),
            retryable: j.bool_or("retryable", false),
        },
        _ => return None,
    })
}

pub(crate) fn error_body(j: &Json) -> Option<ErrorBody> {
    let e = j.field("error");
    Some(ErrorBody {
        error: ErrorDetail {
            code: e.str("code")?,
            message: e.str_or("message", String::new()),
            retryable: e.bool_or("retryable", false),
        },
    })
}
