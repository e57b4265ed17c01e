//! Order queries (issue 13): the tenant's order source (sealed credentials, never returned),
//! the lookup log with its audit rows, and the lookups of a privacy export. Every statement
//! names its tenant.

use super::{n, opt, s, storage, Scope, Store};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shopkeep_gateway_core::Error;

/// An order source as stored.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderSourceRow {
    pub(crate) kind: String,
    pub(crate) base_url: String,
    pub(crate) credentials: String,
    pub(crate) updated_at_ms: f64,
}

impl OrderSourceRow {
    /// The source as the admin API shows it: the credentials only as `"set"`.
    pub(crate) fn public(&self) -> Value {
        serde_json::json!({
            "kind": self.kind,
            "base_url": self.base_url,
            "credentials": "set",
            "updated_at": self.updated_at_ms as u64,
        })
    }
}

/// One lookup to record.
pub(crate) struct NewLookup<'a> {
    pub(crate) tenant_id: &'a str,
    pub(crate) conversation_id: &'a str,
    pub(crate) session_id: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) mode: &'a str,
    pub(crate) number_digest: Option<String>,
    pub(crate) email_digest: Option<String>,
    pub(crate) outcome: &'a str,
    /// The order numbers shown (found only; `None` in store-nothing mode).
    pub(crate) shown: Option<Vec<String>>,
    pub(crate) now_ms: u64,
}

/// A lookup as exported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LookupRow {
    pub(crate) conversation_id: String,
    pub(crate) mode: String,
    pub(crate) outcome: String,
    pub(crate) number_digest: Option<String>,
    pub(crate) email_digest: Option<String>,
    pub(crate) shown_json: Option<String>,
    pub(crate) created_at_ms: f64,
}

impl LookupRow {
    /// The export shape.
    pub(crate) fn public(&self) -> Value {
        serde_json::json!({
            "conversation_id": self.conversation_id,
            "mode": self.mode,
            "outcome": self.outcome,
            "number_digest": self.number_digest,
            "email_digest": self.email_digest,
            "orders_shown": self.shown_json.as_deref().and_then(|j| serde_json::from_str::<Value>(j).ok()),
            "at": self.created_at_ms as u64,
        })
    }
}

impl Store {
    /// The tenant's order source.
    pub(crate) async fn order_source(
        &self,
        tenant_id: &str,
    ) -> Result<Option<OrderSourceRow>, Error> {
        self.db
            .prepare(
                "SELECT kind, base_url, credentials, updated_at_ms FROM order_sources WHERE tenant_id = ?1",
            )
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load order source"))
    }

    /// Saves the tenant's order source (credentials already sealed).
    pub(crate) async fn put_order_source(
        &self,
        tenant_id: &str,
        kind: &str,
        base_url: &str,
        sealed: &str,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO order_sources (tenant_id, kind, base_url, credentials, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT(tenant_id) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, \
                 credentials = excluded.credentials, updated_at_ms = excluded.updated_at_ms",
            )
            .bind(&[s(tenant_id), s(kind), s(base_url), s(sealed), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("save order source"))?;
        Ok(())
    }

    /// Removes the tenant's order source (the lookup log stays, for the audit).
    pub(crate) async fn delete_order_source(&self, tenant_id: &str) -> Result<(), Error> {
        self.db
            .prepare("DELETE FROM order_sources WHERE tenant_id = ?1")
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("delete order source"))?;
        Ok(())
    }

    /// Records one lookup and its audit row (`order.lookup`, digests only), in one batch.
    pub(crate) async fn record_lookup(&self, lookup: &NewLookup<'_>) -> Result<(), Error> {
        let shown = lookup
            .shown
            .as_ref()
            .map(|numbers| serde_json::to_string(numbers).unwrap_or_default());
        let insert = self
            .db
            .prepare(
                "INSERT INTO order_lookups (tenant_id, conversation_id, session_id, user_id, mode, number_digest, \
                 email_digest, outcome, shown_json, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .bind(&[
                s(lookup.tenant_id),
                s(lookup.conversation_id),
                s(lookup.session_id),
                opt(lookup.user_id),
                s(lookup.mode),
                opt(lookup.number_digest.as_deref()),
                opt(lookup.email_digest.as_deref()),
                s(lookup.outcome),
                opt(shown.as_deref()),
                n(lookup.now_ms),
            ])
            .map_err(storage("bind"))?;
        let detail = serde_json::json!({
            "conversation_id": lookup.conversation_id,
            "session_id": lookup.session_id,
            "mode": lookup.mode,
            "outcome": lookup.outcome,
            "number_digest": lookup.number_digest,
            "email_digest": lookup.email_digest,
            "verified": lookup.user_id.is_some(),
        })
        .to_string();
        let audit = self
            .db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) \
                 VALUES (?1, 'assistant', 'order.lookup', ?2, ?3)",
            )
            .bind(&[s(lookup.tenant_id), s(&detail), n(lookup.now_ms)])
            .map_err(storage("bind"))?;
        self.db
            .batch(vec![insert, audit])
            .await
            .map_err(storage("record order lookup"))?;
        Ok(())
    }

    /// The order lookups of the conversations in scope, oldest first.
    pub(crate) async fn order_lookups(
        &self,
        tenant_id: &str,
        scope: Scope<'_>,
    ) -> Result<Vec<LookupRow>, Error> {
        let which = match scope {
            Scope::Conversation(_) => "conversation_id = ?2".to_owned(),
            Scope::User(_) => format!(
                "(user_id = ?2 OR conversation_id IN ({}))",
                scope.conversations()
            ),
            Scope::OlderThan(_) => "created_at_ms < ?2".to_owned(),
        };
        let sql = format!(
            "SELECT conversation_id, mode, outcome, number_digest, email_digest, shown_json, created_at_ms \
             FROM order_lookups WHERE tenant_id = ?1 AND {which} ORDER BY created_at_ms, id"
        );
        self.db
            .prepare(sql)
            .bind(&[s(tenant_id), scope.value()])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("export order lookups"))?
            .results()
            .map_err(storage("read order lookups"))
    }
}
