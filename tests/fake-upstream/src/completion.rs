//! The deterministic answer and its OpenAI wire framing (`chat.completion.chunk` events,
//! `data: [DONE]`, and the non-streaming `chat.completion` object).

use serde_json::{json, Value};

/// What the fake needs from a `/v1/chat/completions` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompletionRequest {
    /// The `model` field (may select a scenario).
    pub(crate) model: String,
    /// `stream: true`.
    pub(crate) stream: bool,
    /// `stream_options.include_usage: true`.
    pub(crate) include_usage: bool,
    /// Text of the last message with role `user` (string content or the text parts).
    pub(crate) last_user_message: String,
    /// Rough prompt size: whitespace-separated words over all messages.
    pub(crate) prompt_tokens: u64,
    /// The request offers `tools`.
    pub(crate) offers_tools: bool,
    /// Contents of the `tool` messages after the last user message (results of this turn's
    /// tool calls), in order.
    pub(crate) tool_results: Vec<String>,
}

impl CompletionRequest {
    /// Reads the fields from a parsed body; `None` when `messages` is missing.
    pub(crate) fn from_json(body: &Value) -> Option<Self> {
        let messages = body.get("messages")?.as_array()?;
        let text_of = |message: &Value| -> String {
            match message.get("content") {
                Some(Value::String(text)) => text.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|part| part.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            }
        };
        let last_user_message = messages
            .iter()
            .rev()
            .find(|message| message.get("role").and_then(Value::as_str) == Some("user"))
            .map(text_of)
            .unwrap_or_default();
        let prompt_tokens = messages
            .iter()
            .map(|message| text_of(message).split_whitespace().count() as u64)
            .sum();
        let last_user = messages
            .iter()
            .rposition(|message| message.get("role").and_then(Value::as_str) == Some("user"))
            .unwrap_or(0);
        let tool_results = messages[last_user..]
            .iter()
            .filter(|message| message.get("role").and_then(Value::as_str) == Some("tool"))
            .map(text_of)
            .collect();
        let offers_tools = body
            .get("tools")
            .and_then(Value::as_array)
            .is_some_and(|tools| !tools.is_empty());
        Some(Self {
            model: body
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
            include_usage: body
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            last_user_message,
            prompt_tokens,
            offers_tools,
            tool_results,
        })
    }
}

/// The answer for a user message (markers already stripped).
pub(crate) fn answer_text(user_message: &str) -> String {
    format!("Echo: {user_message}. This is the fake AI runtime answering in several small chunks.")
}

/// Splits an answer into word-sized content deltas whose concatenation is the answer.
pub(crate) fn split_words(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        if ch != ' ' && current.ends_with(' ') {
            pieces.push(std::mem::take(&mut current));
        }
        current.push(ch);
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Identity of one response: all its chunks share it.
#[derive(Debug, Clone)]
pub(crate) struct ChunkHeader {
    /// `chatcmpl-fake-<n>`.
    pub(crate) id: String,
    /// The model echoed back.
    pub(crate) model: String,
    /// Unix seconds.
    pub(crate) created: u64,
}

/// The answer of a round that got tool results: names the first result's title, or says the
/// tool failed, so tests see what reached the model.
/// `lookup_order` arguments from a message: the first `#digits` token and the first token
/// with an `@` (what a model reads out of "where is #1001? ada@example.com").
pub(crate) fn order_arguments(question: &str) -> Value {
    let mut arguments = serde_json::Map::new();
    for token in question.split_whitespace() {
        let token = token.trim_end_matches(['.', ',', '?', '!']);
        if token.starts_with('#') && !arguments.contains_key("order_number") {
            arguments.insert("order_number".into(), json!(token));
        }
        if token.contains('@') && !arguments.contains_key("email") {
            arguments.insert("email".into(), json!(token));
        }
    }
    Value::Object(arguments)
}

/// The answer to a `lookup_order` result: the first order's number and status, else the
/// result's message.
pub(crate) fn order_answer(results: &[String]) -> String {
    let first = results
        .first()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
        .unwrap_or(Value::Null);
    match (
        first.pointer("/orders/0/number").and_then(Value::as_str),
        first.pointer("/orders/0/status").and_then(Value::as_str),
    ) {
        (Some(number), Some(status)) => format!("Order {number} is {status}."),
        _ => first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("No order result.")
            .to_owned(),
    }
}

pub(crate) fn answer_from_tool_results(results: &[String]) -> String {
    let first = results
        .first()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
        .unwrap_or(Value::Null);
    if let Some(error) = first.get("error").and_then(Value::as_str) {
        return format!("The tool failed ({error}), so I answer without it.");
    }
    let price = first.pointer("/results/0/price").and_then(Value::as_str);
    match first.pointer("/results/0/title").and_then(Value::as_str) {
        Some(title) if price.is_some() => format!("{title} costs {}.", price.unwrap_or_default()),
        Some(title) => format!("From the shop's help page \"{title}\": here is what it says."),
        None => String::from("The shop's help pages say nothing about that."),
    }
}

impl ChunkHeader {
    /// One fragment of a tool call: the first names the call, the rest carry arguments.
    pub(crate) fn tool_call_chunk(&self, name: Option<&str>, arguments: &str) -> Value {
        let call = match name {
            Some(name) => json!({"index": 0, "id": "call_fake_1", "type": "function",
                                 "function": {"name": name, "arguments": arguments}}),
            None => json!({"index": 0, "function": {"arguments": arguments}}),
        };
        self.chunk(json!([{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": null}]))
    }

    /// The chunk that ends a round with tool calls.
    pub(crate) fn tool_calls_finish_chunk(&self) -> Value {
        self.chunk(json!([{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]))
    }

    fn chunk(&self, choices: Value) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": choices,
        })
    }

    /// The first chunk: the assistant role with empty content.
    pub(crate) fn role_chunk(&self) -> Value {
        self.chunk(json!([{
            "index": 0,
            "delta": {"role": "assistant", "content": ""},
            "finish_reason": null,
        }]))
    }

    /// One piece of the answer.
    pub(crate) fn content_chunk(&self, text: &str) -> Value {
        self.chunk(json!([{"index": 0, "delta": {"content": text}, "finish_reason": null}]))
    }

    /// The empty delta that carries `finish_reason: "stop"`.
    pub(crate) fn finish_chunk(&self) -> Value {
        self.chunk(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
    }

    /// The usage chunk (`choices: []`) sent when the request asked for it.
    pub(crate) fn usage_chunk(&self, usage: Usage) -> Value {
        let mut chunk = self.chunk(json!([]));
        chunk["usage"] = usage.to_json();
        chunk
    }

    /// The whole answer as one non-streaming `chat.completion`.
    pub(crate) fn completion(&self, text: &str, usage: Usage) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }],
            "usage": usage.to_json(),
        })
    }
}

/// Token counts the fake reports (words, not real tokens: deterministic is what matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Words in all request messages.
    pub(crate) prompt_tokens: u64,
    /// Content chunks in the answer.
    pub(crate) completion_tokens: u64,
}

impl Usage {
    fn to_json(self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        })
    }
}

/// Frames one server-sent event: `data: <payload>\n\n`.
pub(crate) fn sse_event(payload: &str) -> Vec<u8> {
    format!("data: {payload}\n\n").into_bytes()
}

/// The terminating event of every complete OpenAI stream.
pub(crate) const DONE_EVENT: &[u8] = b"data: [DONE]\n\n";

/// A `data:` line that is deliberately not JSON (`malformed-chunk`).
pub(crate) const MALFORMED_EVENT: &[u8] = b"data: {\"choices\":[{\"delta\":{\"content\":\n\n";

/// Frames bytes as one HTTP/1.1 chunk (`<hex len>\r\n<bytes>\r\n`).
pub(crate) fn http_chunk(bytes: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

/// The zero-length chunk that ends a chunked body.
pub(crate) const LAST_HTTP_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ChunkHeader {
        ChunkHeader {
            id: "chatcmpl-fake-1".into(),
            model: "fake-normal".into(),
            created: 7,
        }
    }

    #[test]
    fn words_concatenate_back_to_the_answer() {
        let text = answer_text("Where is  my order?");
        let words = split_words(&text);
        assert!(
            words.len() > 5,
            "answer should come in several chunks: {words:?}"
        );
        assert_eq!(words.concat(), text);
        assert_eq!(words[0], "Echo: ");
    }

    #[test]
    fn the_last_user_message_is_found_in_string_and_part_content() {
        let body = json!({
            "model": "fake-normal",
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": "first question"},
                {"role": "assistant", "content": "an answer"},
                {"role": "user", "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "question"}]},
            ],
        });
        let request = CompletionRequest::from_json(&body).unwrap();
        assert_eq!(request.last_user_message, "second question");
        assert!(request.stream);
        assert!(request.include_usage);
        assert_eq!(request.model, "fake-normal");
        assert_eq!(request.prompt_tokens, 3 + 2 + 2 + 2);
    }

    #[test]
    fn a_body_without_messages_is_refused() {
        assert_eq!(CompletionRequest::from_json(&json!({"model": "x"})), None);
    }

    #[test]
    fn chunks_have_openai_shape() {
        let role = header().role_chunk();
        assert_eq!(role["object"], "chat.completion.chunk");
        assert_eq!(role["choices"][0]["delta"]["role"], "assistant");
        let content = header().content_chunk("Hi ");
        assert_eq!(content["choices"][0]["delta"]["content"], "Hi ");
        assert!(content["choices"][0]["finish_reason"].is_null());
        assert_eq!(
            header().finish_chunk()["choices"][0]["finish_reason"],
            "stop"
        );
        let usage = header().usage_chunk(Usage {
            prompt_tokens: 3,
            completion_tokens: 4,
        });
        assert_eq!(usage["choices"], json!([]));
        assert_eq!(usage["usage"]["total_tokens"], 7);
    }

    #[test]
    fn sse_and_http_chunk_framing() {
        assert_eq!(sse_event("{}"), b"data: {}\n\n");
        assert_eq!(http_chunk(b"data: {}\n\n"), b"a\r\ndata: {}\n\n\r\n");
        assert_eq!(http_chunk(&[b'x'; 26])[..4], *b"1a\r\n");
        assert!(serde_json::from_slice::<Value>(&MALFORMED_EVENT[6..]).is_err());
    }

    #[test]
    fn non_streaming_completion_carries_the_whole_text() {
        let body = header().completion(
            "Hello there",
            Usage {
                prompt_tokens: 1,
                completion_tokens: 2,
            },
        );
        assert_eq!(body["object"], "chat.completion");
        assert_eq!(body["choices"][0]["message"]["content"], "Hello there");
        assert_eq!(body["usage"]["completion_tokens"], 2);
    }
}
