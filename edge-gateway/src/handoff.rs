//! The handoff's routes (issue 14, gateway side): the shopper asks for a person, opens the
//! live socket with a ticket, rates the conversation and leaves an email; staff (admin-signed
//! this round) see the inbox, take, reply, note, hand back and close. The chat route asks
//! [`divert`] first: while a person owns the conversation the assistant never answers.
//!
//! Every state change and every live message goes through the conversation's object
//! (`room.rs`); this module authenticates, validates (core `handoff_wire`) and translates.

use crate::admin::{admin_call, AdminCall};
use crate::env::{now_ms, random_bytes, secret};
use crate::http::{self, header, json_response, read_json_body};
use crate::limiter;
use crate::room::{self, MoveAnswer, MoveWire, PostCall, Require};
use crate::sessions::{authenticate, Authenticated};
use crate::store::Store;
use crate::webhooks;
use serde_json::{json, Value};
use shopkeep_gateway_core::handoff::{Notice, Reason, Rule, State};
use shopkeep_gateway_core::handoff_wire::{
    check_contact, check_csat, check_reason, check_staff_name, check_staff_text, handoff_arguments,
    state_json, stream_event, ContactRequest, CsatRequest, HandoffRequest, StaffMessage, StaffName,
};
use shopkeep_gateway_core::live::{Author, Role};
use shopkeep_gateway_core::live_ticket::{self, Ticket, LIVE_KID, TICKET_TTL_MS};
use shopkeep_gateway_core::privacy;
use shopkeep_gateway_core::ratelimit::RouteClass;
use shopkeep_gateway_core::relay::encode_event;
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES, MAX_WIDGET_BODY_BYTES};
use shopkeep_gateway_core::routes::StaffAction;
use shopkeep_gateway_core::session_check::TokenRoute;
use shopkeep_gateway_core::session_token::{derive_key, random_id, KeyPurpose, SessionClaims};
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_gateway_core::tools::ToolOutcome;
use shopkeep_gateway_core::webhooks::EventType;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{ErrorCode, FinishReason, StreamEvent, Usage};
use worker::{Env, Headers, Request, Response};

/// The tenant's live-ticket key (derived, never stored).
fn ticket_key(env: &Env, tenant_id: &str) -> Result<[u8; 32], Error> {
    let master = secret(env, "MASTER_SECRET")?;
    Ok(derive_key(
        master.as_bytes(),
        tenant_id,
        KeyPurpose::Session,
        LIVE_KID,
    ))
}

fn invalid(why: &str) -> Error {
    Error::downstream(ErrorCode::InvalidField, why)
}

/// Whether the team is open now, and the usual reply time.
fn hours_now(config: &TenantConfig) -> (bool, u32) {
    let settings = &config.handoff;
    (
        settings.hours.is_open(now_ms()),
        settings.rules.reply_minutes,
    )
}

/// Asks for a person on the conversation's behalf (a tenant rule, the `handoff` tool):
/// the state moves to waiting and the shopper is told. Used by the feedback route, the chat
/// route's keyword rule, the tool executor and the order work's verification limit.
pub(crate) async fn request_person(
    env: &Env,
    config: &TenantConfig,
    conversation_id: &str,
    reason: Reason,
    summary: Option<String>,
) -> Result<MoveAnswer, Error> {
    let (open, minutes) = hours_now(config);
    room::apply_move(
        env,
        &config.tenant_id,
        conversation_id,
        MoveWire::Request { reason, summary },
        open,
        minutes,
    )
    .await
}

/// The order work calls this when a shopper reaches the order verification limit: hands the
/// conversation to a person when the tenant's rules say so. Returns the move, if any.
pub(crate) async fn on_verification_limit(
    env: &Env,
    config: &TenantConfig,
    conversation_id: &str,
) -> Result<Option<MoveAnswer>, Error> {
    if !config.handoff.rules.on_verification_limit {
        return Ok(None);
    }
    let rule = Rule::VerificationLimit;
    request_person(env, config, conversation_id, Reason::Rule { rule }, None)
        .await
        .map(Some)
}

/// The `handoff` tool's executor: moves the conversation to waiting (the shopper's notice is
/// stored in the live log and sent on the socket) and tells the model what the shopper was
/// told, so its last words match.
pub(crate) async fn run_tool(
    env: &Env,
    config: &TenantConfig,
    conversation_id: &str,
    arguments: &Value,
) -> ToolOutcome {
    let (reason, summary) = match handoff_arguments(arguments) {
        Ok(args) => args,
        Err(why) => return ToolOutcome::Failed(why),
    };
    let summary = privacy::stored_comment(&summary, &config.privacy);
    match request_person(
        env,
        config,
        conversation_id,
        Reason::Assistant { reason },
        summary,
    )
    .await
    {
        // The same JSON the `handoff` stream event carries (the relay forwards it).
        Ok(answer) => ToolOutcome::Done(state_json(&answer.state, answer.notice.as_ref())),
        Err(e) => {
            worker::console_error!("handoff tool: {e}");
            ToolOutcome::Failed(String::from("the handoff could not be made; tell the shopper to try the \"Talk to a person\" button"))
        }
    }
}

/// After a thumbs-down: hands the conversation to a person when the tenant's rule fires.
pub(crate) async fn on_thumbs_down(
    env: &Env,
    config: &TenantConfig,
    conversation_id: &str,
) -> Result<(), Error> {
    let count = Store::new(env)?
        .thumbs_down_count(&config.tenant_id, conversation_id)
        .await?;
    if let Some(rule) = config.handoff.rules.thumbs_down(count) {
        request_person(env, config, conversation_id, Reason::Rule { rule }, None).await?;
    }
    Ok(())
}

fn answer_json(conversation_id: &str, answer: &MoveAnswer) -> Value {
    let mut value = state_json(&answer.state, answer.notice.as_ref());
    value["conversation_id"] = json!(conversation_id);
    value
}

/// `POST /v1/handoff`
pub(crate) async fn shopper_request(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    // Asking for a person sends the shop words: the session's consent is needed where the
    // tenant asks for it, like a chat message.
    let Authenticated { claims, tenant } =
        authenticate(&req, env, origin, TokenRoute::Chat).await?;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Feedback).await?;
    let body = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let request: HandoffRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let reason = check_reason(request.reason.as_deref()).map_err(invalid)?;
    let config = &tenant.record.config;
    let summary = reason.and_then(|r| privacy::stored_comment(&r, &config.privacy));
    let answer = request_person(
        env,
        config,
        &claims.conversation_id,
        Reason::Shopper,
        summary,
    )
    .await?;
    json_response(200, &answer_json(&claims.conversation_id, &answer), origin)
}

fn sign_ticket(env: &Env, ticket: &Ticket) -> Result<Value, Error> {
    let key = ticket_key(env, &ticket.tenant_id)?;
    let signed = live_ticket::sign(ticket, &key);
    Ok(json!({
        "ticket": signed,
        "url": format!("/v1/live?ticket={signed}"),
        "expires_at_ms": ticket.expires_at_ms,
    }))
}

/// `POST /v1/live/ticket`: a ticket for the shopper's OWN conversation (the one its session
/// token names); never a staff ticket.
pub(crate) async fn shopper_ticket(
    req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    // The socket carries the shopper's messages: consent like chat where the tenant asks.
    let claims = authenticate(&req, env, origin, TokenRoute::Chat)
        .await?
        .claims;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::History).await?;
    let ticket = Ticket {
        tenant_id: claims.tenant_id,
        conversation_id: claims.conversation_id,
        role: Role::Shopper,
        staff_id: None,
        staff_name: None,
        expires_at_ms: now_ms() + TICKET_TTL_MS,
    };
    json_response(200, &sign_ticket(env, &ticket)?, origin)
}

/// `GET /v1/live?ticket=…`: verifies the ticket and hands the upgrade to the conversation's
/// object. Any ticket failure is one answer: 401.
pub(crate) async fn live(req: Request, env: &Env) -> Result<Response, Error> {
    let upgrade = header(&req, "Upgrade").unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(Error::downstream(
            ErrorCode::BadRequest,
            "This route is a WebSocket: send Upgrade: websocket.",
        ));
    }
    let url = req
        .url()
        .map_err(|e| Error::Internal(format!("url: {e}")))?;
    let unauthorized =
        || Error::downstream(ErrorCode::Unauthorized, "A valid live ticket is required.");
    let raw = url
        .query_pairs()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(unauthorized)?;
    let tenant_id = live_ticket::peek_tenant(&raw).map_err(|_| unauthorized())?;
    let key = ticket_key(env, tenant_id)?;
    let ticket = live_ticket::verify(&raw, &key, now_ms()).map_err(|_| unauthorized())?;
    room::connect(env, &ticket).await
}

/// `POST /v1/csat`
pub(crate) async fn csat(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let Authenticated { claims, tenant } =
        authenticate(&req, env, origin, TokenRoute::Feedback).await?;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Feedback).await?;
    let body = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let request: CsatRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let (rating, comment) = check_csat(&request).map_err(invalid)?;
    let store = Store::new(env)?;
    let (t, c) = (claims.tenant_id.as_str(), claims.conversation_id.as_str());
    if !store.csat_allowed(t, c).await? {
        return Err(Error::downstream(
            ErrorCode::NotNow,
            "A conversation can be rated once it is closed or an answer resolved it.",
        ));
    }
    let comment = comment.and_then(|c| privacy::stored_comment(&c, &tenant.record.config.privacy));
    store
        .put_csat(t, c, rating, comment.as_deref(), now_ms())
        .await?;
    webhooks::emit(
        env,
        t,
        EventType::CsatSubmitted,
        json!({"conversation_id": c, "rating": rating, "comment": comment}),
    )
    .await;
    json_response(200, &json!({"ok": true}), origin)
}

/// `POST /v1/contact`: an email left outside hours. Needs consent like a chat message does
/// (the session's, when the tenant asks for it) and the shopper's explicit `consent: true`
/// to be written to at that address.
pub(crate) async fn contact(
    mut req: Request,
    env: &Env,
    origin: Option<&str>,
) -> Result<Response, Error> {
    let claims = authenticate(&req, env, origin, TokenRoute::Chat)
        .await?
        .claims;
    limiter::meter(env, &req, &claims.tenant_id, RouteClass::Feedback).await?;
    let body = read_json_body(&mut req, MAX_WIDGET_BODY_BYTES).await?;
    let request: ContactRequest = decode_json(&body, MAX_WIDGET_BODY_BYTES)?;
    let email = check_contact(&request).map_err(invalid)?;
    Store::new(env)?
        .put_contact(&claims.tenant_id, &claims.conversation_id, &email, now_ms())
        .await?;
    json_response(200, &json!({"ok": true}), origin)
}

/// What the chat route does with a shopper's message ([`divert`]).
pub(crate) enum Diverted {
    /// A person owns the conversation: this stream (a `handoff` event, no AI text) is the
    /// whole answer.
    Person(Response),
    /// The assistant answers; when the conversation just moved back to it (a closed one the
    /// shopper writes to again), the stream first says so with this `handoff` event.
    Assistant(Option<StreamEvent>),
}

/// The chat route's first question: does a person own this conversation (or does a keyword
/// rule hand it to one now)? Then the shopper's message goes to the live channel and the
/// answer is a stream with a `handoff` event and no AI text. A closed conversation the
/// shopper writes to again goes back to the assistant, and the shopper is told.
pub(crate) async fn divert(
    env: &Env,
    claims: &SessionClaims,
    config: &TenantConfig,
    state: State,
    question: &str,
    client_message_id: &str,
    origin: Option<&str>,
) -> Result<Diverted, Error> {
    let (t, c) = (claims.tenant_id.as_str(), claims.conversation_id.as_str());
    let (state, notice): (State, Option<Notice>) = match state {
        State::Waiting { .. } | State::Human { .. } => (state, None),
        State::Closed { .. } => {
            let (open, minutes) = hours_now(config);
            let moved = room::apply_move(env, t, c, MoveWire::ShopperWrites, open, minutes).await?;
            // Never a silent change: the notice the live log got reaches this stream too.
            let told = moved.notice.as_ref().map(|notice| {
                shopkeep_gateway_core::handoff_wire::event(&moved.state, Some(notice))
            });
            return Ok(Diverted::Assistant(told));
        }
        State::Ai => match config.handoff.rules.keyword_in(question) {
            Some(rule @ Rule::Keyword { .. }) => {
                let summary: String = question.chars().take(200).collect();
                let answer = request_person(
                    env,
                    config,
                    c,
                    Reason::Rule { rule },
                    privacy::stored_comment(&summary, &config.privacy),
                )
                .await?;
                (answer.state, answer.notice)
            }
            _ => return Ok(Diverted::Assistant(None)),
        },
    };
    // The message must reach the person even in store-nothing mode; it is stored as the
    // privacy rules allow (redacted form when transcripts are off or redaction is on).
    let forms = privacy::forms(question, &config.privacy);
    let text = forms.stored.unwrap_or(forms.for_ai);
    let post = PostCall {
        tenant_id: t.to_owned(),
        conversation_id: c.to_owned(),
        author: Author::Shopper,
        client_id: Some(client_message_id.to_owned()),
        text,
        internal: false,
        staff_id: None,
        staff_name: None,
        require: Require::PersonInvolved,
    };
    let posted = match room::post(env, &post).await {
        Ok(posted) => posted,
        // Staff handed it back meanwhile: the assistant answers.
        Err(e) if e.error_code() == ErrorCode::NotNow => return Ok(Diverted::Assistant(None)),
        Err(e) => return Err(e),
    };
    let message_id = random_id("m_", &random_bytes()?);
    let mut body = encode_event(&StreamEvent::Start {
        user_message_id: format!("m_live-{}", posted.entry.seq),
        message_id: message_id.clone(),
    });
    body.push_str(&stream_event(&state, notice.as_ref()));
    body.push_str(&encode_event(&StreamEvent::Done {
        message_id,
        finish: FinishReason::Complete,
        usage: Usage::default(),
    }));
    let headers = Headers::new();
    let set = |k: &str, v: &str| {
        headers
            .set(k, v)
            .map_err(|e| Error::Internal(format!("set header: {e}")))
    };
    set("Content-Type", "text/event-stream; charset=utf-8")?;
    set("Cache-Control", "no-cache, no-transform")?;
    http::cors_headers(&headers, origin)?;
    let response = Response::ok(body).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Diverted::Person(response.with_headers(headers)))
}

/// `GET /v1/admin/tenants/{id}/inbox`
pub(crate) async fn inbox(mut req: Request, env: &Env, tenant_id: &str) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let now = now_ms();
    let rows = store.inbox(tenant_id).await?;
    let list: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let requested = r.requested_at_ms.map(|v| v as u64);
            json!({
                "conversation_id": r.conversation_id,
                "state": r.state,
                "summary": r.summary,
                "reason": r.reason_json.and_then(|j| serde_json::from_str::<Value>(&j).ok()),
                "owner": r.owner,
                "requested_at_ms": requested,
                "waiting_ms": requested.map(|t| now.saturating_sub(t)),
                "taken_at_ms": r.taken_at_ms.map(|v| v as u64),
                "last_message": r.last_message,
                "last_seq": r.last_seq.map(|v| v as u64).unwrap_or(0),
                "contact_email": r.contact_email,
            })
        })
        .collect();
    json_response(200, &json!({ "conversations": list }), None)
}

/// `POST /v1/admin/tenants/{id}/conversations/{c}/{action}`
pub(crate) async fn staff_action(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    conversation_id: &str,
    action: StaffAction,
) -> Result<Response, Error> {
    let AdminCall {
        body,
        store,
        tenant,
        actor,
    } = admin_call(&mut req, env, tenant_id).await?;
    if !store.conversation_known(tenant_id, conversation_id).await? {
        return Err(Error::downstream(
            ErrorCode::NotFound,
            "No such conversation.",
        ));
    }
    let body = if body.is_empty() {
        b"{}".to_vec()
    } else {
        body
    };
    let (open, minutes) = hours_now(&tenant.config);
    let now = now_ms();
    let (name, answer) = match action {
        StaffAction::Take | StaffAction::HandBack | StaffAction::Close => {
            let step = match action {
                StaffAction::Take => {
                    let staff: StaffName = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
                    MoveWire::Take {
                        staff_id: actor.clone(),
                        assign: staff.assign,
                    }
                }
                StaffAction::HandBack => MoveWire::HandBack {
                    staff_id: actor.clone(),
                },
                _ => MoveWire::Close,
            };
            let moved =
                room::apply_move(env, tenant_id, conversation_id, step, open, minutes).await?;
            let name = match action {
                StaffAction::Take => "conversation.take",
                StaffAction::HandBack => "conversation.hand_back",
                _ => "conversation.close",
            };
            (name, answer_json(conversation_id, &moved))
        }
        StaffAction::Message | StaffAction::Note => {
            let message: StaffMessage = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
            let text = check_staff_text(&message.text).map_err(invalid)?;
            let staff_name = check_staff_name(message.name.as_deref()).map_err(invalid)?;
            let client_id = match message.client_id {
                Some(id)
                    if (1..=64).contains(&id.len())
                        && id
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
                {
                    id
                }
                Some(_) => return Err(invalid("client_id must be 1–64 of [A-Za-z0-9_-]")),
                None => random_id("http-", &random_bytes()?),
            };
            let note = action == StaffAction::Note;
            let posted = room::post(
                env,
                &PostCall {
                    tenant_id: tenant_id.to_owned(),
                    conversation_id: conversation_id.to_owned(),
                    author: Author::Staff,
                    client_id: Some(client_id),
                    text,
                    internal: note,
                    staff_id: Some(actor.clone()),
                    staff_name,
                    require: if note {
                        Require::Nothing
                    } else {
                        Require::Owner
                    },
                },
            )
            .await?;
            let name = if note {
                "conversation.note"
            } else {
                "conversation.reply"
            };
            (
                name,
                json!({"entry": posted.entry, "duplicate": posted.duplicate}),
            )
        }
        StaffAction::LiveTicket => {
            let staff: StaffName = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
            let staff_name = check_staff_name(staff.name.as_deref()).map_err(invalid)?;
            let ticket = Ticket {
                tenant_id: tenant_id.to_owned(),
                conversation_id: conversation_id.to_owned(),
                role: Role::Staff,
                staff_id: Some(actor.clone()),
                staff_name,
                expires_at_ms: now + TICKET_TTL_MS,
            };
            ("conversation.live_ticket", sign_ticket(env, &ticket)?)
        }
    };
    store
        .audit_action(
            tenant_id,
            &actor,
            name,
            &json!({"conversation_id": conversation_id}),
            now,
        )
        .await?;
    json_response(200, &answer, None)
}
