//! The shop's site as knowledge (issue 15), shell side: the knowledge admin routes, the
//! crawler's queue jobs ([`crawl`]), the per-isolate retrieval index over every enabled
//! snippet (config + hand-written + crawled), the Sources block of grounded answers, and
//! knowledge-gap recording. Every decision is a `shopkeep_gateway_core::{knowledge, site}`
//! call; this module only reads and writes D1, fetches and enqueues.

pub(crate) mod crawl;
pub(crate) mod db;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::Deserialize;
use serde_json::json;
use shopkeep_gateway_core::knowledge::{self, KnowledgeRoute, PageBody, SnippetBody, SourceBody};
use shopkeep_gateway_core::requests::{decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::retrieval::KnowledgeIndex;
use shopkeep_gateway_core::site::chunk::content_hash;
use shopkeep_gateway_core::site::gaps::{self, GapKind};
use shopkeep_gateway_core::site::plan;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{Block, ErrorCode, Source};
use worker::{Env, Request, Response};

use crate::admin::admin_call;
use crate::env::{allow_private_fetch, now_ms, random_bytes};
use crate::http::json_response;
use crate::store::{Store, TenantRecord};
use db::{n, s, Db};

/// Most sources per tenant.
const MAX_SOURCES: u64 = 20;
/// Examples kept per gap group.
const MAX_EXAMPLES: usize = 5;
/// Days of trend shown per gap group.
const TREND_DAYS: usize = 14;

/// A new id: `prefix` and 24 lower-case hex characters (what `knowledge::valid_id` accepts).
pub(crate) fn new_id(prefix: &str) -> Result<String, Error> {
    let bytes: [u8; 12] = random_bytes()?;
    Ok(format!(
        "{prefix}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn not_found(what: &str) -> Error {
    Error::downstream(
        ErrorCode::NotFound,
        format!("No such {what} for this tenant."),
    )
}

/// `/v1/admin/tenants/{id}/knowledge/…`: signed like every admin route; every query names
/// the authenticated tenant, so another tenant's ids are simply not found.
pub(crate) async fn admin(
    req: Request,
    env: &Env,
    tenant_id: &str,
    route: KnowledgeRoute,
) -> Result<Response, Error> {
    let read_only = matches!(
        route,
        KnowledgeRoute::ListSources
            | KnowledgeRoute::Syncs(_)
            | KnowledgeRoute::ListPages
            | KnowledgeRoute::GetPage(_)
            | KnowledgeRoute::ListSnippets
            | KnowledgeRoute::ListGaps
    );
    let response = route_admin(req, env, tenant_id, route).await;
    // Like a config save: this isolate answers from the new knowledge at once; others
    // within the tenant cache's 2 s.
    if !read_only {
        crate::tenant_cache::forget(tenant_id);
    }
    response
}

async fn route_admin(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
    route: KnowledgeRoute,
) -> Result<Response, Error> {
    let call = admin_call(&mut req, env, tenant_id).await?;
    let db = Db::new(env)?;
    let t = tenant_id;
    let body = &call.body;
    let now = now_ms();
    let query = req
        .url()
        .map_err(|e| Error::Internal(format!("url: {e}")))?;
    let param = |name: &str| {
        query
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    match route {
        KnowledgeRoute::ListSources => {
            let sources = db.sources(t).await?;
            let mut out = Vec::new();
            for source in sources {
                let last = db.syncs(t, &source.source_id).await?.into_iter().next();
                out.push(json!({"source": source_json(&source), "last_sync": last.map(|l| sync_json(&l))}));
            }
            json_response(200, &json!({"sources": out}), None)
        }
        KnowledgeRoute::AddSource | KnowledgeRoute::UpdateSource(_) => {
            let spec = decode_json::<SourceBody>(body, MAX_ADMIN_BODY_BYTES)?
                .validate(allow_private_fetch(env))?;
            let (id, status) = match &route {
                KnowledgeRoute::UpdateSource(id) => {
                    if db.source(t, id).await?.is_none() {
                        return Err(not_found("source"));
                    }
                    (id.clone(), 200)
                }
                _ => {
                    if db.count_sources(t).await? >= MAX_SOURCES {
                        return Err(Error::invalid_field(
                            "sources",
                            "at most 20 sources per tenant",
                        ));
                    }
                    (new_id("src_")?, 201)
                }
            };
            db.put_source(t, &id, &spec, plan::next_due_ms(&spec.schedule, now), now)
                .await?;
            let source = db
                .source(t, &id)
                .await?
                .ok_or_else(|| Error::Storage("source vanished".into()))?;
            json_response(status, &json!({"source": source_json(&source)}), None)
        }
        KnowledgeRoute::DeleteSource(id) => {
            if !db.delete_source(t, &id).await? {
                return Err(not_found("source"));
            }
            json_response(200, &json!({"deleted": id}), None)
        }
        KnowledgeRoute::SyncNow(id) => {
            if db.source(t, &id).await?.is_none() {
                return Err(not_found("source"));
            }
            let sync_id = crawl::start(env, &db, t, &id, "manual").await?;
            let sync = db.sync(t, &sync_id).await?;
            json_response(202, &json!({"sync": sync.map(|s| sync_json(&s))}), None)
        }
        KnowledgeRoute::Syncs(id) => {
            if db.source(t, &id).await?.is_none() {
                return Err(not_found("source"));
            }
            let mut out = Vec::new();
            for (i, sync) in db.syncs(t, &id).await?.into_iter().enumerate() {
                let mut v = sync_json(&sync);
                // The latest sync also lists what it skipped and why (PDFs, 404s, robots, …).
                if i == 0 {
                    v["skipped"] = json!(db.skipped(t, &sync.sync_id).await?);
                    let (total, queued) = db.count_fetches(t, &sync.sync_id).await?;
                    v["progress"] = json!({"total": total, "queued": queued});
                }
                out.push(v);
            }
            json_response(200, &json!({"syncs": out}), None)
        }
        KnowledgeRoute::ListPages => {
            let source = param("source");
            let pages = db.pages(t, source.as_deref()).await?;
            json_response(200, &json!({"pages": pages}), None)
        }
        KnowledgeRoute::GetPage(id) => {
            let page = db.page(t, &id).await?.ok_or_else(|| not_found("page"))?;
            let snippets = db.page_snippets(t, &id).await?;
            json_response(200, &json!({"page": page, "snippets": snippets}), None)
        }
        KnowledgeRoute::UpdatePage(id) => {
            let edit: PageBody = decode_json(body, MAX_ADMIN_BODY_BYTES)?;
            let changed = db
                .run(
                    "UPDATE knowledge_pages SET enabled = ?3 WHERE tenant_id = ?1 AND page_id = ?2",
                    &[s(t), s(&id), n(edit.enabled.into())],
                )
                .await?;
            if changed == 0 {
                return Err(not_found("page"));
            }
            db.batch(vec![db.bump_version(t)?]).await?;
            let page = db.page(t, &id).await?;
            json_response(200, &json!({"page": page}), None)
        }
        KnowledgeRoute::ListSnippets => json_response(
            200,
            &json!({"snippets": db.manual_snippets(t).await?}),
            None,
        ),
        KnowledgeRoute::AddSnippet => {
            let edit: SnippetBody = decode_json(body, MAX_ADMIN_BODY_BYTES)?;
            edit.validate(true)?;
            let id = new_id("sn_")?;
            let (title, text) = (
                edit.title.unwrap_or_default(),
                edit.text.unwrap_or_default(),
            );
            db.batch(vec![
                db.insert_manual(
                    t,
                    &id,
                    title.trim(),
                    text.trim(),
                    &content_hash(&[&text]),
                    now,
                )?,
                db.bump_version(t)?,
            ])
            .await?;
            json_response(201, &json!({"snippet": db.snippet(t, &id).await?}), None)
        }
        KnowledgeRoute::UpdateSnippet(id) => {
            let edit: SnippetBody = decode_json(body, MAX_ADMIN_BODY_BYTES)?;
            edit.validate(false)?;
            let snippet = db
                .snippet(t, &id)
                .await?
                .ok_or_else(|| not_found("snippet"))?;
            if (edit.title.is_some() || edit.text.is_some()) && snippet.kind != "manual" {
                return Err(Error::invalid_field(
                    "text",
                    "only hand-written snippets can be edited; disable a crawled one instead",
                ));
            }
            let title = edit
                .title
                .as_deref()
                .map_or(snippet.title.clone(), |v| v.trim().to_string());
            let text = edit
                .text
                .as_deref()
                .map_or(snippet.text.clone(), |v| v.trim().to_string());
            let enabled = edit.enabled.unwrap_or(snippet.enabled != 0.0);
            let update = db.stmt(
                "UPDATE knowledge_snippets SET title = ?3, text = ?4, enabled = ?5, content_hash = ?6, updated_at_ms = ?7 WHERE tenant_id = ?1 AND snippet_id = ?2",
                &[s(t), s(&id), s(&title), s(&text), n(enabled.into()), s(&content_hash(&[&text])), n(now)],
            )?;
            db.batch(vec![update, db.bump_version(t)?]).await?;
            json_response(200, &json!({"snippet": db.snippet(t, &id).await?}), None)
        }
        KnowledgeRoute::DeleteSnippet(id) => {
            let changed = db
                .run("DELETE FROM knowledge_snippets WHERE tenant_id = ?1 AND snippet_id = ?2 AND kind = 'manual'", &[s(t), s(&id)])
                .await?;
            if changed == 0 {
                return Err(not_found("hand-written snippet"));
            }
            db.batch(vec![db.bump_version(t)?]).await?;
            json_response(200, &json!({"deleted": id}), None)
        }
        KnowledgeRoute::ListGaps => {
            let status = param("status").unwrap_or_else(|| "open".into());
            if !matches!(status.as_str(), "open" | "answered" | "dismissed" | "all") {
                return Err(Error::invalid_field(
                    "status",
                    "must be open, answered, dismissed or all",
                ));
            }
            let groups = db.gaps(t, &status).await?;
            let since = now.saturating_sub(TREND_DAYS as u64 * 86_400_000);
            let events = db.gap_events(t, since).await?;
            let out: Vec<serde_json::Value> = groups
                .iter()
                .map(|g| {
                    let times: Vec<u64> = events.iter().filter(|(id, _)| id == &g.gap_id).map(|(_, at)| *at).collect();
                    json!({
                        "gap_id": g.gap_id,
                        "status": g.status,
                        "count": g.count as u64,
                        "examples": serde_json::from_str::<Vec<String>>(&g.examples_json).unwrap_or_default(),
                        "first_seen_at_ms": g.first_seen_at_ms as u64,
                        "last_seen_at_ms": g.last_seen_at_ms as u64,
                        "answer_snippet_id": g.answer_snippet_id,
                        "trend": gaps::trend(&times, now, TREND_DAYS),
                    })
                })
                .collect();
            json_response(200, &json!({"gaps": out}), None)
        }
        KnowledgeRoute::DismissGap(id) => {
            let changed = db
                .run("UPDATE knowledge_gaps SET status = 'dismissed' WHERE tenant_id = ?1 AND gap_id = ?2 AND status = 'open'", &[s(t), s(&id)])
                .await?;
            if changed == 0 {
                return Err(not_found("open gap"));
            }
            json_response(200, &json!({"gap_id": id, "status": "dismissed"}), None)
        }
        KnowledgeRoute::AnswerGap(id) => {
            let edit: SnippetBody = decode_json(body, MAX_ADMIN_BODY_BYTES)?;
            let gap = db.gap(t, &id).await?.ok_or_else(|| not_found("gap"))?;
            let example = serde_json::from_str::<Vec<String>>(&gap.examples_json)
                .unwrap_or_default()
                .into_iter()
                .next();
            let edit = SnippetBody {
                title: edit
                    .title
                    .or(example)
                    .or_else(|| (!gap.signature.starts_with('#')).then(|| gap.signature.clone())),
                ..edit
            };
            edit.validate(true)?;
            let snippet_id = new_id("sn_")?;
            let (title, text) = (
                edit.title.unwrap_or_default(),
                edit.text.unwrap_or_default(),
            );
            let answered = db.stmt(
                "UPDATE knowledge_gaps SET status = 'answered', answer_snippet_id = ?3 WHERE tenant_id = ?1 AND gap_id = ?2",
                &[s(t), s(&id), s(&snippet_id)],
            )?;
            db.batch(vec![
                db.insert_manual(
                    t,
                    &snippet_id,
                    title.trim(),
                    text.trim(),
                    &content_hash(&[&text]),
                    now,
                )?,
                answered,
                db.bump_version(t)?,
            ])
            .await?;
            json_response(
                201,
                &json!({"gap_id": id, "status": "answered", "snippet": db.snippet(t, &snippet_id).await?}),
                None,
            )
        }
    }
}

fn source_json(source: &db::SourceRow) -> serde_json::Value {
    json!({
        "source_id": source.source_id,
        "kind": source.kind,
        "url": source.url,
        "urls": serde_json::from_str::<Vec<String>>(&source.urls_json).unwrap_or_default(),
        "schedule": source.schedule,
        "max_pages": source.max_pages as u64,
        "max_depth": source.max_depth as u64,
        "next_sync_at_ms": source.next_sync_at_ms.map(|v| v as u64),
        "last_good_sync": source.last_good_sync,
    })
}

fn sync_json(sync: &db::SyncRow) -> serde_json::Value {
    json!({
        "sync_id": sync.sync_id,
        "source_id": sync.source_id,
        "status": sync.status,
        "trigger": sync.trigger,
        "crawl_delay_s": sync.crawl_delay_s as u64,
        "error": sync.error,
        "diff": sync.diff_json.as_deref().and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()),
        "started_at_ms": sync.started_at_ms as u64,
        "finished_at_ms": sync.finished_at_ms.map(|v| v as u64),
    })
}

// ---- retrieval: one index per tenant and isolate, rebuilt when the knowledge moves ----

/// A tenant's retrieval index over every enabled snippet, and the sites it may cite.
pub(crate) struct Knowledge {
    pub(crate) index: Rc<KnowledgeIndex>,
    pub(crate) origins: Vec<String>,
}

/// tenant → ((config version, knowledge version), knowledge).
type IndexCache = HashMap<String, ((u64, u64), Rc<Knowledge>)>;

thread_local! {
    static INDEXES: RefCell<IndexCache> = RefCell::new(HashMap::new());
}

/// The tenant's knowledge: its config snippets plus every enabled D1 snippet. One small
/// D1 read (the version) per tenant-cache refresh; the snippets are read and indexed only
/// when the config or the knowledge changed. If the knowledge tables cannot be read, the
/// config snippets alone answer (the chat never fails for this).
pub(crate) async fn for_tenant(
    store: &Store,
    tenant_id: &str,
    record: &TenantRecord,
) -> Rc<Knowledge> {
    let db = Db::Borrowed(store.d1());
    let version = match db.version(tenant_id).await {
        Ok(v) => v,
        Err(e) => {
            worker::console_warn!("knowledge version of {tenant_id}: {e}");
            return Rc::new(Knowledge {
                index: Rc::new(KnowledgeIndex::new(record.config.knowledge.clone())),
                origins: Vec::new(),
            });
        }
    };
    let key = (record.version, version);
    let hit = INDEXES.with(|c| {
        c.borrow()
            .get(tenant_id)
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    });
    if let Some(hit) = hit {
        return hit;
    }
    let mut snippets = record.config.knowledge.clone();
    let mut origins = Vec::new();
    if version > 0 {
        match (
            db.enabled_snippets(tenant_id).await,
            db.origins(tenant_id).await,
        ) {
            (Ok(more), Ok(o)) => {
                snippets.extend(more);
                origins = o;
            }
            (Err(e), _) | (_, Err(e)) => {
                worker::console_warn!("knowledge snippets of {tenant_id}: {e}")
            }
        }
    }
    worker::console_log!(
        "knowledge index of {tenant_id}: {} snippets (config v{}, knowledge v{version})",
        snippets.len(),
        record.version
    );
    let knowledge = Rc::new(Knowledge {
        index: Rc::new(KnowledgeIndex::new(snippets)),
        origins,
    });
    INDEXES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 1_000 {
            c.clear();
        }
        c.insert(tenant_id.to_string(), (key, knowledge.clone()));
    });
    knowledge
}

/// The Sources block for snippets an answer is grounded in (by id, best first): their pages,
/// https and on the tenant's own sites only. `None` when no snippet has a citable page.
pub(crate) fn sources_block(
    knowledge: &Knowledge,
    snippet_ids: &[String],
    allow_http: bool,
) -> Option<Block> {
    let pages: Vec<(String, String)> = snippet_ids
        .iter()
        .filter_map(|id| knowledge.index.snippets().iter().find(|s| &s.id == id))
        .filter_map(|s| Some((s.title.clone(), s.url.clone()?)))
        .collect();
    let sources: Vec<Source> = knowledge::cite(&pages, &knowledge.origins, allow_http);
    (!sources.is_empty()).then_some(Block::Sources { sources })
}

// ---- knowledge gaps ----

/// `Some(NoSnippet)` when no snippet is relevant to the question (retrieval below
/// `gaps::RELEVANCE_THRESHOLD`).
pub(crate) fn weak_retrieval(index: &KnowledgeIndex, question: &str) -> Option<GapKind> {
    let best = index
        .search(question, 1)
        .first()
        .map_or(0.0, |hit| hit.score);
    (best < gaps::RELEVANCE_THRESHOLD).then_some(GapKind::NoSnippet)
}

/// The snippet ids `search_knowledge` returned in a round of tool results, best first.
pub(crate) fn cited_ids(
    results: &[(String, shopkeep_gateway_core::tools::ToolOutcome)],
) -> Vec<String> {
    results
        .iter()
        .filter_map(|(_, outcome)| match outcome {
            shopkeep_gateway_core::tools::ToolOutcome::Done(value) => {
                value.get("results")?.as_array().cloned()
            }
            _ => None,
        })
        .flatten()
        .filter_map(|r| r.get("id")?.as_str().map(str::to_string))
        .collect()
}

/// Records a question answered badly. `question` is the stored (redacted) form, `None` for
/// store-nothing tenants (the group still counts). Never fails the caller.
pub(crate) async fn record_gap(
    env: &Env,
    tenant_id: &str,
    question: Option<&str>,
    signature_of: &str,
    kind: GapKind,
) {
    if let Err(e) = try_record_gap(env, tenant_id, question, signature_of, kind).await {
        worker::console_warn!("knowledge gap of {tenant_id}: {e}");
    }
}

async fn try_record_gap(
    env: &Env,
    tenant_id: &str,
    question: Option<&str>,
    signature_of: &str,
    kind: GapKind,
) -> Result<(), Error> {
    let db = Db::new(env)?;
    let now = now_ms();
    let signature = gaps::signature(signature_of);
    if signature.is_empty() {
        return Ok(());
    }
    let open = db.open_gaps(tenant_id).await?;
    let example = question.map(|q| q.chars().take(300).collect::<String>());
    // Store-nothing tenants: not even the question's terms are stored; a hash of them groups
    // the same question (exact terms) and the group is counted without text.
    let (key, joined) = if question.is_some() {
        let keys: Vec<Vec<String>> = open
            .iter()
            .filter(|g| !g.signature.starts_with('#'))
            .map(|g| g.signature.split(' ').map(str::to_string).collect())
            .collect();
        let texts: Vec<&db::GapRow> = open
            .iter()
            .filter(|g| !g.signature.starts_with('#'))
            .collect();
        (
            gaps::key(&signature),
            gaps::assign(&keys, &signature).map(|i| texts[i]),
        )
    } else {
        let hashed = format!("#{}", content_hash(&[&gaps::key(&signature)]));
        let found = open.iter().find(|g| g.signature == hashed);
        (hashed, found)
    };
    let (gap_id, statement) = match joined {
        Some(group) => {
            let mut examples: Vec<String> =
                serde_json::from_str(&group.examples_json).unwrap_or_default();
            if let Some(example) = example {
                if !examples.contains(&example) && examples.len() < MAX_EXAMPLES {
                    examples.push(example);
                }
            }
            let examples =
                serde_json::to_string(&examples).map_err(|e| Error::Internal(e.to_string()))?;
            let update = db.stmt(
                "UPDATE knowledge_gaps SET count = count + 1, last_seen_at_ms = ?3, examples_json = ?4 WHERE tenant_id = ?1 AND gap_id = ?2",
                &[s(tenant_id), s(&group.gap_id), n(now), s(&examples)],
            )?;
            (group.gap_id.clone(), update)
        }
        None => {
            let gap_id = new_id("gap_")?;
            let examples = serde_json::to_string(&example.into_iter().collect::<Vec<_>>())
                .map_err(|e| Error::Internal(e.to_string()))?;
            let insert = db.stmt(
                "INSERT INTO knowledge_gaps (tenant_id, gap_id, signature, examples_json, count, status, first_seen_at_ms, last_seen_at_ms) VALUES (?1, ?2, ?3, ?4, 1, 'open', ?5, ?5)",
                &[s(tenant_id), s(&gap_id), s(&key), s(&examples), n(now)],
            )?;
            (gap_id, insert)
        }
    };
    let event = db.stmt(
        "INSERT INTO knowledge_gap_events (tenant_id, gap_id, kind, at_ms) VALUES (?1, ?2, ?3, ?4)",
        &[s(tenant_id), s(&gap_id), s(kind.as_str()), n(now)],
    )?;
    db.batch(vec![statement, event]).await
}

/// A thumbs-down on an answer: records the question it answered as a gap.
pub(crate) async fn thumbs_down(env: &Env, tenant_id: &str, answer_message_id: &str) {
    #[derive(Deserialize)]
    struct Row {
        text: String,
    }
    let Ok(db) = Db::new(env) else { return };
    let question: Option<Row> = match db
        .stmt(
            "SELECT q.text FROM messages a JOIN messages q ON q.tenant_id = a.tenant_id AND q.id = a.reply_to WHERE a.tenant_id = ?1 AND a.id = ?2",
            &[s(tenant_id), s(answer_message_id)],
        ) {
        Ok(stmt) => stmt.first(None).await.ok().flatten(),
        Err(_) => None,
    };
    if let Some(q) = question {
        record_gap(env, tenant_id, Some(&q.text), &q.text, GapKind::ThumbsDown).await;
    }
}

/// Hook for the handoff issue: a conversation handed to a person records its question.
#[allow(dead_code)] // called by the handoff work (a later issue)
pub(crate) async fn handoff(
    env: &Env,
    tenant_id: &str,
    question: Option<&str>,
    signature_of: &str,
) {
    record_gap(env, tenant_id, question, signature_of, GapKind::Handoff).await;
}
