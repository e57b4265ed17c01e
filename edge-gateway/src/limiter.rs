//! The per-tenant Durable Object that admits chat requests and meters the other widget routes
//! exactly (SPEC §4), and the worker-side client that asks it. The decisions are
//! `shopkeep_gateway_core::ratelimit`; this module only moves JSON in and out and persists the
//! daily budget and the admin replay memory.
//!
//! Exactness: the object handles one event at a time, and every decision runs without an
//! `await` between reading and writing its state, so N concurrent requests against a limit L
//! admit exactly min(N, L).
//!
//! Fail closed: the object answers 503 until its persisted state is restored, and a failed
//! restore resets it (the next request constructs a fresh object that tries again) rather than
//! starting from an empty budget and replay memory.

// `#[durable_object]` generates undocumented wasm-bindgen glue next to the struct.
#![allow(missing_docs)]

use crate::env::{now_ms, secret};
use crate::http::header;
use crate::store::Store;
use crate::tenant_cache;
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::admin_auth::ReplayGuard;
use shopkeep_gateway_core::orders::api::AttemptBook;
use shopkeep_gateway_core::ratelimit::{
    ip_key, AdmitRequest, MeterRequest, MeterVerdict, RouteClass, TenantObject, TurnRecord, Verdict,
};
use shopkeep_gateway_core::routes::valid_tenant_id;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, State};

/// Storage key of the persisted `(day, tokens spent)` pair.
const BUDGET_KEY: &str = "budget";
/// Storage key of the admin signatures seen within the window.
const REPLAY_KEY: &str = "replay";
/// Storage key of the order verification attempts (issue 13).
const ORDER_ATTEMPTS_KEY: &str = "order_attempts";

/// Body of `/order_attempt`: `op` is `begin` (reserve a verification for every key: counted
/// as failed until forgiven; refused past the limit) or `forgive` (take back the reservation
/// made `at`).
#[derive(Serialize, Deserialize)]
struct OrderAttempt {
    op: String,
    keys: Vec<String>,
    #[serde(default)]
    at: u64,
}

/// Answer of `/order_attempt`.
#[derive(Serialize, Deserialize)]
struct OrderAttemptAnswer {
    /// `begin`: the reservation's time, `None` when the limit is reached.
    at: Option<u64>,
}

/// Body of `/replay`.
#[derive(Serialize, Deserialize)]
struct SeenSignature {
    signature: [u8; 32],
    timestamp_s: u64,
}

/// Body of `/release`.
#[derive(Serialize, Deserialize)]
struct Release {
    lease_id: String,
    tokens: u64,
    /// The finished turn, for the conversation's history hint (stored turns only).
    #[serde(default)]
    turn: Option<TurnRecord>,
    /// `(conversation, client message id)` of the turn that ended, stored or not.
    #[serde(default)]
    ended: Option<(String, String)>,
}

/// Body of `/renew`.
#[derive(Serialize, Deserialize)]
struct Renew {
    lease_id: String,
}

/// Answer of `/renew`.
#[derive(Serialize, Deserialize)]
struct Renewed {
    /// False when the lease had been lost and was taken again.
    held: bool,
}

/// One tenant's admission state.
// worker::State has no Debug.
#[allow(missing_debug_implementations)]
#[durable_object]
pub struct TenantLimiter {
    state: State,
    object: Rc<RefCell<TenantObject>>,
    /// Order verification attempts, loaded from storage on first use.
    attempts: Rc<RefCell<Option<AttemptBook>>>,
}

impl DurableObject for TenantLimiter {
    fn new(state: State, _env: Env) -> Self {
        let object = Rc::new(RefCell::new(TenantObject::new()));
        let (restore, storage) = (object.clone(), state.storage());
        // Nothing is delivered to the object until the persisted state is restored. If that
        // fails, the future's error makes the runtime reset the object (queued requests fail,
        // and the worker answers 503); the core refuses everything meanwhile regardless.
        let _init = state.block_concurrency_while(async move {
            let budget = storage.get::<(u64, u64)>(BUDGET_KEY).await;
            let replay = storage.get::<ReplayGuard>(REPLAY_KEY).await;
            let (budget, replay) = (
                budget.map_err(|e| e.to_string()),
                replay.map_err(|e| e.to_string()),
            );
            let why = budget.as_ref().err().or(replay.as_ref().err()).cloned();
            if restore.borrow_mut().restore(budget, replay) {
                return Ok(());
            }
            let why = why.unwrap_or_default();
            worker::console_error!("limiter: restoring persisted state failed: {why}");
            Err(worker::Error::RustError(why))
        });
        TenantLimiter {
            state,
            object,
            attempts: Rc::new(RefCell::new(None)),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let answer = match req.path().as_str() {
            "/admit" => {
                let request: AdmitRequest = req.json().await?;
                let verdict = self.object.borrow_mut().admit(now_ms(), &request);
                verdict.and_then(|v| to_json(&v))
            }
            "/meter" => {
                let request: MeterRequest = req.json().await?;
                let verdict = self.object.borrow_mut().meter(now_ms(), &request);
                verdict.and_then(|v| to_json(&v))
            }
            "/release" => {
                let release: Release = req.json().await?;
                let budget = {
                    let mut object = self.object.borrow_mut();
                    let budget = object.release(now_ms(), &release.lease_id, release.tokens);
                    if let (Ok(_), Some(turn)) = (&budget, release.turn) {
                        let _ = object.record_turn(now_ms(), turn);
                    }
                    if let (Ok(_), Some((conversation, id))) = (&budget, &release.ended) {
                        object.turn_ended(conversation, id);
                    }
                    budget
                };
                match budget {
                    Ok(budget) => {
                        self.state.storage().put(BUDGET_KEY, budget).await?;
                        to_json(&serde_json::json!({ "ok": true }))
                    }
                    Err(e) => Err(e),
                }
            }
            "/forget" => {
                self.object.borrow_mut().forget_turns();
                to_json(&serde_json::json!({ "ok": true }))
            }
            "/renew" => {
                let renew: Renew = req.json().await?;
                let held = self.object.borrow_mut().renew(now_ms(), &renew.lease_id);
                held.and_then(|held| to_json(&Renewed { held }))
            }
            "/order_attempt" => {
                let asked: OrderAttempt = req.json().await?;
                if self.attempts.borrow().is_none() {
                    let stored = self
                        .state
                        .storage()
                        .get::<AttemptBook>(ORDER_ATTEMPTS_KEY)
                        .await
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    self.attempts.borrow_mut().get_or_insert(stored);
                }
                let now = now_ms();
                let (at, book) = {
                    let mut slot = self.attempts.borrow_mut();
                    let book = slot.get_or_insert_with(AttemptBook::default);
                    let at = match asked.op.as_str() {
                        "begin" => book.begin(&asked.keys, now),
                        "forgive" => {
                            book.forgive(&asked.keys, asked.at);
                            None
                        }
                        _ => None,
                    };
                    (at, book.clone())
                };
                // Persisted before answering: an evicted object keeps counting.
                self.state.storage().put(ORDER_ATTEMPTS_KEY, book).await?;
                to_json(&OrderAttemptAnswer { at })
            }
            "/replay" => {
                let seen: SeenSignature = req.json().await?;
                let fresh = self.object.borrow_mut().first_use(
                    &seen.signature,
                    seen.timestamp_s,
                    now_ms() / 1000,
                );
                match fresh {
                    Ok(fresh) => {
                        let answer = serde_json::json!({ "fresh": fresh.is_some() });
                        if let Some(guard) = fresh {
                            // Persisted before answering, so an evicted object still refuses
                            // a replay.
                            self.state.storage().put(REPLAY_KEY, guard).await?;
                        }
                        to_json(&answer)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => return Response::error("not found", 404),
        };
        match answer {
            Ok(response) => Ok(response),
            Err(e) => {
                worker::console_error!("limiter {}: {e}", req.path());
                Response::error("limiter unavailable", 503)
            }
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Response, Error> {
    Response::from_json(value).map_err(|e| Error::Internal(format!("limiter answer: {e}")))
}

async fn call<T: Serialize>(
    env: &Env,
    tenant_id: &str,
    path: &str,
    body: &T,
) -> Result<Response, Error> {
    let fail = |e: worker::Error| Error::Storage(format!("limiter {path}: {e}"));
    let stub = env
        .durable_object("LIMITER")
        .map_err(fail)?
        .id_from_name(tenant_id)
        .map_err(fail)?
        .get_stub()
        .map_err(fail)?;
    let json = serde_json::to_string(body).map_err(|e| Error::Internal(e.to_string()))?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(json.into()));
    let request = Request::new_with_init(&format!("https://limiter{path}"), &init).map_err(fail)?;
    let response = stub.fetch_with_request(request).await.map_err(fail)?;
    match response.status_code() {
        200 => Ok(response),
        status => Err(Error::Storage(format!("limiter {path}: answered {status}"))),
    }
}

/// Rate-limit phase: asks the tenant's object. A limiter failure refuses the request (fail
/// closed): an outage must not turn into an unmetered AI bill.
pub(crate) async fn admit(
    env: &Env,
    tenant_id: &str,
    request: &AdmitRequest,
) -> Result<Verdict, Error> {
    let mut response = call(env, tenant_id, "/admit", request).await?;
    response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("limiter answer: {e}")))
}

/// Frees the stream's slot and spends its tokens. Failures are logged: the lease expires on
/// its own.
pub(crate) async fn release(
    env: &Env,
    tenant_id: &str,
    lease_id: &str,
    tokens: u64,
    turn: Option<TurnRecord>,
    ended: Option<(String, String)>,
) {
    let body = Release {
        lease_id: lease_id.to_owned(),
        tokens,
        turn,
        ended,
    };
    if let Err(e) = call(env, tenant_id, "/release", &body).await {
        worker::console_error!("releasing lease failed: {e}");
    }
}

/// Drops the tenant's history hints: conversations were erased or purged, and erased text
/// must never reach a prompt. Failures are logged: D1 (the truth) is already erased, and the
/// chat path drops any hint that D1 contradicts.
pub(crate) async fn forget_turns(env: &Env, tenant_id: &str) {
    if let Err(e) = call(env, tenant_id, "/forget", &serde_json::json!({})).await {
        worker::console_error!("forgetting history hints failed: {e}");
    }
}

/// Keeps a live stream's slot for another lease TTL. `Ok(false)`: the lease had been lost (it
/// expired or the object was evicted) and was taken again.
pub(crate) async fn renew(env: &Env, tenant_id: &str, lease_id: &str) -> Result<bool, Error> {
    let body = Renew {
        lease_id: lease_id.to_owned(),
    };
    let mut response = call(env, tenant_id, "/renew", &body).await?;
    let renewed: Renewed = response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("renew answer: {e}")))?;
    Ok(renewed.held)
}

/// Remembers an accepted admin signature for the window; false when it was seen before.
pub(crate) async fn first_use(
    env: &Env,
    tenant_id: &str,
    signature: [u8; 32],
    timestamp_s: u64,
) -> Result<bool, Error> {
    #[derive(Deserialize)]
    struct Answer {
        fresh: bool,
    }
    let mut response = call(
        env,
        tenant_id,
        "/replay",
        &SeenSignature {
            signature,
            timestamp_s,
        },
    )
    .await?;
    let answer: Answer = response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("replay answer: {e}")))?;
    Ok(answer.fresh)
}

/// Rate-limit phase of every widget route but chat: one call at the top of the handler.
/// Admits the request under the route class's per-client-network and per-tenant budgets
/// (`limits.routes`) in the tenant's object, or refuses it with the 429 error (`Retry-After`,
/// `RateLimit-*`). An unknown tenant is `404 tenant_not_found` before any object is made; a
/// limiter failure refuses the request (503). Only Cloudflare's `CF-Connecting-IP` names the
/// client.
pub(crate) async fn meter(
    env: &Env,
    req: &Request,
    tenant_id: &str,
    class: RouteClass,
) -> Result<(), Error> {
    if !valid_tenant_id(tenant_id) {
        return Err(Error::code(ErrorCode::TenantNotFound));
    }
    let tenant = tenant_cache::tenant(&Store::new(env)?, tenant_id)
        .await?
        .ok_or_else(|| Error::code(ErrorCode::TenantNotFound))?;
    let now = now_ms();
    let master = secret(env, "MASTER_SECRET")?;
    let ip = header(req, "CF-Connecting-IP").unwrap_or_default();
    let request = MeterRequest {
        class,
        ip_key: ip_key(master.as_bytes(), tenant_id, &ip, now),
        budget: tenant.record.config.limits.routes.budget(class),
    };
    let mut response = call(env, tenant_id, "/meter", &request).await?;
    let verdict: MeterVerdict = response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("limiter answer: {e}")))?;
    verdict.into_result().map(|_| ())
}

/// Reserves a guest's order verification in the tenant's object for these keys (the
/// session's and the client network's): `Ok(Some(at))` when it may run (counted as failed
/// until [`forgive_order_attempt`]), `Ok(None)` past the limit. A failure is an error: the
/// caller refuses the verification (fail closed).
pub(crate) async fn begin_order_attempt(
    env: &Env,
    tenant_id: &str,
    keys: &[String],
) -> Result<Option<u64>, Error> {
    let body = OrderAttempt {
        op: "begin".to_owned(),
        keys: keys.to_vec(),
        at: 0,
    };
    let mut response = call(env, tenant_id, "/order_attempt", &body).await?;
    let answer: OrderAttemptAnswer = response
        .json()
        .await
        .map_err(|e| Error::Storage(format!("order attempt answer: {e}")))?;
    Ok(answer.at)
}

/// Takes back a reservation (the verification succeeded, or the shop's API failed).
pub(crate) async fn forgive_order_attempt(
    env: &Env,
    tenant_id: &str,
    keys: &[String],
    at: u64,
) -> Result<(), Error> {
    let body = OrderAttempt {
        op: "forgive".to_owned(),
        keys: keys.to_vec(),
        at,
    };
    call(env, tenant_id, "/order_attempt", &body)
        .await
        .map(|_| ())
}
