//! Faults under load: while a crowd of shoppers chats, the upstream misbehaves (500s, streams
//! cut mid-way, slow first tokens, no first token at all) and storage goes away for a few
//! seconds (the `messages` table renamed and restored, as an operator or a failed migration
//! would). Shoppers retry storage failures as the widget does. Afterwards: every answer is
//! accounted for, nothing a shopper was told is stored is missing, no lease is held, and no
//! error answer lacks its JSON body.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::checks::{leaked_leases, lost_messages, Lost};
use super::client;
use super::observe::d1;
use super::shoppers::{self, Crowd, CrowdRun};
use crate::error::Result;
use crate::harness::Stack;
use crate::paths::Paths;

const TENANT: &str = "bench-faults";
/// How long storage stays away.
const OUTAGE: Duration = Duration::from_secs(4);

/// The upstream behaviour a turn asks the fake for, by position (deterministic mix: 10% 500
/// then OK, 10% cut mid-stream, 10% slow first token, 5% no first token within the limit).
fn scenario(s: usize, t: usize) -> Option<&'static str> {
    match (s * 7 + t * 3) % 20 {
        0 | 10 => Some("status-500-then-ok"),
        3 | 13 => Some("cut-mid-stream"),
        6 | 16 => Some("slow-first-token=1500"),
        9 => Some("slow-first-token=6000"),
        _ => None,
    }
}

fn message(s: usize, t: usize) -> String {
    let q = shoppers::question(s, t);
    match scenario(s, t) {
        Some(name) => format!("[[scenario:{name}]] {q}"),
        None => q,
    }
}

/// What the fault run found.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultResult {
    shoppers: usize,
    turns: usize,
    /// First attempts by outcome (`done`, or the error code).
    first_outcomes: BTreeMap<String, usize>,
    /// Final attempts by outcome.
    final_outcomes: BTreeMap<String, usize>,
    /// Retries made.
    retries: usize,
    /// Non-200 answers without a JSON error body, or error events without `retryable`.
    unclear: Vec<String>,
    /// Storage outage window, seconds after the start.
    outage: (f64, f64),
    lost: Lost,
    leaked: u32,
    session_failures: usize,
    /// Rows of the faulted messages: `status → count` of the cut answers.
    cut_stored: BTreeMap<String, usize>,
}

impl FaultResult {
    /// The checks: nothing lost, no lease held, every error clear.
    pub(crate) fn clean(&self) -> bool {
        self.lost.user.is_empty()
            && self.lost.answers.is_empty()
            && self.leaked == 0
            && self.unclear.is_empty()
            && self.session_failures == 0
    }
}

fn outcome(turn: Option<&client::Turn>) -> String {
    match turn {
        None => "no HTTP answer".into(),
        Some(t) if t.status == 200 && t.last_event() == Some("done") => "done".into(),
        Some(t) => format!(
            "{} {}",
            t.status,
            t.error_code().unwrap_or_else(|| "(no code)".into())
        ),
    }
}

/// Runs the crowd with the upstream faults mixed in and one storage outage.
pub(crate) fn measure(
    paths: &Paths,
    stack: &Stack,
    shoppers: usize,
    turns: usize,
) -> Result<FaultResult> {
    client::seed(
        paths,
        stack,
        TENANT,
        std::slice::from_ref(&stack.gateway),
        shoppers as u32,
    )?;
    let crowd = Crowd {
        gateway: stack.gateway.clone(),
        tenant: TENANT.into(),
        shoppers,
        turns,
        retries: 8,
        retry_codes: vec![
            "storage_error".into(),
            "internal".into(),
            "transport".into(),
        ],
        tag: "faults".into(),
    };
    println!(
        "bench: faults — {shoppers} shoppers × {turns} turns, storage away for {} s",
        OUTAGE.as_secs()
    );
    let window = Arc::new(Mutex::new((0.0, 0.0)));
    let started = Instant::now();
    let saboteur = {
        let (paths, state, window) = (paths.clone(), stack.state.clone(), window.clone());
        std::thread::spawn(move || -> Result<()> {
            // Let the crowd get going: sessions made, first streams open.
            std::thread::sleep(Duration::from_millis(1500));
            d1(
                &paths,
                &state,
                "ALTER TABLE messages RENAME TO messages_offline",
            )?;
            let down = started.elapsed().as_secs_f64();
            std::thread::sleep(OUTAGE);
            let up_begins = started.elapsed().as_secs_f64();
            d1(
                &paths,
                &state,
                "ALTER TABLE messages_offline RENAME TO messages",
            )?;
            if let Ok(mut w) = window.lock() {
                *w = (down, up_begins);
            }
            Ok(())
        })
    };
    let run: CrowdRun = shoppers::run(&crowd, message);
    let sabotage = saboteur.join();
    // Storage must be back whatever happened to the saboteur (a half-done rename is undone).
    if !matches!(sabotage, Ok(Ok(()))) {
        let _ = d1(
            paths,
            &stack.state,
            "ALTER TABLE messages_offline RENAME TO messages",
        );
    }
    let mut result = FaultResult {
        shoppers,
        turns,
        outage: window.lock().map(|w| *w).unwrap_or_default(),
        session_failures: run.session_failures.len(),
        ..FaultResult::default()
    };
    for record in &run.turns {
        *result
            .first_outcomes
            .entry(outcome(record.first()))
            .or_default() += 1;
        *result
            .final_outcomes
            .entry(outcome(record.last()))
            .or_default() += 1;
        result.retries += record.attempts.len().saturating_sub(1);
        for attempt in &record.attempts {
            let Some(turn) = &attempt.turn else { continue };
            let clear = if turn.status == 200 {
                turn.last_event() == Some("done")
                    || (turn.error_code().is_some()
                        && turn
                            .events
                            .last()
                            .is_some_and(|e| e["retryable"].is_boolean()))
            } else {
                turn.error_code().is_some()
                    && turn
                        .body
                        .as_ref()
                        .is_some_and(|b| b["error"]["retryable"].is_boolean())
            };
            if !clear && result.unclear.len() < 10 {
                result.unclear.push(format!(
                    "{} {:?} {:?}",
                    turn.status,
                    turn.body,
                    turn.events.last()
                ));
            }
        }
    }
    result.lost = lost_messages(paths, stack, TENANT, &run.turns)?;
    let cut = d1(
        paths,
        &stack.state,
        &format!(
            "SELECT a.status AS status, COUNT(*) AS n FROM messages a JOIN messages u ON a.reply_to = u.id \
             WHERE a.tenant_id = '{TENANT}' AND u.text LIKE '%cut-mid-stream%' GROUP BY a.status"
        ),
    )
    .unwrap_or_default();
    for row in cut {
        if let (Some(status), Some(n)) = (row["status"].as_str(), row["n"].as_u64()) {
            result.cut_stored.insert(status.to_owned(), n as usize);
        }
    }
    result.leaked = leaked_leases(paths, stack, TENANT, shoppers as u32)?;
    Ok(result)
}

fn outcomes(map: &BTreeMap<String, usize>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The fault section's markdown.
pub(crate) fn section(r: &FaultResult) -> String {
    let mut out = format!(
        "{} shoppers × {} turns through the gateway, as in the load section, with faults mixed \
         in by the fake upstream (per turn: 10% a 500 before the first byte then OK on retry, \
         10% the stream cut mid-way, 10% the first token 1.5 s late, 5% no first token within \
         the 5 s limit) and storage taken away: D1's `messages` table renamed from {:.1} s to \
         {:.1} s after the start and renamed back. A shopper retries a turn that failed with a \
         retryable storage or internal error (same `client_message_id`, 1 s apart, up to 8 \
         times), as the widget's Retry does; upstream failures are not retried (the fake would \
         fail the same way).\n\n\
         | | |\n|---|---|\n\
         | first attempts | {} |\n\
         | final outcome per turn | {} |\n\
         | retries | {} |\n\
         | answers that were neither a stream ending in `done`/`error` nor a JSON error body with `retryable` | **{}** |\n\
         | turns with a `start` checked in D1 / user messages lost / completed answers lost | {} / **{}** / **{}** |\n\
         | answers that ended in an error event and are not stored (the shopper was told, and retried) | {} |\n\
         | cut answers stored, by status | {} |\n\
         | leases still held afterwards | **{}** |\n\
         | sessions that failed | {} |\n",
        r.shoppers,
        r.turns,
        r.outage.0,
        r.outage.1,
        outcomes(&r.first_outcomes),
        outcomes(&r.final_outcomes),
        r.retries,
        r.unclear.len(),
        r.lost.checked,
        r.lost.user.len(),
        r.lost.answers.len(),
        r.lost.failed_answers_missing,
        outcomes(&r.cut_stored),
        r.leaked,
        r.session_failures,
    );
    if r.lost.failed_answers_missing > 0 {
        out.push_str(
            "\nAn answer whose stream was already complete when storage went away is not stored: \
             the gateway ends the stream with a retryable `storage_error` and the retry asks the \
             model again. Nothing the shopper was told is stored goes missing, but the first \
             answer's tokens are spent twice; retrying that one write for a few seconds before the \
             final event would keep most of these answers.\n",
        );
    }
    if !r.unclear.is_empty() {
        out.push_str(&format!("\nUnclear answers: {}\n", r.unclear.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fault_mix_has_the_stated_shares() {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in 0..200 {
            for t in 0..3 {
                *counts
                    .entry(scenario(s, t).unwrap_or("normal"))
                    .or_default() += 1;
            }
        }
        assert_eq!(counts["status-500-then-ok"], 60);
        assert_eq!(counts["cut-mid-stream"], 60);
        assert_eq!(counts["slow-first-token=1500"], 60);
        assert_eq!(counts["slow-first-token=6000"], 30);
        assert!(message(0, 0).starts_with("[[scenario:status-500-then-ok]] "));
    }
}
