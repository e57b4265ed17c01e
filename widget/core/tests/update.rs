//! The widget's behaviour as the spec tells it: each test drives `update` with the messages the
//! shell would send and checks the effects it must perform.

use shopkeep_protocol::{
    ConversationResponse, FinishReason, MessageRole, MessageStatus, PublicConfig, SessionResponse,
    StoredMessage, StreamEvent, ToolStatus, Usage,
};
use shopkeep_widget_core::i18n;
use shopkeep_widget_core::state::History;
use shopkeep_widget_core::{
    update, Effect, Failure, FocusTarget, HostEvent, Msg, Patch, Phase, State, Status,
};

fn session(token: &str) -> SessionResponse {
    SessionResponse {
        token: token.into(),
        session_id: "s_1".into(),
        conversation_id: "c_1".into(),
        expires_at_ms: 1,
        user_id: None,
        consent: false,
    }
}

fn mounted(stored_session: Option<SessionResponse>) -> State {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::Mounted {
            seed: 7,
            cached_config: None,
            stored_session,
            browser_locale: "en-US".into(),
            online: true,
        },
    );
    s
}

fn type_and_send(s: &mut State, text: &str) -> Vec<Effect> {
    update(s, Msg::InputChanged(text.into()));
    update(s, Msg::Submit)
}

fn sent(fx: &[Effect]) -> Option<(u32, String, String, String)> {
    fx.iter().find_map(|e| match e {
        Effect::SendChat {
            request,
            token,
            client_message_id,
            text,
        } => Some((
            *request,
            token.clone(),
            client_message_id.clone(),
            text.clone(),
        )),
        _ => None,
    })
}

fn api_failure(code: &str, retryable: bool) -> Failure {
    Failure {
        code: code.into(),
        retryable,
        retry_after_secs: None,
    }
}

fn delta(request: u32, text: &str) -> Msg {
    Msg::Stream {
        request,
        event: StreamEvent::Delta { text: text.into() },
    }
}

#[test]
fn mount_fetches_config_with_the_cached_etag_and_a_fresh_config_is_saved() {
    let mut s = State::new("demo");
    let mut cached = PublicConfig { ..s.config.clone() };
    cached.texts.locale = "de".into();
    let fx = update(
        &mut s,
        Msg::Mounted {
            seed: 1,
            cached_config: Some((cached, Some("\"v1\"".into()))),
            stored_session: None,
            browser_locale: "en-US".into(),
            online: true,
        },
    );
    assert_eq!(
        fx[..2],
        [
            Effect::LoadStrings { lang: "de" },
            Effect::FetchConfig {
                etag: Some("\"v1\"".into())
            }
        ]
    );
    assert_eq!(s.strings.lang, "en", "English shows until German arrives");
    update(&mut s, Msg::StringsLoaded(&i18n::DE));
    assert_eq!(s.strings.lang, "de");
    assert!(update(&mut s, Msg::ConfigNotModified).is_empty());
    let mut fresh = s.config.clone();
    fresh.texts.locale = "fr".into();
    let fx = update(
        &mut s,
        Msg::ConfigLoaded {
            config: fresh,
            etag: Some("\"v2\"".into()),
        },
    );
    assert!(fx.contains(&Effect::SaveConfig) && fx.contains(&Effect::Render(Patch::Config)));
    // Regression: the launcher kept embed.js's default blue after a first (uncached) load.
    assert!(
        fx.contains(&Effect::Render(Patch::Launcher)),
        "the launcher takes the tenant's colours"
    );
    assert!(fx.contains(&Effect::LoadStrings { lang: "fr" }));
    update(&mut s, Msg::StringsLoaded(&i18n::DE));
    assert_eq!(
        s.strings.lang, "de",
        "a late table of the old language is ignored"
    );
    update(&mut s, Msg::StringsLoaded(&i18n::FR));
    assert_eq!(
        (s.strings.lang, s.config_etag.as_deref()),
        ("fr", Some("\"v2\""))
    );
}

#[test]
fn opening_focuses_the_composer_and_closing_returns_focus_to_the_launcher() {
    let mut s = mounted(None);
    let fx = update(&mut s, Msg::Toggle);
    assert_eq!(
        fx,
        vec![
            Effect::Render(Patch::Open),
            Effect::Focus(FocusTarget::Input),
            Effect::Emit(HostEvent::Opened),
        ]
    );
    assert!(
        update(&mut s, Msg::Open).is_empty(),
        "opening twice does nothing"
    );
    let fx = update(&mut s, Msg::Close);
    assert_eq!(
        fx,
        vec![
            Effect::Render(Patch::Open),
            Effect::Focus(FocusTarget::Launcher),
            Effect::Emit(HostEvent::Closed),
        ]
    );
    assert!(!s.open);
}

#[test]
fn first_send_creates_the_session_lazily_then_streams_the_answer() {
    let mut s = mounted(None);
    update(&mut s, Msg::Open);
    let fx = type_and_send(&mut s, "  How long does shipping take?  ");
    assert!(fx.contains(&Effect::CreateSession {
        resume_token: None,
        identity_token: None,
    }));
    assert!(fx.contains(&Effect::Render(Patch::Composer)));
    assert_eq!(s.draft, "");
    assert!(s.typing() && s.busy());
    let fx = update(&mut s, Msg::SessionCreated(session("t1")));
    assert_eq!(fx[0], Effect::SaveSession);
    let (req, token, id, text) = sent(&fx).expect("chat is sent");
    assert_eq!(
        (token.as_str(), text.as_str()),
        ("t1", "How long does shipping take?")
    );
    assert!(shopkeep_widget_core::ids::is_valid_client_message_id(&id));

    update(
        &mut s,
        Msg::Stream {
            request: req,
            event: StreamEvent::Start {
                user_message_id: "u1".into(),
                message_id: "a1".into(),
            },
        },
    );
    assert!(s.typing(), "typing until the first text");
    let fx = update(&mut s, delta(req, "Orders "));
    assert!(fx.contains(&Effect::Render(Patch::Message(1))));
    assert!(!s.typing());
    update(&mut s, delta(req, "ship in 2 days."));
    assert_eq!(s.messages[1].status, Status::Streaming);
    update(
        &mut s,
        Msg::Stream {
            request: req,
            event: StreamEvent::Done {
                message_id: "a1".into(),
                finish: FinishReason::Complete,
                usage: Usage::default(),
            },
        },
    );
    assert_eq!(s.messages[1].text, "Orders ship in 2 days.");
    assert_eq!(s.messages[1].status, Status::Complete);
    assert_eq!(s.messages[0].server_id.as_deref(), Some("u1"));
    assert!(s.pending.is_none() && !s.busy());
    assert!(
        update(&mut s, Msg::StreamEnded { request: req }).is_empty(),
        "the body closing after done is normal"
    );
}

#[test]
fn empty_drafts_and_sends_while_busy_are_ignored() {
    let mut s = mounted(Some(session("t")));
    assert!(type_and_send(&mut s, "   \n ").is_empty());
    type_and_send(&mut s, "one");
    assert!(type_and_send(&mut s, "two").is_empty());
    assert_eq!(s.draft, "two", "the second text stays in the composer");
}

#[test]
fn a_failed_send_keeps_the_text_and_retry_resends_the_same_id() {
    let mut s = mounted(Some(session("t")));
    let (req, _, id, _) = sent(&type_and_send(&mut s, "Where is my order?")).unwrap();
    update(
        &mut s,
        Msg::StreamFailed {
            request: req,
            failure: Failure::network(),
        },
    );
    assert_eq!(s.messages[0].status, Status::Error);
    let notice = s.notice.clone().unwrap();
    assert!(notice.retry && notice.text.contains("kept"));
    assert_eq!(s.pending.as_ref().unwrap().text, "Where is my order?");
    let fx = update(&mut s, Msg::Retry);
    let (req2, _, id2, text2) = sent(&fx).unwrap();
    assert_ne!(req, req2);
    assert_eq!((id2, text2.as_str()), (id, "Where is my order?"));
    assert_eq!(s.messages[0].status, Status::Complete);
    assert!(s.notice.is_none());
    assert_eq!(
        s.messages.len(),
        1,
        "a retry does not duplicate the message"
    );
}

#[test]
fn a_refused_message_goes_back_to_the_composer() {
    let mut s = mounted(Some(session("t")));
    let (req, ..) = sent(&type_and_send(&mut s, "x".repeat(5000).as_str())).unwrap();
    let fx = update(
        &mut s,
        Msg::StreamFailed {
            request: req,
            failure: api_failure("invalid_field", false),
        },
    );
    assert!(fx.contains(&Effect::Render(Patch::Composer)));
    assert_eq!(s.draft.len(), 5000);
    assert!(!s.notice.unwrap().retry);
}

#[test]
fn rate_limited_shows_the_wait() {
    let mut s = mounted(Some(session("t")));
    let (req, ..) = sent(&type_and_send(&mut s, "hi")).unwrap();
    let failure = Failure {
        code: "rate_limited".into(),
        retryable: true,
        retry_after_secs: Some(30),
    };
    update(
        &mut s,
        Msg::StreamFailed {
            request: req,
            failure,
        },
    );
    assert_eq!(
        s.notice.unwrap().text,
        "Too many messages. Please try again in 30 s."
    );
}

#[test]
fn an_expired_session_is_renewed_once_with_its_resume_token_and_the_send_repeated() {
    let mut s = mounted(Some(session("old")));
    let (req, _, id, _) = sent(&type_and_send(&mut s, "hi")).unwrap();
    let fx = update(
        &mut s,
        Msg::StreamFailed {
            request: req,
            failure: api_failure("session_expired", false),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::CreateSession {
            resume_token: Some("old".into()),
            identity_token: None,
        }]
    );
    let (req2, token, id2, _) = sent(&update(&mut s, Msg::SessionCreated(session("new")))).unwrap();
    assert_eq!((token.as_str(), id2), ("new", id));
    update(
        &mut s,
        Msg::StreamFailed {
            request: req2,
            failure: api_failure("session_expired", false),
        },
    );
    assert_eq!(s.phase, Phase::Idle, "no renewal loop");
    assert!(s.notice.is_some());
}

#[test]
fn restoring_history_with_an_expired_token_resumes_the_conversation() {
    let mut s = mounted(Some(session("old")));
    let fx = update(&mut s, Msg::Open);
    assert!(fx.contains(&Effect::LoadHistory {
        token: "old".into()
    }));
    let fx = update(
        &mut s,
        Msg::HistoryFailed(api_failure("session_expired", false)),
    );
    assert_eq!(
        fx,
        vec![Effect::CreateSession {
            resume_token: Some("old".into()),
            identity_token: None,
        }]
    );
    let fx = update(&mut s, Msg::SessionCreated(session("new")));
    assert_eq!(
        fx,
        vec![
            Effect::SaveSession,
            Effect::LoadHistory {
                token: "new".into()
            }
        ]
    );
    let msg = |id: &str, role, text: &str| StoredMessage {
        id: id.into(),
        role,
        text: text.into(),
        status: MessageStatus::Complete,
        created_at_ms: 0,
        seq: None,
        notice: None,
        minutes: None,
    };
    let fx = update(
        &mut s,
        Msg::HistoryLoaded(
            ConversationResponse {
                conversation_id: "c_1".into(),
                messages: vec![
                    msg("1", MessageRole::User, "Hi"),
                    msg("2", MessageRole::Assistant, "Hello!"),
                ],
                live_seq: 0,
            },
            vec![],
        ),
    );
    assert!(fx.contains(&Effect::Render(Patch::Messages)));
    assert_eq!(s.messages.len(), 2);
    assert_eq!(s.history, History::Loaded);
}

#[test]
fn a_forged_stored_token_is_forgotten() {
    let mut s = mounted(Some(session("forged")));
    update(&mut s, Msg::Open);
    let fx = update(
        &mut s,
        Msg::HistoryFailed(api_failure("unauthorized", false)),
    );
    assert_eq!(fx, vec![Effect::ForgetSession { user: None }]);
    assert!(s.session.is_none());
    assert!(
        type_and_send(&mut s, "hi").contains(&Effect::CreateSession {
            resume_token: None,
            identity_token: None,
        })
    );
}

#[test]
fn history_arriving_after_a_send_keeps_the_new_message_last() {
    let mut s = mounted(Some(session("t")));
    update(&mut s, Msg::Open);
    let (req, ..) = sent(&type_and_send(&mut s, "new question")).unwrap();
    update(
        &mut s,
        Msg::HistoryLoaded(
            ConversationResponse {
                conversation_id: "c_1".into(),
                messages: vec![StoredMessage {
                    id: "1".into(),
                    role: MessageRole::User,
                    text: "old".into(),
                    status: MessageStatus::Complete,
                    created_at_ms: 0,
                    seq: None,
                    notice: None,
                    minutes: None,
                }],
                live_seq: 0,
            },
            vec![],
        ),
    );
    assert_eq!(s.messages[1].text, "new question");
    assert_eq!(s.pending.as_ref().unwrap().user_index, 1);
    update(&mut s, delta(req, "answer"));
    assert_eq!(s.messages[2].text, "answer");
}

#[test]
fn stop_aborts_keeps_the_partial_answer_and_ignores_late_events() {
    let mut s = mounted(Some(session("t")));
    let (req, ..) = sent(&type_and_send(&mut s, "hi")).unwrap();
    update(&mut s, delta(req, "Part"));
    let fx = update(&mut s, Msg::Stop);
    assert_eq!(fx[0], Effect::AbortStream { request: req });
    assert_eq!(s.messages[1].status, Status::Stopped);
    assert!(update(&mut s, delta(req, "late")).is_empty());
    assert!(update(
        &mut s,
        Msg::StreamFailed {
            request: req,
            failure: Failure::network()
        }
    )
    .is_empty());
    assert_eq!(s.messages[1].text, "Part");
    assert!(s.notice.is_none());
}

#[test]
fn a_stream_that_breaks_keeps_its_text_as_interrupted_with_a_retry() {
    let mut s = mounted(Some(session("t")));
    let (req, ..) = sent(&type_and_send(&mut s, "hi")).unwrap();
    update(&mut s, delta(req, "Half an ans"));
    update(&mut s, Msg::StreamEnded { request: req });
    assert_eq!(s.messages[1].status, Status::Interrupted);
    assert_eq!(s.messages[0].status, Status::Complete);
    assert!(s.notice.as_ref().unwrap().retry);
}

#[test]
fn an_error_event_before_any_text_removes_the_empty_answer() {
    let mut s = mounted(Some(session("t")));
    let (req, ..) = sent(&type_and_send(&mut s, "hi")).unwrap();
    update(
        &mut s,
        Msg::Stream {
            request: req,
            event: StreamEvent::Start {
                user_message_id: "u".into(),
                message_id: "a".into(),
            },
        },
    );
    let fx = update(
        &mut s,
        Msg::Stream {
            request: req,
            event: StreamEvent::Error {
                code: "upstream_timeout".into(),
                message: "x".into(),
                retryable: true,
            },
        },
    );
    assert!(fx.contains(&Effect::Render(Patch::Messages)));
    assert_eq!(s.messages.len(), 1);
    assert_eq!(s.messages[0].status, Status::Error);
    assert_eq!(
        s.notice.unwrap().text,
        "The assistant is unavailable right now."
    );
}

#[test]
fn a_suggestion_click_sends_it_and_suggestions_hide_once_the_chat_starts() {
    let mut s = mounted(Some(session("t")));
    let mut config = s.config.clone();
    config.suggested_questions = vec!["Shipping?".into(), "Returns?".into()];
    update(&mut s, Msg::ConfigLoaded { config, etag: None });
    assert!(s.show_suggestions());
    let (.., text) = sent(&update(&mut s, Msg::SuggestionClicked(1))).unwrap();
    assert_eq!(text, "Returns?");
    assert!(!s.show_suggestions());
    assert!(update(&mut s, Msg::SuggestionClicked(9)).is_empty());
}

/// Proves the admin console's live preview: a previewed config is shown at once, never cached,
/// and a saved config fetched later does not replace it.
#[test]
fn a_previewed_config_is_shown_not_cached_and_not_overridden() {
    let mut s = State::new("demo");
    let mut preview = s.config.clone();
    preview.theme.primary_color = "#ff0000".into();
    let fx = update(&mut s, Msg::Preview(preview.clone()));
    assert!(
        fx.contains(&Effect::Render(Patch::Config))
            && fx.contains(&Effect::Render(Patch::Launcher))
    );
    assert!(
        !fx.contains(&Effect::SaveConfig),
        "a preview is never cached"
    );
    assert_eq!(s.config.theme.primary_color, "#ff0000");
    let mut saved = s.config.clone();
    saved.theme.primary_color = "#00ff00".into();
    assert!(update(
        &mut s,
        Msg::ConfigLoaded {
            config: saved,
            etag: Some("\"1\"".into())
        }
    )
    .is_empty());
    assert_eq!(s.config.theme.primary_color, "#ff0000");
}

#[test]
fn a_tool_event_shows_what_the_assistant_is_doing_until_the_answer_arrives() {
    let mut s = mounted(Some(session("t1")));
    update(&mut s, Msg::Open);
    let fx = type_and_send(&mut s, "How long does shipping take?");
    let (req, ..) = sent(&fx).expect("chat is sent");
    assert_eq!(s.typing_label(), s.strings.typing);
    let tool = |status| Msg::Stream {
        request: req,
        event: StreamEvent::Tool {
            name: "search_knowledge".into(),
            status,
        },
    };
    let fx = update(&mut s, tool(ToolStatus::Started));
    assert!(fx.contains(&Effect::Render(Patch::Chrome)));
    assert!(s.typing());
    assert_eq!(s.typing_label(), s.strings.looking_up);
    update(&mut s, tool(ToolStatus::Finished));
    assert_eq!(s.typing_label(), s.strings.typing);
    update(&mut s, tool(ToolStatus::Started));
    update(&mut s, delta(req, "Orders ship in 2 days."));
    assert!(
        !s.looking_up && !s.typing(),
        "the answer replaces the status line"
    );
}
