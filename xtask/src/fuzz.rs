//! `cargo xtask fuzz [--seconds N] [--target NAME]`: runs the cargo-fuzz targets in `fuzz/`
//! for a bounded time each (the pinned nightly of [`crate::toolchain`], cargo-fuzz pinned in
//! the tool cache) and records executions, speed and crashes in docs/BENCHMARKS.md's
//! "Fuzzing" section.

use crate::error::{fail, IoContext, Result};
use crate::paths::Paths;
use crate::setup::cargo_tool;
use crate::toolchain::{self, PINNED_NIGHTLY};
use std::fs;
use std::process::Command;

/// The pinned cargo-fuzz.
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Heading of the section this command owns in docs/BENCHMARKS.md.
pub(crate) const SECTION: &str = "## Fuzzing";

/// One target's result.
#[derive(Debug, PartialEq)]
struct Run {
    target: String,
    executions: u64,
    per_second: u64,
    crashed: bool,
}

/// Reads libFuzzer's final statistics (`-print_final_stats=1`).
fn parse_stats(target: &str, output: &str, crashed: bool) -> Run {
    let mut run = Run {
        target: target.to_owned(),
        executions: 0,
        per_second: 0,
        crashed,
    };
    for line in output.lines().filter(|l| l.starts_with('#')) {
        let mut words = line.split_whitespace();
        if let Some(n) = words.next().and_then(|w| w[1..].parse().ok()) {
            run.executions = n;
        }
        if let Some(pos) = line.find("exec/s: ") {
            if let Some(v) = line[pos + 8..]
                .split_whitespace()
                .next()
                .and_then(|v| v.parse().ok())
            {
                run.per_second = v;
            }
        }
    }
    run
}

fn targets(paths: &Paths) -> Result<Vec<String>> {
    let dir = paths.at("fuzz/fuzz_targets");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .context(|| format!("listing {}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            entry
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Runs every target (or one) for `seconds` each.
pub(crate) fn fuzz(paths: &Paths, seconds: u64, only: Option<&str>) -> Result<bool> {
    let mut done = Vec::new();
    cargo_tool(
        paths,
        "cargo-fuzz",
        CARGO_FUZZ_VERSION,
        &["cargo-fuzz"],
        &mut done,
    )?;
    if !toolchain::pinned_present() {
        return fail(format!(
            "cargo xtask fuzz needs {PINNED_NIGHTLY}: run `cargo xtask setup` (it runs `{}`)",
            toolchain::install_command()
        ));
    }
    let bin = paths
        .tool_root("cargo-fuzz", CARGO_FUZZ_VERSION)
        .join("bin");
    let mut path = vec![bin];
    if let Some(existing) = std::env::var_os("PATH") {
        path.extend(std::env::split_paths(&existing));
    }
    let path = std::env::join_paths(path).unwrap_or_default();
    let mut runs = Vec::new();
    for target in targets(paths)? {
        if only.is_some_and(|o| o != target) {
            continue;
        }
        let mut cmd = Command::new("cargo");
        cmd.current_dir(paths.at("fuzz"))
            .env("PATH", &path)
            .arg(toolchain::cargo_selector())
            .args(["fuzz", "run", &target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1");
        // libFuzzer reports on stderr; keep both streams and show the tail.
        println!("$ cargo +{PINNED_NIGHTLY} fuzz run {target} -- -max_total_time={seconds}");
        let out = cmd
            .output()
            .context(|| format!("running cargo fuzz for {target}"))?;
        let success = out.status.success();
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for line in output
            .lines()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            println!("  {line}");
        }
        if !success && output.contains("failed to build fuzz script") {
            return fail(format!(
                "fuzz target {target} did not build (see above); nothing recorded"
            ));
        }
        runs.push(parse_stats(&target, &output, !success));
    }
    if runs.is_empty() {
        return fail(format!("no fuzz target named {}", only.unwrap_or("?")));
    }
    let table = table(&runs, seconds);
    println!("\n{table}");
    record(paths, &table)?;
    Ok(runs.iter().all(|r| !r.crashed))
}

fn table(runs: &[Run], seconds: u64) -> String {
    let mut out = format!(
        "{SECTION}\n\n`cargo xtask fuzz --seconds {seconds}` (cargo-fuzz {CARGO_FUZZ_VERSION}, libFuzzer, {PINNED_NIGHTLY}) \
         on the machine above; crashes are kept in `fuzz/artifacts/<target>/`.\n\n\
         | target | executions | exec/s | crashes |\n|---|---:|---:|---:|\n"
    );
    for run in runs {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            run.target,
            run.executions,
            run.per_second,
            u8::from(run.crashed)
        ));
    }
    out
}

/// Replaces (or appends) the fuzzing section of docs/BENCHMARKS.md.
fn record(paths: &Paths, section: &str) -> Result<()> {
    let file = paths.at("docs/BENCHMARKS.md");
    let old = fs::read_to_string(&file).unwrap_or_default();
    fs::write(&file, with_section(&old, section)).context(|| format!("writing {}", file.display()))
}

/// `text` with its `## Fuzzing` section (up to the next `## ` heading) replaced by `section`.
pub(crate) fn with_section(text: &str, section: &str) -> String {
    let Some(start) = text.find(SECTION) else {
        return format!("{}\n\n{}", text.trim_end(), section.trim_end()) + "\n";
    };
    let after = &text[start + SECTION.len()..];
    let end = after
        .find("\n## ")
        .map(|i| start + SECTION.len() + i + 1)
        .unwrap_or(text.len());
    format!(
        "{}{}\n{}",
        &text[..start],
        section.trim_end(),
        if end < text.len() {
            format!("\n{}", &text[end..])
        } else {
            String::new()
        }
    )
}

/// The fuzzing section of an existing report, to keep it when the bench rewrites the file.
pub(crate) fn existing_section(text: &str) -> Option<String> {
    let start = text.find(SECTION)?;
    let after = &text[start + SECTION.len()..];
    let end = after
        .find("\n## ")
        .map(|i| start + SECTION.len() + i + 1)
        .unwrap_or(text.len());
    Some(text[start..end].trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_stats_are_read_from_libfuzzer_output() {
        let out =
            "#391934\tDONE   cov: 402 ft: 1203 corp: 210/9Kb lim: 4096 exec/s: 6425 rss: 80Mb\n\
                   ###### Recommended dictionary. ######\nDone 391934 runs in 61 second(s)\n\
                   stat::number_of_executed_units: 391934\nstat::average_exec_per_sec:     6425\n";
        let run = parse_stats("session_token", out, false);
        assert_eq!(
            run,
            Run {
                target: "session_token".into(),
                executions: 391_934,
                per_second: 6425,
                crashed: false
            }
        );
    }

    #[test]
    fn the_section_is_replaced_in_place_or_appended() {
        let report = "# Benchmarks\n\n## Weight\n\nw\n\n## Fuzzing\n\nold\n\n## Later\n\nl\n";
        let new = with_section(report, "## Fuzzing\n\nnew\n");
        assert!(
            new.contains("## Fuzzing\n\nnew\n")
                && !new.contains("old")
                && new.contains("## Later\n\nl")
        );
        assert_eq!(existing_section(&new).as_deref(), Some("## Fuzzing\n\nnew"));
        let appended = with_section("# Benchmarks\n", "## Fuzzing\n\nx");
        assert!(appended.ends_with("## Fuzzing\n\nx\n"));
    }
}
