//! The handoff to a person in the widget (issue 14): "Talk to a person" asks the gateway (after
//! making a session when there is none), notices show once as system messages, the live socket
//! opens only while a person is involved and resumes after the highest `seq`, entries are shown
//! once (a replay, the shopper's own messages and notices already shown are not repeated), a
//! diverted chat message gets no empty answer bubble, and the contact and rating forms send
//! what the shopper entered.

#![cfg(feature = "person")]

use shopkeep_protocol::{FinishReason, SessionResponse, StreamEvent, Usage};
use shopkeep_widget_core::handoff::{Form, Frame, Person};
use shopkeep_widget_core::{update, Effect, Msg, Phase, Role, State};

fn session(consent: bool) -> SessionResponse {
    SessionResponse {
        token: "tok".into(),
        session_id: "s".into(),
        conversation_id: "c1".into(),
        expires_at_ms: 1,
        user_id: None,
        consent,
    }
}

fn with_session() -> State {
    let mut s = State::new("demo");
    update(&mut s, Msg::SessionCreated(session(false)));
    s
}

fn handoff(state: &str, notice: Option<&str>, text: Option<&str>) -> Msg {
    Msg::Handoff {
        state: state.into(),
        notice: notice.map(String::from),
        minutes: None,
        text: text.map(String::from),
    }
}

fn entry(seq: u64, role: Role, client_id: Option<&str>, text: &str) -> Msg {
    Msg::Live(Frame::Entry {
        seq,
        role,
        client_id: client_id.map(String::from),
        text: text.into(),
        notice: None,
        minutes: None,
    })
}

fn texts(s: &State, role: Role) -> Vec<&str> {
    s.messages
        .iter()
        .filter(|m| m.role == role)
        .map(|m| m.text.as_str())
        .collect()
}

fn opens(fx: &[Effect]) -> Vec<u64> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::OpenLive { after, .. } => Some(*after),
            _ => None,
        })
        .collect()
}

const WILL_REPLY: &str = "A person will reply — usually within 10 minutes.";

#[test]
fn talk_to_a_person_makes_a_session_first_when_there_is_none() {
    let mut s = State::new("demo");
    let fx = update(&mut s, Msg::TalkToPerson);
    assert!(
        matches!(fx.as_slice(), [Effect::CreateSession { .. }]),
        "{fx:?}"
    );
    // Pressing again while asking sends nothing more.
    assert!(update(&mut s, Msg::TalkToPerson).is_empty());
    let fx = update(&mut s, Msg::SessionCreated(session(false)));
    assert!(
        fx.contains(&Effect::PostHandoff {
            token: "tok".into()
        }),
        "{fx:?}"
    );
}

#[test]
fn the_notice_shows_once_and_the_socket_opens_only_while_a_person_is_involved() {
    let mut s = with_session();
    assert_eq!(
        update(&mut s, Msg::TalkToPerson),
        vec![Effect::PostHandoff {
            token: "tok".into()
        }]
    );
    let fx = update(
        &mut s,
        handoff("waiting", Some("person_will_reply"), Some(WILL_REPLY)),
    );
    assert_eq!(texts(&s, Role::System), vec![WILL_REPLY]);
    assert_eq!(opens(&fx), vec![0]);
    assert!(fx.contains(&Effect::SaveLive(Some("c1".into()))));
    assert_eq!(s.handoff.person, Person::Waiting);

    // The socket's replay: the same notice (matched, not repeated), the state, a staff reply.
    update(&mut s, entry(1, Role::System, None, WILL_REPLY));
    update(&mut s, Msg::Live(Frame::State(Person::Waiting)));
    update(
        &mut s,
        entry(2, Role::System, None, "A person joined the conversation."),
    );
    update(&mut s, Msg::Live(Frame::State(Person::Human)));
    update(&mut s, Msg::Live(Frame::Typing));
    assert!(s.typing());
    assert_eq!(s.typing_label(), s.strings.person_typing);
    update(
        &mut s,
        entry(3, Role::Staff, Some("http-1"), "Hi, Sam here."),
    );
    assert!(!s.typing(), "a staff message ends the typing indicator");
    assert_eq!(
        texts(&s, Role::System),
        vec![WILL_REPLY, "A person joined the conversation."]
    );
    assert_eq!(texts(&s, Role::Staff), vec!["Hi, Sam here."]);

    // A drop: the reconnect resumes after 3; a replay of 3 shows nothing twice.
    let fx = update(&mut s, Msg::LiveClosed);
    assert_eq!(opens(&fx), vec![3]);
    update(
        &mut s,
        entry(3, Role::Staff, Some("http-1"), "Hi, Sam here."),
    );
    update(
        &mut s,
        entry(2, Role::System, None, "A person joined the conversation."),
    );
    assert_eq!(texts(&s, Role::Staff).len(), 1);
    assert_eq!(texts(&s, Role::System).len(), 2);

    // Back to the assistant: a person took part, so the socket (idle) and the reload flag
    // stay, and a drop is still resumed.
    let fx = update(&mut s, Msg::Live(Frame::State(Person::Ai)));
    assert!(!fx.contains(&Effect::CloseLive), "{fx:?}");
    assert!(!fx.contains(&Effect::SaveLive(None)), "{fx:?}");
    assert!(s.handoff.socket);
    assert_eq!(opens(&update(&mut s, Msg::LiveClosed)), vec![3]);
    // Staff close the conversation after the hand-back: the socket closes, the reload flag
    // goes, the rating form shows.
    let fx = update(&mut s, Msg::Live(Frame::State(Person::Closed)));
    assert!(fx.contains(&Effect::CloseLive), "{fx:?}");
    assert!(fx.contains(&Effect::SaveLive(None)));
    assert!(!s.handoff.socket);
    assert_eq!(s.handoff.form, Form::Csat(0));
    // A late close of that socket does not reopen it.
    assert!(opens(&update(&mut s, Msg::LiveClosed)).is_empty());
}

#[test]
fn the_shoppers_own_messages_come_back_from_the_socket_once() {
    let mut s = with_session();
    update(&mut s, handoff("human", None, None));
    update(&mut s, Msg::InputChanged("My parcel is lost".into()));
    let fx = update(&mut s, Msg::Submit);
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::SendChat {
                client_message_id, ..
            } => Some(client_message_id.clone()),
            _ => None,
        })
        .expect("sent through /v1/chat");
    // The diverted stream: start, a quiet handoff event, done — no answer bubble stays.
    let request = s.request;
    let stream = |s: &mut State, event| update(s, Msg::Stream { request, event });
    stream(
        &mut s,
        StreamEvent::Start {
            user_message_id: "m_live-4".into(),
            message_id: "m_x".into(),
        },
    );
    stream(
        &mut s,
        StreamEvent::Handoff {
            state: "human".into(),
            notice: None,
            minutes: None,
            text: None,
        },
    );
    stream(
        &mut s,
        StreamEvent::Done {
            message_id: "m_x".into(),
            finish: FinishReason::Complete,
            usage: Usage::default(),
        },
    );
    assert_eq!(s.phase, Phase::Idle);
    assert!(texts(&s, Role::Assistant).is_empty(), "{:?}", s.messages);
    update(&mut s, entry(4, Role::User, Some(&id), "My parcel is lost"));
    assert_eq!(texts(&s, Role::User), vec!["My parcel is lost"]);
    // Another tab's message (another client id) is shown.
    update(
        &mut s,
        entry(5, Role::User, Some("other-tab"), "Hello from my phone"),
    );
    assert_eq!(texts(&s, Role::User).len(), 2);
}

#[test]
fn a_reload_reopens_the_socket_from_the_start_for_its_own_conversation_only() {
    let mut s = with_session();
    assert!(update(&mut s, Msg::LiveStored("another".into())).is_empty());
    let fx = update(&mut s, Msg::LiveStored("c1".into()));
    assert_eq!(opens(&fx), vec![0]);
}

#[test]
fn a_pure_ai_chat_never_opens_a_socket() {
    let mut s = with_session();
    update(&mut s, Msg::InputChanged("Do you ship to Norway?".into()));
    let mut fx = update(&mut s, Msg::Submit);
    let request = s.request;
    for event in [
        StreamEvent::Start {
            user_message_id: "m_u".into(),
            message_id: "m_a".into(),
        },
        StreamEvent::Delta {
            text: "Yes.".into(),
        },
        StreamEvent::Done {
            message_id: "m_a".into(),
            finish: FinishReason::Complete,
            usage: Usage::default(),
        },
    ] {
        fx.extend(update(&mut s, Msg::Stream { request, event }));
    }
    assert!(opens(&fx).is_empty());
    assert_eq!(texts(&s, Role::Assistant), vec!["Yes."]);
}

#[test]
fn a_model_handoff_mid_answer_keeps_the_text_and_tells_the_shopper() {
    let mut s = with_session();
    update(&mut s, Msg::InputChanged("I want a refund".into()));
    update(&mut s, Msg::Submit);
    let request = s.request;
    for event in [
        StreamEvent::Start {
            user_message_id: "m_u".into(),
            message_id: "m_a".into(),
        },
        StreamEvent::Delta {
            text: "Let me get someone.".into(),
        },
        StreamEvent::Handoff {
            state: "waiting".into(),
            notice: Some("person_will_reply".into()),
            minutes: Some(10),
            text: Some(WILL_REPLY.into()),
        },
    ] {
        update(&mut s, Msg::Stream { request, event });
    }
    assert_eq!(texts(&s, Role::Assistant), vec!["Let me get someone."]);
    assert_eq!(texts(&s, Role::System), vec![WILL_REPLY]);
    assert_eq!(s.handoff.person, Person::Waiting);
}

#[test]
fn closed_asks_for_a_rating_and_sends_it_with_the_comment() {
    let mut s = with_session();
    update(
        &mut s,
        handoff("human", Some("person_joined"), Some("A person joined.")),
    );
    let fx = update(&mut s, Msg::Live(Frame::State(Person::Closed)));
    assert!(fx.contains(&Effect::CloseLive));
    assert_eq!(s.handoff.form, Form::Csat(0));
    // Nothing to send before a rating is picked.
    assert!(update(&mut s, Msg::SendRating("x".into())).is_empty());
    update(&mut s, Msg::PickRating(9));
    assert_eq!(s.handoff.form, Form::Csat(5), "clamped to 1–5");
    update(&mut s, Msg::PickRating(4));
    let fx = update(&mut s, Msg::SendRating("Sam was quick".into()));
    assert_eq!(
        fx,
        vec![Effect::PostCsat {
            token: "tok".into(),
            rating: 4,
            comment: "Sam was quick".into()
        }]
    );
    update(&mut s, Msg::FormSent);
    assert_eq!(s.handoff.form, Form::Thanks);
}

#[test]
fn outside_hours_the_contact_form_sends_an_email_only_with_consent_to_chat() {
    let mut s = with_session();
    update(
        &mut s,
        handoff(
            "waiting",
            Some("closed_leave_email"),
            Some("We're closed now; leave your email and we'll reply."),
        ),
    );
    assert_eq!(s.handoff.form, Form::Contact);
    assert!(update(&mut s, Msg::SendContact("not an email".into())).is_empty());
    assert_eq!(
        update(&mut s, Msg::SendContact(" ann@example.com ".into())),
        vec![Effect::PostContact {
            token: "tok".into(),
            email: "ann@example.com".into()
        }]
    );
    // A tenant that asks for consent: no address is sent before the shopper agreed.
    s.config.privacy.consent_required = true;
    assert!(update(&mut s, Msg::SendContact("ann@example.com".into())).is_empty());
}

#[test]
fn a_ticket_connects_only_while_the_socket_is_still_wanted() {
    let mut s = with_session();
    update(&mut s, handoff("waiting", None, None));
    assert_eq!(
        update(&mut s, Msg::LiveTicket(Some("/v1/live?ticket=t1".into()))),
        vec![Effect::Connect("/v1/live?ticket=t1".into())]
    );
    // Drops, then a frame: the frame resets the count of reconnects.
    update(&mut s, Msg::LiveClosed);
    update(&mut s, Msg::LiveClosed);
    update(&mut s, Msg::Live(Frame::Typing));
    // No ticket (the request failed): asked again, a few times at most.
    let mut asked = 0;
    for _ in 0..10 {
        asked += opens(&update(&mut s, Msg::LiveTicket(None))).len();
    }
    assert_eq!(asked, 5);
    // Closed meanwhile: a late ticket is not used.
    update(&mut s, handoff("closed", None, None));
    assert!(update(&mut s, Msg::LiveTicket(Some("/v1/live?ticket=t2".into()))).is_empty());
}

#[test]
fn another_shopper_gets_nothing_of_the_previous_handoff() {
    let mut s = with_session();
    update(
        &mut s,
        handoff("human", Some("person_joined"), Some("A person joined.")),
    );
    update(
        &mut s,
        entry(3, Role::Staff, None, "Your order is in Oslo."),
    );
    assert!(s.handoff.socket);
    let fx = update(&mut s, Msg::Reset);
    assert!(fx.contains(&Effect::CloseLive), "{fx:?}");
    assert_eq!(s.handoff.person, Person::Ai);
    assert_eq!(s.handoff.seq, 0);
    assert!(s.messages.is_empty());
    // A frame of the old socket still in flight is not shown, and a late close reopens nothing.
    update(&mut s, entry(4, Role::Staff, None, "Anything else?"));
    assert!(s.messages.is_empty());
    assert!(opens(&update(&mut s, Msg::LiveClosed)).is_empty());
}

/// A history answer (`GET /v1/conversation`) with live entries interleaved.
fn history_with_live() -> Msg {
    use shopkeep_protocol::{ConversationResponse, MessageRole, MessageStatus, StoredMessage};
    let m = |id: &str, role, text: &str, seq: Option<u64>, notice: Option<&str>| StoredMessage {
        id: id.into(),
        role,
        text: text.into(),
        status: MessageStatus::Complete,
        created_at_ms: 1,
        seq,
        notice: notice.map(String::from),
        minutes: notice.map(|_| 10),
    };
    Msg::HistoryLoaded(
        ConversationResponse {
            conversation_id: "c1".into(),
            messages: vec![
                m("m1", MessageRole::User, "Where is my parcel?", None, None),
                m("m2", MessageRole::Assistant, "Let me check.", None, None),
                m(
                    "m_live-1",
                    MessageRole::System,
                    WILL_REPLY,
                    Some(1),
                    Some("person_will_reply"),
                ),
                m(
                    "m_live-2",
                    MessageRole::Staff,
                    "Hi, Sam here.",
                    Some(2),
                    None,
                ),
                m("m3", MessageRole::User, "Thanks!", None, None),
            ],
            live_seq: 2,
        },
        vec![],
    )
}

#[test]
fn a_reload_shows_the_live_log_in_place_and_the_socket_resumes_after_it() {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::Mounted {
            seed: 1,
            cached_config: None,
            stored_session: Some(session(false)),
            browser_locale: "en".into(),
            online: true,
        },
    );
    // The panel opens: the history loads.
    update(&mut s, Msg::Open);
    assert_eq!(s.history, shopkeep_widget_core::state::History::Loading);
    // The remembered conversation waits for its history before it opens the socket.
    let fx = update(&mut s, Msg::LiveStored("c1".into()));
    assert!(opens(&fx).is_empty(), "{fx:?}");
    let fx = update(&mut s, history_with_live());
    assert_eq!(opens(&fx), vec![2], "resumes after live_seq");
    let shown: Vec<(Role, &str)> = s
        .messages
        .iter()
        .map(|m| (m.role, m.text.as_str()))
        .collect();
    assert_eq!(
        shown,
        vec![
            (Role::User, "Where is my parcel?"),
            (Role::Assistant, "Let me check."),
            (Role::System, WILL_REPLY),
            (Role::Staff, "Hi, Sam here."),
            (Role::User, "Thanks!"),
        ]
    );
    // A replayed entry at or below live_seq adds nothing; a later one is added once.
    update(&mut s, entry(2, Role::Staff, None, "Hi, Sam here."));
    update(&mut s, entry(3, Role::Staff, None, "Found it."));
    update(&mut s, entry(3, Role::Staff, None, "Found it."));
    assert_eq!(texts(&s, Role::Staff), vec!["Hi, Sam here.", "Found it."]);
}

#[test]
fn entries_the_socket_brought_before_the_history_are_not_listed_twice() {
    let mut s = with_session();
    update(&mut s, handoff("waiting", None, None));
    update(&mut s, entry(1, Role::System, None, WILL_REPLY));
    update(&mut s, entry(2, Role::Staff, None, "Hi, Sam here."));
    update(&mut s, history_with_live());
    assert_eq!(texts(&s, Role::Staff), vec!["Hi, Sam here."]);
    assert_eq!(texts(&s, Role::System), vec![WILL_REPLY]);
    assert_eq!(s.messages.len(), 5);
}

#[test]
fn notices_are_shown_in_the_shoppers_language_by_name() {
    let mut s = with_session();
    update(
        &mut s,
        Msg::StringsLoaded(shopkeep_widget_core::i18n::strings_for("de")),
    );
    s.strings = shopkeep_widget_core::i18n::strings_for("de");
    update(
        &mut s,
        Msg::Handoff {
            state: "waiting".into(),
            notice: Some("person_will_reply".into()),
            minutes: Some(15),
            text: Some("A person will reply — usually within 15 minutes.".into()),
        },
    );
    update(
        &mut s,
        Msg::Live(Frame::Entry {
            seq: 1,
            role: Role::System,
            client_id: None,
            text: "A person will reply — usually within 15 minutes.".into(),
            notice: Some("person_will_reply".into()),
            minutes: Some(15),
        }),
    );
    update(
        &mut s,
        Msg::Live(Frame::Entry {
            seq: 2,
            role: Role::System,
            client_id: None,
            text: "A person joined the conversation.".into(),
            notice: Some("person_joined".into()),
            minutes: None,
        }),
    );
    // An unknown notice name keeps the gateway's text.
    update(
        &mut s,
        Msg::Live(Frame::Entry {
            seq: 3,
            role: Role::System,
            client_id: None,
            text: "Something new.".into(),
            notice: Some("something_new".into()),
            minutes: None,
        }),
    );
    assert_eq!(
        texts(&s, Role::System),
        vec![
            "Eine Person antwortet – meist innerhalb von 15 Minuten.",
            "Eine Person ist dem Gespräch beigetreten.",
            "Something new."
        ],
        "the stream's notice and its live entry are one message"
    );
}
