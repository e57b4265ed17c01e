//! Which behaviour a request asks for, and how the choice is read from the request.
//!
//! A test picks a scenario per request, either with a marker in the last user message
//! (`[[scenario:NAME]]` or `[[scenario:NAME=ARG]]`, which wins) or with the request's `model`
//! field (`fake-NAME`). Anything else is `normal`, so a gateway pointed at the fake with a real
//! model name still gets answers.

use std::fmt;

/// One scripted behaviour of the fake AI runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// The answer streams in word by word, `--chunk-delay-ms` apart.
    Normal,
    /// Like `Normal`, but the first content chunk waits this many milliseconds.
    SlowFirstToken {
        /// Delay before the first content chunk.
        delay_ms: u64,
    },
    /// Every odd-numbered request of this scenario in the process gets a 500, every even one
    /// the normal answer, so "first try fails, retry succeeds" is reproducible.
    Status500ThenOk,
    /// `429 Too Many Requests` with `Retry-After: 1`.
    Status429,
    /// The stream stops after half of the content chunks and the connection is closed without
    /// the final chunk, the finish reason or `[DONE]`.
    CutMidStream,
    /// One `data:` line in the middle of the stream is not JSON; the rest is normal.
    MalformedChunk,
    /// No usage chunk, even when `stream_options.include_usage` asks for one.
    NoUsage,
    /// After half of the content, only SSE comments (`: ping`) every 200 ms for two minutes:
    /// bytes keep flowing but no content does, so only a content-idle timeout ends it.
    EndlessDrip,
    /// A very long answer (the echo repeated to about 2,000 words, 1 ms apart).
    LongAnswer,
    /// A normal stream through `[DONE]`, then the connection stays open and more content
    /// chunks (` (after [DONE])`) keep coming, `--chunk-delay-ms` apart, for two minutes.
    DoneThenMore,
    /// Content chunks (the answer's words, over and over) `--chunk-delay-ms` apart, never a
    /// finish reason or `[DONE]`, for about two minutes.
    EndlessContent,
    /// `200` and an event-stream head, the role chunk, then the connection is closed before
    /// any content.
    CutBeforeContent,
    /// `200` with an `application/json` body holding an OpenAI-shaped error object.
    JsonError200,
    /// `200` with a `text/html` page (a captive portal or a misrouted proxy).
    Html200,
    /// With `tools` offered and no tool result yet: calls `search_knowledge` with the user's
    /// message (arguments streamed in three pieces), finish reason `tool_calls`. With tool
    /// results: answers naming the first result's title. Without tools: the normal answer.
    ToolCall,
    /// Like `ToolCall`, but calls a tool the gateway does not have (`cancel_all_orders`).
    UnknownToolCall,
    /// Calls `search_knowledge` in every round it is offered tools (the round cap must stop it).
    ToolCallForever,
    /// `400` saying tools are not supported whenever `tools` is offered; otherwise normal.
    RejectsTools,
    /// Like `ToolCall`, but calls `search_products` with `{"query": <the user's message>}`;
    /// with its result, answers "<first title> costs <its price>." (the catalog issue).
    ProductSearch,
    /// Like `ToolCall`, but calls `handoff` (`reason` "asked for a person", `summary` the
    /// user's message): the model hands the conversation to a person.
    HandoffCall,
    /// Like `ToolCall`, but calls `lookup_order` with the message's `#number` and email (each
    /// only when present); with its result, answers from the result's first order (`Order
    /// #N is STATUS.`) or its `message` (issue 13).
    OrderLookup,
}

/// Default delay of `slow-first-token` when the marker gives none.
pub(crate) const DEFAULT_SLOW_FIRST_TOKEN_MS: u64 = 2_000;

/// A scenario name the fake does not know (a typo in a test should fail loudly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownScenario(pub(crate) String);

impl fmt::Display for UnknownScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown scenario `{}` (known: normal, slow-first-token[=MS], status-500-then-ok, \
             status-429, cut-mid-stream, malformed-chunk, no-usage, endless-drip, long-answer, \
             done-then-more, endless-content, cut-before-content, json-error-200, html-200, \
             tool-call, unknown-tool-call, tool-call-forever, rejects-tools, product-search, \
             handoff-call, order-lookup)",
            self.0
        )
    }
}

impl Scenario {
    /// Parses a scenario name with an optional `=ARG` (only `slow-first-token` takes one).
    pub(crate) fn from_name(spec: &str) -> Result<Self, UnknownScenario> {
        let (name, arg) = match spec.split_once('=') {
            Some((name, arg)) => (name.trim(), Some(arg.trim())),
            None => (spec.trim(), None),
        };
        let unknown = || UnknownScenario(spec.to_owned());
        let scenario = match name {
            "normal" => Self::Normal,
            "slow-first-token" => Self::SlowFirstToken {
                delay_ms: match arg {
                    Some(ms) => ms.parse().map_err(|_| unknown())?,
                    None => DEFAULT_SLOW_FIRST_TOKEN_MS,
                },
            },
            "status-500-then-ok" => Self::Status500ThenOk,
            "status-429" => Self::Status429,
            "cut-mid-stream" => Self::CutMidStream,
            "malformed-chunk" => Self::MalformedChunk,
            "no-usage" => Self::NoUsage,
            "endless-drip" => Self::EndlessDrip,
            "long-answer" => Self::LongAnswer,
            "done-then-more" => Self::DoneThenMore,
            "endless-content" => Self::EndlessContent,
            "cut-before-content" => Self::CutBeforeContent,
            "json-error-200" => Self::JsonError200,
            "html-200" => Self::Html200,
            "tool-call" => Self::ToolCall,
            "unknown-tool-call" => Self::UnknownToolCall,
            "tool-call-forever" => Self::ToolCallForever,
            "rejects-tools" => Self::RejectsTools,
            "product-search" => Self::ProductSearch,
            "handoff-call" => Self::HandoffCall,
            "order-lookup" => Self::OrderLookup,
            _ => return Err(unknown()),
        };
        if arg.is_some() && !matches!(scenario, Self::SlowFirstToken { .. }) {
            return Err(unknown());
        }
        Ok(scenario)
    }

    /// Picks the scenario for a request: the message marker first, then `model`, else normal.
    pub(crate) fn select(last_user_message: &str, model: &str) -> Result<Self, UnknownScenario> {
        if let Some(spec) = marker(last_user_message) {
            return Self::from_name(spec);
        }
        match model.strip_prefix("fake-") {
            Some(spec) => Self::from_name(spec),
            None => Ok(Self::Normal),
        }
    }
}

const MARKER_OPEN: &str = "[[scenario:";
const MARKER_CLOSE: &str = "]]";

/// The `NAME[=ARG]` inside the first `[[scenario:…]]` marker of a message.
fn marker(message: &str) -> Option<&str> {
    let start = message.find(MARKER_OPEN)? + MARKER_OPEN.len();
    let len = message[start..].find(MARKER_CLOSE)?;
    Some(&message[start..start + len])
}

/// The message with every scenario marker removed, so the echo reads naturally.
pub(crate) fn strip_markers(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find(MARKER_OPEN) {
        match rest[start..].find(MARKER_CLOSE) {
            Some(len) => {
                out.push_str(&rest[..start]);
                rest = &rest[start + len + MARKER_CLOSE.len()..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_marker_and_a_real_model_name_is_normal() {
        assert_eq!(
            Scenario::select("hello", "gpt-4o-mini"),
            Ok(Scenario::Normal)
        );
        assert_eq!(Scenario::select("hello", ""), Ok(Scenario::Normal));
    }

    #[test]
    fn model_field_selects_the_scenario() {
        assert_eq!(Scenario::select("hi", "fake-normal"), Ok(Scenario::Normal));
        assert_eq!(
            Scenario::select("hi", "fake-status-429"),
            Ok(Scenario::Status429)
        );
        assert_eq!(
            Scenario::select("hi", "fake-no-usage"),
            Ok(Scenario::NoUsage)
        );
    }

    #[test]
    fn message_marker_wins_over_the_model_field() {
        assert_eq!(
            Scenario::select("please [[scenario:cut-mid-stream]] now", "fake-normal"),
            Ok(Scenario::CutMidStream)
        );
    }

    #[test]
    fn slow_first_token_takes_an_optional_delay() {
        assert_eq!(
            Scenario::select("[[scenario:slow-first-token=750]]", ""),
            Ok(Scenario::SlowFirstToken { delay_ms: 750 })
        );
        assert_eq!(
            Scenario::from_name("slow-first-token"),
            Ok(Scenario::SlowFirstToken {
                delay_ms: DEFAULT_SLOW_FIRST_TOKEN_MS
            })
        );
    }

    #[test]
    fn every_documented_name_parses() {
        for name in [
            "normal",
            "slow-first-token",
            "status-500-then-ok",
            "status-429",
            "cut-mid-stream",
            "malformed-chunk",
            "no-usage",
            "endless-drip",
            "long-answer",
            "done-then-more",
            "endless-content",
            "cut-before-content",
            "json-error-200",
            "html-200",
            "product-search",
        ] {
            assert!(Scenario::from_name(name).is_ok(), "{name} should parse");
        }
    }

    #[test]
    fn unknown_names_and_stray_arguments_are_refused() {
        assert!(Scenario::select("[[scenario:teapot]]", "").is_err());
        assert!(Scenario::select("", "fake-teapot").is_err());
        assert!(Scenario::from_name("normal=5").is_err());
        assert!(Scenario::from_name("slow-first-token=soon").is_err());
    }

    #[test]
    fn an_unclosed_marker_is_just_text() {
        assert_eq!(
            Scenario::select("[[scenario:status-429", ""),
            Ok(Scenario::Normal)
        );
    }

    #[test]
    fn markers_are_stripped_from_the_echo() {
        assert_eq!(
            strip_markers("[[scenario:no-usage]] Where is my order?"),
            "Where is my order?"
        );
        assert_eq!(strip_markers("a [[scenario:normal]] b"), "a b");
        assert_eq!(strip_markers("plain"), "plain");
    }
}
