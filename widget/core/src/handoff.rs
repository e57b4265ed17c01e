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
//!
//! All of it but the types is in the person module (feature `person`): the request, the socket,
//! staff messages, notices, the contact and rating forms. Without it, "Talk to a person", a
//! stream's `handoff` event and a thumbs-up (the rating form) ask the shell, through
//! [`Effect::Upgrade`], to swap in the widget built with it (widget/README.md "Two modules").
//! Must not depend on: anything that needs a browser.

use crate::state::{Effect, Msg, Patch, Role, State};

#[cfg(feature = "person")]
mod person;
#[cfg(feature = "person")]
pub(crate) use person::{history_done, moved, notice, session_ready};

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
        /// A notice's name (a `system` entry), to show it in the shopper's language.
        notice: Option<String>,
        /// The notice's minutes.
        minutes: Option<u32>,
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
    /// Without the person module: what the swapped-in widget does once mounted (see
    /// [`Effect::Upgrade`]); once no answer is streaming, the shell is asked for it.
    pub upgrade: Option<&'static str>,
}

/// Applies a handoff message; `false` when `msg` is not one.
#[cfg(feature = "person")]
pub(crate) fn update(state: &mut State, msg: &mut Msg, fx: &mut Vec<Effect>) -> bool {
    match msg {
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
        Msg::FormSent => {
            state.handoff.form = Form::Thanks;
            fx.push(Effect::Render(Patch::Form));
        }
        Msg::FormFailed(failure) => {
            state.notice = Some(failure_notice(state, failure));
            fx.push(Effect::Render(Patch::Chrome));
        }
        Msg::AskRating => helpful(state, fx),
        _ => return person::update(state, msg, fx),
    }
    true
}

/// Without the person module: "Talk to a person" asks for it; loading it failed
/// ([`Msg::HandoffFailed`]): a notice, and the next press tries again.
#[cfg(not(feature = "person"))]
pub(crate) fn update(state: &mut State, msg: &mut Msg, fx: &mut Vec<Effect>) -> bool {
    match msg {
        Msg::TalkToPerson => {
            state.handoff.upgrade.get_or_insert("talk");
            upgrade_when_idle(state, fx);
        }
        Msg::HandoffFailed(failure) => {
            state.notice = Some(failure_notice(state, failure));
            fx.push(Effect::Render(Patch::Chrome));
        }
        _ => return false,
    }
    true
}

/// The shopper marked an answer as helpful: the conversation may be resolved, so the rating
/// form asks how it went (once: not after it was sent, nor over the contact form). Without
/// the person module, which has the form, the module is asked for with `rate`.
pub(crate) fn helpful(state: &mut State, fx: &mut Vec<Effect>) {
    if state.handoff.form == Form::None && !state.handoff.person.involved() {
        #[cfg(feature = "person")]
        {
            state.handoff.form = Form::Csat(0);
            fx.push(Effect::Render(Patch::Form));
        }
        #[cfg(not(feature = "person"))]
        {
            state.handoff.upgrade.get_or_insert("rate");
            upgrade_when_idle(state, fx);
        }
    }
}

/// Without the person module: the stream says the conversation moved; its notice is shown.
/// Handed to a person: the next page view's widget must reopen its socket (the conversation
/// is remembered), and this one asks for the module that has it as soon as the answer stopped
/// streaming.
#[cfg(not(feature = "person"))]
pub(crate) fn moved(state: &mut State, person: Person, text: Option<String>, fx: &mut Vec<Effect>) {
    // What happened is said here too (a closed conversation back to the assistant).
    if let Some(text) = text {
        state.messages.push(crate::state::ChatMessage {
            server_id: None,
            role: Role::System,
            text,
            status: crate::state::Status::Complete,
            rating: None,
            blocks: Vec::new(),
        });
        fx.push(Effect::Render(Patch::Message(state.messages.len() - 1)));
    }
    if person.involved() {
        state.handoff.person = person;
        if let Some(s) = &state.session {
            fx.push(Effect::SaveLive(Some(s.conversation_id.clone())));
        }
        state.handoff.upgrade.get_or_insert("");
    }
}

/// Without the person module: [`Effect::Upgrade`] once nothing is streaming (a swap must not
/// cut an answer short).
#[cfg(not(feature = "person"))]
pub(crate) fn upgrade_when_idle(state: &mut State, fx: &mut Vec<Effect>) {
    if state.phase == crate::state::Phase::Idle {
        if let Some(then) = state.handoff.upgrade.take() {
            fx.push(Effect::Upgrade { then });
        }
    }
}

#[cfg(feature = "person")]
/// What the shopper reads for a notice: its name in the shopper's language, else the
/// gateway's (English) text.
pub(crate) fn notice_text(
    state: &State,
    notice: Option<&str>,
    minutes: Option<u32>,
    text: Option<String>,
) -> Option<String> {
    notice
        .and_then(|n| state.strings.notice(n, minutes))
        .or(text)
}

/// The id a live entry has in `GET /v1/conversation` (`m_live-<seq>`), so a history that
/// arrives after the socket showed the entry replaces it instead of adding it again.
#[cfg(feature = "person")]
pub(crate) fn live_id(seq: u64) -> String {
    let mut id = String::from("m_live-");
    crate::text::push_number(&mut id, seq);
    id
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

fn failure_notice(state: &State, failure: &crate::Failure) -> crate::state::Notice {
    crate::state::Notice {
        text: state.strings.failure_text(failure),
        retry: false,
        wait_secs: 0,
    }
}
