//! The correctness checks of the load and fault runs: what the shoppers were told is stored
//! is in D1, and no stream lease outlives its stream. These are checks, never timings.

use std::collections::HashMap;
use std::time::Duration;

use super::client;
use super::observe::d1;
use super::shoppers::TurnRecord;
use crate::error::Result;
use crate::harness::Stack;
use crate::paths::Paths;

/// Turns whose stored messages are missing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lost {
    /// Admitted turns checked.
    pub(crate) checked: usize,
    /// User messages missing.
    pub(crate) user: Vec<String>,
    /// Answers the shopper saw complete (`done`) that are missing or not `complete`.
    pub(crate) answers: Vec<String>,
    /// Answers that ended in an error event and are missing (the shopper was told).
    pub(crate) failed_answers_missing: usize,
}

/// Compares what the shoppers were told (start ids, done) with the tenant's rows in D1.
pub(crate) fn lost_messages(
    paths: &Paths,
    stack: &Stack,
    tenant: &str,
    turns: &[TurnRecord],
) -> Result<Lost> {
    let rows = d1(
        paths,
        &stack.state,
        &format!("SELECT id, role, status FROM messages WHERE tenant_id = '{tenant}'"),
    )?;
    let stored: HashMap<String, String> = rows
        .iter()
        .filter_map(|r| {
            Some((
                r["id"].as_str()?.to_owned(),
                r["status"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut lost = Lost::default();
    for record in turns {
        for turn in record.attempts.iter().filter_map(|a| a.turn.as_ref()) {
            let Some((user, answer)) = turn.message_ids() else {
                continue;
            };
            lost.checked += 1;
            if !stored.contains_key(&user) {
                lost.user.push(user);
            }
            match (turn.last_event(), stored.get(&answer)) {
                (Some("done"), Some(status)) if status == "complete" => {}
                (Some("done"), _) => lost.answers.push(answer),
                (_, None) => lost.failed_answers_missing += 1,
                _ => {}
            }
        }
    }
    Ok(lost)
}

/// How many stream leases the tenant still holds. Probes by lowering the tenant's
/// `max_concurrent_streams` to `k` and sending one turn: it is admitted exactly when fewer
/// than `k` leases are held (SPEC: limits are exact). `k = 1` first, then a binary search.
pub(crate) fn leaked_leases(
    paths: &Paths,
    stack: &Stack,
    tenant: &str,
    restore_to: u32,
) -> Result<u32> {
    let origins = [stack.gateway.clone()];
    let admitted_with = |k: u32, probe: usize| -> Result<bool> {
        client::seed(paths, stack, tenant, &origins, k)?;
        // The gateway caches the tenant row per isolate for 2 s.
        std::thread::sleep(Duration::from_millis(2500));
        let session = client::session(&stack.gateway, tenant)?;
        let turn = client::chat(
            &stack.gateway,
            &session.token,
            "Lease probe: how long does shipping take?",
            &format!("m_lease_probe_{probe}_{}", std::process::id()),
        )?;
        Ok(turn.status == 200)
    };
    let leaked = if admitted_with(1, 0)? {
        0
    } else {
        let (mut lo, mut hi) = (2u32, 2048u32);
        let mut probe = 1;
        while lo < hi {
            let mid = (lo + hi) / 2;
            probe += 1;
            if admitted_with(mid, probe)? {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo - 1
    };
    client::seed(paths, stack, tenant, &origins, restore_to)?;
    Ok(leaked)
}
