//! Load: many shoppers streaming at once through the local gateway, then the checks that make
//! a load run trustworthy — every admitted turn's two messages are in D1, every stream lease
//! was released — and the public config route's throughput. `--soak MINUTES` repeats the run
//! and reports drift.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::checks::{leaked_leases, lost_messages, Lost};
use super::client;
use super::observe::group_usage;
use super::shoppers::{self, Crowd, CrowdRun};
use super::stats::{median, ms_f, percentile_f64, thousands};
use crate::error::Result;
use crate::harness::Stack;
use crate::http;
use crate::paths::Paths;

/// The load tenant.
const TENANT: &str = "bench-load";
/// How the load run is shaped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadOptions {
    /// Shoppers streaming at once.
    pub(crate) shoppers: usize,
    /// Turns per shopper.
    pub(crate) turns: usize,
    /// Repeat for this many minutes and report drift.
    pub(crate) soak_minutes: Option<u64>,
}

/// Counts and timings of one crowd run.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoundStats {
    /// Turns that got a stream (`start` event).
    pub(crate) admitted: usize,
    /// Turns refused with 429.
    pub(crate) refused: usize,
    /// Everything else: transport errors, other statuses, streams not ending in `done`.
    pub(crate) errored: usize,
    /// Shoppers that could not create a session.
    pub(crate) session_failures: usize,
    /// Error descriptions (first few).
    pub(crate) errors: Vec<String>,
    /// TTFT of admitted turns, ms.
    pub(crate) ttft_ms: Vec<f64>,
    /// Completed turns per second of wall time.
    pub(crate) turns_per_s: f64,
    /// The worker's workerd: CPU ms per admitted turn.
    pub(crate) worker_cpu_ms_per_turn: f64,
    /// wrangler's dev proxy (its workerd and node): CPU ms per admitted turn.
    pub(crate) proxy_cpu_ms_per_turn: f64,
    /// The worker's workerd resident memory after the round.
    pub(crate) worker_rss: u64,
    /// The dev proxy's workerd resident memory after the round.
    pub(crate) proxy_rss: u64,
    /// Wall time.
    pub(crate) wall: Duration,
}

/// Classifies every turn of a crowd run (first attempt only: the load run does not retry).
pub(crate) fn round_stats(run: &CrowdRun) -> RoundStats {
    let mut stats = RoundStats {
        session_failures: run.session_failures.len(),
        wall: run.wall,
        ..RoundStats::default()
    };
    for record in &run.turns {
        match record.first() {
            Some(turn) if turn.status == 429 => stats.refused += 1,
            Some(turn) if turn.message_ids().is_some() => {
                stats.admitted += 1;
                if let Some(first) = turn.first_delta {
                    stats.ttft_ms.push(first.as_secs_f64() * 1000.0);
                }
                if turn.last_event() != Some("done") {
                    stats.errored += 1;
                    push_error(
                        &mut stats.errors,
                        format!("stream ended with {:?}", turn.error_code()),
                    );
                }
            }
            Some(turn) => {
                stats.errored += 1;
                push_error(
                    &mut stats.errors,
                    format!("status {} {:?}", turn.status, turn.error_code()),
                );
            }
            None => {
                stats.errored += 1;
                let why = record.attempts.first().and_then(|a| a.transport.clone());
                push_error(&mut stats.errors, why.unwrap_or_else(|| "no answer".into()));
            }
        }
    }
    let secs = run.wall.as_secs_f64();
    if secs > 0.0 {
        stats.turns_per_s = stats.admitted as f64 / secs;
    }
    stats
}

fn push_error(errors: &mut Vec<String>, error: String) {
    if errors.len() < 5 && !errors.contains(&error) {
        errors.push(error);
    }
}

/// Requests per second of `GET /v1/tenants/{id}/config` from `threads` clients for `secs`,
/// with or without `If-None-Match`.
fn config_rps(
    gateway: &str,
    tenant: &str,
    etag: Option<&str>,
    threads: usize,
    secs: f64,
) -> (f64, usize) {
    rps(
        &format!("{gateway}/v1/tenants/{tenant}/config"),
        etag,
        threads,
        secs,
    )
}

/// Requests per second of `GET /healthz`.
fn health_rps(gateway: &str, threads: usize, secs: f64) -> (f64, usize) {
    rps(&format!("{gateway}/healthz"), None, threads, secs)
}

/// Requests per second of `GET url` (200 or 304 count) and failures, `threads` clients.
fn rps(url: &str, etag: Option<&str>, threads: usize, secs: f64) -> (f64, usize) {
    let count = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (count, bad, url) = (count.clone(), bad.clone(), url.to_owned());
            let etag = etag.map(str::to_owned);
            std::thread::spawn(move || {
                while Instant::now() < until {
                    let mut headers = vec![("Origin", gateway_origin(&url))];
                    if let Some(tag) = &etag {
                        headers.push(("If-None-Match", tag.clone()));
                    }
                    let headers: Vec<(&str, &str)> =
                        headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    match http::request("GET", &url, &headers, b"") {
                        Ok(r) if r.status == 200 || r.status == 304 => {
                            count.fetch_add(1, Ordering::Relaxed)
                        }
                        _ => bad.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    (
        count.load(Ordering::Relaxed) as f64 / secs,
        bad.load(Ordering::Relaxed) as usize,
    )
}

fn gateway_origin(url: &str) -> String {
    url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
}

/// One crowd round with CPU and memory accounting.
fn round(stack: &Stack, options: &LoadOptions, tag: &str) -> (CrowdRun, RoundStats) {
    let pgid = stack.gateway_group();
    let before = group_usage(pgid);
    let crowd = Crowd {
        gateway: stack.gateway.clone(),
        tenant: TENANT.into(),
        shoppers: options.shoppers,
        turns: options.turns,
        retries: 0,
        retry_codes: Vec::new(),
        tag: tag.into(),
    };
    let run = shoppers::run(&crowd, shoppers::question);
    let after = group_usage(pgid);
    let mut stats = round_stats(&run);
    let per_turn = |cpu_s: f64| cpu_s * 1000.0 / stats.admitted.max(1) as f64;
    stats.worker_cpu_ms_per_turn = per_turn(after.worker.cpu_s - before.worker.cpu_s);
    stats.proxy_cpu_ms_per_turn =
        per_turn(after.proxy.cpu_s - before.proxy.cpu_s + after.node.cpu_s - before.node.cpu_s);
    stats.worker_rss = after.worker.rss;
    stats.proxy_rss = after.proxy.rss;
    (run, stats)
}

/// Everything the load section reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoadResult {
    options: Option<LoadOptions>,
    first: RoundStats,
    lost: Lost,
    leaked: u32,
    config_plain: (f64, usize),
    config_etag: (f64, usize),
    health: (f64, usize),
    soak: Vec<RoundStats>,
    /// Soak control: `GET /healthz` hammered for a while — memory growth that is not the
    /// gateway's.
    control: Option<Control>,
}

/// The soak's control run.
#[derive(Debug, Clone, Copy)]
struct Control {
    requests: f64,
    /// The worker's workerd RSS before and after.
    worker: (u64, u64),
    /// The dev proxy's workerd RSS before and after.
    proxy: (u64, u64),
}

impl LoadResult {
    /// Whether the correctness checks passed (0 errors, 0 lost, 0 leaked).
    pub(crate) fn clean(&self) -> bool {
        self.first.errored == 0
            && self.first.session_failures == 0
            && self.lost.user.is_empty()
            && self.lost.answers.is_empty()
            && self.leaked == 0
    }
}

/// Runs the load section.
pub(crate) fn measure(paths: &Paths, stack: &Stack, options: LoadOptions) -> Result<LoadResult> {
    let max = options.shoppers as u32;
    client::seed(
        paths,
        stack,
        TENANT,
        std::slice::from_ref(&stack.gateway),
        max,
    )?;
    // Warm the isolate (first requests compile and fill caches).
    let warm = client::session(&stack.gateway, TENANT)?;
    for i in 0..3 {
        client::chat(
            &stack.gateway,
            &warm.token,
            "Warm-up: hello",
            &format!("m_warm_{i}_x"),
        )?;
    }
    println!(
        "bench: load — {} shoppers × {} turns",
        options.shoppers, options.turns
    );
    let (run, first) = round(stack, &options, "load0");
    let lost = lost_messages(paths, stack, TENANT, &run.turns)?;
    let leaked = leaked_leases(paths, stack, TENANT, max)?;
    std::thread::sleep(Duration::from_millis(2500));
    let etag = http::request(
        "GET",
        &format!("{}/v1/tenants/{TENANT}/config", stack.gateway),
        &[("Origin", &stack.gateway)],
        b"",
    )?
    .header("etag");
    let config_plain = config_rps(&stack.gateway, TENANT, None, 8, 5.0);
    let config_etag = config_rps(&stack.gateway, TENANT, etag.as_deref(), 8, 5.0);
    let health = health_rps(&stack.gateway, 8, 5.0);
    let mut soak = Vec::new();
    let mut control = None;
    if let Some(minutes) = options.soak_minutes {
        // Control first: a route that does nothing (`/healthz`), to see how much the local
        // dev stack's memory grows under traffic that is not the gateway's work.
        let before = group_usage(stack.gateway_group());
        let (rps, _) = health_rps(&stack.gateway, 16, 30.0);
        let after = group_usage(stack.gateway_group());
        control = Some(Control {
            requests: rps * 30.0,
            worker: (before.worker.rss, after.worker.rss),
            proxy: (before.proxy.rss, after.proxy.rss),
        });
        let until = Instant::now() + Duration::from_secs(minutes * 60);
        let mut i = 1;
        while Instant::now() < until {
            let (_, stats) = round(stack, &options, &format!("soak{i}"));
            println!(
                "bench: soak round {i}: {} admitted, {} errored, TTFT p50 {}, memory: worker {}, dev proxy {}",
                stats.admitted,
                stats.errored,
                ms_f(percentile_f64(&stats.ttft_ms, 50.0).unwrap_or(0.0)),
                mb(stats.worker_rss),
                mb(stats.proxy_rss)
            );
            soak.push(stats);
            i += 1;
        }
    }
    Ok(LoadResult {
        options: Some(options),
        first,
        lost,
        leaked,
        config_plain,
        config_etag,
        health,
        soak,
        control,
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1_048_576.0)
}

/// The load section's markdown.
pub(crate) fn section(result: &LoadResult) -> String {
    let Some(options) = result.options else {
        return String::new();
    };
    let s = &result.first;
    let pct = |p: f64| ms_f(percentile_f64(&s.ttft_ms, p).unwrap_or(0.0));
    let mut out = format!(
        "{shoppers} shoppers at once, each with a fresh session, sending {turns} realistic shop \
         questions one after another (streamed, read to the end) through the gateway in workerd \
         to the fake upstream (2 ms chunks); tenant limits high, `max_concurrent_streams` = \
         {shoppers}, so a refusal would mean a lease outlived its stream. Afterwards every turn \
         that got a `start` event is looked up in D1, and the tenant's open leases are counted \
         (lowering its limit to *k* admits a turn exactly when fewer than *k* leases are held).\n\n\
         | | |\n|---|---:|\n\
         | turns admitted / refused / errored | {} / {} / **{}** |\n\
         | sessions that failed | {} |\n\
         | admitted turns checked in D1 / user messages lost / answers lost | {} / **{}** / **{}** |\n\
         | leases still held afterwards | **{}** |\n\
         | TTFT under load p50 / p99 | {} / {} |\n\
         | turns per second (wall {:.1} s) | {:.0} |\n\
         | gateway CPU per turn: the worker's workerd / wrangler's dev proxy (workerd + node) | {:.1} ms / {:.1} ms |\n\
         | resident memory after the run: the worker's workerd / the dev proxy's workerd | {} / {} |\n",
        s.admitted,
        s.refused,
        s.errored,
        s.session_failures,
        result.lost.checked,
        result.lost.user.len(),
        result.lost.answers.len(),
        result.leaked,
        pct(50.0),
        pct(99.0),
        s.wall.as_secs_f64(),
        s.turns_per_s,
        s.worker_cpu_ms_per_turn,
        s.proxy_cpu_ms_per_turn,
        mb(s.worker_rss),
        mb(s.proxy_rss),
        shoppers = options.shoppers,
        turns = options.turns,
    );
    if !s.errors.is_empty() {
        out.push_str(&format!("\nErrors seen: {}.\n", s.errors.join("; ")));
    }
    out.push_str(
        "\nCPU per turn is the CPU time (/proc, user + system) of the processes in wrangler's \
         process group during the run, divided by the admitted turns: the workerd that runs the \
         worker (with D1 and the Durable Object), and wrangler's dev proxy in front of it (a \
         second workerd and wrangler's node process; in production Cloudflare's edge does \
         that). It includes creating the sessions.\n",
    );
    out.push_str(&format!(
        "\n`GET /v1/tenants/{{id}}/config` (the route every page view's widget revalidates), 8 \
         client threads for 5 s, a new connection per request:\n\n\
         | request | requests/s | failed |\n|---|---:|---:|\n\
         | without `If-None-Match` (200 + body) | {} | {} |\n\
         | with the current `ETag` (304, no body) | {} | {} |\n\
         | for reference: `GET /healthz` (does nothing; this client's and the dev proxy's ceiling) | {} | {} |\n",
        thousands(result.config_plain.0.round() as i64),
        result.config_plain.1,
        thousands(result.config_etag.0.round() as i64),
        result.config_etag.1,
        thousands(result.health.0.round() as i64),
        result.health.1,
    ));
    if !result.soak.is_empty() {
        let first = &result.soak[0];
        let last = &result.soak[result.soak.len() - 1];
        let p = |r: &RoundStats, q: f64| percentile_f64(&r.ttft_ms, q).unwrap_or(0.0);
        let errors: usize = result
            .soak
            .iter()
            .map(|r| r.errored + r.session_failures)
            .sum();
        let tps: Vec<f64> = result.soak.iter().map(|r| r.turns_per_s).collect();
        out.push_str(&format!(
            "\nSoak: the same round repeated {} times. First → last round: TTFT p50 {} → {}, \
             p99 {} → {}, memory of the worker's workerd {} → {} and of the dev proxy's workerd \
             {} → {}; turns/s median {:.0}; errors over all rounds: **{errors}**.\n",
            result.soak.len(),
            ms_f(p(first, 50.0)),
            ms_f(p(last, 50.0)),
            ms_f(p(first, 99.0)),
            ms_f(p(last, 99.0)),
            mb(first.worker_rss),
            mb(last.worker_rss),
            mb(first.proxy_rss),
            mb(last.proxy_rss),
            median(&tps).unwrap_or(0.0),
        ));
        if let Some(Control {
            requests,
            worker,
            proxy,
        }) = result.control
        {
            out.push_str(&format!(
                "\nControl, before the soak: {} × `GET /healthz` (which does nothing) from 16 clients \
                 in 30 s moved the worker's workerd {} → {} and the dev proxy's {} → {}: `wrangler \
                 dev`'s processes grow under any sustained traffic, so memory drift here says \
                 little about the gateway itself.\n",
                thousands(requests.round() as i64),
                mb(worker.0),
                mb(worker.1),
                mb(proxy.0),
                mb(proxy.1),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::client::Turn;
    use crate::bench::shoppers::{Attempt, TurnRecord};
    use serde_json::{json, Value};

    fn record(status: u16, events: Vec<Value>) -> TurnRecord {
        TurnRecord {
            attempts: vec![Attempt {
                turn: Some(Turn {
                    status,
                    first_delta: Some(Duration::from_millis(12)),
                    end: Duration::from_millis(40),
                    body: (status != 200).then(|| json!({"error": {"code": "rate_limited"}})),
                    events,
                    server_timing: None,
                }),
                transport: None,
            }],
        }
    }

    #[test]
    fn turns_are_counted_as_admitted_refused_or_errored() {
        let start = json!({"type": "start", "user_message_id": "u", "message_id": "a"});
        let run = CrowdRun {
            turns: vec![
                record(200, vec![start.clone(), json!({"type": "done"})]),
                record(
                    200,
                    vec![start, json!({"type": "error", "code": "upstream_error"})],
                ),
                record(429, Vec::new()),
                record(500, Vec::new()),
            ],
            session_failures: Vec::new(),
            wall: Duration::from_secs(1),
        };
        let stats = round_stats(&run);
        assert_eq!((stats.admitted, stats.refused, stats.errored), (2, 1, 2));
        assert_eq!(stats.ttft_ms, vec![12.0, 12.0]);
        assert!((stats.turns_per_s - 2.0).abs() < 1e-9);
    }

    #[test]
    fn origins_are_cut_from_urls() {
        assert_eq!(
            gateway_origin("http://127.0.0.1:1/v1/tenants/x/config"),
            "http://127.0.0.1:1"
        );
    }
}
