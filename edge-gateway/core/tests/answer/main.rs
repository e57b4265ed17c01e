//! Proves the answer machine's decisions (issue 10, items 6 and 7): an answer ends at `[DONE]`
//! (bytes after it are ignored) or at a `finish_reason` once its usage chunk arrived (or after a
//! short grace); the same bytes give the same answer however they are split; the byte cap and
//! the duration cap cut an endless answer and keep what arrived; the first-token and idle
//! limits apply; an upstream that answers `2xx` and then fails before any content — cut, an
//! error event, a JSON or HTML body, an empty stream — is retried and then replaced by the next
//! upstream, then the built-in responder; a shopper who leaves stops the answer; and the lease
//! is renewed on schedule for as long as the answer lives.

use shopkeep_gateway_core::answer::{
    is_not_an_event_stream, max_text_bytes, Answer, Finished, Next, Plan, CHECK_EVERY_MS,
    USAGE_GRACE_MS,
};
use shopkeep_gateway_core::upstream_policy::AttemptFailure;
use shopkeep_protocol::{ErrorCode, FinishReason, MessageStatus, StreamEvent, Usage};

const T0: u64 = 1_000_000;
const SSE: Option<&str> = Some("text/event-stream; charset=utf-8");

fn plan(upstreams: usize) -> Plan {
    Plan {
        upstreams,
        first_token_ms: 5_000,
        idle_ms: 3_000,
        max_answer_ms: 60_000,
        max_text_bytes: 1_000,
        include_usage: true,
        renew_every_ms: 100_000,
        jitter: 0.5,
        tools_for: u32::MAX,
        toolset: shopkeep_gateway_core::tools::Toolset::KNOWLEDGE,
    }
}

fn content(text: &str) -> String {
    let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]});
    format!("data: {chunk}\n\n")
}

fn finish(reason: &str) -> String {
    format!(
        "data: {{\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"{reason}\"}}]}}\n\n"
    )
}

fn usage(prompt: u32, completion: u32) -> String {
    format!("data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completion}}}}}\n\n")
}

const DONE: &str = "data: [DONE]\n\n";

/// A normal OpenAI stream: role chunk, keep-alive, three words with a multi-byte one, stop,
/// usage, [DONE].
fn normal_stream() -> String {
    let role = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    [
        role.to_owned(),
        ": ping\r\n\r\n".to_owned(),
        content("Grüße, "),
        content("ships in "),
        content("3–5 days."),
        finish("stop"),
        usage(120, 9),
        DONE.to_owned(),
    ]
    .concat()
}

const NORMAL_TEXT: &str = "Grüße, ships in 3–5 days.";

fn texts(events: &[StreamEvent]) -> String {
    events
        .iter()
        .map(|e| match e {
            StreamEvent::Delta { text } => text.as_str(),
            other => panic!("only deltas are sent while relaying, got {other:?}"),
        })
        .collect()
}

/// Asks `next`, expects an `Open` of `upstream`, and reports it opened with `content_type`.
fn open(answer: &mut Answer, now: u64, upstream: usize, content_type: Option<&str>) {
    match answer.next(now) {
        Next::Open { upstream: u, .. } if u == upstream => answer.opened(now, content_type),
        other => panic!("expected to open upstream {upstream}, got {other:?}"),
    }
}

fn expect(answer: &mut Answer, now: u64, want: Next) {
    assert_eq!(answer.next(now), want);
}

/// Feeds chunks at `now` and returns the text sent to the shopper.
fn feed(answer: &mut Answer, now: u64, chunks: &[&[u8]]) -> String {
    chunks
        .iter()
        .map(|c| texts(&answer.bytes(c, now)))
        .collect()
}

/// Runs one upstream answer given as chunks, then ends the body; aborting if asked.
fn relay(chunks: &[&[u8]]) -> (String, Finished) {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    let mut sent = feed(&mut answer, T0 + 10, chunks);
    if let Next::Read { .. } = answer.next(T0 + 10) {
        sent.push_str(&texts(&answer.body_ended(T0 + 10)));
    }
    loop {
        match answer.next(T0 + 10) {
            Next::Abort => continue,
            Next::Finish => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    (sent, answer.finish(50))
}

mod ending;
mod fallback;
mod tools;
