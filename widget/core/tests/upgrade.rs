//! The widget without the person module (feature `person` off, the module every chat loads):
//! "Talk to a person" and a stream's `handoff` event ask the shell to swap in the module that
//! has it ([`Effect::Upgrade`]) — never while an answer is streaming — and the handed-over
//! conversation is remembered first, so the swapped-in widget reopens its socket. Marking an
//! answer helpful asks for a rating once (without the person module: asks for it, `rate`).

use shopkeep_protocol::{FinishReason, Rating, SessionResponse, StreamEvent, Usage};
use shopkeep_widget_core::{update, Effect, Msg, State};

fn with_session() -> State {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::SessionCreated(SessionResponse {
            token: "tok".into(),
            session_id: "s".into(),
            conversation_id: "c1".into(),
            expires_at_ms: 1,
            user_id: None,
            consent: false,
        }),
    );
    s
}

/// Sends `text` and applies `events` to its stream; the effects of the last one.
fn answer(s: &mut State, text: &str, events: Vec<StreamEvent>) -> Vec<Effect> {
    update(s, Msg::InputChanged(text.into()));
    update(s, Msg::Submit);
    let request = s.request;
    let mut fx = Vec::new();
    for event in events {
        fx = update(s, Msg::Stream { request, event });
    }
    fx
}

fn start() -> StreamEvent {
    StreamEvent::Start {
        user_message_id: "m_u".into(),
        message_id: "m_a".into(),
    }
}

fn done() -> StreamEvent {
    StreamEvent::Done {
        message_id: "m_a".into(),
        finish: FinishReason::Complete,
        usage: Usage::default(),
    }
}

#[cfg(not(feature = "person"))]
fn upgrades(fx: &[Effect]) -> Vec<&'static str> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Upgrade { then } => Some(*then),
            _ => None,
        })
        .collect()
}

#[cfg(not(feature = "person"))]
#[test]
fn talk_to_a_person_asks_for_the_person_module_once_nothing_streams() {
    let mut s = with_session();
    assert_eq!(upgrades(&update(&mut s, Msg::TalkToPerson)), vec!["talk"]);

    // Pressed mid-answer: the answer ends first.
    let mut s = with_session();
    answer(&mut s, "hi", vec![start()]);
    assert_eq!(s.phase, shopkeep_widget_core::Phase::Streaming);
    assert!(upgrades(&update(&mut s, Msg::TalkToPerson)).is_empty());
    let request = s.request;
    let fx = update(
        &mut s,
        Msg::Stream {
            request,
            event: done(),
        },
    );
    assert_eq!(upgrades(&fx), vec!["talk"]);
    // Once.
    assert!(upgrades(&update(&mut s, Msg::StreamEnded { request })).is_empty());
}

#[cfg(not(feature = "person"))]
#[test]
fn a_streamed_handoff_remembers_the_conversation_then_asks_for_the_person_module() {
    let mut s = with_session();
    let handoff = StreamEvent::Handoff {
        state: "waiting".into(),
        notice: Some("person_will_reply".into()),
        minutes: Some(10),
        text: Some("A person will reply — usually within 10 minutes.".into()),
    };
    let fx = answer(&mut s, "I want a refund", vec![start(), handoff]);
    assert!(fx.contains(&Effect::SaveLive(Some("c1".into()))), "{fx:?}");
    assert!(upgrades(&fx).is_empty(), "not while streaming: {fx:?}");
    let request = s.request;
    let fx = update(&mut s, Msg::StreamEnded { request });
    assert_eq!(upgrades(&fx), vec![""]);
    // An `ai` state (nothing handed over) asks for nothing.
    let mut s = with_session();
    let ai = StreamEvent::Handoff {
        state: "ai".into(),
        notice: None,
        minutes: None,
        text: None,
    };
    answer(&mut s, "x", vec![start(), ai, done()]);
    let request = s.request;
    assert!(upgrades(&update(&mut s, Msg::StreamEnded { request })).is_empty());
    assert!(s.handoff.upgrade.is_none());
}

/// A shopper's answered question, the answer's index.
fn answered(s: &mut State) -> usize {
    answer(
        s,
        "hi",
        vec![
            start(),
            StreamEvent::Delta {
                text: "Hello.".into(),
            },
            done(),
        ],
    );
    s.messages.len() - 1
}

#[cfg(not(feature = "person"))]
#[test]
fn a_helpful_answer_asks_for_the_rating_form_of_the_person_module() {
    let mut s = with_session();
    let index = answered(&mut s);
    let down = update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Down,
        },
    );
    assert!(upgrades(&down).is_empty(), "not after a thumbs-down");
    let up = update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Up,
        },
    );
    assert!(up.iter().any(|e| matches!(e, Effect::SendFeedback { .. })));
    assert_eq!(upgrades(&up), vec!["rate"]);
}

#[cfg(feature = "person")]
#[test]
fn a_helpful_answer_asks_for_a_rating_once() {
    use shopkeep_widget_core::handoff::Form;
    let mut s = with_session();
    let index = answered(&mut s);
    update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Down,
        },
    );
    assert_eq!(s.handoff.form, Form::None, "not after a thumbs-down");
    let fx = update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Up,
        },
    );
    assert_eq!(s.handoff.form, Form::Csat(0));
    assert!(fx.iter().any(|e| matches!(e, Effect::SendFeedback { .. })));
    update(&mut s, Msg::PickRating(5));
    let fx = update(&mut s, Msg::SendRating(String::new()));
    assert_eq!(
        fx,
        vec![Effect::PostCsat {
            token: "tok".into(),
            rating: 5,
            comment: String::new()
        }]
    );
    update(&mut s, Msg::FormSent);
    assert_eq!(s.handoff.form, Form::Thanks);
    // Thanked: another thumbs-up does not ask again; `rate` (after a swap) neither.
    update(&mut s, Msg::AskRating);
    assert_eq!(s.handoff.form, Form::Thanks);
    update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Down,
        },
    );
    update(
        &mut s,
        Msg::Rate {
            index,
            rating: Rating::Up,
        },
    );
    assert_eq!(s.handoff.form, Form::Thanks);
}

#[test]
fn back_to_the_assistant_is_said_before_the_answer_in_either_build() {
    let mut s = with_session();
    let back = StreamEvent::Handoff {
        state: "ai".into(),
        notice: Some("back_to_assistant".into()),
        minutes: None,
        text: Some("The assistant answers again.".into()),
    };
    let fx = answer(
        &mut s,
        "one more question",
        vec![
            back,
            start(),
            StreamEvent::Delta {
                text: "Sure.".into(),
            },
            done(),
        ],
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Upgrade { .. })));
    let shown: Vec<(shopkeep_widget_core::Role, &str)> = s
        .messages
        .iter()
        .map(|m| (m.role, m.text.as_str()))
        .collect();
    use shopkeep_widget_core::Role;
    assert_eq!(
        shown,
        vec![
            (Role::User, "one more question"),
            (Role::System, "The assistant answers again."),
            (Role::Assistant, "Sure."),
        ]
    );
    assert_eq!(s.phase, shopkeep_widget_core::Phase::Idle);
}
