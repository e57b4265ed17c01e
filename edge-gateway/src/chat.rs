//! `POST /v1/chat`: the request path as named phases (STYLE rule 8, docs/ARCHITECTURE.md):
//! authenticate → rate-limit → store the user message → build the prompt → relay the stream →
//! store the answer and usage. Each decision is a core function; this module sequences them.

use crate::catalog;
use crate::env::{jitter, now_ms, random_bytes, secret, var};
use crate::http::{self, header, read_json_body};
use crate::limiter;
use crate::sessions::{authenticate, Authenticated};
use crate::store::{AssistantRecord, Store, UsageRecord};
use crate::tenant_cache::CachedTenant;
use crate::upstream::{self, Opened, Target};
use futures::channel::mpsc::{unbounded, UnboundedSender};
use futures::future::{select, Either};
use futures::StreamExt;
use shopkeep_gateway_core::answer::{Answer, Next, Plan};
use shopkeep_gateway_core::catalog::reply;
use shopkeep_gateway_core::error::quota_headers;
use shopkeep_gateway_core::pricing::PriceTable;
use shopkeep_gateway_core::privacy;
use shopkeep_gateway_core::prompt::{estimate_tokens, round_request, HistoryTurn};
use shopkeep_gateway_core::ratelimit::{ip_key, AdmitRequest, Quota, Sent, TurnRecord, Verdict};
use shopkeep_gateway_core::relay::encode_event;
use shopkeep_gateway_core::requests::{check_chat_request, decode_json, MAX_WIDGET_BODY_BYTES};
use shopkeep_gateway_core::responder;
use shopkeep_gateway_core::session_check::TokenRoute;
use shopkeep_gateway_core::session_token::random_id;
use shopkeep_gateway_core::tenant::PrivacyRules;
use shopkeep_gateway_core::tools::{self, ToolName, ToolOutcome, Toolset};
use shopkeep_gateway_core::turn::{self, TurnStart};
use shopkeep_gateway_core::upstream_policy::AttemptFailure;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{
    Block, ChatRequest, ErrorBody, ErrorCode, MessageStatus, ProductCard, StreamEvent, ToolStatus,
};
use std::rc::Rc;
use std::time::Duration;
use worker::{Context, Delay, Env, Headers, Request, Response};

/// Tokens of the system prompt, for the estimate when the upstream reports no usage.
const SYSTEM_PROMPT_ESTIMATE: u32 = 200;
/// Pause between words of the built-in responder, so it streams like a model does.
const BUILTIN_WORD_DELAY_MS: u64 = 12;

/// Everything the relay task needs, owned (it outlives the request handler).
struct Job {
    env: Env,
    lease_id: String,
    store: Store,
    tenant_id: String,
    conversation_id: String,
    user_message_id: String,
    assistant_message_id: String,
    question: String,
    rules: PrivacyRules,
    tenant: Rc<CachedTenant>,
    /// Stored history for the prompt (as the privacy rules allow the AI to see it).
    history: Vec<HistoryTurn>,
    /// The first upstream request, sent while the message was being stored.
    early: Option<Early>,
    /// The shopper's message as stored (`None` in store-nothing mode: nothing to remember).
    stored_question: Option<String>,
    /// `(conversation, client message id)`, reported to the object when the turn ends.
    ended: Option<(String, String)>,
    /// The stored history (before this message) when the object's hint did not match it, so
    /// the object rebuilds its hint from it.
    resync: Option<Vec<HistoryTurn>>,
    targets: Vec<Target>,
    timeouts: upstream::Timeouts,
    prices: Rc<PriceTable>,
    max_tokens: u32,
    /// The tools offered in this turn (what the tenant has configured).
    toolset: Toolset,
    started_ms: u64,
    /// The session, its verified customer and its client network's key: who asks about an
    /// order (issue 13).
    session_id: String,
    user_id: Option<String>,
    /// The keyed digest of the identity token's verified email (a guest checkout of theirs
    /// opens by its number).
    email_digest: Option<String>,
    ip_key: String,
    /// The shopper's message as typed (memory only, this turn): an order lookup reads the
    /// number and email from it when the model saw them redacted.
    typed: String,
}

/// The first attempt on the first upstream, started in phase 3 alongside the D1 write.
struct Early {
    with_tools: bool,
    opened: Result<Opened, AttemptFailure>,
}

/// Aborts an early upstream request that will not be used.
fn abort_early(early: Option<(bool, Result<Opened, AttemptFailure>)>) {
    if let Some((_, Ok(opened))) = early {
        opened.abort.abort();
    }
}

/// The shopper's end of the stream. `send` is false once the shopper has gone (stopped or
/// closed the page): the relay then aborts the upstream and stores what it has as stopped.
struct Shopper(UnboundedSender<Vec<u8>>);

impl Shopper {
    fn send(&self, event: &StreamEvent) -> bool {
        self.0
            .unbounded_send(encode_event(event).into_bytes())
            .is_ok()
    }

    fn gone(&self) -> bool {
        self.0.is_closed()
    }
}

pub(crate) async fn chat(
    mut req: Request,
    env: &Env,
    ctx: Context,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let started_ms = now_ms();
    // Phase 1: authenticate (the shared step: token, live kid, origin, identity, consent)
    // and decode.
    let Authenticated {
        claims,
        tenant: cached,
    } = authenticate(&req, env, origin, TokenRoute::Chat).await?;
    let body = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let request: ChatRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let question = check_chat_request(&request)?;
    let store = Store::new(env)?;
    let t_auth = now_ms();
    let tenant = &cached.record;
    // Phase 2: rate-limit in the tenant's Durable Object. Only Cloudflare's own
    // CF-Connecting-IP is trusted (X-Forwarded-For is client-controlled). The object also
    // answers with the conversation's recent turns: a history hint for phase 3.
    let rules = &tenant.config.privacy;
    let forms = privacy::forms(&question, rules);
    let master = secret(env, "MASTER_SECRET")?;
    let ip = header(&req, "CF-Connecting-IP").unwrap_or_else(|| String::from("unknown"));
    let admit = AdmitRequest {
        session: claims.session_id.clone(),
        ip_key: ip_key(master.as_bytes(), &claims.tenant_id, &ip, started_ms),
        lease_id: random_id("l_", &random_bytes()?),
        limits: tenant.config.limits,
        conversation: forms
            .stored
            .is_some()
            .then(|| claims.conversation_id.clone()),
        client_message_id: Some(request.client_message_id.clone()),
    };
    let t_tenant = now_ms();
    // The conversation's handoff state is read alongside admission (issue 14): no extra
    // round trip before the answer, and a message to a person is metered like any other.
    let (verdict, handoff_state) = futures::join!(
        limiter::admit(env, &claims.tenant_id, &admit),
        store.handoff_state(&claims.tenant_id, &claims.conversation_id)
    );
    let verdict = verdict?;
    let (hint, sent) = match &verdict {
        Verdict::Admitted { history, sent, .. } => {
            (privacy::history_for_ai(history.clone(), rules), *sent)
        }
        Verdict::Refused { .. } => (Vec::new(), Sent::New),
    };
    let resend = sent != Sent::New;
    let ended = Some((
        claims.conversation_id.clone(),
        request.client_message_id.clone(),
    ));
    let quota = verdict.into_result()?;
    // While a person owns the conversation the assistant never answers (issue 14): the
    // message goes to the live channel and the stream says so.
    let diverted = match handoff_state {
        Ok(state) => {
            crate::handoff::divert(
                env,
                &claims,
                &tenant.config,
                state,
                &question,
                &request.client_message_id,
                origin,
            )
            .await
        }
        Err(e) => Err(e),
    };
    let told = match diverted {
        Ok(crate::handoff::Diverted::Assistant(told)) => told,
        Ok(crate::handoff::Diverted::Person(response)) => {
            limiter::release(env, &claims.tenant_id, &admit.lease_id, 0, None, ended).await;
            return Ok(response);
        }
        Err(e) => {
            limiter::release(env, &claims.tenant_id, &admit.lease_id, 0, None, ended).await;
            return Err(e);
        }
    };
    // Phase 3: store the shopper's message (as the privacy rules allow) before anything can
    // reach the shopper; a resend of the same client message id is decided here (turn.rs).
    // Meanwhile the first upstream request already goes out, built with the history hint;
    // it is used only if D1 confirms the hint (turn::early_request_usable).
    let t_limit = now_ms();
    let targets = upstream::targets(env, &tenant.config);
    let timeouts = upstream::Timeouts::from_env(env);
    let toolset = tools::offered_with_orders(&tenant.config, tenant.has_catalog, tenant.has_orders);
    let mut early: Option<Early> = None;
    let mut resync = None;
    let mut early_used = false;
    // When the D1 write and the early upstream request (if any) completed, for Server-Timing.
    let (mut t_d1, mut t_open) = (t_limit, t_limit);
    let (user_message_id, history) = match &forms.stored {
        Some(stored) => {
            let new_message_id = random_id("m_", &random_bytes()?);
            let begin = store.begin_turn(
                &claims.tenant_id,
                &claims.conversation_id,
                &claims.session_id,
                claims.user_id.as_deref(),
                &claims.origin,
                &request.client_message_id,
                &new_message_id,
                stored,
                started_ms,
            );
            // A resend waits for D1: it is replayed or refused, never asked of the model early.
            let (begun, early_open) = match targets.first().filter(|_| !resend) {
                Some(first) => {
                    let with_tools = upstream::tools_for(&targets) & 1 == 1;
                    let body = round_request(
                        &tenant.config,
                        &cached.index,
                        &hint,
                        &forms.for_ai,
                        &first.model,
                        with_tools.then_some(toolset),
                        &[],
                    );
                    let open = upstream::attempt(first, &body, timeouts.first_byte_ms);
                    let begin = async {
                        let begun = begin.await;
                        t_d1 = now_ms();
                        begun
                    };
                    let open = async {
                        let opened = open.await;
                        t_open = now_ms();
                        opened
                    };
                    let (begun, opened) = futures::join!(begin, open);
                    (begun, Some((with_tools, opened)))
                }
                None => {
                    let begun = begin.await;
                    t_d1 = now_ms();
                    (begun, None)
                }
            };
            let begun = begun.and_then(|turn| {
                let user_message_id = turn.stored.user_message_id.clone();
                turn::decide(
                    turn.stored,
                    &new_message_id,
                    stored,
                    started_ms,
                    sent == Sent::Finished,
                )
                .map(|start| (start, user_message_id, turn.history))
            });
            match begun {
                Ok((TurnStart::Replay(answer), user_message_id, _)) => {
                    abort_early(early_open);
                    // Nothing is generated: free the slot at once, spend no tokens.
                    limiter::release(env, &claims.tenant_id, &admit.lease_id, 0, None, ended).await;
                    let events = turn::replay(&user_message_id, answer);
                    let timing = format!("auth;dur={}, replay;dur=0", t_auth - started_ms);
                    return event_stream_response(replay_body(&events), &timing, &quota, origin);
                }
                Ok((start, user_message_id, stored_history)) => {
                    let history = privacy::history_for_ai(stored_history.clone(), rules);
                    if turn::early_request_usable(&start, &hint, &history) {
                        early = early_open.map(|(with_tools, opened)| Early { with_tools, opened });
                        early_used = early.is_some();
                    } else {
                        abort_early(early_open);
                        resync = Some(stored_history);
                    }
                    (user_message_id, history)
                }
                Err(e) => {
                    // Not stored: nothing may reach the shopper, and no answer is generated.
                    abort_early(early_open);
                    limiter::release(env, &claims.tenant_id, &admit.lease_id, 0, None, ended).await;
                    return Err(e);
                }
            }
        }
        // Store-nothing mode: no transcript, so no history either (and nothing to replay).
        None => (random_id("m_", &random_bytes()?), Vec::new()),
    };
    // Phase 4: the prompt is built per upstream round in the relay (tools or prompt-only).
    let t_store = now_ms();
    let job = Job {
        env: env.clone(),
        session_id: claims.session_id.clone(),
        user_id: claims.user_id.clone(),
        email_digest: claims.email_digest.clone(),
        ip_key: admit.ip_key.clone(),
        typed: question.clone(),
        lease_id: admit.lease_id,
        store,
        targets,
        timeouts,
        early,
        stored_question: forms.stored.clone(),
        ended,
        resync,
        prices: prices(env),
        max_tokens: tenant.config.assistant.max_output_tokens,
        toolset,
        tenant_id: claims.tenant_id,
        conversation_id: claims.conversation_id,
        user_message_id,
        assistant_message_id: random_id("m_", &random_bytes()?),
        question: forms.for_ai,
        rules: rules.clone(),
        tenant: cached.clone(),
        history,
        started_ms,
    };
    // Phase 5 and 6 run in a task that outlives this handler: relay, then persist.
    let (tx, rx) = unbounded::<Vec<u8>>();
    let shopper = Shopper(tx);
    // Back to the assistant (a closed conversation written to again): told first.
    if let Some(event) = &told {
        shopper.send(event);
    }
    shopper.send(&StreamEvent::Start {
        user_message_id: job.user_message_id.clone(),
        message_id: job.assistant_message_id.clone(),
    });
    ctx.wait_until(relay(job, shopper));
    // Where the time before the stream went, for operators and the bench (Server-Timing).
    let timing = format!(
        "auth;dur={}, tenant;dur={}, limit;dur={}, store;dur={}, prompt;dur={}, early;desc={}, d1;dur={}, upstream-head;dur={}",
        t_auth - started_ms,
        t_tenant - t_auth,
        t_limit - t_tenant,
        t_store - t_limit,
        now_ms() - t_store,
        if early_used { "used" } else { "none" },
        t_d1 - t_limit,
        t_open - t_limit
    );
    let body = rx.map(Ok::<Vec<u8>, worker::Error>);
    let response = Response::from_stream(body)
        .map_err(|e| Error::Internal(format!("stream response: {e}")))?;
    with_stream_headers(response, &timing, &quota, origin)
}

thread_local! {
    /// `AI_PRICES`, parsed once per isolate (vars are fixed for its deployment).
    static PRICES: std::cell::OnceCell<Rc<PriceTable>> = const { std::cell::OnceCell::new() };
}

fn prices(env: &Env) -> Rc<PriceTable> {
    PRICES.with(|cell| {
        cell.get_or_init(|| {
            Rc::new(
                PriceTable::parse(&var(env, "AI_PRICES")).unwrap_or_else(|e| {
                    worker::console_error!("{e}");
                    PriceTable::default()
                }),
            )
        })
        .clone()
    })
}

fn replay_body(events: &[StreamEvent]) -> String {
    events.iter().map(encode_event).collect()
}

fn event_stream_response(
    body: String,
    timing: &str,
    quota: &Quota,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let response = Response::ok(body).map_err(|e| Error::Internal(format!("response: {e}")))?;
    with_stream_headers(response, timing, quota, origin)
}

/// The headers of every event-stream answer: no buffering, Server-Timing, quota, CORS.
fn with_stream_headers(
    response: Response,
    timing: &str,
    quota: &Quota,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| Error::Internal(format!("set header: {e}")))
    };
    set("Content-Type", "text/event-stream; charset=utf-8")?;
    set("Cache-Control", "no-cache, no-transform")?;
    set("X-Accel-Buffering", "no")?;
    set("Server-Timing", timing)?;
    for (name, value) in quota_headers(quota) {
        set(name, &value)?;
    }
    http::cors_headers(&headers, origin)?;
    Ok(response.with_headers(headers))
}

/// Phases 5 and 6: relay the answer, then store it — whatever happened on the way. Every
/// decision is the core's answer machine; this loop only performs what it asks.
async fn relay(mut job: Job, shopper: Shopper) {
    let mut plan = Plan::new(job.targets.len(), job.max_tokens, jitter());
    plan.first_token_ms = job.timeouts.first_byte_ms;
    plan.idle_ms = job.timeouts.idle_ms;
    plan.max_answer_ms = job.timeouts.max_answer_ms;
    // `prompt::round_request` always asks for `stream_options.include_usage`.
    plan.include_usage = true;
    plan.tools_for = upstream::tools_for(&job.targets);
    plan.toolset = job.toolset;
    let mut answer = Answer::new(plan, job.started_ms);
    let mut body: Option<Opened> = None;
    // Issue 15: a question with no relevant snippet is a knowledge gap, whoever answers it.
    let mut gap = crate::knowledge::weak_retrieval(&job.tenant.index, &job.question);
    let mut early = job.early.take();
    // The timer of the last read, kept across chunks while it is due no later than the
    // machine's next deadline (one firing early only means an extra `tick`): a chunk then
    // costs no setTimeout/clearTimeout pair and no new closure.
    let mut timer: Option<(u64, std::pin::Pin<Box<Delay>>)> = None;
    loop {
        if shopper.gone() {
            answer.shopper_gone();
        }
        match answer.next(now_ms()) {
            Next::Open {
                upstream,
                attempt,
                delay_ms,
                timeout_ms,
                after,
                with_tools,
            } => {
                let Some(target) = job.targets.get(upstream) else {
                    answer.open_failed(AttemptFailure::Connect, now_ms());
                    continue;
                };
                if let Some(failure) = after {
                    worker::console_warn!(
                        "upstream failed before any content ({failure:?}); next: {} attempt {}",
                        target.name,
                        attempt + 1
                    );
                }
                if delay_ms > 0 {
                    Delay::from(Duration::from_millis(delay_ms.into())).await;
                }
                // The first attempt may already be under way (started in phase 3).
                if upstream == 0 && attempt == 0 && answer.tool_rounds() == 0 {
                    if let Some(early) = early.take().filter(|e| e.with_tools == with_tools) {
                        match early.opened {
                            Ok(opened) => {
                                answer.opened(now_ms(), opened.content_type.as_deref());
                                body = Some(opened);
                            }
                            Err(failure) => answer.open_failed(failure, now_ms()),
                        }
                        continue;
                    }
                }
                let request = round_request(
                    &job.tenant.record.config,
                    &job.tenant.index,
                    &job.history,
                    &job.question,
                    &target.model,
                    with_tools.then_some(job.toolset),
                    answer.exchanges(),
                );
                match upstream::attempt(target, &request, timeout_ms).await {
                    Ok(opened) => {
                        answer.opened(now_ms(), opened.content_type.as_deref());
                        body = Some(opened);
                    }
                    Err(failure) => answer.open_failed(failure, now_ms()),
                }
            }
            Next::Read { wake_at_ms } => {
                let Some(opened) = body.as_mut() else {
                    answer.body_failed(now_ms());
                    continue;
                };
                if timer.as_ref().is_none_or(|(at, _)| *at > wake_at_ms) {
                    let wait = Duration::from_millis(wake_at_ms.saturating_sub(now_ms()));
                    timer = Some((wake_at_ms, Box::pin(Delay::from(wait))));
                }
                let Some((_, wait)) = timer.as_mut() else {
                    continue;
                };
                match select(opened.body.next(), wait.as_mut()).await {
                    Either::Left((Some(Ok(chunk)), _)) => {
                        let deltas = answer.bytes(&chunk, now_ms());
                        deliver(&shopper, &mut answer, &deltas);
                    }
                    Either::Left((None, _)) => {
                        let deltas = answer.body_ended(now_ms());
                        deliver(&shopper, &mut answer, &deltas);
                    }
                    Either::Left((Some(Err(e)), _)) => {
                        worker::console_warn!("upstream body failed: {e}");
                        answer.body_failed(now_ms());
                    }
                    Either::Right(_) => {
                        timer = None;
                        answer.tick(now_ms());
                    }
                }
            }
            Next::Abort => {
                if let Some(opened) = body.take() {
                    opened.abort.abort();
                }
            }
            Next::RenewLease => {
                match limiter::renew(&job.env, &job.tenant_id, &job.lease_id).await {
                    Ok(true) => {}
                    Ok(false) => {
                        worker::console_warn!("lease {} was lost; taken again", job.lease_id)
                    }
                    Err(e) => worker::console_error!("renewing lease failed: {e}"),
                }
                answer.lease_renewed(now_ms());
            }
            Next::RunTools => {
                let (runs, started) = answer.take_tool_calls();
                deliver(&shopper, &mut answer, &started);
                let mut results = Vec::with_capacity(runs.len());
                for run in runs {
                    // An order lookup shows its `order` blocks, built from the shop's data.
                    if run.tool == ToolName::LookupOrder {
                        let looked = lookup_order(&job, &run.arguments).await;
                        show_order(&shopper, &mut answer, looked.blocks, looked.handoff);
                        results.push((run.call.id, looked.outcome));
                        continue;
                    }
                    let (outcome, cards) = run_tool(&job, run.tool, &run.arguments).await;
                    // Cards are built from the catalog rows, never from model text.
                    if let Some(event) = answer.show_blocks(products_block(cards)) {
                        deliver(&shopper, &mut answer, std::slice::from_ref(&event));
                    }
                    // The handoff tool moved the conversation: the shopper is told at once.
                    if let (ToolName::Handoff, ToolOutcome::Done(value)) = (run.tool, &outcome) {
                        if let Some(event) = shopkeep_gateway_core::handoff_wire::event_of(value) {
                            deliver(&shopper, &mut answer, std::slice::from_ref(&event));
                        }
                    }
                    results.push((run.call.id, outcome));
                }
                // The pages the found snippets come from are shown as the answer's sources.
                let cited = crate::knowledge::cited_ids(&results);
                let allow_http = crate::env::allow_private_fetch(&job.env);
                if let Some(block) =
                    crate::knowledge::sources_block(&job.tenant.knowledge, &cited, allow_http)
                {
                    if let Some(event) = answer.show_blocks(vec![block]) {
                        deliver(&shopper, &mut answer, std::slice::from_ref(&event));
                    }
                }
                let finished = answer.tool_results(results, now_ms());
                deliver(&shopper, &mut answer, &finished);
            }
            Next::BuiltIn { after } => {
                if let Some(failure) = after {
                    worker::console_warn!(
                        "no upstream answered ({failure:?}); the built-in responder answers"
                    );
                }
                // The built-in responder routes the question to the same tool a model would
                // call, and the shopper sees the same status line.
                let (tool, arguments) = responder::route_with(&job.question, job.toolset);
                let started = StreamEvent::Tool {
                    name: tool.as_str().to_owned(),
                    status: ToolStatus::Started,
                };
                deliver(&shopper, &mut answer, std::slice::from_ref(&started));
                let reply = builtin_text(&job, tool, &arguments, &shopper, &mut answer).await;
                if reply.dont_know && gap.is_none() {
                    gap = Some(shopkeep_gateway_core::site::gaps::GapKind::DontKnow);
                }
                let text = reply.text;
                let finished = StreamEvent::Tool {
                    name: tool.as_str().to_owned(),
                    status: ToolStatus::Finished,
                };
                deliver(&shopper, &mut answer, std::slice::from_ref(&finished));
                for chunk in responder::stream_chunks(&text) {
                    if let Some(delta) = answer.builtin_piece(chunk, now_ms()) {
                        if !shopper.send(&delta) {
                            answer.shopper_gone();
                            break;
                        }
                    }
                    Delay::from(Duration::from_millis(BUILTIN_WORD_DELAY_MS)).await;
                }
                let allow_http = crate::env::allow_private_fetch(&job.env);
                if let Some(block) = crate::knowledge::sources_block(
                    &job.tenant.knowledge,
                    &reply.source_ids,
                    allow_http,
                ) {
                    if let Some(event) = answer.show_blocks(vec![block]) {
                        deliver(&shopper, &mut answer, std::slice::from_ref(&event));
                    }
                }
                answer.builtin_done();
            }
            Next::Finish => break,
        }
    }
    if let Some(kind) = gap {
        crate::knowledge::record_gap(
            &job.env,
            &job.tenant_id,
            job.stored_question.as_deref(),
            &job.question,
            kind,
        )
        .await;
    }
    persist(&job, &shopper, answer).await;
}

/// The built-in responder's text: product questions are answered from the catalog (cards
/// shown, as a model's search would), the rest from the knowledge snippets; a knowledge
/// question nothing answers tries the catalog before giving up.
async fn builtin_text(
    job: &Job,
    tool: ToolName,
    arguments: &serde_json::Value,
    shopper: &Shopper,
    answer: &mut Answer,
) -> BuiltinReply {
    // "Where is my order?": the same executor a model's call runs.
    if tool == ToolName::LookupOrder {
        let looked = lookup_order(job, arguments).await;
        let text = match &looked.outcome {
            ToolOutcome::Done(result) => shopkeep_gateway_core::orders::api::builtin_reply(result),
            _ => shopkeep_gateway_core::orders::api::builtin_reply(
                &shopkeep_gateway_core::orders::lookup::unavailable().for_model,
            ),
        };
        show_order(shopper, answer, looked.blocks, looked.handoff);
        return BuiltinReply {
            text,
            source_ids: Vec::new(),
            dont_know: false,
        };
    }
    let knowledge = (tool != ToolName::SearchProducts)
        .then(|| responder::answer(&job.tenant.index, &job.question));
    let from_knowledge = |k: responder::Answer| BuiltinReply {
        dont_know: !k.grounded,
        text: k.text,
        source_ids: k.source_ids,
    };
    if knowledge.as_ref().is_some_and(|k| k.grounded)
        || !job.toolset.contains(ToolName::SearchProducts)
    {
        return knowledge.map(from_knowledge).unwrap_or_default();
    }
    let (_, cards) = catalog::tool_search(
        &job.store,
        &job.tenant_id,
        job.tenant.record.catalog_currency.as_deref(),
        // Both routes give `{"query": <the question>}`: the same search a model would call.
        arguments,
    )
    .await;
    match knowledge {
        Some(k) if cards.is_empty() => from_knowledge(k),
        _ => {
            let dont_know = cards.is_empty();
            let text = reply::builtin_answer(&cards);
            if let Some(event) = answer.show_blocks(products_block(cards)) {
                deliver(shopper, answer, std::slice::from_ref(&event));
            }
            BuiltinReply {
                text,
                source_ids: Vec::new(),
                dont_know,
            }
        }
    }
}

/// What the built-in responder says, which snippets it quotes, and whether it had to say it
/// does not know (a knowledge gap).
#[derive(Debug, Default)]
struct BuiltinReply {
    text: String,
    source_ids: Vec<String>,
    dont_know: bool,
}

/// The `products` block of some cards (none when there are no cards).
fn products_block(cards: Vec<ProductCard>) -> Vec<Block> {
    if cards.is_empty() {
        Vec::new()
    } else {
        vec![Block::Products { products: cards }]
    }
}

/// Runs `lookup_order` within the tool time limit (issue 13).
async fn lookup_order(job: &Job, arguments: &serde_json::Value) -> crate::orders::Looked {
    let asker = crate::orders::Asker {
        env: &job.env,
        store: &job.store,
        config: &job.tenant.record.config,
        rules: &job.rules,
        tenant_id: &job.tenant_id,
        conversation_id: &job.conversation_id,
        session_id: &job.session_id,
        user_id: job.user_id.as_deref(),
        email_digest: job.email_digest.as_deref(),
        ip_key: &job.ip_key,
    };
    let arguments = shopkeep_gateway_core::orders::lookup::fill_from_message(arguments, &job.typed);
    let run = crate::orders::lookup(&asker, &arguments);
    let limit = Delay::from(Duration::from_millis(tools::TOOL_TIMEOUT_MS));
    futures::pin_mut!(run);
    match select(run, limit).await {
        Either::Left((looked, _)) => looked,
        Either::Right(_) => crate::orders::Looked {
            outcome: ToolOutcome::Done(
                shopkeep_gateway_core::orders::lookup::unavailable().for_model,
            ),
            blocks: Vec::new(),
            handoff: None,
        },
    }
}

/// Shows a lookup's `order` blocks, and tells the shopper when the verification limit handed
/// the conversation to a person (the same `handoff` event the handoff tool sends).
fn show_order(
    shopper: &Shopper,
    answer: &mut Answer,
    blocks: Vec<Block>,
    handoff: Option<serde_json::Value>,
) {
    if let Some(event) = answer.show_blocks(blocks) {
        deliver(shopper, answer, std::slice::from_ref(&event));
    }
    if let Some(event) = handoff
        .as_ref()
        .and_then(shopkeep_gateway_core::handoff_wire::event_of)
    {
        deliver(shopper, answer, std::slice::from_ref(&event));
    }
}

/// Runs one tool call within its time limit. Executors translate the platform's answers into
/// results for the model (and, for the catalog tools, cards built from the rows); nothing
/// here may fail the chat.
async fn run_tool(
    job: &Job,
    tool: ToolName,
    arguments: &serde_json::Value,
) -> (ToolOutcome, Vec<ProductCard>) {
    let run = async {
        match tool {
            ToolName::SearchKnowledge => (
                tools::search_knowledge(&job.tenant.index, arguments),
                Vec::new(),
            ),
            ToolName::Handoff => (
                crate::handoff::run_tool(
                    &job.env,
                    &job.tenant.record.config,
                    &job.conversation_id,
                    arguments,
                )
                .await,
                Vec::new(),
            ),
            ToolName::SearchProducts => {
                catalog::tool_search(
                    &job.store,
                    &job.tenant_id,
                    job.tenant.record.catalog_currency.as_deref(),
                    arguments,
                )
                .await
            }
            ToolName::GetProduct => catalog::tool_get(&job.store, &job.tenant_id, arguments).await,
            _ => (
                ToolOutcome::Failed(String::from("this tool is not available")),
                Vec::new(),
            ),
        }
    };
    let limit = Delay::from(Duration::from_millis(tools::TOOL_TIMEOUT_MS));
    futures::pin_mut!(run);
    match select(run, limit).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right(_) => (ToolOutcome::TimedOut, Vec::new()),
    }
}

/// Sends deltas to the shopper; one that cannot be sent means the shopper has gone.
fn deliver(shopper: &Shopper, answer: &mut Answer, deltas: &[StreamEvent]) {
    for delta in deltas {
        if !shopper.send(delta) {
            answer.shopper_gone();
            return;
        }
    }
}

/// Phase 6: store the answer and its usage, release the lease, send the last event.
async fn persist(job: &Job, shopper: &Shopper, answer: Answer) {
    let prompt_estimate: u32 = job
        .history
        .iter()
        .map(|turn| estimate_tokens(&turn.text) + 4)
        .sum::<u32>()
        + estimate_tokens(&job.question)
        + SYSTEM_PROMPT_ESTIMATE;
    let finished = answer.finish(prompt_estimate);
    let outcome = &finished.outcome;
    let target = finished.upstream.and_then(|i| job.targets.get(i));
    let upstream_name = target.map_or("builtin", |t| t.name);
    let model = target.map(|t| t.model.as_str());
    let now = now_ms();
    let stored_text = privacy::forms(&outcome.text, &job.rules).stored;
    let cards: Vec<ProductCard> = finished
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Products { products } => Some(products.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    // A model's prices that match no shown card: telemetry for a possible hallucination.
    let unmatched_prices = (!cards.is_empty() && finished.upstream.is_some())
        .then(|| reply::unmatched_prices(&outcome.text, &cards));
    let blocks_json = (!finished.blocks.is_empty())
        .then(|| serde_json::to_string(&finished.blocks).ok())
        .flatten();
    let message = stored_text.as_deref().map(|text| AssistantRecord {
        id: &job.assistant_message_id,
        tenant_id: &job.tenant_id,
        conversation_id: &job.conversation_id,
        reply_to: &job.user_message_id,
        text,
        status: outcome.status,
        created_at_ms: now,
        blocks_json: blocks_json.clone(),
    });
    let usage = UsageRecord {
        tenant_id: &job.tenant_id,
        // Store-nothing mode keeps anonymous counters only.
        conversation_id: if job.rules.store_transcripts {
            &job.conversation_id
        } else {
            "-"
        },
        message_id: &job.assistant_message_id,
        upstream: upstream_name,
        model,
        cost_micro_usd: model.and_then(|m| job.prices.cost_micro_usd(m, &outcome.usage)),
        outcome: outcome.status,
        error_code: outcome.error.map(ErrorCode::as_str),
        latency_ms: now - job.started_ms,
        ttft_ms: finished.first_token_ms,
        prompt_tokens: outcome.usage.prompt_tokens,
        completion_tokens: outcome.usage.completion_tokens,
        estimated: outcome.usage.estimated,
        created_at_ms: now,
        unmatched_prices,
    };
    let stored = job.store.finish_turn(message.as_ref(), &usage).await;
    // The object remembers the stored turn as the conversation's history hint.
    // Only a turn whose answer was stored (its conversation was not erased meanwhile).
    let turn = match (&job.stored_question, &stored) {
        (Some(user), Ok(true)) => Some(TurnRecord {
            conversation: job.conversation_id.clone(),
            user: user.clone(),
            assistant: stored_text
                .clone()
                .filter(|_| outcome.status == MessageStatus::Complete),
            resync: job.resync.clone(),
        }),
        _ => None,
    };
    limiter::release(
        &job.env,
        &job.tenant_id,
        &job.lease_id,
        finished.tokens,
        turn,
        job.ended.clone(),
    )
    .await;
    let last = match (stored, outcome.error) {
        (Err(e), _) => {
            worker::console_error!("storing answer {} failed: {e}", job.assistant_message_id);
            error_event(ErrorCode::StorageError)
        }
        (Ok(_), Some(code)) => error_event(code),
        (Ok(_), None) => StreamEvent::Done {
            message_id: job.assistant_message_id.clone(),
            finish: outcome.finish,
            usage: outcome.usage,
        },
    };
    shopper.send(&last);
}

fn error_event(code: ErrorCode) -> StreamEvent {
    let body = ErrorBody::from_code(code);
    StreamEvent::Error {
        code: body.error.code,
        message: body.error.message,
        retryable: body.error.retryable,
    }
}
