//! The one function that changes the widget: `update(&mut State, Msg) -> Vec<Effect>`.

use crate::i18n;
use crate::ids::IdGen;
use crate::state::{
    ChatMessage, Effect, FocusTarget, History, Msg, Notice, Patch, PendingSend, Phase, Role, State,
    Status,
};
use crate::Failure;
use shopkeep_protocol::{
    ConversationResponse, FinishReason, MessageRole, MessageStatus, StreamEvent,
};

/// Applies a message to the state and returns what the shell must do, in order.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    match msg {
        Msg::Mounted {
            seed,
            cached_config,
            stored_session,
        } => {
            state.ids = IdGen::new(seed);
            if let Some((config, etag)) = cached_config {
                set_config(state, config, etag);
            }
            state.session = stored_session;
            fx.push(Effect::FetchConfig {
                etag: state.config_etag.clone(),
            });
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::ConfigLoaded { config, etag } => {
            set_config(state, config, etag);
            fx.push(Effect::SaveConfig);
            fx.push(Effect::Render(Patch::Config));
            fx.push(Effect::Render(Patch::Chrome));
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
            state.session = Some(session);
            fx.push(Effect::SaveSession);
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
        Msg::HistoryLoaded(conv) => {
            state.history = History::Loaded;
            merge_history(state, conv);
            fx.push(Effect::Render(Patch::Messages));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::HistoryFailed(failure) => history_failed(state, &failure, &mut fx),
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
        Msg::Retry => {
            if state.phase == Phase::Idle {
                if let Some(p) = &state.pending {
                    let i = p.user_index;
                    state.notice = None;
                    set_status(state, i, Status::Complete, &mut fx);
                    begin_send(state, &mut fx);
                }
            }
        }
    }
    fx
}

fn set_config(state: &mut State, config: shopkeep_protocol::PublicConfig, etag: Option<String>) {
    state.strings = i18n::strings_for(&config.texts.locale);
    state.config = config;
    state.config_etag = etag;
}

fn open(state: &mut State, fx: &mut Vec<Effect>) {
    if state.open {
        return;
    }
    state.open = true;
    fx.push(Effect::Render(Patch::Open));
    fx.push(Effect::Focus(FocusTarget::Input));
    if state.history == History::Unknown {
        if state.session.is_some() {
            state.history = History::Loading;
            load_history(state, fx);
        } else {
            state.history = History::Loaded;
        }
    }
}

fn close(state: &mut State, fx: &mut Vec<Effect>) {
    if !state.open {
        return;
    }
    state.open = false;
    fx.push(Effect::Render(Patch::Open));
    fx.push(Effect::Focus(FocusTarget::Launcher));
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
        state.session_pending = true;
        let resume_token = state.session.take().map(|s| s.token);
        fx.push(Effect::CreateSession { resume_token });
    } else if failure.is_unauthorized() {
        state.session = None;
        state.history = History::Loaded;
        fx.push(Effect::ForgetSession);
    } else {
        // Try again on the next open; the shopper can chat meanwhile.
        state.history = History::Unknown;
    }
}

fn merge_history(state: &mut State, conv: ConversationResponse) {
    let mut merged: Vec<ChatMessage> = conv
        .messages
        .into_iter()
        .map(|m| ChatMessage {
            server_id: Some(m.id),
            role: match m.role {
                MessageRole::User => Role::User,
                MessageRole::Assistant => Role::Assistant,
            },
            text: m.text,
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
    if text.is_empty() || state.phase != Phase::Idle {
        return;
    }
    let text = text.to_owned();
    let client_message_id = state.ids.client_message_id();
    state.messages.push(ChatMessage {
        server_id: None,
        role: Role::User,
        text: text.clone(),
        status: Status::Complete,
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
    if state.session.is_some() {
        send(state, fx);
    } else if !state.session_pending {
        state.session_pending = true;
        fx.push(Effect::CreateSession { resume_token: None });
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
        StreamEvent::Delta { text } => {
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
            fx.push(Effect::Announce(state.messages[i].text.clone()));
        }
        StreamEvent::Error {
            code, retryable, ..
        } => {
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
                fx.push(Effect::ForgetSession);
            }
            state.session_pending = true;
            fx.push(Effect::CreateSession { resume_token });
        }
        _ => fail_send(state, &failure, fx),
    }
}

fn fail_send(state: &mut State, failure: &Failure, fx: &mut Vec<Effect>) {
    state.phase = Phase::Idle;
    let mut answer_kept = false;
    if let Some(i) = state.streaming.take() {
        if state.messages[i].text.is_empty() {
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
        state.notice = Some(Notice {
            text,
            retry: state.pending.is_some(),
        });
    } else {
        // Not worth repeating as is: the text goes back to the composer to edit.
        if let Some(p) = state.pending.take() {
            if state.draft.trim().is_empty() {
                state.draft = p.text;
                fx.push(Effect::Render(Patch::Composer));
            }
        }
        state.notice = Some(Notice { text, retry: false });
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
