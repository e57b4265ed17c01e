//! One chat answer as a state machine: phase 5 of the chat request (docs/ARCHITECTURE.md).
//!
//! Owns every decision of relaying an answer: which upstream to open and when (retries, then
//! the fallback, then the built-in responder, as long as nothing has reached the shopper —
//! policy from [`crate::upstream_policy`]); how long to wait for content (first token, idle,
//! the answer's duration cap); where the answer ends (`[DONE]` at once; a `finish_reason` once
//! its usage chunk arrived, or after [`USAGE_GRACE_MS`]); the answer's byte cap; when to renew
//! the stream's concurrency lease; and, at the end, what to store and how many tokens to spend.
//!
//! The shell (`edge-gateway/src/chat.rs`) asks [`Answer::next`] what to do, performs it (open,
//! read with a wake-up time, abort, renew, stream the built-in answer), reports what happened
//! ([`Answer::opened`], [`Answer::bytes`], [`Answer::tick`], [`Answer::shopper_gone`], …) and
//! sends the `delta` events those reports return. It decides nothing itself.
//!
//! Tool rounds: when an upstream round ends with tool calls, the machine asks the shell to
//! run them ([`Next::RunTools`], [`Answer::take_tool_calls`], [`Answer::tool_results`]) and
//! then opens the same upstream again with the calls and results appended
//! ([`Answer::exchanges`]), up to [`crate::tools::MAX_TOOL_ROUNDS`] rounds; the last round is
//! asked without tools, so it must answer. An upstream that refuses `tools` is asked again
//! at once in prompt-only mode ([`Next::Open`]'s `with_tools`).
//!
//! Time is injected (`now_ms`); the one random number, the backoff jitter, comes in the
//! [`Plan`].

mod plan;
mod rounds;

pub use plan::{
    is_not_an_event_stream, max_text_bytes, Plan, BYTES_PER_TOKEN, CHECK_EVERY_MS, RENEW_EVERY_MS,
    USAGE_GRACE_MS,
};
pub use rounds::{ToolExchange, ToolRun};

use crate::openai_sse::{OpenAiStreamDecoder, UpstreamEvent, ENDED_EARLY};
use crate::relay::{Ending, Outcome, Relay};
use crate::tools::{CallAssembler, Invocation};
use crate::upstream_policy::{retry_delay_ms, AttemptFailure};
use shopkeep_protocol::{Block, ErrorCode, StreamEvent};

/// What the shell should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Wait `delay_ms`, then send the request to upstream number `upstream` (0-based; attempt
    /// `attempt`, 0-based) and wait at most `timeout_ms` for its response head. Report
    /// [`Answer::opened`] or [`Answer::open_failed`].
    Open {
        /// Index into the configured upstreams.
        upstream: usize,
        /// Attempt number on this upstream.
        attempt: u32,
        /// Backoff before the attempt.
        delay_ms: u32,
        /// Limit for the response head.
        timeout_ms: u64,
        /// Why the previous attempt was given up on, for the logs.
        after: Option<AttemptFailure>,
        /// Offer the tools (`false`: prompt-only mode, with the shop information in the
        /// prompt, and no tool exchanges).
        with_tools: bool,
    },
    /// Run the calls [`Answer::take_tool_calls`] gives (each within
    /// [`crate::tools::TOOL_TIMEOUT_MS`]), then report [`Answer::tool_results`].
    RunTools,
    /// Read the open body; if nothing arrives by `wake_at_ms`, call [`Answer::tick`]. Report
    /// [`Answer::bytes`], [`Answer::body_ended`] or [`Answer::body_failed`].
    Read {
        /// When to give up waiting and tick.
        wake_at_ms: u64,
    },
    /// Abort the open upstream request and drop its body (nothing to report).
    Abort,
    /// Renew the stream's lease, then report [`Answer::lease_renewed`] (also when it failed).
    RenewLease,
    /// Stream the built-in responder's answer with [`Answer::builtin_piece`], then report
    /// [`Answer::builtin_done`].
    BuiltIn {
        /// Why no upstream answers, for the logs (`None`: none is configured).
        after: Option<AttemptFailure>,
    },
    /// The answer is over: call [`Answer::finish`].
    Finish,
}

/// The end of an answer: what to store, which upstream to record, what to spend.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// Status, text, usage, finish reason and error event of the answer.
    pub outcome: Outcome,
    /// The upstream whose answer it is (index); `None` for the built-in responder.
    pub upstream: Option<usize>,
    /// Milliseconds from the request to the first text relayed.
    pub first_token_ms: Option<u64>,
    /// Tokens to spend from the daily budget when the lease is released.
    pub tokens: u64,
    /// The rich content shown with the answer (product cards, sources), stored with it.
    pub blocks: Vec<Block>,
}

#[derive(Debug)]
enum Phase {
    Opening {
        upstream: usize,
        attempt: u32,
        delay_ms: u32,
    },
    Reading(Reading),
    Tools {
        upstream: usize,
        calls: Vec<Invocation>,
    },
    BuiltIn,
    Ended(Ending),
}

#[derive(Debug)]
struct Reading {
    upstream: usize,
    attempt: u32,
    decoder: OpenAiStreamDecoder,
    opened_ms: u64,
    last_content_ms: u64,
    /// A `finish_reason` arrived: no more content, only its usage chunk is waited for.
    finish_seen_ms: Option<u64>,
    /// Tool-call fragments of this round.
    calls: CallAssembler,
    /// Whether this round offered the tools.
    with_tools: bool,
}

/// One answer being relayed. See the module documentation for the protocol.
#[derive(Debug)]
pub struct Answer {
    plan: Plan,
    started_ms: u64,
    phase: Phase,
    /// The shell holds an upstream body that must be aborted when reading stops.
    body_open: bool,
    relay: Relay,
    answered_by: Option<usize>,
    first_token_ms: Option<u64>,
    renew_at_ms: u64,
    last_failure: Option<AttemptFailure>,
    /// Tool rounds done, their calls and results, and the usage of their upstream rounds.
    rounds: rounds::Rounds,
    /// Blocks shown so far.
    blocks: Vec<Block>,
}

impl Answer {
    /// An answer to a request that arrived at `started_ms`; every deadline counts from there.
    pub fn new(plan: Plan, started_ms: u64) -> Self {
        let phase = if plan.upstreams == 0 {
            Phase::BuiltIn
        } else {
            Phase::Opening {
                upstream: 0,
                attempt: 0,
                delay_ms: 0,
            }
        };
        Answer {
            plan,
            started_ms,
            phase,
            body_open: false,
            relay: Relay::new(),
            answered_by: None,
            first_token_ms: None,
            renew_at_ms: started_ms.saturating_add(plan.renew_every_ms),
            last_failure: None,
            rounds: rounds::Rounds::default(),
            blocks: Vec::new(),
        }
    }

    /// What to do next. Call it again after performing each step and reporting its result.
    pub fn next(&mut self, now_ms: u64) -> Next {
        self.tick(now_ms);
        if self.body_open && !matches!(self.phase, Phase::Reading(_)) {
            self.body_open = false;
            return Next::Abort;
        }
        if !matches!(self.phase, Phase::Ended(_)) && now_ms >= self.renew_at_ms {
            return Next::RenewLease;
        }
        match &self.phase {
            Phase::Opening {
                upstream,
                attempt,
                delay_ms,
            } => Next::Open {
                upstream: *upstream,
                attempt: *attempt,
                delay_ms: *delay_ms,
                timeout_ms: self
                    .plan
                    .first_token_ms
                    .min(self.deadline_ms().saturating_sub(now_ms))
                    .max(1),
                after: self.last_failure,
                with_tools: self.offers_tools(*upstream),
            },
            Phase::Tools { .. } => Next::RunTools,
            Phase::Reading(reading) => {
                let content_deadline = match reading.finish_seen_ms {
                    Some(at) => at.saturating_add(USAGE_GRACE_MS),
                    None if self.relay.started() => {
                        reading.last_content_ms.saturating_add(self.plan.idle_ms)
                    }
                    None => reading.opened_ms.saturating_add(self.plan.first_token_ms),
                };
                let wake_at_ms = (now_ms + CHECK_EVERY_MS)
                    .min(content_deadline)
                    .min(self.deadline_ms())
                    .min(self.renew_at_ms)
                    .max(now_ms);
                Next::Read { wake_at_ms }
            }
            Phase::BuiltIn => Next::BuiltIn {
                after: self.last_failure,
            },
            Phase::Ended(_) => Next::Finish,
        }
    }

    /// The upstream answered `2xx` with this `Content-Type`: its body is open.
    pub fn opened(&mut self, now_ms: u64, content_type: Option<&str>) {
        let Phase::Opening {
            upstream, attempt, ..
        } = self.phase
        else {
            return;
        };
        self.body_open = true;
        self.answered_by = Some(upstream);
        let with_tools = self.offers_tools(upstream);
        self.phase = Phase::Reading(Reading {
            upstream,
            attempt,
            decoder: OpenAiStreamDecoder::new(),
            opened_ms: now_ms,
            last_content_ms: now_ms,
            finish_seen_ms: None,
            calls: CallAssembler::new(),
            with_tools,
        });
        if content_type.is_some_and(is_not_an_event_stream) {
            self.give_up_on(AttemptFailure::NotAnAnswer, now_ms);
        }
    }

    /// The attempt failed before a `2xx` response head.
    pub fn open_failed(&mut self, failure: AttemptFailure, now_ms: u64) {
        let Phase::Opening { upstream, .. } = self.phase else {
            return;
        };
        if failure == AttemptFailure::RejectsTools && self.offers_tools(upstream) {
            // Not a failed attempt: the same upstream at once, without tools, from now on.
            self.rounds.tools_refused_by(upstream);
            self.last_failure = Some(failure);
            return;
        }
        self.give_up_on(failure, now_ms);
    }

    /// Bytes of the upstream body, split anywhere. Returns the `delta` events to send.
    pub fn bytes(&mut self, chunk: &[u8], now_ms: u64) -> Vec<StreamEvent> {
        let Phase::Reading(reading) = &mut self.phase else {
            return Vec::new();
        };
        let events = reading.decoder.push(chunk);
        let out = self.take(events, now_ms);
        self.tick(now_ms);
        out
    }

    /// The upstream body ended. Returns the `delta` events its last line completed.
    pub fn body_ended(&mut self, now_ms: u64) -> Vec<StreamEvent> {
        let Phase::Reading(reading) = &mut self.phase else {
            return Vec::new();
        };
        let events = reading
            .decoder
            .finish()
            .into_iter()
            .filter(|e| !matches!(e, UpstreamEvent::UpstreamError(m) if m == ENDED_EARLY))
            .collect();
        let out = self.take(events, now_ms);
        self.body_closed(now_ms);
        out
    }

    /// Reading the upstream body failed (connection reset, …).
    pub fn body_failed(&mut self, now_ms: u64) {
        self.body_closed(now_ms);
    }

    /// Time passed with nothing read: applies the first-token, idle, usage-grace and duration
    /// limits. [`Answer::next`] and [`Answer::bytes`] call it too.
    pub fn tick(&mut self, now_ms: u64) {
        let deadline = self.deadline_ms();
        match &self.phase {
            Phase::Opening { .. } | Phase::Tools { .. } if now_ms >= deadline => {
                if self.relay.started() {
                    self.end(Ending::Failed(ErrorCode::UpstreamTimeout));
                } else {
                    self.hand_to_builtin(AttemptFailure::Timeout);
                }
            }
            Phase::Reading(reading) => {
                let (finish_seen, opened, last) = (
                    reading.finish_seen_ms,
                    reading.opened_ms,
                    reading.last_content_ms,
                );
                if let Some(at) = finish_seen {
                    if now_ms >= at.saturating_add(USAGE_GRACE_MS).min(deadline) {
                        self.upstream_ended(now_ms);
                    }
                } else if self.relay.started() {
                    if now_ms >= deadline || now_ms >= last.saturating_add(self.plan.idle_ms) {
                        self.end(Ending::Failed(ErrorCode::UpstreamTimeout));
                    }
                } else if now_ms >= deadline
                    || now_ms >= opened.saturating_add(self.plan.first_token_ms)
                {
                    // The shopper has waited the whole first-token limit already: another
                    // upstream could double that, so the built-in responder answers now.
                    self.hand_to_builtin(AttemptFailure::Timeout);
                }
            }
            _ => {}
        }
    }

    /// The shopper stopped or went away: the answer ends as stopped.
    pub fn shopper_gone(&mut self) {
        if !matches!(self.phase, Phase::Ended(_)) {
            self.end(Ending::Stopped);
        }
    }

    /// The lease was renewed (or renewing failed; the next try comes one interval later).
    pub fn lease_renewed(&mut self, now_ms: u64) {
        self.renew_at_ms = now_ms.saturating_add(self.plan.renew_every_ms);
    }

    /// One piece of the built-in responder's answer; returns its `delta` event.
    pub fn builtin_piece(&mut self, text: String, now_ms: u64) -> Option<StreamEvent> {
        if !matches!(self.phase, Phase::BuiltIn) || text.is_empty() {
            return None;
        }
        self.first_token_ms
            .get_or_insert(now_ms.saturating_sub(self.started_ms));
        Some(self.relay.delta(text))
    }

    /// The built-in responder's answer is complete.
    pub fn builtin_done(&mut self) {
        if matches!(self.phase, Phase::BuiltIn) {
            self.end(Ending::Complete);
        }
    }

    /// Rich content a tool built from data (product cards, sources): kept for the stored
    /// answer, and returned as the `blocks` event to send now (`None` when there is nothing,
    /// or the answer has ended).
    pub fn show_blocks(&mut self, blocks: Vec<Block>) -> Option<StreamEvent> {
        if blocks.is_empty() || matches!(self.phase, Phase::Ended(_)) {
            return None;
        }
        self.blocks.extend(blocks.iter().cloned());
        Some(StreamEvent::Blocks { blocks })
    }

    /// Text relayed so far.
    pub fn text(&self) -> &str {
        self.relay.text()
    }

    /// Why the last upstream attempt was given up on.
    pub fn last_failure(&self) -> Option<AttemptFailure> {
        self.last_failure
    }

    /// Ends the answer: what to store and spend. `prompt_tokens_estimate` is used when the
    /// upstream reported no usage.
    pub fn finish(self, prompt_tokens_estimate: u32) -> Finished {
        let ending = match self.phase {
            Phase::Ended(ending) => ending,
            // The shell stopped asking before the end: a bug, but the text is still kept.
            _ => Ending::Failed(ErrorCode::Internal),
        };
        let mut outcome = self.relay.finish(ending, prompt_tokens_estimate);
        self.rounds.add_usage_to(&mut outcome.usage);
        let tokens =
            u64::from(outcome.usage.prompt_tokens) + u64::from(outcome.usage.completion_tokens);
        Finished {
            outcome,
            upstream: self.answered_by,
            first_token_ms: self.first_token_ms,
            tokens,
            blocks: self.blocks,
        }
    }

    fn deadline_ms(&self) -> u64 {
        self.started_ms.saturating_add(self.plan.max_answer_ms)
    }

    fn end(&mut self, ending: Ending) {
        self.phase = Phase::Ended(ending);
    }

    fn take(&mut self, events: Vec<UpstreamEvent>, now_ms: u64) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        for event in events {
            let Phase::Reading(reading) = &mut self.phase else {
                break; // ended: whatever follows the end is ignored
            };
            match event {
                UpstreamEvent::Delta(text) => {
                    if reading.finish_seen_ms.is_some() {
                        continue; // content ends at the finish_reason
                    }
                    reading.last_content_ms = now_ms;
                    let room = self
                        .plan
                        .max_text_bytes
                        .saturating_sub(self.relay.text().len());
                    let capped = text.len() > room;
                    let text = if capped { cut(text, room) } else { text };
                    if !text.is_empty() {
                        self.first_token_ms
                            .get_or_insert(now_ms.saturating_sub(self.started_ms));
                        out.push(self.relay.delta(text));
                    }
                    if capped {
                        self.end(Ending::Capped);
                    }
                }
                UpstreamEvent::Usage(usage) => {
                    self.relay.usage(usage);
                    if reading.finish_seen_ms.is_some() {
                        self.upstream_ended(now_ms);
                    }
                }
                UpstreamEvent::Finish(kind) => {
                    self.relay.finish_reason(kind);
                    if self.plan.include_usage && !self.relay.has_usage() {
                        reading.finish_seen_ms.get_or_insert(now_ms);
                    } else {
                        self.upstream_ended(now_ms);
                    }
                }
                UpstreamEvent::ToolCall(delta) => {
                    if reading.with_tools && reading.finish_seen_ms.is_none() {
                        // Arguments streaming in count as the upstream being alive.
                        reading.last_content_ms = now_ms;
                        reading.calls.push(delta);
                    }
                }
                UpstreamEvent::Done => self.upstream_ended(now_ms),
                UpstreamEvent::Malformed(_) => self.relay.skipped_malformed(),
                UpstreamEvent::UpstreamError(_) => {
                    if reading.finish_seen_ms.is_some() {
                        self.upstream_ended(now_ms);
                    } else if self.relay.started() {
                        self.end(Ending::Failed(ErrorCode::UpstreamError));
                    } else {
                        self.give_up_on(AttemptFailure::ErrorBeforeContent, now_ms);
                    }
                }
            }
        }
        out
    }

    /// The body is over (ended or failed) while reading.
    fn body_closed(&mut self, now_ms: u64) {
        self.body_open = false;
        let Phase::Reading(reading) = &self.phase else {
            return;
        };
        if reading.finish_seen_ms.is_some() {
            self.upstream_ended(now_ms); // everything but the usage chunk arrived
        } else if self.relay.started() {
            self.end(Ending::Failed(ErrorCode::UpstreamError));
        } else {
            self.give_up_on(AttemptFailure::CutBeforeContent, now_ms);
        }
    }

    /// The upstream marked its end: tool calls to run, complete, or — with no content at
    /// all — not an answer.
    fn upstream_ended(&mut self, now_ms: u64) {
        if self.round_ended_in_tool_calls() {
            return;
        }
        if self.relay.started() {
            self.end(Ending::Complete);
        } else {
            self.give_up_on(AttemptFailure::NotAnAnswer, now_ms);
        }
    }

    /// The current upstream failed before any content reached the shopper: retry it as the
    /// policy allows, else the next upstream, else the built-in responder.
    fn give_up_on(&mut self, failure: AttemptFailure, now_ms: u64) {
        let (upstream, attempt) = match &self.phase {
            Phase::Opening {
                upstream, attempt, ..
            } => (*upstream, *attempt),
            Phase::Reading(reading) => (reading.upstream, reading.attempt),
            Phase::Tools { .. } | Phase::BuiltIn | Phase::Ended(_) => return,
        };
        self.last_failure = Some(failure);
        self.answered_by = None;
        // A finish reason or usage of the failed attempt must not leak into the next one.
        self.relay = Relay::new();
        let deadline = self.deadline_ms();
        self.phase = match retry_delay_ms(failure, attempt + 1, self.plan.jitter) {
            Some(ms) if now_ms.saturating_add(ms.into()) < deadline => Phase::Opening {
                upstream,
                attempt: attempt + 1,
                delay_ms: ms,
            },
            _ if upstream + 1 < self.plan.upstreams && now_ms < deadline => Phase::Opening {
                upstream: upstream + 1,
                attempt: 0,
                delay_ms: 0,
            },
            _ => Phase::BuiltIn,
        };
    }

    fn hand_to_builtin(&mut self, why: AttemptFailure) {
        self.last_failure = Some(why);
        self.answered_by = None;
        self.relay = Relay::new();
        self.phase = Phase::BuiltIn;
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn cut(mut text: String, max: usize) -> String {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}
