//! The person module's side of the handoff (feature `person`): the request, the live
//! socket's frames, resends and reconnects, notices and the contact form.

use super::{Form, Frame, Person};
use crate::state::{ChatMessage, Effect, Msg, Patch, Role, State, Status};
use std::mem::take;

/// Reconnects without a frame in between before the widget stops trying (the next message or
/// reload tries again).
const MAX_RETRIES: u8 = 5;

/// Applies a message of the person module; `false` when `msg` is not one.
pub(crate) fn update(state: &mut State, msg: &mut Msg, fx: &mut Vec<Effect>) -> bool {
    match msg {
        Msg::TalkToPerson => {
            if !state.handoff.asking {
                state.handoff.asking = true;
                match &state.session {
                    Some(s) => fx.push(Effect::PostHandoff {
                        token: s.token.clone(),
                    }),
                    // The first thing the shopper does: a session first, then the request.
                    None if !state.session_pending => {
                        state.session_pending = true;
                        fx.push(Effect::CreateSession {
                            resume_token: None,
                            identity_token: state.identity.clone(),
                        });
                    }
                    None => {}
                }
            }
        }
        Msg::Handoff {
            state: s,
            notice: n,
            minutes,
            text,
        } => {
            state.handoff.asking = false;
            let text = super::notice_text(state, n.as_deref(), *minutes, text.take());
            notice(state, n.as_deref(), fx);
            moved(state, Person::parse(s), text, fx);
        }
        Msg::HandoffFailed(failure) => {
            state.handoff.asking = false;
            state.notice = Some(super::failure_notice(state, failure));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::LiveStored(conversation) => {
            if state.session.as_ref().map(|s| &s.conversation_id) == Some(conversation) {
                state.handoff.person = Person::Waiting;
                state.handoff.engaged = true;
                // After the history (it lists the live log up to `live_seq`): the socket then
                // resumes after it and sends nothing twice.
                if state.history != crate::state::History::Loading {
                    open(state, fx);
                }
            }
        }
        Msg::Live(frame) => frame_in(state, frame, fx),
        // The ticket of a socket the widget no longer wants (back to the assistant meanwhile)
        // is not used.
        Msg::LiveTicket(url) => match url.take() {
            Some(url) if state.handoff.socket => fx.push(Effect::Connect(url)),
            Some(_) => {}
            None => closed(state, fx),
        },
        Msg::LiveClosed => closed(state, fx),
        Msg::SendContact(email) => {
            let email = email.trim();
            // Consent-aware: only a session that may chat (consent recorded where the tenant
            // asks for it) leaves an address, and the shopper's press of "Email me" is the
            // agreement to be written to there (`consent: true`).
            if let (Some(s), false, true) =
                (&state.session, state.needs_consent(), email.contains('@'))
            {
                fx.push(Effect::PostContact {
                    token: s.token.clone(),
                    email: email.to_owned(),
                });
            }
        }
        _ => return false,
    }
    true
}

/// The history arrived (or failed): a socket waiting for it opens now.
pub(crate) fn history_done(state: &mut State, fx: &mut Vec<Effect>) {
    if state.handoff.engaged {
        open(state, fx);
    }
}

/// A session arrived: a "Talk to a person" pressed before it was there is sent now.
pub(crate) fn session_ready(state: &State, fx: &mut Vec<Effect>) {
    if let (Some(s), true) = (&state.session, state.handoff.asking) {
        fx.push(Effect::PostHandoff {
            token: s.token.clone(),
        });
    }
}

/// The conversation moved (a `handoff` stream event, the answer of `POST /v1/handoff`): show
/// the notice, open or close the socket, show a form.
pub(crate) fn moved(state: &mut State, person: Person, text: Option<String>, fx: &mut Vec<Effect>) {
    if let Some(text) = text {
        system(state, text, fx);
    }
    set_person(state, person, fx);
}

fn set_person(state: &mut State, person: Person, fx: &mut Vec<Effect>) {
    let h = &mut state.handoff;
    let was = h.person;
    let was_engaged = h.engaged;
    h.person = person;
    if person.involved() {
        h.engaged = true;
        if !was_engaged {
            if let Some(s) = &state.session {
                fx.push(Effect::SaveLive(Some(s.conversation_id.clone())));
            }
        }
        open(state, fx);
    } else {
        h.typing = false;
        // Back to the assistant: the socket stays while a person took part (see `engaged`).
        if person == Person::Closed {
            h.engaged = false;
            if h.socket {
                h.socket = false;
                fx.push(Effect::CloseLive);
            }
            if was_engaged || was == Person::Closed {
                fx.push(Effect::SaveLive(None));
            }
            if was != Person::Closed {
                state.handoff.form = Form::Csat(0);
                fx.push(Effect::Render(Patch::Form));
            }
        }
    }
    fx.push(Effect::Render(Patch::Chrome));
}

/// The notice `closed_leave_email` asks for the contact form.
pub(crate) fn notice(state: &mut State, notice: Option<&str>, fx: &mut Vec<Effect>) {
    if notice == Some("closed_leave_email") && state.handoff.form == Form::None {
        state.handoff.form = Form::Contact;
        fx.push(Effect::Render(Patch::Form));
    }
}

/// The socket closed or could not open: reconnect while a person takes part, a few times
/// without a frame in between at most.
fn closed(state: &mut State, fx: &mut Vec<Effect>) {
    state.handoff.socket = false;
    if state.handoff.engaged && state.handoff.retries < MAX_RETRIES {
        state.handoff.retries += 1;
        open(state, fx);
    }
}

fn open(state: &mut State, fx: &mut Vec<Effect>) {
    if let (Some(s), false) = (&state.session, state.handoff.socket) {
        state.handoff.socket = true;
        fx.push(Effect::OpenLive {
            token: s.token.clone(),
            after: state.handoff.seq,
        });
    }
}

fn system(state: &mut State, text: String, fx: &mut Vec<Effect>) {
    push(state, Role::System, text, None, fx);
}

fn push(state: &mut State, role: Role, text: String, id: Option<String>, fx: &mut Vec<Effect>) {
    state.messages.push(ChatMessage {
        server_id: id,
        role,
        text,
        status: Status::Complete,
        rating: None,
        blocks: Vec::new(),
    });
    fx.push(Effect::Render(Patch::Message(state.messages.len() - 1)));
}

fn frame_in(state: &mut State, frame: &mut Frame, fx: &mut Vec<Effect>) {
    // A frame of a socket the widget already closed (another shopper, back to the assistant).
    if !state.handoff.socket {
        return;
    }
    state.handoff.retries = 0;
    match frame {
        Frame::Entry {
            seq,
            role,
            client_id,
            text,
            notice,
            minutes,
        } => {
            // At or below the highest seq: already shown (a resume replays nothing twice).
            if *seq <= state.handoff.seq {
                return;
            }
            state.handoff.seq = *seq;
            let h = &mut state.handoff;
            if *role == Role::Staff && h.typing {
                h.typing = false;
                fx.push(Effect::Render(Patch::Chrome));
            }
            let mine =
                *role == Role::User && client_id.as_ref().is_some_and(|id| h.sent.contains(id));
            let text = super::notice_text(state, notice.as_deref(), *minutes, Some(take(text)))
                .unwrap_or_default();
            let id = super::live_id(*seq);
            // A notice this page already showed from the stream or `POST /v1/handoff`
            // (the same sentence, not yet matched to an entry) is that entry.
            let shown = *role == Role::System
                && state.messages.iter_mut().rev().take(8).any(|m| {
                    let same = m.role == Role::System && m.server_id.is_none() && m.text == text;
                    if same {
                        m.server_id = Some(id.clone());
                    }
                    same
                });
            if !mine && !shown {
                push(state, *role, text, Some(id), fx);
                if *role == Role::Staff && !state.open {
                    crate::update::set_unread(state, state.unread + 1, fx);
                }
            }
        }
        Frame::State(person) => set_person(state, *person, fx),
        Frame::Typing => {
            if !state.handoff.typing {
                state.handoff.typing = true;
                fx.push(Effect::Render(Patch::Chrome));
            }
        }
    }
}
