//! Calls to the gateway (docs/API.md): config, sessions, history and the chat stream.
//!
//! Each call turns every way of failing — fetch rejecting, an error status with or without a
//! JSON body, a body of the wrong shape — into a core [`Failure`], so the core alone decides what
//! the shopper sees.

use crate::dom::{header, put};
use crate::json::{self, Json, JsonValue};
use js_sys::{Object, Uint8Array};
use shopkeep_protocol::{
    Block, ChatRequest, ConversationResponse, PublicConfig, Rating, SessionResponse, StreamEvent,
};
use shopkeep_widget_core::sse::SseDecoder;
use shopkeep_widget_core::Failure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, ReadableStreamDefaultReader, RequestCache, RequestInit, RequestMode, Response,
};

/// Where the gateway is, e.g. `http://127.0.0.1:8787` (no trailing slash).
#[derive(Debug, Clone)]
pub(crate) struct Gateway {
    base: String,
}

/// A config the gateway sent, with its ETag and its JSON text (cached verbatim).
#[derive(Debug)]
pub(crate) struct FreshConfig {
    pub(crate) config: PublicConfig,
    pub(crate) etag: Option<String>,
    pub(crate) raw: String,
}

impl Gateway {
    pub(crate) fn new(base: &str) -> Self {
        Gateway {
            base: base.trim_end_matches('/').into(),
        }
    }

    /// Whether the gateway is reached over plain http (local development).
    pub(crate) fn plain_http(&self) -> bool {
        self.base.starts_with("http:")
    }

    fn url(&self, parts: &[&str]) -> String {
        let mut url = self.base.clone();
        for p in parts {
            url.push_str(p);
        }
        url
    }

    /// `GET /v1/tenants/{tenant}/config`, revalidating the cached copy by ETag: `None` when it
    /// is still current (304), else the config and its ETag.
    pub(crate) async fn config(
        &self,
        tenant: &str,
        etag: Option<&str>,
    ) -> Result<Option<FreshConfig>, Failure> {
        let headers = headers(None, false);
        if let Some(etag) = etag {
            put(&headers, "If-None-Match", &etag.into());
        }
        let init = init("GET", &headers);
        let resp = fetch(
            &self.url(&["/v1/tenants/", &encode(tenant), "/config"]),
            &init,
        )
        .await?;
        if resp.status() == 304 {
            return Ok(None);
        }
        let etag = header(&resp, "ETag");
        let resp = ok(resp).await?;
        let promise = crate::dom::text(&resp);
        let raw = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .ok_or_else(Failure::interrupted)?;
        let config = Json::parse(&raw)
            .as_ref()
            .and_then(json::config)
            .ok_or_else(Failure::interrupted)?;
        Ok(Some(FreshConfig { config, etag, raw }))
    }

    /// `POST /v1/sessions`.
    pub(crate) async fn create_session(
        &self,
        tenant: &str,
        resume_token: Option<String>,
        identity_token: Option<String>,
    ) -> Result<SessionResponse, Failure> {
        // CreateSessionRequest's shape; absent tokens are left out.
        let opt = |t: Option<String>| t.map_or(JsValue::UNDEFINED, |t| t.into());
        let body = json::object(&[
            ("tenant_id", tenant.into()),
            ("resume_token", opt(resume_token)),
            ("identity_token", opt(identity_token)),
        ]);
        let init = init("POST", &headers(None, true));
        init.set_body(&body.into());
        let resp = fetch(&self.url(&["/v1/sessions"]), &init).await?;
        decode(json_body(resp).await?, json::session)
    }

    /// A strings table `["…", …]` from the widget's versioned assets (immutable, so the
    /// browser's cache answers after the first page).
    pub(crate) async fn strings(url: &str) -> Result<Vec<String>, Failure> {
        let init = RequestInit::new();
        init.set_mode(RequestMode::Cors);
        decode(json_body(fetch(url, &init).await?).await?, |j| {
            j.items()
                .map(|items| items.iter().filter_map(Json::as_string).collect())
        })
    }

    /// `POST /v1/consent`: the answer is a new session whose token carries the decision.
    pub(crate) async fn consent(
        &self,
        token: &str,
        accepted: bool,
    ) -> Result<SessionResponse, Failure> {
        let init = init("POST", &headers(Some(token), true));
        init.set_body(&json::object(&[("accepted", accepted.into())]).into());
        decode(
            json_body(fetch(&self.url(&["/v1/consent"]), &init).await?).await?,
            json::session,
        )
    }

    /// `POST /v1/messages/{id}/feedback`.
    pub(crate) async fn feedback(
        &self,
        token: &str,
        message_id: &str,
        rating: Rating,
    ) -> Result<(), Failure> {
        let init = init("POST", &headers(Some(token), true));
        let rating = match rating {
            Rating::Up => "up",
            Rating::Down => "down",
        };
        init.set_body(&json::object(&[("rating", rating.into())]).into());
        let url = self.url(&["/v1/messages/", &encode(message_id), "/feedback"]);
        ok(fetch(&url, &init).await?).await.map(|_| ())
    }

    /// `GET /v1/conversation`.
    pub(crate) async fn history(
        &self,
        token: &str,
    ) -> Result<(ConversationResponse, Vec<Vec<Block>>), Failure> {
        let init = init("GET", &headers(Some(token), false));
        decode(
            json_body(fetch(&self.url(&["/v1/conversation"]), &init).await?).await?,
            |j| Some((json::conversation(j)?, json::message_blocks(j))),
        )
    }

    #[cfg(feature = "person")]
    /// `POST path` with the session token and a JSON body (the handoff's routes): the
    /// answer's JSON.
    pub(crate) async fn post(
        &self,
        path: &str,
        token: &str,
        body: String,
    ) -> Result<Json, Failure> {
        let init = init("POST", &headers(Some(token), true));
        init.set_body(&body.into());
        json_body(fetch(&self.url(&[path]), &init).await?).await
    }

    #[cfg(feature = "person")]
    /// The live socket's address for a ticket's `url` (`/v1/live?ticket=…`): the gateway's,
    /// with `ws`/`wss` for `http`/`https`.
    pub(crate) fn socket_url(&self, path: &str) -> String {
        let mut url = String::from("ws");
        url.push_str(self.base.strip_prefix("http").unwrap_or(&self.base));
        url.push_str(path);
        url
    }

    /// `POST /v1/chat`: returns the stream's reader once the answer has started.
    pub(crate) async fn chat(
        &self,
        token: &str,
        request: ChatRequest,
        signal: &AbortSignal,
    ) -> Result<EventReader, Failure> {
        let init = init("POST", &headers(Some(token), true));
        let body = json::object(&[
            ("message", request.message.into()),
            ("client_message_id", request.client_message_id.into()),
        ]);
        init.set_body(&body.into());
        init.set_signal(Some(signal));
        let resp = ok(fetch(&self.url(&["/v1/chat"]), &init).await?).await?;
        let body = resp.body().ok_or_else(Failure::interrupted)?;
        let reader = body
            .get_reader()
            .unchecked_into::<ReadableStreamDefaultReader>();
        Ok(EventReader {
            reader,
            decoder: SseDecoder::new(),
        })
    }
}

/// Reads a chat stream chunk by chunk.
#[derive(Debug)]
pub(crate) struct EventReader {
    reader: ReadableStreamDefaultReader,
    decoder: SseDecoder,
}

impl EventReader {
    /// The events of the next network chunk; `Ok(None)` when the body has ended.
    pub(crate) async fn next(&mut self) -> Result<Option<Vec<StreamEvent>>, Failure> {
        let chunk = JsFuture::from(self.reader.read())
            .await
            .map_err(|_| Failure::interrupted())?;
        // `read()` resolves with a `{done, value}` object.
        let done = crate::dom::get(&chunk, "done").as_bool();
        if done != Some(false) {
            return Ok(None);
        }
        // A response body's stream yields `Uint8Array` chunks (Fetch standard).
        let bytes = crate::dom::get(&chunk, "value")
            .unchecked_into::<Uint8Array>()
            .to_vec();
        let mut events = Vec::new();
        self.decoder.push_each(&bytes, &mut |e| {
            // An event this version does not know (a newer gateway) is skipped, not fatal.
            if let Some(event) = Json::parse(&e.data).as_ref().and_then(json::stream_event) {
                events.push(event);
            }
        });
        Ok(Some(events))
    }

    /// Stops reading (the widget was destroyed).
    pub(crate) fn cancel(&self) {
        let _ = self.reader.cancel();
    }
}

/// Request headers as a plain object (a value `fetch` refuses rejects it: a network failure);
/// `Content-Type` only with a body, so a plain config GET needs no preflight.
fn headers(token: Option<&str>, json: bool) -> Object {
    let headers = Object::new();
    if json {
        put(&headers, "Content-Type", &"application/json".into());
    }
    if let Some(token) = token {
        let mut bearer = String::from("Bearer ");
        bearer.push_str(token);
        put(&headers, "Authorization", &bearer.into());
    }
    headers
}

fn init(method: &str, headers: &Object) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_mode(RequestMode::Cors);
    // no-store: the browser must not answer a revalidation itself, so a 304 reaches us.
    init.set_cache(RequestCache::NoStore);
    init.set_headers(headers);
    init
}

async fn fetch(url: &str, init: &RequestInit) -> Result<Response, Failure> {
    let window = crate::dom::window().ok_or_else(Failure::network)?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(|_| Failure::network())?;
    // `fetch` resolves with a `Response` (Fetch standard).
    Ok(resp.unchecked_into::<Response>())
}

/// Passes a successful response through; turns an error status into its [`Failure`].
async fn ok(resp: Response) -> Result<Response, Failure> {
    if resp.ok() {
        return Ok(resp);
    }
    let retry_after = header(&resp, "Retry-After");
    let body = JsFuture::from(crate::dom::json(&resp))
        .await
        .ok()
        .map(Json::from_value)
        .as_ref()
        .and_then(json::error_body);
    Err(Failure::from_response(
        resp.status(),
        body,
        retry_after.as_deref(),
    ))
}

/// A successful response's JSON body (not generic over what is read from it: one future in
/// the wasm for every call).
async fn json_body(resp: Response) -> Result<Json, Failure> {
    let resp = ok(resp).await?;
    let value = JsFuture::from(crate::dom::json(&resp))
        .await
        .map_err(|_| Failure::interrupted())?;
    Ok(Json::from_value(value))
}

/// Reads `T` from a JSON body; a body that does not read counts as an interrupted response.
fn decode<T>(j: Json, read: fn(&Json) -> Option<T>) -> Result<T, Failure> {
    read(&j).ok_or_else(Failure::interrupted)
}

/// Percent-encodes a tenant id for a path segment (ids are `[a-z0-9-]`, but never trust input).
fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
