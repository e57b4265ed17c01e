//! Prompt assembly (SPEC §5): persona + retrieved knowledge + grounding rules + stored history
//! trimmed to a budget + the new message. The client never supplies history.

use crate::answer::ToolExchange;
use crate::retrieval::KnowledgeIndex;
use crate::tenant::TenantConfig;
use crate::tools::Toolset;
use serde::Serialize;
use serde_json::{json, Value};
use shopkeep_protocol::MessageRole;

/// How many snippets go into a prompt.
pub const SNIPPETS_PER_PROMPT: usize = 4;
/// Token budget for stored history in a prompt.
pub const HISTORY_BUDGET_TOKENS: u32 = 1500;

/// One message of an OpenAI-compatible chat request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: &'static str,
    /// The content.
    pub content: String,
}

/// One stored turn of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HistoryTurn {
    /// Who wrote it.
    pub role: MessageRole,
    /// What was written.
    pub text: String,
}

/// A rough token estimate (≈ 4 characters a token, at least 1 for non-empty text), used where
/// the upstream reports no usage and for budgeting history.
pub fn estimate_tokens(text: &str) -> u32 {
    let chars = text.chars().count() as u32;
    chars.div_ceil(4)
}

/// How the shop's information reaches the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptMode {
    /// The model looks it up with the `search_knowledge` tool when it needs to.
    Tools,
    /// The runtime does not support tools: the snippets retrieved for the question are put
    /// into the system prompt.
    PromptOnly,
}

/// Builds the messages for the AI runtime.
pub fn build_prompt(
    config: &TenantConfig,
    index: &KnowledgeIndex,
    history: &[HistoryTurn],
    question: &str,
    mode: PromptMode,
) -> Vec<ChatMessage> {
    let mut system = String::new();
    system.push_str(config.assistant.persona.trim());
    let source = match mode {
        PromptMode::Tools => {
            "Look up the shop's information with the search_knowledge tool before answering \
             any question about the shop, and answer from what it returns"
        }
        PromptMode::PromptOnly => "Answer from the shop information below",
    };
    system.push_str(&format!(
        "\n\nYou are answering shoppers of {} in their chat widget. Rules:\n\
         - {source}. If it does not contain the answer, say you are not sure and suggest \
         contacting the shop; never invent prices, policies or stock.\n\
         - Keep answers short (2–5 sentences) and use plain markdown (bold, lists, links).\n\
         - Reply in the shopper's language.\n",
        config.name
    ));
    if mode == PromptMode::PromptOnly {
        let hits = index.search(question, SNIPPETS_PER_PROMPT);
        if hits.is_empty() {
            system.push_str("\nShop information: (nothing relevant found for this question)\n");
        } else {
            system.push_str("\nShop information:\n");
            for hit in hits {
                system.push_str(&format!("## {}\n{}\n", hit.snippet.title, hit.snippet.text));
            }
        }
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: system,
    }];
    messages.extend(
        trim_history(history, HISTORY_BUDGET_TOKENS)
            .iter()
            // Notices are the gateway's own words, never the model's context; a staff
            // member's reply speaks for the shop, as the assistant does.
            .filter(|turn| turn.role != MessageRole::System)
            .map(|turn| ChatMessage {
                role: match turn.role {
                    MessageRole::User => "user",
                    MessageRole::Assistant | MessageRole::Staff | MessageRole::System => {
                        "assistant"
                    }
                },
                content: turn.text.clone(),
            }),
    );
    messages.push(ChatMessage {
        role: "user",
        content: question.to_owned(),
    });
    messages
}

/// The body of one upstream round: the prompt in the mode the round asks for (`tools` offered,
/// or `None`: prompt-only for a runtime that refuses them), the `tools` array, and the tool
/// exchanges so far. Phase 3's early request and every round of the relay are built here, so
/// the early request is exactly the one the relay would have sent.
pub fn round_request(
    config: &TenantConfig,
    index: &KnowledgeIndex,
    history: &[HistoryTurn],
    question: &str,
    model: &str,
    tools: Option<Toolset>,
    exchanges: &[ToolExchange],
) -> String {
    let mode = if tools.is_some() {
        PromptMode::Tools
    } else {
        PromptMode::PromptOnly
    };
    let messages = build_prompt(config, index, history, question, mode);
    let tools = tools.map(|set| crate::tools::openai_tools(&crate::tools::registry(set)));
    upstream_body(
        model,
        &messages,
        config.assistant.max_output_tokens,
        tools.as_ref(),
        exchanges,
    )
}

/// The most recent turns that fit in `budget` tokens, oldest first, never starting with an
/// assistant turn (a reply without its question confuses models).
pub fn trim_history(history: &[HistoryTurn], budget: u32) -> &[HistoryTurn] {
    let mut used = 0u32;
    let mut start = history.len();
    for (i, turn) in history.iter().enumerate().rev() {
        used = used.saturating_add(estimate_tokens(&turn.text) + 4);
        if used > budget {
            break;
        }
        start = i;
    }
    while start < history.len() && history[start].role == MessageRole::Assistant {
        start += 1;
    }
    &history[start..]
}

/// The JSON body of an OpenAI-compatible streaming chat completion request. With `tools`
/// (the registry's `tools` array), the tool exchanges of earlier rounds follow the messages:
/// an assistant message with the round's `tool_calls`, then one `tool` message per call.
pub fn upstream_body(
    model: &str,
    messages: &[ChatMessage],
    max_tokens: u32,
    tools: Option<&Value>,
    exchanges: &[ToolExchange],
) -> String {
    let mut all: Vec<Value> = messages
        .iter()
        .map(|m| json!({"role": m.role, "content": m.content}))
        .collect();
    if tools.is_some() {
        for exchange in exchanges {
            let calls: Vec<Value> = exchange
                .calls
                .iter()
                .map(|c| {
                    json!({"id": c.id, "type": "function",
                           "function": {"name": c.name, "arguments": c.arguments}})
                })
                .collect();
            all.push(json!({"role": "assistant", "content": null, "tool_calls": calls}));
            for (id, content) in &exchange.results {
                all.push(json!({"role": "tool", "tool_call_id": id, "content": content}));
            }
        }
    }
    let mut body = json!({
        "model": model,
        "messages": all,
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_tokens": max_tokens,
        "temperature": 0.3,
    });
    if let (Some(tools), Some(object)) = (tools, body.as_object_mut()) {
        object.insert("tools".into(), tools.clone());
        object.insert("tool_choice".into(), json!("auto"));
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: MessageRole, text: &str) -> HistoryTurn {
        HistoryTurn {
            role,
            text: text.into(),
        }
    }

    #[test]
    fn history_keeps_the_newest_turns_within_budget_starting_with_a_question() {
        let history = vec![
            turn(MessageRole::User, &"a".repeat(400)),
            turn(MessageRole::Assistant, &"b".repeat(400)),
            turn(MessageRole::User, "short question"),
            turn(MessageRole::Assistant, "short answer"),
        ];
        assert_eq!(trim_history(&history, 10_000).len(), 4);
        let kept = trim_history(&history, 120);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].text, "short question");
        // A budget that would start on an assistant turn drops it.
        let kept = trim_history(&history, 4 + 3 + 4 + 4 + 100 + 4);
        assert_eq!(kept.first().map(|t| t.role), Some(MessageRole::User));
    }

    #[test]
    fn the_request_body_streams_and_asks_for_usage() {
        let body = upstream_body(
            "m",
            &[ChatMessage {
                role: "user",
                content: "hi".into(),
            }],
            100,
            None,
            &[],
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stream"], true);
        assert_eq!(v["stream_options"]["include_usage"], true);
        assert_eq!(v["messages"][0]["content"], "hi");
    }

    #[test]
    fn tool_exchanges_follow_the_messages_only_when_tools_are_offered() {
        use crate::tools::{openai_tools, registry, ToolCall};
        let exchange = ToolExchange {
            calls: vec![ToolCall {
                id: "call_1".into(),
                name: "search_knowledge".into(),
                arguments: r#"{"query":"returns"}"#.into(),
            }],
            results: vec![("call_1".into(), r#"{"results":[]}"#.into())],
        };
        let user = [ChatMessage {
            role: "user",
            content: "returns?".into(),
        }];
        let tools = openai_tools(&registry(Toolset::KNOWLEDGE));
        let body: Value = serde_json::from_str(&upstream_body(
            "m",
            &user,
            100,
            Some(&tools),
            std::slice::from_ref(&exchange),
        ))
        .unwrap();
        assert_eq!(body["tools"][0]["function"]["name"], "search_knowledge");
        assert_eq!(body["messages"][1]["role"], "assistant");
        assert_eq!(body["messages"][1]["content"], Value::Null);
        assert_eq!(body["messages"][1]["tool_calls"][0]["id"], "call_1");
        assert_eq!(body["messages"][2]["role"], "tool");
        assert_eq!(body["messages"][2]["tool_call_id"], "call_1");
        let plain: Value =
            serde_json::from_str(&upstream_body("m", &user, 100, None, &[exchange])).unwrap();
        assert!(plain.get("tools").is_none());
        assert_eq!(plain["messages"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn only_prompt_only_mode_puts_the_snippets_into_the_prompt() {
        use crate::retrieval::Snippet;
        let config: TenantConfig = serde_json::from_value(json!({
            "tenant_id": "acme", "name": "Acme", "allowed_origins": ["https://acme.example"]
        }))
        .unwrap();
        let index = KnowledgeIndex::new(vec![Snippet {
            id: "returns".into(),
            title: "Returns".into(),
            text: "Return unworn items within 30 days.".into(),
            url: None,
        }]);
        let q = "can I return my shoes";
        let only = build_prompt(&config, &index, &[], q, PromptMode::PromptOnly);
        assert!(only[0].content.contains("within 30 days"));
        let tools = build_prompt(&config, &index, &[], q, PromptMode::Tools);
        assert!(!tools[0].content.contains("within 30 days"));
        assert!(tools[0].content.contains("search_knowledge"));
    }

    #[test]
    fn a_round_request_offers_tools_and_exchanges_only_in_tools_mode() {
        use crate::retrieval::Snippet;
        use crate::tools::ToolCall;
        let config: TenantConfig = serde_json::from_value(json!({
            "tenant_id": "acme", "name": "Acme", "allowed_origins": ["https://acme.example"]
        }))
        .unwrap();
        let index = KnowledgeIndex::new(vec![Snippet {
            id: "returns".into(),
            title: "Returns".into(),
            text: "Return unworn items within 30 days.".into(),
            url: None,
        }]);
        let exchange = ToolExchange {
            calls: vec![ToolCall {
                id: "call_1".into(),
                name: "search_knowledge".into(),
                arguments: "{}".into(),
            }],
            results: vec![("call_1".into(), "{}".into())],
        };
        let q = "can I return my shoes";
        let exchanges = std::slice::from_ref(&exchange);
        let tools: Value = serde_json::from_str(&round_request(
            &config,
            &index,
            &[],
            q,
            "m",
            Some(Toolset::KNOWLEDGE),
            exchanges,
        ))
        .unwrap();
        assert_eq!(tools["tools"][0]["function"]["name"], "search_knowledge");
        assert_eq!(tools["messages"].as_array().map(Vec::len), Some(4));
        assert_eq!(tools["max_tokens"], config.assistant.max_output_tokens);
        let only: Value = serde_json::from_str(&round_request(
            &config,
            &index,
            &[],
            q,
            "m",
            None,
            exchanges,
        ))
        .unwrap();
        assert!(only.get("tools").is_none());
        assert_eq!(only["messages"].as_array().map(Vec::len), Some(2));
        assert!(only["messages"][0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("within 30 days")));
    }

    #[test]
    fn token_estimates_round_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abc"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
