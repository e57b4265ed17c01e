//! Persistence of the session and the config cache in `localStorage`, per tenant.
//!
//! Keys: `shopkeep:v1:<tenant>:session` (the anonymous shopper), `shopkeep:v1:<tenant>:u:<user
//! id>:session` (a shopper the gateway verified: one key per person, so switching identity
//! never reads another person's conversation) and `shopkeep:v1:<tenant>:config` (also read by
//! embed.js to colour the launcher before any wasm loads). Storage may be blocked
//! (Safari private mode, sandboxed iframes, cookie settings) or full; then values live in memory
//! for this page view and the widget still works.

use crate::dom::Store as _;
use crate::json::{self, Json, JsonValue};
use shopkeep_protocol::{PublicConfig, SessionResponse};
use std::cell::RefCell;

fn session_key(user: Option<&str>) -> String {
    match user {
        Some(u) => {
            let mut k = String::from("u:");
            k.push_str(u);
            k.push_str(":session");
            k
        }
        None => "session".into(),
    }
}

/// Per-tenant storage with an in-memory fallback.
#[derive(Debug)]
pub(crate) struct Store {
    prefix: String,
    local: Option<web_sys::Storage>,
    /// Values storage refused (a plain list: a map's code would outweigh two keys).
    memory: RefCell<Vec<(String, String)>>,
}

impl Store {
    pub(crate) fn new(tenant: &str) -> Self {
        // `localStorage` throws a SecurityError when blocked: that is the memory fallback.
        let local = crate::dom::window().and_then(|w| w.local_storage().ok().flatten());
        let mut prefix = String::from("shopkeep:v1:");
        prefix.push_str(tenant);
        prefix.push(':');
        Store {
            prefix,
            local,
            memory: RefCell::new(Vec::new()),
        }
    }

    fn key(&self, name: &str) -> String {
        let mut k = self.prefix.clone();
        k.push_str(name);
        k
    }

    fn get_raw(&self, name: &str) -> Option<String> {
        let key = self.key(name);
        if let Some((_, v)) = self.memory.borrow().iter().find(|(k, _)| *k == key) {
            return Some(v.clone());
        }
        self.local.as_ref().and_then(|s| s.get_item_now(&key))
    }

    fn set_raw(&self, name: &str, value: Option<String>) {
        let key = self.key(name);
        let stored = match (&self.local, &value) {
            (Some(s), Some(v)) => s.set_item(&key, v).is_ok(),
            (Some(s), None) => {
                s.remove_item_now(&key);
                true
            }
            (None, _) => false,
        };
        let mut memory = self.memory.borrow_mut();
        memory.retain(|(k, _)| *k != key);
        if let Some(v) = value.filter(|_| !stored) {
            memory.push((key, v));
        }
    }

    /// The conversation an earlier page view handed to a person (its socket reopens; embed.js
    /// reads this key too, to load the person module at once).
    #[cfg(feature = "person")]
    pub(crate) fn live(&self) -> Option<String> {
        self.get_raw("live")
    }

    /// Remembers (or forgets) the conversation a person is involved in.
    pub(crate) fn save_live(&self, conversation: Option<String>) {
        self.set_raw("live", conversation);
    }

    /// Anything on the page can write here: a value that does not parse is ignored.
    fn get(&self, name: &str) -> Option<Json> {
        Json::parse(&self.get_raw(name)?)
    }

    /// The stored session of a shopper (`None`: the anonymous one).
    pub(crate) fn session(&self, user: Option<&str>) -> Option<SessionResponse> {
        json::session(&self.get(&session_key(user))?)
    }

    /// Stores a session under the key of the user the gateway verified for it.
    pub(crate) fn save_session(&self, session: &SessionResponse) {
        let key = session_key(session.user_id.as_deref());
        self.set_raw(&key, Some(json::session_text(session)));
    }

    pub(crate) fn forget_session(&self, user: Option<&str>) {
        self.set_raw(&session_key(user), None);
    }

    /// Every stored session of this tenant, anonymous and per user (logout).
    pub(crate) fn forget_all_sessions(&self) {
        let is_session = |k: &str| k.starts_with(&self.prefix) && k.ends_with(":session");
        self.memory.borrow_mut().retain(|(k, _)| !is_session(k));
        if let Some(s) = &self.local {
            for k in s.keys().iter().filter(|k| is_session(k)) {
                s.remove_item_now(k);
            }
        }
    }

    /// The cached config and its ETag.
    pub(crate) fn config(&self) -> Option<(PublicConfig, Option<String>)> {
        let cached = self.get("config")?;
        Some((
            json::config(&cached.field("config"))?,
            cached.field("etag").as_string(),
        ))
    }

    /// Caches the config's JSON text as the gateway sent it: `{"etag": …, "config": <raw>}`.
    pub(crate) fn save_config(&self, raw: &str, etag: Option<&str>) {
        if Json::parse(raw).is_none() {
            return;
        }
        let mut text = String::from("{\"etag\":");
        text.push_str(&etag.map_or_else(|| "null".into(), json::quote));
        text.push_str(",\"config\":");
        text.push_str(raw);
        text.push('}');
        self.set_raw("config", Some(text));
    }
}
