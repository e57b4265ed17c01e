//! The crawler's shell: a sync is a chain of `CrawlPage` jobs on the JOBS queue. The first
//! (no URL) reads robots.txt and the sitemap(s) and queues one job per page, spaced by the
//! site's Crawl-delay; each page job fetches one page (every URL and redirect hop through
//! `outbound::check`, same site, robots allowed, conditional on the last ETag/Last-Modified),
//! extracts it while it streams, and stages its snippets; the job that sees no page left
//! commits the sync: diff against the live pages, replace the changed ones, bump the
//! knowledge version. A sync that cannot read its robots.txt or its sitemap fails and leaves
//! the live knowledge as it was. All decisions are `shopkeep_gateway_core::site` calls.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::outbound;
use shopkeep_gateway_core::site::chunk::{self, Chunk};
use shopkeep_gateway_core::site::extract::Extractor;
use shopkeep_gateway_core::site::plan::{self, Caps, SkipReason, Verdict, MAX_REDIRECTS};
use shopkeep_gateway_core::site::robots::Robots;
use shopkeep_gateway_core::site::sitemap::{self, Sitemap, MAX_SITEMAP_BYTES};
use shopkeep_gateway_core::site::{links, USER_AGENT};
use shopkeep_gateway_core::Error;
use worker::{Delay, Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response};

use super::db::{n, opt, s, Db, SourceRow};
use super::new_id;
use crate::env::{allow_private_fetch, now_ms};
use crate::jobs::{Done, Job, JOBS};

/// One step of a sync: without `url`, the plan step; with it, one page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CrawlPage {
    pub(crate) tenant_id: String,
    pub(crate) sync_id: String,
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) depth: u32,
}

/// How long one fetch may take before it is given up on.
const FETCH_TIMEOUT_MS: u64 = 15_000;
/// Most sitemaps one sync reads (index, children, nested).
const MAX_SITEMAPS: usize = 50;
/// Longest queue delay (Cloudflare Queues' limit is 12 hours).
const MAX_DELAY_S: u32 = 43_200;

/// Starts a sync of a source (or returns the one already running).
pub(crate) async fn start(
    env: &Env,
    db: &Db<'_>,
    tenant: &str,
    source: &str,
    trigger: &str,
) -> Result<String, Error> {
    if let Some(running) = db.running_sync(tenant, source).await? {
        return Ok(running);
    }
    let sync_id = new_id("sync_")?;
    db.insert_sync(tenant, &sync_id, source, trigger, now_ms())
        .await?;
    let job = Job::CrawlPage(CrawlPage {
        tenant_id: tenant.to_string(),
        sync_id: sync_id.clone(),
        url: None,
        depth: 0,
    });
    if let Err(e) = crate::jobs::enqueue(env, &job, 0).await {
        db.fail_sync(tenant, &sync_id, "the sync could not be queued", now_ms())
            .await?;
        return Err(Error::Storage(format!("enqueue sync: {e}")));
    }
    Ok(sync_id)
}

/// Starts the syncs the schedule says are due (the cron).
pub(crate) async fn scheduled(env: &Env) {
    let Ok(db) = Db::new(env) else { return };
    // The cron runs daily: a source due within the next hour is synced now.
    let due = match db.due_sources(now_ms() + 3_600_000).await {
        Ok(due) => due,
        Err(e) => {
            worker::console_error!("knowledge schedule: {e}");
            return;
        }
    };
    for (tenant, source) in due {
        if let Err(e) = start(env, &db, &tenant, &source, "schedule").await {
            worker::console_error!("knowledge schedule {tenant}/{source}: {e}");
        }
    }
}

/// Runs one crawl job.
pub(crate) async fn run(job: CrawlPage, env: &Env) -> Done {
    let result = async {
        let db = Db::new(env)?;
        let Some(sync) = db.sync(&job.tenant_id, &job.sync_id).await? else {
            return Ok(Done::Ack);
        };
        if sync.status != "running" {
            return Ok(Done::Ack);
        }
        let Some(source) = db.source(&job.tenant_id, &sync.source_id).await? else {
            db.fail_sync(
                &job.tenant_id,
                &job.sync_id,
                "the source was deleted",
                now_ms(),
            )
            .await?;
            return Ok(Done::Ack);
        };
        match &job.url {
            None => plan_sync(env, &db, &job, &source).await?,
            Some(url) => {
                let robots = sync
                    .robots_txt
                    .as_deref()
                    .map_or_else(Robots::allow_all, Robots::parse);
                crawl_page(
                    env,
                    &db,
                    &job,
                    &source,
                    url,
                    &robots,
                    sync.crawl_delay_s as u32,
                )
                .await?;
            }
        }
        let (_, queued) = db.count_fetches(&job.tenant_id, &job.sync_id).await?;
        if queued == 0 && db.claim_finish(&job.tenant_id, &job.sync_id).await? {
            if let Err(e) = commit(&db, &job.tenant_id, &job.sync_id, &source).await {
                db.fail_sync(
                    &job.tenant_id,
                    &job.sync_id,
                    "the sync could not be saved",
                    now_ms(),
                )
                .await?;
                return Err(e);
            }
        }
        Ok::<_, Error>(Done::Ack)
    }
    .await;
    match result {
        Ok(done) => done,
        Err(e) => {
            worker::console_error!("crawl {}: {e}", job.sync_id);
            Done::RetryIn(30)
        }
    }
}

fn caps(source: &SourceRow) -> Caps {
    Caps {
        max_pages: source.max_pages as u32,
        max_depth: source.max_depth as u32,
        max_page_bytes: source.max_page_bytes as u32,
    }
    .clamped()
}

/// The plan step: robots.txt, then the pages to fetch.
async fn plan_sync(
    env: &Env,
    db: &Db<'_>,
    job: &CrawlPage,
    source: &SourceRow,
) -> Result<(), Error> {
    let tenant = &job.tenant_id;
    let allow_private = allow_private_fetch(env);
    let now = now_ms();
    let robots_url = format!("{}/robots.txt", source.origin);
    let (robots, robots_txt) =
        match get_bytes(&robots_url, &source.origin, allow_private, 512 * 1024).await {
            Ok((status, body)) if (200..300).contains(&status) => {
                let text = String::from_utf8_lossy(&body).into_owned();
                (Robots::parse(&text), text)
            }
            Ok((status, _)) if (400..500).contains(&status) => (Robots::allow_all(), String::new()),
            _ => {
                db.fail_sync(
                    tenant,
                    &job.sync_id,
                    "robots.txt could not be read (the site may be down); nothing was changed",
                    now,
                )
                .await?;
                return Ok(());
            }
        };
    let delay = robots.crawl_delay_s.unwrap_or(0);
    db.set_robots(tenant, &job.sync_id, &robots_txt, delay)
        .await?;
    let caps = caps(source);
    let mut candidates: Vec<String> = Vec::new();
    let mut skipped: Vec<(String, &'static str)> = Vec::new();
    match source.kind.as_str() {
        "sitemap" => {
            let mut queue = vec![(source.url.clone(), 0u32)];
            let mut seen = HashSet::new();
            let mut read_any = false;
            while let Some((url, level)) = queue.pop() {
                if seen.len() >= MAX_SITEMAPS || !seen.insert(url.clone()) {
                    continue;
                }
                match get_bytes(&url, &source.origin, allow_private, MAX_SITEMAP_BYTES).await {
                    Ok((status, body)) if (200..300).contains(&status) => {
                        match sitemap::parse(&body) {
                            Ok(Sitemap::Index(children)) => {
                                read_any = true;
                                if level < 3 {
                                    // Reversed so the stack reads children in their listed order.
                                    queue
                                        .extend(children.into_iter().rev().map(|c| (c, level + 1)));
                                }
                            }
                            Ok(Sitemap::Pages(entries)) => {
                                read_any = true;
                                candidates.extend(entries.into_iter().map(|e| e.loc));
                            }
                            Err(_) => skipped.push((url, "not_a_sitemap")),
                        }
                    }
                    _ => skipped.push((url, "sitemap_unreachable")),
                }
            }
            if !read_any {
                db.fail_sync(
                    tenant,
                    &job.sync_id,
                    "the sitemap could not be read; nothing was changed",
                    now,
                )
                .await?;
                return Ok(());
            }
        }
        "url_list" => {
            candidates = serde_json::from_str(&source.urls_json).unwrap_or_default();
        }
        _ => candidates.push(source.url.clone()),
    }
    let mut seen = HashSet::new();
    let mut frontier = Vec::new();
    for url in candidates {
        let url = url.split('#').next().unwrap_or("").to_string();
        if !seen.insert(url.clone()) {
            continue;
        }
        match admit(&url, &source.origin, &robots, allow_private) {
            Ok(()) if frontier.len() < caps.max_pages as usize => frontier.push((url, 0)),
            Ok(()) => skipped.push((url, "over_page_cap")),
            Err(reason) => skipped.push((url, reason.as_str())),
        }
    }
    let statements = skipped
        .iter()
        .map(|(url, reason)| db.skip_statement(tenant, &job.sync_id, url, reason))
        .collect::<Result<Vec<_>, _>>()?;
    db.batch(statements).await?;
    let added = db.add_fetches(tenant, &job.sync_id, &frontier).await?;
    enqueue_pages(env, job, &added, delay, 0).await
}

/// Whether a URL may be fetched for this source: the outbound rule, same site, robots.
fn admit(url: &str, origin: &str, robots: &Robots, allow_private: bool) -> Result<(), SkipReason> {
    outbound::check(url, allow_private).map_err(|_| SkipReason::Refused)?;
    if links::origin(url).as_deref() != Some(origin) {
        return Err(SkipReason::OffSite);
    }
    if !robots.allows(&links::path_and_query(url)) {
        return Err(SkipReason::Robots);
    }
    Ok(())
}

async fn enqueue_pages(
    env: &Env,
    job: &CrawlPage,
    pages: &[(String, u32)],
    delay_s: u32,
    first_slot: u32,
) -> Result<(), Error> {
    let queue = env
        .queue(JOBS)
        .map_err(|e| Error::Internal(format!("queue binding: {e}")))?;
    for (i, batch) in pages.chunks(100).enumerate() {
        let messages: Vec<worker::SendMessage<Job>> = batch
            .iter()
            .enumerate()
            .map(|(j, (url, depth))| {
                let slot = first_slot + (i * 100 + j) as u32;
                worker::MessageBuilder::new(Job::CrawlPage(CrawlPage {
                    tenant_id: job.tenant_id.clone(),
                    sync_id: job.sync_id.clone(),
                    url: Some(url.clone()),
                    depth: *depth,
                }))
                .delay_seconds(slot.saturating_mul(delay_s).min(MAX_DELAY_S))
                .build()
            })
            .collect();
        queue
            .send_batch(messages)
            .await
            .map_err(|e| Error::Storage(format!("enqueue pages: {e}")))?;
    }
    Ok(())
}

/// The staged form of a snippet.
#[derive(Serialize, Deserialize)]
struct Staged {
    title: String,
    text: String,
    key: String,
    structured: bool,
}

/// One page job: fetch (following redirects by hand), extract, stage.
async fn crawl_page(
    env: &Env,
    db: &Db<'_>,
    job: &CrawlPage,
    source: &SourceRow,
    url: &str,
    robots: &Robots,
    delay_s: u32,
) -> Result<(), Error> {
    let tenant = &job.tenant_id;
    let allow_private = allow_private_fetch(env);
    let caps = caps(source);
    let known = db.page_for_url(tenant, &source.source_id, url).await?;
    let conditional = plan::conditional_headers(
        known.as_ref().and_then(|p| p.etag.as_deref()),
        known.as_ref().and_then(|p| p.last_modified.as_deref()),
    );
    let skip = |reason: SkipReason| async move {
        db.finish_fetch(
            tenant,
            &job.sync_id,
            url,
            "skipped",
            Some(reason.as_str()),
            None,
            None,
            None,
            None,
            None,
            None,
        )
        .await
    };
    let mut current = url.to_string();
    let mut hops = HashSet::new();
    let mut response = None;
    for _ in 0..=MAX_REDIRECTS {
        if !hops.insert(current.clone()) {
            return skip(SkipReason::RedirectLoop).await;
        }
        if let Err(reason) = admit(&current, &source.origin, robots, allow_private) {
            return skip(reason).await;
        }
        let Ok(got) = send(&current, &conditional).await else {
            return skip(SkipReason::Unreachable).await;
        };
        let header = |name: &str| got.headers().get(name).ok().flatten();
        let length = header("Content-Length").and_then(|l| l.parse::<u64>().ok());
        match plan::verdict(
            got.status_code(),
            header("Content-Type").as_deref(),
            length,
            header("Location").as_deref(),
            caps,
        ) {
            Verdict::Redirect(location) => match links::resolve(&current, &location) {
                Some(next) => current = next,
                None => return skip(SkipReason::OffSite).await,
            },
            Verdict::Skip(reason) => return skip(reason).await,
            Verdict::NotModified => {
                let Some(page) = known.as_ref() else {
                    return skip(SkipReason::HttpError).await;
                };
                return db
                    .finish_fetch(
                        tenant,
                        &job.sync_id,
                        url,
                        "unchanged",
                        None,
                        Some(&page.url),
                        Some(&page.title),
                        Some(&page.content_hash),
                        page.etag.as_deref(),
                        page.last_modified.as_deref(),
                        None,
                    )
                    .await;
            }
            Verdict::Extract => {
                response = Some(got);
                break;
            }
        }
    }
    let Some(mut got) = response else {
        return skip(SkipReason::RedirectLoop).await;
    };
    let etag = got.headers().get("ETag").ok().flatten();
    let last_modified = got.headers().get("Last-Modified").ok().flatten();
    let Ok(mut body) = got.stream() else {
        return skip(SkipReason::Unreachable).await;
    };
    let mut extractor = Extractor::new();
    let mut total = 0usize;
    while let Some(piece) = body.next().await {
        let Ok(piece) = piece else {
            return skip(SkipReason::Unreachable).await;
        };
        total += piece.len();
        if total > caps.max_page_bytes as usize {
            return skip(SkipReason::TooLarge).await;
        }
        if extractor.push(&piece).is_err() {
            return skip(SkipReason::HttpError).await;
        }
    }
    let Ok(page) = extractor.finish() else {
        return skip(SkipReason::HttpError).await;
    };
    if page.noindex {
        return skip(SkipReason::NoIndex).await;
    }
    let chunks: Vec<Chunk> = chunk::chunk(&current, &page);
    let hash = chunk::page_hash(&chunks);
    let staged: Vec<Staged> = chunks
        .iter()
        .map(|c| Staged {
            title: c.title.clone(),
            text: c.text.clone(),
            key: chunk::dedup_key(c),
            structured: c.structured,
        })
        .collect();
    let staged = serde_json::to_string(&staged).map_err(|e| Error::Internal(e.to_string()))?;
    let title = if page.title.is_empty() {
        current.clone()
    } else {
        page.title.clone()
    };
    db.finish_fetch(
        tenant,
        &job.sync_id,
        url,
        "page",
        None,
        Some(&current),
        Some(&title),
        Some(&hash),
        etag.as_deref(),
        last_modified.as_deref(),
        Some(&staged),
    )
    .await?;
    // A start-URL crawl follows same-site links up to its depth and page cap.
    if source.kind == "start_url" && job.depth < caps.max_depth {
        let (total, _) = db.count_fetches(tenant, &job.sync_id).await?;
        let room = (caps.max_pages as u64).saturating_sub(total) as usize;
        let mut next = Vec::new();
        let mut seen = HashSet::new();
        for href in &page.links {
            let Some(link) = links::resolve(&current, href) else {
                continue;
            };
            if links::follow(&source.origin, &link).is_err() || !seen.insert(link.clone()) {
                continue;
            }
            if admit(&link, &source.origin, robots, allow_private).is_ok() && next.len() < room {
                next.push((link, job.depth + 1));
            }
        }
        let added = db.add_fetches(tenant, &job.sync_id, &next).await?;
        enqueue_pages(env, job, &added, delay_s, 1).await?;
    }
    Ok(())
}

/// The commit step: diff against the live pages and replace what changed, atomically per
/// D1 batch.
async fn commit(db: &Db<'_>, tenant: &str, sync_id: &str, source: &SourceRow) -> Result<(), Error> {
    let now = now_ms();
    let fetches = db.fetches(tenant, sync_id).await?;
    let live = db.source_pages(tenant, &source.source_id).await?;
    let before: BTreeMap<String, String> = live
        .iter()
        .map(|p| (p.url.clone(), p.content_hash.clone()))
        .collect();
    let mut after: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    for fetch in &fetches {
        if fetch.state != "page" && fetch.state != "unchanged" {
            continue;
        }
        let (Some(url), Some(hash)) = (fetch.final_url.clone(), fetch.content_hash.clone()) else {
            continue;
        };
        if after.insert(url.clone(), hash).is_none() {
            rows.push((url, fetch));
        }
    }
    if after.is_empty() && !before.is_empty() {
        db.fail_sync(
            tenant,
            sync_id,
            "no page could be read; the last good knowledge is kept",
            now,
        )
        .await?;
        return Ok(());
    }
    let diff = plan::diff(&before, &after);
    let changed: HashSet<&String> = diff.added.iter().chain(&diff.changed).collect();
    let mut statements = Vec::new();
    let mut keys = HashSet::new();
    for (url, fetch) in rows {
        let existing = live.iter().find(|p| p.url == url);
        let title = fetch.title.clone().unwrap_or_else(|| url.clone());
        let hash = fetch.content_hash.clone().unwrap_or_default();
        if !changed.contains(&url) {
            if let Some(page) = existing {
                statements.push(db.stmt(
                    "UPDATE knowledge_pages SET etag = ?3, last_modified = ?4, fetched_at_ms = ?5 WHERE tenant_id = ?1 AND page_id = ?2",
                    &[s(tenant), s(&page.page_id), opt(fetch.etag.as_deref()), opt(fetch.last_modified.as_deref()), n(now)],
                )?);
            }
            continue;
        }
        let page_id = match existing {
            Some(page) => {
                statements.push(db.stmt(
                    "DELETE FROM knowledge_snippets WHERE tenant_id = ?1 AND page_id = ?2",
                    &[s(tenant), s(&page.page_id)],
                )?);
                statements.push(db.stmt(
                    "UPDATE knowledge_pages SET title = ?3, content_hash = ?4, etag = ?5, last_modified = ?6, fetched_at_ms = ?7 WHERE tenant_id = ?1 AND page_id = ?2",
                    &[s(tenant), s(&page.page_id), s(&title), s(&hash), opt(fetch.etag.as_deref()), opt(fetch.last_modified.as_deref()), n(now)],
                )?);
                page.page_id.clone()
            }
            None => {
                let page_id = new_id("pg_")?;
                statements.push(db.stmt(
                    "INSERT INTO knowledge_pages (tenant_id, page_id, source_id, url, title, content_hash, etag, last_modified, enabled, fetched_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
                    &[s(tenant), s(&page_id), s(&source.source_id), s(&url), s(&title), s(&hash), opt(fetch.etag.as_deref()), opt(fetch.last_modified.as_deref()), n(now)],
                )?);
                page_id
            }
        };
        let staged: Vec<Staged> = fetch
            .chunks_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        for (position, snippet) in staged.into_iter().enumerate() {
            // The same text on many pages (a shipping blurb on every product) is kept once.
            if !keys.insert(snippet.key.clone()) {
                continue;
            }
            statements.push(db.stmt(
                "INSERT INTO knowledge_snippets (tenant_id, snippet_id, page_id, kind, title, text, url, content_hash, enabled, position, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?10)",
                &[s(tenant), s(&new_id("sn_")?), s(&page_id), s(if snippet.structured { "structured" } else { "page" }), s(&snippet.title), s(&snippet.text), s(&url), s(&snippet.key), n(position as u64), n(now)],
            )?);
        }
    }
    for url in &diff.removed {
        if let Some(page) = live.iter().find(|p| &p.url == url) {
            statements.push(db.stmt(
                "DELETE FROM knowledge_snippets WHERE tenant_id = ?1 AND page_id = ?2",
                &[s(tenant), s(&page.page_id)],
            )?);
            statements.push(db.stmt(
                "DELETE FROM knowledge_pages WHERE tenant_id = ?1 AND page_id = ?2",
                &[s(tenant), s(&page.page_id)],
            )?);
        }
    }
    let diff_json = serde_json::to_string(&diff).map_err(|e| Error::Internal(e.to_string()))?;
    let next = plan::next_due_ms(&source.schedule, now);
    statements.push(db.stmt(
        "UPDATE knowledge_syncs SET status = 'done', diff_json = ?3, finished_at_ms = ?4 WHERE tenant_id = ?1 AND sync_id = ?2",
        &[s(tenant), s(sync_id), s(&diff_json), n(now)],
    )?);
    statements.push(db.stmt(
        "UPDATE knowledge_sources SET last_good_sync = ?3, next_sync_at_ms = ?4 WHERE tenant_id = ?1 AND source_id = ?2",
        &[s(tenant), s(&source.source_id), s(sync_id), next.map_or(wasm_bindgen::JsValue::NULL, n)],
    )?);
    statements.push(db.stmt(
        "UPDATE knowledge_fetches SET chunks_json = NULL WHERE tenant_id = ?1 AND sync_id = ?2",
        &[s(tenant), s(sync_id)],
    )?);
    statements.push(db.bump_version(tenant)?);
    db.batch(statements).await?;
    crate::tenant_cache::forget(tenant);
    Ok(())
}

/// One GET with our User-Agent, no automatic redirects, within [`FETCH_TIMEOUT_MS`].
async fn send(url: &str, extra: &[(&'static str, String)]) -> Result<Response, ()> {
    let headers = Headers::new();
    headers.set("User-Agent", USER_AGENT).map_err(|_| ())?;
    headers
        .set(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5",
        )
        .map_err(|_| ())?;
    for (name, value) in extra {
        headers.set(name, value).map_err(|_| ())?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    let request = Request::new_with_init(url, &init).map_err(|_| ())?;
    let fetch = Fetch::Request(request);
    let send = fetch.send();
    let timeout = Delay::from(Duration::from_millis(FETCH_TIMEOUT_MS));
    futures::pin_mut!(send);
    match select(send, timeout).await {
        Either::Left((Ok(response), _)) => Ok(response),
        _ => Err(()),
    }
}

/// GETs a robots.txt or sitemap, following same-site redirects (each hop checked), body
/// capped at `max_bytes`. Returns the final status and body.
async fn get_bytes(
    url: &str,
    origin: &str,
    allow_private: bool,
    max_bytes: usize,
) -> Result<(u16, Vec<u8>), ()> {
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        outbound::check(&current, allow_private).map_err(|_| ())?;
        if links::origin(&current).as_deref() != Some(origin) {
            return Err(());
        }
        let mut response = send(&current, &[]).await?;
        let status = response.status_code();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("Location")
                .ok()
                .flatten()
                .ok_or(())?;
            current = links::resolve(&current, &location).ok_or(())?;
            continue;
        }
        let mut body = Vec::new();
        if let Ok(mut stream) = response.stream() {
            while let Some(piece) = stream.next().await {
                let piece = piece.map_err(|_| ())?;
                if body.len() + piece.len() > max_bytes {
                    return Err(());
                }
                body.extend_from_slice(&piece);
            }
        }
        return Ok((status, body));
    }
    Err(())
}
