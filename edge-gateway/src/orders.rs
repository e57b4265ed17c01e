//! Orders in the shell (issue 13): the admin routes of the tenant's order source, and the
//! `lookup_order` executor — the attempt check in the tenant's Durable Object, the fetch to
//! the shop's order API (checked with `core::outbound::check`, time-limited, no redirects),
//! the record of every lookup. Every decision (who may see what, what the model is told, the
//! card) is `core::orders`'.
//!
//! Owns: the I/O of order lookups. Must not hold access rules or parsing.

use crate::admin::{admin_call, admin_call_raw, sources, AdminCall};
use crate::env::{allow_private_fetch, now_ms, secret};
use crate::http::{json_response, read_capped, BodyFault};
use crate::limiter;
use crate::store::{NewLookup, Store};
use futures::future::{select, Either};
use serde::Deserialize;
use serde_json::{json, Value};
use shopkeep_gateway_core::orders::api::{
    self, ApiRequest, Credentials, Fault, OrderApi, FETCH_TIMEOUT_MS, MAX_BODY_BYTES,
};
use shopkeep_gateway_core::orders::lookup::{self, Fetch, Plan, Verified};
use shopkeep_gateway_core::orders::{normalise_email, normalise_number, Order, VerifiedEmail};
use shopkeep_gateway_core::outbound;
use shopkeep_gateway_core::secretbox;
use shopkeep_gateway_core::tenant::{PrivacyRules, TenantConfig};
use shopkeep_gateway_core::tools::ToolOutcome;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{Block, ErrorCode};
use std::time::Duration;
use worker::{Delay, Env, Headers, Method, Request, RequestInit, RequestRedirect, Response};

/// The secretbox purpose of order API credentials (distinct from the catalog's: a sealed
/// catalog token can never be opened as an order credential).
const CREDENTIALS_PURPOSE: &str = "order-credentials";

fn invalid(message: impl Into<String>) -> Error {
    Error::downstream(ErrorCode::InvalidRequest, message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceBody {
    kind: String,
    base_url: String,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    consumer_key: Option<String>,
    #[serde(default)]
    consumer_secret: Option<String>,
}

/// `GET /v1/admin/tenants/{t}/orders/source`: the source without its credentials.
pub(crate) async fn get_source(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let source = store.order_source(tenant_id).await?;
    json_response(200, &json!({ "source": source.map(|s| s.public()) }), None)
}

/// `PUT /v1/admin/tenants/{t}/orders/source`: the URL checked (`outbound::check`), the
/// credentials probed once against the API (refused credentials are refused here), then
/// sealed; never returned.
pub(crate) async fn put_source(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body, store, actor, ..
    } = admin_call(&mut req, env, tenant_id).await?;
    let body: SourceBody = shopkeep_gateway_core::requests::decode_json(
        &body,
        shopkeep_gateway_core::requests::MAX_ADMIN_BODY_BYTES,
    )?;
    let kind = OrderApi::parse(&body.kind)
        .ok_or_else(|| Error::invalid_field("kind", "must be shopify_admin or woocommerce"))?;
    let base = sources::shop_url(env, "base_url", Some(&body.base_url))?;
    let credentials = Credentials::from_fields(
        kind,
        body.access_token.as_deref(),
        body.consumer_key.as_deref(),
        body.consumer_secret.as_deref(),
    )
    .map_err(|(field, why)| Error::invalid_field(field, why))?;
    // One request proves the URL is the API and the credentials are accepted.
    match fetch(env, &api::probe(kind, &base, &credentials)).await {
        Ok((status, text)) => match api::read_answer(kind, status, &text) {
            Ok(_) => {}
            Err(Fault::Credentials) => {
                return Err(invalid(
                    "the shop refused these credentials (they need read access to orders)",
                ))
            }
            Err(Fault::Shape) | Err(Fault::Status) => {
                return Err(invalid(format!(
                    "base_url: the shop answered HTTP {status}, not an order list"
                )))
            }
            Err(Fault::RateLimited) | Err(Fault::Unreachable) => {
                return Err(invalid("base_url: the shop did not answer; try again"))
            }
        },
        Err(Fault::Shape) => {
            return Err(invalid(format!(
                "base_url: the shop's answer is larger than {} MB, not an order list",
                MAX_BODY_BYTES / 1024 / 1024
            )))
        }
        Err(_) => return Err(invalid("base_url: the shop is unreachable")),
    }
    let plain = serde_json::to_string(&credentials)
        .map_err(|e| Error::Internal(format!("credentials: {e}")))?;
    let sealed = sources::seal_credential(env, CREDENTIALS_PURPOSE, tenant_id, &plain)?;
    store
        .put_order_source(tenant_id, kind.as_str(), &base, &sealed, now_ms())
        .await?;
    crate::tenant_cache::forget(tenant_id);
    store
        .catalog_audit(
            tenant_id,
            &actor,
            "orders.source_saved",
            &json!({"kind": kind.as_str(), "base_url": base}),
            now_ms(),
        )
        .await;
    let source = store
        .order_source(tenant_id)
        .await?
        .ok_or_else(|| Error::Internal("order source vanished".into()))?;
    json_response(200, &json!({ "source": source.public() }), None)
}

/// `DELETE /v1/admin/tenants/{t}/orders/source`
pub(crate) async fn delete_source(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, actor, .. } = admin_call_raw(&mut req, env, tenant_id, 1024).await?;
    store.delete_order_source(tenant_id).await?;
    sources::removed(&store, tenant_id, &actor, "orders.source_removed").await
}

/// One GET to the order API within [`FETCH_TIMEOUT_MS`]: status and body. Redirects are not
/// followed (an order API does not redirect; a redirect is a fault). The error is for logs.
async fn fetch(env: &Env, request: &ApiRequest) -> Result<(u16, String), Fault> {
    let checked =
        outbound::check(&request.url, allow_private_fetch(env)).map_err(|_| Fault::Unreachable)?;
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(|_| Fault::Unreachable)?;
    }
    headers
        .set("User-Agent", "Shopkeep-Orders/1")
        .map_err(|_| Fault::Unreachable)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    let req = Request::new_with_init(&checked.url, &init).map_err(|_| Fault::Unreachable)?;
    let run = async {
        let mut response = worker::Fetch::Request(req)
            .send()
            .await
            .map_err(|_| Fault::Unreachable)?;
        let status = response.status_code();
        // Counted as it arrives: an answer past the cap is refused without buffering it.
        let bytes =
            read_capped(&mut response, MAX_BODY_BYTES)
                .await
                .map_err(|fault| match fault {
                    BodyFault::TooLarge => Fault::Shape,
                    BodyFault::Unreadable => Fault::Unreachable,
                })?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    };
    let limit = Delay::from(Duration::from_millis(FETCH_TIMEOUT_MS));
    futures::pin_mut!(run);
    match select(run, limit).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => Err(Fault::Unreachable),
    }
}

/// Who asks, from the chat turn.
pub(crate) struct Asker<'a> {
    pub(crate) env: &'a Env,
    pub(crate) store: &'a Store,
    pub(crate) config: &'a TenantConfig,
    pub(crate) rules: &'a PrivacyRules,
    pub(crate) tenant_id: &'a str,
    pub(crate) conversation_id: &'a str,
    pub(crate) session_id: &'a str,
    /// The verified customer (identity token subject), from the signed session.
    pub(crate) user_id: Option<&'a str>,
    /// The keyed digest of the email the identity token vouched for, from the signed session.
    pub(crate) email_digest: Option<&'a str>,
    /// The client network's key (`ratelimit::ip_key`).
    pub(crate) ip_key: &'a str,
}

/// What a lookup gives the turn.
pub(crate) struct Looked {
    /// The tool result for the model.
    pub(crate) outcome: ToolOutcome,
    /// `order` blocks (built from the shop's data, never from model text).
    pub(crate) blocks: Vec<Block>,
    /// The handoff the verification-limit rule made (the `handoff` event's JSON), if any.
    pub(crate) handoff: Option<Value>,
}

/// The `lookup_order` executor.
pub(crate) async fn lookup(asker: &Asker<'_>, arguments: &Value) -> Looked {
    // The plan needs the customer only; the verified email takes part once the orders are in.
    let customer = asker.user_id.map(|customer_id| Verified {
        customer_id,
        email: None,
    });
    let plan = lookup::plan(arguments, customer);
    let fetch_plan = match &plan {
        Plan::Ask(ask) => {
            return Looked {
                outcome: ToolOutcome::Done(ask.clone()),
                blocks: Vec::new(),
                handoff: None,
            }
        }
        Plan::Fetch(f) => f.clone(),
    };
    let master = match secret(asker.env, "MASTER_SECRET") {
        Ok(m) => m,
        Err(e) => {
            worker::console_error!("lookup_order: {e}");
            return unavailable();
        }
    };
    let digest_key = api::digest_key(master.as_bytes(), asker.tenant_id);
    let verified = customer.map(|me| Verified {
        email: asker.email_digest.map(|digest| VerifiedEmail {
            digest,
            key: &digest_key,
        }),
        ..me
    });
    let digest = |kind: &str, value: Option<String>| {
        value.map(|v| api::keyed_digest_with(&digest_key, kind, &v))
    };
    let text = |key: &str| {
        arguments
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let number_digest = digest(
        "number",
        text("order_number").and_then(|n| normalise_number(&n)),
    );
    // A verified shopper's typed email takes no part (the plan ignores it); the email that
    // may open their guest checkout is the session's, already a keyed digest of kind `email`.
    let email_digest = match verified {
        Some(_) => asker.email_digest.map(str::to_owned),
        None => digest("email", text("email").and_then(|e| normalise_email(&e))),
    };
    let guest = matches!(fetch_plan, Fetch::ByNumber { .. });
    let keys = [
        format!("s:{}", asker.session_id),
        format!("ip:{}", asker.ip_key),
    ];
    let keys = &keys;
    let record = |outcome: &'static str, shown: Option<Vec<String>>| {
        let lookup = NewLookup {
            tenant_id: asker.tenant_id,
            conversation_id: asker.conversation_id,
            session_id: asker.session_id,
            user_id: asker.user_id,
            mode: if guest { "guest" } else { "verified" },
            number_digest: number_digest.clone(),
            email_digest: email_digest.clone(),
            outcome,
            shown: shown.filter(|_| asker.rules.store_transcripts),
            now_ms: now_ms(),
        };
        async move {
            if let Err(e) = asker.store.record_lookup(&lookup).await {
                worker::console_error!("recording an order lookup failed: {e}");
            }
        }
    };
    // A verification by number (a guest's, or a verified shopper's guest checkout) runs only
    // while the session and the network have tries left; it is reserved as a failure before
    // it runs (concurrent guesses cannot pass the limit together) and taken back when it
    // succeeds or the shop's API fails.
    let reserve = || async {
        let begun = limiter::begin_order_attempt(asker.env, asker.tenant_id, keys).await;
        match begun {
            Ok(Some(at)) => Some(at),
            Ok(None) => None,
            Err(e) => {
                worker::console_error!("order attempts: {e}");
                None
            }
        }
    };
    let mut reserved = None;
    if guest {
        reserved = reserve().await;
        if reserved.is_none() {
            record("limited", None).await;
            return at_limit(asker).await;
        }
    }
    let forgive = |at: Option<u64>| async move {
        if let Some(at) = at {
            if let Err(e) =
                limiter::forgive_order_attempt(asker.env, asker.tenant_id, keys, at).await
            {
                worker::console_error!("order attempts: {e}");
            }
        }
    };
    let source = match open_source(asker, &master).await {
        Ok(source) => source,
        Err(fault) => {
            worker::console_warn!("lookup_order: the order source failed ({})", fault.as_str());
            forgive(reserved).await;
            record(fault.as_str(), None).await;
            return unavailable();
        }
    };
    let mut orders = match source.orders(asker.env, &fetch_plan).await {
        Ok(orders) => orders,
        Err(fault) => {
            worker::console_warn!("lookup_order: the order API failed ({})", fault.as_str());
            forgive(reserved).await;
            record(fault.as_str(), None).await;
            return unavailable();
        }
    };
    // A verified shopper who named a number not among their account's orders: the order
    // with that number, which opens only as a guest checkout with their verified email.
    let follow_up = lookup::follow_up(&fetch_plan, verified, &orders);
    if let Some(by_number) = &follow_up {
        reserved = reserve().await;
        if reserved.is_none() {
            record("limited", None).await;
            return at_limit(asker).await;
        }
        match source.orders(asker.env, by_number).await {
            Ok(more) => orders.extend(more),
            Err(fault) => {
                worker::console_warn!("lookup_order: the order API failed ({})", fault.as_str());
                forgive(reserved).await;
                record(fault.as_str(), None).await;
                return unavailable();
            }
        }
    }
    let answer = lookup::answer(&orders, &fetch_plan, arguments, verified);
    if !lookup::counts_as_failure(&plan, follow_up.is_some(), answer.found) {
        forgive(reserved).await;
    }
    let shown: Vec<String> = answer
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Order { order } => Some(order.number.clone()),
            _ => None,
        })
        .collect();
    record(
        api::outcome_name(&answer, None, false),
        answer.found.then_some(shown),
    )
    .await;
    let mut for_model = answer.for_model;
    api::redact_for_ai(&mut for_model, asker.rules);
    Looked {
        outcome: ToolOutcome::Done(for_model),
        blocks: answer.blocks,
        handoff: None,
    }
}

/// The answer past the verification limit: the polite refusal and the handoff the rule made.
async fn at_limit(asker: &Asker<'_>) -> Looked {
    let handoff =
        match crate::handoff::on_verification_limit(asker.env, asker.config, asker.conversation_id)
            .await
        {
            Ok(moved) => moved.map(|m| {
                shopkeep_gateway_core::handoff_wire::state_json(&m.state, m.notice.as_ref())
            }),
            Err(e) => {
                worker::console_error!("verification-limit handoff: {e}");
                None
            }
        };
    let mut answer = lookup::limited();
    api::redact_for_ai(&mut answer.for_model, asker.rules);
    Looked {
        outcome: ToolOutcome::Done(answer.for_model),
        blocks: Vec::new(),
        handoff,
    }
}

fn unavailable() -> Looked {
    Looked {
        outcome: ToolOutcome::Done(lookup::unavailable().for_model),
        blocks: Vec::new(),
        handoff: None,
    }
}

/// The tenant's order source, opened for this lookup.
struct OpenSource {
    kind: OrderApi,
    base_url: String,
    credentials: Credentials,
}

impl OpenSource {
    /// The orders the shop returns for a planned fetch.
    async fn orders(&self, env: &Env, fetch_plan: &Fetch) -> Result<Vec<Order>, Fault> {
        let request = api::request(self.kind, &self.base_url, &self.credentials, fetch_plan);
        let (status, body) = fetch(env, &request).await?;
        api::read_answer(self.kind, status, &body)
    }
}

/// The tenant's order source and its opened credentials.
async fn open_source(asker: &Asker<'_>, master: &str) -> Result<OpenSource, Fault> {
    let source = match asker.store.order_source(asker.tenant_id).await {
        Ok(Some(source)) => source,
        Ok(None) => return Err(Fault::Credentials),
        Err(e) => {
            worker::console_error!("order source: {e}");
            return Err(Fault::Unreachable);
        }
    };
    let kind = OrderApi::parse(&source.kind).ok_or(Fault::Credentials)?;
    let credentials: Credentials = secretbox::open(
        master.as_bytes(),
        CREDENTIALS_PURPOSE,
        asker.tenant_id,
        &source.credentials,
    )
    .ok()
    .and_then(|plain| serde_json::from_str(&plain).ok())
    .filter(|c: &Credentials| c.fits(kind))
    .ok_or(Fault::Credentials)?;
    Ok(OpenSource {
        kind,
        base_url: source.base_url,
        credentials,
    })
}
