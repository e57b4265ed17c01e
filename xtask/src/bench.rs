//! `cargo xtask bench`: the widget's weight against its budget, and the gateway's
//! time-to-first-token overhead against calling the fake AI runtime directly. Results go to
//! docs/BENCHMARKS.md with the machine and the command. Timings are medians and tails over
//! many requests, never pass/fail thresholds.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};

use crate::build::{build, BuildOptions};
use crate::error::{fail, IoContext, Result};
use crate::harness::{demo_tenant, seed_tenant, tenant_body, Stack};
use crate::http;
use crate::paths::{Paths, WIDGET_STEM};
use crate::setup::setup;

/// Budget for embed.js, gzip bytes (SPEC §8).
const EMBED_BUDGET_GZIP: u64 = 2 * 1024;
/// Budget for everything needed for an interactive chat, gzip bytes (SPEC §8).
const TOTAL_BUDGET_GZIP: u64 = 60 * 1024;
/// The fake upstream's pause between chunks while benchmarking: small, so the measurement is
/// dominated by what the gateway adds.
const BENCH_CHUNK_DELAY_MS: u64 = 2;
/// Chat requests per gateway session (a realistic conversation length; history grows).
const REQUESTS_PER_SESSION: usize = 10;

/// Bench options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BenchOptions {
    /// Streamed requests per path (direct and through the gateway).
    pub(crate) requests: usize,
    /// Only the weight table (no gateway run).
    pub(crate) weight_only: bool,
    /// Reuse the existing dist/ and gateway build.
    pub(crate) no_build: bool,
}

/// Sizes of one file.
#[derive(Debug, Clone)]
struct Weight {
    label: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// Size after `gzip -9` — the real tool when it is installed (the table says "gzip -9", and
/// GNU gzip's output is a few hundred bytes smaller than miniz's level 9 on the wasm), else
/// flate2 at its best level.
fn gzip_len(bytes: &[u8]) -> Result<u64> {
    if let Some(len) = gnu_gzip_len(bytes) {
        return Ok(len);
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).context(|| "gzip".into())?;
    Ok(encoder.finish().context(|| "gzip".into())?.len() as u64)
}

fn gnu_gzip_len(bytes: &[u8]) -> Option<u64> {
    use std::process::Stdio;
    let mut child = Command::new("gzip")
        .args(["-9", "-c", "-n"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

fn brotli_len(bytes: &[u8]) -> Result<u64> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes).context(|| "brotli".into())?;
    }
    Ok(out.len() as u64)
}

fn weigh(label: &str, file: &Path) -> Result<Weight> {
    let bytes = fs::read(file).context(|| format!("reading {}", file.display()))?;
    Ok(Weight {
        label: label.to_owned(),
        raw: bytes.len() as u64,
        gzip: gzip_len(&bytes)?,
        brotli: brotli_len(&bytes)?,
    })
}

fn widget_dir(paths: &Paths) -> Result<PathBuf> {
    let root = paths.at("dist/widget");
    let mut versions: Vec<PathBuf> = fs::read_dir(&root)
        .context(|| format!("listing {} (run `cargo xtask build`)", root.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    versions.sort();
    match versions.pop() {
        Some(dir) if versions.is_empty() => Ok(dir),
        Some(_) => fail("dist/widget holds several versions; rebuild with `cargo xtask build`"),
        None => fail("dist/widget is empty; run `cargo xtask build`"),
    }
}

fn weights(paths: &Paths) -> Result<Vec<Weight>> {
    let dir = widget_dir(paths)?;
    let mut rows = vec![
        weigh("embed.js", &paths.at("dist/embed.js"))?,
        weigh("widget glue (JS)", &dir.join(format!("{WIDGET_STEM}.js")))?,
        weigh("widget (wasm)", &dir.join(format!("{WIDGET_STEM}_bg.wasm")))?,
    ];
    for entry in fs::read_dir(&dir).context(|| format!("listing {}", dir.display()))? {
        let path = entry
            .context(|| format!("listing {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "css") {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            rows.push(weigh(&format!("widget CSS ({name})"), &path)?);
        }
    }
    Ok(rows)
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

fn weight_table(rows: &[Weight]) -> String {
    let mut out = String::from("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.label, row.raw, row.gzip, row.brotli
        ));
    }
    let total = |f: fn(&Weight) -> u64| rows.iter().map(f).sum::<u64>();
    out.push_str(&format!(
        "| **total for an interactive chat** | {} | **{}** ({}) | {} |\n",
        total(|w| w.raw),
        total(|w| w.gzip),
        kb(total(|w| w.gzip)),
        total(|w| w.brotli)
    ));
    let embed = rows.first().map(|w| w.gzip).unwrap_or(0);
    let verdict = |value: u64, budget: u64| {
        if value <= budget {
            "within budget"
        } else {
            "**over budget**"
        }
    };
    out.push_str(&format!(
        "\nBudgets (SPEC §8, gzip): embed.js ≤ {} → {} ({}); total ≤ {} → {} ({}).\n",
        kb(EMBED_BUDGET_GZIP),
        kb(embed),
        verdict(embed, EMBED_BUDGET_GZIP),
        kb(TOTAL_BUDGET_GZIP),
        kb(total(|w| w.gzip)),
        verdict(total(|w| w.gzip), TOTAL_BUDGET_GZIP)
    ));
    out
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], pct: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// The first non-empty `content` delta of an OpenAI stream has arrived.
fn openai_has_content(body: &[u8]) -> bool {
    const KEY: &[u8] = b"\"content\":\"";
    body.windows(KEY.len() + 1)
        .any(|window| window.starts_with(KEY) && window[KEY.len()] != b'"')
}

/// The first `delta` event of the gateway's stream has arrived.
fn gateway_has_delta(body: &[u8]) -> bool {
    body.windows(12).any(|window| window == b"event: delta")
}

/// TTFT samples, direct and through the gateway.
#[derive(Debug, Default)]
struct Ttft {
    direct: Vec<Duration>,
    gateway: Vec<Duration>,
    /// Server-Timing phases of the gateway's answers, in whole ms.
    phases: std::collections::BTreeMap<String, Vec<u64>>,
}

fn json_body(response: &http::Response) -> Value {
    serde_json::from_slice(&response.body).unwrap_or(Value::Null)
}

fn measure_ttft(paths: &Paths, stack: &Stack, requests: usize) -> Result<Ttft> {
    let mut tenant = tenant_body(
        &demo_tenant(paths)?,
        "bench",
        std::slice::from_ref(&stack.gateway),
    );
    // One client sends every request, so per-session and per-IP limits must not interfere.
    tenant["limits"] = json!({
        "tenant_requests_per_minute": 10000,
        "session_requests_per_minute": 10000,
        "ip_requests_per_minute": 10000,
        "max_concurrent_streams": 50,
        "daily_token_budget": 100000000,
        "routes": {"session": {"ip_per_minute": 10000, "tenant_per_minute": 10000}}
    });
    seed_tenant(&stack.gateway, &stack.platform_secret, &tenant)?;

    let origin = stack.gateway.as_str();
    let new_session = || -> Result<String> {
        let response = http::request(
            "POST",
            &format!("{origin}/v1/sessions"),
            &[("Origin", origin), ("Content-Type", "application/json")],
            json!({"tenant_id": "bench"}).to_string().as_bytes(),
        )?;
        match json_body(&response)["token"].as_str() {
            Some(token) if response.status == 201 || response.status == 200 => Ok(token.to_owned()),
            _ => fail(format!(
                "POST /v1/sessions answered {}: {}",
                response.status,
                response.text()
            )),
        }
    };
    let direct_url = format!("{}/v1/chat/completions", stack.upstream);
    let chat_url = format!("{origin}/v1/chat");
    let warmup = 10;
    let mut ttft = Ttft::default();
    let mut token = String::new();
    for i in 0..warmup + requests {
        if i % REQUESTS_PER_SESSION == 0 {
            token = new_session()?;
        }
        let message = format!("How long does shipping take? (benchmark request {i})");
        let direct_body = json!({
            "model": "fake-normal",
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": [{"role": "user", "content": message}],
        })
        .to_string();
        let auth = format!("Bearer {token}");
        let chat_body =
            json!({"message": message, "client_message_id": format!("m_bench_{i:06}")}).to_string();
        // Alternate which path goes first so drift (caches, CPU frequency) hits both equally.
        let direct = || {
            http::time_to_first(
                "POST",
                &direct_url,
                &[("Content-Type", "application/json")],
                direct_body.as_bytes(),
                openai_has_content,
            )
        };
        let gateway = || {
            http::time_to_first(
                "POST",
                &chat_url,
                &[
                    ("Content-Type", "application/json"),
                    ("Origin", origin),
                    ("Authorization", &auth),
                ],
                chat_body.as_bytes(),
                gateway_has_delta,
            )
        };
        let (d, g) = if i % 2 == 0 {
            let d = direct()?;
            (d, gateway()?)
        } else {
            let g = gateway()?;
            (direct()?, g)
        };
        let (Some(d_first), Some(g_first)) = (d.first_marker, g.first_marker) else {
            return fail(format!(
                "request {i}: no first token (direct status {}, gateway status {})",
                d.status, g.status
            ));
        };
        if i >= warmup {
            ttft.direct.push(d_first);
            ttft.gateway.push(g_first);
            for (phase, dur) in parse_server_timing(g.server_timing.as_deref().unwrap_or("")) {
                ttft.phases.entry(phase).or_default().push(dur);
            }
        }
        if (i + 1) % 50 == 0 {
            println!("bench: {} / {} request pairs", i + 1, warmup + requests);
        }
    }
    Ok(ttft)
}

/// `name;dur=ms` pairs of a `Server-Timing` header.
fn parse_server_timing(header: &str) -> Vec<(String, u64)> {
    header
        .split(',')
        .filter_map(|part| {
            let (name, params) = part.trim().split_once(';')?;
            let dur = params.trim().strip_prefix("dur=")?.parse().ok()?;
            Some((name.trim().to_owned(), dur))
        })
        .collect()
}

/// The gateway's own account of where the time before its stream went (Server-Timing,
/// millisecond resolution: the Workers clock only advances across I/O).
fn phase_table(ttft: &mut Ttft) -> String {
    let total_p50 = {
        ttft.gateway.sort();
        percentile(&ttft.gateway, 50.0).as_secs_f64() * 1000.0
    };
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
        let Some(samples) = ttft.phases.get_mut(name) else {
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

fn ttft_table(ttft: &mut Ttft) -> String {
    ttft.direct.sort();
    ttft.gateway.sort();
    let row = |name: &str, samples: &[Duration]| {
        format!(
            "| {name} | {} | {} | {} |\n",
            samples.len(),
            ms(percentile(samples, 50.0)),
            ms(percentile(samples, 99.0))
        )
    };
    let diff = |pct: f64| {
        let (g, d) = (
            percentile(&ttft.gateway, pct),
            percentile(&ttft.direct, pct),
        );
        let delta = g.as_secs_f64() - d.as_secs_f64();
        format!("{:+.2} ms", delta * 1000.0)
    };
    let mut out = String::from("| path | requests | p50 | p99 |\n|---|---:|---:|---:|\n");
    out.push_str(&row("fake upstream directly", &ttft.direct));
    out.push_str(&row("through the gateway (workerd)", &ttft.gateway));
    out.push_str(&format!(
        "| **gateway overhead** | | **{}** | **{}** |\n",
        diff(50.0),
        diff(99.0)
    ));
    out
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "- date: {}\n- CPU: {cpu}, {cores} logical core(s) available (`nproc`)\n- OS: {}\n- Rust: {}\n",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command_output("uname", &["-sr"]),
        command_output("rustc", &["--version"]),
    )
}

/// Runs the benchmarks and writes docs/BENCHMARKS.md.
pub(crate) fn bench(paths: &Paths, options: BenchOptions) -> Result<()> {
    if !options.no_build {
        setup(paths)?;
        build(
            paths,
            BuildOptions {
                gateway: !options.weight_only,
            },
        )?;
    }
    let weight = weight_table(&weights(paths)?);
    println!("\n{weight}");

    let ttft_section = if options.weight_only {
        "Not measured in this run (`--weight-only`).\n".to_owned()
    } else {
        let stack = Stack::start(paths, "shopkeep-bench", BENCH_CHUNK_DELAY_MS)?;
        match measure_ttft(paths, &stack, options.requests) {
            Ok(mut ttft) => {
                let dir = stack.dir.clone();
                drop(stack);
                let _ = fs::remove_dir_all(dir);
                let table = ttft_table(&mut ttft);
                format!(
                    "{table}\nWhere the gateway's time before the stream goes, from its own \
                     `Server-Timing` header (auth = token check, tenant = the tenant row (D1, cached per isolate for 2 s), \
                     limit = the tenant's Durable Object admitting the request, store = user \
                     message and history in one D1 batch, prompt = retrieval and prompt \
                     assembly); the rest is the upstream call and relaying the first chunk.\n\n{}",
                    phase_table(&mut ttft)
                )
            }
            Err(err) => {
                stack.print_logs();
                eprintln!("bench: logs and state kept in {}", stack.dir.display());
                return Err(err);
            }
        }
    };
    println!("{ttft_section}");

    let mut command = String::from("cargo xtask bench");
    if options.weight_only {
        command.push_str(" --weight-only");
    }
    if options.requests != DEFAULT_REQUESTS {
        command.push_str(&format!(" --requests {}", options.requests));
    }
    let report = format!(
        "# Benchmarks\n\n\
         Written by `{command}` — rerun it to refresh this page. Numbers are from one run on \
         the machine below; compare runs on the same machine only.\n\n\
         ## Machine\n\n{machine}\n\
         ## Widget weight\n\n\
         Everything a shopper downloads to get an interactive chat, in bytes, from `dist/` after \
         `cargo xtask build` (release, `wasm-opt -Oz`, esbuild-minified loader). The lightest \
         whole-widget peers ship ~200–280 KB gzip.\n\n{weight}\n\
         ## Gateway time-to-first-token overhead\n\n\
         The fake AI runtime (`tests/fake-upstream`, {BENCH_CHUNK_DELAY_MS} ms between chunks) \
         and the gateway in `wrangler dev --local` (workerd, local D1) on loopback. Each round \
         sends one streamed request directly to the fake's `/v1/chat/completions` and one \
         `POST /v1/chat` through the gateway (a new session every {REQUESTS_PER_SESSION} \
         messages, so stored history grows as in a real conversation), alternating which goes \
         first; 10 warm-up rounds are discarded. Time is measured from opening the connection \
         to the first byte of content (`delta`) — the first non-empty `content` for the direct \
         path, the first `event: delta` for the gateway.\n\n{ttft_section}",
        machine = machine(),
    );
    let file = paths.at("docs/BENCHMARKS.md");
    // The fuzzing section belongs to `cargo xtask fuzz`: keep it.
    let previous = fs::read_to_string(&file).unwrap_or_default();
    let report = match crate::fuzz::existing_section(&previous) {
        Some(section) => crate::fuzz::with_section(&report, &section),
        None => report,
    };
    fs::write(&file, report).context(|| format!("writing {}", file.display()))?;
    println!("bench: wrote {}", file.display());
    Ok(())
}

/// Default number of streamed requests per path.
pub(crate) const DEFAULT_REQUESTS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&samples[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn first_content_skips_the_empty_role_delta() {
        assert!(!openai_has_content(
            br#"data: {"choices":[{"delta":{"content":"","role":"assistant"}}]}"#
        ));
        assert!(openai_has_content(
            br#"data: {"choices":[{"delta":{"content":"Echo: "}}]}"#
        ));
        assert!(gateway_has_delta(
            b"event: start\ndata: {}\n\nevent: delta\ndata: {}\n\n"
        ));
        assert!(!gateway_has_delta(b"event: start\ndata: {}\n\n"));
    }

    #[test]
    fn compressed_sizes_are_smaller_for_repetitive_input() {
        let input = vec![b'a'; 10_000];
        assert!(gzip_len(&input).unwrap() < 200);
        assert!(brotli_len(&input).unwrap() < 200);
    }

    #[test]
    fn weight_table_flags_budgets() {
        let rows = vec![
            Weight {
                label: "embed.js".into(),
                raw: 4000,
                gzip: 1500,
                brotli: 1300,
            },
            Weight {
                label: "widget (wasm)".into(),
                raw: 300_000,
                gzip: 70_000,
                brotli: 60_000,
            },
        ];
        let table = weight_table(&rows);
        assert!(
            table.contains("embed.js ≤ 2.0 KB → 1.5 KB (within budget)"),
            "{table}"
        );
        assert!(table.contains("**over budget**"), "{table}");
    }
}
