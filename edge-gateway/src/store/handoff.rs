//! Queries of the handoff (issue 14): conversation states, the live log, the inbox, CSAT and
//! contact emails. Every statement names the tenant.

use super::{n, opt, s, storage, Store};
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::analytics::handoff::{HandoffInput, HandoffRow, RETURN_WINDOW_MS};
use shopkeep_gateway_core::handoff::State;
use shopkeep_gateway_core::live::{Author, Entry};
use shopkeep_gateway_core::Error;

/// One live entry as stored.
#[derive(Deserialize)]
struct EntryRow {
    seq: f64,
    author: String,
    client_id: Option<String>,
    text: String,
    internal: f64,
    staff_name: Option<String>,
    at_ms: f64,
    #[serde(default)]
    notice_json: Option<String>,
}

fn author_str(author: Author) -> &'static str {
    match author {
        Author::Shopper => "shopper",
        Author::Staff => "staff",
        Author::Assistant => "assistant",
        Author::System => "system",
    }
}

impl From<EntryRow> for Entry {
    fn from(row: EntryRow) -> Entry {
        Entry {
            seq: row.seq as u64,
            author: match row.author.as_str() {
                "shopper" => Author::Shopper,
                "staff" => Author::Staff,
                "assistant" => Author::Assistant,
                _ => Author::System,
            },
            client_id: row.client_id,
            text: row.text,
            internal: row.internal != 0.0,
            name: row.staff_name,
            // Display only: an unreadable notice leaves the English text alone.
            notice: row.notice_json.and_then(|j| serde_json::from_str(&j).ok()),
            at_ms: row.at_ms as u64,
        }
    }
}

/// A conversation waiting for, or with, a person.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InboxRow {
    pub(crate) conversation_id: String,
    pub(crate) state: String,
    pub(crate) summary: Option<String>,
    pub(crate) reason_json: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) requested_at_ms: Option<f64>,
    pub(crate) taken_at_ms: Option<f64>,
    pub(crate) last_message: Option<String>,
    pub(crate) last_seq: Option<f64>,
    pub(crate) contact_email: Option<String>,
}

/// What a state change writes besides the state.
pub(crate) struct StateChange<'a> {
    pub(crate) state: &'a State,
    /// The request's reason (JSON), for a new request.
    pub(crate) reason_json: Option<&'a str>,
    /// The summary for staff, for a new request.
    pub(crate) summary: Option<&'a str>,
    pub(crate) now_ms: u64,
}

#[derive(Deserialize)]
struct StateRow {
    state_json: String,
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

impl Store {
    /// The conversation's handoff state (`Ai` when it never had one).
    pub(crate) async fn handoff_state(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<State, Error> {
        let row: Option<StateRow> = self
            .db
            .prepare(
                "SELECT state_json FROM conversation_handoff WHERE tenant_id = ?1 AND conversation_id = ?2",
            )
            .bind(&[s(tenant_id), s(conversation_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load handoff state"))?;
        Ok(row
            .and_then(|r| serde_json::from_str(&r.state_json).ok())
            .unwrap_or(State::Ai))
    }

    /// Writes a state change (only the conversation's object calls this).
    pub(crate) async fn put_handoff_state(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        change: &StateChange<'_>,
    ) -> Result<(), Error> {
        let state_json =
            serde_json::to_string(change.state).map_err(|e| Error::Internal(e.to_string()))?;
        let (owner, requested, taken, closed) = match change.state {
            State::Ai => (None, None, None, None),
            State::Waiting { since_ms, .. } => (None, Some(*since_ms), None, None),
            State::Human { staff_id, since_ms } => {
                (Some(staff_id.as_str()), None, Some(*since_ms), None)
            }
            State::Closed { at_ms } => (None, None, None, Some(*at_ms)),
        };
        let num = |v: Option<u64>| v.map_or(wasm_bindgen::JsValue::NULL, n);
        self.db
            .prepare(
                "INSERT INTO conversation_handoff (tenant_id, conversation_id, state, state_json, reason_json, summary, \
                 owner, requested_at_ms, taken_at_ms, first_response_at_ms, closed_at_ms, updated_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10, ?11) \
                 ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET state = excluded.state, \
                 state_json = excluded.state_json, \
                 reason_json = COALESCE(excluded.reason_json, reason_json), \
                 summary = CASE WHEN excluded.requested_at_ms IS NOT NULL THEN excluded.summary ELSE summary END, \
                 owner = excluded.owner, \
                 requested_at_ms = COALESCE(excluded.requested_at_ms, requested_at_ms), \
                 first_response_at_ms = CASE WHEN excluded.requested_at_ms IS NOT NULL THEN NULL ELSE first_response_at_ms END, \
                 taken_at_ms = COALESCE(excluded.taken_at_ms, taken_at_ms), \
                 closed_at_ms = COALESCE(excluded.closed_at_ms, closed_at_ms), \
                 updated_at_ms = excluded.updated_at_ms",
            )
            .bind(&[
                s(tenant_id),
                s(conversation_id),
                s(change.state.name()),
                s(&state_json),
                opt(change.reason_json),
                opt(change.summary),
                opt(owner),
                num(requested),
                num(taken),
                num(closed),
                n(change.now_ms),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("put handoff state"))?;
        Ok(())
    }

    /// The highest sequence number of the conversation's live log (0: empty).
    pub(crate) async fn last_live_seq(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<u64, Error> {
        let row: Option<Count> = self
            .db
            .prepare(
                "SELECT COALESCE(MAX(seq), 0) AS n FROM live_entries WHERE tenant_id = ?1 AND conversation_id = ?2",
            )
            .bind(&[s(tenant_id), s(conversation_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("last live seq"))?;
        Ok(row.map_or(0, |r| r.n as u64))
    }

    /// Stores an entry; false when its `(author, client_id)` is already stored (a resend).
    /// A staff message also marks the first response to the latest request, in the same
    /// transaction.
    pub(crate) async fn insert_live_entry(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        entry: &Entry,
        staff_id: Option<&str>,
    ) -> Result<bool, Error> {
        let notice_json = entry
            .notice
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| Error::Internal(format!("notice json: {e}")))?;
        let insert = self
            .db
            .prepare(
                "INSERT INTO live_entries (tenant_id, conversation_id, seq, author, client_id, text, internal, \
                 staff_id, staff_name, at_ms, notice_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&[
                s(tenant_id),
                s(conversation_id),
                n(entry.seq),
                s(author_str(entry.author)),
                opt(entry.client_id.as_deref()),
                s(&entry.text),
                n(u64::from(entry.internal)),
                opt(staff_id),
                opt(entry.name.as_deref()),
                n(entry.at_ms),
                opt(notice_json.as_deref()),
            ])
            .map_err(storage("bind"))?;
        let mut batch = vec![insert];
        if entry.author == Author::Staff && !entry.internal {
            batch.push(
                self.db
                    .prepare(
                        "UPDATE conversation_handoff SET first_response_at_ms = ?3 WHERE tenant_id = ?1 \
                         AND conversation_id = ?2 AND first_response_at_ms IS NULL AND requested_at_ms IS NOT NULL",
                    )
                    .bind(&[s(tenant_id), s(conversation_id), n(entry.at_ms)])
                    .map_err(storage("bind"))?,
            );
        }
        let results = self
            .db
            .batch(batch)
            .await
            .map_err(storage("insert live entry"))?;
        let changes = results
            .first()
            .and_then(|r| r.meta().ok().flatten())
            .and_then(|m| m.changes)
            .unwrap_or(0);
        Ok(changes > 0)
    }

    /// The stored entry of a resend.
    pub(crate) async fn live_entry_by_client(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        author: Author,
        client_id: &str,
    ) -> Result<Option<Entry>, Error> {
        let row: Option<EntryRow> = self
            .db
            .prepare(
                "SELECT seq, author, client_id, text, internal, staff_name, at_ms, notice_json FROM live_entries \
                 WHERE tenant_id = ?1 AND conversation_id = ?2 AND author = ?3 AND client_id = ?4",
            )
            .bind(&[s(tenant_id), s(conversation_id), s(author_str(author)), s(client_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("load live entry"))?;
        Ok(row.map(Entry::from))
    }

    /// Entries after `after`, in order, at most `limit`.
    pub(crate) async fn live_entries_after(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Entry>, Error> {
        let rows: Vec<EntryRow> = self
            .db
            .prepare(
                "SELECT seq, author, client_id, text, internal, staff_name, at_ms, notice_json FROM live_entries \
                 WHERE tenant_id = ?1 AND conversation_id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
            )
            .bind(&[s(tenant_id), s(conversation_id), n(after), n(limit.into())])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("load live entries"))?
            .results()
            .map_err(storage("read live entries"))?;
        Ok(rows.into_iter().map(Entry::from).collect())
    }

    /// The latest `limit` entries the shopper may see (no internal notes), in `seq` order:
    /// the live part of the conversation's history ([`Store::conversation`]).
    pub(super) fn live_history_statement(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        limit: u32,
    ) -> Result<worker::D1PreparedStatement, Error> {
        self.db
            .prepare(
                "SELECT * FROM (SELECT seq, author, client_id, text, internal, staff_name, at_ms, notice_json \
                 FROM live_entries WHERE tenant_id = ?1 AND conversation_id = ?2 AND internal = 0 \
                 ORDER BY seq DESC LIMIT ?3) ORDER BY seq",
            )
            .bind(&[s(tenant_id), s(conversation_id), n(limit.into())])
            .map_err(storage("bind"))
    }

    /// The entries of a [`Store::live_history_statement`] result.
    pub(super) fn live_rows(result: &worker::D1Result) -> Result<Vec<Entry>, Error> {
        let rows: Vec<EntryRow> = result.results().map_err(storage("read live history"))?;
        Ok(rows.into_iter().map(Entry::from).collect())
    }

    /// Waiting and human conversations: waiting first, oldest request first.
    pub(crate) async fn inbox(&self, tenant_id: &str) -> Result<Vec<InboxRow>, Error> {
        self.db
            .prepare(
                "SELECT h.conversation_id, h.state, h.summary, h.reason_json, h.owner, h.requested_at_ms, h.taken_at_ms, \
                 (SELECT text FROM live_entries e WHERE e.tenant_id = h.tenant_id AND e.conversation_id = h.conversation_id \
                  AND e.author = 'shopper' ORDER BY e.seq DESC LIMIT 1) AS last_message, \
                 (SELECT MAX(seq) FROM live_entries e WHERE e.tenant_id = h.tenant_id AND e.conversation_id = h.conversation_id) AS last_seq, \
                 (SELECT email FROM handoff_contacts k WHERE k.tenant_id = h.tenant_id AND k.conversation_id = h.conversation_id) AS contact_email \
                 FROM conversation_handoff h WHERE h.tenant_id = ?1 AND h.state IN ('waiting', 'human') \
                 ORDER BY CASE h.state WHEN 'waiting' THEN 0 ELSE 1 END, h.requested_at_ms ASC LIMIT 200",
            )
            .bind(&[s(tenant_id)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("inbox"))?
            .results()
            .map_err(storage("read inbox"))
    }

    /// Whether the conversation exists for this tenant (a chat turn or a handoff).
    pub(crate) async fn conversation_known(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<bool, Error> {
        let row: Option<Count> = self
            .db
            .prepare(
                "SELECT (SELECT COUNT(*) FROM conversations WHERE tenant_id = ?1 AND id = ?2) + \
                 (SELECT COUNT(*) FROM conversation_handoff WHERE tenant_id = ?1 AND conversation_id = ?2) AS n",
            )
            .bind(&[s(tenant_id), s(conversation_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("conversation known"))?;
        Ok(row.is_some_and(|r| r.n > 0.0))
    }

    /// Whether the shopper may rate the conversation: it was closed, or they marked an
    /// answer as helpful (resolved).
    pub(crate) async fn csat_allowed(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<bool, Error> {
        let row: Option<Count> = self
            .db
            .prepare(
                "SELECT (SELECT COUNT(*) FROM conversation_handoff WHERE tenant_id = ?1 AND conversation_id = ?2 \
                 AND state = 'closed') + (SELECT COUNT(*) FROM feedback WHERE tenant_id = ?1 AND conversation_id = ?2 \
                 AND rating = 'up') AS n",
            )
            .bind(&[s(tenant_id), s(conversation_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("csat allowed"))?;
        Ok(row.is_some_and(|r| r.n > 0.0))
    }

    /// Stores a rating (replacing an earlier one).
    pub(crate) async fn put_csat(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        rating: u8,
        comment: Option<&str>,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO csat (tenant_id, conversation_id, rating, comment, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET rating = excluded.rating, \
                 comment = excluded.comment, created_at_ms = excluded.created_at_ms",
            )
            .bind(&[s(tenant_id), s(conversation_id), n(rating.into()), opt(comment), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("put csat"))?;
        Ok(())
    }

    /// Stores the email a shopper left (with consent), replacing an earlier one.
    pub(crate) async fn put_contact(
        &self,
        tenant_id: &str,
        conversation_id: &str,
        email: &str,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO handoff_contacts (tenant_id, conversation_id, email, consent_at_ms) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET email = excluded.email, \
                 consent_at_ms = excluded.consent_at_ms",
            )
            .bind(&[s(tenant_id), s(conversation_id), s(email), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("put contact"))?;
        Ok(())
    }

    /// Thumbs-down given in the conversation.
    pub(crate) async fn thumbs_down_count(
        &self,
        tenant_id: &str,
        conversation_id: &str,
    ) -> Result<u32, Error> {
        let row: Option<Count> = self
            .db
            .prepare(
                "SELECT COUNT(*) AS n FROM feedback WHERE tenant_id = ?1 AND conversation_id = ?2 AND rating = 'down'",
            )
            .bind(&[s(tenant_id), s(conversation_id)])
            .map_err(storage("bind"))?
            .first(None)
            .await
            .map_err(storage("thumbs down"))?;
        Ok(row.map_or(0, |r| r.n as u32))
    }

    /// What the handoff part of the analytics needs for `[from_ms, to_ms)` (the answered
    /// conversations are added by the caller from the telemetry rows).
    pub(crate) async fn handoff_analytics(
        &self,
        tenant_id: &str,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<HandoffInput, Error> {
        #[derive(Deserialize)]
        struct Handoff {
            conversation_id: String,
            requested_at_ms: f64,
            first_response_at_ms: Option<f64>,
        }
        #[derive(Deserialize)]
        struct Rating {
            rating: f64,
        }
        #[derive(Deserialize)]
        struct Conversation {
            conversation_id: String,
        }
        #[derive(Deserialize)]
        struct Message {
            conversation_id: String,
            created_at_ms: f64,
        }
        let args = [s(tenant_id), n(from_ms), n(to_ms)];
        let statement = |sql: &str, args: &[wasm_bindgen::JsValue]| {
            self.db.prepare(sql).bind(args).map_err(storage("bind"))
        };
        let results = self
            .db
            .batch(vec![
                statement(
                    "SELECT conversation_id, requested_at_ms, first_response_at_ms FROM conversation_handoff                      WHERE tenant_id = ?1 AND requested_at_ms >= ?2 AND requested_at_ms < ?3",
                    &args,
                )?,
                statement(
                    "SELECT rating FROM csat WHERE tenant_id = ?1 AND created_at_ms >= ?2 AND created_at_ms < ?3",
                    &args,
                )?,
                statement(
                    "SELECT DISTINCT conversation_id FROM feedback WHERE tenant_id = ?1 AND rating = 'down'                      AND created_at_ms >= ?2 AND created_at_ms < ?3",
                    &args,
                )?,
                statement(
                    "SELECT conversation_id, created_at_ms FROM messages WHERE tenant_id = ?1 AND role = 'user'                      AND created_at_ms >= ?2 AND created_at_ms < ?3",
                    &[s(tenant_id), n(from_ms), n(to_ms.saturating_add(RETURN_WINDOW_MS))],
                )?,
            ])
            .await
            .map_err(storage("handoff analytics"))?;
        let handoffs: Vec<Handoff> = results[0].results().map_err(storage("read handoffs"))?;
        let ratings: Vec<Rating> = results[1].results().map_err(storage("read ratings"))?;
        let down: Vec<Conversation> = results[2].results().map_err(storage("read thumbs"))?;
        let messages: Vec<Message> = results[3].results().map_err(storage("read messages"))?;
        Ok(HandoffInput {
            answered: Default::default(),
            handoffs: handoffs
                .into_iter()
                .map(|h| HandoffRow {
                    conversation_id: h.conversation_id,
                    requested_at_ms: h.requested_at_ms as u64,
                    first_response_at_ms: h.first_response_at_ms.map(|v| v as u64),
                })
                .collect(),
            ratings: ratings.into_iter().map(|r| r.rating as u8).collect(),
            thumbs_down: down.into_iter().map(|c| c.conversation_id).collect(),
            shopper_messages: messages
                .into_iter()
                .map(|m| (m.conversation_id, m.created_at_ms as u64))
                .collect(),
        })
    }

    /// One audit entry.
    pub(crate) async fn audit_action(
        &self,
        tenant_id: &str,
        actor: &str,
        action: &str,
        detail: &serde_json::Value,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO audit_log (tenant_id, actor, action, detail_json, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&[s(tenant_id), s(actor), s(action), s(&detail.to_string()), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("audit"))?;
        Ok(())
    }
}
