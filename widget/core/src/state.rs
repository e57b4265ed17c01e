//! The widget's state, the messages that change it and the effects the shell performs.
//!
//! The shell owns no logic: DOM events and finished fetches become [`Msg`]s, [`crate::update`]
//! changes the [`State`] and returns [`Effect`]s, and the shell performs them — fetches, storage,
//! focus, and [`Patch`]es that redraw one part of the panel from the state.

use crate::cards::{CartOutcome, CartRequest, Shown};
use crate::i18n::{self, Strings};
use crate::ids::IdGen;
use crate::Failure;
use shopkeep_protocol::{
    Block, ColorScheme, ConversationResponse, LauncherPosition, PublicConfig, Rating,
    SessionResponse, StreamEvent,
};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The shopper.
    User,
    /// The assistant.
    Assistant,
    /// A notice about the conversation ("A person will reply…"), issue 14.
    System,
    /// A person of the shop's staff.
    Staff,
}

impl Role {
    /// The `data-role` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::System => "system",
            Role::Staff => "staff",
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The answer is arriving.
    Streaming,
    /// Fully written (or, for the shopper, sent).
    Complete,
    /// The shopper stopped the answer.
    Stopped,
    /// The answer broke part way; what arrived is kept.
    Interrupted,
    /// The shopper's message could not be sent.
    Error,
}

impl Status {
    /// The `data-status` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Streaming => "streaming",
            Status::Complete => "complete",
            Status::Stopped => "stopped",
            Status::Interrupted => "interrupted",
            Status::Error => "error",
        }
    }
}

/// One message in the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Server id, once known.
    pub server_id: Option<String>,
    /// Who wrote it.
    pub role: Role,
    /// Its text (markdown subset for the assistant).
    pub text: String,
    /// Where it stands.
    pub status: Status,
    /// The shopper's thumbs up/down (assistant messages only).
    pub rating: Option<Rating>,
    /// Product cards and sources shown with the answer, in order.
    pub blocks: Vec<Shown>,
}

impl ChatMessage {
    /// Whether thumbs are offered: a finished assistant answer the gateway knows.
    pub fn rateable(&self) -> bool {
        self.role == Role::Assistant && self.status == Status::Complete && self.server_id.is_some()
    }

    /// The message's `k`-th product card, counting the cards of all its product blocks.
    pub fn card(&self, k: usize) -> Option<&crate::cards::Card> {
        self.cards().nth(k)
    }

    /// Every product card of the message, in order.
    pub fn cards(&self) -> impl Iterator<Item = &crate::cards::Card> {
        self.blocks.iter().flat_map(|b| match b {
            Shown::Products(cards) => cards.as_slice(),
            _ => &[],
        })
    }

    pub(crate) fn card_mut(&mut self, k: usize) -> Option<&mut crate::cards::Card> {
        self.blocks
            .iter_mut()
            .flat_map(|b| match b {
                Shown::Products(cards) => cards.as_mut_slice(),
                _ => &mut [],
            })
            .nth(k)
    }
}

/// Where sending stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Phase {
    /// Nothing in flight.
    #[default]
    Idle,
    /// A send is in flight (creating a session or waiting for the stream to start).
    Sending,
    /// The answer is streaming.
    Streaming,
}

/// Whether the stored conversation has been restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum History {
    /// Not asked for yet.
    #[default]
    Unknown,
    /// Being fetched (possibly after renewing the session).
    Loading,
    /// Restored, or nothing to restore.
    Loaded,
}

/// A message being sent; kept until its answer completes so nothing typed is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSend {
    /// Idempotency key: a retry sends the same id, so the gateway stores the message once.
    pub client_message_id: String,
    /// The text.
    pub text: String,
    /// Index of the shopper's message in [`State::messages`].
    pub user_index: usize,
    /// The session was already renewed once for this send (no renewal loops).
    pub renewed: bool,
}

/// A problem shown above the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What to tell the shopper.
    pub text: String,
    /// Offer a retry button.
    pub retry: bool,
    /// Seconds until retrying makes sense (rate limited); the retry button is disabled until 0.
    pub wait_secs: u32,
}

/// The shopper's answer to the tenant's consent notice, in this page view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consent {
    /// Not answered (or not asked).
    #[default]
    Undecided,
    /// Accepted; being sent to the gateway until the session records it.
    Accepted,
    /// Declined: the notice stays, the composer stays disabled.
    Declined,
}

/// Something the host page can listen to with `Shopkeep('on', name, callback)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEvent {
    /// The panel opened.
    Opened,
    /// The panel closed.
    Closed,
    /// The shopper sent a message (its text).
    MessageSent(String),
    /// An answer finished (its text).
    MessageReceived(String),
    /// The number of answers that arrived while the panel was closed changed.
    UnreadChanged(u32),
}

impl HostEvent {
    /// The event's name for `Shopkeep('on', name, …)`.
    pub fn name(&self) -> &'static str {
        match self {
            HostEvent::Opened => "opened",
            HostEvent::Closed => "closed",
            HostEvent::MessageSent(_) => "message_sent",
            HostEvent::MessageReceived(_) => "message_received",
            HostEvent::UnreadChanged(_) => "unread_changed",
        }
    }
}

/// Page-level settings from `Shopkeep('update', {…})`; they win over the tenant's config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overrides {
    /// Language of the widget's own strings.
    pub locale: Option<String>,
    /// Light, dark or auto.
    pub color_scheme: Option<ColorScheme>,
    /// Which corner.
    pub launcher_position: Option<LauncherPosition>,
}

/// Which element gets focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FocusTarget {
    /// The composer.
    Input,
    /// The launcher (when the panel closes).
    Launcher,
    /// The consent notice's accept button (the composer is disabled until consent).
    Consent,
}

/// Part of the panel to redraw from the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patch {
    /// Theme variables, title, greeting, placeholder, suggestions, strings, direction.
    Config,
    /// Panel visibility and the launcher's `aria-expanded`.
    Open,
    /// The whole message list.
    Messages,
    /// One message (appended when it is new).
    Message(usize),
    /// The composer's text, from [`State::draft`].
    Composer,
    /// Send/stop, typing indicator, suggestions, consent notice, notice and retry.
    Chrome,
    /// The launcher's label and unread badge.
    Launcher,
    /// The contact or rating form under the conversation (issue 14).
    Form,
    /// One product card of a message: its price, availability, chips and cart status.
    Card {
        /// Index in [`State::messages`].
        message: usize,
        /// The card's index among the message's cards (all product blocks, in order).
        card: usize,
    },
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `GET /v1/tenants/{tenant}/config`, with `If-None-Match` when an ETag is cached.
    FetchConfig {
        /// The cached config's ETag.
        etag: Option<String>,
    },
    /// Persist [`State::config`] and [`State::config_etag`].
    SaveConfig,
    /// `POST /v1/sessions`.
    CreateSession {
        /// A previous token, to continue its conversation.
        resume_token: Option<String>,
        /// The shop's identity token for a logged-in shopper.
        identity_token: Option<String>,
    },
    /// Persist [`State::session`], under the key of its verified user (or the anonymous key).
    SaveSession,
    /// Remove the persisted session of this user (`None`: the anonymous one).
    ForgetSession {
        /// The verified user id whose stored session goes.
        user: Option<String>,
    },
    /// Remove every stored session of the tenant (logout on a shared device).
    ForgetAllSessions,
    /// `POST /v1/consent`; answers with [`Msg::ConsentRecorded`].
    PostConsent {
        /// The session token.
        token: String,
        /// The shopper's decision.
        accepted: bool,
    },
    /// `POST /v1/messages/{id}/feedback`; a failure answers [`Msg::FeedbackFailed`].
    SendFeedback {
        /// The session token.
        token: String,
        /// Index in [`State::messages`] (for the failure message).
        index: usize,
        /// The assistant message's server id.
        message_id: String,
        /// Up or down.
        rating: Rating,
    },
    /// Fetch the widget's strings for a language not built in; answers [`Msg::StringsLoaded`].
    LoadStrings {
        /// A language of [`i18n::LANGS`] other than English.
        lang: &'static str,
    },
    /// Dispatch [`Msg::Tick`] in one second (the rate-limit countdown).
    Tick,
    /// Tell the host page.
    Emit(HostEvent),
    /// `GET /v1/conversation`.
    LoadHistory {
        /// The session token.
        token: String,
    },
    /// `POST /v1/chat`, streaming the answer back as [`Msg::Stream`].
    SendChat {
        /// Tags the stream's messages so stale ones are ignored.
        request: u32,
        /// The session token.
        token: String,
        /// Idempotency key.
        client_message_id: String,
        /// The message.
        text: String,
    },
    /// Abort the chat request.
    AbortStream {
        /// Which one.
        request: u32,
    },
    /// Redraw part of the panel.
    Render(Patch),
    /// Move focus.
    Focus(FocusTarget),
    /// Say this through the polite live region (a finished answer, read once, not per delta).
    Announce(String),
    /// Dispatch `shopkeep:add_to_cart` on the page and, unless it is prevented, add to the
    /// platform's cart; answers [`Msg::CartDone`].
    AddToCart {
        /// Index in [`State::messages`].
        message: usize,
        /// The card's index among the message's cards.
        card: usize,
        /// What to add.
        request: CartRequest,
    },
    /// `POST /v1/handoff`; answers [`Msg::Handoff`] or [`Msg::HandoffFailed`].
    PostHandoff {
        /// The session token.
        token: String,
    },
    /// `POST /v1/live/ticket`; answers [`Msg::LiveTicket`]. Then [`Effect::Connect`]: frames
    /// answer [`Msg::Live`], the end [`Msg::LiveClosed`].
    OpenLive {
        /// The session token.
        token: String,
        /// The highest `seq` already shown.
        after: u64,
    },
    /// Open the WebSocket at a ticket's `url` (`/v1/live?ticket=…`, on the gateway); on open
    /// it sends `{"type":"resume","after":…}` with [`crate::handoff::Handoff::seq`].
    Connect(String),
    /// Close the live socket.
    CloseLive,
    /// Remember (or forget) that this conversation involves a person, so a reload reopens
    /// the socket ([`Msg::LiveStored`]).
    SaveLive(Option<String>),
    /// `POST /v1/contact` with `consent: true`; answers [`Msg::FormSent`] or
    /// [`Msg::FormFailed`].
    PostContact {
        /// The session token.
        token: String,
        /// The shopper's email.
        email: String,
    },
    /// Without the person module: swap in the widget built with it (embed.js's `upgrade`
    /// option), which then calls its method `then`: `talk` (the shopper pressed "Talk to a
    /// person"), `rate` (the rating form after a thumbs-up), or nothing (`""`: it resumes the
    /// conversation [`Effect::SaveLive`] remembered).
    Upgrade {
        /// The swapped-in widget's method to call once mounted.
        then: &'static str,
    },
    /// `POST /v1/csat`; answers [`Msg::FormSent`] or [`Msg::FormFailed`].
    PostCsat {
        /// The session token.
        token: String,
        /// 1–5.
        rating: u8,
        /// Optional comment (may be empty).
        comment: String,
    },
}

/// Everything that can happen to the widget.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// The shell mounted the widget.
    Mounted {
        /// Randomness for client message ids.
        seed: u64,
        /// The config and ETag cached by an earlier page view.
        cached_config: Option<(PublicConfig, Option<String>)>,
        /// The session stored by an earlier page view (the anonymous one).
        stored_session: Option<SessionResponse>,
        /// The browser's language (`navigator.language`).
        browser_locale: String,
        /// `navigator.onLine`.
        online: bool,
    },
    /// A fresh config arrived.
    ConfigLoaded {
        /// The config.
        config: PublicConfig,
        /// Its ETag.
        etag: Option<String>,
    },
    /// The cached config is current (304).
    ConfigNotModified,
    /// Preview mode (the admin console): show this config; it is never cached, and fetched
    /// configs are ignored from now on.
    Preview(PublicConfig),
    /// The config could not be fetched (the cached or default one stays).
    ConfigFailed(Failure),
    /// Open the panel.
    Open,
    /// Close the panel.
    Close,
    /// Open when closed, close when open.
    Toggle,
    /// The shopper edited the composer.
    InputChanged(String),
    /// The shopper pressed Enter or Send.
    Submit,
    /// The shopper picked a suggested question.
    SuggestionClicked(usize),
    /// A session was created.
    SessionCreated(SessionResponse),
    /// Creating a session failed.
    SessionFailed(Failure),
    /// The stored conversation arrived, with each message's blocks (same order; a message
    /// stored without blocks has none).
    HistoryLoaded(ConversationResponse, Vec<Vec<Block>>),
    /// The stored conversation could not be fetched.
    HistoryFailed(Failure),
    /// An event of the chat stream.
    Stream {
        /// The [`Effect::SendChat`] request it belongs to.
        request: u32,
        /// The event.
        event: StreamEvent,
    },
    /// The chat request failed before or during the stream.
    StreamFailed {
        /// The request.
        request: u32,
        /// Why.
        failure: Failure,
    },
    /// The stream's body ended (after `done`/`error`, or too early).
    StreamEnded {
        /// The request.
        request: u32,
    },
    /// The shopper pressed Stop.
    Stop,
    /// The shopper pressed Retry.
    Retry,
    /// The shopper answered the consent notice.
    ConsentDecided(bool),
    /// The gateway recorded the consent decision: a new token carries it.
    ConsentRecorded(SessionResponse),
    /// Recording the decision failed.
    ConsentFailed(Failure),
    /// The shopper rated an assistant message.
    Rate {
        /// Index in [`State::messages`].
        index: usize,
        /// Up or down.
        rating: Rating,
    },
    /// Sending a rating failed (it is taken back).
    FeedbackFailed(usize),
    /// The shopper picked value `value` of option `option` on a product card.
    PickOption {
        /// Index in [`State::messages`].
        message: usize,
        /// The card's index among the message's cards.
        card: usize,
        /// The option's index.
        option: usize,
        /// The value's index in [`crate::cards::Card::option_values`].
        value: usize,
    },
    /// The shopper pressed "Add to cart" on a product card.
    AddToCart {
        /// Index in [`State::messages`].
        message: usize,
        /// The card's index among the message's cards.
        card: usize,
    },
    /// The shell finished an [`Effect::AddToCart`].
    CartDone {
        /// Index in [`State::messages`].
        message: usize,
        /// The card's index among the message's cards.
        card: usize,
        /// How it ended.
        outcome: CartOutcome,
    },
    /// One second passed (rate-limit countdown).
    Tick,
    /// The browser went online or offline.
    Connectivity(bool),
    /// The host page identified the shopper (`Shopkeep('identify', token)`).
    Identify {
        /// The shop's identity token.
        token: String,
        /// Its (unverified) subject: only a storage key — a stored session is used only when
        /// the gateway verified the same user id for it.
        user: Option<String>,
        /// The session stored for that user by an earlier page view.
        stored_session: Option<SessionResponse>,
    },
    /// Log out / reset: forget the stored session and the conversation, back to anonymous.
    Reset,
    /// Page-level settings from `Shopkeep('update', {…})`.
    Update(Overrides),
    /// A fetched strings table.
    StringsLoaded(&'static Strings),
    /// The shopper pressed "Talk to a person".
    TalkToPerson,
    /// `POST /v1/handoff` answered: the state and the notice's sentence.
    Handoff {
        /// `ai`, `waiting`, `human` or `closed`.
        state: String,
        /// The notice's name, when something changed.
        notice: Option<String>,
        /// The notice's minutes (`person_will_reply`).
        minutes: Option<u32>,
        /// The notice's sentence.
        text: Option<String>,
    },
    /// `POST /v1/handoff` failed.
    HandoffFailed(Failure),
    /// An earlier page view involved a person in this conversation: reopen the socket.
    LiveStored(String),
    /// `POST /v1/live/ticket` answered with the socket's url (`None`: it failed).
    LiveTicket(Option<String>),
    /// A frame of the live socket.
    Live(crate::handoff::Frame),
    /// The live socket closed (or could not open).
    LiveClosed,
    /// Ask for a rating as after a thumbs-up (`Widget::rate`, after a swap).
    AskRating,
    /// The shopper picked a rating (1–5).
    PickRating(u8),
    /// The shopper sent the rating with this comment.
    SendRating(String),
    /// The shopper sent the contact form with this email.
    SendContact(String),
    /// The contact or rating form was sent.
    FormSent,
    /// Sending the form failed.
    FormFailed(Failure),
}

/// The widget's whole state.
#[derive(Debug, Clone)]
pub struct State {
    /// The tenant's public config (defaults until loaded).
    pub config: PublicConfig,
    /// ETag of [`State::config`].
    pub config_etag: Option<String>,
    /// The widget's own strings, chosen from the config's locale.
    pub strings: &'static Strings,
    /// Whether the panel is open.
    pub open: bool,
    /// The current session.
    pub session: Option<SessionResponse>,
    /// A `POST /v1/sessions` is in flight.
    pub session_pending: bool,
    /// Whether stored history was restored.
    pub history: History,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// The composer's text.
    pub draft: String,
    /// The message being sent.
    pub pending: Option<PendingSend>,
    /// Where sending stands.
    pub phase: Phase,
    /// The current chat request's tag.
    pub request: u32,
    /// Index of the assistant message being streamed.
    pub streaming: Option<usize>,
    /// A tool is running for the current answer ("Searching the shop…").
    pub looking_up: bool,
    /// The problem shown to the shopper.
    pub notice: Option<Notice>,
    /// The shopper's consent decision in this page view.
    pub consent: Consent,
    /// The browser says it is offline.
    pub offline: bool,
    /// Answers finished while the panel was closed.
    pub unread: u32,
    /// The identity token from the host page (logged-in shopper).
    pub identity: Option<String>,
    /// Its subject, the storage key of the shopper's session.
    pub user: Option<String>,
    /// The browser's language.
    pub browser_locale: String,
    /// Settings from the host page.
    pub overrides: Overrides,
    /// Showing a config given by the page (admin preview) rather than the tenant's saved one.
    pub preview: bool,
    /// The gateway is reached over plain http (local development): source links may be http.
    pub plain_http: bool,
    /// The handoff to a person (issue 14).
    pub handoff: crate::handoff::Handoff,
    /// A [`Effect::Tick`] is scheduled.
    pub(crate) ticking: bool,
    /// A consent decision waits for a session before it can be sent.
    pub(crate) consent_to_send: bool,
    pub(crate) ids: IdGen,
}

impl State {
    /// A closed widget for a tenant, with the default config.
    pub fn new(tenant: &str) -> Self {
        let config = PublicConfig {
            tenant_id: tenant.into(),
            version: 0,
            theme: Default::default(),
            texts: Default::default(),
            suggested_questions: Vec::new(),
            auto_open: Default::default(),
            privacy: Default::default(),
        };
        State {
            strings: &i18n::EN,
            config,
            config_etag: None,
            open: false,
            session: None,
            session_pending: false,
            history: History::Unknown,
            messages: Vec::new(),
            draft: String::new(),
            pending: None,
            phase: Phase::Idle,
            request: 0,
            streaming: None,
            looking_up: false,
            notice: None,
            consent: Consent::Undecided,
            offline: false,
            unread: 0,
            identity: None,
            user: None,
            browser_locale: String::new(),
            overrides: Overrides::default(),
            preview: false,
            plain_http: false,
            handoff: Default::default(),
            ticking: false,
            consent_to_send: false,
            ids: IdGen::new(0),
        }
    }

    /// Show the typing indicator: a send is in flight and no answer text has arrived, or the
    /// assistant is looking something up.
    pub fn typing(&self) -> bool {
        // While a person is involved the assistant is silent: only staff typing shows.
        if self.handoff.person.involved() {
            return self.handoff.typing;
        }
        if self.looking_up && self.phase != Phase::Idle {
            return true;
        }
        match self.phase {
            Phase::Idle => false,
            Phase::Sending => true,
            Phase::Streaming => self
                .streaming
                .and_then(|i| self.messages.get(i))
                .is_none_or(|m| m.text.is_empty()),
        }
    }

    /// The typing indicator's text: what the assistant is doing.
    pub fn typing_label(&self) -> &'static str {
        if self.handoff.typing {
            self.strings.person_typing
        } else if self.looking_up {
            self.strings.looking_up
        } else {
            self.strings.typing
        }
    }

    /// Whether Stop replaces Send.
    pub fn busy(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// Show the suggested questions: nothing has been said yet.
    pub fn show_suggestions(&self) -> bool {
        self.messages.is_empty()
            && self.phase == Phase::Idle
            && !self.config.suggested_questions.is_empty()
            && !self.needs_consent()
    }

    /// The tenant requires consent and this session has not recorded it: the notice shows and
    /// the composer is disabled.
    pub fn needs_consent(&self) -> bool {
        self.config.privacy.consent_required && !self.session.as_ref().is_some_and(|s| s.consent)
    }

    /// The locale of the widget's strings: the page's override, else the tenant's, else the
    /// browser's (a tenant locale of `auto` or empty defers to the browser).
    pub fn locale(&self) -> &str {
        let tenant = self.config.texts.locale.trim();
        match &self.overrides.locale {
            Some(l) => l,
            None if tenant.is_empty() || tenant.eq_ignore_ascii_case("auto") => {
                &self.browser_locale
            }
            None => tenant,
        }
    }

    /// Whether the locale's script runs right to left.
    pub fn rtl(&self) -> bool {
        i18n::is_rtl(self.locale())
    }

    /// The notice to show: offline wins over the last failure.
    pub fn visible_notice(&self) -> Option<Notice> {
        if self.offline {
            return Some(Notice {
                text: self.strings.offline.into(),
                retry: false,
                wait_secs: 0,
            });
        }
        self.notice.clone()
    }
}
