//! Tools the assistant can call during a turn (OpenAI `tools`, streamed `tool_calls`).
//!
//! Owns: the registry (each tool's name, JSON schema, status line and what of its result may
//! be stored), assembling streamed tool-call deltas into calls, deciding which calls run
//! (unknown tools and malformed arguments become error results for the model, never a crash),
//! the round and size caps, and the `tool` messages fed back to the model. Executors that need
//! storage or the network live in the gateway shell; `search_knowledge` is pure and lives here.
//!
//! Must not depend on: worker, wasm-bindgen. Time is a parameter.

use crate::retrieval::{Hit, KnowledgeIndex};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Most model → tool → model rounds in one turn; the last round is asked without tools.
pub const MAX_TOOL_ROUNDS: u32 = 3;
/// Most calls the model may make in one round; more are refused as error results.
pub const MAX_CALLS_PER_ROUND: usize = 4;
/// Longest arguments string of one call, in bytes.
pub const MAX_ARGUMENT_BYTES: usize = 4 * 1024;
/// How long one tool may run before its result is "timed out".
pub const TOOL_TIMEOUT_MS: u64 = 5_000;
/// Snippets `search_knowledge` returns.
pub const KNOWLEDGE_RESULTS: usize = 4;

/// The tools this gateway knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ToolName {
    /// Search the shop's help content (knowledge snippets).
    SearchKnowledge,
    /// Search the shop's catalog (full text + filters); results become product cards.
    SearchProducts,
    /// One product of the catalog by id, with all its variants.
    GetProduct,
    /// The status of the shopper's order, from the shop's order API, for the buyer only.
    LookupOrder,
    /// Hand the conversation to a person, with a short summary for staff (issue 14).
    Handoff,
}

impl ToolName {
    /// Every tool, in registry order.
    pub const ALL: [ToolName; 5] = [
        ToolName::SearchKnowledge,
        ToolName::SearchProducts,
        ToolName::GetProduct,
        ToolName::LookupOrder,
        ToolName::Handoff,
    ];

    /// The wire name the model calls.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolName::SearchKnowledge => "search_knowledge",
            ToolName::SearchProducts => "search_products",
            ToolName::GetProduct => "get_product",
            ToolName::LookupOrder => "lookup_order",
            ToolName::Handoff => "handoff",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<ToolName> {
        ToolName::ALL.into_iter().find(|tool| tool.as_str() == name)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The set of tools offered in one turn (what the tenant has configured: a catalog adds the
/// product tools). `Copy`, so a [`crate::answer::Plan`] carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toolset(u32);

impl Toolset {
    /// Only `search_knowledge`: every tenant has it.
    pub const KNOWLEDGE: Toolset = Toolset(1);

    /// A set of these tools.
    pub fn of(tools: &[ToolName]) -> Toolset {
        Toolset(tools.iter().fold(0, |bits, tool| bits | tool.bit()))
    }

    /// This set with `tool` added.
    pub fn with(self, tool: ToolName) -> Toolset {
        Toolset(self.0 | tool.bit())
    }

    /// Whether `tool` is offered.
    pub fn contains(self, tool: ToolName) -> bool {
        self.0 & tool.bit() != 0
    }

    /// The offered tools, in registry order.
    pub fn iter(self) -> impl Iterator<Item = ToolName> {
        ToolName::ALL
            .into_iter()
            .filter(move |tool| self.contains(*tool))
    }
}

impl Default for Toolset {
    fn default() -> Self {
        Toolset::KNOWLEDGE
    }
}

/// What of a tool's result may be stored with the conversation. Privacy rules (redaction,
/// store-nothing) apply on top of this, exactly as to messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// Only that the tool ran, and how it ended.
    NameOnly,
    /// The result as the model saw it.
    Result,
}

/// One tool as offered to the model.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// Which tool.
    pub name: ToolName,
    /// What it does, for the model.
    pub description: &'static str,
    /// Its arguments as a JSON schema.
    pub parameters: Value,
    /// What may be stored.
    pub storage: Storage,
}

/// The tools offered in a turn, in registry order: `search_knowledge` always; the catalog,
/// order and handoff tools when the tenant has configured them (see [`Toolset`]).
pub fn registry(toolset: Toolset) -> Vec<ToolSpec> {
    toolset.iter().map(spec).collect()
}

/// The tools a tenant's configuration offers: `search_knowledge` and `handoff` always;
/// `search_products` and `get_product` when the tenant has a catalog source (`has_catalog`,
/// read with the tenant row).
pub fn offered(_config: &crate::tenant::TenantConfig, has_catalog: bool) -> Toolset {
    let base = Toolset::KNOWLEDGE.with(ToolName::Handoff);
    if has_catalog {
        base.with(ToolName::SearchProducts)
            .with(ToolName::GetProduct)
    } else {
        base
    }
}

/// [`offered`], plus `lookup_order` when the tenant has connected an order source
/// (`has_orders`, read with the tenant row).
pub fn offered_with_orders(
    config: &crate::tenant::TenantConfig,
    has_catalog: bool,
    has_orders: bool,
) -> Toolset {
    let tools = offered(config, has_catalog);
    if has_orders {
        tools.with(ToolName::LookupOrder)
    } else {
        tools
    }
}

/// One tool's description, schema and storage rule.
pub fn spec(name: ToolName) -> ToolSpec {
    match name {
        ToolName::SearchKnowledge => ToolSpec {
            name,
            description: "Search the shop's help content (shipping, returns, payment, sizes, \
                          policies, contact). Call it before answering any question about the \
                          shop.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What to look up, in the shopper's words."}
                },
                "required": ["query"],
                "additionalProperties": false
            }),
            storage: Storage::NameOnly,
        },
        ToolName::SearchProducts => ToolSpec {
            name,
            description: "Search the shop's products. Call it for any question about products, \
                          prices, sizes, colours or stock. The shopper sees the results as cards, \
                          so describe them briefly and never invent a product or a price.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "description": "What the shopper looks for, e.g. \"waterproof jacket\"."},
                    "max_price": {"type": "number", "description": "Highest price, in the shop's currency."},
                    "min_price": {"type": "number", "description": "Lowest price, in the shop's currency."},
                    "in_stock": {"type": "boolean", "description": "Only products in stock."},
                    "category": {"type": "string", "description": "A category or tag."},
                    "options": {
                        "type": "object",
                        "description": "Option values the variant must have, e.g. {\"size\": \"M\", \"colour\": \"blue\"}.",
                        "additionalProperties": {"type": "string"}
                    }
                },
                "required": ["query"],
                "additionalProperties": false
            }),
            storage: Storage::Result,
        },
        ToolName::GetProduct => ToolSpec {
            name,
            description: "One product by its id (from search_products), with every variant, \
                          its price and stock.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "The product id."}
                },
                "required": ["id"],
                "additionalProperties": false
            }),
            storage: Storage::Result,
        },
        ToolName::LookupOrder => ToolSpec {
            name,
            description: "Look up the shopper's order: status, items, parcels with tracking. \
                          A signed-in shopper needs nothing (the number is optional); a guest must \
                          give the order number AND the email used for the order — ask for both \
                          before calling. The shopper sees the result as an order card.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "order_number": {"type": "string", "description": "The order number, e.g. \"#1001\"."},
                    "email": {"type": "string", "description": "The email on the order (guests)."}
                },
                "additionalProperties": false
            }),
            // Order facts are personal data: only that a lookup ran is stored with the turn;
            // the card (a block) follows the tenant's storage rules.
            storage: Storage::NameOnly,
        },
        ToolName::Handoff => ToolSpec {
            name,
            description: "Hand the conversation to a person on the shop's team when the shopper \
                          asks for one, is upset, or needs something you cannot do. Give a short \
                          reason and a 1–3 sentence summary of the conversation for the staff \
                          member. The shopper is told what happens next; do not promise times.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "reason": {"type": "string", "description": "Why a person is needed, a few words."},
                    "summary": {"type": "string", "description": "What the shopper wants and what was tried, for staff."}
                },
                "required": ["reason", "summary"],
                "additionalProperties": false
            }),
            storage: Storage::Result,
        },
    }
}

/// The `tools` array of an OpenAI-compatible request.
pub fn openai_tools(specs: &[ToolSpec]) -> Value {
    Value::Array(
        specs
            .iter()
            .map(|spec| {
                json!({
                    "type": "function",
                    "function": {
                        "name": spec.name.as_str(),
                        "description": spec.description,
                        "parameters": spec.parameters,
                    }
                })
            })
            .collect(),
    )
}

/// One streamed fragment of a tool call (`choices[0].delta.tool_calls[i]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolCallDelta {
    /// Which call of the round this fragment belongs to.
    pub index: u32,
    /// The call id (first fragment).
    pub id: Option<String>,
    /// The function name (first fragment).
    pub name: Option<String>,
    /// A piece of the JSON arguments string.
    pub arguments: Option<String>,
}

/// A complete tool call as the model made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToolCall {
    /// The model's id for the call; the result names it.
    pub id: String,
    /// The function name.
    pub name: String,
    /// The JSON arguments string.
    pub arguments: String,
}

/// Joins streamed tool-call fragments by index, whatever the chunking.
#[derive(Debug, Default, Clone)]
pub struct CallAssembler {
    calls: BTreeMap<u32, ToolCall>,
    oversized: bool,
}

impl CallAssembler {
    /// An assembler with nothing received.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one fragment. Ids and names arrive once (a repeated one replaces, as some
    /// runtimes resend them); arguments are appended. Indices beyond the round's cap and
    /// arguments beyond the size cap are dropped and remembered, so the round still ends
    /// with error results rather than a half-parsed call.
    pub fn push(&mut self, delta: ToolCallDelta) {
        if delta.index as usize >= MAX_CALLS_PER_ROUND * 4 {
            self.oversized = true;
            return;
        }
        let call = self.calls.entry(delta.index).or_insert_with(|| ToolCall {
            id: String::new(),
            name: String::new(),
            arguments: String::new(),
        });
        if let Some(id) = delta.id.filter(|id| !id.is_empty()) {
            call.id = id;
        }
        if let Some(name) = delta.name.filter(|n| !n.is_empty()) {
            call.name.push_str(&name);
        }
        if let Some(arguments) = delta.arguments {
            if call.arguments.len() + arguments.len() > MAX_ARGUMENT_BYTES {
                self.oversized = true;
            } else {
                call.arguments.push_str(&arguments);
            }
        }
    }

    /// Whether any fragment arrived.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Whether a cap was hit.
    pub fn oversized(&self) -> bool {
        self.oversized
    }

    /// The calls in index order; a call without an id gets one from its index.
    pub fn finish(self) -> Vec<ToolCall> {
        self.calls
            .into_iter()
            .map(|(index, mut call)| {
                if call.id.is_empty() {
                    call.id = format!("call_{index}");
                }
                call
            })
            .collect()
    }
}

/// What to do with one call.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// Run this tool with these (parsed) arguments.
    Run {
        /// The call.
        call: ToolCall,
        /// The tool.
        tool: ToolName,
        /// Its arguments, a JSON object.
        arguments: Value,
    },
    /// Answer the call with this error instead of running anything.
    Refuse {
        /// The call.
        call: ToolCall,
        /// Why, for the model.
        reason: String,
    },
}

/// Decides each call of a round: unknown or unoffered tools, arguments that are not a JSON
/// object, calls past the round's cap and rounds past [`MAX_TOOL_ROUNDS`] are refused with a
/// reason the model can act on.
pub fn plan_round(calls: Vec<ToolCall>, offered: &[ToolSpec], round: u32) -> Vec<Invocation> {
    calls
        .into_iter()
        .enumerate()
        .map(|(i, call)| {
            let offered_tool = ToolName::parse(&call.name)
                .filter(|name| offered.iter().any(|spec| spec.name == *name));
            let reason = if round >= MAX_TOOL_ROUNDS {
                Some(String::from(
                    "tool round limit reached; answer with what you have",
                ))
            } else if i >= MAX_CALLS_PER_ROUND {
                Some(format!(
                    "at most {MAX_CALLS_PER_ROUND} tool calls per round"
                ))
            } else if offered_tool.is_none() {
                Some(format!("unknown tool `{}`", truncate(&call.name, 64)))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Invocation::Refuse { call, reason };
            }
            let parsed = if call.arguments.trim().is_empty() {
                Ok(Value::Object(Default::default()))
            } else {
                serde_json::from_str::<Value>(&call.arguments)
            };
            match (parsed, offered_tool) {
                (Ok(arguments @ Value::Object(_)), Some(tool)) => Invocation::Run {
                    call,
                    tool,
                    arguments,
                },
                _ => Invocation::Refuse {
                    call,
                    reason: String::from("the arguments are not a JSON object"),
                },
            }
        })
        .collect()
}

/// How a tool run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// The result, a JSON value for the model.
    Done(Value),
    /// The tool failed; the reason is for the model (never internal details).
    Failed(String),
    /// The tool did not answer within [`TOOL_TIMEOUT_MS`].
    TimedOut,
}

impl ToolOutcome {
    /// The `content` of the `tool` message fed back to the model.
    pub fn content(&self) -> String {
        match self {
            ToolOutcome::Done(value) => value.to_string(),
            ToolOutcome::Failed(reason) => json!({ "error": reason }).to_string(),
            ToolOutcome::TimedOut => {
                json!({ "error": "the tool took too long; answer without it" }).to_string()
            }
        }
    }

    /// Whether the tool produced a result.
    pub fn succeeded(&self) -> bool {
        matches!(self, ToolOutcome::Done(_))
    }
}

/// Runs `search_knowledge`: the best snippets for `query`, with their ids, titles and text.
pub fn search_knowledge(index: &KnowledgeIndex, arguments: &Value) -> ToolOutcome {
    let Some(query) = arguments.get("query").and_then(Value::as_str) else {
        return ToolOutcome::Failed(String::from("`query` (a string) is required"));
    };
    let query = truncate(query.trim(), 500);
    if query.is_empty() {
        return ToolOutcome::Failed(String::from("`query` is empty"));
    }
    let results: Vec<Value> = knowledge_hits(index, query, KNOWLEDGE_RESULTS)
        .into_iter()
        .map(|hit| {
            let mut result = json!({
                "id": hit.snippet.id,
                "title": hit.snippet.title,
                "text": hit.snippet.text,
            });
            // Crawled snippets name their page, so the model can cite it.
            if let Some(url) = &hit.snippet.url {
                result["url"] = json!(url);
            }
            result
        })
        .collect();
    ToolOutcome::Done(json!({ "query": query, "results": results }))
}

/// The snippets relevant to `query`, best first: what `search_knowledge` gives the model and
/// what the built-in responder answers from (one retrieval for both).
pub fn knowledge_hits<'a>(index: &'a KnowledgeIndex, query: &str, limit: usize) -> Vec<Hit<'a>> {
    index
        .search(query, limit)
        .into_iter()
        .filter(|hit| hit.score >= crate::responder::MIN_SCORE)
        .collect()
}

fn truncate(s: &str, max_bytes: usize) -> &str {
    if s.len() <= max_bytes {
        return s;
    }
    let mut end = max_bytes;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
