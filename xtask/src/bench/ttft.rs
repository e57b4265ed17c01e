//! Gateway overhead: time to the first content byte and to the end of the stream, calling the
//! fake AI runtime directly, through Shopkeep's gateway and through Portkey's, in one
//! interleaved loop (each round sends one request per path, rotating which goes first).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::client;
use super::portkey::Portkey;
use super::stats::{ms, percentile, times};
use crate::error::{fail, Result};
use crate::harness::Stack;
use crate::http;
use crate::paths::Paths;

/// Chat requests per gateway session (a realistic conversation length; history grows).
pub(crate) const REQUESTS_PER_SESSION: usize = 10;
/// Rounds discarded before measuring.
const WARMUP: usize = 10;

/// Samples of one path.
#[derive(Debug, Default)]
pub(crate) struct Path {
    first: Vec<Duration>,
    end: Vec<Duration>,
}

impl Path {
    fn push(&mut self, first: Duration, end: Duration) {
        self.first.push(first);
        self.end.push(end);
    }

    fn sort(&mut self) {
        self.first.sort();
        self.end.sort();
    }
}

/// Everything the gateway section reports.
#[derive(Debug, Default)]
pub(crate) struct GatewayRun {
    direct: Path,
    ours: Path,
    portkey: Option<Path>,
    portkey_description: String,
    /// Server-Timing phases of our answers, in whole ms.
    phases: BTreeMap<String, Vec<u64>>,
}

/// The first non-empty `content` delta of an OpenAI stream has arrived.
pub(crate) fn openai_has_content(body: &[u8]) -> bool {
    const KEY: &[u8] = b"\"content\":\"";
    body.windows(KEY.len() + 1)
        .any(|window| window.starts_with(KEY) && window[KEY.len()] != b'"')
}

/// `name;dur=ms` pairs of a `Server-Timing` header.
pub(crate) fn parse_server_timing(header: &str) -> Vec<(String, u64)> {
    header
        .split(',')
        .filter_map(|part| {
            let (name, params) = part.trim().split_once(';')?;
            let dur = params.trim().strip_prefix("dur=")?.parse().ok()?;
            Some((name.trim().to_owned(), dur))
        })
        .collect()
}

/// Runs `requests` measured rounds (after warm-up) over every path.
pub(crate) fn measure(
    paths: &Paths,
    stack: &Stack,
    requests: usize,
    portkey: Option<&Portkey>,
) -> Result<GatewayRun> {
    let origin = stack.gateway.as_str();
    client::seed(
        paths,
        stack,
        "bench",
        std::slice::from_ref(&stack.gateway),
        50,
    )?;
    let direct_url = format!("{}/v1/chat/completions", stack.upstream);
    let portkey_headers = Portkey::headers(&stack.upstream);
    let mut run = GatewayRun {
        portkey: portkey.map(|_| Path::default()),
        portkey_description: portkey.map(|p| p.description.clone()).unwrap_or_default(),
        ..GatewayRun::default()
    };
    let mut token = String::new();
    for i in 0..WARMUP + requests {
        if i % REQUESTS_PER_SESSION == 0 {
            token = client::session(origin, "bench")?.token;
        }
        let message = format!("How long does shipping take? (benchmark request {i})");
        let openai_body = json!({
            "model": "fake-normal",
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [{"role": "user", "content": message}],
        })
        .to_string();
        let client_id = format!("m_bench_{i:06}");
        let direct = || {
            http::time_to_first(
                "POST",
                &direct_url,
                &[("Content-Type", "application/json")],
                openai_body.as_bytes(),
                openai_has_content,
            )
        };
        let via_portkey = |url: &str| {
            let headers: Vec<(&str, &str)> = portkey_headers
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            http::time_to_first(
                "POST",
                &format!("{url}/v1/chat/completions"),
                &headers,
                openai_body.as_bytes(),
                openai_has_content,
            )
        };
        // Rotate the order so drift (caches, CPU frequency, the other path's leftovers)
        // hits every path equally.
        let paths_in_round = if portkey.is_some() { 3 } else { 2 };
        let mut results = [None, None, None];
        for k in 0..paths_in_round {
            let which = (i + k) % paths_in_round;
            results[which] = Some(match which {
                0 => direct()?,
                1 => {
                    let turn = client::chat(origin, &token, &message, &client_id)?;
                    http::StreamTiming {
                        status: turn.status,
                        first_marker: turn.first_delta,
                        end: turn.end,
                        server_timing: turn.server_timing,
                        body: Vec::new(),
                    }
                }
                _ => via_portkey(&portkey.map(|p| p.url.clone()).unwrap_or_default())?,
            });
        }
        if i < WARMUP {
            continue;
        }
        let names = ["direct", "Shopkeep", "Portkey"];
        for (which, result) in results.into_iter().enumerate() {
            let Some(timing) = result else { continue };
            let Some(first) = timing.first_marker else {
                return fail(format!(
                    "request {i}: no first token from the {} path (status {})",
                    names[which], timing.status
                ));
            };
            match which {
                0 => run.direct.push(first, timing.end),
                1 => {
                    run.ours.push(first, timing.end);
                    for (phase, dur) in
                        parse_server_timing(timing.server_timing.as_deref().unwrap_or(""))
                    {
                        run.phases.entry(phase).or_default().push(dur);
                    }
                }
                _ => {
                    if let Some(p) = run.portkey.as_mut() {
                        p.push(first, timing.end);
                    }
                }
            }
        }
        if (i + 1) % 50 == 0 {
            println!("bench: gateway round {} / {}", i + 1, WARMUP + requests);
        }
    }
    Ok(run)
}

fn ms_f64(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The section's markdown: the TTFT table (kept as it was, other engineers compare against
/// it), the Portkey comparison, stream end, and the Server-Timing phases.
pub(crate) fn section(run: &mut GatewayRun, chunk_delay_ms: u64) -> String {
    run.direct.sort();
    run.ours.sort();
    if let Some(p) = run.portkey.as_mut() {
        p.sort();
    }
    let row = |name: &str, samples: &[Duration]| {
        format!(
            "| {name} | {} | {} | {} |\n",
            samples.len(),
            ms(percentile(samples, 50.0)),
            ms(percentile(samples, 99.0))
        )
    };
    let overhead = |path: &[Duration], pct: f64| {
        ms_f64(percentile(path, pct)) - ms_f64(percentile(&run.direct.first, pct))
    };
    let mut out = String::from("| path | requests | p50 | p99 |\n|---|---:|---:|---:|\n");
    out.push_str(&row("fake upstream directly", &run.direct.first));
    out.push_str(&row("through the gateway (workerd)", &run.ours.first));
    out.push_str(&format!(
        "| **gateway overhead** | | **{:+.2} ms** | **{:+.2} ms** |\n",
        overhead(&run.ours.first, 50.0),
        overhead(&run.ours.first, 99.0)
    ));
    if let Some(pk) = &run.portkey {
        out.push_str(&format!(
            "\nThe same loop with Portkey's open-source gateway, {}, as a third path (OpenAI \
             provider, custom host = the fake upstream). Portkey here only proxies: no session \
             token, no rate limit, no storage, no prompt assembly — Shopkeep does all of these \
             before its first byte. Most of Portkey's overhead is a fixed pause: its stream reader \
             waits 25 ms (`setTimeout`) before relaying the first chunk of a stream. It runs with \
             `tests/bench/loopback-only.mjs` preloaded, which keeps it on 127.0.0.1 and hands it \
             upstream responses with mutable headers (its node build otherwise fails every \
             streamed request with \"TypeError: immutable\" under @hono/node-server).\n\n\
             | path | requests | TTFT p50 | TTFT p99 | overhead p50 | overhead p99 | stream end p50 | stream end p99 |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n",
            run.portkey_description
        ));
        let full = |name: &str, p: &Path, base: bool| {
            format!(
                "| {name} | {} | {} | {} | {} | {} | {} | {} |\n",
                p.first.len(),
                ms(percentile(&p.first, 50.0)),
                ms(percentile(&p.first, 99.0)),
                if base {
                    "—".into()
                } else {
                    format!("{:+.2} ms", overhead(&p.first, 50.0))
                },
                if base {
                    "—".into()
                } else {
                    format!("{:+.2} ms", overhead(&p.first, 99.0))
                },
                ms(percentile(&p.end, 50.0)),
                ms(percentile(&p.end, 99.0)),
            )
        };
        out.push_str(&full("fake upstream directly", &run.direct, true));
        out.push_str(&full(
            "Shopkeep (workerd, D1, Durable Object)",
            &run.ours,
            false,
        ));
        out.push_str(&full("Portkey (Node)", pk, false));
        let ours50 = overhead(&run.ours.first, 50.0);
        let theirs50 = overhead(&pk.first, 50.0);
        out.push_str(&format!(
            "\nRatio of TTFT p50 (Portkey / Shopkeep): **{}**; of added overhead p50: **{}**; of stream end p50: **{}**.\n",
            times(Some(ms_f64(percentile(&pk.first, 50.0))), Some(ms_f64(percentile(&run.ours.first, 50.0)))),
            times(Some(theirs50), Some(ours50)),
            times(Some(ms_f64(percentile(&pk.end, 50.0))), Some(ms_f64(percentile(&run.ours.end, 50.0)))),
        ));
    }
    format!(
        "The fake AI runtime (`tests/fake-upstream`, {chunk_delay_ms} ms between chunks) and the \
         gateway in `wrangler dev --local` (workerd, local D1) on loopback. Each round sends one \
         streamed request directly to the fake's `/v1/chat/completions` and one `POST /v1/chat` \
         through the gateway (a new session every {REQUESTS_PER_SESSION} messages, so stored \
         history grows as in a real conversation), rotating which goes first; {WARMUP} warm-up \
         rounds are discarded. Time is measured from opening the connection to the first byte \
         of content (`delta`) — the first non-empty `content` for the direct path, the first \
         `event: delta` for the gateway.\n\n{out}\n\
         Where the gateway's time before the stream goes, from its own `Server-Timing` header \
         (auth = token check, tenant = the tenant row (D1, cached per isolate for 2 s), limit = \
         the tenant's Durable Object admitting the request, store = user message and history in \
         one D1 batch, prompt = retrieval and prompt assembly); the rest is the upstream call \
         and relaying the first chunk.\n\n{}",
        phase_table(run)
    )
}

/// The gateway's own account of where the time before its stream went (Server-Timing,
/// millisecond resolution: the Workers clock only advances across I/O).
fn phase_table(run: &mut GatewayRun) -> String {
    let total_p50 = ms_f64(percentile(&run.ours.first, 50.0));
    let mut out = String::from(
        "| phase (Server-Timing) | p50 | p99 | share of gateway TTFT p50 |\n|---|---:|---:|---:|\n",
    );
    for name in [
        "auth",
        "tenant",
        "limit",
        "store",
        "d1",
        "upstream-head",
        "prompt",
    ] {
        let Some(samples) = run.phases.get_mut(name) else {
            continue;
        };
        samples.sort_unstable();
        let pick = |pct: f64| {
            samples[(((pct / 100.0) * samples.len() as f64).ceil() as usize)
                .clamp(1, samples.len())
                - 1]
        };
        let (p50, p99) = (pick(50.0), pick(99.0));
        let label = if name == "limit" {
            "limit (Durable Object round trip)"
        } else {
            name
        };
        out.push_str(&format!(
            "| {label} | {p50} ms | {p99} ms | {:.0}% |\n",
            if total_p50 > 0.0 {
                p50 as f64 * 100.0 / total_p50
            } else {
                0.0
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::client::has_delta;

    #[test]
    fn first_content_skips_the_empty_role_delta() {
        assert!(!openai_has_content(
            br#"data: {"choices":[{"delta":{"content":"","role":"assistant"}}]}"#
        ));
        assert!(openai_has_content(
            br#"data: {"choices":[{"delta":{"content":"Echo: "}}]}"#
        ));
        assert!(has_delta(
            b"event: start\ndata: {}\n\nevent: delta\ndata: {}\n\n"
        ));
        assert!(!has_delta(b"event: start\ndata: {}\n\n"));
    }

    #[test]
    fn server_timing_pairs_are_parsed() {
        assert_eq!(
            parse_server_timing("auth;dur=1, limit;dur=12,bad, x;desc=y"),
            vec![("auth".to_owned(), 1), ("limit".to_owned(), 12)]
        );
    }

    #[test]
    fn the_section_prints_overhead_and_the_portkey_ratio() {
        let mut run = GatewayRun::default();
        let d = Duration::from_millis;
        for _ in 0..10 {
            run.direct.push(d(3), d(40));
            run.ours.push(d(13), d(60));
        }
        let mut pk = Path::default();
        for _ in 0..10 {
            pk.push(d(33), d(90));
        }
        run.portkey = Some(pk);
        let text = section(&mut run, 2);
        assert!(text.contains("**+10.00 ms**"), "{text}");
        assert!(text.contains("of added overhead p50: **3.0×**"), "{text}");
    }
}
