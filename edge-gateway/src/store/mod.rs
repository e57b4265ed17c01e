//! D1 repository: the only module that speaks SQL (this file: the widget and chat paths;
//! `admin.rs`: conversations, analytics, audit and privacy operations). Each function is one round trip (a batch
//! where several statements must apply together).

use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::history::{self, History, Transcribed};
use shopkeep_gateway_core::keyring::KeyRing;
use shopkeep_gateway_core::prompt::HistoryTurn;
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_gateway_core::turn::{StoredAnswer, StoredTurn};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::{
    Block, FeedbackRequest, MessageRole, MessageStatus, Rating, StoredMessage,
};
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

mod admin;
mod catalog;
mod handoff;
mod orders;
pub(crate) mod staff;
mod webhooks;
pub(crate) use admin::Scope;
pub(crate) use catalog::{NewSource, PageProgress, SourceRow, SyncRow};
pub(crate) use handoff::StateChange;
pub(crate) use orders::NewLookup;
pub(crate) use webhooks::{AttemptResult, EndpointRow, NewDelivery};

fn storage(what: &'static str) -> impl Fn(worker::Error) -> Error {
    move |e| Error::Storage(format!("{what}: {e}"))
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn n(v: u64) -> JsValue {
    // D1 numbers are JS numbers; every value stored here is far below 2^53.
    JsValue::from_f64(v as f64)
}

fn opt(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

/// The D1 database.
pub(crate) struct Store {
    db: D1Database,
}

/// A tenant as stored.
#[derive(Clone)]
pub(crate) struct TenantRecord {
    pub(crate) config: TenantConfig,
    pub(crate) version: u64,
    pub(crate) keys: KeyRing,
    /// Whether the tenant has a catalog source (the product tools are offered).
    pub(crate) has_catalog: bool,
    /// Whether the tenant has an order source (`lookup_order` is offered).
    pub(crate) has_orders: bool,
    /// The catalog's currency (its exponent scales price filters), once products exist.
    pub(crate) catalog_currency: Option<String>,
}

/// A tenant row as D1 holds it.
#[derive(Deserialize, PartialEq)]
pub(crate) struct TenantRow {
    config_json: String,
    version: f64,
    keys_json: String,
    has_catalog: f64,
    has_orders: f64,
    catalog_currency: Option<String>,
}

impl TenantRow {
    /// The parsed record.
    pub(crate) fn parse(&self, id: &str) -> Result<TenantRecord, Error> {
        let config = serde_json::from_str(&self.config_json)
            .map_err(|e| Error::Internal(format!("stored config of {id} does not parse: {e}")))?;
        let keys = serde_json::from_str(&self.keys_json)
            .map_err(|e| Error::Internal(format!("stored keys of {id} do not parse: {e}")))?;
        Ok(TenantRecord {
            config,
            version: self.version as u64,
            keys,
            has_catalog: self.has_catalog != 0.0,
            has_orders: self.has_orders != 0.0,
            catalog_currency: self.catalog_currency.clone(),
        })
    }
}

/// The public part of a tenant, as served to widgets.
#[derive(Deserialize)]
pub(crate) struct PublicRecord {
    pub(crate) public_json: String,
    pub(crate) etag: String,
    pub(crate) allowed_origins: String,
}

/// What the chat path needs to know after storing the shopper's message: what storage holds
/// for its client message id (this request's message, or an earlier one with its answer) and
/// the conversation's history before it.
pub(crate) struct Turn {
    pub(crate) stored: StoredTurn,
    pub(crate) history: Vec<HistoryTurn>,
}

/// An answered message, for storage.
pub(crate) struct AssistantRecord<'a> {
    pub(crate) id: &'a str,
    pub(crate) tenant_id: &'a str,
    pub(crate) conversation_id: &'a str,
    pub(crate) reply_to: &'a str,
    pub(crate) text: &'a str,
    pub(crate) status: MessageStatus,
    pub(crate) created_at_ms: u64,
    /// The blocks shown with the answer (product cards), as JSON; `None` when there were none.
    pub(crate) blocks_json: Option<String>,
}

/// One telemetry row.
pub(crate) struct UsageRecord<'a> {
    pub(crate) tenant_id: &'a str,
    pub(crate) conversation_id: &'a str,
    pub(crate) message_id: &'a str,
    pub(crate) upstream: &'a str,
    pub(crate) model: Option<&'a str>,
    pub(crate) cost_micro_usd: Option<u64>,
    pub(crate) outcome: MessageStatus,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) latency_ms: u64,
    pub(crate) ttft_ms: Option<u64>,
    pub(crate) prompt_tokens: u32,
    pub(crate) completion_tokens: u32,
    pub(crate) estimated: bool,
    pub(crate) created_at_ms: u64,
    /// Prices in the reply that matched no shown product (`None` when no cards were shown).
    pub(crate) unmatched_prices: Option<u32>,
}

#[derive(Deserialize)]
pub(crate) struct MessageRow {
    id: String,
    role: String,
    text: String,
    status: String,
    created_at_ms: f64,
    #[serde(default)]
    blocks_json: Option<String>,
    #[serde(default)]
    client_message_id: Option<String>,
}

/// A stored message with the blocks shown with it (product cards), for history, transcripts
/// and exports.
#[derive(Debug, Serialize)]
pub(crate) struct ShownMessage {
    #[serde(flatten)]
    pub(crate) message: StoredMessage,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) blocks: Vec<Block>,
}

fn status_str(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Complete => "complete",
        MessageStatus::Stopped => "stopped",
        MessageStatus::Interrupted => "interrupted",
    }
}

fn parse_status(status: &str) -> MessageStatus {
    match status {
        "stopped" => MessageStatus::Stopped,
        "interrupted" => MessageStatus::Interrupted,
        _ => MessageStatus::Complete,
    }
}

impl MessageRow {
    fn role(&self) -> MessageRole {
        if self.role == "assistant" {
            MessageRole::Assistant
        } else {
            MessageRole::User
        }
    }

    /// The blocks stored with the message (none when unreadable: they are display only).
    pub(crate) fn blocks(&self) -> Vec<Block> {
        self.blocks_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    }

    pub(crate) fn into_shown(self) -> ShownMessage {
        let blocks = self.blocks();
        ShownMessage {
            message: self.into_stored(),
            blocks,
        }
    }

    pub(crate) fn into_stored(self) -> StoredMessage {
        let status = parse_status(&self.status);
        StoredMessage {
            role: self.role(),
            id: self.id,
            text: self.text,
            status,
            created_at_ms: self.created_at_ms as u64,
            seq: None,
            notice: None,
            minutes: None,
        }
    }
}

/// How many stored messages a conversation returns or feeds into a prompt.
const HISTORY_ROWS: u32 = 200;

impl Store {
    pub(crate) fn new(env: &Env) -> Result<Self, Error> {
        Ok(Store {
            db: env.d1("DB").map_err(storage("D1 binding"))?,
        })
    }

    /// The database, for the knowledge module's own repository (knowledge/db.rs).
    pub(crate) fn d1(&self) -> &D1Database {
        &self.db
    }

    /// The whole config of a tenant.
    pub(crate) async fn tenant(&self, id: &str) -> Result<Option<TenantRecord>, Error> {
        self.tenant_row(id)
            .await?
            .map(|row| row.parse(id))
            .transpose()
    }

    /// The tenant row as stored (unparsed), so a cache can tell whether it changed; with
    /// whether a catalog source exists and the catalog's currency (the product tools).
    pub(crate) async fn tenant_row(&self, id: &str) -> Result<Option<TenantRow>, Error> {
        self.db
            .prepare(
                "SELECT config_json, version, keys_json, \
                 EXISTS (SELECT 1 FROM catalog_sources c WHERE c.tenant_id = tenants.id) AS has_catalog, \
                 EXISTS (SELECT 1 FROM order_sources o WHERE o.tenant_id = tenants.id) AS has_orders, \
                 (SELECT currency FROM products p WHERE p.tenant_id = tenants.id LIMIT 1) AS catalog_currency \
                 FROM tenants WHERE id = ?1",
            )
            .bind(&[s(id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load tenant"))
    }

    /// The public config, its ETag and the allowed origins (JSON array).
    pub(crate) async fn tenant_public(&self, id: &str) -> Result<Option<PublicRecord>, Error> {
        self.db
            .prepare(
                "SELECT public_json, etag, json_extract(config_json, '$.allowed_origins') AS allowed_origins \
                 FROM tenants WHERE id = ?1",
            )
            .bind(&[s(id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load public config"))
    }

    /// Creates or replaces a tenant's config (already validated), as a new version, with a
    /// version row and an audit row, atomically. Returns the new version.
    pub(crate) async fn put_tenant(
        &self,
        config: &TenantConfig,
        actor: &str,
        now_ms: u64,
    ) -> Result<u64, Error> {
        let existing = self.tenant(&config.tenant_id).await?;
        let current = existing.as_ref().map_or(0, |t| t.version);
        // A new tenant gets its first key ids; an existing one keeps its ring.
        let keys = existing.map_or_else(|| KeyRing::initial(now_ms), |t| t.keys);
        let keys_json =
            serde_json::to_string(&keys).map_err(|e| Error::Internal(format!("encode: {e}")))?;
        let version = current + 1;
        let config_json =
            serde_json::to_string(config).map_err(|e| Error::Internal(format!("encode: {e}")))?;
        let public_json = serde_json::to_string(&config.public_config(version))
            .map_err(|e| Error::Internal(format!("encode: {e}")))?;
        let etag = shopkeep_gateway_core::tenant::etag(version, &public_json);
        let id = config.tenant_id.as_str();
        let upsert = self
            .db
            .prepare(
                "INSERT INTO tenants (id, name, config_json, public_json, etag, version, created_at_ms, updated_at_ms, keys_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?9) \
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, config_json = excluded.config_json, \
                 public_json = excluded.public_json, etag = excluded.etag, version = excluded.version, \
                 updated_at_ms = excluded.updated_at_ms WHERE tenants.version = ?8",
            )
            .bind(&[
                s(id),
                s(&config.name),
                s(&config_json),
                s(&public_json),
                s(&etag),
                n(version),
                n(now_ms),
                n(current),
                s(&keys_json),
            ])
            .map_err(storage("bind"))?;
        let history = self
            .db
            .prepare(
                "INSERT INTO tenant_config_versions (tenant_id, version, config_json, actor, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&[s(id), n(version), s(&config_json), s(actor), n(now_ms)])
            .map_err(storage("bind"))?;
        let detail = serde_json::json!({ "version": version }).to_string();
        let audit = self
            .db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
                 VALUES (?1, ?2, 'config.put', ?3, ?4)",
            )
            .bind(&[s(id), s(actor), s(&detail), n(now_ms)])
            .map_err(storage("bind"))?;
        // The batch is one transaction: a concurrent writer makes the version row collide
        // with its primary key and nothing is applied.
        self.db
            .batch(vec![upsert, history, audit])
            .await
            .map_err(storage("put tenant"))?;
        crate::tenant_cache::forget(id);
        Ok(version)
    }

    /// Replaces a tenant's key ring (after a rotation), with an audit row, if the ring is
    /// still `previous` (a concurrent rotation makes this fail rather than lose a kid).
    pub(crate) async fn put_keys(
        &self,
        tenant_id: &str,
        previous: &KeyRing,
        keys: &KeyRing,
        actor: &str,
        detail: &serde_json::Value,
        now_ms: u64,
    ) -> Result<(), Error> {
        let encode = |k: &KeyRing| {
            serde_json::to_string(k).map_err(|e| Error::Internal(format!("encode: {e}")))
        };
        let update = self
            .db
            .prepare("UPDATE tenants SET keys_json = ?1, updated_at_ms = ?2 WHERE id = ?3 AND keys_json = ?4")
            .bind(&[s(&encode(keys)?), n(now_ms), s(tenant_id), s(&encode(previous)?)])
            .map_err(storage("bind"))?;
        let audit = self
            .db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
                 SELECT ?1, ?2, 'keys.rotate', ?3, ?4 WHERE changes() = 1",
            )
            .bind(&[s(tenant_id), s(actor), s(&detail.to_string()), n(now_ms)])
            .map_err(storage("bind"))?;
        let results = self
            .db
            .batch(vec![update, audit])
            .await
            .map_err(storage("rotate keys"))?;
        let changed = results
            .first()
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        crate::tenant_cache::forget(tenant_id);
        if changed != 1 {
            return Err(Error::Storage("keys changed concurrently; retry".into()));
        }
        Ok(())
    }

    /// The latest conversation of a verified user, to continue it on another device.
    pub(crate) async fn latest_conversation_of(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Option<String>, Error> {
        self.db
            .prepare(
                "SELECT id FROM conversations WHERE tenant_id = ?1 AND user_id = ?2 \
                 ORDER BY updated_at_ms DESC LIMIT 1",
            )
            .bind(&[s(tenant_id), s(user_id)])
            .map_err(storage("bind"))?
            .first::<String>(Some("id"))
            .await
            .map_err(storage("latest conversation"))
    }

    /// Stores the shopper's message (once per client message id, in a conversation of this
    /// tenant only) and returns what is stored under that id — with its latest answer — and
    /// the conversation's history before it: one round trip.
    ///
    /// The conversation upsert and the message insert are both conditional on the
    /// conversation being this tenant's: a conversation id that exists under another tenant
    /// (only a forged token can name one) is neither touched nor answered from.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn begin_turn(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        session_id: &str,
        user_id: Option<&str>,
        origin: &str,
        client_message_id: &str,
        new_message_id: &str,
        text: &str,
        now_ms: u64,
    ) -> Result<Turn, Error> {
        let conversation = self
            .db
            .prepare(
                "INSERT INTO conversations (id, tenant_id, session_id, user_id, origin, created_at_ms, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) \
                 ON CONFLICT(id) DO UPDATE SET updated_at_ms = excluded.updated_at_ms \
                 WHERE conversations.tenant_id = excluded.tenant_id",
            )
            .bind(&[s(conversation_id), s(tenant_id), s(session_id), opt(user_id), s(origin), n(now_ms)])
            .map_err(storage("bind"))?;
        let message = self
            .db
            .prepare(
                "INSERT INTO messages (id, tenant_id, conversation_id, role, text, status, client_message_id, created_at_ms) \
                 SELECT ?1, ?2, ?3, 'user', ?4, 'complete', ?5, ?6 \
                 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?3 AND tenant_id = ?2) \
                 ON CONFLICT(tenant_id, conversation_id, client_message_id) DO NOTHING",
            )
            .bind(&[s(new_message_id), s(tenant_id), s(conversation_id), s(text), s(client_message_id), n(now_ms)])
            .map_err(storage("bind"))?;
        let stored = self
            .db
            .prepare(
                "SELECT u.id, u.text, u.created_at_ms, a.id AS answer_id, a.text AS answer_text, \
                 a.status AS answer_status, a.blocks_json AS answer_blocks FROM messages u LEFT JOIN messages a ON a.tenant_id = u.tenant_id \
                 AND a.rowid = (SELECT x.rowid FROM messages x WHERE x.tenant_id = u.tenant_id \
                  AND x.conversation_id = u.conversation_id AND x.reply_to = u.id AND x.role = 'assistant' \
                  ORDER BY x.created_at_ms DESC, x.rowid DESC LIMIT 1) \
                 WHERE u.tenant_id = ?1 AND u.conversation_id = ?2 AND u.client_message_id = ?3",
            )
            .bind(&[s(tenant_id), s(conversation_id), s(client_message_id)])
            .map_err(storage("bind"))?;
        let history = self.history_statement(tenant_id, conversation_id)?;
        let results = self
            .db
            .batch(vec![conversation, message, stored, history])
            .await
            .map_err(storage("store message"))?;
        #[derive(Deserialize)]
        struct StoredRow {
            id: String,
            text: String,
            created_at_ms: f64,
            answer_id: Option<String>,
            answer_text: Option<String>,
            answer_status: Option<String>,
            answer_blocks: Option<String>,
        }
        let stored: Vec<StoredRow> = results
            .get(2)
            .ok_or_else(|| Error::Storage("batch returned no results".into()))?
            .results()
            .map_err(storage("read stored message"))?;
        let Some(row) = stored.into_iter().next() else {
            // Nothing was stored and nothing exists under this tenant: the conversation id
            // belongs to another tenant.
            return Err(Error::downstream(
                shopkeep_protocol::ErrorCode::Unauthorized,
                "This session cannot continue that conversation.",
            ));
        };
        let answer = match (row.answer_id, row.answer_text, row.answer_status) {
            (Some(id), Some(text), Some(status)) => Some(StoredAnswer {
                id,
                text,
                status: parse_status(&status),
                // Display only, as in history: unreadable blocks are left out.
                blocks: row
                    .answer_blocks
                    .as_deref()
                    .and_then(|j| serde_json::from_str(j).ok())
                    .unwrap_or_default(),
            }),
            _ => None,
        };
        let stored = StoredTurn {
            user_message_id: row.id,
            text: row.text,
            created_at_ms: row.created_at_ms as u64,
            answer,
        };
        let rows: Vec<MessageRow> = results
            .last()
            .ok_or_else(|| Error::Storage("batch returned no results".into()))?
            .results()
            .map_err(storage("read history"))?;
        // History is what came before the shopper's message (all of it when the message is
        // older than the rows read).
        let position = rows
            .iter()
            .position(|r| r.id == stored.user_message_id)
            .unwrap_or(rows.len());
        let history = rows
            .into_iter()
            .take(position)
            .filter(|r| r.status == "complete" || r.role == "user")
            .map(|r| HistoryTurn {
                role: r.role(),
                text: r.text,
            })
            .collect();
        Ok(Turn { stored, history })
    }

    fn history_statement(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<worker::D1PreparedStatement, Error> {
        self.db
            .prepare(
                "SELECT id, role, text, status, client_message_id, created_at_ms, blocks_json FROM \
                 (SELECT *, rowid AS r FROM messages WHERE tenant_id = ?1 AND conversation_id = ?2 \
                  ORDER BY created_at_ms DESC, r DESC LIMIT ?3) \
                 ORDER BY created_at_ms, r",
            )
            .bind(&[s(tenant_id), s(conversation_id), n(HISTORY_ROWS.into())])
            .map_err(storage("bind"))
    }

    /// Stores the assistant's message and the telemetry row, together. Returns whether the
    /// answer was stored (false in store-nothing mode, or when its conversation was erased
    /// meanwhile).
    pub(crate) async fn finish_turn(
        &self,
        message: Option<&AssistantRecord<'_>>,
        usage: &UsageRecord<'_>,
    ) -> Result<bool, Error> {
        let stored = match message {
            Some(message) => self.store_answer(message).await?,
            None => false,
        };
        self.record_usage(usage).await;
        Ok(stored)
    }

    /// Stores an answer only while its conversation still exists for its tenant: an answer
    /// that finishes after the shopper erased the conversation is dropped, not left as an
    /// orphan no later erase or purge would find.
    async fn store_answer(&self, message: &AssistantRecord<'_>) -> Result<bool, Error> {
        let m = self
            .db
            .prepare(
                "INSERT INTO messages (id, tenant_id, conversation_id, role, text, status, reply_to, created_at_ms, blocks_json) \
                 SELECT ?1, ?2, ?3, 'assistant', ?4, ?5, ?6, ?7, ?8 \
                 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?3 AND tenant_id = ?2)",
            )
            .bind(&[
                s(message.id),
                s(message.tenant_id),
                s(message.conversation_id),
                s(message.text),
                s(status_str(message.status)),
                s(message.reply_to),
                n(message.created_at_ms),
                opt(message.blocks_json.as_deref()),
            ])
            .map_err(storage("bind"))?;
        let results = self
            .db
            .batch(vec![m])
            .await
            .map_err(storage("store answer"))?;
        let changes = results
            .first()
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes > 0)
    }

    /// Telemetry never fails a chat: its error is logged, not returned. The row names its
    /// conversation only while that still exists (an answer finishing after an erase keeps
    /// anonymous counters, like store-nothing mode).
    async fn record_usage(&self, usage: &UsageRecord<'_>) {
        let u = self
            .db
            .prepare(
                "INSERT INTO usage_events (tenant_id, conversation_id, message_id, upstream, outcome, error_code, \
                 latency_ms, ttft_ms, prompt_tokens, completion_tokens, tokens_estimated, created_at_ms, model, \
                 cost_micro_usd, unmatched_prices) VALUES (?1, \
                 CASE WHEN EXISTS (SELECT 1 FROM conversations WHERE id = ?2 AND tenant_id = ?1) THEN ?2 ELSE '-' END, \
                 ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .bind(&[
                s(usage.tenant_id),
                s(usage.conversation_id),
                s(usage.message_id),
                s(usage.upstream),
                s(status_str(usage.outcome)),
                opt(usage.error_code),
                n(usage.latency_ms),
                usage.ttft_ms.map_or(JsValue::NULL, n),
                n(usage.prompt_tokens.into()),
                n(usage.completion_tokens.into()),
                n(u64::from(usage.estimated)),
                n(usage.created_at_ms),
                opt(usage.model),
                usage.cost_micro_usd.map_or(JsValue::NULL, n),
                usage.unmatched_prices.map_or(JsValue::NULL, |c| n(c.into())),
            ]);
        match u {
            Ok(statement) => {
                if let Err(e) = statement.run().await {
                    worker::console_error!("telemetry write failed: {e}");
                }
            }
            Err(e) => worker::console_error!("telemetry bind failed: {e}"),
        }
    }

    /// Records a consent decision in the audit log.
    pub(crate) async fn record_consent(
        &self,
        tenant_id: &str,
        session_id: &str,
        conversation_id: &str,
        accepted: bool,
        now_ms: u64,
    ) -> Result<(), Error> {
        let action = if accepted {
            "consent.accepted"
        } else {
            "consent.declined"
        };
        let detail =
            serde_json::json!({ "session_id": session_id, "conversation_id": conversation_id })
                .to_string();
        self.db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
                 VALUES (?1, 'shopper', ?2, ?3, ?4)",
            )
            .bind(&[s(tenant_id), s(action), s(&detail), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("record consent"))?;
        Ok(())
    }

    /// Rates an assistant message of the conversation (replacing an earlier rating). False
    /// when no such assistant message exists there.
    pub(crate) async fn rate_message(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        message_id: &str,
        feedback: &FeedbackRequest,
        now_ms: u64,
    ) -> Result<bool, Error> {
        let rating = match feedback.rating {
            Rating::Up => "up",
            Rating::Down => "down",
        };
        // `WHERE true` lets SQLite parse the upsert after a SELECT.
        let result = self
            .db
            .prepare(
                "INSERT INTO feedback (message_id, tenant_id, conversation_id, rating, comment, created_at_ms) \
                 SELECT id, tenant_id, conversation_id, ?4, ?5, ?6 FROM messages \
                 WHERE id = ?1 AND conversation_id = ?2 AND tenant_id = ?3 AND role = 'assistant' AND true \
                 ON CONFLICT(message_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, \
                 created_at_ms = excluded.created_at_ms",
            )
            .bind(&[s(message_id), s(conversation_id), s(tenant_id), s(rating), opt(feedback.comment.as_deref()), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("rate message"))?;
        let changes = result
            .meta()
            .ok()
            .flatten()
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes > 0)
    }

    /// A conversation's messages (this tenant's only), oldest first.
    /// The conversation as the shopper sees it after a reload: the stored transcript and the
    /// live log (staff messages, notices, shopper messages to a person) in one round trip,
    /// merged by the core (`core::history`).
    pub(crate) async fn conversation(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<History<ShownMessage>, Error> {
        let results = self
            .db
            .batch(vec![
                self.history_statement(tenant_id, conversation_id)?,
                self.live_history_statement(tenant_id, conversation_id, HISTORY_ROWS)?,
            ])
            .await
            .map_err(storage("load conversation"))?;
        let (Some(transcript), Some(live)) = (results.first(), results.get(1)) else {
            return Err(Error::Storage("load conversation: missing results".into()));
        };
        let rows: Vec<MessageRow> = transcript.results().map_err(storage("read conversation"))?;
        let live = Self::live_rows(live)?;
        let transcript_full = rows.len() >= HISTORY_ROWS as usize;
        let live_full = live.len() >= HISTORY_ROWS as usize;
        let transcript = rows
            .into_iter()
            .map(|row| Transcribed {
                created_at_ms: row.created_at_ms as u64,
                client_message_id: row.client_message_id.clone(),
                message: row.into_shown(),
            })
            .collect();
        Ok(history::merge(
            conversation_id.to_owned(),
            transcript,
            transcript_full,
            live,
            live_full,
        ))
    }
}
