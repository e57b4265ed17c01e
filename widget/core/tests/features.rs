//! The widget's newer behaviours as the issue states them: consent before the first message,
//! feedback thumbs, identity switches that never show another shopper's chat, the unread badge,
//! the rate-limit countdown, offline sends and page-level overrides.

use shopkeep_protocol::{
    ColorScheme, ConversationResponse, FinishReason, Rating, SessionResponse, StreamEvent, Usage,
};
use shopkeep_widget_core::state::History;
use shopkeep_widget_core::{
    update, Consent, Effect, Failure, FocusTarget, HostEvent, Msg, Overrides, Patch, State,
};

fn session(token: &str, user: Option<&str>, consent: bool) -> SessionResponse {
    SessionResponse {
        token: token.into(),
        session_id: "s".into(),
        conversation_id: format!("c-{token}"),
        expires_at_ms: 1,
        user_id: user.map(Into::into),
        consent,
    }
}

fn mounted(stored: Option<SessionResponse>, online: bool) -> State {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::Mounted {
            seed: 1,
            cached_config: None,
            stored_session: stored,
            browser_locale: "en".into(),
            online,
        },
    );
    s
}

fn send(s: &mut State, text: &str) -> Vec<Effect> {
    update(s, Msg::InputChanged(text.into()));
    update(s, Msg::Submit)
}

/// Streams a complete answer for the current request.
fn answer(s: &mut State, id: &str, text: &str) -> Vec<Effect> {
    let request = s.request;
    let mut fx = Vec::new();
    for event in [
        StreamEvent::Start {
            user_message_id: "u".into(),
            message_id: id.into(),
        },
        StreamEvent::Delta { text: text.into() },
        StreamEvent::Done {
            message_id: id.into(),
            finish: FinishReason::Complete,
            usage: Usage::default(),
        },
    ] {
        fx.extend(update(s, Msg::Stream { request, event }));
    }
    fx
}

#[test]
fn consent_gates_the_first_message_and_the_decision_goes_to_the_gateway() {
    let mut s = mounted(None, true);
    s.config.privacy.consent_required = true;
    let fx = update(&mut s, Msg::Open);
    assert!(fx.contains(&Effect::Focus(FocusTarget::Consent)));
    assert!(s.needs_consent() && !s.show_suggestions());
    assert!(
        send(&mut s, "hi").is_empty(),
        "nothing is sent before consent"
    );

    let fx = update(&mut s, Msg::ConsentDecided(true));
    assert!(matches!(fx[0], Effect::CreateSession { .. }), "{fx:?}");
    let fx = update(&mut s, Msg::SessionCreated(session("t1", None, false)));
    assert!(fx.contains(&Effect::PostConsent {
        token: "t1".into(),
        accepted: true
    }));
    let fx = update(&mut s, Msg::ConsentRecorded(session("t2", None, true)));
    assert!(fx.contains(&Effect::SaveSession));
    assert!(!s.needs_consent());
    let fx = send(&mut s, "hi");
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::SendChat { token, .. } if token == "t2"),));
}

#[test]
fn declining_keeps_the_gate_and_is_recorded() {
    let mut s = mounted(Some(session("t", None, false)), true);
    s.config.privacy.consent_required = true;
    let fx = update(&mut s, Msg::ConsentDecided(false));
    assert!(fx.contains(&Effect::PostConsent {
        token: "t".into(),
        accepted: false
    }));
    assert_eq!(s.consent, Consent::Declined);
    update(&mut s, Msg::ConsentRecorded(session("t", None, false)));
    assert!(s.needs_consent());
}

#[test]
fn thumbs_rate_finished_answers_once_and_a_failure_takes_the_rating_back() {
    let mut s = mounted(None, true);
    update(&mut s, Msg::Open);
    send(&mut s, "q");
    update(&mut s, Msg::SessionCreated(session("t", None, false)));
    answer(&mut s, "a1", "Answer");
    let fx = update(
        &mut s,
        Msg::Rate {
            index: 1,
            rating: Rating::Up,
        },
    );
    assert!(fx.contains(&Effect::SendFeedback {
        token: "t".into(),
        index: 1,
        message_id: "a1".into(),
        rating: Rating::Up
    }));
    let again = update(
        &mut s,
        Msg::Rate {
            index: 1,
            rating: Rating::Up,
        },
    );
    assert!(again.is_empty(), "the same rating is not sent twice");
    let user = update(
        &mut s,
        Msg::Rate {
            index: 0,
            rating: Rating::Down,
        },
    );
    assert!(user.is_empty(), "the shopper's own messages have no thumbs");
    update(&mut s, Msg::FeedbackFailed(1));
    assert_eq!(s.messages[1].rating, None);
}

#[test]
fn an_identity_switch_clears_the_previous_shoppers_chat_and_ignores_their_late_answers() {
    let mut s = mounted(Some(session("anon", None, false)), true);
    update(&mut s, Msg::Open);
    update(
        &mut s,
        Msg::HistoryLoaded(
            ConversationResponse {
                conversation_id: "c-anon".into(),
                messages: vec![],
                live_seq: 0,
            },
            vec![],
        ),
    );
    send(&mut s, "anonymous secret");
    let fx = update(
        &mut s,
        Msg::Identify {
            token: "jwt-a".into(),
            user: Some("alice".into()),
            stored_session: Some(session("forged", Some("mallory"), false)),
        },
    );
    assert!(s.messages.is_empty() && s.draft.is_empty() && s.pending.is_none());
    assert!(fx.iter().any(|e| matches!(e, Effect::AbortStream { .. })));
    assert!(
        fx.contains(&Effect::CreateSession {
            resume_token: None,
            identity_token: Some("jwt-a".into())
        }),
        "a stored session of another user is never used: {fx:?}"
    );
    assert_eq!(s.history, History::Loading);
    // A session or history of the previous shopper arriving late is ignored.
    assert!(update(&mut s, Msg::SessionCreated(session("old", None, false))).is_empty());
    assert!(s.session.is_none());
    update(
        &mut s,
        Msg::SessionCreated(session("a", Some("alice"), false)),
    );
    assert!(update(
        &mut s,
        Msg::HistoryLoaded(
            ConversationResponse {
                conversation_id: "c-anon".into(),
                messages: vec![],
                live_seq: 0,
            },
            vec![]
        )
    )
    .is_empty());

    // The same shopper with a fresh token keeps the chat.
    send(&mut s, "alice question");
    update(
        &mut s,
        Msg::Identify {
            token: "jwt-a2".into(),
            user: Some("alice".into()),
            stored_session: None,
        },
    );
    assert_eq!(s.messages.len(), 1);

    let fx = update(&mut s, Msg::Reset);
    assert_eq!(fx[0], Effect::ForgetAllSessions);
    assert!(s.messages.is_empty() && s.identity.is_none() && s.session.is_none());
}

#[test]
fn answers_finished_while_closed_count_as_unread_until_the_panel_opens() {
    let mut s = mounted(Some(session("t", None, false)), true);
    update(&mut s, Msg::Open);
    send(&mut s, "q");
    update(&mut s, Msg::Close);
    let fx = answer(&mut s, "a", "**Hi** there");
    assert!(fx.contains(&Effect::Emit(HostEvent::UnreadChanged(1))));
    assert!(
        fx.contains(&Effect::Announce("Hi there".into())),
        "plain text: {fx:?}"
    );
    assert!(fx.contains(&Effect::Emit(HostEvent::MessageReceived("Hi there".into()))));
    assert!(fx.contains(&Effect::Render(Patch::Launcher)));
    let fx = update(&mut s, Msg::Open);
    assert!(fx.contains(&Effect::Emit(HostEvent::UnreadChanged(0))));
    assert_eq!(s.unread, 0);
}

#[test]
fn rate_limited_counts_down_and_only_then_allows_retry() {
    let mut s = mounted(Some(session("t", None, false)), true);
    send(&mut s, "q");
    let request = s.request;
    let fx = update(
        &mut s,
        Msg::StreamFailed {
            request,
            failure: Failure {
                code: "rate_limited".into(),
                retryable: true,
                retry_after_secs: Some(2),
            },
        },
    );
    assert!(fx.contains(&Effect::Tick));
    assert_eq!(s.notice.as_ref().map(|n| n.wait_secs), Some(2));
    assert!(update(&mut s, Msg::Retry).is_empty(), "retry waits");
    let fx = update(&mut s, Msg::Tick);
    assert!(fx.contains(&Effect::Tick));
    assert!(s.notice.as_ref().unwrap().text.contains("1 s"));
    let fx = update(&mut s, Msg::Tick);
    assert!(!fx.contains(&Effect::Tick));
    assert_eq!(s.notice.as_ref().unwrap().text, s.strings.ready);
    let fx = update(&mut s, Msg::Retry);
    assert!(fx.iter().any(|e| matches!(e, Effect::SendChat { .. })));
}

#[test]
fn offline_sends_keep_the_message_and_go_out_when_back_online() {
    let mut s = mounted(Some(session("t", None, false)), false);
    let fx = send(&mut s, "kept");
    assert!(!fx.iter().any(|e| matches!(e, Effect::SendChat { .. })));
    assert_eq!(s.visible_notice().unwrap().text, s.strings.offline);
    assert_eq!(s.pending.as_ref().unwrap().text, "kept");
    let fx = update(&mut s, Msg::Connectivity(true));
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::SendChat { text, .. } if text == "kept"),));
}

#[test]
fn page_overrides_win_over_the_tenant_config_and_the_browser_locale_fills_in() {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::Mounted {
            seed: 1,
            cached_config: None,
            stored_session: None,
            browser_locale: "pt-BR".into(),
            online: true,
        },
    );
    assert_eq!(
        s.locale(),
        "en",
        "the tenant's locale wins over the browser's"
    );
    let mut config = s.config.clone();
    config.texts.locale = "auto".into();
    let fx = update(&mut s, Msg::ConfigLoaded { config, etag: None });
    assert!(fx.contains(&Effect::LoadStrings { lang: "pt" }));
    let fx = update(
        &mut s,
        Msg::Update(Overrides {
            locale: Some("ar".into()),
            color_scheme: Some(ColorScheme::Dark),
            launcher_position: None,
        }),
    );
    assert!(s.rtl() && fx.contains(&Effect::Render(Patch::Config)));
    assert_eq!(
        s.strings.lang, "en",
        "Arabic has no table: English, right to left"
    );
    assert_eq!(s.config.theme.color_scheme, ColorScheme::Dark);
}
