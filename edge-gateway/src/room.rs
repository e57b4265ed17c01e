//! `ConversationRoom`: one Durable Object per conversation (named `<tenant>/<conversation>`)
//! that owns the conversation's handoff state and its live channel, and the worker-side
//! client that asks it.
//!
//! The object is the only writer of the conversation's state and live log, and it handles
//! one change at a time (an async lock held from reading the state to the fan-out), so
//! sequence numbers are gap-free and every socket sees entries in order. Each entry is
//! written to D1 before any socket is sent it. Sockets use the WebSocket Hibernation API
//! (`accept_web_socket`): an idle conversation costs nothing, and what a socket is (its
//! verified ticket and frame budget) lives in its serialized attachment, so it survives
//! hibernation. After a wake the object reloads the state and the last sequence number from
//! D1 on first use.
//!
//! Owns: sequencing, the fan-out, the socket protocol's I/O. Decisions (moves, frames, who
//! sees what) are `core::handoff` and `core::live`.

// `#[durable_object]` generates undocumented wasm-bindgen glue next to the struct.
#![allow(missing_docs)]

use crate::env::now_ms;
use crate::store::{StateChange, Store};
use crate::tenant_cache;
use crate::webhooks;
use futures::channel::oneshot;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use shopkeep_gateway_core::handoff::{self, Move, Notice, Reason, State};
use shopkeep_gateway_core::handoff_wire::{notice_text, state_json};
use shopkeep_gateway_core::live::{
    self, Author, ClientFrame, Entry, FrameBudget, FrameError, Role,
};
use shopkeep_gateway_core::live_ticket::Ticket;
use shopkeep_gateway_core::privacy;
use shopkeep_gateway_core::webhooks::EventType;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use worker::{
    durable_object, DurableObject, Env, Method, Request, RequestInit, Response,
    State as ObjectState, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

/// The binding (wrangler.toml).
const BINDING: &str = "ROOMS";
/// The header carrying the verified ticket from the worker to the object (the object is
/// reachable only through the worker).
pub(crate) const TICKET_HEADER: &str = "X-Shopkeep-Live-Ticket";
/// Entries replayed per D1 page on resume.
const RESUME_PAGE: u32 = 200;

/// What a socket is, kept in its attachment across hibernation.
#[derive(Serialize, Deserialize)]
struct Attachment {
    ticket: Ticket,
    budget: FrameBudget,
    /// The socket sent `resume` and got what it missed: only then is it sent live entries.
    /// (A socket sent a live entry before its replay would skip the replayed older ones as
    /// already seen — the soak test caught exactly that.)
    #[serde(default)]
    resumed: bool,
}

/// The role of a socket that has resumed (`None`: not yet, or no attachment).
fn live_role(ws: &WebSocket) -> Option<Role> {
    ws.deserialize_attachment::<Attachment>()
        .ok()
        .flatten()
        .filter(|a| a.resumed)
        .map(|a| a.ticket.role)
}

/// A move, as sent to the object.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "move", rename_all = "snake_case")]
pub(crate) enum MoveWire {
    Request {
        reason: Reason,
        summary: Option<String>,
    },
    Take {
        staff_id: String,
        assign: bool,
    },
    HandBack {
        staff_id: String,
    },
    Close,
    ShopperWrites,
}

#[derive(Serialize, Deserialize)]
struct MoveCall {
    tenant_id: String,
    conversation_id: String,
    step: MoveWire,
    open: bool,
    reply_minutes: u32,
}

/// The object's answer to a move.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MoveAnswer {
    pub(crate) state: State,
    pub(crate) notice: Option<Notice>,
}

/// What a post needs the conversation to be in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Require {
    /// Nothing (notes, system entries).
    Nothing,
    /// Waiting or human (the shopper writing to a person).
    PersonInvolved,
    /// Human and owned by the posting staff member.
    Owner,
}

/// An entry to store and deliver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PostCall {
    pub(crate) tenant_id: String,
    pub(crate) conversation_id: String,
    pub(crate) author: Author,
    pub(crate) client_id: Option<String>,
    pub(crate) text: String,
    pub(crate) internal: bool,
    pub(crate) staff_id: Option<String>,
    pub(crate) staff_name: Option<String>,
    pub(crate) require: Require,
}

/// The object's answer to a post.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Posted {
    pub(crate) entry: Entry,
    /// A resend: the entry stored earlier under the same client id.
    pub(crate) duplicate: bool,
}

/// A first-come, first-served async lock. Frames of one socket must be stored in the order
/// they arrived; `futures::lock::Mutex` wakes waiters in no particular order and lets a new
/// caller barge in, which reordered a socket's messages under load (the soak test caught
/// it). Here the holder hands the lock straight to the oldest waiter.
#[derive(Default)]
struct FifoLock {
    locked: Cell<bool>,
    waiters: RefCell<VecDeque<oneshot::Sender<()>>>,
}

struct FifoGuard<'a>(&'a FifoLock);

impl FifoLock {
    async fn lock(&self) -> FifoGuard<'_> {
        if !self.locked.replace(true) {
            return FifoGuard(self);
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.borrow_mut().push_back(tx);
        // Cancelled only if the holder's guard was dropped without handing over (cannot
        // happen: `drop` hands over or unlocks); either way the lock is ours now.
        let _ = rx.await;
        FifoGuard(self)
    }
}

impl Drop for FifoGuard<'_> {
    fn drop(&mut self) {
        loop {
            let next = self.0.waiters.borrow_mut().pop_front();
            match next {
                // Handed over: stays locked for the waiter.
                Some(tx) => {
                    if tx.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    self.0.locked.set(false);
                    return;
                }
            }
        }
    }
}

#[derive(Default)]
struct Cache {
    next_seq: Option<u64>,
    state: Option<State>,
}

/// One conversation's state and live channel.
// worker::State has no Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct ConversationRoom {
    state: ObjectState,
    env: Env,
    lock: FifoLock,
    cache: RefCell<Cache>,
}

fn message_frame(entry: &Entry) -> String {
    let mut value = serde_json::to_value(entry).unwrap_or_else(|_| json!({}));
    value["type"] = json!("message");
    value.to_string()
}

fn state_frame(state: &State, notice: Option<&Notice>) -> String {
    let mut value = state_json(state, notice);
    value["type"] = json!("state");
    value.to_string()
}

fn error_frame(code: &str, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

/// Refuses a frame: says why, then closes with the core's code. Nothing was stored.
fn refuse(ws: &WebSocket, err: &FrameError) {
    let code = match err {
        FrameError::TooFast => "too_fast",
        FrameError::NotAllowed => "not_allowed",
        _ => "bad_frame",
    };
    let reason = err.to_string();
    let _ = ws.send_with_str(error_frame(code, &reason));
    let _ = ws.close(Some(err.close_code()), Some(reason));
}

fn refused(why: &str) -> Result<Response, Error> {
    json_answer(409, &json!({ "refused": why }))
}

fn json_answer<T: Serialize>(status: u16, value: &T) -> Result<Response, Error> {
    Response::from_json(value)
        .map(|r| r.with_status(status))
        .map_err(|e| Error::Internal(format!("room answer: {e}")))
}

impl DurableObject for ConversationRoom {
    fn new(state: ObjectState, env: Env) -> Self {
        ConversationRoom {
            state,
            env,
            lock: FifoLock::default(),
            cache: RefCell::new(Cache::default()),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let answer = match req.path().as_str() {
            "/connect" => self.accept_socket(&req),
            "/post" => match req.json::<PostCall>().await {
                Ok(call) => self.post(call).await,
                Err(e) => Err(Error::Internal(format!("room post body: {e}"))),
            },
            "/move" => match req.json::<MoveCall>().await {
                Ok(call) => self.apply_move(call).await,
                Err(e) => Err(Error::Internal(format!("room move body: {e}"))),
            },
            _ => return Response::error("not found", 404),
        };
        answer.or_else(|e| {
            worker::console_error!("room: {e}");
            Response::error("room failed", 503)
        })
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(live::CLOSE_UNAUTHORIZED), Some("no ticket"));
            return Ok(());
        };
        if let Err(err) = attachment.budget.spend(now_ms()) {
            refuse(&ws, &err);
            return Ok(());
        }
        ws.serialize_attachment(&attachment)?;
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => {
                refuse(
                    &ws,
                    &FrameError::Malformed("binary frames are not accepted"),
                );
                return Ok(());
            }
        };
        let ticket = attachment.ticket;
        let frame = match live::parse_frame(&text, ticket.role) {
            Ok(frame) => frame,
            Err(err) => {
                refuse(&ws, &err);
                return Ok(());
            }
        };
        let result = match frame {
            ClientFrame::Resume { after } => self.resume(&ws, &ticket, after).await,
            ClientFrame::Message { client_id, text } => {
                self.socket_post(&ws, &ticket, client_id, text, false).await
            }
            ClientFrame::Note { client_id, text } => {
                self.socket_post(&ws, &ticket, client_id, text, true).await
            }
            ClientFrame::Typing => {
                let frame = json!({"type": "typing", "role": ticket.role}).to_string();
                for other in self.state.get_websockets() {
                    if other != ws && live_role(&other).is_some() {
                        let _ = other.send_with_str(&frame);
                    }
                }
                Ok(())
            }
        };
        if let Err(e) = result {
            worker::console_error!("room socket: {e}");
            let _ = ws.send_with_str(error_frame(
                "storage_error",
                "Not stored; send it again with the same client_id.",
            ));
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Complete the closing handshake (code 1005/1006 cannot be sent back).
        let code = u16::try_from(code)
            .ok()
            .filter(|c| *c >= 1000 && *c != 1005 && *c != 1006);
        let _ = ws.close(code.or(Some(1000)), Some("bye"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: worker::Error) -> worker::Result<()> {
        worker::console_warn!("room socket error: {error}");
        Ok(())
    }
}

impl ConversationRoom {
    fn accept_socket(&self, req: &Request) -> Result<Response, Error> {
        let ticket: Ticket = req
            .headers()
            .get(TICKET_HEADER)
            .ok()
            .flatten()
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| Error::Internal("room connect without a ticket".into()))?;
        let fail = |e: worker::Error| Error::Internal(format!("socket: {e}"));
        let pair = WebSocketPair::new().map_err(fail)?;
        self.state.accept_web_socket(&pair.server);
        pair.server
            .serialize_attachment(&Attachment {
                ticket,
                budget: FrameBudget::new(now_ms()),
                resumed: false,
            })
            .map_err(fail)?;
        Response::from_websocket(pair.client).map_err(fail)
    }

    async fn current_state(&self, store: &Store, t: &str, c: &str) -> Result<State, Error> {
        let cached = self.cache.borrow().state.clone();
        if let Some(state) = cached {
            return Ok(state);
        }
        let state = store.handoff_state(t, c).await?;
        self.cache.borrow_mut().state = Some(state.clone());
        Ok(state)
    }

    /// Stores `entry` under the next sequence number, then sends it to every socket that may
    /// see it. The caller holds the lock. A resend (same author and client id) returns the
    /// stored entry and sends nothing.
    async fn append(
        &self,
        store: &Store,
        t: &str,
        c: &str,
        mut entry: Entry,
        staff_id: Option<&str>,
    ) -> Result<Posted, Error> {
        for _ in 0..2 {
            let cached = self.cache.borrow().next_seq;
            let next = match cached {
                Some(next) => next,
                None => store.last_live_seq(t, c).await? + 1,
            };
            entry.seq = next;
            if store.insert_live_entry(t, c, &entry, staff_id).await? {
                self.cache.borrow_mut().next_seq = Some(next + 1);
                let frame = message_frame(&entry);
                for ws in self.state.get_websockets() {
                    if live_role(&ws).is_some_and(|role| entry.visible_to(role)) {
                        let _ = ws.send_with_str(&frame);
                    }
                }
                return Ok(Posted {
                    entry,
                    duplicate: false,
                });
            }
            if let Some(client_id) = entry.client_id.as_deref() {
                if let Some(stored) = store
                    .live_entry_by_client(t, c, entry.author, client_id)
                    .await?
                {
                    return Ok(Posted {
                        entry: stored,
                        duplicate: true,
                    });
                }
            }
            // The sequence number was taken (a stale cache): reload it and try once more.
            self.cache.borrow_mut().next_seq = None;
        }
        Err(Error::Storage("live entry: sequence conflict".into()))
    }

    async fn post(&self, call: PostCall) -> Result<Response, Error> {
        let guard = self.lock.lock().await;
        let store = Store::new(&self.env)?;
        let (t, c) = (call.tenant_id.as_str(), call.conversation_id.as_str());
        let state = self.current_state(&store, t, c).await?;
        let allowed = match call.require {
            Require::Nothing => true,
            Require::PersonInvolved => state.person_involved(),
            Require::Owner => matches!(&state, State::Human { staff_id, .. }
                if Some(staff_id) == call.staff_id.as_ref()),
        };
        if !allowed {
            return refused(match call.require {
                Require::Owner => "Take the conversation before replying.",
                _ => "No person is involved in this conversation.",
            });
        }
        let entry = Entry {
            seq: 0,
            author: call.author,
            client_id: call.client_id.clone(),
            text: call.text.clone(),
            internal: call.internal,
            name: call.staff_name.clone(),
            notice: None,
            at_ms: now_ms(),
        };
        let posted = self
            .append(&store, t, c, entry, call.staff_id.as_deref())
            .await?;
        drop(guard);
        if !posted.duplicate && !posted.entry.internal && posted.entry.author != Author::System {
            let data = json!({
                "conversation_id": c,
                "seq": posted.entry.seq,
                "author": posted.entry.author,
                "name": posted.entry.name,
                "text": posted.entry.text,
            });
            webhooks::emit(&self.env, t, EventType::MessageCreated, data).await;
        }
        json_answer(200, &posted)
    }

    async fn socket_post(
        &self,
        ws: &WebSocket,
        ticket: &Ticket,
        client_id: String,
        text: String,
        internal: bool,
    ) -> Result<(), Error> {
        let (author, require) = match (ticket.role, internal) {
            (Role::Shopper, _) => (Author::Shopper, Require::PersonInvolved),
            (Role::Staff, false) => (Author::Staff, Require::Owner),
            (Role::Staff, true) => (Author::Staff, Require::Nothing),
        };
        // A shopper's words are stored as the tenant's privacy rules allow, exactly as the
        // chat route stores them (the redacted form when transcripts are off: the message
        // must still reach the person).
        let text = if ticket.role == Role::Shopper {
            let store = Store::new(&self.env)?;
            match tenant_cache::tenant(&store, &ticket.tenant_id).await? {
                Some(tenant) => {
                    let forms = privacy::forms(&text, &tenant.record.config.privacy);
                    forms.stored.unwrap_or(forms.for_ai)
                }
                None => {
                    let _ = ws.close(Some(live::CLOSE_UNAUTHORIZED), Some("no such tenant"));
                    return Ok(());
                }
            }
        } else {
            text
        };
        let call = PostCall {
            tenant_id: ticket.tenant_id.clone(),
            conversation_id: ticket.conversation_id.clone(),
            author,
            client_id: Some(client_id),
            text,
            internal,
            staff_id: ticket.staff_id.clone(),
            staff_name: ticket.staff_name.clone(),
            require,
        };
        let mut answer = self
            .post(call)
            .await
            .map_err(|e| Error::Internal(format!("socket post: {e}")))?;
        match answer.status_code() {
            409 => {
                let _ = ws.send_with_str(error_frame(
                    "not_now",
                    if require == Require::Owner {
                        "Take the conversation before replying."
                    } else {
                        "No person is involved in this conversation."
                    },
                ));
            }
            _ => {
                let posted: Posted = answer
                    .json()
                    .await
                    .map_err(|e| Error::Internal(format!("posted: {e}")))?;
                // A resend was already delivered to everyone: send it to the sender again.
                if posted.duplicate {
                    let _ = ws.send_with_str(message_frame(&posted.entry));
                }
            }
        }
        Ok(())
    }

    /// Sends a (re)connected socket what it missed, then the current state. The lock keeps
    /// new entries from interleaving with the replay.
    async fn resume(&self, ws: &WebSocket, ticket: &Ticket, after: u64) -> Result<(), Error> {
        let _guard = self.lock.lock().await;
        let store = Store::new(&self.env)?;
        let (t, c) = (ticket.tenant_id.as_str(), ticket.conversation_id.as_str());
        let mut after = after;
        loop {
            let page = store.live_entries_after(t, c, after, RESUME_PAGE).await?;
            for entry in live::missed(&page, after, ticket.role) {
                let _ = ws.send_with_str(message_frame(entry));
            }
            match page.last() {
                Some(last) if page.len() == RESUME_PAGE as usize => after = last.seq,
                _ => break,
            }
        }
        let state = self.current_state(&store, t, c).await?;
        let _ = ws.send_with_str(state_frame(&state, None));
        // From now on (still under the lock) the socket gets live entries.
        if let Some(mut attachment) = ws.deserialize_attachment::<Attachment>().ok().flatten() {
            attachment.resumed = true;
            ws.serialize_attachment(&attachment)
                .map_err(|e| Error::Internal(format!("socket attachment: {e}")))?;
        }
        Ok(())
    }

    async fn apply_move(&self, call: MoveCall) -> Result<Response, Error> {
        let guard = self.lock.lock().await;
        let store = Store::new(&self.env)?;
        let (t, c) = (call.tenant_id.as_str(), call.conversation_id.as_str());
        let old = self.current_state(&store, t, c).await?;
        let now = now_ms();
        let (step, reason, summary) = match call.step.clone() {
            MoveWire::Request { reason, summary } => {
                (Move::Request(reason.clone()), Some(reason), summary)
            }
            MoveWire::Take { staff_id, assign } => (Move::Take { staff_id, assign }, None, None),
            MoveWire::HandBack { staff_id } => (Move::HandBack { staff_id }, None, None),
            MoveWire::Close => (Move::Close, None, None),
            MoveWire::ShopperWrites => (Move::ShopperWrites, None, None),
        };
        let moved = match handoff::apply(&old, step, now, call.open, call.reply_minutes) {
            Ok(moved) => moved,
            Err(refusal) => return refused(&refusal.to_string()),
        };
        if moved.state != old {
            let reason_json = reason.as_ref().and_then(|r| serde_json::to_string(r).ok());
            store
                .put_handoff_state(
                    t,
                    c,
                    &StateChange {
                        state: &moved.state,
                        reason_json: reason_json.as_deref(),
                        summary: summary.as_deref(),
                        now_ms: now,
                    },
                )
                .await?;
            self.cache.borrow_mut().state = Some(moved.state.clone());
        }
        if let Some(notice) = &moved.notice {
            let entry = Entry {
                seq: 0,
                author: Author::System,
                client_id: None,
                text: notice_text(notice),
                internal: false,
                name: None,
                notice: Some(notice.clone()),
                at_ms: now,
            };
            self.append(&store, t, c, entry, None).await?;
            let frame = state_frame(&moved.state, Some(notice));
            for ws in self.state.get_websockets() {
                if live_role(&ws).is_some() {
                    let _ = ws.send_with_str(&frame);
                }
            }
        }
        drop(guard);
        let requested = old.ai_may_answer() && matches!(moved.state, State::Waiting { .. });
        let closed =
            !matches!(old, State::Closed { .. }) && matches!(moved.state, State::Closed { .. });
        if requested {
            let data = json!({
                "conversation_id": c,
                "reason": reason.map(|r| serde_json::to_value(r).unwrap_or(Value::Null)),
                "summary": summary,
                "open": call.open,
            });
            webhooks::emit(&self.env, t, EventType::HandoffRequested, data).await;
        }
        if closed {
            webhooks::emit(
                &self.env,
                t,
                EventType::ConversationClosed,
                json!({"conversation_id": c}),
            )
            .await;
        }
        json_answer(
            200,
            &MoveAnswer {
                state: moved.state,
                notice: moved.notice,
            },
        )
    }
}

// ---- the worker-side client ----

fn stub(env: &Env, tenant_id: &str, conversation_id: &str) -> Result<worker::Stub, Error> {
    let fail = |e: worker::Error| Error::Storage(format!("room: {e}"));
    env.durable_object(BINDING)
        .map_err(fail)?
        .id_from_name(&format!("{tenant_id}/{conversation_id}"))
        .map_err(fail)?
        .get_stub()
        .map_err(fail)
}

async fn call<T: Serialize>(
    env: &Env,
    tenant_id: &str,
    conversation_id: &str,
    path: &str,
    body: &T,
) -> Result<Response, Error> {
    let fail = |e: worker::Error| Error::Storage(format!("room {path}: {e}"));
    let json = serde_json::to_string(body).map_err(|e| Error::Internal(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(json.into()));
    let request = Request::new_with_init(&format!("https://room{path}"), &init).map_err(fail)?;
    let response = stub(env, tenant_id, conversation_id)?
        .fetch_with_request(request)
        .await
        .map_err(fail)?;
    match response.status_code() {
        200 | 409 => Ok(response),
        status => Err(Error::Storage(format!("room {path}: answered {status}"))),
    }
}

async fn refusal(mut response: Response) -> Error {
    let why = response
        .json::<Value>()
        .await
        .ok()
        .and_then(|v| v.get("refused").and_then(Value::as_str).map(String::from))
        .unwrap_or_else(|| ErrorCode::NotNow.default_message().to_owned());
    Error::downstream(ErrorCode::NotNow, why)
}

/// Applies a move in the conversation's object (`open`, `reply_minutes`: the tenant's hours
/// now and usual reply time). A move the state does not allow is `409 not_now`.
pub(crate) async fn apply_move(
    env: &Env,
    tenant_id: &str,
    conversation_id: &str,
    step: MoveWire,
    open: bool,
    reply_minutes: u32,
) -> Result<MoveAnswer, Error> {
    let body = MoveCall {
        tenant_id: tenant_id.to_owned(),
        conversation_id: conversation_id.to_owned(),
        step,
        open,
        reply_minutes,
    };
    let mut response = call(env, tenant_id, conversation_id, "/move", &body).await?;
    if response.status_code() == 409 {
        return Err(refusal(response).await);
    }
    response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("room move answer: {e}")))
}

/// Stores and delivers an entry through the conversation's object.
pub(crate) async fn post(env: &Env, call_body: &PostCall) -> Result<Posted, Error> {
    let mut response = call(
        env,
        &call_body.tenant_id,
        &call_body.conversation_id,
        "/post",
        call_body,
    )
    .await?;
    if response.status_code() == 409 {
        return Err(refusal(response).await);
    }
    response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("room post answer: {e}")))
}

/// Hands a verified ticket's WebSocket upgrade to the conversation's object.
pub(crate) async fn connect(env: &Env, ticket: &Ticket) -> Result<Response, Error> {
    let fail = |e: worker::Error| Error::Storage(format!("room connect: {e}"));
    let headers = worker::Headers::new();
    headers.set("Upgrade", "websocket").map_err(fail)?;
    let json = serde_json::to_string(ticket).map_err(|e| Error::Internal(e.to_string()))?;
    headers.set(TICKET_HEADER, &json).map_err(fail)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let request = Request::new_with_init("https://room/connect", &init).map_err(fail)?;
    stub(env, &ticket.tenant_id, &ticket.conversation_id)?
        .fetch_with_request(request)
        .await
        .map_err(fail)
}
