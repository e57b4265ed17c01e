//! Tool rounds: streamed tool-call fragments assemble into the same calls whatever the
//! chunking; unknown tools, malformed arguments and calls past the caps become error results
//! for the model, never a crash; `search_knowledge` answers from the tenant's snippets.

use proptest::prelude::*;
use serde_json::json;
use shopkeep_gateway_core::retrieval::{KnowledgeIndex, Snippet};
use shopkeep_gateway_core::tools::{
    openai_tools, plan_round, registry, search_knowledge, CallAssembler, Invocation, ToolCall,
    ToolCallDelta, ToolName, ToolOutcome, Toolset, MAX_CALLS_PER_ROUND, MAX_TOOL_ROUNDS,
};

fn call(name: &str, arguments: &str) -> ToolCall {
    ToolCall {
        id: "call_1".into(),
        name: name.into(),
        arguments: arguments.into(),
    }
}

fn index() -> KnowledgeIndex {
    KnowledgeIndex::new(vec![
        Snippet {
            id: "shipping".into(),
            title: "Shipping".into(),
            text: "Orders ship within 2 business days. Delivery takes 3-5 days.".into(),
            url: None,
        },
        Snippet {
            id: "returns".into(),
            title: "Returns".into(),
            text: "You can return unworn items within 30 days for a full refund.".into(),
            url: None,
        },
    ])
}

/// Feeds `arguments` of two interleaved calls split at `cut`.
fn assemble(arguments: [&str; 2], cut: usize) -> Vec<ToolCall> {
    let mut assembler = CallAssembler::new();
    for (index, args) in arguments.iter().enumerate() {
        let cut = cut.min(args.len());
        let cut = (0..=cut)
            .rev()
            .find(|c| args.is_char_boundary(*c))
            .unwrap_or(0);
        assembler.push(ToolCallDelta {
            index: index as u32,
            id: Some(format!("call_{index}x")),
            name: Some("search_knowledge".into()),
            arguments: Some(args[..cut].into()),
        });
    }
    for (index, args) in arguments.iter().enumerate() {
        let cut = cut.min(args.len());
        let cut = (0..=cut)
            .rev()
            .find(|c| args.is_char_boundary(*c))
            .unwrap_or(0);
        assembler.push(ToolCallDelta {
            index: index as u32,
            id: None,
            name: None,
            arguments: Some(args[cut..].into()),
        });
    }
    assembler.finish()
}

#[test]
fn split_tool_call_deltas_at_every_byte_assemble_the_same_calls() {
    let args = [
        r#"{"query": "how long does shipping take?"}"#,
        r#"{"query": "retour €"}"#,
    ];
    let whole = assemble(args, usize::MAX);
    assert_eq!(whole[0].arguments, args[0]);
    assert_eq!(whole[1].id, "call_1x");
    for cut in 0..=args[0].len() {
        assert_eq!(assemble(args, cut), whole, "cut at {cut}");
    }
}

proptest! {
    #[test]
    fn any_chunking_of_arguments_gives_the_same_call(text in "\\PC{0,80}", cuts in proptest::collection::vec(0usize..100, 0..6)) {
        let arguments = json!({"query": text}).to_string();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(arguments.len())).filter(|c| arguments.is_char_boundary(*c)).collect();
        cuts.sort_unstable();
        let mut assembler = CallAssembler::new();
        assembler.push(ToolCallDelta { index: 0, id: Some("c".into()), name: Some("search_knowledge".into()), arguments: None });
        let mut start = 0;
        for cut in cuts.into_iter().chain([arguments.len()]) {
            assembler.push(ToolCallDelta { index: 0, arguments: Some(arguments[start..cut].into()), ..Default::default() });
            start = cut;
        }
        let calls = assembler.finish();
        prop_assert_eq!(calls.len(), 1);
        prop_assert_eq!(&calls[0].arguments, &arguments);
    }
}

#[test]
fn unknown_tool_is_refused_with_a_reason_for_the_model() {
    let plan = plan_round(
        vec![call("delete_all_orders", "{}")],
        &registry(Toolset::KNOWLEDGE),
        0,
    );
    let Invocation::Refuse { reason, .. } = &plan[0] else {
        panic!("ran an unknown tool: {plan:?}")
    };
    assert!(reason.contains("unknown tool"), "{reason}");
}

#[test]
fn malformed_arguments_are_refused_not_a_crash() {
    for args in ["{\"query\": ", "[1,2]", "\"text\"", "null"] {
        let plan = plan_round(
            vec![call("search_knowledge", args)],
            &registry(Toolset::KNOWLEDGE),
            0,
        );
        assert!(
            matches!(plan[0], Invocation::Refuse { .. }),
            "{args}: {plan:?}"
        );
    }
    let plan = plan_round(
        vec![call("search_knowledge", r#"{"query":"returns"}"#)],
        &registry(Toolset::KNOWLEDGE),
        0,
    );
    assert!(matches!(
        &plan[0],
        Invocation::Run {
            tool: ToolName::SearchKnowledge,
            ..
        }
    ));
}

#[test]
fn round_cap_refuses_every_call_of_a_round_past_the_limit() {
    let calls = vec![call("search_knowledge", r#"{"query":"x"}"#)];
    assert!(matches!(
        plan_round(
            calls.clone(),
            &registry(Toolset::KNOWLEDGE),
            MAX_TOOL_ROUNDS - 1
        )[0],
        Invocation::Run { .. }
    ));
    let plan = plan_round(calls, &registry(Toolset::KNOWLEDGE), MAX_TOOL_ROUNDS);
    assert!(matches!(&plan[0], Invocation::Refuse { reason, .. } if reason.contains("limit")));
}

#[test]
fn calls_past_the_per_round_cap_are_refused() {
    let calls = (0..MAX_CALLS_PER_ROUND + 2)
        .map(|_| call("search_knowledge", r#"{"query":"x"}"#))
        .collect();
    let plan = plan_round(calls, &registry(Toolset::KNOWLEDGE), 0);
    let refused = plan
        .iter()
        .filter(|i| matches!(i, Invocation::Refuse { .. }))
        .count();
    assert_eq!(refused, 2);
}

#[test]
fn oversized_arguments_are_dropped_and_flagged() {
    let mut assembler = CallAssembler::new();
    for _ in 0..100 {
        assembler.push(ToolCallDelta {
            index: 0,
            arguments: Some("x".repeat(100)),
            ..Default::default()
        });
    }
    assert!(assembler.oversized());
    assert!(
        assembler.finish()[0].arguments.len() <= shopkeep_gateway_core::tools::MAX_ARGUMENT_BYTES
    );
}

#[test]
fn search_knowledge_returns_the_relevant_snippets() {
    let ToolOutcome::Done(result) =
        search_knowledge(&index(), &json!({"query": "how long does shipping take"}))
    else {
        panic!()
    };
    assert_eq!(result["results"][0]["id"], "shipping");
    let ToolOutcome::Done(none) = search_knowledge(&index(), &json!({"query": "gift wrapping"}))
    else {
        panic!()
    };
    assert_eq!(none["results"].as_array().map(Vec::len), Some(0));
    assert!(matches!(
        search_knowledge(&index(), &json!({})),
        ToolOutcome::Failed(_)
    ));
}

#[test]
fn tool_results_reach_the_model_as_json_and_errors_never_crash() {
    assert!(ToolOutcome::TimedOut.content().contains("error"));
    assert_eq!(
        ToolOutcome::Failed("nope".into()).content(),
        r#"{"error":"nope"}"#
    );
    let tools = openai_tools(&registry(Toolset::KNOWLEDGE));
    assert_eq!(tools[0]["type"], "function");
    assert_eq!(tools[0]["function"]["name"], "search_knowledge");
    assert_eq!(tools[0]["function"]["parameters"]["required"][0], "query");
}
