//! Talking to the AI runtime: which upstreams are configured, and one attempt at opening a
//! streamed completion. Which attempt comes when (retries, fallback) is the core's answer
//! machine (`shopkeep_gateway_core::answer`).

use crate::env::var;
use futures::future::{select, Either};
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_gateway_core::upstream_policy::{
    parse_retry_after, rejects_tools, AttemptFailure, FIRST_BYTE_TIMEOUT_MS, IDLE_TIMEOUT_MS,
    MAX_ANSWER_MS,
};
use std::time::Duration;
use worker::{
    AbortController, ByteStream, Delay, Env, Fetch, Headers, Method, Request, RequestInit,
};

/// One OpenAI-compatible endpoint.
pub(crate) struct Target {
    /// `primary` or `fallback`, for telemetry.
    pub(crate) name: &'static str,
    base_url: String,
    pub(crate) model: String,
    api_key: Option<String>,
}

/// Time-to-first-token, idle-between-chunks and whole-answer limits. Defaults from the core
/// policy; `AI_FIRST_BYTE_TIMEOUT_MS` / `AI_IDLE_TIMEOUT_MS` / `AI_MAX_ANSWER_MS` vars override
/// them (tests shorten them).
pub(crate) struct Timeouts {
    pub(crate) first_byte_ms: u64,
    pub(crate) idle_ms: u64,
    pub(crate) max_answer_ms: u64,
}

impl Timeouts {
    pub(crate) fn from_env(env: &Env) -> Self {
        let read = |name: &str, default: u32, most: u64| {
            var(env, name)
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| (100..=most).contains(v))
                .unwrap_or(default.into())
        };
        Timeouts {
            first_byte_ms: read("AI_FIRST_BYTE_TIMEOUT_MS", FIRST_BYTE_TIMEOUT_MS, 600_000),
            idle_ms: read("AI_IDLE_TIMEOUT_MS", IDLE_TIMEOUT_MS, 600_000),
            max_answer_ms: read("AI_MAX_ANSWER_MS", MAX_ANSWER_MS, 1_800_000),
        }
    }
}

/// An upstream that answered 2xx: its body stream, its `Content-Type`, and the controller
/// that aborts it.
pub(crate) struct Opened {
    pub(crate) content_type: Option<String>,
    pub(crate) body: ByteStream,
    pub(crate) abort: AbortController,
}

/// The configured upstreams, primary first. Empty when no AI runtime is configured: the
/// built-in responder answers.
pub(crate) fn targets(env: &Env, tenant: &TenantConfig) -> Vec<Target> {
    configured(env)
        .iter()
        .map(|c| Target {
            name: c.name,
            base_url: c.base_url.clone(),
            model: match (c.name, &tenant.assistant.model) {
                ("primary", Some(m)) => m.clone(),
                _ => c.default_model.clone(),
            },
            api_key: c.api_key.clone(),
        })
        .collect()
}

/// An upstream as the deployment's vars and secrets configure it.
struct Configured {
    name: &'static str,
    base_url: String,
    default_model: String,
    api_key: Option<String>,
}

thread_local! {
    /// Vars and secrets are fixed for an isolate's deployment: read them once.
    static CONFIGURED: std::cell::OnceCell<std::rc::Rc<Vec<Configured>>> =
        const { std::cell::OnceCell::new() };
}

fn configured(env: &Env) -> std::rc::Rc<Vec<Configured>> {
    CONFIGURED.with(|cell| {
        cell.get_or_init(|| {
            let mut out = Vec::new();
            for (name, prefix) in [("primary", "AI"), ("fallback", "AI_FALLBACK")] {
                let base_url = var(env, &format!("{prefix}_BASE_URL"));
                if base_url.trim().is_empty() {
                    continue;
                }
                let api_key = env
                    .secret(&format!("{prefix}_API_KEY"))
                    .map(|s| s.to_string())
                    .ok()
                    .filter(|k| !k.is_empty());
                out.push(Configured {
                    name,
                    base_url: base_url.trim_end_matches('/').to_owned(),
                    default_model: var(env, &format!("{prefix}_MODEL")),
                    api_key,
                });
            }
            std::rc::Rc::new(out)
        })
        .clone()
    })
}

fn request(target: &Target, body: &str) -> worker::Result<Request> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Accept", "text/event-stream")?;
    if let Some(key) = &target.api_key {
        headers.set("Authorization", &format!("Bearer {key}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()));
    Request::new_with_init(&format!("{}/chat/completions", target.base_url), &init)
}

thread_local! {
    /// Upstreams (base URL + model) that refused `tools` in this isolate: served in
    /// prompt-only mode from then on, without a refused request first.
    static REFUSE_TOOLS: std::cell::RefCell<std::collections::HashSet<String>> =
        std::cell::RefCell::new(std::collections::HashSet::new());
}

fn tools_key(target: &Target) -> String {
    format!("{}#{}", target.base_url, target.model)
}

fn remember_refuses_tools(target: &Target) {
    REFUSE_TOOLS.with(|set| set.borrow_mut().insert(tools_key(target)));
}

/// Which of `targets` are offered tools (a bit per index): those not remembered as refusing.
pub(crate) fn tools_for(targets: &[Target]) -> u32 {
    REFUSE_TOOLS.with(|set| {
        let set = set.borrow();
        targets
            .iter()
            .enumerate()
            .filter(|(_, t)| !set.contains(&tools_key(t)))
            .fold(0u32, |bits, (i, _)| {
                bits | 1u32.checked_shl(i as u32).unwrap_or(0)
            })
    })
}

/// One attempt: sends the request and waits at most `timeout_ms` for a response head.
pub(crate) async fn attempt(
    target: &Target,
    body: &str,
    timeout_ms: u64,
) -> Result<Opened, AttemptFailure> {
    let abort = AbortController::default();
    let req = request(target, body).map_err(|_| AttemptFailure::Connect)?;
    let fetch = Fetch::Request(req);
    let signal = abort.signal();
    let send = fetch.send_with_signal(&signal);
    let timeout = Delay::from(Duration::from_millis(timeout_ms));
    futures::pin_mut!(send);
    futures::pin_mut!(timeout);
    match select(send, timeout).await {
        Either::Left((Ok(mut response), _)) => {
            let status = response.status_code();
            if (200..300).contains(&status) {
                let content_type = response.headers().get("Content-Type").ok().flatten();
                let body = response.stream().map_err(|_| AttemptFailure::Connect)?;
                Ok(Opened {
                    content_type,
                    body,
                    abort,
                })
            } else if status == 400 || status == 422 {
                // A runtime without function calling says so in a 400; read a bounded body.
                let text = response.text().await.unwrap_or_default();
                let head = text.get(..text.len().min(4096)).unwrap_or_default();
                if rejects_tools(status, head) {
                    remember_refuses_tools(target);
                    Err(AttemptFailure::RejectsTools)
                } else {
                    Err(AttemptFailure::Status {
                        status,
                        retry_after_s: None,
                    })
                }
            } else {
                let retry_after_s = parse_retry_after(
                    response
                        .headers()
                        .get("Retry-After")
                        .ok()
                        .flatten()
                        .as_deref(),
                );
                Err(AttemptFailure::Status {
                    status,
                    retry_after_s,
                })
            }
        }
        Either::Left((Err(_), _)) => Err(AttemptFailure::Connect),
        Either::Right(_) => {
            abort.abort();
            Err(AttemptFailure::Timeout)
        }
    }
}
