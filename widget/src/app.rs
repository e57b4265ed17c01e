//! The running widget: owns the state, the view and the listeners; turns DOM events and
//! finished fetches into [`Msg`]s and performs the [`Effect`]s `update` returns.

use crate::net::Gateway;
use crate::storage::Store;
use crate::view::View;
use gloo_events::{EventListener, EventListenerOptions};
use shopkeep_protocol::ChatRequest;
use shopkeep_widget_core::{update, Effect, FocusTarget, Msg, State};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
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
    listeners: RefCell<Vec<EventListener>>,
    stream: RefCell<Option<(u32, AbortController)>>,
    /// JSON text of the last fetched config, cached verbatim on [`Effect::SaveConfig`].
    config_raw: RefCell<Option<String>>,
    queue: RefCell<VecDeque<Msg>>,
    dispatching: Cell<bool>,
    alive: Cell<bool>,
}

impl App {
    pub(crate) fn new(tenant: String, gateway: Gateway, view: View) -> Rc<App> {
        let store = Store::new(&tenant);
        let app = Rc::new(App {
            state: RefCell::new(State::new(&tenant)),
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
        });
        *app.listeners.borrow_mut() = listen(&app);
        app
    }

    /// Starts the widget: cached config and session, then the config fetch.
    pub(crate) fn start(self: &Rc<Self>, seed: u64) {
        let cached = self.store.config();
        let stored_session = self.store.session();
        self.dispatch(Msg::Mounted {
            seed,
            cached_config: cached,
            stored_session,
        });
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
                // A failed DOM call leaves that part stale; the next patch redraws it.
                let _ = self.view.render(patch, &self.state.borrow());
            }
            Effect::Focus(FocusTarget::Input) => {
                let _ = self.view.input.focus();
            }
            Effect::Focus(FocusTarget::Launcher) => {
                if let Some(l) = &self.view.launcher {
                    let _ = l.focus();
                }
            }
            Effect::Announce(text) => self.view.announce(&text),
            Effect::SaveConfig => {
                if let Some(raw) = self.config_raw.borrow_mut().take() {
                    self.store
                        .save_config(&raw, self.state.borrow().config_etag.as_deref());
                }
            }
            Effect::SaveSession => self
                .store
                .save_session(self.state.borrow().session.as_ref()),
            Effect::ForgetSession => self.store.save_session(None),
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
            Effect::CreateSession { resume_token } => {
                let (gw, tenant) = (self.gateway.clone(), self.tenant.clone());
                self.spawn(async move {
                    match gw.create_session(&tenant, resume_token).await {
                        Ok(s) => Msg::SessionCreated(s),
                        Err(f) => Msg::SessionFailed(f),
                    }
                });
            }
            Effect::LoadHistory { token } => {
                let gw = self.gateway.clone();
                self.spawn(async move {
                    match gw.history(&token).await {
                        Ok(h) => Msg::HistoryLoaded(h),
                        Err(f) => Msg::HistoryFailed(f),
                    }
                });
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
            Effect::AbortStream { request } => {
                let current = self.stream.borrow_mut().take();
                match current {
                    Some((r, controller)) if r == request => controller.abort(),
                    other => *self.stream.borrow_mut() = other,
                }
            }
        }
    }

    /// Runs a request and dispatches the message it ends with (unless the widget is gone).
    fn spawn(self: &Rc<Self>, fut: impl std::future::Future<Output = Msg> + 'static) {
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            let msg = fut.await;
            with_app(&weak, msg);
        });
    }

    fn send_chat(self: &Rc<Self>, request: u32, token: String, body: ChatRequest) {
        let Ok(controller) = AbortController::new() else {
            self.dispatch(Msg::StreamFailed {
                request,
                failure: shopkeep_widget_core::Failure::network(),
            });
            return;
        };
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
        if let Some((_, c)) = self.stream.borrow_mut().take() {
            c.abort();
        }
        self.view.remove();
    }
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

fn listen(app: &Rc<App>) -> Vec<EventListener> {
    let v = &app.view;
    let on = |target: &EventTarget, event: &'static str, passive: bool, f: fn(&Rc<App>, &Event)| {
        let weak = Rc::downgrade(app);
        let options = if passive {
            EventListenerOptions::default()
        } else {
            EventListenerOptions::enable_prevent_default()
        };
        EventListener::new_with_options(target, event, options, move |e| {
            if let Some(app) = weak.upgrade() {
                f(&app, e)
            }
        })
    };
    vec![
        on(&v.close, "click", true, |a, _| a.dispatch(Msg::Close)),
        on(&v.send, "click", true, submit),
        on(&v.stop, "click", true, |a, _| a.dispatch(Msg::Stop)),
        on(&v.retry, "click", true, |a, _| a.dispatch(Msg::Retry)),
        on(&v.input, "input", true, |a, _| {
            a.dispatch(Msg::InputChanged(a.view.input.value()))
        }),
        // Not passive: Enter's newline is prevented when it sends.
        on(&v.input, "keydown", false, |a, e| {
            let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
                e.prevent_default();
                submit(a, e);
            }
        }),
        on(&v.panel, "keydown", true, |a, e| {
            if e.dyn_ref::<KeyboardEvent>()
                .is_some_and(|k| k.key() == "Escape")
            {
                a.dispatch(Msg::Close);
            }
        }),
        // One delegated listener for every chip, however often the chips are redrawn.
        on(&v.suggestions, "click", true, |a, e| {
            let chip = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("[data-sk=suggestion]").ok().flatten());
            if let Some(i) = chip
                .and_then(|c| c.get_attribute("data-i"))
                .and_then(|i| i.parse().ok())
            {
                a.dispatch(Msg::SuggestionClicked(i));
            }
        }),
    ]
}

/// Sends what the composer holds (read afresh: an IME may not have fired `input` yet).
fn submit(app: &Rc<App>, _: &Event) {
    app.dispatch(Msg::InputChanged(app.view.input.value()));
    app.dispatch(Msg::Submit);
}
