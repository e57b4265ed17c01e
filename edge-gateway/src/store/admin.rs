//! Queries behind the admin console and the privacy tools: conversation lists and
//! transcripts, analytics rows, the audit log, export, erase and the retention purge.

use super::{n, s, storage, MessageRow, Store};
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::analytics::AnswerRow;
use shopkeep_gateway_core::cursor::Cursor;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::StoredMessage;
use worker::D1PreparedStatement;

/// One row of the conversation list.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ConversationSummary {
    pub(crate) id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) created_at_ms: f64,
    pub(crate) updated_at_ms: f64,
    pub(crate) message_count: f64,
    pub(crate) preview: Option<String>,
}

/// A stored message with the shopper's rating, for transcripts.
#[derive(Debug, Serialize)]
pub(crate) struct RatedMessage {
    #[serde(flatten)]
    pub(crate) message: StoredMessage,
    pub(crate) feedback: Option<Feedback>,
    /// Product cards shown with an answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) blocks: Vec<shopkeep_protocol::Block>,
}

/// A rating as shown in transcripts.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Feedback {
    pub(crate) rating: String,
    pub(crate) comment: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize)]
pub(crate) struct AuditEntry {
    pub(crate) id: u64,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) detail: serde_json::Value,
    pub(crate) created_at_ms: u64,
}

/// What an erase removed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Erased {
    pub(crate) conversations: u64,
    pub(crate) messages: u64,
    pub(crate) feedback: u64,
}

/// Whose data a privacy operation covers.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Every conversation of a verified user.
    User(&'a str),
    /// One conversation (a shopper's own session).
    Conversation(&'a str),
    /// Conversations not updated since the given time, and every message, rating, usage
    /// and audit row older than it (retention).
    OlderThan(u64),
}

impl Scope<'_> {
    /// SQL selecting the scope's conversation ids; `?1` is the tenant, `?2` the scope value.
    pub(super) fn conversations(self) -> &'static str {
        match self {
            Scope::User(_) => "SELECT id FROM conversations WHERE tenant_id = ?1 AND user_id = ?2",
            Scope::Conversation(_) => {
                "SELECT id FROM conversations WHERE tenant_id = ?1 AND id = ?2"
            }
            Scope::OlderThan(_) => {
                "SELECT id FROM conversations WHERE tenant_id = ?1 AND updated_at_ms < ?2"
            }
        }
    }

    pub(super) fn value(self) -> wasm_bindgen::JsValue {
        match self {
            Scope::User(v) | Scope::Conversation(v) => s(v),
            Scope::OlderThan(ms) => n(ms),
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            Scope::User(_) => "user",
            Scope::Conversation(_) => "conversation",
            Scope::OlderThan(_) => "retention",
        }
    }
}

impl Store {
    fn statement(
        &self,
        sql: &str,
        args: &[wasm_bindgen::JsValue],
    ) -> Result<D1PreparedStatement, Error> {
        self.db.prepare(sql).bind(args).map_err(storage("bind"))
    }

    /// Newest conversations first, optionally only those with a message containing `q`,
    /// strictly after `after` in `(updated_at_ms, id)` order (the page cursor).
    pub(crate) async fn list_conversations(
        &self,
        tenant_id: &str,
        q: &str,
        after: Option<&Cursor>,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, Error> {
        let (after_ms, after_id) =
            after.map_or((u64::MAX / 2, ""), |c| (c.updated_at_ms, c.id.as_str()));
        self.statement(
            "SELECT c.id, c.user_id, c.created_at_ms, c.updated_at_ms, \
             (SELECT COUNT(*) FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id) AS message_count, \
             (SELECT text FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id AND m.role = 'user' \
              ORDER BY m.created_at_ms LIMIT 1) AS preview \
             FROM conversations c WHERE c.tenant_id = ?1 \
             AND (c.updated_at_ms < ?2 OR (c.updated_at_ms = ?2 AND ?5 <> '' AND c.id < ?5)) \
             AND (?3 = '' OR EXISTS (SELECT 1 FROM messages m WHERE m.tenant_id = c.tenant_id AND m.conversation_id = c.id \
                  AND instr(lower(m.text), lower(?3)) > 0)) \
             ORDER BY c.updated_at_ms DESC, c.id DESC LIMIT ?4",
            &[s(tenant_id), n(after_ms), s(q), n(limit.into()), s(after_id)],
        )?
        .all()
        .await
        .map_err(storage("list conversations"))?
        .results()
        .map_err(storage("read conversations"))
    }

    /// A transcript with ratings, or `None` when the conversation is not the tenant's.
    pub(crate) async fn transcript(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<Option<(Option<String>, Vec<RatedMessage>)>, Error> {
        #[derive(Deserialize)]
        struct Owner {
            user_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct Row {
            #[serde(flatten)]
            message: MessageRow,
            rating: Option<String>,
            comment: Option<String>,
        }
        let owner = self.statement(
            "SELECT user_id FROM conversations WHERE tenant_id = ?1 AND id = ?2",
            &[s(tenant_id), s(conversation_id)],
        )?;
        let messages = self.statement(
            "SELECT m.id, m.role, m.text, m.status, m.client_message_id, m.created_at_ms, m.blocks_json, f.rating, f.comment \
             FROM messages m LEFT JOIN feedback f ON f.message_id = m.id AND f.tenant_id = m.tenant_id \
             WHERE m.tenant_id = ?1 AND m.conversation_id = ?2 ORDER BY m.created_at_ms, m.rowid",
            &[s(tenant_id), s(conversation_id)],
        )?;
        let results = self
            .db
            .batch(vec![owner, messages])
            .await
            .map_err(storage("transcript"))?;
        let owners: Vec<Owner> = results[0].results().map_err(storage("read owner"))?;
        let Some(owner) = owners.into_iter().next() else {
            return Ok(None);
        };
        let rows: Vec<Row> = results[1].results().map_err(storage("read transcript"))?;
        let messages = rows
            .into_iter()
            .map(|r| RatedMessage {
                blocks: r.message.blocks(),
                feedback: r.rating.map(|rating| Feedback {
                    rating,
                    comment: r.comment,
                }),
                message: r.message.into_stored(),
            })
            .collect();
        Ok(Some((owner.user_id, messages)))
    }

    /// Telemetry rows, user-message count and feedback counts in `[from_ms, to_ms)`.
    pub(crate) async fn analytics_rows(
        &self,
        tenant_id: &str,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<(Vec<AnswerRow>, u64, u64, u64), Error> {
        #[derive(Deserialize)]
        struct Row {
            conversation_id: String,
            created_at_ms: f64,
            ttft_ms: Option<f64>,
            prompt_tokens: f64,
            completion_tokens: f64,
            cost_micro_usd: Option<f64>,
            outcome: String,
            error_code: Option<String>,
            unmatched_prices: Option<f64>,
        }
        #[derive(Deserialize)]
        struct Counts {
            user_messages: f64,
            up: Option<f64>,
            down: Option<f64>,
        }
        let args = [s(tenant_id), n(from_ms), n(to_ms)];
        let usage = self.statement(
            "SELECT conversation_id, created_at_ms, ttft_ms, prompt_tokens, completion_tokens, cost_micro_usd, \
             outcome, error_code, unmatched_prices FROM usage_events WHERE tenant_id = ?1 AND created_at_ms >= ?2 AND created_at_ms < ?3",
            &args,
        )?;
        let counts = self.statement(
            "SELECT (SELECT COUNT(*) FROM messages WHERE tenant_id = ?1 AND role = 'user' \
                     AND created_at_ms >= ?2 AND created_at_ms < ?3) AS user_messages, \
                    (SELECT SUM(rating = 'up') FROM feedback WHERE tenant_id = ?1 \
                     AND created_at_ms >= ?2 AND created_at_ms < ?3) AS up, \
                    (SELECT SUM(rating = 'down') FROM feedback WHERE tenant_id = ?1 \
                     AND created_at_ms >= ?2 AND created_at_ms < ?3) AS down",
            &args,
        )?;
        let results = self
            .db
            .batch(vec![usage, counts])
            .await
            .map_err(storage("analytics"))?;
        let rows: Vec<Row> = results[0].results().map_err(storage("read usage"))?;
        let counts: Vec<Counts> = results[1].results().map_err(storage("read counts"))?;
        let counts = counts.into_iter().next().unwrap_or(Counts {
            user_messages: 0.0,
            up: None,
            down: None,
        });
        let rows = rows
            .into_iter()
            .map(|r| AnswerRow {
                conversation_id: r.conversation_id,
                created_at_ms: r.created_at_ms as u64,
                ttft_ms: r.ttft_ms.map(|v| v as u64),
                prompt_tokens: r.prompt_tokens as u64,
                completion_tokens: r.completion_tokens as u64,
                cost_micro_usd: r.cost_micro_usd.map(|v| v as u64),
                outcome: r.outcome,
                error_code: r.error_code,
                unmatched_prices: r.unmatched_prices.map(|v| v as u64),
            })
            .collect();
        Ok((
            rows,
            counts.user_messages as u64,
            counts.up.unwrap_or(0.0) as u64,
            counts.down.unwrap_or(0.0) as u64,
        ))
    }

    /// Audit entries, newest first, with ids below `before_id`.
    pub(crate) async fn audit(
        &self,
        tenant_id: &str,
        before_id: u64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, Error> {
        #[derive(Deserialize)]
        struct Row {
            id: f64,
            actor: String,
            action: String,
            detail_json: String,
            created_at_ms: f64,
        }
        let rows: Vec<Row> = self
            .statement(
                "SELECT id, actor, action, detail_json, created_at_ms FROM audit_log \
                 WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                &[s(tenant_id), n(before_id), n(limit.into())],
            )?
            .all()
            .await
            .map_err(storage("audit"))?
            .results()
            .map_err(storage("read audit"))?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id as u64,
                actor: r.actor,
                action: r.action,
                detail: serde_json::from_str(&r.detail_json).unwrap_or(serde_json::Value::Null),
                created_at_ms: r.created_at_ms as u64,
            })
            .collect())
    }

    /// Every conversation in scope with its messages, oldest message first, each with the
    /// shopper's feedback on it (rating and the comment as stored).
    pub(crate) async fn export(
        &self,
        tenant_id: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<(String, Vec<RatedMessage>)>, Error> {
        let sql = format!(
            "SELECT m.id, m.role, m.text, m.status, m.client_message_id, m.created_at_ms, m.blocks_json, \
             m.conversation_id, f.rating, f.comment FROM messages m \
             LEFT JOIN feedback f ON f.message_id = m.id AND f.tenant_id = m.tenant_id \
             WHERE m.tenant_id = ?1 AND m.conversation_id IN ({}) \
             ORDER BY m.conversation_id, m.created_at_ms, m.rowid",
            scope.conversations()
        );
        #[derive(Deserialize)]
        struct Row {
            #[serde(flatten)]
            message: MessageRow,
            conversation_id: String,
            rating: Option<String>,
            comment: Option<String>,
        }
        let rows: Vec<Row> = self
            .statement(&sql, &[s(tenant_id), scope.value()])?
            .all()
            .await
            .map_err(storage("export"))?
            .results()
            .map_err(storage("read export"))?;
        let mut out: Vec<(String, Vec<RatedMessage>)> = Vec::new();
        for row in rows {
            let message = RatedMessage {
                blocks: row.message.blocks(),
                message: row.message.into_stored(),
                feedback: row.rating.map(|rating| Feedback {
                    rating,
                    comment: row.comment,
                }),
            };
            match out.last_mut() {
                Some((id, messages)) if *id == row.conversation_id => messages.push(message),
                _ => out.push((row.conversation_id, vec![message])),
            }
        }
        Ok(out)
    }

    /// Deletes everything in scope — feedback, usage rows, messages, conversations — scrubs
    /// the erased conversations' and sessions' ids from audit rows, and writes one audit row
    /// with the counts, in one transaction.
    ///
    /// Retention ([`Scope::OlderThan`]) also deletes rows by their own age: a returning
    /// shopper's conversation stays, but its messages, ratings and usage rows older than the
    /// cut-off go, and so do audit rows older than it.
    pub(crate) async fn erase(
        &self,
        tenant_id: &str,
        scope: Scope<'_>,
        actor: &str,
        now_ms: u64,
    ) -> Result<Erased, Error> {
        let ids = scope.conversations();
        let rows = match scope {
            Scope::OlderThan(_) => format!("(conversation_id IN ({ids}) OR created_at_ms < ?2)"),
            Scope::User(_) | Scope::Conversation(_) => format!("conversation_id IN ({ids})"),
        };
        let args = [s(tenant_id), scope.value()];
        let count = self.statement(
            &format!(
                "SELECT (SELECT COUNT(*) FROM ({ids})) AS conversations, \
                 (SELECT COUNT(*) FROM messages WHERE tenant_id = ?1 AND {rows}) AS messages, \
                 (SELECT COUNT(*) FROM feedback WHERE tenant_id = ?1 AND {rows}) AS feedback"
            ),
            &args,
        )?;
        let mut batch = vec![count];
        for table in ["feedback", "usage_events", "messages"] {
            batch.push(self.statement(
                &format!("DELETE FROM {table} WHERE tenant_id = ?1 AND {rows}"),
                &args,
            )?);
        }
        // The handoff's tables (issue 14): a conversation may have them without a chat turn
        // (a shopper who asked for a person first), so a shopper's own erase names it directly.
        for (table, age) in [
            ("live_entries", "at_ms"),
            ("csat", "created_at_ms"),
            ("handoff_contacts", "consent_at_ms"),
            ("conversation_handoff", "updated_at_ms"),
            ("webhook_deliveries", "created_at_ms"),
        ] {
            let which = match scope {
                Scope::Conversation(_) if table == "webhook_deliveries" => {
                    "json_extract(event_json, '$.data.conversation_id') = ?2".to_owned()
                }
                Scope::Conversation(_) => "conversation_id = ?2".to_owned(),
                Scope::User(_) if table == "webhook_deliveries" => {
                    format!("json_extract(event_json, '$.data.conversation_id') IN ({ids})")
                }
                Scope::User(_) => format!("conversation_id IN ({ids})"),
                Scope::OlderThan(_) if table == "webhook_deliveries" => format!("{age} < ?2"),
                Scope::OlderThan(_) => format!("(conversation_id IN ({ids}) OR {age} < ?2)"),
            };
            batch.push(self.statement(
                &format!("DELETE FROM {table} WHERE tenant_id = ?1 AND {which}"),
                &args,
            )?);
        }
        // Order lookups (issue 13): a shopper's own conversation by its id (store-nothing mode
        // has no conversation row), a user's also by the verified id they were made under.
        let lookups = match scope {
            Scope::Conversation(_) => "conversation_id = ?2".to_owned(),
            Scope::User(_) => format!("(user_id = ?2 OR conversation_id IN ({ids}))"),
            Scope::OlderThan(_) => format!("(conversation_id IN ({ids}) OR created_at_ms < ?2)"),
        };
        batch.push(self.statement(
            &format!("DELETE FROM order_lookups WHERE tenant_id = ?1 AND {lookups}"),
            &args,
        )?);
        // Audit rows keep what happened (a consent, an erase) but no longer say to whom.
        batch.push(self.statement(
            &format!(
                "UPDATE audit_log SET detail_json = json_set(json_remove(detail_json, '$.conversation_id', \
                 '$.session_id'), '$.subject', 'erased') WHERE tenant_id = ?1 \
                 AND json_extract(detail_json, '$.conversation_id') IN ({ids})"
            ),
            &args,
        )?);
        if let Scope::OlderThan(_) = scope {
            batch.push(self.statement(
                "DELETE FROM audit_log WHERE tenant_id = ?1 AND created_at_ms < ?2",
                &args,
            )?);
        }
        batch.push(self.statement(
            &format!("DELETE FROM conversations WHERE tenant_id = ?1 AND id IN ({ids})"),
            &args,
        )?);
        let results = self.db.batch(batch).await.map_err(storage("erase"))?;
        #[derive(Deserialize)]
        struct Counts {
            conversations: f64,
            messages: f64,
            feedback: f64,
        }
        let counts: Vec<Counts> = results[0].results().map_err(storage("read counts"))?;
        let erased = counts
            .into_iter()
            .next()
            .map(|c| Erased {
                conversations: c.conversations as u64,
                messages: c.messages as u64,
                feedback: c.feedback as u64,
            })
            .unwrap_or_default();
        // Audited only when something was in scope, so an idle retention run leaves no rows.
        let anything = erased.conversations + erased.messages + erased.feedback > 0;
        if anything || !matches!(scope, Scope::OlderThan(_)) {
            let detail =
                serde_json::json!({ "scope": scope.label(), "erased": erased }).to_string();
            self.statement(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
                 VALUES (?1, ?2, 'privacy.erase', ?3, ?4)",
                &[s(tenant_id), s(actor), s(&detail), n(now_ms)],
            )?
            .run()
            .await
            .map_err(storage("audit erase"))?;
        }
        Ok(erased)
    }

    /// Writes an audit row for a privacy export.
    pub(crate) async fn audit_export(
        &self,
        tenant_id: &str,
        actor: &str,
        scope: Scope<'_>,
        conversations: usize,
        now_ms: u64,
    ) -> Result<(), Error> {
        let detail = serde_json::json!({ "scope": scope.label(), "conversations": conversations })
            .to_string();
        self.statement(
            "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
             VALUES (?1, ?2, 'privacy.export', ?3, ?4)",
            &[s(tenant_id), s(actor), s(&detail), n(now_ms)],
        )?
        .run()
        .await
        .map_err(storage("audit export"))?;
        Ok(())
    }

    /// Every tenant with its retention period in days.
    pub(crate) async fn retention_periods(&self) -> Result<Vec<(String, u32)>, Error> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            days: Option<f64>,
        }
        let rows: Vec<Row> = self
            .statement("SELECT id, json_extract(config_json, '$.privacy.retention_days') AS days FROM tenants", &[])?
            .all()
            .await
            .map_err(storage("retention periods"))?
            .results()
            .map_err(storage("read retention periods"))?;
        Ok(rows
            .into_iter()
            .map(|r| (r.id, r.days.unwrap_or(30.0) as u32))
            .collect())
    }
}
