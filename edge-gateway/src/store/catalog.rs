//! Catalog queries: the source, sync runs, product upserts (a page in one batch, through
//! `json_each` so a page is a handful of statements whatever its size), deletions after a
//! full sync, and search. Every statement names its tenant.

use super::{n, opt, s, storage, Store};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shopkeep_gateway_core::catalog::vocab::Vocabulary;
use shopkeep_gateway_core::catalog::{Problem, Product};
use shopkeep_gateway_core::Error;
use wasm_bindgen::JsValue;

/// A catalog source as stored (the sealed credentials stay in the store module's callers
/// that need them; [`SourceRow::public`] never includes them).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SourceRow {
    pub(crate) kind: String,
    pub(crate) url: Option<String>,
    pub(crate) currency: Option<String>,
    pub(crate) credentials: Option<String>,
    pub(crate) schedule: String,
    pub(crate) max_products: f64,
    pub(crate) updated_at_ms: f64,
    pub(crate) last_started_ms: Option<f64>,
    pub(crate) last_full_ms: Option<f64>,
    pub(crate) last_success_ms: Option<f64>,
}

/// The source as the admin API shows it: credentials only as `has_credentials`.
#[derive(Debug, Serialize)]
pub(crate) struct PublicSource {
    kind: String,
    url: Option<String>,
    currency: Option<String>,
    schedule: String,
    max_products: u64,
    has_credentials: bool,
    updated_at: u64,
}

impl SourceRow {
    pub(crate) fn public(&self) -> PublicSource {
        PublicSource {
            kind: self.kind.clone(),
            url: self.url.clone(),
            currency: self.currency.clone(),
            schedule: self.schedule.clone(),
            max_products: self.max_products as u64,
            has_credentials: self.credentials.is_some(),
            updated_at: self.updated_at_ms as u64,
        }
    }
}

/// A source to save. `credentials`: `Some(Some(sealed))` sets, `Some(None)` clears, `None`
/// keeps what is stored (the token is write-only: the console cannot send it back).
pub(crate) struct NewSource<'a> {
    pub(crate) kind: &'a str,
    pub(crate) url: Option<&'a str>,
    pub(crate) currency: Option<&'a str>,
    pub(crate) credentials: Option<Option<String>>,
    pub(crate) schedule: &'a str,
    pub(crate) max_products: u32,
}

/// A sync run as stored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct SyncRow {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) full: f64,
    pub(crate) since_ms: Option<f64>,
    pub(crate) started_at_ms: f64,
    pub(crate) finished_at_ms: Option<f64>,
    pub(crate) pages_done: f64,
    pub(crate) products_seen: f64,
    pub(crate) products_upserted: f64,
    pub(crate) products_deleted: f64,
    pub(crate) problems_json: String,
    pub(crate) error: Option<String>,
}

/// Problems kept per sync (the first ones; the count says how many more).
pub(crate) const MAX_PROBLEMS: usize = 200;

impl SyncRow {
    pub(crate) fn problems(&self) -> Vec<Problem> {
        serde_json::from_str(&self.problems_json).unwrap_or_default()
    }

    /// The report shape of catalog-api.md.
    pub(crate) fn report(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "status": self.status,
            "full": self.full != 0.0,
            "started_at": self.started_at_ms as u64,
            "finished_at": self.finished_at_ms.map(|t| t as u64),
            "pages_done": self.pages_done as u64,
            "products_seen": self.products_seen as u64,
            "products_upserted": self.products_upserted as u64,
            "products_deleted": self.products_deleted as u64,
            "problems": self.problems(),
            "error": self.error,
        })
    }
}

/// Progress of one page, for [`Store::record_page`].
pub(crate) struct PageProgress<'a> {
    pub(crate) seen: u32,
    pub(crate) upserted: u32,
    /// Pages fetched (the variations listing reads several per queue message).
    pub(crate) pages: u32,
    pub(crate) problems: &'a [Problem],
}

const SOURCE_COLUMNS: &str =
    "kind, url, currency, credentials, schedule, max_products, updated_at_ms, \
     last_started_ms, last_full_ms, last_success_ms";
const SYNC_COLUMNS: &str =
    "id, status, full, since_ms, started_at_ms, finished_at_ms, pages_done, products_seen, \
     products_upserted, products_deleted, problems_json, error";

fn num(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, n)
}

impl Store {
    /// The tenant's source.
    pub(crate) async fn catalog_source(&self, tenant_id: &str) -> Result<Option<SourceRow>, Error> {
        self.db
            .prepare(format!(
                "SELECT {SOURCE_COLUMNS} FROM catalog_sources WHERE tenant_id = ?1"
            ))
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load catalog source"))
    }

    /// Every source (the cron trigger's due check).
    pub(crate) async fn catalog_sources(&self) -> Result<Vec<(String, SourceRow)>, Error> {
        #[derive(Deserialize)]
        struct Row {
            tenant_id: String,
            #[serde(flatten)]
            source: SourceRow,
        }
        let rows: Vec<Row> = self
            .db
            .prepare(format!("SELECT tenant_id, {SOURCE_COLUMNS} FROM catalog_sources WHERE schedule != 'off' LIMIT 5000"))
            .all()
            .await
            .map_err(storage("list catalog sources"))?
            .results()
            .map_err(storage("read catalog sources"))?;
        Ok(rows.into_iter().map(|r| (r.tenant_id, r.source)).collect())
    }

    /// Saves the tenant's source.
    pub(crate) async fn put_catalog_source(
        &self,
        tenant_id: &str,
        source: &NewSource<'_>,
        now_ms: u64,
    ) -> Result<(), Error> {
        let (keep, sealed) = match &source.credentials {
            None => (1, None),
            Some(value) => (0, value.as_deref()),
        };
        self.db
            .prepare(
                "INSERT INTO catalog_sources (tenant_id, kind, url, currency, credentials, schedule, max_products, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT(tenant_id) DO UPDATE SET kind = excluded.kind, url = excluded.url, currency = excluded.currency, \
                 credentials = CASE WHEN ?9 = 1 AND catalog_sources.kind = excluded.kind AND catalog_sources.url IS excluded.url \
                 THEN catalog_sources.credentials ELSE excluded.credentials END, \
                 schedule = excluded.schedule, max_products = excluded.max_products, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(&[
                s(tenant_id),
                s(source.kind),
                opt(source.url),
                opt(source.currency),
                opt(sealed),
                s(source.schedule),
                n(source.max_products.into()),
                n(now_ms),
                n(keep),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("save catalog source"))?;
        Ok(())
    }

    /// An audit row for a catalog change (never a credential: only whether one is stored).
    pub(crate) async fn catalog_audit(
        &self,
        tenant_id: &str,
        actor: &str,
        action: &str,
        detail: &serde_json::Value,
        now_ms: u64,
    ) {
        let statement = self
            .db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&[s(tenant_id), s(actor), s(action), s(&detail.to_string()), n(now_ms)]);
        let result = match statement {
            Ok(statement) => statement.run().await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            worker::console_error!("catalog audit write failed: {e}");
        }
    }

    /// Removes the source, its syncs and every product of the tenant.
    pub(crate) async fn delete_catalog(&self, tenant_id: &str) -> Result<(), Error> {
        let t = [s(tenant_id)];
        let statements = [
            "DELETE FROM products_fts WHERE tenant_id = ?1",
            "DELETE FROM product_keys WHERE tenant_id = ?1",
            "DELETE FROM variants WHERE tenant_id = ?1",
            "DELETE FROM products WHERE tenant_id = ?1",
            "DELETE FROM catalog_syncs WHERE tenant_id = ?1",
            "DELETE FROM catalog_sources WHERE tenant_id = ?1",
            "DELETE FROM catalog_vocab WHERE tenant_id = ?1",
        ]
        .iter()
        .map(|sql| self.db.prepare(*sql).bind(&t).map_err(storage("bind")))
        .collect::<Result<Vec<_>, _>>()?;
        self.db
            .batch(statements)
            .await
            .map_err(storage("delete catalog"))?;
        Ok(())
    }

    /// Rebuilds the tenant's search vocabulary (`core::catalog::vocab`) from its products'
    /// titles, tags and categories; run when a sync finishes.
    pub(crate) async fn rebuild_vocab(&self, tenant_id: &str, now: u64) -> Result<usize, Error> {
        #[derive(Deserialize)]
        struct Row {
            t: Option<String>,
        }
        let rows: Vec<Row> = self
            .db
            .prepare(
                "SELECT title || ' ' || coalesce(json_extract(data, '$.tags'), '') || ' ' || \
                 coalesce(json_extract(data, '$.categories'), '') AS t FROM products WHERE tenant_id = ?1",
            )
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("read product words"))?
            .results()
            .map_err(storage("read product words"))?;
        let vocab = Vocabulary::build(rows.iter().filter_map(|r| r.t.as_deref()));
        self.db
            .prepare(
                "INSERT INTO catalog_vocab (tenant_id, words, updated_at_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(tenant_id) DO UPDATE SET words = excluded.words, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(&[s(tenant_id), s(&vocab.encode()), n(now)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("write vocabulary"))?;
        Ok(vocab.len())
    }

    /// The tenant's search vocabulary (empty before the first finished sync).
    pub(crate) async fn vocab(&self, tenant_id: &str) -> Result<Vocabulary, Error> {
        #[derive(Deserialize)]
        struct Row {
            words: String,
        }
        let row: Option<Row> = self
            .db
            .prepare("SELECT words FROM catalog_vocab WHERE tenant_id = ?1")
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("read vocabulary"))?;
        Ok(row
            .map(|r| Vocabulary::decode(&r.words))
            .unwrap_or_default())
    }

    /// Products in the tenant's catalog.
    pub(crate) async fn product_count(&self, tenant_id: &str) -> Result<u64, Error> {
        #[derive(Deserialize)]
        struct Row {
            c: f64,
        }
        let row: Option<Row> = self
            .db
            .prepare("SELECT COUNT(*) AS c FROM products WHERE tenant_id = ?1")
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("count products"))?;
        Ok(row.map_or(0, |r| r.c as u64))
    }

    /// The tenant's latest sync.
    pub(crate) async fn last_sync(&self, tenant_id: &str) -> Result<Option<SyncRow>, Error> {
        self.db
            .prepare(format!(
                "SELECT {SYNC_COLUMNS} FROM catalog_syncs WHERE tenant_id = ?1 ORDER BY started_at_ms DESC, rowid DESC LIMIT 1"
            ))
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load sync"))
    }

    /// One sync of the tenant.
    pub(crate) async fn sync_run(
        &self,
        tenant_id: &str,
        sync_id: &str,
    ) -> Result<Option<SyncRow>, Error> {
        self.db
            .prepare(format!(
                "SELECT {SYNC_COLUMNS} FROM catalog_syncs WHERE tenant_id = ?1 AND id = ?2"
            ))
            .bind(&[s(tenant_id), s(sync_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load sync"))
    }

    /// Starts a sync unless one of the tenant's is running (one started within `stale_ms`;
    /// an older "running" one is taken as dead and marked failed). Returns whether it started.
    pub(crate) async fn start_sync(
        &self,
        tenant_id: &str,
        sync_id: &str,
        full: bool,
        since_ms: Option<u64>,
        now_ms: u64,
        stale_ms: u64,
    ) -> Result<bool, Error> {
        let cutoff = now_ms.saturating_sub(stale_ms);
        let expire = self
            .db
            .prepare(
                "UPDATE catalog_syncs SET status = 'failed', error = 'the sync stopped answering', finished_at_ms = ?2 \
                 WHERE tenant_id = ?1 AND status = 'running' AND started_at_ms < ?3",
            )
            .bind(&[s(tenant_id), n(now_ms), n(cutoff)])
            .map_err(storage("bind"))?;
        let insert = self
            .db
            .prepare(
                "INSERT INTO catalog_syncs (id, tenant_id, status, full, since_ms, started_at_ms) \
                 SELECT ?1, ?2, 'running', ?3, ?4, ?5 \
                 WHERE NOT EXISTS (SELECT 1 FROM catalog_syncs WHERE tenant_id = ?2 AND status = 'running')",
            )
            .bind(&[s(sync_id), s(tenant_id), n(u64::from(full)), num(since_ms), n(now_ms)])
            .map_err(storage("bind"))?;
        let mark = self
            .db
            .prepare(
                "UPDATE catalog_sources SET last_started_ms = ?2, last_full_ms = CASE WHEN ?3 = 1 THEN ?2 ELSE last_full_ms END \
                 WHERE tenant_id = ?1 AND EXISTS (SELECT 1 FROM catalog_syncs WHERE id = ?4 AND tenant_id = ?1)",
            )
            .bind(&[s(tenant_id), n(now_ms), n(u64::from(full)), s(sync_id)])
            .map_err(storage("bind"))?;
        let results = self
            .db
            .batch(vec![expire, insert, mark])
            .await
            .map_err(storage("start sync"))?;
        let changes = results
            .get(1)
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes > 0)
    }

    /// Writes one page of products in one batch: products (upsert, keeping their rowid),
    /// their index rows and their variants. The joins with the page are `CROSS JOIN`s so
    /// SQLite loops over the page and looks each product up by key: a plain join let it scan
    /// the tenant's whole catalog once per page item (quadratic: a 10,000-product upload
    /// took over five minutes).
    pub(crate) async fn write_products(
        &self,
        tenant_id: &str,
        sync_id: &str,
        products: &[Product],
    ) -> Result<(), Error> {
        if products.is_empty() {
            return Ok(());
        }
        let rows: Vec<serde_json::Value> = products
            .iter()
            .map(|p| {
                let min = p.variants.iter().map(|v| v.price.amount_minor).min().unwrap_or(0);
                let max = p.variants.iter().map(|v| v.price.amount_minor).max().unwrap_or(0);
                json!({
                    "id": p.id,
                    "title": p.title,
                    "data": serde_json::to_string(p).unwrap_or_default(),
                    "min": min,
                    "max": max,
                    "currency": p.variants.first().map(|v| v.price.currency.clone()).unwrap_or_default(),
                    "available": i32::from(p.available()),
                    "updated": p.updated_at_ms,
                    "description": p.description,
                    "tags": p.tags.iter().chain(&p.categories).cloned().collect::<Vec<_>>().join(" "),
                    "options": p.option_text(),
                })
            })
            .collect();
        let variants: Vec<serde_json::Value> = products
            .iter()
            .flat_map(|p| {
                p.variants.iter().map(move |v| {
                    json!({
                        "p": p.id, "id": v.id, "sku": v.sku,
                        "values": serde_json::to_string(&v.values).unwrap_or_default(),
                        "price": v.price.amount_minor, "available": i32::from(v.available),
                    })
                })
            })
            .collect();
        let page = serde_json::to_string(&rows)
            .map_err(|e| Error::Internal(format!("encode page: {e}")))?;
        let variants = serde_json::to_string(&variants)
            .map_err(|e| Error::Internal(format!("encode variants: {e}")))?;
        let t = s(tenant_id);
        let sql = [
            (
                "INSERT INTO products (tenant_id, id, title, data, min_price_minor, max_price_minor, currency, available, \
                 updated_at_ms, seen_sync) \
                 SELECT ?1, json_extract(value, '$.id'), json_extract(value, '$.title'), json_extract(value, '$.data'), \
                 json_extract(value, '$.min'), json_extract(value, '$.max'), json_extract(value, '$.currency'), \
                 json_extract(value, '$.available'), json_extract(value, '$.updated'), ?3 FROM json_each(?2) WHERE true \
                 ON CONFLICT(tenant_id, id) DO UPDATE SET title = excluded.title, data = excluded.data, \
                 min_price_minor = excluded.min_price_minor, max_price_minor = excluded.max_price_minor, \
                 currency = excluded.currency, available = excluded.available, updated_at_ms = excluded.updated_at_ms, \
                 seen_sync = excluded.seen_sync",
                vec![t.clone(), s(&page), s(sync_id)],
            ),
            (
                "INSERT OR REPLACE INTO product_keys (product, tenant_id, min_price_minor, max_price_minor, available) \
                 SELECT p.rowid, p.tenant_id, p.min_price_minor, p.max_price_minor, p.available \
                 FROM json_each(?2) j CROSS JOIN products p ON p.tenant_id = ?1 AND p.id = json_extract(j.value, '$.id')",
                vec![t.clone(), s(&page)],
            ),
            (
                "DELETE FROM products_fts WHERE rowid IN (SELECT p.rowid FROM json_each(?2) j \
                 CROSS JOIN products p ON p.tenant_id = ?1 AND p.id = json_extract(j.value, '$.id'))",
                vec![t.clone(), s(&page)],
            ),
            (
                "INSERT INTO products_fts (rowid, title, description, tags, options, tenant_id) \
                 SELECT p.rowid, json_extract(j.value, '$.title'), json_extract(j.value, '$.description'), \
                 json_extract(j.value, '$.tags'), json_extract(j.value, '$.options'), ?1 \
                 FROM json_each(?2) j CROSS JOIN products p ON p.tenant_id = ?1 AND p.id = json_extract(j.value, '$.id')",
                vec![t.clone(), s(&page)],
            ),
            (
                "DELETE FROM variants WHERE tenant_id = ?1 AND product_id IN (SELECT json_extract(value, '$.id') FROM json_each(?2))",
                vec![t.clone(), s(&page)],
            ),
            (
                "INSERT OR REPLACE INTO variants (tenant_id, product_id, id, sku, option_values, price_minor, available) \
                 SELECT ?1, json_extract(value, '$.p'), json_extract(value, '$.id'), json_extract(value, '$.sku'), \
                 json_extract(value, '$.values'), json_extract(value, '$.price'), json_extract(value, '$.available') \
                 FROM json_each(?2)",
                vec![t, s(&variants)],
            ),
        ];
        let statements = sql
            .into_iter()
            .map(|(q, args)| self.db.prepare(q).bind(&args).map_err(storage("bind")))
            .collect::<Result<Vec<_>, _>>()?;
        self.db
            .batch(statements)
            .await
            .map_err(storage("write products"))?;
        Ok(())
    }

    /// Adds one page's progress to a running sync.
    pub(crate) async fn record_page(
        &self,
        tenant_id: &str,
        run: &SyncRow,
        progress: &PageProgress<'_>,
    ) -> Result<(), Error> {
        let mut problems = run.problems();
        problems.extend(progress.problems.iter().cloned());
        problems.truncate(MAX_PROBLEMS);
        let problems = serde_json::to_string(&problems).unwrap_or_else(|_| String::from("[]"));
        self.db
            .prepare(
                "UPDATE catalog_syncs SET pages_done = pages_done + ?6, products_seen = products_seen + ?3, \
                 products_upserted = products_upserted + ?4, problems_json = ?5 \
                 WHERE tenant_id = ?1 AND id = ?2 AND status = 'running'",
            )
            .bind(&[s(tenant_id), s(&run.id), n(progress.seen.into()), n(progress.upserted.into()), s(&problems), n(progress.pages.into())])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("record page"))?;
        Ok(())
    }

    /// Ends a sync. A full sync that succeeded deletes the products it did not see; a failed
    /// one deletes nothing (the last good catalog keeps serving). Returns the deleted count.
    pub(crate) async fn finish_sync(
        &self,
        tenant_id: &str,
        run: &SyncRow,
        error: Option<&str>,
        extra_problems: &[Problem],
        now_ms: u64,
    ) -> Result<u64, Error> {
        let t = s(tenant_id);
        let id = s(&run.id);
        let mut deleted = 0;
        let mut statements = Vec::new();
        if error.is_none() && run.full != 0.0 {
            #[derive(Deserialize)]
            struct Row {
                c: f64,
            }
            let row: Option<Row> = self
                .db
                .prepare(
                    "SELECT COUNT(*) AS c FROM products WHERE tenant_id = ?1 AND seen_sync != ?2",
                )
                .bind(&[t.clone(), id.clone()])
                .map_err(storage("bind"))?
                .first(None)
                .await
                .map_err(storage("count unseen"))?;
            deleted = row.map_or(0, |r| r.c as u64);
            for sql in [
                "DELETE FROM products_fts WHERE rowid IN (SELECT rowid FROM products WHERE tenant_id = ?1 AND seen_sync != ?2)",
                "DELETE FROM product_keys WHERE product IN (SELECT rowid FROM products WHERE tenant_id = ?1 AND seen_sync != ?2)",
                "DELETE FROM variants WHERE tenant_id = ?1 AND product_id IN (SELECT id FROM products WHERE tenant_id = ?1 AND seen_sync != ?2)",
                "DELETE FROM products WHERE tenant_id = ?1 AND seen_sync != ?2",
            ] {
                statements.push(self.db.prepare(sql).bind(&[t.clone(), id.clone()]).map_err(storage("bind"))?);
            }
        }
        let mut problems = run.problems();
        problems.extend(extra_problems.iter().cloned());
        problems.truncate(MAX_PROBLEMS);
        let problems = serde_json::to_string(&problems).unwrap_or_else(|_| String::from("[]"));
        statements.push(
            self.db
                .prepare(
                    "UPDATE catalog_syncs SET status = ?3, error = ?4, finished_at_ms = ?5, products_deleted = ?6, problems_json = ?7 \
                     WHERE tenant_id = ?1 AND id = ?2",
                )
                .bind(&[
                    t.clone(),
                    id,
                    s(if error.is_some() { "failed" } else { "done" }),
                    opt(error),
                    n(now_ms),
                    n(deleted),
                    s(&problems),
                ])
                .map_err(storage("bind"))?,
        );
        if error.is_none() {
            statements.push(
                self.db
                    .prepare("UPDATE catalog_sources SET last_success_ms = ?2 WHERE tenant_id = ?1")
                    .bind(&[t, n(run.started_at_ms as u64)])
                    .map_err(storage("bind"))?,
            );
        }
        self.db
            .batch(statements)
            .await
            .map_err(storage("finish sync"))?;
        Ok(deleted)
    }

    /// Candidates for a search, best text match first: with `fts`, from the index; without,
    /// by stock and price. `min`/`max`/`in_stock` are coarse product-level filters (the core
    /// filters variants exactly).
    pub(crate) async fn search_products(
        &self,
        tenant_id: &str,
        fts: Option<&str>,
        min: Option<i64>,
        max: Option<i64>,
        in_stock: bool,
        limit: u32,
    ) -> Result<Vec<Product>, Error> {
        #[derive(Deserialize)]
        struct Row {
            data: String,
        }
        let bound = |v: Option<i64>| v.map_or(JsValue::NULL, |v| JsValue::from_f64(v as f64));
        let filters = "AND (?3 IS NULL OR p.max_price_minor >= ?3) AND (?4 IS NULL OR p.min_price_minor <= ?4) \
                       AND (?5 = 0 OR p.available = 1)";
        let statement = match fts {
            Some(q) => self
                .db
                // Two steps: rank matching rowids of the tenant's products (reading only the
                // index and the products' key columns), then read `data` for the best ones.
                // The tenant and filters are checked on `product_keys` (migration 0011: the
                // key columns in rows of ~30 bytes; on `products` itself, ~2 KB a row, every
                // match read a page of its own: half the query's time), and the tenant again
                // on the rows read (the isolation holds even if the two disagreed); reading the FTS
                // table's own unindexed tenant column for every match, or sorting whole rows,
                // made a 10,000-product search 3-15 times slower (sqlite3 on the host: 15 → 5 ms
                // for a 1,000-match term). CROSS JOIN keeps the index as the outer loop (with
                // nullable filters SQLite otherwise walked the tenant's products and probed
                // the index per row).
                .prepare(format!(
                    "SELECT p2.data FROM (SELECT p.product AS r, bm25(products_fts, 10.0, 1.0, 4.0, 3.0) AS s \
                     FROM products_fts f CROSS JOIN product_keys p ON p.product = f.rowid \
                     WHERE products_fts MATCH ?2 AND p.tenant_id = ?1 {filters} ORDER BY s LIMIT ?6) t \
                     JOIN products p2 ON p2.rowid = t.r WHERE p2.tenant_id = ?1 ORDER BY t.s"
                ))
                .bind(&[s(tenant_id), s(q), bound(min), bound(max), n(u64::from(in_stock)), n(limit.into())]),
            None => self
                .db
                .prepare(format!(
                    "SELECT p.data FROM products p WHERE p.tenant_id = ?1 AND ?2 = '' {filters} \
                     ORDER BY p.available DESC, p.min_price_minor LIMIT ?6"
                ))
                .bind(&[s(tenant_id), s(""), bound(min), bound(max), n(u64::from(in_stock)), n(limit.into())]),
        }
        .map_err(storage("bind"))?;
        let rows: Vec<Row> = statement
            .all()
            .await
            .map_err(storage("search products"))?
            .results()
            .map_err(storage("read products"))?;
        Ok(rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.data).ok())
            .collect())
    }

    /// The tenant's products among `ids`; with `sync_id`, only those that sync wrote (a
    /// variation of a product the running sync did not write, e.g. past the cap, updates
    /// nothing).
    pub(crate) async fn products_of_sync(
        &self,
        tenant_id: &str,
        sync_id: Option<&str>,
        ids: &[&str],
    ) -> Result<Vec<Product>, Error> {
        #[derive(Deserialize)]
        struct Row {
            data: String,
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids =
            serde_json::to_string(ids).map_err(|e| Error::Internal(format!("encode ids: {e}")))?;
        let rows: Vec<Row> = self
            .db
            .prepare(
                "SELECT p.data FROM json_each(?3) j CROSS JOIN products p \
                 ON p.tenant_id = ?1 AND p.id = j.value WHERE ?2 IS NULL OR p.seen_sync = ?2",
            )
            .bind(&[s(tenant_id), opt(sync_id), s(&ids)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("load sync products"))?
            .results()
            .map_err(storage("read sync products"))?;
        Ok(rows
            .iter()
            .filter_map(|r| serde_json::from_str(&r.data).ok())
            .collect())
    }

    /// One product of the tenant.
    pub(crate) async fn product(
        &self,
        tenant_id: &str,
        id: &str,
    ) -> Result<Option<Product>, Error> {
        #[derive(Deserialize)]
        struct Row {
            data: String,
        }
        let row: Option<Row> = self
            .db
            .prepare("SELECT data FROM products WHERE tenant_id = ?1 AND id = ?2")
            .bind(&[s(tenant_id), s(id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load product"))?;
        Ok(row.and_then(|r| serde_json::from_str(&r.data).ok()))
    }
}
