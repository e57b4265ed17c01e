//! The running widget: owns the state, the view and the listeners; turns DOM events and
//! finished fetches into [`Msg`]s and performs the [`Effect`]s `update` returns.

use crate::dom::{Dom, Listener};
use crate::json;
#[cfg(feature = "person")]
use crate::live::Socket;
use crate::net::Gateway;
use crate::storage::Store;
use crate::view::View;
use js_sys::Function;
use shopkeep_protocol::{ChatRequest, Rating};
use shopkeep_widget_core::i18n::Strings;
#[cfg(feature = "person")]
use shopkeep_widget_core::Failure;
use shopkeep_widget_core::{update, Effect, FocusTarget, HostEvent, Msg, State};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{AbortController, Event, EventTarget, KeyboardEvent};

/// One mounted widget.
#[derive(Debug)]
pub(crate) struct App {
    state: RefCell<State>,
    pub(crate) view: View,
    tenant: String,
    gateway: Gateway,
    store: Store,
    listeners: RefCell<Vec<Listener>>,
    stream: RefCell<Option<(u32, AbortController)>>,
    /// JSON text of the last fetched config, cached verbatim on [`Effect::SaveConfig`].
    config_raw: RefCell<Option<String>>,
    queue: RefCell<VecDeque<Msg>>,
    dispatching: Cell<bool>,
    alive: Cell<bool>,
    /// The host page's event sink (`emit(name, detail)` from embed.js).
    emit: Option<Function>,
    /// Base URL of the widget's versioned assets (`…/widget/<version>/`), for strings tables.
    assets: Option<String>,
    /// The one-second countdown callback, owned here and its pending timeout cleared on
    /// teardown (a dropped closure must never be called).
    tick: RefCell<Option<Closure<dyn FnMut()>>>,
    timer: Cell<Option<i32>>,
    /// The live socket while a person is involved, with its listeners.
    #[cfg(feature = "person")]
    live: RefCell<Option<(Socket, Vec<Listener>)>>,
    /// The shadow root and the stylesheet this widget adopted into it.
    sheet: (web_sys::ShadowRoot, web_sys::CssStyleSheet),
    /// Without the person module: the mount options and the page's last `update` attributes,
    /// handed on to the widget built with it ([`Effect::Upgrade`], `src/swap.rs`).
    #[cfg(not(feature = "person"))]
    options: JsValue,
    #[cfg(not(feature = "person"))]
    pub(crate) attrs: RefCell<JsValue>,
}

impl App {
    pub(crate) fn new(
        tenant: String,
        gateway: Gateway,
        view: View,
        emit: Option<Function>,
        assets: Option<String>,
        sheet: (web_sys::ShadowRoot, web_sys::CssStyleSheet),
        #[cfg(not(feature = "person"))] options: JsValue,
    ) -> Rc<App> {
        let store = Store::new(&tenant);
        let mut state = State::new(&tenant);
        state.plain_http = gateway.plain_http();
        let app = Rc::new(App {
            state: RefCell::new(state),
            view,
            tenant,
            gateway,
            store,
            listeners: RefCell::new(Vec::new()),
            stream: RefCell::new(None),
            config_raw: RefCell::new(None),
            queue: RefCell::new(VecDeque::new()),
            dispatching: Cell::new(false),
            alive: Cell::new(true),
            emit,
            assets,
            tick: RefCell::new(None),
            timer: Cell::new(None),
            #[cfg(feature = "person")]
            live: RefCell::new(None),
            sheet,
            #[cfg(not(feature = "person"))]
            options,
            #[cfg(not(feature = "person"))]
            attrs: RefCell::new(JsValue::UNDEFINED),
        });
        let weak = Rc::downgrade(&app);
        *app.tick.borrow_mut() = Some(Closure::new(move || {
            if let Some(app) = weak.upgrade() {
                app.timer.set(None);
                app.dispatch(Msg::Tick);
            }
        }));
        *app.listeners.borrow_mut() = listen(&app);
        app
    }

    /// Starts the widget: cached config and session, then the config fetch.
    pub(crate) fn start(self: &Rc<Self>, seed: u64) {
        let cached = self.store.config();
        let stored_session = self.store.session(None);
        let nav = crate::dom::window().map(|w| w.navigator());
        self.dispatch(Msg::Mounted {
            seed,
            cached_config: cached,
            stored_session,
            browser_locale: nav.as_ref().and_then(|n| n.language()).unwrap_or_default(),
            online: nav.is_none_or(|n| n.on_line()),
        });
        #[cfg(feature = "person")]
        if let Some(conversation) = self.store.live() {
            self.dispatch(Msg::LiveStored(conversation));
        }
        self.fit_viewport();
    }

    /// `Shopkeep('identify', token)`: an empty token logs out.
    pub(crate) fn identify(self: &Rc<Self>, token: Option<String>) {
        match token.filter(|t| !t.is_empty()) {
            Some(token) => {
                let user = json::jwt_subject(&token);
                let stored_session = user.as_deref().and_then(|u| self.store.session(Some(u)));
                self.dispatch(Msg::Identify {
                    token,
                    user,
                    stored_session,
                });
            }
            None => self.dispatch(Msg::Reset),
        }
    }

    fn fit_viewport(&self) {
        if let Some(vv) = crate::dom::window().and_then(|w| w.visual_viewport()) {
            self.view.fit_viewport(vv.offset_top(), vv.height());
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.state.borrow().open
    }

    /// Applies a message. Re-entrant calls (an effect causing an event) are queued, so the
    /// state is never borrowed twice.
    pub(crate) fn dispatch(self: &Rc<Self>, msg: Msg) {
        if !self.alive.get() {
            return;
        }
        self.queue.borrow_mut().push_back(msg);
        if self.dispatching.replace(true) {
            return;
        }
        loop {
            let next = self.queue.borrow_mut().pop_front();
            let Some(msg) = next else { break };
            let effects = update(&mut self.state.borrow_mut(), msg);
            for effect in effects {
                self.perform(effect);
            }
        }
        self.dispatching.set(false);
    }

    fn perform(self: &Rc<Self>, effect: Effect) {
        match effect {
            Effect::Render(patch) => {
                self.view.render(patch, &self.state.borrow());
            }
            Effect::Focus(FocusTarget::Input) => {
                self.view.input.focus_now();
            }
            Effect::Focus(FocusTarget::Consent) => {
                if let Some(b) = self.view.consent_accept.dyn_ref::<web_sys::HtmlElement>() {
                    b.focus_now();
                }
            }
            Effect::Focus(FocusTarget::Launcher) => {
                if let Some(l) = &self.view.launcher {
                    l.focus_now();
                }
            }
            Effect::Announce(text) => self.view.announce(&text),
            Effect::SaveConfig => {
                if let Some(raw) = self.config_raw.borrow_mut().take() {
                    self.store
                        .save_config(&raw, self.state.borrow().config_etag.as_deref());
                }
            }
            Effect::SaveSession => {
                if let Some(s) = &self.state.borrow().session {
                    self.store.save_session(s);
                }
            }
            Effect::ForgetSession { user } => self.store.forget_session(user.as_deref()),
            Effect::ForgetAllSessions => self.store.forget_all_sessions(),
            Effect::PostConsent { token, accepted } => {
                let gw = self.gateway.clone();
                self.spawn(Box::pin(async move {
                    match gw.consent(&token, accepted).await {
                        Ok(s) => Msg::ConsentRecorded(s),
                        Err(f) => Msg::ConsentFailed(f),
                    }
                }));
            }
            Effect::SendFeedback {
                token,
                index,
                message_id,
                rating,
            } => {
                let gw = self.gateway.clone();
                let weak = Rc::downgrade(self);
                spawn_local(async move {
                    if gw.feedback(&token, &message_id, rating).await.is_err() {
                        with_app(&weak, Msg::FeedbackFailed(index));
                    }
                });
            }
            Effect::Tick => {
                if let Some(f) = self.tick.borrow().as_ref() {
                    let id = crate::dom::set_timeout(f.as_ref().unchecked_ref(), 1000);
                    self.timer.set(Some(id));
                }
            }
            Effect::Emit(event) => self.emit(&event),
            Effect::LoadStrings { lang } => {
                let Some(mut url) = self.assets.clone() else {
                    return;
                };
                url.push_str("i18n/");
                url.push_str(lang);
                url.push_str(".json");
                let weak = Rc::downgrade(self);
                spawn_local(async move {
                    // A missing table leaves English in place.
                    let Ok(list) = Gateway::strings(&url).await else {
                        return;
                    };
                    // Leaked once per language per page view: the core's tables are 'static.
                    let list: Vec<&'static str> = list
                        .into_iter()
                        .map(|s| &*Box::leak(s.into_boxed_str()))
                        .collect();
                    if let Some(table) = Strings::from_list(lang, &list) {
                        with_app(&weak, Msg::StringsLoaded(Box::leak(Box::new(table))));
                    }
                });
            }
            Effect::FetchConfig { etag } => {
                let (gw, tenant) = (self.gateway.clone(), self.tenant.clone());
                let weak = Rc::downgrade(self);
                spawn_local(async move {
                    let msg = match gw.config(&tenant, etag.as_deref()).await {
                        Ok(Some(fresh)) => {
                            if let Some(app) = weak.upgrade() {
                                *app.config_raw.borrow_mut() = Some(fresh.raw);
                            }
                            Msg::ConfigLoaded {
                                config: fresh.config,
                                etag: fresh.etag,
                            }
                        }
                        Ok(None) => Msg::ConfigNotModified,
                        Err(f) => Msg::ConfigFailed(f),
                    };
                    with_app(&weak, msg);
                });
            }
            Effect::CreateSession {
                resume_token,
                identity_token,
            } => {
                let (gw, tenant) = (self.gateway.clone(), self.tenant.clone());
                self.spawn(Box::pin(async move {
                    match gw
                        .create_session(&tenant, resume_token, identity_token)
                        .await
                    {
                        Ok(s) => Msg::SessionCreated(s),
                        Err(f) => Msg::SessionFailed(f),
                    }
                }));
            }
            Effect::LoadHistory { token } => {
                let gw = self.gateway.clone();
                self.spawn(Box::pin(async move {
                    match gw.history(&token).await {
                        Ok((h, blocks)) => Msg::HistoryLoaded(h, blocks),
                        Err(f) => Msg::HistoryFailed(f),
                    }
                }));
            }
            Effect::SendChat {
                request,
                token,
                client_message_id,
                text,
            } => self.send_chat(
                request,
                token,
                ChatRequest {
                    message: text,
                    client_message_id,
                },
            ),
            Effect::AddToCart {
                message,
                card,
                request,
            } => self.spawn(Box::pin(async move {
                Msg::CartDone {
                    message,
                    card,
                    outcome: crate::cart::add(request).await,
                }
            })),
            #[cfg(not(feature = "person"))]
            Effect::Upgrade { then } => self.swap(then),
            #[cfg(feature = "person")]
            Effect::PostHandoff { token } => {
                self.post("/v1/handoff", token, String::from("{}"), |r| {
                    match r.map(|j| json::handoff_answer(&j)) {
                        Ok(Some(msg)) => msg,
                        Ok(None) => Msg::HandoffFailed(Failure::interrupted()),
                        Err(f) => Msg::HandoffFailed(f),
                    }
                });
            }
            #[cfg(feature = "person")]
            Effect::PostContact { token, email } => {
                let body = json::object(&[("email", email.into()), ("consent", true.into())]);
                self.post("/v1/contact", token, body, form_sent);
            }
            #[cfg(feature = "person")]
            Effect::PostCsat {
                token,
                rating,
                comment,
            } => {
                let comment = if comment.trim().is_empty() {
                    JsValue::UNDEFINED
                } else {
                    comment.into()
                };
                let body = json::object(&[("rating", rating.into()), ("comment", comment)]);
                self.post("/v1/csat", token, body, form_sent);
            }
            Effect::SaveLive(conversation) => self.store.save_live(conversation),
            #[cfg(feature = "person")]
            Effect::OpenLive { token, .. } => {
                self.post("/v1/live/ticket", token, String::from("{}"), |r| {
                    use crate::json::JsonValue;
                    Msg::LiveTicket(r.ok().and_then(|j| j.field("url").as_string()))
                });
            }
            #[cfg(feature = "person")]
            Effect::Connect(url) => match Socket::new(&self.gateway.socket_url(&url)) {
                Ok(ws) => self.attach_live(ws),
                Err(_) => self.dispatch(Msg::LiveClosed),
            },
            #[cfg(feature = "person")]
            Effect::CloseLive => self.close_live(),
            // What only the person module does; the person module never upgrades.
            #[cfg(feature = "person")]
            Effect::Upgrade { .. } => {}
            #[cfg(not(feature = "person"))]
            Effect::PostHandoff { .. }
            | Effect::PostContact { .. }
            | Effect::OpenLive { .. }
            | Effect::Connect(_)
            | Effect::CloseLive
            | Effect::PostCsat { .. } => {}
            Effect::AbortStream { request } => {
                let current = self.stream.borrow_mut().take();
                match current {
                    Some((r, controller)) if r == request => controller.abort(),
                    other => *self.stream.borrow_mut() = other,
                }
            }
        }
    }

    #[cfg(feature = "person")]
    /// `POST path` for the handoff's routes; `done` turns the answer into the message
    /// dispatched (one task for all four routes: each async block is wasm weight).
    fn post(
        self: &Rc<Self>,
        path: &'static str,
        token: String,
        body: String,
        done: fn(Result<json::Json, Failure>) -> Msg,
    ) {
        let gw = self.gateway.clone();
        self.spawn(Box::pin(
            async move { done(gw.post(path, &token, body).await) },
        ));
    }

    #[cfg(feature = "person")]
    /// Keeps a new live socket (or closes it when the core no longer wants one): `open` sends
    /// the resume frame, each frame becomes [`Msg::Live`], the end [`Msg::LiveClosed`].
    fn attach_live(self: &Rc<Self>, ws: Socket) {
        if !self.alive.get() || !self.state.borrow().handoff.socket {
            ws.close();
            return;
        }
        let on = |event: &'static str, f: fn(&Rc<App>, &Event)| listener(self, &ws, event, f);
        let listeners = vec![
            on("open", |a, _| {
                let after = a.state.borrow().handoff.seq;
                if let Some((ws, _)) = &*a.live.borrow() {
                    let _ = ws.send(&crate::live::resume_frame(after));
                }
            }),
            on("message", |a, e| {
                let frame = crate::dom::get(e, "data")
                    .as_string()
                    .and_then(|t| json::Json::parse(&t))
                    .as_ref()
                    .and_then(json::live_frame);
                if let Some(frame) = frame {
                    a.dispatch(Msg::Live(frame));
                }
            }),
            on("close", |a, _| {
                a.close_live();
                a.dispatch(Msg::LiveClosed);
            }),
        ];
        self.close_live();
        *self.live.borrow_mut() = Some((ws, listeners));
    }

    #[cfg(feature = "person")]
    /// Closes the live socket. Its listeners are dropped after the current event (this runs
    /// inside one of them).
    fn close_live(&self) {
        if let Some((ws, listeners)) = self.live.borrow_mut().take() {
            ws.close();
            spawn_local(async move { drop(listeners) });
        }
    }

    /// Swaps in the widget built with the person module (`src/swap.rs`); a failed load leaves
    /// this one, with a notice, and the next press tries again.
    #[cfg(not(feature = "person"))]
    fn swap(self: &Rc<Self>, then: &'static str) {
        let Some(base) = self.assets.clone() else {
            // Mounted without `assets` (not by embed.js): no person module to load; the
            // shopper is told, never left with a button that does nothing.
            self.dispatch(Msg::HandoffFailed(
                shopkeep_widget_core::Failure::interrupted(),
            ));
            return;
        };
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            let module = wasm_bindgen_futures::JsFuture::from(crate::swap::load(&base)).await;
            let Some(app) = weak.upgrade().filter(|a| a.alive.get()) else {
                return;
            };
            match module {
                Ok(m) => {
                    let token = app.state.borrow().identity.clone();
                    app.teardown();
                    let attrs = app.attrs.borrow();
                    let _ = crate::swap::start(&m, &app.sheet.0, &app.options, token, &attrs, then);
                }
                Err(_) => app.dispatch(Msg::HandoffFailed(
                    shopkeep_widget_core::Failure::interrupted(),
                )),
            }
        });
    }

    /// Calls the host page's listeners through embed.js; their exceptions stay theirs.
    fn emit(&self, event: &HostEvent) {
        let Some(f) = &self.emit else { return };
        let detail = match event {
            HostEvent::MessageSent(t) | HostEvent::MessageReceived(t) => {
                json::js_object(&[("text", t.as_str().into())])
            }
            HostEvent::UnreadChanged(n) => json::js_object(&[("count", (*n).into())]),
            HostEvent::Opened | HostEvent::Closed => json::js_object(&[]),
        };
        let _ = f.call2(&JsValue::NULL, &event.name().into(), &detail);
    }

    /// Runs a request and dispatches the message it ends with (unless the widget is gone).
    /// Boxed, so the task around it is compiled once, not once per request kind.
    fn spawn(self: &Rc<Self>, fut: std::pin::Pin<Box<dyn std::future::Future<Output = Msg>>>) {
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            let msg = fut.await;
            with_app(&weak, msg);
        });
    }

    fn send_chat(self: &Rc<Self>, request: u32, token: String, body: ChatRequest) {
        let controller = crate::dom::abort_controller();
        let signal = controller.signal();
        if let Some((_, old)) = self.stream.replace(Some((request, controller))) {
            old.abort();
        }
        let gw = self.gateway.clone();
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            let with = |msg: Msg| with_app(&weak, msg);
            let mut reader = match gw.chat(&token, body, &signal).await {
                Ok(r) => r,
                Err(failure) => {
                    with(Msg::StreamFailed { request, failure });
                    return;
                }
            };
            loop {
                match reader.next().await {
                    // Each chunk's events are applied (and painted) as soon as they arrive.
                    Ok(Some(events)) => {
                        for event in events {
                            if !with(Msg::Stream { request, event }) {
                                reader.cancel();
                                return;
                            }
                        }
                    }
                    Ok(None) => {
                        with(Msg::StreamEnded { request });
                        return;
                    }
                    Err(failure) => {
                        with(Msg::StreamFailed { request, failure });
                        return;
                    }
                }
            }
        });
    }

    /// Detaches every listener, aborts the stream and removes every node the widget added.
    pub(crate) fn teardown(&self) {
        self.alive.set(false);
        self.listeners.borrow_mut().clear();
        if let (Some(w), Some(id)) = (crate::dom::window(), self.timer.take()) {
            w.clear_timeout_with_handle(id);
        }
        self.tick.borrow_mut().take();
        if let Some((_, c)) = self.stream.borrow_mut().take() {
            c.abort();
        }
        #[cfg(feature = "person")]
        self.close_live();
        self.view.remove();
        let (root, sheet) = &self.sheet;
        let kept = root
            .adopted_style_sheets()
            .filter(&mut |s, _, _| !js_sys::Object::is(&s, sheet));
        root.set_adopted_style_sheets(&kept);
    }
}

#[cfg(feature = "person")]
fn form_sent(r: Result<json::Json, Failure>) -> Msg {
    r.map_or_else(Msg::FormFailed, |_| Msg::FormSent)
}

/// Dispatches to the app if it still exists; false when it is gone.
fn with_app(weak: &Weak<App>, msg: Msg) -> bool {
    match weak.upgrade() {
        Some(app) if app.alive.get() => {
            app.dispatch(msg);
            true
        }
        _ => false,
    }
}

/// One listener that hands its event to `f` while the app lives (not inlined: it is called
/// once per listener, and its body is the same for all of them).
#[inline(never)]
fn listener(
    app: &Rc<App>,
    target: &EventTarget,
    event: &'static str,
    f: fn(&Rc<App>, &Event),
) -> Listener {
    let weak = Rc::downgrade(app);
    Listener::new(target, event, move |e| {
        if let Some(app) = weak.upgrade() {
            f(&app, &e)
        }
    })
}

fn listen(app: &Rc<App>) -> Vec<Listener> {
    let v = &app.view;
    let on = |target: &EventTarget, event: &'static str, f: fn(&Rc<App>, &Event)| {
        listener(app, target, event, f)
    };
    let mut all = vec![
        on(&v.close, "click", |a, _| a.dispatch(Msg::Close)),
        on(&v.handoff, "click", |a, _| a.dispatch(Msg::TalkToPerson)),
        // The contact and rating forms: one delegated listener.
        #[cfg(feature = "person")]
        on(&v.form, "click", |a, e| {
            let Some(b) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.up("button[data-sk]"))
            else {
                return;
            };
            let field = |sel: &str| {
                a.view
                    .form
                    .query(sel)
                    .and_then(|f| crate::dom::get(&f, "value").as_string())
                    .unwrap_or_default()
            };
            let hook = b.get_attribute("data-sk").unwrap_or_default();
            let msg = match hook.as_str() {
                "contact-send" => Msg::SendContact(field("input")),
                "csat-send" => Msg::SendRating(field("textarea")),
                h => match h.strip_prefix("csat-").and_then(|n| n.parse().ok()) {
                    Some(n) => Msg::PickRating(n),
                    None => return,
                },
            };
            a.dispatch(msg);
        }),
        on(&v.send, "click", submit),
        on(&v.stop, "click", |a, _| a.dispatch(Msg::Stop)),
        on(&v.retry, "click", |a, _| a.dispatch(Msg::Retry)),
        on(&v.input, "input", |a, _| {
            a.dispatch(Msg::InputChanged(a.view.input.value()))
        }),
        // Enter's newline is prevented when it sends.
        on(&v.input, "keydown", |a, e| {
            let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
                e.prevent_default();
                submit(a, e);
            }
        }),
        // Tab is kept inside the open dialog.
        on(&v.panel, "keydown", |a, e| {
            let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            match k.key().as_str() {
                "Escape" => a.dispatch(Msg::Close),
                "Tab" => trap_tab(a, k),
                _ => {}
            }
        }),
        on(&v.consent_accept, "click", |a, _| {
            a.dispatch(Msg::ConsentDecided(true))
        }),
        on(&v.consent_decline, "click", |a, _| {
            a.dispatch(Msg::ConsentDecided(false))
        }),
        // Thumbs and product cards: one delegated listener on the list.
        on(&v.log, "click", |a, e| {
            let target = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let Some(button) = target.and_then(|t| t.up("button[data-sk]")) else {
                return;
            };
            let Some(message) = a.view.message_index(&button) else {
                return;
            };
            let number = |e: &web_sys::Element, name: &str| {
                e.get_attribute(name).and_then(|n| n.parse::<usize>().ok())
            };
            let card = button
                .up("[data-sk=card]")
                .and_then(|c| number(&c, "data-k"));
            let hook = button.get_attribute("data-sk").unwrap_or_default();
            let msg = match (hook.as_str(), card) {
                ("thumb-up", _) => Msg::Rate {
                    index: message,
                    rating: Rating::Up,
                },
                ("thumb-down", _) => Msg::Rate {
                    index: message,
                    rating: Rating::Down,
                },
                ("chip", Some(card)) => {
                    let (Some(option), Some(value)) =
                        (number(&button, "data-o"), number(&button, "data-v"))
                    else {
                        return;
                    };
                    Msg::PickOption {
                        message,
                        card,
                        option,
                        value,
                    }
                }
                ("add-to-cart", Some(card)) => Msg::AddToCart { message, card },
                (hook @ ("prev" | "next"), _) => {
                    a.view.step_carousel(&button, hook == "next");
                    return;
                }
                _ => return,
            };
            a.dispatch(msg);
        }),
        // Arrow keys move between a carousel's cards instead of scrolling.
        on(&v.log, "keydown", |a, e| {
            let (Some(k), Some(t)) = (
                e.dyn_ref::<KeyboardEvent>(),
                e.target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok()),
            ) else {
                return;
            };
            if a.view.carousel_key(&t, &k.key()) {
                e.prevent_default();
            }
        }),
        // One delegated listener for every chip, however often the chips are redrawn.
        on(&v.suggestions, "click", |a, e| {
            let chip = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.up("[data-sk=suggestion]"));
            if let Some(i) = chip
                .and_then(|c| c.get_attribute("data-i"))
                .and_then(|i| i.parse().ok())
            {
                a.dispatch(Msg::SuggestionClicked(i));
            }
        }),
    ];
    if let Some(w) = crate::dom::window() {
        let online = |a: &Rc<App>, _: &Event| {
            let on = crate::dom::window().is_none_or(|w| w.navigator().on_line());
            a.dispatch(Msg::Connectivity(on))
        };
        all.push(on(&w, "online", online));
        all.push(on(&w, "offline", online));
        // The on-screen keyboard shrinks the visual viewport; the mobile panel follows it.
        if let Some(vv) = w.visual_viewport() {
            all.push(on(&vv, "resize", |a, _| a.fit_viewport()));
            all.push(on(&vv, "scroll", |a, _| a.fit_viewport()));
        }
    }
    all
}

/// Keeps Tab inside the open panel: from the last control to the first and back.
fn trap_tab(app: &Rc<App>, k: &KeyboardEvent) {
    let items = app.view.focusables();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = app.view.active_element();
    let at = |e: &web_sys::HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == e.unchecked_ref::<web_sys::Element>())
    };
    let inside = items.iter().any(at);
    // Focus on a control outside the list (a product card, focusable by script only) is
    // inside the dialog already: the browser's own Tab order goes on from there.
    if !inside
        && active
            .as_ref()
            .is_some_and(|a| app.view.panel.contains(Some(a)))
    {
        return;
    }
    let target = match (k.shift_key(), inside) {
        (true, true) if at(first) => last,
        (false, true) if at(last) => first,
        (_, true) => return,
        (true, false) => last,
        (false, false) => first,
    };
    k.prevent_default();
    target.focus_now();
}

/// Sends what the composer holds (read afresh: an IME may not have fired `input` yet).
fn submit(app: &Rc<App>, _: &Event) {
    app.dispatch(Msg::InputChanged(app.view.input.value()));
    app.dispatch(Msg::Submit);
}
