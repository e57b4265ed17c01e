//! The Shopkeep edge gateway: a Cloudflare Worker that translates between the platform and
//! `shopkeep-gateway-core`.
//!
//! Owns: the `#[event(fetch)]` entry, reading requests and writing responses, D1 queries,
//! fetching the AI runtime, and streaming responses. Every decision (routing, validation,
//! tokens, prompts, retries, error mapping) is a call into the core crate.

mod admin;
mod catalog;
mod chat;
mod env;
mod handoff;
mod http;
mod insights;
mod jobs;
mod knowledge;
mod limiter;
mod orders;
mod privacy;
mod room;
mod sessions;
mod staff;
mod store;
mod tenant_cache;
mod upstream;
mod webhooks;

pub use limiter::TenantLimiter;
pub use room::ConversationRoom;
use shopkeep_gateway_core::routes::{self, Method, Route};
use shopkeep_gateway_core::Error;
use worker::{event, Context, Env, Request, Response};

/// The daily cron (wrangler.toml `[triggers]`): the retention purge.
const DAILY_CRON: &str = "17 3 * * *";

/// The cron triggers (wrangler.toml `[triggers]`): the retention purge daily; due catalog
/// and site syncs on every trigger (hourly).
#[event(scheduled)]
async fn scheduled(event: worker::ScheduledEvent, env: Env, _ctx: worker::ScheduleContext) {
    if event.cron() == DAILY_CRON {
        privacy::purge_expired(&env).await;
    }
    catalog::start_due_syncs(&env).await;
    knowledge::crawl::scheduled(&env).await;
}

/// The jobs queue's consumer (wrangler.toml `[[queues.consumers]]`).
#[event(queue)]
async fn queue(
    batch: worker::MessageBatch<serde_json::Value>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    jobs::consume(batch, env).await;
    Ok(())
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let origin = req.headers().get("Origin").ok().flatten();
    let path = req.path();
    let method = Method::parse(req.method().as_ref());
    let result = match routes::route(method, &path) {
        Ok(route) => handle(route, req, &env, ctx, origin.as_deref()).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(response) => Ok(response),
        Err(err) => {
            if err.error_code().status() >= 500 {
                worker::console_error!("{method:?} {path}: {err}");
            }
            http::error_response(&err, origin.as_deref(), routes::allowed_methods(&path))
        }
    }
}

async fn handle(
    route: Route,
    req: Request,
    env: &Env,
    ctx: Context,
    origin: Option<&str>,
) -> Result<Response, Error> {
    match route {
        Route::Health => http::json_response(200, &serde_json::json!({"ok": true}), None),
        Route::Preflight => http::preflight(origin),
        Route::PublicConfig { tenant_id } => {
            sessions::public_config(&req, env, &tenant_id, origin).await
        }
        Route::CreateSession => sessions::create_session(req, env, origin).await,
        Route::Conversation => sessions::conversation(&req, env, origin).await,
        Route::Consent => sessions::consent(req, env, origin).await,
        Route::Feedback { message_id } => sessions::feedback(req, env, origin, &message_id).await,
        Route::Chat => chat::chat(req, env, ctx, origin).await,
        Route::PlatformPutTenant { tenant_id } => admin::put_tenant(req, env, &tenant_id).await,
        Route::PlatformKeys { tenant_id } => admin::platform_keys(req, env, &tenant_id).await,
        Route::AdminGetConfig { tenant_id } => admin::get_config(req, env, &tenant_id).await,
        Route::AdminPutConfig { tenant_id } => admin::put_config(req, env, &tenant_id).await,
        Route::AdminRotateKey { tenant_id } => admin::rotate_key(req, env, &tenant_id).await,
        Route::AdminConversations { tenant_id } => {
            insights::conversations(req, env, &tenant_id).await
        }
        Route::AdminTranscript {
            tenant_id,
            conversation_id,
        } => insights::transcript(req, env, &tenant_id, &conversation_id).await,
        Route::AdminAnalytics { tenant_id } => insights::analytics(req, env, &tenant_id).await,
        Route::AdminAudit { tenant_id } => insights::audit(req, env, &tenant_id).await,
        Route::AdminExport { tenant_id } => privacy::admin_export(req, env, &tenant_id).await,
        Route::AdminErase { tenant_id } => privacy::admin_erase(req, env, &tenant_id).await,
        Route::AdminCatalog { tenant_id } => catalog::get_catalog(req, env, &tenant_id).await,
        Route::AdminCatalogPutSource { tenant_id } => {
            catalog::put_source(req, env, &tenant_id).await
        }
        Route::AdminCatalogDeleteSource { tenant_id } => {
            catalog::delete_source(req, env, &tenant_id).await
        }
        Route::AdminCatalogSync { tenant_id } => catalog::post_sync(req, env, &tenant_id).await,
        Route::AdminCatalogUpload { tenant_id } => catalog::upload(req, env, &tenant_id).await,
        Route::AdminCatalogSearch { tenant_id } => {
            catalog::admin_search(req, env, &tenant_id).await
        }
        Route::AdminOrdersGetSource { tenant_id } => orders::get_source(req, env, &tenant_id).await,
        Route::AdminOrdersPutSource { tenant_id } => orders::put_source(req, env, &tenant_id).await,
        Route::AdminOrdersDeleteSource { tenant_id } => {
            orders::delete_source(req, env, &tenant_id).await
        }
        Route::AdminKnowledge { tenant_id, route } => {
            knowledge::admin(req, env, &tenant_id, route).await
        }
        Route::ShopperExport => privacy::shopper_export(req, env, origin).await,
        Route::ShopperErase => privacy::shopper_erase(req, env, origin).await,
        Route::Handoff => handoff::shopper_request(req, env, origin).await,
        Route::LiveTicket => handoff::shopper_ticket(req, env, origin).await,
        Route::Live => handoff::live(req, env).await,
        Route::Csat => handoff::csat(req, env, origin).await,
        Route::Contact => handoff::contact(req, env, origin).await,
        Route::AdminInbox { tenant_id } => handoff::inbox(req, env, &tenant_id).await,
        Route::AdminConversationAction {
            tenant_id,
            conversation_id,
            action,
        } => handoff::staff_action(req, env, &tenant_id, &conversation_id, action).await,
        // Staff accounts, passkeys and sessions (issue 14, staff side).
        Route::AdminStaff { tenant_id, route } => staff::route(req, env, &tenant_id, route).await,
        Route::AdminWebhooks { tenant_id, create } => {
            webhooks::endpoints(req, env, &tenant_id, create).await
        }
        Route::AdminDeleteWebhook {
            tenant_id,
            endpoint_id,
        } => webhooks::delete_endpoint(req, env, &tenant_id, &endpoint_id).await,
        Route::AdminWebhookDeliveries { tenant_id } => {
            webhooks::deliveries(req, env, &tenant_id).await
        }
        Route::AdminRetryDelivery {
            tenant_id,
            delivery_id,
        } => webhooks::retry(req, env, &tenant_id, &delivery_id).await,
    }
}
