//! Queries of staff accounts (issue 14, staff side): members, passkeys, invites, challenges,
//! sign-in failures and sessions (migrations/0007_staff.sql). Every statement names the
//! tenant: a row of another tenant is never found.

use super::{n, opt, s, storage, Store};
use serde::{Deserialize, Serialize};
use shopkeep_gateway_core::Error;

/// Most live challenges a tenant may have at once (a flood of sign-in starts is refused).
const MAX_LIVE_CHALLENGES: u64 = 200;

/// A staff member as the session check and the list see them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MemberRow {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) created_at_ms: f64,
    pub(crate) disabled_at_ms: Option<f64>,
}

/// A member with counts, for the admin's list.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ListedMember {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) created_at_ms: f64,
    pub(crate) disabled_at_ms: Option<f64>,
    pub(crate) passkeys: f64,
    pub(crate) active_sessions: f64,
}

/// An invite not yet used.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct InviteRow {
    pub(crate) id: String,
    pub(crate) staff_id: String,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) created_at_ms: f64,
    pub(crate) expires_at_ms: f64,
}

/// A passkey with its member.
#[derive(Debug, Deserialize)]
pub(crate) struct CredentialRow {
    pub(crate) staff_id: String,
    pub(crate) public_key_hex: String,
    pub(crate) sign_count: f64,
    pub(crate) name: String,
    pub(crate) role: String,
    pub(crate) disabled_at_ms: Option<f64>,
}

/// A new invite.
pub(crate) struct NewInvite<'a> {
    pub(crate) id: &'a str,
    pub(crate) secret_hash: &'a str,
    pub(crate) staff_id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) role: &'a str,
    pub(crate) created_by: &'a str,
    pub(crate) expires_at_ms: u64,
}

/// A passkey to store.
pub(crate) struct NewPasskey<'a> {
    pub(crate) credential_id: &'a str,
    pub(crate) public_key_hex: &'a str,
    pub(crate) sign_count: u32,
}

/// Whom a challenge belongs to: nobody yet (sign-in), an invite (registration), or the
/// signed-in member adding a passkey.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ChallengeOwner<'a> {
    Nobody,
    Invite(&'a str),
    Member(&'a str),
}

fn changed(result: &worker::D1Result) -> u64 {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0) as u64
}

impl Store {
    /// Stores an invite.
    pub(crate) async fn create_invite(
        &self,
        tenant_id: &str,
        invite: &NewInvite<'_>,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO staff_invites (tenant_id, id, secret_hash, staff_id, name, role, created_by, \
                 created_at_ms, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(&[
                s(tenant_id),
                s(invite.id),
                s(invite.secret_hash),
                s(invite.staff_id),
                s(invite.name),
                s(invite.role),
                s(invite.created_by),
                n(now_ms),
                n(invite.expires_at_ms),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("insert invite"))?;
        Ok(())
    }

    /// The unused, unexpired invite of this tenant with this secret hash.
    pub(crate) async fn open_invite(
        &self,
        tenant_id: &str,
        secret_hash: &str,
        now_ms: u64,
    ) -> Result<Option<InviteRow>, Error> {
        self.db
            .prepare(
                "SELECT id, staff_id, name, role, created_at_ms, expires_at_ms FROM staff_invites \
                 WHERE tenant_id = ?1 AND secret_hash = ?2 AND used_at_ms IS NULL AND expires_at_ms > ?3",
            )
            .bind(&[s(tenant_id), s(secret_hash), n(now_ms)])
            .map_err(storage("bind"))?
            .first::<InviteRow>(None)
            .await
            .map_err(storage("read invite"))
    }

    /// Pending invites of the tenant (unused, unexpired).
    pub(crate) async fn open_invites(
        &self,
        tenant_id: &str,
        now_ms: u64,
    ) -> Result<Vec<InviteRow>, Error> {
        self.db
            .prepare(
                "SELECT id, staff_id, name, role, created_at_ms, expires_at_ms FROM staff_invites \
                 WHERE tenant_id = ?1 AND used_at_ms IS NULL AND expires_at_ms > ?2 ORDER BY created_at_ms",
            )
            .bind(&[s(tenant_id), n(now_ms)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("list invites"))?
            .results()
            .map_err(storage("read invites"))
    }

    /// Marks an invite used; false when it was used (or expired) meanwhile: exactly one
    /// registration wins an invite.
    pub(crate) async fn use_invite(
        &self,
        tenant_id: &str,
        invite_id: &str,
        now_ms: u64,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare(
                "UPDATE staff_invites SET used_at_ms = ?3 WHERE tenant_id = ?1 AND id = ?2 \
                 AND used_at_ms IS NULL AND expires_at_ms > ?3",
            )
            .bind(&[s(tenant_id), s(invite_id), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("use invite"))?;
        Ok(changed(&result) == 1)
    }

    /// Creates the member an invite names, with their first passkey, in one transaction.
    pub(crate) async fn add_member(
        &self,
        tenant_id: &str,
        invite: &InviteRow,
        created_by: &str,
        passkey: &NewPasskey<'_>,
        now_ms: u64,
    ) -> Result<(), Error> {
        let member = self
            .db
            .prepare(
                "INSERT INTO staff_members (tenant_id, id, name, role, created_by, created_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[
                s(tenant_id),
                s(&invite.staff_id),
                s(&invite.name),
                s(&invite.role),
                s(created_by),
                n(now_ms),
            ])
            .map_err(storage("bind"))?;
        let credential = self
            .db
            .prepare(
                "INSERT INTO staff_credentials (tenant_id, credential_id, staff_id, public_key_hex, \
                 sign_count, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[
                s(tenant_id),
                s(passkey.credential_id),
                s(&invite.staff_id),
                s(passkey.public_key_hex),
                n(u64::from(passkey.sign_count)),
                n(now_ms),
            ])
            .map_err(storage("bind"))?;
        self.db
            .batch(vec![member, credential])
            .await
            .map_err(storage("add member"))?;
        Ok(())
    }

    /// Stores a challenge (after dropping the tenant's expired ones); false when the tenant
    /// already has too many live challenges.
    pub(crate) async fn put_challenge(
        &self,
        tenant_id: &str,
        challenge_hash: &str,
        purpose: &str,
        bound_to: ChallengeOwner<'_>,
        now_ms: u64,
        expires_at_ms: u64,
    ) -> Result<bool, Error> {
        let (invite_id, staff_id) = match bound_to {
            ChallengeOwner::Nobody => (None, None),
            ChallengeOwner::Invite(id) => (Some(id), None),
            ChallengeOwner::Member(id) => (None, Some(id)),
        };
        let purge = self
            .db
            .prepare("DELETE FROM staff_challenges WHERE tenant_id = ?1 AND expires_at_ms <= ?2")
            .bind(&[s(tenant_id), n(now_ms)])
            .map_err(storage("bind"))?;
        let insert = self
            .db
            .prepare(
                "INSERT INTO staff_challenges (tenant_id, challenge_hash, purpose, invite_id, staff_id, expires_at_ms) \
                 SELECT ?1, ?2, ?3, ?4, ?7, ?5 WHERE (SELECT COUNT(*) FROM staff_challenges WHERE tenant_id = ?1) < ?6",
            )
            .bind(&[
                s(tenant_id),
                s(challenge_hash),
                s(purpose),
                opt(invite_id),
                n(expires_at_ms),
                n(MAX_LIVE_CHALLENGES),
                opt(staff_id),
            ])
            .map_err(storage("bind"))?;
        let results = self
            .db
            .batch(vec![purge, insert])
            .await
            .map_err(storage("put challenge"))?;
        Ok(results.get(1).map(changed).unwrap_or(0) == 1)
    }

    /// Consumes a live challenge of this purpose: `Some(what it is bound to)` once (the
    /// invite of a `register` challenge, the member of a `passkey` one), `None` ever after
    /// (or when it never existed, expired, or was issued for another ceremony).
    pub(crate) async fn take_challenge(
        &self,
        tenant_id: &str,
        challenge_hash: &str,
        purpose: &str,
        now_ms: u64,
    ) -> Result<Option<Option<String>>, Error> {
        #[derive(Deserialize)]
        struct Taken {
            bound_to: Option<String>,
        }
        let taken = self
            .db
            .prepare(
                "DELETE FROM staff_challenges WHERE tenant_id = ?1 AND challenge_hash = ?2 \
                 AND purpose = ?3 AND expires_at_ms > ?4 RETURNING COALESCE(invite_id, staff_id) AS bound_to",
            )
            .bind(&[s(tenant_id), s(challenge_hash), s(purpose), n(now_ms)])
            .map_err(storage("bind"))?
            .first::<Taken>(None)
            .await
            .map_err(storage("take challenge"))?;
        Ok(taken.map(|t| t.bound_to))
    }

    /// A passkey of this tenant with its member.
    pub(crate) async fn credential(
        &self,
        tenant_id: &str,
        credential_id: &str,
    ) -> Result<Option<CredentialRow>, Error> {
        self.db
            .prepare(
                "SELECT c.staff_id, c.public_key_hex, c.sign_count, m.name, m.role, m.disabled_at_ms \
                 FROM staff_credentials c JOIN staff_members m ON m.tenant_id = c.tenant_id AND m.id = c.staff_id \
                 WHERE c.tenant_id = ?1 AND c.credential_id = ?2",
            )
            .bind(&[s(tenant_id), s(credential_id)])
            .map_err(storage("bind"))?
            .first::<CredentialRow>(None)
            .await
            .map_err(storage("read credential"))
    }

    /// Stores a passkey's new signature counter if it still is `old` (two sign-ins racing
    /// with one counter value: one wins).
    pub(crate) async fn advance_counter(
        &self,
        tenant_id: &str,
        credential_id: &str,
        old: u64,
        new: u32,
        now_ms: u64,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare(
                "UPDATE staff_credentials SET sign_count = ?4, last_used_at_ms = ?5 \
                 WHERE tenant_id = ?1 AND credential_id = ?2 AND sign_count = ?3",
            )
            .bind(&[
                s(tenant_id),
                s(credential_id),
                n(old),
                n(u64::from(new)),
                n(now_ms),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("advance counter"))?;
        Ok(changed(&result) == 1)
    }

    /// Records a failed sign-in and answers how many failed for this credential since
    /// `since_ms` (this one included).
    pub(crate) async fn signin_failed(
        &self,
        tenant_id: &str,
        credential_id: &str,
        now_ms: u64,
        since_ms: u64,
    ) -> Result<u64, Error> {
        let purge = self
            .db
            .prepare("DELETE FROM staff_signin_failures WHERE tenant_id = ?1 AND at_ms < ?2")
            .bind(&[s(tenant_id), n(since_ms)])
            .map_err(storage("bind"))?;
        let insert = self
            .db
            .prepare("INSERT INTO staff_signin_failures (tenant_id, credential_id, at_ms) VALUES (?1, ?2, ?3)")
            .bind(&[s(tenant_id), s(credential_id), n(now_ms)])
            .map_err(storage("bind"))?;
        self.db
            .batch(vec![purge, insert])
            .await
            .map_err(storage("record failure"))?;
        self.signin_failures(tenant_id, credential_id, since_ms)
            .await
    }

    /// Failed sign-ins of a credential since `since_ms`.
    pub(crate) async fn signin_failures(
        &self,
        tenant_id: &str,
        credential_id: &str,
        since_ms: u64,
    ) -> Result<u64, Error> {
        #[derive(Deserialize)]
        struct Count {
            failures: f64,
        }
        let count = self
            .db
            .prepare(
                "SELECT COUNT(*) AS failures FROM staff_signin_failures \
                 WHERE tenant_id = ?1 AND credential_id = ?2 AND at_ms >= ?3",
            )
            .bind(&[s(tenant_id), s(credential_id), n(since_ms)])
            .map_err(storage("bind"))?
            .first::<Count>(None)
            .await
            .map_err(storage("count failures"))?;
        Ok(count.map_or(0, |c| c.failures as u64))
    }

    /// Starts a session.
    pub(crate) async fn create_staff_session(
        &self,
        tenant_id: &str,
        session_id: &str,
        staff_id: &str,
        now_ms: u64,
        expires_at_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "INSERT INTO staff_sessions (tenant_id, id, staff_id, created_at_ms, expires_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(&[
                s(tenant_id),
                s(session_id),
                s(staff_id),
                n(now_ms),
                n(expires_at_ms),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("create staff session"))?;
        Ok(())
    }

    /// The member behind a live session: not revoked, not expired, the member not
    /// disabled, and the session theirs. Their role is read here, per request.
    pub(crate) async fn session_member(
        &self,
        tenant_id: &str,
        session_id: &str,
        staff_id: &str,
        now_ms: u64,
    ) -> Result<Option<MemberRow>, Error> {
        self.db
            .prepare(
                "SELECT m.id, m.name, m.role, m.created_at_ms, m.disabled_at_ms FROM staff_sessions ss \
                 JOIN staff_members m ON m.tenant_id = ss.tenant_id AND m.id = ss.staff_id \
                 WHERE ss.tenant_id = ?1 AND ss.id = ?2 AND ss.staff_id = ?3 AND ss.revoked_at_ms IS NULL \
                 AND ss.expires_at_ms > ?4 AND m.disabled_at_ms IS NULL",
            )
            .bind(&[s(tenant_id), s(session_id), s(staff_id), n(now_ms)])
            .map_err(storage("bind"))?
            .first::<MemberRow>(None)
            .await
            .map_err(storage("read staff session"))
    }

    /// Ends one session.
    pub(crate) async fn revoke_staff_session(
        &self,
        tenant_id: &str,
        session_id: &str,
        now_ms: u64,
    ) -> Result<(), Error> {
        self.db
            .prepare(
                "UPDATE staff_sessions SET revoked_at_ms = ?3 WHERE tenant_id = ?1 AND id = ?2 AND revoked_at_ms IS NULL",
            )
            .bind(&[s(tenant_id), s(session_id), n(now_ms)])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("revoke staff session"))?;
        Ok(())
    }

    /// Ends every live session of a member (and disables them when `disable`); `None` when
    /// the tenant has no such member, else the sessions ended.
    pub(crate) async fn end_member_sessions(
        &self,
        tenant_id: &str,
        staff_id: &str,
        disable: bool,
        now_ms: u64,
    ) -> Result<Option<u64>, Error> {
        let exists = self
            .db
            .prepare("SELECT id, name, role, created_at_ms, disabled_at_ms FROM staff_members WHERE tenant_id = ?1 AND id = ?2")
            .bind(&[s(tenant_id), s(staff_id)])
            .map_err(storage("bind"))?
            .first::<MemberRow>(None)
            .await
            .map_err(storage("read member"))?;
        if exists.is_none() {
            return Ok(None);
        }
        let mut statements = Vec::new();
        if disable {
            statements.push(
                self.db
                    .prepare(
                        "UPDATE staff_members SET disabled_at_ms = ?3 WHERE tenant_id = ?1 AND id = ?2 AND disabled_at_ms IS NULL",
                    )
                    .bind(&[s(tenant_id), s(staff_id), n(now_ms)])
                    .map_err(storage("bind"))?,
            );
        }
        statements.push(
            self.db
                .prepare(
                    "UPDATE staff_sessions SET revoked_at_ms = ?3 WHERE tenant_id = ?1 AND staff_id = ?2 \
                     AND revoked_at_ms IS NULL AND expires_at_ms > ?3",
                )
                .bind(&[s(tenant_id), s(staff_id), n(now_ms)])
                .map_err(storage("bind"))?,
        );
        let results = self
            .db
            .batch(statements)
            .await
            .map_err(storage("end sessions"))?;
        Ok(Some(results.last().map(changed).unwrap_or(0)))
    }

    /// The passkey ids a member has (base64url), oldest first.
    pub(crate) async fn member_passkeys(
        &self,
        tenant_id: &str,
        staff_id: &str,
    ) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Id {
            credential_id: String,
        }
        let rows: Vec<Id> = self
            .db
            .prepare(
                "SELECT credential_id FROM staff_credentials WHERE tenant_id = ?1 AND staff_id = ?2 \
                 ORDER BY created_at_ms, credential_id",
            )
            .bind(&[s(tenant_id), s(staff_id)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("member passkeys"))?
            .results()
            .map_err(storage("read member passkeys"))?;
        Ok(rows.into_iter().map(|r| r.credential_id).collect())
    }

    /// Adds a passkey to an existing member, unless the id is registered already (to anyone
    /// of the tenant) or the member has `max` passkeys: false then. One statement, so two
    /// racing ceremonies cannot pass the limit together.
    pub(crate) async fn add_passkey(
        &self,
        tenant_id: &str,
        staff_id: &str,
        passkey: &NewPasskey<'_>,
        max: usize,
        now_ms: u64,
    ) -> Result<bool, Error> {
        let result = self
            .db
            .prepare(
                "INSERT INTO staff_credentials (tenant_id, credential_id, staff_id, public_key_hex, \
                 sign_count, created_at_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
                 WHERE (SELECT COUNT(*) FROM staff_credentials WHERE tenant_id = ?1 AND staff_id = ?3) < ?7 \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&[
                s(tenant_id),
                s(passkey.credential_id),
                s(staff_id),
                s(passkey.public_key_hex),
                n(u64::from(passkey.sign_count)),
                n(now_ms),
                n(max as u64),
            ])
            .map_err(storage("bind"))?
            .run()
            .await
            .map_err(storage("add passkey"))?;
        Ok(changed(&result) == 1)
    }

    /// The tenant's members with their passkey and live-session counts.
    pub(crate) async fn members(
        &self,
        tenant_id: &str,
        now_ms: u64,
    ) -> Result<Vec<ListedMember>, Error> {
        self.db
            .prepare(
                "SELECT m.id, m.name, m.role, m.created_at_ms, m.disabled_at_ms, \
                 (SELECT COUNT(*) FROM staff_credentials c WHERE c.tenant_id = m.tenant_id AND c.staff_id = m.id) AS passkeys, \
                 (SELECT COUNT(*) FROM staff_sessions ss WHERE ss.tenant_id = m.tenant_id AND ss.staff_id = m.id \
                  AND ss.revoked_at_ms IS NULL AND ss.expires_at_ms > ?2) AS active_sessions \
                 FROM staff_members m WHERE m.tenant_id = ?1 ORDER BY m.created_at_ms",
            )
            .bind(&[s(tenant_id), n(now_ms)])
            .map_err(storage("bind"))?
            .all()
            .await
            .map_err(storage("list members"))?
            .results()
            .map_err(storage("read members"))
    }
}
