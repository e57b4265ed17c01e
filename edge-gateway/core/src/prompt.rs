//! Prompt assembly (SPEC §5): persona + retrieved knowledge + grounding rules + stored history
//! trimmed to a budget + the new message. The client never supplies history.

use crate::retrieval::KnowledgeIndex;
use crate::tenant::TenantConfig;
use serde::Serialize;
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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Builds the messages for the AI runtime.
pub fn build_prompt(
    config: &TenantConfig,
    index: &KnowledgeIndex,
    history: &[HistoryTurn],
    question: &str,
) -> Vec<ChatMessage> {
    let mut system = String::new();
    system.push_str(config.assistant.persona.trim());
    system.push_str(&format!(
        "\n\nYou are answering shoppers of {} in their chat widget. Rules:\n\
         - Answer from the shop information below. If it does not contain the answer, say you \
         are not sure and suggest contacting the shop; never invent prices, policies or stock.\n\
         - Keep answers short (2–5 sentences) and use plain markdown (bold, lists, links).\n\
         - Reply in the shopper's language.\n",
        config.name
    ));
    let hits = index.search(question, SNIPPETS_PER_PROMPT);
    if hits.is_empty() {
        system.push_str("\nShop information: (nothing relevant found for this question)\n");
    } else {
        system.push_str("\nShop information:\n");
        for hit in hits {
            system.push_str(&format!("## {}\n{}\n", hit.snippet.title, hit.snippet.text));
        }
    }
    let mut messages = vec![ChatMessage {
        role: "system",
        content: system,
    }];
    messages.extend(
        trim_history(history, HISTORY_BUDGET_TOKENS)
            .iter()
            .map(|turn| ChatMessage {
                role: match turn.role {
                    MessageRole::User => "user",
                    MessageRole::Assistant => "assistant",
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

/// The JSON body of an OpenAI-compatible streaming chat completion request.
pub fn upstream_body(model: &str, messages: &[ChatMessage], max_tokens: u32) -> String {
    #[derive(Serialize)]
    struct StreamOptions {
        include_usage: bool,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        model: &'a str,
        messages: &'a [ChatMessage],
        stream: bool,
        stream_options: StreamOptions,
        max_tokens: u32,
        temperature: f32,
    }
    let body = Body {
        model,
        messages,
        stream: true,
        stream_options: StreamOptions {
            include_usage: true,
        },
        max_tokens,
        temperature: 0.3,
    };
    serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"))
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
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stream"], true);
        assert_eq!(v["stream_options"]["include_usage"], true);
        assert_eq!(v["messages"][0]["content"], "hi");
    }

    #[test]
    fn token_estimates_round_up() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abc"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
    }
}
