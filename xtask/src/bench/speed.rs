//! The gateway section's other measurements (issue 11's speed goals): a burst of concurrent
//! streams, a turn with one tool round, and the worker's CPU time per turn. Each is measured
//! against the fake AI runtime called directly, in interleaved rounds, on this machine.

use std::sync::Barrier;
use std::time::Duration;

use serde_json::{json, Value};

use super::client;
use super::observe::group_usage;
use super::stats::{ms, percentile};
use super::ttft::{openai_has_content, parse_server_timing};
use crate::error::{fail, Result};
use crate::harness::Stack;
use crate::http;

/// Streams at once in the burst.
pub(crate) const BURST_STREAMS: usize = 16;
/// Measured burst rounds (each adds `BURST_STREAMS` samples per path).
const BURST_ROUNDS: usize = 12;
/// Measured tool-round turns.
const TOOL_TURNS: usize = 60;
/// Turns in the CPU pass.
const CPU_TURNS: usize = 100;
/// Rounds discarded before measuring, in each part.
const WARMUP: usize = 2;

/// TTFT samples of the direct and the gateway path.
#[derive(Debug, Default, Clone)]
pub(crate) struct Pair {
    direct: Vec<Duration>,
    ours: Vec<Duration>,
}

impl Pair {
    fn sort(&mut self) {
        self.direct.sort();
        self.ours.sort();
    }

    /// Gateway minus direct at a percentile, in ms.
    fn added(&self, pct: f64) -> f64 {
        (percentile(&self.ours, pct).as_secs_f64() - percentile(&self.direct, pct).as_secs_f64())
            * 1000.0
    }
}

/// What this module measures.
#[derive(Debug, Default)]
pub(crate) struct SpeedRun {
    burst: Pair,
    tool: Pair,
    /// Server-Timing `store` of the tool turns' answers.
    tool_phases: Vec<u64>,
    /// CPU ms per turn: the worker's workerd, and the dev proxy (workerd + node).
    cpu_worker_ms: f64,
    cpu_proxy_ms: f64,
    cpu_turns: usize,
    /// CPU ms of the worker's workerd per `GET /healthz` and per `POST /v1/sessions`.
    cpu_healthz_ms: f64,
    cpu_session_ms: f64,
}

pub(super) fn openai_body(message: &str) -> String {
    json!({
        "model": "fake-normal",
        "stream": true,
        "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": message}],
    })
    .to_string()
}

pub(super) fn direct_first(url: &str, body: &str) -> Result<Duration> {
    let t = http::time_to_first(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        body.as_bytes(),
        openai_has_content,
    )?;
    match t.first_marker {
        Some(first) => Ok(first),
        None => fail(format!("direct request: no content (status {})", t.status)),
    }
}

pub(super) fn gateway_first(
    origin: &str,
    token: &str,
    message: &str,
    id: &str,
) -> Result<client::Turn> {
    let turn = client::chat(origin, token, message, id)?;
    if turn.first_delta.is_none() {
        return fail(format!(
            "gateway turn {id}: no delta (status {}, {:?})",
            turn.status,
            turn.error_code()
        ));
    }
    Ok(turn)
}

/// Runs `BURST_STREAMS` calls of `f(k)` at once (released together by a barrier).
pub(super) fn at_once<T: Send>(f: impl Fn(usize) -> Result<T> + Sync) -> Result<Vec<T>> {
    let barrier = Barrier::new(BURST_STREAMS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..BURST_STREAMS)
            .map(|k| {
                let (f, barrier) = (&f, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    f(k)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| fail("burst thread panicked")))
            .collect()
    })
}

/// Measures the burst, the tool round and CPU per turn. The `bench` tenant must exist
/// (`ttft::measure` seeds it).
pub(crate) fn measure(stack: &Stack) -> Result<SpeedRun> {
    let origin = stack.gateway.as_str();
    let direct_url = format!("{}/v1/chat/completions", stack.upstream);
    let mut run = SpeedRun::default();

    // 1. Burst: 16 streams at once, direct and through the gateway, alternating which goes
    // first per round. A new session per stream every 10 rounds, as in the main loop.
    let mut tokens: Vec<String> = Vec::new();
    for round in 0..WARMUP + BURST_ROUNDS {
        if round % super::ttft::REQUESTS_PER_SESSION == 0 {
            tokens = (0..BURST_STREAMS)
                .map(|_| client::session(origin, "bench").map(|s| s.token))
                .collect::<Result<_>>()?;
        }
        let direct = || {
            at_once(|k| {
                direct_first(
                    &direct_url,
                    &openai_body(&format!("How long does shipping take? (burst {round}/{k})")),
                )
            })
        };
        let ours = || {
            at_once(|k| {
                gateway_first(
                    origin,
                    &tokens[k],
                    &format!("How long does shipping take? (burst {round}/{k})"),
                    &format!("m_burst_{round:04}_{k:02}"),
                )
                .map(|t| t.first_delta.unwrap_or_default())
            })
        };
        let (d, o) = if round % 2 == 0 {
            let d = direct()?;
            (d, ours()?)
        } else {
            let o = ours()?;
            (direct()?, o)
        };
        if round >= WARMUP {
            run.burst.direct.extend(d);
            run.burst.ours.extend(o);
        }
    }
    println!("bench: burst done");

    // 2. A turn with one tool round: the fake asks for search_knowledge, the gateway runs it
    // and asks again; TTFT is that of the final answer. The direct path is the same two
    // upstream calls back to back (the tool call read to its end, then the answer's first
    // content), so the difference is what the gateway adds, tool execution included.
    let mut token = String::new();
    for i in 0..WARMUP + TOOL_TURNS {
        if i % super::ttft::REQUESTS_PER_SESSION == 0 {
            token = client::session(origin, "bench")?.token;
        }
        let message = format!("[[scenario:tool-call]] How long does shipping take? (tool {i})");
        let direct = || -> Result<Duration> {
            let tools = json!([{"type": "function", "function": {
                "name": "search_knowledge",
                "description": "Search the shop's help articles.",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}}
            }}]);
            let first = json!({
                "model": "fake-normal", "stream": true,
                "stream_options": {"include_usage": true},
                "messages": [{"role": "user", "content": message}],
                "tools": tools,
            })
            .to_string();
            let call = http::time_to_first(
                "POST",
                &direct_url,
                &[("Content-Type", "application/json")],
                first.as_bytes(),
                |_| false,
            )?;
            if !String::from_utf8_lossy(&call.body).contains("tool_calls") {
                return fail("direct tool round: the fake did not call a tool");
            }
            let second: Value = json!({
                "model": "fake-normal", "stream": true,
                "stream_options": {"include_usage": true},
                "messages": [
                    {"role": "user", "content": message},
                    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1",
                        "type": "function", "function": {"name": "search_knowledge",
                        "arguments": "{\"query\":\"shipping\"}"}}]},
                    {"role": "tool", "tool_call_id": "call_1",
                     "content": "{\"results\":[{\"title\":\"Shipping\",\"text\":\"Orders ship in 2 days.\"}]}"},
                ],
                "tools": tools,
            });
            Ok(call.end + direct_first(&direct_url, &second.to_string())?)
        };
        let ours = || gateway_first(origin, &token, &message, &format!("m_tool_{i:05}"));
        let (d, o) = if i % 2 == 0 {
            let d = direct()?;
            (d, ours()?)
        } else {
            let o = ours()?;
            (direct()?, o)
        };
        if !o.events.iter().any(|e| e["type"] == "tool") {
            return fail(format!("tool turn {i}: the gateway ran no tool"));
        }
        if i >= WARMUP {
            run.tool.direct.push(d);
            run.tool.ours.push(o.first_delta.unwrap_or_default());
            if let Some((_, dur)) = parse_server_timing(o.server_timing.as_deref().unwrap_or(""))
                .into_iter()
                .find(|(name, _)| name == "store")
            {
                run.tool_phases.push(dur);
            }
        }
    }
    println!("bench: tool round done");

    // 3. CPU per turn: sessions made first, then turns one after another; the CPU time of
    // wrangler's processes over exactly those turns (nothing else talks to them meanwhile).
    let tokens: Vec<String> = (0..CPU_TURNS.div_ceil(super::ttft::REQUESTS_PER_SESSION))
        .map(|_| client::session(origin, "bench").map(|s| s.token))
        .collect::<Result<_>>()?;
    std::thread::sleep(Duration::from_millis(300));
    let pgid = stack.gateway_group();
    let before = group_usage(pgid);
    for i in 0..CPU_TURNS {
        gateway_first(
            origin,
            &tokens[i / super::ttft::REQUESTS_PER_SESSION],
            &format!("How long does shipping take? (cpu {i})"),
            &format!("m_cpu_{i:05}"),
        )?;
    }
    let after = group_usage(pgid);
    // The floor under any request: workerd, its dev proxy and the worker's entry for a route
    // that does nothing (`GET /healthz`), and a session (the object's meter and a token).
    let per = |n: usize, f: &dyn Fn(usize) -> Result<()>| -> Result<f64> {
        std::thread::sleep(Duration::from_millis(200));
        let before = group_usage(pgid);
        for i in 0..n {
            f(i)?;
        }
        let after = group_usage(pgid);
        Ok((after.worker.cpu_s - before.worker.cpu_s) * 1000.0 / n as f64)
    };
    let healthz = format!("{origin}/healthz");
    run.cpu_healthz_ms = per(CPU_TURNS, &|_| {
        http::request("GET", &healthz, &[], b"").map(|_| ())
    })?;
    run.cpu_session_ms = per(CPU_TURNS / 2, &|_| {
        client::session(origin, "bench").map(|_| ())
    })?;
    run.cpu_turns = CPU_TURNS;
    run.cpu_worker_ms = (after.worker.cpu_s - before.worker.cpu_s) * 1000.0 / CPU_TURNS as f64;
    run.cpu_proxy_ms =
        (after.proxy.cpu_s - before.proxy.cpu_s + after.node.cpu_s - before.node.cpu_s) * 1000.0
            / CPU_TURNS as f64;
    Ok(run)
}

/// The markdown appended to the gateway section.
pub(crate) fn section(run: &mut SpeedRun) -> String {
    run.burst.sort();
    run.tool.sort();
    run.tool_phases.sort_unstable();
    let row = |name: &str, pair: &Pair| {
        format!(
            "| {name} | {} | {} | {} | {} | {} | {:+.2} ms | {:+.2} ms |\n",
            pair.ours.len(),
            ms(percentile(&pair.direct, 50.0)),
            ms(percentile(&pair.direct, 99.0)),
            ms(percentile(&pair.ours, 50.0)),
            ms(percentile(&pair.ours, 99.0)),
            pair.added(50.0),
            pair.added(99.0),
        )
    };
    let mut out = format!(
        "### Burst, tool round, CPU per turn\n\n\
         **Burst**: {BURST_STREAMS} streams released at once (a barrier), first all direct then all \
         through the gateway, alternating which goes first per round; {BURST_ROUNDS} rounds after \
         {WARMUP} warm-up rounds. **Tool round**: the fake is told to call `search_knowledge` \
         (`[[scenario:tool-call]]`); the gateway runs the tool and asks again, and TTFT is the \
         final answer's first `delta`. Its direct path is the same two upstream calls back to \
         back (the tool call read to its end, then the answer's first content), so the \
         difference is what the gateway adds, its tool execution included; {TOOL_TURNS} turns, \
         interleaved.\n\n\
         | turn | requests | direct p50 | direct p99 | gateway p50 | gateway p99 | added p50 | added p99 |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    out.push_str(&row(&format!("{BURST_STREAMS}-stream burst"), &run.burst));
    out.push_str(&row("one tool round", &run.tool));
    if !run.tool_phases.is_empty() {
        let p50 = run.tool_phases[run.tool_phases.len().div_ceil(2) - 1];
        out.push_str(&format!(
            "\nServer-Timing `store` of the tool turns (phase 3) p50: {p50} ms.\n"
        ));
    }
    out.push_str(&format!(
        "\n**CPU per turn**: {} turns one after another (sessions made beforehand), and the CPU \
         time (/proc, user + system) that wrangler's processes spent meanwhile, divided by the \
         turns. The worker's workerd also runs local D1 (SQLite) and the Durable Object, so this \
         is an upper bound on the worker's own CPU; on Cloudflare, D1 and the object are billed \
         to themselves. The dev proxy (a second workerd and wrangler's node) is what Cloudflare's \
         edge does in production. A turn here streams the fake's whole answer (~25 chunks) and \
         stores it.\n\n\
         | process | CPU per turn |\n|---|---:|\n\
         | the worker's workerd (worker + local D1 + Durable Object) | {:.1} ms |\n\
         | wrangler's dev proxy (workerd + node) | {:.1} ms |\n\n\
         For scale, the worker's workerd per request that does almost nothing: `GET /healthz` \
         **{:.1} ms**; `POST /v1/sessions` (the object's meter, a signed token) **{:.1} ms**.\n",
        run.cpu_turns, run.cpu_worker_ms, run.cpu_proxy_ms, run.cpu_healthz_ms, run.cpu_session_ms
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_time_is_gateway_minus_direct_per_percentile() {
        let d = Duration::from_millis;
        let mut run = SpeedRun {
            burst: Pair {
                direct: vec![d(5); 16],
                ours: vec![d(20); 16],
            },
            tool: Pair {
                direct: vec![d(50)],
                ours: vec![d(58)],
            },
            tool_phases: vec![3, 4, 5],
            cpu_worker_ms: 6.25,
            cpu_proxy_ms: 2.0,
            cpu_turns: 100,
            cpu_healthz_ms: 0.5,
            cpu_session_ms: 2.0,
        };
        let text = section(&mut run);
        assert!(text.contains("| 16-stream burst | 16 | 5.00 ms"), "{text}");
        assert!(text.contains("+15.00 ms | +15.00 ms"), "{text}");
        assert!(text.contains("| one tool round | 1 | 50.00 ms"), "{text}");
        assert!(text.contains("+8.00 ms"), "{text}");
        assert!(text.contains("p50: 4 ms"), "{text}");
        assert!(
            text.contains("| 6.2 ms |") || text.contains("| 6.3 ms |"),
            "{text}"
        );
    }
}
