//! Background work through one Cloudflare Queue (`JOBS`, wrangler.toml): catalog sync pages,
//! site crawl pages, webhook deliveries. A producer enqueues one small message per unit of
//! work; this consumer runs each in its own invocation, so no sync ever hits one request's
//! CPU or sub-request limits. Each message names its kind; the kind's module does the work.
//!
//! Owns: decoding a message's envelope, dispatching it, and acking or retrying it. Must not
//! hold any kind's logic.

use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageExt};

/// The binding name of the jobs queue (producer and consumer).
pub(crate) const JOBS: &str = "JOBS";

/// One job. New kinds are added as variants (the wire tag is `kind`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Job {
    /// One page of a catalog sync (catalog.rs): fetch, upsert, enqueue the next.
    CatalogPage {
        /// The tenant.
        tenant_id: String,
        /// The sync run.
        sync_id: String,
        /// Which page.
        cursor: shopkeep_gateway_core::catalog::Cursor,
        /// Earlier 429/503 answers to this page.
        #[serde(default)]
        attempt: u32,
    },
    /// One step of a site sync (issue 15): plan, one page, or the commit.
    CrawlPage(crate::knowledge::crawl::CrawlPage),
    /// One attempt of one webhook delivery (webhooks.rs).
    Webhook {
        /// The tenant (every lookup names it).
        tenant_id: String,
        /// The delivery (`webhook_deliveries.id`).
        delivery_id: String,
    },
    /// A message the current gateway does not know (an older or newer deploy's): acked and
    /// dropped with a warning, never retried forever.
    #[serde(other)]
    Unknown,
}

/// What became of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    /// Finished (or failed for good, recorded by its kind): ack it.
    Ack,
    /// Failed in a way a later attempt may not: retry after this many seconds.
    RetryIn(u32),
}

/// Enqueues `job`, delayed by `delay_seconds` (0: now).
pub(crate) async fn enqueue(env: &Env, job: &Job, delay_seconds: u32) -> worker::Result<()> {
    let queue = env.queue(JOBS)?;
    let message = worker::MessageBuilder::new(job.clone())
        .delay_seconds(delay_seconds)
        .build();
    queue.send(message).await
}

/// The queue consumer: each message of the batch runs on its own; one failing never fails the
/// others.
pub(crate) async fn consume(batch: MessageBatch<serde_json::Value>, env: Env) {
    let messages = match batch.messages() {
        Ok(messages) => messages,
        Err(err) => {
            worker::console_error!("jobs: unreadable batch: {err}");
            batch.retry_all();
            return;
        }
    };
    for message in messages {
        let job = serde_json::from_value::<Job>(message.body().clone());
        let done = match job {
            Ok(job) => run(job, &env).await,
            Err(err) => {
                worker::console_warn!("jobs: dropped a malformed message: {err}");
                Done::Ack
            }
        };
        match done {
            Done::Ack => message.ack(),
            Done::RetryIn(seconds) => message.retry_with_options(
                &worker::QueueRetryOptionsBuilder::new()
                    .with_delay_seconds(seconds)
                    .build(),
            ),
        }
    }
}

async fn run(job: Job, env: &Env) -> Done {
    match job {
        Job::CatalogPage {
            tenant_id,
            sync_id,
            cursor,
            attempt,
        } => crate::catalog::run_page(env, &tenant_id, &sync_id, cursor, attempt).await,
        Job::CrawlPage(step) => crate::knowledge::crawl::run(step, env).await,
        Job::Webhook {
            tenant_id,
            delivery_id,
        } => crate::webhooks::deliver(env, &tenant_id, &delivery_id).await,
        Job::Unknown => {
            worker::console_warn!("jobs: dropped a message of an unknown kind");
            Done::Ack
        }
    }
}
