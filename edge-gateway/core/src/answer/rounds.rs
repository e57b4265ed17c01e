//! Tool rounds of one answer: a round that ends with tool calls is run by the shell and
//! answered by the next round (see the parent module's documentation).

use super::{Answer, Phase};
use crate::tools::MAX_TOOL_ROUNDS;
use crate::tools::{plan_round, registry, Invocation, ToolCall, ToolName, ToolOutcome};
use serde_json::Value;
use shopkeep_protocol::{StreamEvent, ToolStatus, Usage};

/// One round's tool calls and their results, fed to the next upstream round as an assistant
/// message with `tool_calls` followed by one `tool` message per call.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolExchange {
    /// The calls, as the model made them.
    pub calls: Vec<ToolCall>,
    /// `(call id, content)` of each call's `tool` message, in call order.
    pub results: Vec<(String, String)>,
}

/// A call the shell runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// The call as the model made it (its id names the result).
    pub call: ToolCall,
    /// The tool.
    pub tool: ToolName,
    /// Its arguments, a JSON object.
    pub arguments: Value,
}

/// The tool rounds of an answer so far.
#[derive(Debug, Default)]
pub(super) struct Rounds {
    /// Rounds whose results were fed back.
    done: u32,
    exchanges: Vec<ToolExchange>,
    /// Usage reported by the rounds that ended in tool calls.
    usage: Option<Usage>,
    /// Upstreams (bit per index) that refused `tools`.
    refused: u32,
    /// Calls of the current round answered without running (unknown tool, bad arguments, caps).
    refusals: Vec<(ToolCall, ToolOutcome)>,
    /// Calls of the current round handed to the shell.
    running: Vec<ToolCall>,
}

fn bit(upstream: usize) -> u32 {
    1u32.checked_shl(upstream as u32).unwrap_or(0)
}

impl Rounds {
    pub(super) fn tools_refused_by(&mut self, upstream: usize) {
        self.refused |= bit(upstream);
    }

    /// Adds the usage of the tool rounds to the final round's.
    pub(super) fn add_usage_to(&self, usage: &mut Usage) {
        if let Some(rounds) = self.usage {
            usage.prompt_tokens = usage.prompt_tokens.saturating_add(rounds.prompt_tokens);
            usage.completion_tokens = usage
                .completion_tokens
                .saturating_add(rounds.completion_tokens);
        }
    }
}

impl Answer {
    /// Whether upstream `upstream` is offered the tools in the next round: the plan offers
    /// them, it never refused them, and the round limit is not reached (the last round must
    /// answer).
    pub(super) fn offers_tools(&self, upstream: usize) -> bool {
        self.plan.tools_for & bit(upstream) != 0
            && self.rounds.refused & bit(upstream) == 0
            && self.rounds.done < MAX_TOOL_ROUNDS
    }

    /// At the end of an upstream round: when the model asked for tools, the answer moves to
    /// running them. Returns whether it did.
    pub(super) fn round_ended_in_tool_calls(&mut self) -> bool {
        let Phase::Reading(reading) = &mut self.phase else {
            return false;
        };
        if reading.calls.is_empty() {
            return false;
        }
        let calls = std::mem::take(&mut reading.calls).finish();
        let upstream = reading.upstream;
        if let Some(usage) = self.relay.end_round() {
            let total = self.rounds.usage.get_or_insert_with(Usage::default);
            total.prompt_tokens = total.prompt_tokens.saturating_add(usage.prompt_tokens);
            total.completion_tokens = total
                .completion_tokens
                .saturating_add(usage.completion_tokens);
        }
        let calls = plan_round(calls, &registry(self.plan.toolset), self.rounds.done);
        self.phase = Phase::Tools { upstream, calls };
        true
    }

    /// The calls the shell must run now, and the `tool` events (`started`) to send. Calls the
    /// machine refused (unknown tool, malformed arguments, caps) are answered with their
    /// reason without running.
    pub fn take_tool_calls(&mut self) -> (Vec<ToolRun>, Vec<StreamEvent>) {
        let Phase::Tools { calls, .. } = &mut self.phase else {
            return (Vec::new(), Vec::new());
        };
        let mut runs = Vec::new();
        for invocation in std::mem::take(calls) {
            match invocation {
                Invocation::Run {
                    call,
                    tool,
                    arguments,
                } => runs.push(ToolRun {
                    call,
                    tool,
                    arguments,
                }),
                Invocation::Refuse { call, reason } => {
                    self.rounds
                        .refusals
                        .push((call, ToolOutcome::Failed(reason)));
                }
            }
        }
        self.rounds.running = runs.iter().map(|run| run.call.clone()).collect();
        let events = runs
            .iter()
            .map(|run| StreamEvent::Tool {
                name: run.tool.as_str().to_owned(),
                status: ToolStatus::Started,
            })
            .collect();
        (runs, events)
    }

    /// The results of the calls [`Answer::take_tool_calls`] gave, by call id. A call without
    /// a result counts as timed out. Returns the `tool` events (`finished`/`failed`) to send;
    /// the next round then opens the same upstream with the exchange appended.
    pub fn tool_results(
        &mut self,
        mut results: Vec<(String, ToolOutcome)>,
        now_ms: u64,
    ) -> Vec<StreamEvent> {
        let Phase::Tools { upstream, .. } = self.phase else {
            return Vec::new();
        };
        let mut events = Vec::new();
        let mut answered = Vec::new();
        for call in std::mem::take(&mut self.rounds.running) {
            let outcome = match results.iter().position(|(id, _)| *id == call.id) {
                Some(i) => results.swap_remove(i).1,
                None => ToolOutcome::TimedOut,
            };
            if let Some(tool) = ToolName::parse(&call.name) {
                events.push(StreamEvent::Tool {
                    name: tool.as_str().to_owned(),
                    status: if outcome.succeeded() {
                        ToolStatus::Finished
                    } else {
                        ToolStatus::Failed
                    },
                });
            }
            answered.push((call, outcome));
        }
        answered.append(&mut self.rounds.refusals);
        self.rounds.exchanges.push(ToolExchange {
            calls: answered.iter().map(|(call, _)| call.clone()).collect(),
            results: answered
                .iter()
                .map(|(call, outcome)| (call.id.clone(), outcome.content()))
                .collect(),
        });
        self.rounds.done += 1;
        self.phase = Phase::Opening {
            upstream,
            attempt: 0,
            delay_ms: 0,
        };
        // Past the answer's deadline, the next step ends it (or hands it to the built-in).
        self.tick(now_ms);
        events
    }

    /// The tool exchanges so far, to append to the next round's messages (tools mode only).
    pub fn exchanges(&self) -> &[ToolExchange] {
        &self.rounds.exchanges
    }

    /// Tool rounds completed.
    pub fn tool_rounds(&self) -> u32 {
        self.rounds.done
    }
}
