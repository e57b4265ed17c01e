//! The whole state of one tenant's Durable Object — the [`Limiter`] and the admin signatures'
//! [`ReplayGuard`] — and its life: restoring from storage, then answering.
//!
//! Fail closed: until the persisted state is restored the object answers nothing but
//! [`Error::Storage`] (503), and a failed restore keeps it that way. Starting from an empty
//! budget and an empty replay memory instead would re-open a spent daily budget and accept a
//! replayed admin request.

use super::{AdmitRequest, Limiter, MeterRequest, MeterVerdict, RecentTurns, TurnRecord, Verdict};
use crate::admin_auth::ReplayGuard;
use crate::{Error, Result};

/// Where the object is in its life.
#[derive(Debug, Clone, PartialEq)]
enum Life {
    /// Constructed; storage not read yet.
    Restoring,
    /// Restored: answering.
    Ready,
    /// Reading or decoding the persisted state failed (why, for the logs).
    Failed(String),
}

/// One tenant's admission state, as its Durable Object holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantObject {
    life: Life,
    limiter: Limiter,
    replay: ReplayGuard,
    /// Recent turns per conversation: a history hint, memory only.
    recent: RecentTurns,
}

impl Default for TenantObject {
    fn default() -> Self {
        Self::new()
    }
}

impl TenantObject {
    /// A new object. It refuses everything until [`TenantObject::restore`] succeeds.
    pub fn new() -> Self {
        TenantObject {
            life: Life::Restoring,
            limiter: Limiter::new(),
            replay: ReplayGuard::default(),
            recent: RecentTurns::default(),
        }
    }

    /// Restores what storage returned for the budget `(day, tokens spent)` and the replay
    /// memory: `Ok(None)` is "never written" (a new tenant), any `Err` (storage failed, or a
    /// stored value no longer decodes) leaves the object refusing. Returns whether it is ready.
    pub fn restore(
        &mut self,
        budget: Result<Option<(u64, u64)>, String>,
        replay: Result<Option<ReplayGuard>, String>,
    ) -> bool {
        *self = TenantObject::new();
        self.life = match (budget, replay) {
            (Ok(budget), Ok(replay)) => {
                if let Some((day, tokens)) = budget {
                    self.limiter.restore_budget(day, tokens);
                }
                self.replay = replay.unwrap_or_default();
                Life::Ready
            }
            (Err(e), _) => Life::Failed(format!("restoring the budget: {e}")),
            (_, Err(e)) => Life::Failed(format!("restoring the replay memory: {e}")),
        };
        self.is_ready()
    }

    /// Whether the persisted state was restored.
    pub fn is_ready(&self) -> bool {
        self.life == Life::Ready
    }

    fn ready(&mut self) -> Result<(&mut Limiter, &mut ReplayGuard)> {
        match &self.life {
            Life::Ready => Ok((&mut self.limiter, &mut self.replay)),
            Life::Restoring => Err(Error::Storage(
                "limiter: persisted state not restored yet".into(),
            )),
            Life::Failed(why) => Err(Error::Storage(format!("limiter: {why}"))),
        }
    }

    /// [`Limiter::admit`], once restored; an admitted request that names a conversation gets
    /// its recent turns as a history hint.
    pub fn admit(&mut self, now_ms: u64, req: &AdmitRequest) -> Result<Verdict> {
        let mut verdict = self.ready()?.0.admit(now_ms, req);
        if let (Verdict::Admitted { history, sent, .. }, Some(conversation)) =
            (&mut verdict, &req.conversation)
        {
            *history = self.recent.get(conversation, now_ms);
            if let Some(id) = &req.client_message_id {
                *sent = self.recent.note_id(conversation, id, now_ms);
            }
        }
        Ok(verdict)
    }

    /// Remembers a finished turn for the history hint (once restored).
    pub fn record_turn(&mut self, now_ms: u64, turn: TurnRecord) -> Result<()> {
        self.ready()?;
        self.recent.record(now_ms, turn);
        Ok(())
    }

    /// Notes that the turn of a client message id ended (its lease was released).
    pub fn turn_ended(&mut self, conversation: &str, client_message_id: &str) {
        self.recent.finished(conversation, client_message_id);
    }

    /// Forgets every history hint: a conversation was erased or purged.
    pub fn forget_turns(&mut self) {
        self.recent.forget_all();
    }

    /// [`Limiter::meter`], once restored.
    pub fn meter(&mut self, now_ms: u64, req: &MeterRequest) -> Result<MeterVerdict> {
        Ok(self.ready()?.0.meter(now_ms, req))
    }

    /// [`Limiter::release`], once restored; returns the budget to persist.
    pub fn release(&mut self, now_ms: u64, lease_id: &str, tokens: u64) -> Result<(u64, u64)> {
        let limiter = self.ready()?.0;
        limiter.release(now_ms, lease_id, tokens);
        Ok(limiter.budget())
    }

    /// [`Limiter::renew`], once restored: whether the lease was still held.
    pub fn renew(&mut self, now_ms: u64, lease_id: &str) -> Result<bool> {
        Ok(self.ready()?.0.renew(now_ms, lease_id))
    }

    /// [`ReplayGuard::check_and_remember`], once restored: `Ok(Some(guard))` when the
    /// signature is fresh (the guard to persist before answering), `Ok(None)` when it was seen
    /// before or is stale.
    pub fn first_use(
        &mut self,
        signature: &[u8; 32],
        timestamp_s: u64,
        now_s: u64,
    ) -> Result<Option<ReplayGuard>> {
        let replay = self.ready()?.1;
        Ok(replay
            .check_and_remember(signature, timestamp_s, now_s)
            .ok()
            .map(|()| replay.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{limits, req};
    use super::super::{LimitKind, RouteClass};
    use super::*;
    use crate::tenant::RouteBudget;

    fn unavailable<T: std::fmt::Debug>(r: Result<T>) {
        match r {
            Err(e) => {
                assert_eq!(e.public().0, 503, "{e}");
                assert_eq!(e.public().1.error.code, "storage_error");
            }
            Ok(v) => panic!("answered {v:?} instead of 503"),
        }
    }

    fn every_check_is_refused(obj: &mut TenantObject) {
        unavailable(obj.admit(0, &req("s", "l", limits(10, 10, 10))));
        unavailable(obj.meter(
            0,
            &MeterRequest {
                class: RouteClass::Session,
                ip_key: "ip".into(),
                budget: RouteBudget {
                    ip_per_minute: 10,
                    tenant_per_minute: 10,
                },
            },
        ));
        unavailable(obj.release(0, "l", 5));
        unavailable(obj.first_use(&[7; 32], 100, 100));
    }

    #[test]
    fn a_failed_restore_started_the_limiter_with_an_empty_budget_and_replay_memory() {
        // Budget unreadable: before the fix the object admitted with a fresh daily budget.
        let mut obj = TenantObject::new();
        let ready = obj.restore(Err("storage get failed".into()), Ok(None));
        every_check_is_refused(&mut obj);
        assert!(!ready);
        // Replay memory undecodable: before the fix a replayed admin signature was fresh.
        let mut obj = TenantObject::new();
        let ready = obj.restore(Ok(Some((0, 10))), Err("invalid type: map".into()));
        every_check_is_refused(&mut obj);
        assert!(!ready);
    }

    #[test]
    fn nothing_is_answered_before_the_restore() {
        every_check_is_refused(&mut TenantObject::new());
    }

    #[test]
    fn a_restored_object_keeps_the_spent_budget_and_the_seen_signatures() {
        let mut obj = TenantObject::new();
        let mut seen = ReplayGuard::default();
        seen.check_and_remember(&[7; 32], 100, 100).unwrap();
        assert!(obj.restore(Ok(Some((0, 1_000))), Ok(Some(seen))));
        let v = obj.admit(5, &req("s", "l", limits(10, 10, 1_000))).unwrap();
        assert!(
            matches!(
                v,
                Verdict::Refused {
                    limit: LimitKind::DailyBudget,
                    ..
                }
            ),
            "{v:?}"
        );
        assert_eq!(obj.first_use(&[7; 32], 100, 101).unwrap(), None, "a replay");
        assert!(obj.first_use(&[8; 32], 100, 101).unwrap().is_some());
        assert_eq!(obj.release(6, "l", 5).unwrap(), (0, 1_005));
    }

    #[test]
    fn a_new_tenant_restores_to_a_full_budget() {
        let mut obj = TenantObject::new();
        assert!(obj.restore(Ok(None), Ok(None)));
        let v = obj.admit(5, &req("s", "l", limits(10, 10, 1_000))).unwrap();
        assert!(matches!(v, Verdict::Admitted { .. }), "{v:?}");
    }
}
