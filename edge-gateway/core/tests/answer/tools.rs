//! Tool rounds (issue 11): a round that ends with tool calls is run by the shell and answered
//! by the same upstream with the results; the calls assemble the same whatever the chunking;
//! unknown tools and malformed arguments are answered with errors, never run; a tool that
//! does not answer in time is "timed out"; the round cap makes the last round answer without
//! tools; an upstream that refuses `tools` is asked again at once in prompt-only mode; usage
//! of every round is counted.

use super::*;
use shopkeep_gateway_core::answer::ToolRun;
use shopkeep_gateway_core::tools::{ToolName, ToolOutcome, MAX_TOOL_ROUNDS};
use shopkeep_protocol::ToolStatus;

fn tool_call_chunks(name: &str, arguments: &str) -> String {
    let head = serde_json::json!({"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "call_7", "type": "function", "function": {"name": name, "arguments": ""}}
    ]}, "finish_reason": null}]});
    let (a, b) = arguments.split_at(arguments.len() / 2);
    let part = |text: &str| {
        serde_json::json!({"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": text}}
        ]}, "finish_reason": null}]})
    };
    format!(
        "data: {head}\n\ndata: {}\n\ndata: {}\n\n{}{}{DONE}",
        part(a),
        part(b),
        finish("tool_calls"),
        usage(50, 10)
    )
}

const ARGS: &str = r#"{"query": "how long does shipping take?"}"#;

/// Opens upstream 0, feeds `stream` split at `cut`, ends the body, and returns the runs the
/// machine asks for with the `tool` events it sends.
fn round(
    answer: &mut Answer,
    now: u64,
    stream: &str,
    cut: usize,
) -> (Vec<ToolRun>, Vec<StreamEvent>) {
    open(answer, now, 0, SSE);
    let bytes = stream.as_bytes();
    let sent = feed(answer, now, &[&bytes[..cut], &bytes[cut..]]);
    assert_eq!(sent, "", "no text reaches the shopper from a tool round");
    loop {
        match answer.next(now) {
            Next::Abort | Next::Read { .. } => {
                let _ = answer.body_ended(now);
            }
            Next::RunTools => break,
            other => panic!("expected to run tools, got {other:?}"),
        }
    }
    answer.take_tool_calls()
}

#[test]
fn a_tool_round_runs_the_call_then_asks_the_same_upstream_with_its_result() {
    let mut answer = Answer::new(plan(2), T0);
    let stream = tool_call_chunks("search_knowledge", ARGS);
    let (runs, started) = round(&mut answer, T0, &stream, stream.len());
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].tool, ToolName::SearchKnowledge);
    assert_eq!(runs[0].arguments["query"], "how long does shipping take?");
    assert_eq!(
        started,
        vec![StreamEvent::Tool {
            name: "search_knowledge".into(),
            status: ToolStatus::Started
        }]
    );
    let result = ToolOutcome::Done(serde_json::json!({"results": [{"title": "Shipping"}]}));
    let finished = answer.tool_results(vec![(runs[0].call.id.clone(), result)], T0 + 5);
    assert_eq!(
        finished,
        vec![StreamEvent::Tool {
            name: "search_knowledge".into(),
            status: ToolStatus::Finished
        }]
    );
    match answer.next(T0 + 5) {
        Next::Open {
            upstream: 0,
            attempt: 0,
            with_tools: true,
            ..
        } => {}
        other => panic!("expected the same upstream again, got {other:?}"),
    }
    let exchange = &answer.exchanges()[0];
    assert_eq!(exchange.calls[0].arguments, ARGS);
    assert_eq!(exchange.results[0].0, "call_7");
    assert!(exchange.results[0].1.contains("Shipping"));
    answer.opened(T0 + 6, SSE);
    let text = feed(&mut answer, T0 + 7, &[normal_stream().as_bytes()]);
    assert_eq!(text, NORMAL_TEXT);
    while answer.next(T0 + 7) != Next::Finish {}
    let done = answer.finish(1);
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    assert_eq!(done.upstream, Some(0));
    assert_eq!(
        done.outcome.usage.prompt_tokens,
        120 + 50,
        "both rounds' usage is counted"
    );
    assert_eq!(done.outcome.usage.completion_tokens, 9 + 10);
}

#[test]
fn split_tool_call_deltas_at_every_byte_give_the_same_run() {
    let stream = tool_call_chunks("search_knowledge", ARGS);
    let whole = round(&mut Answer::new(plan(1), T0), T0, &stream, stream.len()).0;
    for cut in 0..=stream.len() {
        let runs = round(&mut Answer::new(plan(1), T0), T0, &stream, cut).0;
        assert_eq!(runs, whole, "split at byte {cut}");
    }
}

#[test]
fn an_unknown_tool_is_answered_with_an_error_and_never_run() {
    let mut answer = Answer::new(plan(1), T0);
    let stream = tool_call_chunks("refund_everything", "{}");
    let (runs, started) = round(&mut answer, T0, &stream, 0);
    assert!(runs.is_empty() && started.is_empty());
    assert!(answer.tool_results(Vec::new(), T0 + 1).is_empty());
    let result = &answer.exchanges()[0].results[0];
    assert_eq!(result.0, "call_7");
    assert!(result.1.contains("unknown tool"), "{}", result.1);
    assert!(matches!(
        answer.next(T0 + 1),
        Next::Open { upstream: 0, .. }
    ));
}

#[test]
fn a_tool_that_does_not_answer_in_time_is_timed_out_for_the_model() {
    let mut answer = Answer::new(plan(1), T0);
    let stream = tool_call_chunks("search_knowledge", ARGS);
    let (runs, _) = round(&mut answer, T0, &stream, 3);
    assert_eq!(runs.len(), 1);
    let events = answer.tool_results(Vec::new(), T0 + 5_000);
    assert_eq!(
        events,
        vec![StreamEvent::Tool {
            name: "search_knowledge".into(),
            status: ToolStatus::Failed
        }]
    );
    assert!(answer.exchanges()[0].results[0].1.contains("too long"));
}

#[test]
fn the_round_cap_makes_the_last_round_answer_without_tools() {
    let mut answer = Answer::new(plan(1), T0);
    let stream = tool_call_chunks("search_knowledge", ARGS);
    for r in 0..MAX_TOOL_ROUNDS {
        let (runs, _) = round(&mut answer, T0, &stream, 10 + r as usize);
        let id = runs[0].call.id.clone();
        answer.tool_results(vec![(id, ToolOutcome::Done(serde_json::json!({})))], T0);
    }
    assert_eq!(answer.tool_rounds(), MAX_TOOL_ROUNDS);
    match answer.next(T0) {
        Next::Open {
            with_tools: false, ..
        } => answer.opened(T0, SSE),
        other => panic!("expected a round without tools, got {other:?}"),
    }
    // A model that still only calls a tool gave no answer: the next upstream (here: the
    // built-in responder) answers instead of another round.
    let calls_again = tool_call_chunks("search_knowledge", ARGS);
    assert_eq!(feed(&mut answer, T0, &[calls_again.as_bytes()]), "");
    loop {
        match answer.next(T0) {
            Next::Abort => {}
            Next::BuiltIn { .. } => break,
            other => panic!("expected the built-in responder, got {other:?}"),
        }
    }
    assert_eq!(answer.tool_rounds(), MAX_TOOL_ROUNDS, "no further round");
}

#[test]
fn an_upstream_that_refuses_tools_is_asked_again_at_once_without_them() {
    let mut answer = Answer::new(plan(2), T0);
    assert!(matches!(
        answer.next(T0),
        Next::Open {
            upstream: 0,
            with_tools: true,
            ..
        }
    ));
    answer.open_failed(AttemptFailure::RejectsTools, T0);
    match answer.next(T0) {
        Next::Open {
            upstream: 0,
            attempt: 0,
            delay_ms: 0,
            with_tools: false,
            ..
        } => {}
        other => panic!("expected upstream 0 again in prompt-only mode, got {other:?}"),
    }
    // Refusing again (it should not) is an ordinary failure: no loop.
    answer.open_failed(AttemptFailure::RejectsTools, T0);
    assert!(matches!(
        answer.next(T0),
        Next::Open {
            upstream: 1,
            with_tools: true,
            ..
        }
    ));
}

#[test]
fn a_round_after_tools_that_fails_before_content_is_retried() {
    let mut answer = Answer::new(plan(1), T0);
    let stream = tool_call_chunks("search_knowledge", ARGS);
    let (runs, _) = round(&mut answer, T0, &stream, 5);
    answer.tool_results(
        vec![(
            runs[0].call.id.clone(),
            ToolOutcome::Done(serde_json::json!({})),
        )],
        T0,
    );
    open(&mut answer, T0, 0, SSE);
    answer.body_failed(T0 + 1);
    loop {
        match answer.next(T0 + 1) {
            Next::Abort => {}
            Next::Open {
                upstream: 0,
                attempt: 1,
                ..
            } => break,
            other => panic!("expected a retry of the second round, got {other:?}"),
        }
    }
    assert_eq!(
        answer.exchanges().len(),
        1,
        "the tool results are kept for the retry"
    );
}
