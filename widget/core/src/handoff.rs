//! A person when the assistant isn't enough (issue 14), as the widget sees it: the
//! conversation's handoff state, the live channel's sequence numbers and resends, the notices
//! shown as system messages, and the contact and rating forms.
//!
//! Owns: [`Handoff`], [`Person`], [`Form`], [`Frame`] and the update steps for them (called by
//! [`crate::update`]). The socket exists only while a person is involved ([`Person::involved`]):
//! a pure-AI chat never opens one. Shopper messages still go through `POST /v1/chat` (the
//! gateway diverts them to the live log while a person owns the conversation, docs/API.md
//! "Handoff"); the socket brings staff messages, typing and state changes, and resumes after
//! the highest `seq` it saw, so a reconnect neither loses nor repeats anything.
//! Must not depend on: anything that needs a browser.

use crate::state::{ChatMessage, Effect, Msg, Notice, Patch, Role, State, Status};
use crate::Failure;

/// Where the conversation's handoff stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Person {
    /// The assistant answers.
    #[default]
    Ai,
    /// A person was asked for.
    Waiting,
    /// A person took the conversation.
    Human,
    /// Staff closed it.
    Closed,
}

impl Person {
    /// The wire name's state (`ai`, `waiting`, `human`, `closed`); unknown names are `ai`.
    pub fn parse(name: &str) -> Person {
        match name {
            "waiting" => Person::Waiting,
            "human" => Person::Human,
            "closed" => Person::Closed,
            _ => Person::Ai,
        }
    }

    /// A person is (about to be) involved: the live socket is open.
    pub fn involved(self) -> bool {
        matches!(self, Person::Waiting | Person::Human)
    }
}

/// The form shown under the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// None.
    #[default]
    None,
    /// Outside business hours: leave an email.
    Contact,
    /// After closing: rate 1–5 (0: not picked yet).
    Csat(u8),
    /// Sent: thanks.
    Thanks,
}

/// One frame from the live socket, as the widget uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// An entry of the conversation's live log.
    Entry {
        /// Its sequence number.
        seq: u64,
        /// Who wrote it (`shopper` → [`Role::User`]).
        role: Role,
        /// The sender's id for it.
        client_id: Option<String>,
        /// Its text.
        text: String,
    },
    /// The conversation's state (a notice comes as its own `system` entry).
    State(Person),
    /// Staff are typing.
    Typing,
}

/// The widget's side of the handoff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Handoff {
    /// Where the conversation stands.
    pub person: Person,
    /// The highest live `seq` received (resume after it).
    pub seq: u64,
    /// A person took part in this conversation (asked for or joined): the socket stays
    /// open until the conversation is closed — a hand-back keeps it (idle; the gateway's
    /// object hibernates), so a close afterwards still reaches the shopper for the rating.
    pub engaged: bool,
    /// The socket is open or being opened.
    pub socket: bool,
    /// Reconnects since the last frame (gives up after a few).
    pub retries: u8,
    /// Staff are typing (until their next message).
    pub typing: bool,
    /// A `POST /v1/handoff` is in flight.
    pub asking: bool,
    /// The form shown.
    pub form: Form,
    /// Client ids of the messages this page sent (their live entries are already shown).
    pub sent: Vec<String>,
}

/// Reconnects without a frame in between before the widget stops trying (the next message or
/// reload tries again).
const MAX_RETRIES: u8 = 5;

/// Applies a handoff message; `false` when `msg` is not one.
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
            text,
        } => {
            state.handoff.asking = false;
            notice(state, n.as_deref(), fx);
            moved(state, Person::parse(s), text.take(), fx);
        }
        Msg::HandoffFailed(failure) => {
            state.handoff.asking = false;
            state.notice = Some(failure_notice(state, failure));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::FormFailed(failure) => {
            state.notice = Some(failure_notice(state, failure));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::LiveStored(conversation) => {
            if state.session.as_ref().map(|s| &s.conversation_id) == Some(conversation) {
                state.handoff.person = Person::Waiting;
                state.handoff.engaged = true;
                open(state, fx);
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
        Msg::PickRating(n) => {
            state.handoff.form = Form::Csat((*n).clamp(1, 5));
            fx.push(Effect::Render(Patch::Form));
        }
        Msg::SendRating(comment) => {
            if let (Some(s), Form::Csat(rating @ 1..=5)) = (&state.session, state.handoff.form) {
                fx.push(Effect::PostCsat {
                    token: s.token.clone(),
                    rating,
                    comment: std::mem::take(comment),
                });
            }
        }
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
        Msg::FormSent => {
            state.handoff.form = Form::Thanks;
            fx.push(Effect::Render(Patch::Form));
        }
        _ => return false,
    }
    true
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

/// Another shopper (identify, logout): the previous conversation's socket closes and nothing
/// of its handoff stays (its staff messages must never reach the next shopper).
pub(crate) fn reset(state: &mut State, fx: &mut Vec<Effect>) {
    if state.handoff.socket {
        fx.push(Effect::CloseLive);
    }
    if state.handoff.form != Form::None {
        fx.push(Effect::Render(Patch::Form));
    }
    state.handoff = Handoff::default();
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
            // A notice this page already showed from the stream or `POST /v1/handoff`
            // (the same sentence, not yet matched to an entry) is that entry.
            let shown = *role == Role::System
                && state.messages.iter_mut().rev().take(8).any(|m| {
                    let same = m.role == Role::System && m.server_id.is_none() && m.text == *text;
                    if same {
                        m.server_id = Some(String::new());
                    }
                    same
                });
            if !mine && !shown {
                push(state, *role, std::mem::take(text), Some(String::new()), fx);
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

fn failure_notice(state: &State, failure: &Failure) -> Notice {
    Notice {
        text: state.strings.failure_text(failure),
        retry: false,
        wait_secs: 0,
    }
}
