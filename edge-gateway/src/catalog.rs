//! The catalog in the shell: the admin routes (source, status, sync now, upload, search,
//! delete), the sync's page fetches through the `JOBS` queue, the cron's due syncs, and the
//! product tools' executors for the chat. Every decision is `core::catalog`'s; this module
//! fetches (checking every hop with `core::outbound::check`), stores and enqueues.
//!
//! Owns: the I/O of the catalog. Must not hold parsing, ranking or card rules.

use crate::admin::{admin_call, admin_call_raw, sources, AdminCall};
use crate::env::{allow_private_fetch, now_ms, random_bytes, secret};
use crate::http::{header, json_response, read_capped, BodyFault};
use crate::jobs::{self, Done, Job};
use crate::store::{NewSource, PageProgress, SourceRow, Store, SyncRow};
use futures::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use shopkeep_gateway_core::catalog::connector::{
    connector_for, Connector, Cursor, Page, PageError, PageRequest, PageResponse, Phase,
    SourceKind, SourceSpec,
};
use shopkeep_gateway_core::catalog::feed::FeedStream;
use shopkeep_gateway_core::catalog::money::exponent;
use shopkeep_gateway_core::catalog::rank::{self, card, card_of};
use shopkeep_gateway_core::catalog::sync::{self, Fetched, Schedule};
use shopkeep_gateway_core::catalog::upload::{self, UploadError};
use shopkeep_gateway_core::catalog::vocab::Vocabulary;
use shopkeep_gateway_core::catalog::{Problem, SearchQuery};
use shopkeep_gateway_core::outbound;
use shopkeep_gateway_core::secretbox;
use shopkeep_gateway_core::session_token::random_id;
use shopkeep_gateway_core::tools::ToolOutcome;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{ErrorCode, ProductCard};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

mod variations;

/// The secretbox purpose of catalog credentials.
const CREDENTIALS_PURPOSE: &str = "catalog-credentials";
/// Largest upload body.
const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Largest page body read from a shop (a Merchant feed is one page: a 2,400-product feed with
/// a row per variant is about 22 MB).
const MAX_PAGE_BYTES: usize = 32 * 1024 * 1024;
/// Redirects followed per page (each hop checked).
const MAX_HOPS: usize = 3;
/// A "running" sync older than this is taken as dead.
const STALE_SYNC_MS: u64 = 30 * 60 * 1000;
/// Candidates read from the index per search: the best 24 by text, and when the core's exact
/// filters (category, option values, per-variant price and stock) leave fewer than a
/// carousel of them while the index had more, the best 96.
const CANDIDATES: u32 = 24;
/// Candidates read when the first ones were not enough.
const MORE_CANDIDATES: u32 = 96;
/// Products written per D1 batch in an upload.
const UPLOAD_CHUNK: usize = 200;

fn invalid(message: impl Into<String>) -> Error {
    Error::downstream(ErrorCode::InvalidRequest, message)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceBody {
    kind: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    storefront_token: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    max_products: Option<u32>,
    #[serde(default)]
    schedule: Option<String>,
}

/// `PUT /v1/admin/tenants/{t}/catalog/source`: checked (`outbound::check`), probed once (the
/// first page must parse as the kind given), credentials sealed, never returned.
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
    let kind = SourceKind::parse(&body.kind).ok_or_else(|| {
        Error::invalid_field(
            "kind",
            "must be shopify, woocommerce, merchant_feed or upload",
        )
    })?;
    let schedule = match body.schedule.as_deref() {
        None => Schedule::Daily,
        Some(s) => Schedule::parse(s)
            .ok_or_else(|| Error::invalid_field("schedule", "must be daily, hourly or off"))?,
    };
    let max_products = sync::max_products(body.max_products)
        .map_err(|e| Error::invalid_field("max_products", &e))?;
    let currency = match body
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) if exponent(c).is_some() => Some(c.to_ascii_uppercase()),
        Some(_) => {
            return Err(Error::invalid_field(
                "currency",
                "must be an ISO 4217 code such as EUR",
            ))
        }
        None => None,
    };
    let token = body
        .storefront_token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if token.is_some() && kind != SourceKind::Shopify {
        return Err(Error::invalid_field(
            "storefront_token",
            "only a Shopify source takes a Storefront token",
        ));
    }
    if token
        .is_some_and(|t| t.len() > 200 || t.chars().any(|c| c.is_control() || c.is_whitespace()))
    {
        return Err(Error::invalid_field("storefront_token", "is not a token"));
    }
    let (url, currency) = if kind == SourceKind::Upload {
        if body.url.is_some() {
            return Err(Error::invalid_field("url", "an upload source has no URL"));
        }
        (None, currency)
    } else {
        let url = sources::shop_url(env, "url", body.url.as_deref())?;
        let currency = match (kind, &currency, token) {
            (SourceKind::Shopify, None, None) => shopify_currency(env, &url).await,
            _ => currency,
        };
        let spec = SourceSpec {
            kind,
            url: url.clone(),
            currency: currency.clone(),
            token: token.map(str::to_owned),
        };
        probe(env, &spec).await?;
        (Some(url), currency)
    };
    let credentials = match token {
        Some(t) => Some(Some(sources::seal_credential(
            env,
            CREDENTIALS_PURPOSE,
            tenant_id,
            t,
        )?)),
        // Saving without a token keeps a stored one for the same shop (the console cannot
        // send it back: it is write-only); an explicit empty string clears it.
        None if body.storefront_token.is_some() => Some(None),
        None => None,
    };
    store
        .put_catalog_source(
            tenant_id,
            &NewSource {
                kind: kind.as_str(),
                url: url.as_deref(),
                currency: currency.as_deref(),
                credentials,
                schedule: schedule.as_str(),
                max_products,
            },
            now_ms(),
        )
        .await?;
    crate::tenant_cache::forget(tenant_id);
    let source = store
        .catalog_source(tenant_id)
        .await?
        .ok_or_else(|| Error::Internal("source vanished".into()))?;
    store
        .catalog_audit(
            tenant_id,
            &actor,
            "catalog.source_saved",
            &json!({"kind": source.kind, "url": source.url, "has_credentials": source.credentials.is_some()}),
            now_ms(),
        )
        .await;
    json_response(200, &json!({ "source": source.public() }), None)
}

/// Shopify's `/products.json` carries no currency: `/meta.json` names the shop's.
async fn shopify_currency(env: &Env, base: &str) -> Option<String> {
    let request = PageRequest {
        url: format!("{base}/meta.json"),
        method: "GET",
        headers: Vec::new(),
        body: None,
    };
    let fetched = fetch_page(env, &request).await.ok()?;
    if !(200..300).contains(&fetched.status) {
        return None;
    }
    let meta: Value = serde_json::from_str(&fetched.body).ok()?;
    meta.get("currency")
        .and_then(Value::as_str)
        .filter(|c| exponent(c).is_some())
        .map(str::to_ascii_uppercase)
}

/// Fetches the first page and requires it to parse as the kind given. A Merchant feed is one
/// document of any size: only its head is read (up to [`PROBE_FEED_ITEMS`] complete items or
/// [`PROBE_FEED_BYTES`]), the rest of the body is never fetched.
async fn probe(env: &Env, spec: &SourceSpec) -> Result<(), Error> {
    let connector = connector_for(spec);
    let cursor = Cursor::first();
    let request = connector.request(&cursor);
    let opened = open_page(env, &request)
        .await
        .map_err(|why| invalid(format!("url: {why}")))?;
    if !(200..300).contains(&opened.status) {
        return Err(invalid(format!(
            "url: the shop answered HTTP {} to {}",
            opened.status,
            path_of(&request.url)
        )));
    }
    let not_a_shop = |e: PageError| {
        invalid(format!(
            "url: {} ({}: {})",
            not_a_shop(spec.kind),
            e.position,
            e.reason
        ))
    };
    let page = if spec.kind == SourceKind::MerchantFeed {
        let feed = read_feed(opened, spec.currency.as_deref(), true)
            .await
            .map_err(|why| invalid(format!("url: {why}")))?;
        feed.map_err(not_a_shop)?
    } else {
        let fetched = opened
            .read()
            .await
            .map_err(|why| invalid(format!("url: {why}")))?;
        connector
            .parse(&cursor, &fetched.response())
            .map_err(not_a_shop)?
    };
    if page.products.is_empty() && !page.problems.is_empty() {
        let first = &page.problems[0];
        return Err(invalid(format!(
            "url: no product of the first page could be read ({}: {})",
            first.position, first.reason
        )));
    }
    Ok(())
}

/// Complete items of a Merchant feed the save probe reads before it stops.
const PROBE_FEED_ITEMS: usize = 25;
/// Bytes of a Merchant feed the save probe reads at most.
const PROBE_FEED_BYTES: usize = 1024 * 1024;
/// Bytes of one chunk handed to the feed parser at most (workerd's chunks are usually 4–64 KB).
const FEED_CHUNK_BYTES: usize = 256 * 1024;

/// Reads a Merchant feed as its body arrives, parsing each chunk (`core::catalog::feed::
/// FeedStream`): only an incomplete item is held, never the whole body. `head` stops after the
/// first items (the probe). The outer error is the fetch's (a sentence), the inner the feed's.
async fn read_feed(
    opened: Opened,
    currency: Option<&str>,
    head: bool,
) -> Result<Result<Page, PageError>, String> {
    let mut feed = FeedStream::new(currency);
    let mut body = opened.stream()?;
    let mut read = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| String::from("the page could not be read"))?;
        read += chunk.len();
        if read > MAX_PAGE_BYTES {
            return Err(too_large());
        }
        for part in chunk.chunks(FEED_CHUNK_BYTES) {
            if let Err(e) = feed.push(part) {
                return Ok(Err(e));
            }
        }
        if head && (feed.items() >= PROBE_FEED_ITEMS || read >= PROBE_FEED_BYTES) {
            // Dropping the stream cancels the rest of the body.
            return Ok(feed.head());
        }
    }
    Ok(feed.finish())
}

fn too_large() -> String {
    format!("a page is larger than {} MB", MAX_PAGE_BYTES / 1024 / 1024)
}

fn not_a_shop(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Shopify => "not a Shopify shop",
        SourceKind::Woocommerce => "not a WooCommerce shop with the Store API",
        SourceKind::MerchantFeed | SourceKind::Upload => "not a Merchant feed",
    }
}

fn path_of(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/")
}

/// A fetched page.
struct PageFetch {
    status: u16,
    body: String,
    link: Option<String>,
    total_pages: Option<String>,
}

impl PageFetch {
    fn response(&self) -> PageResponse<'_> {
        PageResponse {
            body: &self.body,
            link: self.link.as_deref(),
            total_pages: self.total_pages.as_deref(),
        }
    }
}

/// A page whose status and headers arrived; its body is not read yet.
struct Opened {
    status: u16,
    link: Option<String>,
    total_pages: Option<String>,
    retry_after: Option<String>,
    response: Response,
}

impl Opened {
    /// The body as a stream of chunks.
    fn stream(mut self) -> Result<worker::ByteStream, String> {
        self.response
            .stream()
            .map_err(|_| String::from("the page could not be read"))
    }

    /// Reads the whole body, refusing it as soon as it passes [`MAX_PAGE_BYTES`] (the bytes
    /// are counted as they arrive, not after everything was buffered).
    async fn read(mut self) -> Result<PageFetch, String> {
        let (status, link, total_pages) =
            (self.status, self.link.clone(), self.total_pages.clone());
        let mut bytes = Vec::new();
        if (200..300).contains(&status) {
            bytes = read_capped(&mut self.response, MAX_PAGE_BYTES)
                .await
                .map_err(|fault| match fault {
                    BodyFault::TooLarge => too_large(),
                    BodyFault::Unreadable => String::from("the page could not be read"),
                })?;
        }
        // Valid UTF-8 (the usual case) becomes the String without a copy.
        let body = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(PageFetch {
            status,
            body,
            link,
            total_pages,
        })
    }
}

/// One page request, body read whole (capped).
async fn fetch_page(env: &Env, request: &PageRequest) -> Result<PageFetch, String> {
    open_page(env, request).await?.read().await
}

/// One page request, following at most [`MAX_HOPS`] redirects, each hop checked with
/// `outbound::check`; returns once the status and headers arrived. The error is a sentence
/// for the tenant (no internal details).
async fn open_page(env: &Env, request: &PageRequest) -> Result<Opened, String> {
    let allow_private = allow_private_fetch(env);
    let mut url = request.url.clone();
    for _ in 0..=MAX_HOPS {
        let checked =
            outbound::check(&url, allow_private).map_err(|r| format!("{r} ({})", path_of(&url)))?;
        let headers = Headers::new();
        for (name, value) in &request.headers {
            headers
                .set(name, value)
                .map_err(|_| String::from("a request header is invalid"))?;
        }
        headers
            .set("User-Agent", "Shopkeep-Catalog/1")
            .map_err(|_| String::from("header"))?;
        let mut init = RequestInit::new();
        init.with_method(if request.method == "POST" {
            Method::Post
        } else {
            Method::Get
        })
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
        if let Some(body) = &request.body {
            init.with_body(Some(body.as_str().into()));
        }
        let req = Request::new_with_init(&checked.url, &init)
            .map_err(|_| String::from("the URL cannot be requested"))?;
        let response = Fetch::Request(req)
            .send()
            .await
            .map_err(|_| String::from("the shop is unreachable"))?;
        let status = response.status_code();
        let get = |name: &str| response.headers().get(name).ok().flatten();
        if (300..400).contains(&status) {
            let location = get("Location").ok_or("a redirect without a Location")?;
            url = resolve(&checked.origin(), &location);
            continue;
        }
        // A declared length over the cap is refused before anything is read.
        if get("Content-Length")
            .and_then(|l| l.trim().parse::<usize>().ok())
            .is_some_and(|l| l > MAX_PAGE_BYTES)
        {
            return Err(too_large());
        }
        let (link, total_pages, retry_after) =
            (get("Link"), get("X-WP-TotalPages"), get("Retry-After"));
        return Ok(Opened {
            status,
            link,
            total_pages,
            retry_after,
            response,
        });
    }
    Err(format!("more than {MAX_HOPS} redirects"))
}

fn resolve(origin: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else if location.starts_with('/') {
        format!("{origin}{location}")
    } else {
        format!("{origin}/{location}")
    }
}

/// `GET /v1/admin/tenants/{t}/catalog`
pub(crate) async fn get_catalog(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { store, .. } = admin_call(&mut req, env, tenant_id).await?;
    let source = store.catalog_source(tenant_id).await?;
    let products = store.product_count(tenant_id).await?;
    let last = store.last_sync(tenant_id).await?;
    json_response(
        200,
        &json!({
            "source": source.map(|s| s.public()),
            "products": products,
            "last_sync": last.map(|l| l.report()),
        }),
        None,
    )
}

/// `POST /v1/admin/tenants/{t}/catalog/sync`
pub(crate) async fn post_sync(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall { body, store, .. } = admin_call(&mut req, env, tenant_id).await?;
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SyncBody {
        #[serde(default)]
        full: Option<bool>,
    }
    let asked: SyncBody = if body.is_empty() {
        SyncBody { full: None }
    } else {
        shopkeep_gateway_core::requests::decode_json(&body, 1024)?
    };
    let source = store
        .catalog_source(tenant_id)
        .await?
        .ok_or_else(|| invalid("no catalog source is configured"))?;
    if source.kind == "upload" {
        return Err(invalid(
            "an upload catalog is synced by uploading (POST …/catalog/upload)",
        ));
    }
    let sync_id = begin_sync(env, &store, tenant_id, &source, asked.full.unwrap_or(true)).await?;
    json_response(202, &json!({ "sync_id": sync_id }), None)
}

/// Records a running sync and enqueues its first page. `409 sync_running` if one runs.
async fn begin_sync(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    source: &SourceRow,
    full: bool,
) -> Result<String, Error> {
    let sync_id = random_id("sy_", &random_bytes()?);
    let since = if full {
        None
    } else {
        source.last_success_ms.map(|t| t as u64)
    };
    let full = full || since.is_none();
    if !store
        .start_sync(tenant_id, &sync_id, full, since, now_ms(), STALE_SYNC_MS)
        .await?
    {
        return Err(Error::code(ErrorCode::SyncRunning));
    }
    let job = Job::CatalogPage {
        tenant_id: tenant_id.to_owned(),
        sync_id: sync_id.clone(),
        cursor: Cursor::first(),
        attempt: 0,
    };
    if let Err(e) = jobs::enqueue(env, &job, 0).await {
        if let Some(run) = store.sync_run(tenant_id, &sync_id).await? {
            store
                .finish_sync(
                    tenant_id,
                    &run,
                    Some("the sync could not be queued"),
                    &[],
                    now_ms(),
                )
                .await?;
        }
        return Err(Error::Internal(format!("enqueue sync: {e}")));
    }
    Ok(sync_id)
}

/// The queue consumer's catalog kind: one page per message. Fetches the page, writes its
/// products, records progress and enqueues the next page; a 429 re-enqueues the same page
/// after `Retry-After` (the attempt count travels in the message, so the sync fails with a
/// precise reason after [`sync::MAX_PAGE_RETRIES`] rather than the queue dropping it
/// silently); any failure ends the sync as failed and keeps the last good catalog.
pub(crate) async fn run_page(
    env: &Env,
    tenant_id: &str,
    sync_id: &str,
    cursor: Cursor,
    attempt: u32,
) -> Done {
    match page(env, tenant_id, sync_id, cursor, attempt).await {
        Ok(()) => Done::Ack,
        Err(e) => {
            worker::console_error!("catalog sync {sync_id}: {e}");
            Done::RetryIn(30)
        }
    }
}

async fn page(
    env: &Env,
    tenant_id: &str,
    sync_id: &str,
    cursor: Cursor,
    attempt: u32,
) -> Result<(), Error> {
    let store = Store::new(env)?;
    let Some(run) = store.sync_run(tenant_id, sync_id).await? else {
        return Ok(());
    };
    if run.status != "running" {
        return Ok(());
    }
    let (store, run) = (&store, &run);
    let fail = |why: String| async move {
        store
            .finish_sync(tenant_id, run, Some(&why), &[], now_ms())
            .await
            .map(|_| ())
    };
    let Some(source) = store.catalog_source(tenant_id).await? else {
        return fail(String::from("the catalog source was removed")).await;
    };
    let Some(kind) = SourceKind::parse(&source.kind).filter(|k| *k != SourceKind::Upload) else {
        return fail(String::from("this source is not fetched")).await;
    };
    let token = match &source.credentials {
        Some(sealed) => {
            let master = secret(env, "MASTER_SECRET")?;
            match secretbox::open(master.as_bytes(), CREDENTIALS_PURPOSE, tenant_id, sealed) {
                Ok(t) => Some(t),
                Err(_) => {
                    return fail(String::from(
                        "the stored token cannot be read; save the source again",
                    ))
                    .await
                }
            }
        }
        None => None,
    };
    let base = source.url.clone().unwrap_or_default();
    let spec = SourceSpec {
        kind,
        url: base.clone(),
        currency: source.currency.clone(),
        token,
    };
    let connector = connector_for(&spec);
    if cursor.phase == Phase::Variations {
        return match variations::pages(env, store, tenant_id, run, &*connector, cursor, attempt)
            .await?
        {
            Ok(next) => continue_sync(env, store, tenant_id, run, next).await,
            Err(why) => fail(why).await,
        };
    }
    let opened = match open_sync_page(env, &*connector, &cursor, attempt).await {
        Answered::Read(opened) => opened,
        Answered::Again(next) => {
            return continue_sync(env, store, tenant_id, run, Some(next)).await
        }
        Answered::Failed(why) => return fail(why).await,
    };
    // A Merchant feed is parsed as it arrives; other pages are small and read whole.
    let parsed = if kind == SourceKind::MerchantFeed {
        read_feed(opened, spec.currency.as_deref(), false).await
    } else {
        match opened.read().await {
            Ok(fetched) => Ok(connector.parse(&cursor, &fetched.response())),
            Err(why) => Err(why),
        }
    };
    let parsed = match parsed {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return fail(format!("{}: {}", e.position, e.reason)).await,
        Err(why) => return fail(format!("{}: {why}", cursor.label())).await,
    };
    let origin = outbound::check(&base, true)
        .map(|o| o.origin())
        .unwrap_or_default();
    let seen = parsed.products.len() as u32;
    let seen_before = run.products_seen as u32;
    let (mut products, capped) = sync::to_write(
        parsed
            .products
            .into_iter()
            .map(|p| sync::sanitize(p, &origin))
            .collect(),
        run.full != 0.0,
        run.since_ms.map(|t| t as u64),
        seen_before,
        source.max_products as u32,
    );
    if connector.after_products().is_some() {
        variations::keep_known(store, tenant_id, &mut products).await?;
    }
    // A Merchant feed is one page of thousands of products: written in D1 batches.
    for chunk in products.chunks(UPLOAD_CHUNK) {
        store.write_products(tenant_id, sync_id, chunk).await?;
    }
    let mut problems = parsed.problems;
    if capped {
        problems.push(Problem::new(
            cursor.label(),
            format!(
                "the catalog reached its cap of {} products; the rest was not imported",
                source.max_products as u64
            ),
        ));
    }
    store
        .record_page(
            tenant_id,
            run,
            &PageProgress {
                seen,
                upserted: products.len() as u32,
                pages: 1,
                problems: &problems,
            },
        )
        .await?;
    let next = sync::next_page(&cursor, parsed.next, capped, connector.after_products());
    continue_sync(env, store, tenant_id, run, next.map(Next::now)).await
}

/// What asking the shop for a sync's page gave (`T`: what a 2xx gives).
enum Answered<T = Opened> {
    /// A 2xx: read and parse the body.
    Read(T),
    /// The shop asked to wait: the same page again later.
    Again(Next),
    /// The sync fails with this reason.
    Failed(String),
}

/// Asks the shop for the page at `cursor` (its `attempt`-th try) and classifies the status
/// (`core::catalog::sync::classify`).
async fn open_sync_page(
    env: &Env,
    connector: &dyn Connector,
    cursor: &Cursor,
    attempt: u32,
) -> Answered {
    let opened = match open_page(env, &connector.request(cursor)).await {
        Ok(opened) => opened,
        Err(why) => return Answered::Failed(format!("{}: {why}", cursor.label())),
    };
    match sync::classify(
        opened.status,
        opened.retry_after.as_deref(),
        attempt,
        cursor.page,
    ) {
        Fetched::Parse => Answered::Read(opened),
        Fetched::RetryIn(delay_s) => Answered::Again(Next {
            cursor: cursor.clone(),
            attempt: attempt + 1,
            delay_s,
        }),
        Fetched::Fail(why) if cursor.phase == Phase::Variations => {
            Answered::Failed(format!("variations {why}"))
        }
        Fetched::Fail(why) => Answered::Failed(why),
    }
}

/// The page a sync reads next, its earlier 429s and how long to wait for it.
struct Next {
    cursor: Cursor,
    attempt: u32,
    delay_s: u32,
}

impl Next {
    fn now(cursor: Cursor) -> Next {
        Next {
            cursor,
            attempt: 0,
            delay_s: 0,
        }
    }
}

/// Enqueues the sync's next page, or (none left) finishes the sync: deletions of a full
/// sync, the vocabulary, the tenant's cached config.
async fn continue_sync(
    env: &Env,
    store: &Store,
    tenant_id: &str,
    run: &SyncRow,
    next: Option<Next>,
) -> Result<(), Error> {
    match next {
        Some(next) => {
            let job = Job::CatalogPage {
                tenant_id: tenant_id.to_owned(),
                sync_id: run.id.clone(),
                cursor: next.cursor,
                attempt: next.attempt,
            };
            jobs::enqueue(env, &job, next.delay_s)
                .await
                .map_err(|e| Error::Internal(format!("enqueue: {e}")))?;
        }
        None => {
            let run = store
                .sync_run(tenant_id, &run.id)
                .await?
                .unwrap_or_else(|| run.clone());
            store
                .finish_sync(tenant_id, &run, None, &[], now_ms())
                .await?;
            refresh_vocab(store, tenant_id).await;
            crate::tenant_cache::forget(tenant_id);
        }
    }
    Ok(())
}

/// Rebuilds the tenant's search vocabulary after a finished sync. A failure is logged, not
/// the sync's: search works without it (it only corrects misspellings).
async fn refresh_vocab(store: &Store, tenant_id: &str) {
    if let Err(e) = store.rebuild_vocab(tenant_id, now_ms()).await {
        worker::console_error!("catalog vocabulary: {e}");
    }
    VOCAB.with(|v| v.borrow_mut().remove(tenant_id));
}

/// How long an isolate reuses a tenant's vocabulary.
const VOCAB_TTL_MS: u64 = 60_000;

thread_local! {
    static VOCAB: RefCell<HashMap<String, (u64, Rc<Vocabulary>)>> = RefCell::new(HashMap::new());
}

/// The tenant's vocabulary, per isolate for [`VOCAB_TTL_MS`]; `true` when D1 was read.
async fn vocab(store: &Store, tenant_id: &str) -> Result<(Rc<Vocabulary>, bool), Error> {
    let now = now_ms();
    let hit = VOCAB.with(|v| {
        v.borrow()
            .get(tenant_id)
            .filter(|(at, _)| now.saturating_sub(*at) < VOCAB_TTL_MS)
            .map(|(_, vocab)| vocab.clone())
    });
    if let Some(hit) = hit {
        return Ok((hit, false));
    }
    let vocab = Rc::new(store.vocab(tenant_id).await?);
    VOCAB.with(|v| {
        let mut v = v.borrow_mut();
        if v.len() >= 1_000 {
            v.clear();
        }
        v.insert(tenant_id.to_owned(), (now, vocab.clone()));
    });
    Ok((vocab, true))
}

/// The cron trigger: starts every due scheduled sync.
pub(crate) async fn start_due_syncs(env: &Env) {
    let Ok(store) = Store::new(env) else { return };
    let sources = match store.catalog_sources().await {
        Ok(s) => s,
        Err(e) => {
            worker::console_error!("catalog cron: {e}");
            return;
        }
    };
    let now = now_ms();
    for (tenant_id, source) in sources {
        if source.kind == "upload" {
            continue;
        }
        let schedule = Schedule::parse(&source.schedule).unwrap_or_default();
        let Some(full) = sync::due(
            schedule,
            source.last_started_ms.map(|t| t as u64),
            source.last_full_ms.map(|t| t as u64),
            now,
        ) else {
            continue;
        };
        if let Err(e) = begin_sync(env, &store, &tenant_id, &source, full).await {
            worker::console_warn!("catalog cron: {tenant_id}: {e}");
        }
    }
}

/// `POST /v1/admin/tenants/{t}/catalog/upload`: CSV (`text/csv`) or a JSON array; the whole
/// upload replaces the catalog (a full sync), rows with problems skipped and listed.
pub(crate) async fn upload(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let content_type = header(&req, "Content-Type").unwrap_or_default();
    let csv = upload::is_csv(&content_type);
    if !csv
        && !content_type
            .to_ascii_lowercase()
            .starts_with("application/json")
    {
        return Err(Error::downstream(
            ErrorCode::UnsupportedMediaType,
            "The upload must be text/csv or application/json.",
        ));
    }
    let AdminCall { body, store, .. } =
        admin_call_raw(&mut req, env, tenant_id, MAX_UPLOAD_BYTES).await?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        invalid(format!(
            "the upload is not UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })?;
    let parsed = if csv {
        upload::parse_csv(text)
    } else {
        upload::parse_json(text)
    }
    .map_err(|UploadError(why)| invalid(why))?;
    let source = match store.catalog_source(tenant_id).await? {
        Some(s) if s.kind != "upload" => {
            return Err(invalid(format!(
                "the catalog syncs from a {} source; remove it before uploading",
                s.kind
            )))
        }
        Some(s) => s,
        None => {
            let new = NewSource {
                kind: "upload",
                url: None,
                currency: None,
                credentials: None,
                schedule: "off",
                max_products: sync::DEFAULT_MAX_PRODUCTS,
            };
            store.put_catalog_source(tenant_id, &new, now_ms()).await?;
            crate::tenant_cache::forget(tenant_id);
            store
                .catalog_source(tenant_id)
                .await?
                .ok_or_else(|| Error::Internal("source vanished".into()))?
        }
    };
    let sync_id = random_id("sy_", &random_bytes()?);
    if !store
        .start_sync(tenant_id, &sync_id, true, None, now_ms(), STALE_SYNC_MS)
        .await?
    {
        return Err(Error::code(ErrorCode::SyncRunning));
    }
    let run = store
        .sync_run(tenant_id, &sync_id)
        .await?
        .ok_or_else(|| Error::Internal("sync vanished".into()))?;
    let seen = parsed.products.len() as u32;
    let (products, capped) =
        sync::to_write(parsed.products, true, None, 0, source.max_products as u32);
    let mut problems = parsed.problems;
    if capped {
        problems.push(Problem::new(
            "upload",
            format!(
                "the catalog's cap is {} products; the rest was not imported",
                source.max_products as u64
            ),
        ));
    }
    for chunk in products.chunks(UPLOAD_CHUNK) {
        if let Err(e) = store.write_products(tenant_id, &sync_id, chunk).await {
            store
                .finish_sync(
                    tenant_id,
                    &run,
                    Some("storing the products failed"),
                    &problems,
                    now_ms(),
                )
                .await?;
            return Err(e);
        }
    }
    store
        .record_page(
            tenant_id,
            &run,
            &PageProgress {
                seen,
                upserted: products.len() as u32,
                pages: 1,
                problems: &problems,
            },
        )
        .await?;
    let run = store.sync_run(tenant_id, &sync_id).await?.unwrap_or(run);
    store
        .finish_sync(tenant_id, &run, None, &[], now_ms())
        .await?;
    refresh_vocab(&store, tenant_id).await;
    crate::tenant_cache::forget(tenant_id);
    let done = store
        .sync_run(tenant_id, &sync_id)
        .await?
        .ok_or_else(|| Error::Internal("sync vanished".into()))?;
    json_response(200, &done.report(), None)
}

/// `DELETE /v1/admin/tenants/{t}/catalog/source`
pub(crate) async fn delete_source(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    // DELETE has no body: read (and sign over) whatever is sent, without a content type.
    let AdminCall { store, actor, .. } = admin_call_raw(&mut req, env, tenant_id, 1024).await?;
    store.delete_catalog(tenant_id).await?;
    sources::removed(&store, tenant_id, &actor, "catalog.source_removed").await
}

/// What one search found: the cards and the model's compact result.
pub(crate) struct Found {
    pub(crate) cards: Vec<ProductCard>,
    pub(crate) result: Value,
    pub(crate) took_ms: u64,
    /// D1 queries the search made.
    pub(crate) round_trips: u32,
}

/// Runs `search_products` for a tenant: the query parsed by the core, candidates from the
/// FTS index (all terms, else any term), filtered and ranked by the core, cards from rows.
pub(crate) async fn search(
    store: &Store,
    tenant_id: &str,
    query: &SearchQuery,
) -> Result<Found, Error> {
    let started = now_ms();
    let round_trips = &std::cell::Cell::new(0u32);
    let candidates = |fts: Option<String>, limit: u32| async move {
        round_trips.set(round_trips.get() + 1);
        store
            .search_products(
                tenant_id,
                fts.as_deref(),
                query.min_price,
                query.max_price,
                query.in_stock,
                limit,
            )
            .await
    };
    let mut fts = query.fts_all();
    let mut found = candidates(fts.clone(), CANDIDATES).await?;
    // Nothing with every term as typed: terms the catalog does not know are corrected to its
    // words ("nordvick" → "nordvik") before falling back to any term.
    let corrected = match found.is_empty() && !query.terms.is_empty() {
        true => {
            let (vocab, read) = vocab(store, tenant_id).await?;
            round_trips.set(round_trips.get() + u32::from(read));
            query.corrected(&vocab)
        }
        false => None,
    };
    let query = corrected.as_ref().unwrap_or(query);
    if found.is_empty() && corrected.is_some() {
        fts = query.fts_all();
        found = candidates(fts.clone(), CANDIDATES).await?;
    }
    if found.is_empty() && query.terms.len() > 1 {
        fts = query.fts_any();
        found = candidates(fts.clone(), CANDIDATES).await?;
    }
    if found.len() == CANDIDATES as usize && rank::rank(&found, query).len() < rank::MAX_RESULTS {
        found = candidates(fts, MORE_CANDIDATES).await?;
    }
    let candidates = found;
    let hits = rank::rank(&candidates, query);
    let cards = hits.iter().map(card).collect();
    let result = rank::tool_result(&hits);
    Ok(Found {
        cards,
        result,
        took_ms: now_ms().saturating_sub(started),
        round_trips: round_trips.get(),
    })
}

fn exponent_of(currency: Option<&str>) -> u8 {
    currency.and_then(exponent).unwrap_or(2)
}

/// `POST /v1/admin/tenants/{t}/catalog/search`: exactly what the tool gives the cards.
pub(crate) async fn admin_search(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let AdminCall {
        body,
        store,
        tenant,
        ..
    } = admin_call(&mut req, env, tenant_id).await?;
    let args: Value = shopkeep_gateway_core::requests::decode_json(&body, 8 * 1024)?;
    let query = SearchQuery::from_args(&args, exponent_of(tenant.catalog_currency.as_deref()))
        .map_err(Error::bad_request)?;
    let found = search(&store, tenant_id, &query).await?;
    json_response(
        200,
        &json!({ "products": found.cards, "took_ms": found.took_ms, "round_trips": found.round_trips }),
        None,
    )
}

/// The `search_products` executor: the model's result and the cards to show.
pub(crate) async fn tool_search(
    store: &Store,
    tenant_id: &str,
    currency: Option<&str>,
    arguments: &Value,
) -> (ToolOutcome, Vec<ProductCard>) {
    let query = match SearchQuery::from_args(arguments, exponent_of(currency)) {
        Ok(q) => q,
        Err(why) => return (ToolOutcome::Failed(why), Vec::new()),
    };
    match search(store, tenant_id, &query).await {
        Ok(found) => (ToolOutcome::Done(found.result), found.cards),
        Err(e) => {
            worker::console_error!("search_products: {e}");
            (
                ToolOutcome::Failed(String::from("the catalog is unavailable right now")),
                Vec::new(),
            )
        }
    }
}

/// The `get_product` executor.
pub(crate) async fn tool_get(
    store: &Store,
    tenant_id: &str,
    arguments: &Value,
) -> (ToolOutcome, Vec<ProductCard>) {
    let Some(id) = arguments
        .get("id")
        .and_then(Value::as_str)
        .filter(|i| !i.is_empty() && i.len() <= 200)
    else {
        return (
            ToolOutcome::Failed(String::from(
                "`id` (a product id from search_products) is required",
            )),
            Vec::new(),
        );
    };
    match store.product(tenant_id, id).await {
        Ok(Some(product)) => {
            let cards: Vec<ProductCard> = card_of(&product).into_iter().collect();
            (ToolOutcome::Done(rank::product_result(&product)), cards)
        }
        Ok(None) => (
            ToolOutcome::Failed(format!(
                "no product has the id `{}`",
                id.chars().take(60).collect::<String>()
            )),
            Vec::new(),
        ),
        Err(e) => {
            worker::console_error!("get_product: {e}");
            (
                ToolOutcome::Failed(String::from("the catalog is unavailable right now")),
                Vec::new(),
            )
        }
    }
}
