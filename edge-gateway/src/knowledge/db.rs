//! D1 queries of the knowledge feature. Every statement names its tenant (`tenant_id = ?1`),
//! so an id from another tenant finds nothing.

use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::knowledge::SourceSpec;
use shopkeep_gateway_core::retrieval::Snippet;
use shopkeep_gateway_core::Error;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

pub(crate) fn storage(what: &'static str) -> impl Fn(worker::Error) -> Error {
    move |e| Error::Storage(format!("knowledge {what}: {e}"))
}

pub(crate) fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

pub(crate) fn n(v: u64) -> JsValue {
    JsValue::from_f64(v as f64)
}

pub(crate) fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

/// The D1 database, for knowledge: owned (routes, jobs) or borrowed from the chat path's
/// `Store` (the per-isolate index).
pub(crate) enum Db<'a> {
    Owned(D1Database),
    Borrowed(&'a D1Database),
}

/// A source as listed to its tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SourceRow {
    pub(crate) source_id: String,
    pub(crate) kind: String,
    pub(crate) url: String,
    pub(crate) urls_json: String,
    pub(crate) origin: String,
    pub(crate) schedule: String,
    pub(crate) max_pages: f64,
    pub(crate) max_depth: f64,
    pub(crate) max_page_bytes: f64,
    pub(crate) created_at_ms: f64,
    pub(crate) next_sync_at_ms: Option<f64>,
    pub(crate) last_good_sync: Option<String>,
}

/// A sync as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SyncRow {
    pub(crate) sync_id: String,
    pub(crate) source_id: String,
    pub(crate) status: String,
    pub(crate) trigger: String,
    #[serde(skip_serializing)]
    pub(crate) robots_txt: Option<String>,
    pub(crate) crawl_delay_s: f64,
    pub(crate) error: Option<String>,
    pub(crate) diff_json: Option<String>,
    pub(crate) started_at_ms: f64,
    pub(crate) finished_at_ms: Option<f64>,
}

/// A staged fetch.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FetchRow {
    pub(crate) state: String,
    pub(crate) final_url: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) content_hash: Option<String>,
    pub(crate) etag: Option<String>,
    pub(crate) last_modified: Option<String>,
    pub(crate) chunks_json: Option<String>,
}

/// A live page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PageRow {
    pub(crate) page_id: String,
    pub(crate) source_id: String,
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) content_hash: String,
    #[serde(skip_serializing)]
    pub(crate) etag: Option<String>,
    #[serde(skip_serializing)]
    pub(crate) last_modified: Option<String>,
    pub(crate) enabled: f64,
    pub(crate) fetched_at_ms: f64,
    #[serde(default)]
    pub(crate) snippets: Option<f64>,
}

/// A snippet as shown in the console.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SnippetRow {
    pub(crate) snippet_id: String,
    pub(crate) page_id: Option<String>,
    pub(crate) kind: String,
    pub(crate) title: String,
    pub(crate) text: String,
    pub(crate) url: Option<String>,
    pub(crate) enabled: f64,
    pub(crate) updated_at_ms: f64,
}

/// A gap group as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GapRow {
    pub(crate) gap_id: String,
    pub(crate) signature: String,
    pub(crate) examples_json: String,
    pub(crate) count: f64,
    pub(crate) status: String,
    pub(crate) answer_snippet_id: Option<String>,
    pub(crate) first_seen_at_ms: f64,
    pub(crate) last_seen_at_ms: f64,
}

const SOURCE_COLUMNS: &str = "source_id, kind, url, urls_json, origin, schedule, max_pages, max_depth, max_page_bytes, created_at_ms, next_sync_at_ms, last_good_sync";
const SYNC_COLUMNS: &str = "sync_id, source_id, status, trigger, robots_txt, crawl_delay_s, error, diff_json, started_at_ms, finished_at_ms";

impl Db<'_> {
    pub(crate) fn new(env: &Env) -> Result<Self, Error> {
        Ok(Db::Owned(env.d1("DB").map_err(storage("D1 binding"))?))
    }

    fn d1(&self) -> &D1Database {
        match self {
            Db::Owned(db) => db,
            Db::Borrowed(db) => db,
        }
    }

    pub(crate) fn stmt(&self, sql: &str, args: &[JsValue]) -> Result<D1PreparedStatement, Error> {
        self.d1().prepare(sql).bind(args).map_err(storage("bind"))
    }

    async fn all<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Vec<T>, Error> {
        self.stmt(sql, args)?
            .all()
            .await
            .map_err(storage("query"))?
            .results()
            .map_err(storage("decode"))
    }

    async fn first<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Option<T>, Error> {
        self.stmt(sql, args)?
            .first(None)
            .await
            .map_err(storage("query"))
    }

    /// Runs one statement; returns the rows it changed.
    pub(crate) async fn run(&self, sql: &str, args: &[JsValue]) -> Result<usize, Error> {
        let result = self
            .stmt(sql, args)?
            .run()
            .await
            .map_err(storage("write"))?;
        Ok(result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0))
    }

    /// Runs statements as D1 batches of at most 50 (each batch atomic).
    pub(crate) async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<(), Error> {
        let mut statements = statements;
        while !statements.is_empty() {
            let rest = statements.split_off(statements.len().min(50));
            self.d1()
                .batch(statements)
                .await
                .map_err(storage("batch"))?;
            statements = rest;
        }
        Ok(())
    }

    /// The statement that moves the tenant's knowledge version on (isolates rebuild).
    pub(crate) fn bump_version(&self, tenant: &str) -> Result<D1PreparedStatement, Error> {
        self.stmt(
            "INSERT INTO knowledge_versions (tenant_id, version) VALUES (?1, 1) \
             ON CONFLICT(tenant_id) DO UPDATE SET version = version + 1",
            &[s(tenant)],
        )
    }

    pub(crate) async fn version(&self, tenant: &str) -> Result<u64, Error> {
        #[derive(Deserialize)]
        struct Row {
            version: f64,
        }
        let row: Option<Row> = self
            .first(
                "SELECT version FROM knowledge_versions WHERE tenant_id = ?1",
                &[s(tenant)],
            )
            .await?;
        Ok(row.map_or(0, |r| r.version as u64))
    }

    // ---- sources ----

    pub(crate) async fn sources(&self, tenant: &str) -> Result<Vec<SourceRow>, Error> {
        self.all(
            &format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE tenant_id = ?1 ORDER BY created_at_ms"),
            &[s(tenant)],
        )
        .await
    }

    pub(crate) async fn source(&self, tenant: &str, id: &str) -> Result<Option<SourceRow>, Error> {
        self.first(
            &format!("SELECT {SOURCE_COLUMNS} FROM knowledge_sources WHERE tenant_id = ?1 AND source_id = ?2"),
            &[s(tenant), s(id)],
        )
        .await
    }

    pub(crate) async fn count_sources(&self, tenant: &str) -> Result<u64, Error> {
        #[derive(Deserialize)]
        struct Row {
            c: f64,
        }
        let row: Option<Row> = self
            .first(
                "SELECT COUNT(*) AS c FROM knowledge_sources WHERE tenant_id = ?1",
                &[s(tenant)],
            )
            .await?;
        Ok(row.map_or(0, |r| r.c as u64))
    }

    pub(crate) async fn put_source(
        &self,
        tenant: &str,
        id: &str,
        spec: &SourceSpec,
        next_sync_at_ms: Option<u64>,
        now: u64,
    ) -> Result<(), Error> {
        let urls = serde_json::to_string(&spec.urls).map_err(|e| Error::Internal(e.to_string()))?;
        self.run(
            "INSERT INTO knowledge_sources (tenant_id, source_id, kind, url, urls_json, origin, schedule, max_pages, max_depth, max_page_bytes, created_at_ms, next_sync_at_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT(tenant_id, source_id) DO UPDATE SET kind = excluded.kind, url = excluded.url, urls_json = excluded.urls_json, \
             origin = excluded.origin, schedule = excluded.schedule, max_pages = excluded.max_pages, max_depth = excluded.max_depth, \
             max_page_bytes = excluded.max_page_bytes, next_sync_at_ms = excluded.next_sync_at_ms",
            &[
                s(tenant),
                s(id),
                s(spec.kind.as_str()),
                s(&spec.url),
                s(&urls),
                s(&spec.origin),
                s(&spec.schedule),
                n(spec.caps.max_pages.into()),
                n(spec.caps.max_depth.into()),
                n(spec.caps.max_page_bytes.into()),
                n(now),
                next_sync_at_ms.map_or(JsValue::NULL, n),
            ],
        )
        .await
        .map(|_| ())
    }

    /// Deletes a source with its pages, snippets, syncs and staged fetches.
    pub(crate) async fn delete_source(&self, tenant: &str, id: &str) -> Result<bool, Error> {
        let args = [s(tenant), s(id)];
        let statements = vec![
            self.stmt("DELETE FROM knowledge_snippets WHERE tenant_id = ?1 AND page_id IN (SELECT page_id FROM knowledge_pages WHERE tenant_id = ?1 AND source_id = ?2)", &args)?,
            self.stmt("DELETE FROM knowledge_pages WHERE tenant_id = ?1 AND source_id = ?2", &args)?,
            self.stmt("DELETE FROM knowledge_fetches WHERE tenant_id = ?1 AND sync_id IN (SELECT sync_id FROM knowledge_syncs WHERE tenant_id = ?1 AND source_id = ?2)", &args)?,
            self.stmt("DELETE FROM knowledge_syncs WHERE tenant_id = ?1 AND source_id = ?2", &args)?,
            self.stmt("DELETE FROM knowledge_sources WHERE tenant_id = ?1 AND source_id = ?2", &args)?,
            self.bump_version(tenant)?,
        ];
        let exists = self.source(tenant, id).await?.is_some();
        if exists {
            self.d1()
                .batch(statements)
                .await
                .map_err(storage("delete source"))?;
        }
        Ok(exists)
    }

    /// Sources whose scheduled sync is due by `by_ms` (any tenant: the cron's view).
    pub(crate) async fn due_sources(&self, by_ms: u64) -> Result<Vec<(String, String)>, Error> {
        #[derive(Deserialize)]
        struct Row {
            tenant_id: String,
            source_id: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT tenant_id, source_id FROM knowledge_sources WHERE next_sync_at_ms IS NOT NULL AND next_sync_at_ms <= ?1 ORDER BY next_sync_at_ms LIMIT 50",
                &[n(by_ms)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.tenant_id, r.source_id))
            .collect())
    }

    /// The origins of the tenant's sources: the sites its answers may cite.
    pub(crate) async fn origins(&self, tenant: &str) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Row {
            origin: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT DISTINCT origin FROM knowledge_sources WHERE tenant_id = ?1",
                &[s(tenant)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.origin).collect())
    }

    // ---- syncs ----

    pub(crate) async fn running_sync(
        &self,
        tenant: &str,
        source: &str,
    ) -> Result<Option<String>, Error> {
        #[derive(Deserialize)]
        struct Row {
            sync_id: String,
        }
        let row: Option<Row> = self
            .first(
                "SELECT sync_id FROM knowledge_syncs WHERE tenant_id = ?1 AND source_id = ?2 AND status IN ('running', 'finishing') ORDER BY started_at_ms DESC LIMIT 1",
                &[s(tenant), s(source)],
            )
            .await?;
        Ok(row.map(|r| r.sync_id))
    }

    pub(crate) async fn insert_sync(
        &self,
        tenant: &str,
        sync: &str,
        source: &str,
        trigger: &str,
        now: u64,
    ) -> Result<(), Error> {
        self.run(
            "INSERT INTO knowledge_syncs (tenant_id, sync_id, source_id, status, trigger, started_at_ms) VALUES (?1, ?2, ?3, 'running', ?4, ?5)",
            &[s(tenant), s(sync), s(source), s(trigger), n(now)],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn sync(&self, tenant: &str, sync: &str) -> Result<Option<SyncRow>, Error> {
        self.first(
            &format!(
                "SELECT {SYNC_COLUMNS} FROM knowledge_syncs WHERE tenant_id = ?1 AND sync_id = ?2"
            ),
            &[s(tenant), s(sync)],
        )
        .await
    }

    pub(crate) async fn syncs(&self, tenant: &str, source: &str) -> Result<Vec<SyncRow>, Error> {
        self.all(
            &format!("SELECT {SYNC_COLUMNS} FROM knowledge_syncs WHERE tenant_id = ?1 AND source_id = ?2 ORDER BY started_at_ms DESC LIMIT 20"),
            &[s(tenant), s(source)],
        )
        .await
    }

    pub(crate) async fn set_robots(
        &self,
        tenant: &str,
        sync: &str,
        robots: &str,
        delay_s: u32,
    ) -> Result<(), Error> {
        self.run(
            "UPDATE knowledge_syncs SET robots_txt = ?3, crawl_delay_s = ?4 WHERE tenant_id = ?1 AND sync_id = ?2",
            &[s(tenant), s(sync), s(robots), n(delay_s.into())],
        )
        .await
        .map(|_| ())
    }

    /// Marks a sync failed; its pages never replace the live ones.
    pub(crate) async fn fail_sync(
        &self,
        tenant: &str,
        sync: &str,
        error: &str,
        now: u64,
    ) -> Result<(), Error> {
        self.run(
            "UPDATE knowledge_syncs SET status = 'failed', error = ?3, finished_at_ms = ?4 WHERE tenant_id = ?1 AND sync_id = ?2 AND status IN ('running', 'finishing')",
            &[s(tenant), s(sync), s(error), n(now)],
        )
        .await
        .map(|_| ())
    }

    /// Takes the right to finish a sync (only one page job gets it).
    pub(crate) async fn claim_finish(&self, tenant: &str, sync: &str) -> Result<bool, Error> {
        Ok(self
            .run(
                "UPDATE knowledge_syncs SET status = 'finishing' WHERE tenant_id = ?1 AND sync_id = ?2 AND status = 'running'",
                &[s(tenant), s(sync)],
            )
            .await?
            == 1)
    }

    // ---- fetches ----

    /// Adds URLs to a sync's frontier; returns those that were new.
    pub(crate) async fn add_fetches(
        &self,
        tenant: &str,
        sync: &str,
        urls: &[(String, u32)],
    ) -> Result<Vec<(String, u32)>, Error> {
        let mut added = Vec::new();
        for chunk in urls.chunks(50) {
            let mut statements = Vec::new();
            for (url, depth) in chunk {
                statements.push(self.stmt(
                    "INSERT OR IGNORE INTO knowledge_fetches (tenant_id, sync_id, url, depth, state) VALUES (?1, ?2, ?3, ?4, 'queued')",
                    &[s(tenant), s(sync), s(url), n((*depth).into())],
                )?);
            }
            let results = self
                .d1()
                .batch(statements)
                .await
                .map_err(storage("add fetches"))?;
            for (result, item) in results.iter().zip(chunk) {
                let changes = result
                    .meta()
                    .ok()
                    .flatten()
                    .and_then(|m| m.changes)
                    .unwrap_or(0);
                if changes > 0 {
                    added.push(item.clone());
                }
            }
        }
        Ok(added)
    }

    /// Records a skipped URL directly (robots, refused) without fetching it.
    pub(crate) fn skip_statement(
        &self,
        tenant: &str,
        sync: &str,
        url: &str,
        reason: &str,
    ) -> Result<D1PreparedStatement, Error> {
        self.stmt(
            "INSERT INTO knowledge_fetches (tenant_id, sync_id, url, depth, state, reason) VALUES (?1, ?2, ?3, 0, 'skipped', ?4) \
             ON CONFLICT(tenant_id, sync_id, url) DO UPDATE SET state = 'skipped', reason = excluded.reason",
            &[s(tenant), s(sync), s(url), s(reason)],
        )
    }

    pub(crate) async fn count_fetches(
        &self,
        tenant: &str,
        sync: &str,
    ) -> Result<(u64, u64), Error> {
        #[derive(Deserialize)]
        struct Row {
            total: f64,
            queued: Option<f64>,
        }
        let row: Option<Row> = self
            .first(
                "SELECT COUNT(*) AS total, SUM(CASE WHEN state = 'queued' THEN 1 ELSE 0 END) AS queued FROM knowledge_fetches WHERE tenant_id = ?1 AND sync_id = ?2 AND (state != 'skipped' OR reason != 'robots')",
                &[s(tenant), s(sync)],
            )
            .await?;
        Ok(row.map_or((0, 0), |r| (r.total as u64, r.queued.unwrap_or(0.0) as u64)))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_fetch(
        &self,
        tenant: &str,
        sync: &str,
        url: &str,
        state: &str,
        reason: Option<&str>,
        final_url: Option<&str>,
        title: Option<&str>,
        hash: Option<&str>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        chunks_json: Option<&str>,
    ) -> Result<(), Error> {
        self.run(
            "UPDATE knowledge_fetches SET state = ?4, reason = ?5, final_url = ?6, title = ?7, content_hash = ?8, etag = ?9, last_modified = ?10, chunks_json = ?11 \
             WHERE tenant_id = ?1 AND sync_id = ?2 AND url = ?3",
            &[s(tenant), s(sync), s(url), s(state), opt(reason), opt(final_url), opt(title), opt(hash), opt(etag), opt(last_modified), opt(chunks_json)],
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn fetches(&self, tenant: &str, sync: &str) -> Result<Vec<FetchRow>, Error> {
        self.all(
            "SELECT state, final_url, title, content_hash, etag, last_modified, chunks_json FROM knowledge_fetches WHERE tenant_id = ?1 AND sync_id = ?2 ORDER BY rowid",
            &[s(tenant), s(sync)],
        )
        .await
    }

    pub(crate) async fn skipped(
        &self,
        tenant: &str,
        sync: &str,
    ) -> Result<Vec<serde_json::Value>, Error> {
        #[derive(Deserialize)]
        struct Row {
            url: String,
            reason: Option<String>,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT url, reason FROM knowledge_fetches WHERE tenant_id = ?1 AND sync_id = ?2 AND state = 'skipped' ORDER BY url LIMIT 500",
                &[s(tenant), s(sync)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| serde_json::json!({"url": r.url, "reason": r.reason}))
            .collect())
    }

    // ---- pages and snippets ----

    pub(crate) async fn source_pages(
        &self,
        tenant: &str,
        source: &str,
    ) -> Result<Vec<PageRow>, Error> {
        self.all(
            "SELECT page_id, source_id, url, title, content_hash, etag, last_modified, enabled, fetched_at_ms FROM knowledge_pages WHERE tenant_id = ?1 AND source_id = ?2",
            &[s(tenant), s(source)],
        )
        .await
    }

    pub(crate) async fn page_for_url(
        &self,
        tenant: &str,
        source: &str,
        url: &str,
    ) -> Result<Option<PageRow>, Error> {
        self.first(
            "SELECT page_id, source_id, url, title, content_hash, etag, last_modified, enabled, fetched_at_ms FROM knowledge_pages WHERE tenant_id = ?1 AND source_id = ?2 AND url = ?3",
            &[s(tenant), s(source), s(url)],
        )
        .await
    }

    pub(crate) async fn pages(
        &self,
        tenant: &str,
        source: Option<&str>,
    ) -> Result<Vec<PageRow>, Error> {
        self.all(
            "SELECT p.page_id, p.source_id, p.url, p.title, p.content_hash, p.etag, p.last_modified, p.enabled, p.fetched_at_ms, \
             (SELECT COUNT(*) FROM knowledge_snippets s WHERE s.tenant_id = p.tenant_id AND s.page_id = p.page_id) AS snippets \
             FROM knowledge_pages p WHERE p.tenant_id = ?1 AND (?2 IS NULL OR p.source_id = ?2) ORDER BY p.url LIMIT 5000",
            &[s(tenant), opt(source)],
        )
        .await
    }

    pub(crate) async fn page(&self, tenant: &str, page: &str) -> Result<Option<PageRow>, Error> {
        self.first(
            "SELECT page_id, source_id, url, title, content_hash, etag, last_modified, enabled, fetched_at_ms FROM knowledge_pages WHERE tenant_id = ?1 AND page_id = ?2",
            &[s(tenant), s(page)],
        )
        .await
    }

    pub(crate) async fn page_snippets(
        &self,
        tenant: &str,
        page: &str,
    ) -> Result<Vec<SnippetRow>, Error> {
        self.all(
            "SELECT snippet_id, page_id, kind, title, text, url, enabled, updated_at_ms FROM knowledge_snippets WHERE tenant_id = ?1 AND page_id = ?2 ORDER BY position",
            &[s(tenant), s(page)],
        )
        .await
    }

    pub(crate) async fn manual_snippets(&self, tenant: &str) -> Result<Vec<SnippetRow>, Error> {
        self.all(
            "SELECT snippet_id, page_id, kind, title, text, url, enabled, updated_at_ms FROM knowledge_snippets WHERE tenant_id = ?1 AND page_id IS NULL ORDER BY updated_at_ms DESC LIMIT 1000",
            &[s(tenant)],
        )
        .await
    }

    pub(crate) async fn snippet(
        &self,
        tenant: &str,
        id: &str,
    ) -> Result<Option<SnippetRow>, Error> {
        self.first(
            "SELECT snippet_id, page_id, kind, title, text, url, enabled, updated_at_ms FROM knowledge_snippets WHERE tenant_id = ?1 AND snippet_id = ?2",
            &[s(tenant), s(id)],
        )
        .await
    }

    pub(crate) fn insert_manual(
        &self,
        tenant: &str,
        id: &str,
        title: &str,
        text: &str,
        hash: &str,
        now: u64,
    ) -> Result<D1PreparedStatement, Error> {
        self.stmt(
            "INSERT INTO knowledge_snippets (tenant_id, snippet_id, page_id, kind, title, text, url, content_hash, enabled, position, updated_at_ms) \
             VALUES (?1, ?2, NULL, 'manual', ?3, ?4, NULL, ?5, 1, 0, ?6)",
            &[s(tenant), s(id), s(title), s(text), s(hash), n(now)],
        )
    }

    /// Every enabled snippet of an enabled page, and every enabled hand-written one.
    pub(crate) async fn enabled_snippets(&self, tenant: &str) -> Result<Vec<Snippet>, Error> {
        #[derive(Deserialize)]
        struct Row {
            snippet_id: String,
            title: String,
            text: String,
            url: Option<String>,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT s.snippet_id, s.title, s.text, s.url FROM knowledge_snippets s \
                 LEFT JOIN knowledge_pages p ON p.tenant_id = s.tenant_id AND p.page_id = s.page_id \
                 WHERE s.tenant_id = ?1 AND s.enabled = 1 AND (s.page_id IS NULL OR p.enabled = 1) \
                 ORDER BY s.page_id IS NOT NULL, s.updated_at_ms, s.position LIMIT 20000",
                &[s(tenant)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Snippet {
                id: r.snippet_id,
                title: r.title,
                text: r.text,
                url: r.url,
            })
            .collect())
    }

    // ---- gaps ----

    pub(crate) async fn open_gaps(&self, tenant: &str) -> Result<Vec<GapRow>, Error> {
        self.all(
            "SELECT gap_id, signature, examples_json, count, status, answer_snippet_id, first_seen_at_ms, last_seen_at_ms FROM knowledge_gaps WHERE tenant_id = ?1 AND status = 'open' ORDER BY last_seen_at_ms DESC LIMIT 500",
            &[s(tenant)],
        )
        .await
    }

    pub(crate) async fn gaps(&self, tenant: &str, status: &str) -> Result<Vec<GapRow>, Error> {
        self.all(
            "SELECT gap_id, signature, examples_json, count, status, answer_snippet_id, first_seen_at_ms, last_seen_at_ms FROM knowledge_gaps WHERE tenant_id = ?1 AND (?2 = 'all' OR status = ?2) ORDER BY count DESC, last_seen_at_ms DESC LIMIT 200",
            &[s(tenant), s(status)],
        )
        .await
    }

    pub(crate) async fn gap(&self, tenant: &str, gap: &str) -> Result<Option<GapRow>, Error> {
        self.first(
            "SELECT gap_id, signature, examples_json, count, status, answer_snippet_id, first_seen_at_ms, last_seen_at_ms FROM knowledge_gaps WHERE tenant_id = ?1 AND gap_id = ?2",
            &[s(tenant), s(gap)],
        )
        .await
    }

    pub(crate) async fn gap_events(
        &self,
        tenant: &str,
        since_ms: u64,
    ) -> Result<Vec<(String, u64)>, Error> {
        #[derive(Deserialize)]
        struct Row {
            gap_id: String,
            at_ms: f64,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT gap_id, at_ms FROM knowledge_gap_events WHERE tenant_id = ?1 AND at_ms >= ?2 LIMIT 20000",
                &[s(tenant), n(since_ms)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.gap_id, r.at_ms as u64))
            .collect())
    }
}
