//! The one function that changes the widget: `update(&mut State, Msg) -> Vec<Effect>`.

use crate::cards::{self, Cart, CartOutcome};
use crate::i18n;
use crate::ids::IdGen;
use crate::markdown::answer_text;
use crate::state::{
    ChatMessage, Consent, Effect, FocusTarget, History, HostEvent, Msg, Notice, Patch, PendingSend,
    Phase, Role, State, Status,
};
use crate::Failure;
use shopkeep_protocol::{
    Block, ConversationResponse, FinishReason, MessageRole, MessageStatus, SessionResponse,
    StreamEvent, ToolStatus,
};

/// Applies a message to the state and returns what the shell must do, in order.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    #[cfg(feature = "person")]
    return apply(state, msg);
    #[cfg(not(feature = "person"))]
    {
        let mut fx = apply(state, msg);
        crate::handoff::upgrade_when_idle(state, &mut fx);
        fx
    }
}

fn apply(state: &mut State, mut msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    if crate::handoff::update(state, &mut msg, &mut fx) {
        return fx;
    }
    match msg {
        Msg::Mounted {
            seed,
            cached_config,
            stored_session,
            browser_locale,
            online,
        } => {
            state.ids = IdGen::new(seed);
            state.browser_locale = browser_locale;
            state.offline = !online;
            if let Some((config, etag)) = cached_config {
                state.config = config;
                state.config_etag = etag;
            }
            fx.extend(apply_config(state));
            // Only an anonymous session is read before `identify`: never another person's.
            state.session = stored_session.filter(|s| s.user_id.is_none());
            fx.push(Effect::FetchConfig {
                etag: state.config_etag.clone(),
            });
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
            fx.push(Effect::Render(Patch::Launcher));
        }
        // A saved config arriving while a preview is shown must not replace the preview.
        Msg::ConfigLoaded { .. } if state.preview => {}
        Msg::Preview(config) => {
            state.preview = true;
            state.config = config;
            fx.extend(apply_config(state));
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
            fx.push(Effect::Render(Patch::Launcher));
        }
        Msg::ConfigLoaded { config, etag } => {
            state.config = config;
            state.config_etag = etag;
            fx.extend(apply_config(state));
            fx.push(Effect::SaveConfig);
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
            // The launcher was drawn by embed.js with cached or default colours.
            fx.push(Effect::Render(Patch::Launcher));
        }
        Msg::ConfigNotModified | Msg::ConfigFailed(_) => {}
        Msg::Open => open(state, &mut fx),
        Msg::Close => close(state, &mut fx),
        Msg::Toggle => {
            if state.open {
                close(state, &mut fx)
            } else {
                open(state, &mut fx)
            }
        }
        Msg::InputChanged(text) => state.draft = text,
        Msg::Submit => submit(state, &mut fx),
        Msg::SuggestionClicked(i) => {
            if let Some(q) = state.config.suggested_questions.get(i) {
                if state.phase == Phase::Idle {
                    state.draft = q.clone();
                    submit(state, &mut fx);
                }
            }
        }
        Msg::SessionCreated(session) => {
            state.session_pending = false;
            let stale = match (&state.identity, &state.user) {
                (None, _) => session.user_id.is_some(),
                (Some(_), Some(user)) => session.user_id.as_ref() != Some(user),
                (Some(_), None) => false,
            };
            if stale {
                // Asked for by the shopper before an identity change: not this shopper's.
                return fx;
            }
            if state.identity.is_some() {
                state.user.clone_from(&session.user_id);
            }
            state.session = Some(session);
            fx.push(Effect::SaveSession);
            #[cfg(feature = "person")]
            crate::handoff::session_ready(state, &mut fx);
            if state.consent_to_send {
                send_consent(state, &mut fx);
            }
            if state.history == History::Loading {
                load_history(state, &mut fx);
            }
            if state.phase == Phase::Sending {
                send(state, &mut fx);
            }
        }
        Msg::SessionFailed(failure) => {
            state.session_pending = false;
            if state.history == History::Loading {
                state.history = History::Loaded;
            }
            if state.phase == Phase::Sending {
                fail_send(state, &failure, &mut fx);
            }
        }
        Msg::HistoryLoaded(conv, blocks) => {
            if state.session.as_ref().map(|s| &s.conversation_id) != Some(&conv.conversation_id) {
                return fx;
            }
            state.history = History::Loaded;
            // The live log's entries it lists are shown: the socket resumes after them.
            state.handoff.seq = state.handoff.seq.max(conv.live_seq);
            merge_history(state, conv, blocks);
            fx.push(Effect::Render(Patch::Messages));
            fx.push(Effect::Render(Patch::Chrome));
            #[cfg(feature = "person")]
            crate::handoff::history_done(state, &mut fx);
        }
        Msg::HistoryFailed(failure) => {
            history_failed(state, &failure, &mut fx);
            #[cfg(feature = "person")]
            if state.history != History::Loading {
                crate::handoff::history_done(state, &mut fx);
            }
        }
        Msg::Stream { request, event } => {
            if request == state.request && state.phase != Phase::Idle {
                stream_event(state, event, &mut fx);
            }
        }
        Msg::StreamFailed { request, failure } => {
            if request == state.request && state.phase != Phase::Idle {
                stream_failed(state, failure, &mut fx);
            }
        }
        Msg::StreamEnded { request } => {
            if request == state.request && state.phase != Phase::Idle {
                fail_send(state, &Failure::interrupted(), &mut fx);
            }
        }
        Msg::Stop => stop(state, &mut fx),
        Msg::Retry => retry(state, &mut fx),
        Msg::ConsentDecided(accepted) => {
            if state.needs_consent() && state.consent != Consent::Accepted {
                state.consent = if accepted {
                    Consent::Accepted
                } else {
                    Consent::Declined
                };
                state.consent_to_send = true;
                state.notice = None;
                if state.session.is_some() {
                    send_consent(state, &mut fx);
                } else if !state.session_pending {
                    create_session(state, None, &mut fx);
                }
                fx.push(Effect::Render(Patch::Chrome));
            }
        }
        Msg::ConsentRecorded(session) => {
            if session.user_id == state.user {
                let accepted = session.consent;
                state.session = Some(session);
                fx.push(Effect::SaveSession);
                fx.push(Effect::Render(Patch::Chrome));
                if accepted && state.open {
                    fx.push(Effect::Focus(FocusTarget::Input));
                }
            }
        }
        Msg::ConsentFailed(failure) => {
            state.consent = Consent::Undecided;
            state.notice = Some(Notice {
                text: state.strings.failure_text(&failure),
                retry: false,
                wait_secs: 0,
            });
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::Rate { index, rating } => {
            let token = state.session.as_ref().map(|s| s.token.clone());
            if let (Some(m), Some(token)) = (state.messages.get_mut(index), token) {
                if m.rateable() && m.rating != Some(rating) {
                    m.rating = Some(rating);
                    if let Some(message_id) = m.server_id.clone() {
                        fx.push(Effect::SendFeedback {
                            token,
                            index,
                            message_id,
                            rating,
                        });
                    }
                    fx.push(Effect::Render(Patch::Message(index)));
                    if rating == shopkeep_protocol::Rating::Up {
                        crate::handoff::helpful(state, &mut fx);
                    }
                }
            }
        }
        Msg::PickOption {
            message,
            card,
            option,
            value,
        } => {
            if let Some(c) = state
                .messages
                .get_mut(message)
                .and_then(|m| m.card_mut(card))
            {
                c.pick(option, value);
                // A new variant's cart is its own: an earlier "Added" or error no longer applies.
                if c.cart != Cart::Adding {
                    c.cart = Cart::Idle;
                }
                fx.push(Effect::Render(Patch::Card { message, card }));
            }
        }
        Msg::AddToCart { message, card } => {
            if let Some(c) = state
                .messages
                .get_mut(message)
                .and_then(|m| m.card_mut(card))
            {
                if c.cart != Cart::Adding && c.available() {
                    c.cart = Cart::Adding;
                    fx.push(Effect::AddToCart {
                        message,
                        card,
                        request: c.cart_request(),
                    });
                    fx.push(Effect::Render(Patch::Card { message, card }));
                }
            }
        }
        Msg::CartDone {
            message,
            card,
            outcome,
        } => {
            if let Some(c) = state
                .messages
                .get_mut(message)
                .and_then(|m| m.card_mut(card))
            {
                c.cart = match outcome {
                    CartOutcome::Added => Cart::Added,
                    CartOutcome::Failed => Cart::Failed,
                    CartOutcome::Handled => Cart::Idle,
                };
                fx.push(Effect::Render(Patch::Card { message, card }));
            }
        }
        Msg::FeedbackFailed(index) => {
            if let Some(m) = state.messages.get_mut(index) {
                m.rating = None;
                fx.push(Effect::Render(Patch::Message(index)));
            }
        }
        Msg::Tick => {
            state.ticking = false;
            let strings = state.strings;
            if let Some(n) = state.notice.as_mut().filter(|n| n.wait_secs > 0) {
                n.wait_secs -= 1;
                n.text = strings.wait_text(n.wait_secs);
                if n.wait_secs > 0 {
                    state.ticking = true;
                    fx.push(Effect::Tick);
                }
                fx.push(Effect::Render(Patch::Chrome));
            }
        }
        Msg::Connectivity(online) => {
            state.offline = !online;
            fx.push(Effect::Render(Patch::Chrome));
            if online && state.notice.as_ref().is_some_and(|n| n.retry) {
                // Back online: what was kept is sent without asking.
                retry(state, &mut fx);
            }
        }
        Msg::Identify {
            token,
            user,
            stored_session,
        } => {
            if state.identity.as_ref() == Some(&token) {
            } else if user.is_some() && user == state.user {
                // The same shopper with a fresh token: nothing to hide, keep the chat.
                state.identity = Some(token);
            } else {
                let stored = stored_session.filter(|s| user.is_some() && s.user_id == user);
                switch_shopper(state, Some(token), user, stored, &mut fx);
            }
        }
        Msg::Reset => {
            fx.push(Effect::ForgetAllSessions);
            switch_shopper(state, None, None, None, &mut fx);
        }
        Msg::StringsLoaded(strings) => {
            if strings.lang == i18n::table_lang(state.locale()) {
                state.strings = strings;
                fx.push(Effect::Render(Patch::Config));
                fx.push(Effect::Render(Patch::Chrome));
                fx.push(Effect::Render(Patch::Launcher));
                fx.push(Effect::Render(Patch::Messages));
            }
        }
        Msg::Update(o) => {
            let fields = (o.locale, o.color_scheme, o.launcher_position);
            if fields.0.is_some() {
                state.overrides.locale = fields.0;
            }
            if fields.1.is_some() {
                state.overrides.color_scheme = fields.1;
            }
            if fields.2.is_some() {
                state.overrides.launcher_position = fields.2;
            }
            fx.extend(apply_config(state));
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
            fx.push(Effect::Render(Patch::Launcher));
        }
        // The handoff's messages, applied above by `crate::handoff::update`.
        Msg::TalkToPerson
        | Msg::Handoff { .. }
        | Msg::HandoffFailed(_)
        | Msg::LiveStored(_)
        | Msg::LiveTicket(_)
        | Msg::Live(_)
        | Msg::LiveClosed
        | Msg::PickRating(_)
        | Msg::SendRating(_)
        | Msg::SendContact(_)
        | Msg::FormSent
        | Msg::FormFailed(_)
        | Msg::AskRating => {}
    }
    fx
}

/// Shows another shopper's widget: nothing of the previous conversation stays on screen or in
/// memory, and the new shopper's own conversation loads when the panel is open.
fn switch_shopper(
    state: &mut State,
    identity: Option<String>,
    user: Option<String>,
    session: Option<SessionResponse>,
    fx: &mut Vec<Effect>,
) {
    if state.phase != Phase::Idle {
        fx.push(Effect::AbortStream {
            request: state.request,
        });
    }
    state.request = state.request.wrapping_add(1);
    state.phase = Phase::Idle;
    state.pending = None;
    state.streaming = None;
    state.messages.clear();
    crate::handoff::reset(state, fx);
    state.notice = None;
    state.draft.clear();
    state.consent = Consent::Undecided;
    state.consent_to_send = false;
    state.session_pending = false;
    state.identity = identity;
    state.user = user;
    state.session = session;
    state.history = History::Unknown;
    set_unread(state, 0, fx);
    fx.push(Effect::Render(Patch::Messages));
    fx.push(Effect::Render(Patch::Composer));
    fx.push(Effect::Render(Patch::Chrome));
    if state.open {
        start_history(state, fx);
    }
}

pub(crate) fn set_unread(state: &mut State, n: u32, fx: &mut Vec<Effect>) {
    if state.unread != n {
        state.unread = n;
        fx.push(Effect::Render(Patch::Launcher));
        fx.push(Effect::Emit(HostEvent::UnreadChanged(n)));
    }
}

fn retry(state: &mut State, fx: &mut Vec<Effect>) {
    let waiting = state.notice.as_ref().is_some_and(|n| n.wait_secs > 0);
    if state.phase == Phase::Idle && !waiting && !state.offline {
        if let Some(p) = &state.pending {
            let i = p.user_index;
            state.notice = None;
            set_status(state, i, Status::Complete, fx);
            begin_send(state, fx);
        }
    }
}

fn create_session(state: &mut State, resume_token: Option<String>, fx: &mut Vec<Effect>) {
    state.session_pending = true;
    fx.push(Effect::CreateSession {
        resume_token,
        identity_token: state.identity.clone(),
    });
}

fn send_consent(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(s) = &state.session {
        state.consent_to_send = false;
        fx.push(Effect::PostConsent {
            token: s.token.clone(),
            accepted: state.consent == Consent::Accepted,
        });
    }
}

/// Restores the conversation: from the stored session, or — for an identified shopper — from
/// a new session the identity token links to the shopper's latest conversation.
fn start_history(state: &mut State, fx: &mut Vec<Effect>) {
    if state.session.is_some() {
        state.history = History::Loading;
        load_history(state, fx);
    } else if state.identity.is_some() && !state.session_pending {
        state.history = History::Loading;
        create_session(state, None, fx);
    } else {
        state.history = History::Loaded;
    }
}

/// Puts the page's overrides over a new config and picks the strings for its locale.
fn apply_config(state: &mut State) -> Option<Effect> {
    let (o, theme) = (&state.overrides, &mut state.config.theme);
    if let Some(c) = o.color_scheme {
        theme.color_scheme = c;
    }
    if let Some(p) = o.launcher_position {
        theme.launcher_position = p;
    }
    // English is built in; other tables are fetched (English shows meanwhile).
    match i18n::table_lang(state.locale()) {
        lang if lang == state.strings.lang => None,
        "en" => {
            state.strings = &i18n::EN;
            None
        }
        lang => Some(Effect::LoadStrings { lang }),
    }
}

fn open(state: &mut State, fx: &mut Vec<Effect>) {
    if state.open {
        return;
    }
    state.open = true;
    fx.push(Effect::Render(Patch::Open));
    fx.push(Effect::Focus(if state.needs_consent() {
        FocusTarget::Consent
    } else {
        FocusTarget::Input
    }));
    fx.push(Effect::Emit(HostEvent::Opened));
    set_unread(state, 0, fx);
    if state.history == History::Unknown {
        start_history(state, fx);
    }
}

fn close(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.open {
        return;
    }
    state.open = false;
    fx.push(Effect::Render(Patch::Open));
    fx.push(Effect::Focus(FocusTarget::Launcher));
    fx.push(Effect::Emit(HostEvent::Closed));
}

fn load_history(state: &State, fx: &mut Vec<Effect>) {
    if let Some(s) = &state.session {
        fx.push(Effect::LoadHistory {
            token: s.token.clone(),
        });
    }
}

fn history_failed(state: &mut State, failure: &Failure, fx: &mut Vec<Effect>) {
    if failure.is_session_expired() && !state.session_pending {
        // The conversation lives on: a new session resumes it, then history loads again.
        let resume_token = state.session.take().map(|s| s.token);
        create_session(state, resume_token, fx);
    } else if failure.is_unauthorized() {
        state.session = None;
        state.history = History::Loaded;
        fx.push(Effect::ForgetSession {
            user: state.user.clone(),
        });
    } else {
        // Try again on the next open; the shopper can chat meanwhile.
        state.history = History::Unknown;
    }
}

fn merge_history(state: &mut State, conv: ConversationResponse, blocks: Vec<Vec<Block>>) {
    let mut blocks = blocks.into_iter();
    let plain_http = state.plain_http;
    let mut merged: Vec<ChatMessage> = conv
        .messages
        .into_iter()
        .map(|m| ChatMessage {
            blocks: cards::shown(blocks.next().unwrap_or_default(), plain_http),
            server_id: Some(m.id),
            role: match m.role {
                MessageRole::User => Role::User,
                MessageRole::Assistant => Role::Assistant,
                MessageRole::Staff => Role::Staff,
                MessageRole::System => Role::System,
            },
            // In the shopper's language (the person module; the build without it shows
            // the gateway's text for a closed conversation's notices).
            #[cfg(feature = "person")]
            text: crate::handoff::notice_text(state, m.notice.as_deref(), m.minutes, None)
                .unwrap_or(m.text),
            #[cfg(not(feature = "person"))]
            text: m.text,
            rating: None,
            status: match m.status {
                MessageStatus::Complete => Status::Complete,
                MessageStatus::Stopped => Status::Stopped,
                MessageStatus::Interrupted => Status::Interrupted,
            },
        })
        .collect();
    // Messages of this page view stay after the restored ones unless the server returned them.
    let old = std::mem::take(&mut state.messages);
    let mut new_index = Vec::with_capacity(old.len());
    for m in old {
        let dup = m
            .server_id
            .as_ref()
            .and_then(|id| merged.iter().position(|r| r.server_id.as_ref() == Some(id)));
        new_index.push(match dup {
            Some(at) => at,
            None => {
                merged.push(m);
                merged.len() - 1
            }
        });
    }
    if let Some(p) = &mut state.pending {
        p.user_index = new_index.get(p.user_index).copied().unwrap_or(p.user_index);
    }
    if let Some(s) = &mut state.streaming {
        *s = new_index.get(*s).copied().unwrap_or(*s);
    }
    state.messages = merged;
}

fn submit(state: &mut State, fx: &mut Vec<Effect>) {
    let text = state.draft.trim();
    if text.is_empty() || state.phase != Phase::Idle || state.needs_consent() {
        return;
    }
    let text = text.to_owned();
    let client_message_id = state.ids.client_message_id();
    #[cfg(feature = "person")]
    state.handoff.sent.push(client_message_id.clone());
    fx.push(Effect::Emit(HostEvent::MessageSent(text.clone())));
    state.messages.push(ChatMessage {
        server_id: None,
        role: Role::User,
        text: text.clone(),
        status: Status::Complete,
        rating: None,
        blocks: Vec::new(),
    });
    let user_index = state.messages.len() - 1;
    state.pending = Some(PendingSend {
        client_message_id,
        text,
        user_index,
        renewed: false,
    });
    state.draft.clear();
    state.notice = None;
    fx.push(Effect::Render(Patch::Message(user_index)));
    fx.push(Effect::Render(Patch::Composer));
    begin_send(state, fx);
}

/// Starts (or restarts) sending [`State::pending`]: a session first when there is none.
fn begin_send(state: &mut State, fx: &mut Vec<Effect>) {
    state.phase = Phase::Sending;
    state.request = state.request.wrapping_add(1);
    if state.offline {
        // Nothing would answer: keep the message for when the browser is back online.
        fail_send(state, &Failure::network(), fx);
        return;
    }
    if state.session.is_some() {
        send(state, fx);
    } else if !state.session_pending {
        create_session(state, None, fx);
    }
    fx.push(Effect::Render(Patch::Chrome));
}

fn send(state: &State, fx: &mut Vec<Effect>) {
    if let (Some(s), Some(p)) = (&state.session, &state.pending) {
        fx.push(Effect::SendChat {
            request: state.request,
            token: s.token.clone(),
            client_message_id: p.client_message_id.clone(),
            text: p.text.clone(),
        });
    }
}

fn stream_event(state: &mut State, event: StreamEvent, fx: &mut Vec<Effect>) {
    match event {
        StreamEvent::Start {
            user_message_id,
            message_id,
        } => {
            if let Some(p) = &state.pending {
                let i = p.user_index;
                if let Some(m) = state.messages.get_mut(i) {
                    m.server_id = Some(user_message_id);
                }
            }
            let i = assistant_message(state, fx);
            state.messages[i].server_id = Some(message_id);
        }
        StreamEvent::Tool { status, .. } => {
            let looking_up = status == ToolStatus::Started;
            if state.looking_up != looking_up {
                state.looking_up = looking_up;
                fx.push(Effect::Render(Patch::Chrome));
            }
        }
        StreamEvent::Blocks { blocks } => {
            let shown = cards::shown(blocks, state.plain_http);
            if !shown.is_empty() {
                let i = assistant_message(state, fx);
                state.messages[i].blocks.extend(shown);
                fx.push(Effect::Render(Patch::Message(i)));
            }
        }
        StreamEvent::Delta { text } => {
            state.looking_up = false;
            let i = assistant_message(state, fx);
            let first = state.messages[i].text.is_empty();
            state.messages[i].text.push_str(&text);
            fx.push(Effect::Render(Patch::Message(i)));
            if first {
                fx.push(Effect::Render(Patch::Chrome));
            }
        }
        StreamEvent::Done {
            message_id, finish, ..
        } => {
            state.looking_up = false;
            // Handed to a person: no answer was written (the bubble went with `handoff`).
            if state.streaming.is_none() && state.handoff.person != crate::handoff::Person::Ai {
                state.phase = Phase::Idle;
                state.pending = None;
                fx.push(Effect::Render(Patch::Chrome));
                return;
            }
            let i = assistant_message(state, fx);
            let m = &mut state.messages[i];
            m.server_id = Some(message_id);
            m.status = if finish == FinishReason::Stopped {
                Status::Stopped
            } else {
                Status::Complete
            };
            state.phase = Phase::Idle;
            state.pending = None;
            state.streaming = None;
            fx.push(Effect::Render(Patch::Message(i)));
            fx.push(Effect::Render(Patch::Chrome));
            let text = answer_text(&state.messages[i].text);
            fx.push(Effect::Announce(text.clone()));
            fx.push(Effect::Emit(HostEvent::MessageReceived(text)));
            if !state.open {
                set_unread(state, state.unread + 1, fx);
            }
        }
        StreamEvent::Handoff {
            state: s,
            notice,
            minutes,
            text,
        } => {
            // The diverted message gets no answer: the empty bubble `start` opened goes.
            if let Some(i) = state.streaming {
                let m = &state.messages[i];
                if m.text.is_empty() && m.blocks.is_empty() && i + 1 == state.messages.len() {
                    state.messages.pop();
                    state.streaming = None;
                    fx.push(Effect::Render(Patch::Messages));
                }
            }
            state.looking_up = false;
            let person = crate::handoff::Person::parse(&s);
            #[cfg(feature = "person")]
            {
                let text = crate::handoff::notice_text(state, notice.as_deref(), minutes, text);
                crate::handoff::notice(state, notice.as_deref(), fx);
                crate::handoff::moved(state, person, text, fx);
            }
            #[cfg(not(feature = "person"))]
            {
                let _ = (notice, minutes);
                crate::handoff::moved(state, person, text, fx);
            }
        }
        StreamEvent::Error {
            code, retryable, ..
        } => {
            state.looking_up = false;
            fail_send(
                state,
                &Failure {
                    code,
                    retryable,
                    retry_after_secs: None,
                },
                fx,
            );
        }
    }
}

/// The index of the streaming assistant message, creating it on the first event.
fn assistant_message(state: &mut State, fx: &mut Vec<Effect>) -> usize {
    if let Some(i) = state.streaming {
        return i;
    }
    state.messages.push(ChatMessage {
        server_id: None,
        role: Role::Assistant,
        text: String::new(),
        status: Status::Streaming,
        rating: None,
        blocks: Vec::new(),
    });
    let i = state.messages.len() - 1;
    state.streaming = Some(i);
    state.phase = Phase::Streaming;
    fx.push(Effect::Render(Patch::Message(i)));
    fx.push(Effect::Render(Patch::Chrome));
    i
}

fn stream_failed(state: &mut State, failure: Failure, fx: &mut Vec<Effect>) {
    let renewable =
        state.streaming.is_none() && (failure.is_session_expired() || failure.is_unauthorized());
    match &mut state.pending {
        Some(p) if renewable && !p.renewed => {
            // An expired token resumes its conversation; a rejected one starts afresh. Once.
            p.renewed = true;
            let old = state.session.take();
            let resume_token = if failure.is_session_expired() {
                old.map(|s| s.token)
            } else {
                None
            };
            if resume_token.is_none() {
                fx.push(Effect::ForgetSession {
                    user: state.user.clone(),
                });
            }
            create_session(state, resume_token, fx);
        }
        _ => fail_send(state, &failure, fx),
    }
}

fn fail_send(state: &mut State, failure: &Failure, fx: &mut Vec<Effect>) {
    state.phase = Phase::Idle;
    let mut answer_kept = false;
    if let Some(i) = state.streaming.take() {
        let m = &state.messages[i];
        if m.text.is_empty() && m.blocks.is_empty() {
            state.messages.remove(i);
            fx.push(Effect::Render(Patch::Messages));
        } else {
            answer_kept = true;
            set_status(state, i, Status::Interrupted, fx);
        }
    }
    let text = state.strings.failure_text(failure);
    if let Some(p) = &state.pending {
        let i = p.user_index;
        if !answer_kept {
            set_status(state, i, Status::Error, fx);
        }
    }
    if failure.retryable {
        let wait_secs = if failure.is_limited() {
            failure.retry_after_secs.unwrap_or(0).min(3600)
        } else {
            0
        };
        if wait_secs > 0 && !state.ticking {
            state.ticking = true;
            fx.push(Effect::Tick);
        }
        state.notice = Some(Notice {
            text,
            retry: state.pending.is_some(),
            wait_secs,
        });
    } else {
        // Not worth repeating as is: the text goes back to the composer to edit.
        if let Some(p) = state.pending.take() {
            if state.draft.trim().is_empty() {
                state.draft = p.text;
                fx.push(Effect::Render(Patch::Composer));
            }
        }
        state.notice = Some(Notice {
            text,
            retry: false,
            wait_secs: 0,
        });
    }
    fx.push(Effect::Render(Patch::Chrome));
}

fn stop(state: &mut State, fx: &mut Vec<Effect>) {
    if state.phase == Phase::Idle {
        return;
    }
    fx.push(Effect::AbortStream {
        request: state.request,
    });
    state.phase = Phase::Idle;
    state.pending = None;
    if let Some(i) = state.streaming.take() {
        set_status(state, i, Status::Stopped, fx);
    }
    fx.push(Effect::Render(Patch::Chrome));
    fx.push(Effect::Focus(FocusTarget::Input));
}

fn set_status(state: &mut State, i: usize, status: Status, fx: &mut Vec<Effect>) {
    if let Some(m) = state.messages.get_mut(i) {
        if m.status != status {
            m.status = status;
            fx.push(Effect::Render(Patch::Message(i)));
        }
    }
}
