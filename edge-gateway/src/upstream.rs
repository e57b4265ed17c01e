//! Talking to the AI runtime: which upstreams are configured, and opening a streamed
//! completion with retries before the first byte (policy from `upstream_policy` in the core).

use crate::env::{jitter, var};
use futures::future::{select, Either};
use shopkeep_gateway_core::prompt::{upstream_body, ChatMessage};
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_gateway_core::upstream_policy::{
    parse_retry_after, retry_delay_ms, AttemptFailure, ATTEMPTS_PER_UPSTREAM,
    FIRST_BYTE_TIMEOUT_MS, IDLE_TIMEOUT_MS,
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
    model: String,
    api_key: Option<String>,
}

/// Time-to-first-byte and idle-between-chunks limits. Defaults from the core policy;
/// `AI_FIRST_BYTE_TIMEOUT_MS` / `AI_IDLE_TIMEOUT_MS` vars override them (tests shorten them).
pub(crate) struct Timeouts {
    pub(crate) first_byte_ms: u64,
    pub(crate) idle_ms: u64,
}

impl Timeouts {
    pub(crate) fn from_env(env: &Env) -> Self {
        let read = |name: &str, default: u32| {
            var(env, name)
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| (100..=600_000).contains(v))
                .unwrap_or(default.into())
        };
        Timeouts {
            first_byte_ms: read("AI_FIRST_BYTE_TIMEOUT_MS", FIRST_BYTE_TIMEOUT_MS),
            idle_ms: read("AI_IDLE_TIMEOUT_MS", IDLE_TIMEOUT_MS),
        }
    }
}

/// An upstream that answered 2xx: its body stream, and the controller that aborts it.
pub(crate) struct Opened {
    pub(crate) name: &'static str,
    pub(crate) model: String,
    pub(crate) body: ByteStream,
    pub(crate) abort: AbortController,
}

/// The configured upstreams, primary first. Empty when no AI runtime is configured: the
/// built-in responder answers.
pub(crate) fn targets(env: &Env, tenant: &TenantConfig) -> Vec<Target> {
    let mut out = Vec::new();
    for (name, prefix) in [("primary", "AI"), ("fallback", "AI_FALLBACK")] {
        let base_url = var(env, &format!("{prefix}_BASE_URL"));
        if base_url.trim().is_empty() {
            continue;
        }
        let default_model = var(env, &format!("{prefix}_MODEL"));
        let model = match (name, &tenant.assistant.model) {
            ("primary", Some(m)) => m.clone(),
            _ => default_model,
        };
        let api_key = env
            .secret(&format!("{prefix}_API_KEY"))
            .map(|s| s.to_string())
            .ok()
            .filter(|k| !k.is_empty());
        out.push(Target {
            name,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model,
            api_key,
        });
    }
    out
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

async fn attempt(
    target: &Target,
    body: &str,
    first_byte_ms: u64,
) -> Result<Opened, AttemptFailure> {
    let abort = AbortController::default();
    let req = request(target, body).map_err(|_| AttemptFailure::Connect)?;
    let fetch = Fetch::Request(req);
    let signal = abort.signal();
    let send = fetch.send_with_signal(&signal);
    let timeout = Delay::from(Duration::from_millis(first_byte_ms));
    futures::pin_mut!(send);
    futures::pin_mut!(timeout);
    match select(send, timeout).await {
        Either::Left((Ok(mut response), _)) => {
            let status = response.status_code();
            if (200..300).contains(&status) {
                let body = response.stream().map_err(|_| AttemptFailure::Connect)?;
                Ok(Opened {
                    name: target.name,
                    model: target.model.clone(),
                    body,
                    abort,
                })
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

/// Opens a streamed completion on the first upstream that answers, retrying each as the
/// policy allows. `None` when every upstream failed (the caller falls back to the built-in
/// responder).
pub(crate) async fn open(
    targets: &[Target],
    messages: &[ChatMessage],
    max_tokens: u32,
    timeouts: &Timeouts,
) -> Option<Opened> {
    for target in targets {
        let body = upstream_body(&target.model, messages, max_tokens);
        for n in 0..ATTEMPTS_PER_UPSTREAM {
            match attempt(target, &body, timeouts.first_byte_ms).await {
                Ok(opened) => return Some(opened),
                Err(failure) => {
                    worker::console_warn!(
                        "upstream {} attempt {} failed: {failure:?}",
                        target.name,
                        n + 1
                    );
                    match retry_delay_ms(failure, n + 1, jitter()) {
                        Some(ms) => Delay::from(Duration::from_millis(ms.into())).await,
                        None => break,
                    }
                }
            }
        }
    }
    None
}
