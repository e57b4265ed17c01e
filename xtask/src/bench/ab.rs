//! Two gateway builds side by side (`cargo xtask bench --sections gateway --baseline DIR`):
//! on a shared, noisy machine, runs of one build after the other differ by more than the
//! change being measured (another helper's build doubles every latency). Here the baseline
//! build (saved earlier with `--save-baseline DIR`) and this checkout's build run at the same
//! time, against the same fake upstream, in interleaved rounds, so load hits both alike.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use super::client;
use super::observe::group_usage;
use super::speed::{at_once, direct_first, gateway_first, openai_body, BURST_STREAMS};
use super::stats::{ms, percentile};
use super::ttft::{parse_server_timing, REQUESTS_PER_SESSION};
use crate::error::{fail, IoContext, Result};
use crate::harness::{
    apply_migrations, free_port, seed_tenant, start_wrangler, Stack, WranglerOptions,
};
use crate::paths::Paths;
use crate::process::Service;

/// What a saved baseline holds: enough for `wrangler dev` to run that build.
const SAVED: [&str; 4] = ["wrangler.toml", "edge-gateway/build", "dist", "migrations"];

/// Copies this checkout's built gateway (and what wrangler needs to run it) to `dir`.
pub(crate) fn save_baseline(paths: &Paths, dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(|| format!("removing {}", dir.display()))?;
    }
    for item in SAVED {
        copy_tree(&paths.at(item), &dir.join(item))?;
    }
    let modules = fs::canonicalize(paths.at("node_modules"))
        .context(|| "resolving node_modules".to_owned())?;
    std::os::unix::fs::symlink(modules, dir.join("node_modules"))
        .context(|| format!("linking node_modules into {}", dir.display()))?;
    let head = crate::process::output(
        std::process::Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(&paths.root),
    )
    .unwrap_or_default();
    let dirty = crate::process::output(
        std::process::Command::new("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .current_dir(&paths.root),
    )
    .unwrap_or_default();
    let label = format!(
        "{}{}",
        head.trim(),
        if dirty.trim().is_empty() {
            ""
        } else {
            " + uncommitted changes"
        }
    );
    fs::write(dir.join("LABEL"), &label).context(|| "writing LABEL".to_owned())?;
    println!(
        "bench: saved the gateway build ({label}) to {}",
        dir.display()
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    if from.is_dir() {
        fs::create_dir_all(to).context(|| format!("creating {}", to.display()))?;
        for entry in fs::read_dir(from).context(|| format!("reading {}", from.display()))? {
            let entry = entry.context(|| format!("reading {}", from.display()))?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).context(|| format!("creating {}", parent.display()))?;
        }
        fs::copy(from, to)
            .map(|_| ())
            .context(|| format!("copying {}", from.display()))
    }
}

/// Samples of the two builds and the direct path.
#[derive(Debug, Default)]
pub(crate) struct AbRun {
    label: String,
    rounds: usize,
    direct: Vec<Duration>,
    base: Vec<Duration>,
    ours: Vec<Duration>,
    base_store: Vec<u64>,
    ours_store: Vec<u64>,
    burst_direct: Vec<Duration>,
    burst_base: Vec<Duration>,
    burst_ours: Vec<Duration>,
    cpu_base_ms: Vec<f64>,
    cpu_ours_ms: Vec<f64>,
    load: (f64, f64),
}

fn load_average() -> f64 {
    let mut text = String::new();
    let _ = fs::File::open("/proc/loadavg").and_then(|mut f| f.read_to_string(&mut text));
    text.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context(|| "reading /dev/urandom".to_owned())?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Measured single-turn rounds per build.
const CPU_BLOCK: usize = 25;
const CPU_BLOCKS: usize = 4;
const BURST_ROUNDS: usize = 10;

/// Runs the baseline in `dir` next to `stack` (this build) and compares them.
pub(crate) fn measure(paths: &Paths, stack: &Stack, dir: &Path, requests: usize) -> Result<AbRun> {
    if !dir.join("edge-gateway/build").is_dir() {
        return fail(format!(
            "{} holds no saved gateway build (make one with `cargo xtask bench --save-baseline {}` \
             on the baseline checkout)",
            dir.display(),
            dir.display()
        ));
    }
    let label = fs::read_to_string(dir.join("LABEL")).unwrap_or_else(|_| "baseline".into());
    let base_paths = Paths {
        root: dir.to_path_buf(),
        tools: paths.tools.clone(),
    };
    let state = crate::harness::temp_dir("shopkeep-bench-baseline")?;
    apply_migrations(&base_paths, Some(&state))?;
    let platform_secret = random_hex()?;
    let port = free_port()?;
    let options = WranglerOptions {
        port,
        persist_to: Some(state.clone()),
        vars: vec![
            ("MASTER_SECRET".into(), random_hex()?),
            ("AI_IDLE_TIMEOUT_MS".into(), "3000".into()),
            ("AI_FIRST_BYTE_TIMEOUT_MS".into(), "5000".into()),
            ("AI_MAX_ANSWER_MS".into(), "15000".into()),
            (
                "AI_FALLBACK_BASE_URL".into(),
                format!("{}/v1", stack.upstream),
            ),
            ("AI_FALLBACK_MODEL".into(), "fake-normal".into()),
            ("PLATFORM_SECRET".into(), platform_secret.clone()),
            ("AI_BASE_URL".into(), format!("{}/v1", stack.upstream)),
            ("AI_MODEL".into(), "fake-normal".into()),
            ("ALLOW_PRIVATE_FETCH".into(), "1".into()),
        ],
        log: Some(state.join("wrangler.log")),
    };
    let base: Service = start_wrangler(&base_paths, &options)?;
    let base_origin = format!("http://127.0.0.1:{port}");
    let result = run(
        paths,
        stack,
        &base,
        &base_origin,
        &platform_secret,
        requests,
    );
    drop(base);
    let _ = fs::remove_dir_all(&state);
    result.map(|mut r| {
        r.label = label.trim().to_owned();
        r
    })
}

fn run(
    paths: &Paths,
    stack: &Stack,
    base: &Service,
    base_origin: &str,
    base_secret: &str,
    requests: usize,
) -> Result<AbRun> {
    let ours_origin = stack.gateway.as_str();
    client::seed(
        paths,
        stack,
        "bench",
        std::slice::from_ref(&stack.gateway),
        50,
    )?;
    let tenant = client::bench_tenant(paths, "bench", &[base_origin.to_owned()], 50)?;
    seed_tenant(base_origin, base_secret, &tenant)?;
    let direct_url = format!("{}/v1/chat/completions", stack.upstream);
    let mut out = AbRun {
        rounds: requests,
        load: (load_average(), 0.0),
        ..AbRun::default()
    };
    let gateways = [base_origin, ours_origin];

    // Single turns: direct, baseline, ours, rotating the order.
    let mut tokens = [String::new(), String::new()];
    for i in 0..10 + requests {
        if i % REQUESTS_PER_SESSION == 0 {
            for (k, origin) in gateways.iter().enumerate() {
                tokens[k] = client::session(origin, "bench")?.token;
            }
        }
        let message = format!("How long does shipping take? (a/b request {i})");
        let mut got: [Option<(Duration, Option<u64>)>; 3] = [None, None, None];
        for k in 0..3 {
            let which = (i + k) % 3;
            got[which] = Some(match which {
                0 => (direct_first(&direct_url, &openai_body(&message))?, None),
                g => {
                    let turn = gateway_first(
                        gateways[g - 1],
                        &tokens[g - 1],
                        &message,
                        &format!("m_ab_{i:06}"),
                    )?;
                    let store = parse_server_timing(turn.server_timing.as_deref().unwrap_or(""))
                        .into_iter()
                        .find(|(n, _)| n == "store")
                        .map(|(_, d)| d);
                    (turn.first_delta.unwrap_or_default(), store)
                }
            });
        }
        if i < 10 {
            continue;
        }
        let [d, b, o] = got.map(|g| g.unwrap_or_default());
        out.direct.push(d.0);
        out.base.push(b.0);
        out.ours.push(o.0);
        out.base_store.extend(b.1);
        out.ours_store.extend(o.1);
        if (i + 1) % 50 == 0 {
            println!("bench: a/b round {} / {}", i + 1, 10 + requests);
        }
    }

    // Bursts: 16 at once, direct / baseline / ours, rotating.
    for round in 0..1 + BURST_ROUNDS {
        let tokens: Vec<Vec<String>> = gateways
            .iter()
            .map(|origin| {
                (0..BURST_STREAMS)
                    .map(|_| client::session(origin, "bench").map(|s| s.token))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<_>>()?;
        for k in 0..3 {
            let which = (round + k) % 3;
            let samples = match which {
                0 => at_once(|s| {
                    direct_first(
                        &direct_url,
                        &openai_body(&format!("How long does shipping take? ({round}/{s})")),
                    )
                })?,
                g => at_once(|s| {
                    gateway_first(
                        gateways[g - 1],
                        &tokens[g - 1][s],
                        &format!("How long does shipping take? ({round}/{s})"),
                        &format!("m_abburst_{round:03}_{s:02}"),
                    )
                    .map(|t| t.first_delta.unwrap_or_default())
                })?,
            };
            if round == 0 {
                continue;
            }
            match which {
                0 => out.burst_direct.extend(samples),
                1 => out.burst_base.extend(samples),
                _ => out.burst_ours.extend(samples),
            }
        }
    }
    println!("bench: a/b bursts done");

    // CPU per turn, in alternating blocks.
    let groups = [base.pid(), stack.gateway_group()];
    for block in 0..CPU_BLOCKS * 2 {
        let g = block % 2;
        let origin = gateways[g];
        let tokens: Vec<String> = (0..CPU_BLOCK.div_ceil(REQUESTS_PER_SESSION))
            .map(|_| client::session(origin, "bench").map(|s| s.token))
            .collect::<Result<_>>()?;
        std::thread::sleep(Duration::from_millis(200));
        let before = group_usage(groups[g]);
        for i in 0..CPU_BLOCK {
            gateway_first(
                origin,
                &tokens[i / REQUESTS_PER_SESSION],
                &format!("How long does shipping take? (cpu {block}/{i})"),
                &format!("m_abcpu_{block:02}_{i:03}"),
            )?;
        }
        let after = group_usage(groups[g]);
        let per_turn = (after.worker.cpu_s - before.worker.cpu_s) * 1000.0 / CPU_BLOCK as f64;
        if g == 0 {
            out.cpu_base_ms.push(per_turn);
        } else {
            out.cpu_ours_ms.push(per_turn);
        }
    }
    out.load.1 = load_average();
    Ok(out)
}

/// The side-by-side markdown.
pub(crate) fn section(run: &mut AbRun) -> String {
    for v in [
        &mut run.direct,
        &mut run.base,
        &mut run.ours,
        &mut run.burst_direct,
        &mut run.burst_base,
        &mut run.burst_ours,
    ] {
        v.sort();
    }
    run.base_store.sort_unstable();
    run.ours_store.sort_unstable();
    let added = |path: &[Duration], direct: &[Duration], pct: f64| {
        (percentile(path, pct).as_secs_f64() - percentile(direct, pct).as_secs_f64()) * 1000.0
    };
    let p50_u64 = |v: &[u64]| {
        v.get(v.len().div_ceil(2).saturating_sub(1))
            .map_or("—".to_owned(), |x| format!("{x} ms"))
    };
    let median = |v: &[f64]| super::stats::median(v).map_or("—".into(), |m| format!("{m:.1} ms"));
    let row = |name: &str, path: &[Duration], direct: &[Duration], store: &str| {
        format!(
            "| {name} | {} | {} | {:+.2} ms | {:+.2} ms | {store} |\n",
            ms(percentile(path, 50.0)),
            ms(percentile(path, 99.0)),
            added(path, direct, 50.0),
            added(path, direct, 99.0),
        )
    };
    let mut out = format!(
        "### Side by side: baseline build vs this build\n\n\
         `--baseline`: the build saved earlier (**{}**) and this checkout's build run at the \
         same time in two `wrangler dev` processes against the same fake upstream; every round \
         sends one turn to each and one request directly, rotating the order ({} rounds after \
         10 warm-up rounds). Load average during the run: {:.1} → {:.1}.\n\n\
         | single turn | TTFT p50 | TTFT p99 | added p50 | added p99 | store (Server-Timing) p50 |\n\
         |---|---:|---:|---:|---:|---:|\n",
        run.label, run.rounds, run.load.0, run.load.1
    );
    out.push_str(&row(
        "fake upstream directly",
        &run.direct,
        &run.direct,
        "—",
    ));
    out.push_str(&row(
        "baseline build",
        &run.base,
        &run.direct,
        &p50_u64(&run.base_store),
    ));
    out.push_str(&row(
        "this build",
        &run.ours,
        &run.direct,
        &p50_u64(&run.ours_store),
    ));
    out.push_str(&format!(
        "\n| {BURST_STREAMS}-stream burst ({BURST_ROUNDS} rounds) | TTFT p50 | TTFT p99 | added p50 | added p99 | |\n\
         |---|---:|---:|---:|---:|---|\n"
    ));
    out.push_str(&row(
        "fake upstream directly",
        &run.burst_direct,
        &run.burst_direct,
        "",
    ));
    out.push_str(&row(
        "baseline build",
        &run.burst_base,
        &run.burst_direct,
        "",
    ));
    out.push_str(&row("this build", &run.burst_ours, &run.burst_direct, ""));
    out.push_str(&format!(
        "\nCPU per turn of the worker's workerd (worker + local D1 + Durable Object; /proc), \
         {CPU_BLOCKS} alternating blocks of {CPU_BLOCK} turns each, median of the blocks: \
         baseline **{}** (blocks: {}), this build **{}** (blocks: {}).\n",
        median(&run.cpu_base_ms),
        list(&run.cpu_base_ms),
        median(&run.cpu_ours_ms),
        list(&run.cpu_ours_ms),
    ));
    out
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_compares_both_builds_against_direct() {
        let d = Duration::from_millis;
        let mut run = AbRun {
            label: "abc123".into(),
            rounds: 2,
            direct: vec![d(3), d(3)],
            base: vec![d(14), d(14)],
            ours: vec![d(9), d(9)],
            base_store: vec![5, 5],
            ours_store: vec![4, 4],
            burst_direct: vec![d(5); 4],
            burst_base: vec![d(95); 4],
            burst_ours: vec![d(45); 4],
            cpu_base_ms: vec![16.0, 17.0],
            cpu_ours_ms: vec![9.0, 10.0],
            load: (1.0, 2.0),
        };
        let text = section(&mut run);
        assert!(text.contains("**abc123**"), "{text}");
        assert!(
            text.contains("| baseline build | 14.00 ms | 14.00 ms | +11.00 ms"),
            "{text}"
        );
        assert!(
            text.contains("| this build | 9.00 ms | 9.00 ms | +6.00 ms | +6.00 ms | 4 ms |"),
            "{text}"
        );
        assert!(
            text.contains("| this build | 45.00 ms | 45.00 ms | +40.00 ms"),
            "{text}"
        );
        assert!(text.contains("baseline **16.5 ms**"), "{text}");
        assert!(text.contains("this build **9.5 ms**"), "{text}");
    }
}
