//! Handing a shopper to a person: the conversation's state and every move between states.
//!
//! ```text
//!            request (shopper, `handoff` tool, a tenant rule)
//!   ai ───────────────────────────────▶ waiting ──take──▶ human ──close──▶ closed
//!    ▲  ◀──────────── hand back ─────────────────────────────┘               │
//!    └──────────────────── the shopper writes again ─────────────────────────┘
//! ```
//!
//! While a person owns the conversation (waiting or human) the AI never answers. Every move
//! the shopper can see comes with a [`Notice`]: a handoff is never silent.
//!
//! Owns: the states, the moves and who may make them, the tenant's handoff rules (thumbs-down,
//! verification limit, keywords). Must not depend on: worker. Time is a parameter.

use serde::{Deserialize, Serialize};

/// Where a conversation is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// The assistant answers.
    Ai,
    /// A person was asked for; nobody took it yet.
    Waiting {
        /// Since when (ms).
        since_ms: u64,
        /// Why.
        reason: Reason,
    },
    /// A staff member owns it.
    Human {
        /// Who.
        staff_id: String,
        /// Since when (ms).
        since_ms: u64,
    },
    /// Closed by staff (or resolved by the shopper).
    Closed {
        /// When (ms).
        at_ms: u64,
    },
}

/// Why a person was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Reason {
    /// The shopper pressed "Talk to a person".
    Shopper,
    /// The model called the `handoff` tool.
    Assistant {
        /// Its reason, for staff.
        reason: String,
    },
    /// A tenant rule fired.
    Rule {
        /// Which.
        rule: Rule,
    },
}

/// A tenant rule that hands a conversation to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// The shopper marked this many answers as unhelpful.
    ThumbsDown {
        /// How many.
        count: u32,
    },
    /// The order verification limit was reached.
    VerificationLimit,
    /// The shopper's message contained a keyword.
    Keyword {
        /// Which.
        keyword: String,
    },
}

/// A move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Ask for a person.
    Request(Reason),
    /// A staff member takes the conversation (`assign`: an admin takes it from another).
    Take {
        /// Who.
        staff_id: String,
        /// An admin reassigning a conversation someone else owns.
        assign: bool,
    },
    /// The owner hands the conversation back to the assistant.
    HandBack {
        /// Who.
        staff_id: String,
    },
    /// Staff close it (or the shopper marks it resolved).
    Close,
    /// The shopper writes (reopens a closed conversation to the assistant).
    ShopperWrites,
}

/// What the shopper is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// "A person will reply — usually within N minutes."
    PersonWillReply {
        /// The tenant's usual reply time.
        minutes: u32,
    },
    /// "We're closed now; leave your email and we'll reply."
    ClosedLeaveEmail,
    /// A person joined.
    PersonJoined,
    /// The assistant answers again.
    BackToAssistant,
    /// The conversation was closed (the widget asks for a rating).
    Closed,
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The move makes no sense from this state (e.g. hand back a conversation nobody owns).
    #[error("the conversation is {0}; that cannot be done now")]
    NotNow(&'static str),
    /// Someone else owns it.
    #[error("another staff member owns this conversation")]
    NotYours,
}

/// The result of a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The new state.
    pub state: State,
    /// What the shopper is told (`None`: nothing changed that they see).
    pub notice: Option<Notice>,
}

impl State {
    /// Its wire name.
    pub fn name(&self) -> &'static str {
        match self {
            State::Ai => "ai",
            State::Waiting { .. } => "waiting",
            State::Human { .. } => "human",
            State::Closed { .. } => "closed",
        }
    }

    /// Whether the assistant may answer the shopper's next message.
    pub fn ai_may_answer(&self) -> bool {
        matches!(self, State::Ai | State::Closed { .. })
    }

    /// Whether a person is involved (the widget keeps the live socket open).
    pub fn person_involved(&self) -> bool {
        matches!(self, State::Waiting { .. } | State::Human { .. })
    }
}

/// Applies `step` to `state` at `now_ms`. `open` says whether the team is within business
/// hours, `reply_minutes` the usual first-reply time shown to the shopper.
pub fn apply(
    state: &State,
    step: Move,
    now_ms: u64,
    open: bool,
    reply_minutes: u32,
) -> Result<Moved, Refused> {
    let moved = |state, notice| Ok(Moved { state, notice });
    match (state, step) {
        (State::Ai | State::Closed { .. }, Move::Request(reason)) => moved(
            State::Waiting {
                since_ms: now_ms,
                reason,
            },
            Some(if open {
                Notice::PersonWillReply {
                    minutes: reply_minutes,
                }
            } else {
                Notice::ClosedLeaveEmail
            }),
        ),
        // Asking again while waiting or with a person changes nothing (no duplicate notice).
        (State::Waiting { .. } | State::Human { .. }, Move::Request(_)) => {
            moved(state.clone(), None)
        }
        (
            State::Human {
                staff_id: owner, ..
            },
            Move::Take { staff_id, assign },
        ) => {
            if *owner == staff_id {
                moved(state.clone(), None)
            } else if assign {
                moved(
                    State::Human {
                        staff_id,
                        since_ms: now_ms,
                    },
                    None,
                )
            } else {
                Err(Refused::NotYours)
            }
        }
        (State::Ai | State::Waiting { .. } | State::Closed { .. }, Move::Take { staff_id, .. }) => {
            moved(
                State::Human {
                    staff_id,
                    since_ms: now_ms,
                },
                Some(Notice::PersonJoined),
            )
        }
        (
            State::Human {
                staff_id: owner, ..
            },
            Move::HandBack { staff_id },
        ) => {
            if *owner == staff_id {
                moved(State::Ai, Some(Notice::BackToAssistant))
            } else {
                Err(Refused::NotYours)
            }
        }
        // A waiting conversation may be handed back by any staff member (e.g. resolved).
        (State::Waiting { .. }, Move::HandBack { .. }) => {
            moved(State::Ai, Some(Notice::BackToAssistant))
        }
        (State::Ai, Move::HandBack { .. }) => Err(Refused::NotNow("with the assistant")),
        (State::Closed { .. }, Move::HandBack { .. }) => Err(Refused::NotNow("closed")),
        (State::Closed { .. }, Move::Close) => moved(state.clone(), None),
        (_, Move::Close) => moved(State::Closed { at_ms: now_ms }, Some(Notice::Closed)),
        // Never a silent change: the shopper is told the assistant answers again.
        (State::Closed { .. }, Move::ShopperWrites) => {
            moved(State::Ai, Some(Notice::BackToAssistant))
        }
        (_, Move::ShopperWrites) => moved(state.clone(), None),
    }
}

/// A tenant's handoff rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// Hand off after this many thumbs-down in one conversation (`None`: never).
    pub after_thumbs_down: Option<u32>,
    /// Hand off when the order verification limit is reached.
    pub on_verification_limit: bool,
    /// Hand off when the shopper's message contains one of these words or phrases.
    pub keywords: Vec<String>,
    /// The usual first-reply time shown to shoppers, in minutes.
    pub reply_minutes: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            after_thumbs_down: Some(2),
            on_verification_limit: true,
            keywords: Vec::new(),
            reply_minutes: 10,
        }
    }
}

/// Most keywords a tenant may set, and their longest length.
pub const MAX_KEYWORDS: usize = 50;
/// Longest keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 60;

impl Rules {
    /// Problems with the rules, for the admin API (empty: valid).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.keywords.len() > MAX_KEYWORDS {
            out.push(format!("at most {MAX_KEYWORDS} keywords"));
        }
        for keyword in &self.keywords {
            let chars = keyword.trim().chars().count();
            if chars == 0 || chars > MAX_KEYWORD_CHARS {
                out.push(format!(
                    "keyword {keyword:?} must be 1–{MAX_KEYWORD_CHARS} characters"
                ));
            }
        }
        if self.after_thumbs_down == Some(0) {
            out.push(String::from(
                "after_thumbs_down must be at least 1 (or null)",
            ));
        }
        if self.reply_minutes == 0 || self.reply_minutes > 7 * 24 * 60 {
            out.push(String::from("reply_minutes must be between 1 and 10080"));
        }
        out
    }

    /// The rule a shopper's message fires, if any: a keyword as a whole word or phrase,
    /// case-insensitively.
    pub fn keyword_in(&self, message: &str) -> Option<Rule> {
        let words = words(message);
        self.keywords.iter().find_map(|keyword| {
            let wanted = words_of(keyword);
            (!wanted.is_empty() && words.windows(wanted.len()).any(|w| w == wanted.as_slice()))
                .then(|| Rule::Keyword {
                    keyword: keyword.trim().to_owned(),
                })
        })
    }

    /// The rule a thumbs-down fires, given the conversation's count after it.
    pub fn thumbs_down(&self, count: u32) -> Option<Rule> {
        self.after_thumbs_down
            .filter(|limit| count >= *limit)
            .map(|_| Rule::ThumbsDown { count })
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn words_of(keyword: &str) -> Vec<String> {
    words(keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_000;

    fn take(id: &str) -> Move {
        Move::Take {
            staff_id: id.into(),
            assign: false,
        }
    }

    #[test]
    fn the_whole_journey_tells_the_shopper_every_step() {
        let s = State::Ai;
        let m = apply(&s, Move::Request(Reason::Shopper), T, true, 5).unwrap();
        assert_eq!(m.notice, Some(Notice::PersonWillReply { minutes: 5 }));
        assert!(!m.state.ai_may_answer());
        let m = apply(&m.state, take("s1"), T + 1, true, 5).unwrap();
        assert_eq!(m.notice, Some(Notice::PersonJoined));
        assert!(!m.state.ai_may_answer());
        let m = apply(
            &m.state,
            Move::HandBack {
                staff_id: "s1".into(),
            },
            T + 2,
            true,
            5,
        )
        .unwrap();
        assert_eq!(
            (m.state.clone(), m.notice),
            (State::Ai, Some(Notice::BackToAssistant))
        );
        let m = apply(&m.state, Move::Close, T + 3, true, 5).unwrap();
        assert_eq!(m.notice, Some(Notice::Closed));
        let m = apply(&m.state, Move::ShopperWrites, T + 4, true, 5).unwrap();
        assert_eq!(m.state, State::Ai);
        assert_eq!(m.notice, Some(Notice::BackToAssistant));
    }

    #[test]
    fn outside_hours_the_shopper_is_asked_for_an_email() {
        let m = apply(&State::Ai, Move::Request(Reason::Shopper), T, false, 5).unwrap();
        assert_eq!(m.notice, Some(Notice::ClosedLeaveEmail));
    }

    #[test]
    fn only_the_owner_hands_back_and_only_an_admin_reassigns() {
        let owned = State::Human {
            staff_id: "s1".into(),
            since_ms: T,
        };
        let back = |id: &str| Move::HandBack {
            staff_id: id.into(),
        };
        assert_eq!(
            apply(&owned, back("s2"), T, true, 5),
            Err(Refused::NotYours)
        );
        assert_eq!(
            apply(&owned, take("s2"), T, true, 5),
            Err(Refused::NotYours)
        );
        let assigned = apply(
            &owned,
            Move::Take {
                staff_id: "s2".into(),
                assign: true,
            },
            T,
            true,
            5,
        )
        .unwrap();
        assert!(matches!(assigned.state, State::Human { ref staff_id, .. } if staff_id == "s2"));
        assert!(apply(&State::Ai, back("s1"), T, true, 5).is_err());
        // Asking twice is not a second notice.
        let waiting = apply(&State::Ai, Move::Request(Reason::Shopper), T, true, 5)
            .unwrap()
            .state;
        assert_eq!(
            apply(&waiting, Move::Request(Reason::Shopper), T, true, 5)
                .unwrap()
                .notice,
            None
        );
    }

    #[test]
    fn rules_fire_on_whole_words_and_counts() {
        let rules = Rules {
            keywords: vec!["chargeback".into(), "speak to a human".into()],
            ..Rules::default()
        };
        assert!(rules.keyword_in("I will file a CHARGEBACK!").is_some());
        assert!(rules.keyword_in("can I speak to a human please").is_some());
        assert!(rules.keyword_in("chargebacks are rare").is_none());
        assert_eq!(rules.thumbs_down(1), None);
        assert_eq!(rules.thumbs_down(2), Some(Rule::ThumbsDown { count: 2 }));
        assert!(
            Rules {
                keywords: vec![" ".into()],
                after_thumbs_down: Some(0),
                ..Rules::default()
            }
            .problems()
            .len()
                == 2
        );
    }
}
