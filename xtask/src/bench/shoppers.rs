//! Many shoppers at once: one thread per shopper, each with a fresh session, all starting
//! together and sending their turns one after another. A shopper whose turn fails with a
//! retryable error may retry it with the same `client_message_id` (as the widget's Retry
//! does), after the `Retry-After` or a short pause.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::client::{self, Turn};

/// Questions a shop's customers ask (each shopper starts at a different one).
const QUESTIONS: &[&str] = &[
    "How long does shipping take?",
    "What is your return policy?",
    "Is the Summit jacket waterproof?",
    "Do the Ridge trail boots run small?",
    "Can I pay with Klarna?",
    "Where is your store in Munich?",
    "How do I start a repair under warranty?",
    "Do you ship to Switzerland?",
    "Which size should I take if I like to layer?",
    "How much is express shipping?",
    "Can I exchange a sale item?",
    "How heavy is the Summit jacket?",
];

/// A realistic message for shopper `s`'s turn `t`.
pub(crate) fn question(s: usize, t: usize) -> String {
    QUESTIONS[(s + t) % QUESTIONS.len()].to_owned()
}

/// What one attempt at a turn got.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// The turn as read (or `None` if the connection itself failed).
    pub(crate) turn: Option<Turn>,
    /// Transport error text, when there was no HTTP answer.
    pub(crate) transport: Option<String>,
}

/// One turn of one shopper: every attempt, in order.
#[derive(Debug, Clone)]
pub(crate) struct TurnRecord {
    /// Attempts (one unless retried).
    pub(crate) attempts: Vec<Attempt>,
}

impl TurnRecord {
    /// The last attempt's turn.
    pub(crate) fn last(&self) -> Option<&Turn> {
        self.attempts.last().and_then(|a| a.turn.as_ref())
    }

    /// The first attempt's turn.
    pub(crate) fn first(&self) -> Option<&Turn> {
        self.attempts.first().and_then(|a| a.turn.as_ref())
    }
}

/// How the shoppers behave.
#[derive(Debug, Clone)]
pub(crate) struct Crowd {
    /// Gateway URL.
    pub(crate) gateway: String,
    /// Tenant id.
    pub(crate) tenant: String,
    /// Shoppers at once.
    pub(crate) shoppers: usize,
    /// Turns per shopper.
    pub(crate) turns: usize,
    /// Retries of a retryable failure whose code is in `retry_codes` (0: none).
    pub(crate) retries: usize,
    /// Error codes worth retrying (`transport` = no HTTP answer at all).
    pub(crate) retry_codes: Vec<String>,
    /// Run tag, so client message ids never collide across runs.
    pub(crate) tag: String,
}

/// The outcome of a crowd run.
#[derive(Debug, Clone)]
pub(crate) struct CrowdRun {
    /// Every turn.
    pub(crate) turns: Vec<TurnRecord>,
    /// Shoppers that could not even create a session.
    pub(crate) session_failures: Vec<String>,
    /// Wall time from the start signal to the last turn's end.
    pub(crate) wall: Duration,
}

/// Runs the crowd; `message(shopper, turn)` makes each message.
pub(crate) fn run(
    crowd: &Crowd,
    message: impl Fn(usize, usize) -> String + Send + Sync + 'static,
) -> CrowdRun {
    let message = Arc::new(message);
    let barrier = Arc::new(Barrier::new(crowd.shoppers + 1));
    let mut handles = Vec::new();
    for s in 0..crowd.shoppers {
        let crowd = crowd.clone();
        let barrier = barrier.clone();
        let message = message.clone();
        handles.push(std::thread::spawn(move || {
            let session = client::session(&crowd.gateway, &crowd.tenant);
            barrier.wait();
            let session = match session {
                Ok(session) => session,
                Err(e) => return Err(e.to_string()),
            };
            let mut out = Vec::new();
            for t in 0..crowd.turns {
                let text = message(s, t);
                let client_id = format!("m_{}_{s:04}_{t:03}", crowd.tag);
                let mut attempts = Vec::new();
                for attempt in 0..=crowd.retries {
                    let result = client::chat(&crowd.gateway, &session.token, &text, &client_id);
                    // The widget waits for Retry-After; storage and upstream errors say 1 s.
                    let retry = match &result {
                        Ok(turn) => {
                            let failed = turn.status != 200 || turn.last_event() != Some("done");
                            failed
                                && turn.retryable()
                                && turn
                                    .error_code()
                                    .is_some_and(|code| crowd.retry_codes.contains(&code))
                        }
                        Err(_) => crowd.retry_codes.iter().any(|c| c == "transport"),
                    };
                    attempts.push(match result {
                        Ok(turn) => Attempt {
                            turn: Some(turn),
                            transport: None,
                        },
                        Err(e) => Attempt {
                            turn: None,
                            transport: Some(e.to_string()),
                        },
                    });
                    if !retry || attempt == crowd.retries {
                        break;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                out.push(TurnRecord { attempts });
            }
            Ok(out)
        }));
    }
    barrier.wait();
    let started = Instant::now();
    let mut turns = Vec::new();
    let mut session_failures = Vec::new();
    for handle in handles {
        match handle.join() {
            Ok(Ok(records)) => turns.extend(records),
            Ok(Err(e)) => session_failures.push(e),
            Err(_) => session_failures.push("shopper thread panicked".into()),
        }
    }
    CrowdRun {
        turns,
        session_failures,
        wall: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_rotate_per_shopper_and_turn() {
        assert_eq!(question(0, 0), QUESTIONS[0]);
        assert_eq!(question(1, 0), question(0, 1));
        assert_eq!(question(QUESTIONS.len(), 0), QUESTIONS[0]);
    }
}
