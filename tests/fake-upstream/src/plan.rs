//! A streamed answer as a list of timed steps, computed up front so each scenario's shape is
//! tested without sockets; the server only replays the steps.

use crate::completion::{split_words, sse_event, ChunkHeader, Usage, DONE_EVENT, MALFORMED_EVENT};
use crate::scenario::Scenario;

/// One thing the server does while streaming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Wait this long, then send these bytes as one HTTP chunk and flush.
    Send {
        /// Milliseconds to sleep before sending.
        delay_ms: u64,
        /// One complete SSE event.
        event: Vec<u8>,
    },
    /// End the body properly (zero-length chunk).
    Finish,
    /// Drop the connection without ending the body.
    Cut,
}

/// Everything that shapes a streamed answer.
#[derive(Debug, Clone)]
pub(crate) struct StreamSpec<'a> {
    /// The scenario (only the streaming ones matter here).
    pub(crate) scenario: Scenario,
    /// Shared id/model/created of the chunks.
    pub(crate) header: &'a ChunkHeader,
    /// The full answer.
    pub(crate) answer: &'a str,
    /// Pause between chunks.
    pub(crate) chunk_delay_ms: u64,
    /// The request asked for a usage chunk.
    pub(crate) include_usage: bool,
    /// Prompt size for the usage chunk.
    pub(crate) prompt_tokens: u64,
}

/// Words in a `long-answer`.
const LONG_ANSWER_WORDS: usize = 2000;
/// An SSE comment: bytes on the wire, no event.
const PING_EVENT: &[u8] = b": ping\n\n";
/// `done-then-more` and `endless-content` go on for this long (two minutes) …
const ENDLESS_MS: u64 = 120_000;
/// … sending this after `[DONE]` in `done-then-more`.
pub(crate) const AFTER_DONE: &str = " (after [DONE])";
/// `endless-drip`: a ping every this many ms …
const DRIP_EVERY_MS: u64 = 200;
/// … this many times (two minutes).
const DRIP_PINGS: usize = 600;

fn send(delay_ms: u64, payload: &serde_json::Value) -> Step {
    Step::Send {
        delay_ms,
        event: sse_event(&payload.to_string()),
    }
}

/// The steps for one streamed answer.
pub(crate) fn stream_steps(spec: &StreamSpec<'_>) -> Vec<Step> {
    let long;
    let (answer, delay) = if spec.scenario == Scenario::LongAnswer {
        let one = split_words(spec.answer).len().max(1);
        long = vec![spec.answer; LONG_ANSWER_WORDS.div_ceil(one)].join(" ");
        (long.as_str(), 1)
    } else {
        (spec.answer, spec.chunk_delay_ms)
    };
    let words = split_words(answer);
    let mut steps = vec![send(0, &spec.header.role_chunk())];
    // At least one chunk per 10 ms of the endless scenarios, so a zero delay stays finite.
    let endless_chunks = (ENDLESS_MS / delay.max(10)) as usize;
    match spec.scenario {
        Scenario::CutBeforeContent => {
            steps.push(Step::Cut);
            return steps;
        }
        Scenario::EndlessContent => {
            for word in words.iter().cycle().take(endless_chunks) {
                steps.push(send(delay, &spec.header.content_chunk(word)));
            }
            steps.push(Step::Cut);
            return steps;
        }
        _ => {}
    }

    let first_delay = match spec.scenario {
        Scenario::SlowFirstToken { delay_ms } => delay_ms,
        _ => delay,
    };
    let cut_after = match spec.scenario {
        Scenario::CutMidStream => Some(words.len() / 2),
        _ => None,
    };
    for (index, word) in words.iter().enumerate() {
        if cut_after == Some(index) {
            steps.push(Step::Cut);
            return steps;
        }
        if spec.scenario == Scenario::EndlessDrip && index == words.len() / 2 {
            for _ in 0..DRIP_PINGS {
                steps.push(Step::Send {
                    delay_ms: DRIP_EVERY_MS,
                    event: PING_EVENT.to_vec(),
                });
            }
            steps.push(Step::Cut);
            return steps;
        }
        if spec.scenario == Scenario::MalformedChunk && index == words.len() / 2 {
            steps.push(Step::Send {
                delay_ms: delay,
                event: MALFORMED_EVENT.to_vec(),
            });
        }
        let wait = if index == 0 { first_delay } else { delay };
        steps.push(send(wait, &spec.header.content_chunk(word)));
    }
    steps.push(send(delay, &spec.header.finish_chunk()));
    if spec.include_usage && spec.scenario != Scenario::NoUsage {
        let usage = Usage {
            prompt_tokens: spec.prompt_tokens,
            completion_tokens: words.len() as u64,
        };
        steps.push(send(0, &spec.header.usage_chunk(usage)));
    }
    steps.push(Step::Send {
        delay_ms: 0,
        event: DONE_EVENT.to_vec(),
    });
    if spec.scenario == Scenario::DoneThenMore {
        for _ in 0..endless_chunks {
            steps.push(send(delay, &spec.header.content_chunk(AFTER_DONE)));
        }
        steps.push(Step::Cut);
        return steps;
    }
    steps.push(Step::Finish);
    steps
}

/// A round that calls one tool: role chunk, the call's name, its arguments in three pieces,
/// `finish_reason: tool_calls`, usage, `[DONE]`.
pub(crate) fn tool_call_steps(
    header: &ChunkHeader,
    name: &str,
    arguments: &str,
    delay_ms: u64,
) -> Vec<Step> {
    let mut steps = vec![
        send(0, &header.role_chunk()),
        send(delay_ms, &header.tool_call_chunk(Some(name), "")),
    ];
    let mut rest = arguments;
    for pieces_left in (1..=3).rev() {
        let mut cut = rest.len().div_ceil(pieces_left);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        steps.push(send(delay_ms, &header.tool_call_chunk(None, piece)));
        rest = tail;
    }
    steps.push(send(0, &header.tool_calls_finish_chunk()));
    steps.push(send(
        0,
        &header.usage_chunk(Usage {
            prompt_tokens: 20,
            completion_tokens: 8,
        }),
    ));
    steps.push(Step::Send {
        delay_ms: 0,
        event: DONE_EVENT.to_vec(),
    });
    steps.push(Step::Finish);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn header() -> ChunkHeader {
        ChunkHeader {
            id: "chatcmpl-fake-1".into(),
            model: "fake-normal".into(),
            created: 1,
        }
    }

    fn steps(scenario: Scenario, include_usage: bool) -> Vec<Step> {
        let header = header();
        stream_steps(&StreamSpec {
            scenario,
            header: &header,
            answer: "Echo: hi. One two three four.",
            chunk_delay_ms: 40,
            include_usage,
            prompt_tokens: 3,
        })
    }

    /// The JSON payloads of the sent events; `None` for `[DONE]` and malformed ones.
    fn payloads(steps: &[Step]) -> Vec<Option<Value>> {
        steps
            .iter()
            .filter_map(|step| match step {
                Step::Send { event, .. } => {
                    let text = std::str::from_utf8(event).unwrap();
                    assert!(
                        text.starts_with("data: ") && text.ends_with("\n\n"),
                        "{text:?}"
                    );
                    Some(serde_json::from_str(&text[6..text.len() - 2]).ok())
                }
                _ => None,
            })
            .collect()
    }

    fn content(steps: &[Step]) -> String {
        payloads(steps)
            .into_iter()
            .flatten()
            .filter_map(|chunk| {
                chunk
                    .pointer("/choices/0/delta/content")?
                    .as_str()
                    .map(str::to_owned)
            })
            .collect()
    }

    #[test]
    fn endless_drip_sends_only_pings_after_half_the_content() {
        let steps = steps(Scenario::EndlessDrip, true);
        let pings = steps
            .iter()
            .filter(|s| matches!(s, Step::Send { event, .. } if event == PING_EVENT))
            .count();
        assert_eq!(pings, DRIP_PINGS);
        assert_eq!(steps.last(), Some(&Step::Cut));
    }

    #[test]
    fn done_then_more_keeps_sending_content_after_done_on_an_open_connection() {
        let steps = steps(Scenario::DoneThenMore, true);
        let done_at = steps
            .iter()
            .position(|s| matches!(s, Step::Send { event, .. } if event == DONE_EVENT))
            .unwrap();
        let after = &steps[done_at + 1..];
        assert!(after.len() > 100, "{} steps after [DONE]", after.len());
        assert!(content(after).starts_with(AFTER_DONE));
        assert_eq!(
            steps.last(),
            Some(&Step::Cut),
            "never ends the body properly"
        );
    }

    #[test]
    fn endless_content_never_finishes() {
        let steps = steps(Scenario::EndlessContent, true);
        assert!(content(&steps).len() > 10_000);
        assert!(payloads(&steps).iter().all(|p| p
            .as_ref()
            .is_some_and(|p| p["choices"][0]["finish_reason"].is_null())));
        assert_eq!(steps.last(), Some(&Step::Cut));
    }

    #[test]
    fn cut_before_content_sends_only_the_role_chunk() {
        let steps = steps(Scenario::CutBeforeContent, true);
        assert_eq!(steps.len(), 2);
        assert_eq!(content(&steps), "");
        assert_eq!(steps.last(), Some(&Step::Cut));
    }

    #[test]
    fn long_answers_have_thousands_of_chunks() {
        let content = steps(Scenario::LongAnswer, false)
            .iter()
            .filter(|s| matches!(s, Step::Send { event, .. } if String::from_utf8_lossy(event).contains("\"content\"")))
            .count();
        assert!(content >= LONG_ANSWER_WORDS, "{content}");
    }

    #[test]
    fn normal_stream_is_role_then_words_then_stop_usage_done() {
        let steps = steps(Scenario::Normal, true);
        let payloads = payloads(&steps);
        let first = payloads[0].as_ref().unwrap();
        assert_eq!(first["choices"][0]["delta"]["role"], "assistant");
        assert_eq!(content(&steps), "Echo: hi. One two three four.");
        let n = payloads.len();
        assert_eq!(
            payloads[n - 3].as_ref().unwrap()["choices"][0]["finish_reason"],
            "stop"
        );
        assert_eq!(
            payloads[n - 2].as_ref().unwrap()["usage"]["completion_tokens"],
            6
        );
        assert_eq!(payloads[n - 1], None, "last event is [DONE]");
        assert_eq!(steps.last(), Some(&Step::Finish));
        assert!(
            matches!(steps[steps.len() - 2], Step::Send { ref event, .. } if event == DONE_EVENT)
        );
    }

    #[test]
    fn usage_only_when_asked() {
        let has_usage = |steps: &[Step]| {
            payloads(steps)
                .into_iter()
                .flatten()
                .any(|p| p.get("usage").is_some())
        };
        assert!(has_usage(&steps(Scenario::Normal, true)));
        assert!(!has_usage(&steps(Scenario::Normal, false)));
        assert!(!has_usage(&steps(Scenario::NoUsage, true)));
    }

    #[test]
    fn content_chunks_are_spaced_by_the_chunk_delay() {
        let delays: Vec<u64> = steps(Scenario::Normal, false)
            .iter()
            .skip(1)
            .filter_map(|step| match step {
                Step::Send { delay_ms, .. } => Some(*delay_ms),
                _ => None,
            })
            .take(6)
            .collect();
        assert_eq!(delays, vec![40; 6]);
    }

    #[test]
    fn slow_first_token_delays_only_the_first_content_chunk() {
        let steps = steps(Scenario::SlowFirstToken { delay_ms: 900 }, false);
        assert!(matches!(steps[0], Step::Send { delay_ms: 0, .. }));
        assert!(matches!(steps[1], Step::Send { delay_ms: 900, .. }));
        assert!(matches!(steps[2], Step::Send { delay_ms: 40, .. }));
    }

    #[test]
    fn cut_mid_stream_stops_after_half_without_done() {
        let steps = steps(Scenario::CutMidStream, true);
        assert_eq!(steps.last(), Some(&Step::Cut));
        assert_eq!(content(&steps), "Echo: hi. One ");
        assert!(payloads(&steps).iter().all(Option::is_some), "no [DONE]");
    }

    #[test]
    fn malformed_chunk_is_one_bad_line_in_an_otherwise_complete_stream() {
        let steps = steps(Scenario::MalformedChunk, true);
        let bad = steps
            .iter()
            .filter(|step| matches!(step, Step::Send { event, .. } if event == MALFORMED_EVENT))
            .count();
        assert_eq!(bad, 1);
        assert_eq!(content(&steps), "Echo: hi. One two three four.");
        assert_eq!(steps.last(), Some(&Step::Finish));
    }
}
