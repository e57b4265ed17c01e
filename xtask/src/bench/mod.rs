//! `cargo xtask bench`: Shopkeep measured against itself, its budgets and its peers, on this
//! machine, in one run, with a command anyone can rerun. Sections (all by default, or
//! `--sections weight,host,...`):
//!
//! - `weight` — what a shopper downloads (ours vs the npm peer widgets), gzip and brotli;
//! - `host` — host-page cost of each widget in headless Chromium at 1× and 4× CPU;
//! - `shopper` — click → panel → composer, Enter → first words, at 1× and 4×;
//! - `gateway` — time to first token: direct, through Shopkeep, through Portkey's gateway;
//!   a 16-stream burst, a turn with a tool round, and the worker's CPU per turn;
//! - `load` — many streamed chats at once, lost messages, leases, config route throughput;
//! - `faults` — upstream and storage failures during load;
//! - `catalog` — product search quality (precision@5, recall@5), a 10,000-product sync and
//!   search latency, through the gateway;
//! - `knowledge` — site knowledge: page hit rate and retrieval time;
//! - `handoff` — staff reply → the shopper's live socket, p50/p99.
//!
//! Results go to docs/BENCHMARKS.md. Timings are medians of interleaved runs, never pass/fail
//! thresholds; the load and fault runs' correctness checks (errors, lost messages, leases)
//! make the command fail.

mod ab;
mod browser;
mod builtin;
mod catalog;
mod checks;
mod client;
mod compress;
mod faults;
mod handoff;
mod knowledge;
mod load;
mod observe;
mod peers;
mod portkey;
mod report;
mod shoppers;
mod speed;
mod stats;
mod ttft;
mod weight;

use std::fs;

use crate::build::{build, BuildOptions};
use crate::error::{fail, Error, IoContext, Result};
use crate::harness::{temp_dir, Stack};
use crate::paths::{Paths, PERSON_STEM};
use crate::setup::setup;
use stats::thousands;

/// The fake upstream's pause between chunks while benchmarking: small, so the measurement is
/// dominated by what the gateway adds.
const BENCH_CHUNK_DELAY_MS: u64 = 2;

/// A hand-written subsection a fresh run keeps (before/after notes written by people).
const KEPT_SUBSECTION: &str = "### Before and after";

/// One part of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Section {
    /// Widget weight vs budgets and peers.
    Weight,
    /// Host-page cost vs peers.
    Host,
    /// What the shopper feels.
    Shopper,
    /// Gateway TTFT overhead vs direct and Portkey.
    Gateway,
    /// Load.
    Load,
    /// Faults under load.
    Faults,
    /// Product search quality, sync and search time.
    Catalog,
    /// Site knowledge: eval hit rate and retrieval time (issue 15).
    Knowledge,
    /// Staff reply → shopper socket latency (issue 14).
    Handoff,
}

impl Section {
    /// Every section, in report order.
    pub(crate) const ALL: [Section; 9] = [
        Section::Weight,
        Section::Host,
        Section::Shopper,
        Section::Gateway,
        Section::Load,
        Section::Faults,
        Section::Catalog,
        Section::Knowledge,
        Section::Handoff,
    ];

    /// Its `--sections` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Section::Weight => "weight",
            Section::Host => "host",
            Section::Shopper => "shopper",
            Section::Gateway => "gateway",
            Section::Load => "load",
            Section::Faults => "faults",
            Section::Catalog => "catalog",
            Section::Knowledge => "knowledge",
            Section::Handoff => "handoff",
        }
    }

    /// Its heading in docs/BENCHMARKS.md (the gateway's and weight's are the old ones, so
    /// links keep working).
    fn heading(self) -> &'static str {
        match self {
            Section::Weight => "Widget weight",
            Section::Host => "Host-page cost vs the npm peers",
            Section::Shopper => "What the shopper feels",
            Section::Gateway => "Gateway time-to-first-token overhead",
            Section::Load => "Load: many shoppers at once",
            Section::Faults => "Faults under load",
            Section::Catalog => "Catalog: search quality, sync and search time",
            Section::Knowledge => "Site knowledge: eval and retrieval",
            Section::Handoff => "Handoff: staff reply to the shopper's screen",
        }
    }

    /// Parses a comma-separated list.
    pub(crate) fn parse_list(list: &str) -> Result<Vec<Section>> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match Section::ALL.iter().find(|s| s.name() == name) {
                Some(section) => out.push(*section),
                None => {
                    return fail(format!(
                        "unknown section `{name}` (known: {})",
                        Section::ALL.map(Section::name).join(", ")
                    ))
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Bench options.
#[derive(Debug, Clone)]
pub(crate) struct BenchOptions {
    /// Streamed requests per path in the gateway section.
    pub(crate) requests: usize,
    /// Sections to run.
    pub(crate) sections: Vec<Section>,
    /// Reuse the existing dist/ and gateway build.
    pub(crate) no_build: bool,
    /// Browser loads per page and rate.
    pub(crate) runs: usize,
    /// Shoppers at once in the load and fault runs.
    pub(crate) shoppers: usize,
    /// Turns per shopper.
    pub(crate) turns: usize,
    /// `--soak MINUTES`.
    pub(crate) soak_minutes: Option<u64>,
    /// Save docs/screenshot-mobile.png (a built-in answer on a phone).
    pub(crate) screenshots: bool,
    /// `--baseline DIR`: a saved gateway build to run side by side with this one.
    pub(crate) baseline: Option<std::path::PathBuf>,
    /// `--save-baseline DIR`: only save this build there (for a later `--baseline`).
    pub(crate) save_baseline: Option<std::path::PathBuf>,
}

/// Default number of streamed requests per path.
pub(crate) const DEFAULT_REQUESTS: usize = 200;
/// Default browser runs (medians of ≥ 7).
pub(crate) const DEFAULT_RUNS: usize = 7;
/// Default shoppers at once.
pub(crate) const DEFAULT_SHOPPERS: usize = 200;
/// Default turns per shopper.
pub(crate) const DEFAULT_TURNS: usize = 3;

impl BenchOptions {
    fn command(&self) -> String {
        let mut command = String::from("cargo xtask bench");
        if self.sections != Section::ALL {
            let names: Vec<&str> = self.sections.iter().map(|s| s.name()).collect();
            command.push_str(&format!(" --sections {}", names.join(",")));
        }
        for (flag, value, default) in [
            ("--requests", self.requests, DEFAULT_REQUESTS),
            ("--runs", self.runs, DEFAULT_RUNS),
            ("--shoppers", self.shoppers, DEFAULT_SHOPPERS),
            ("--turns", self.turns, DEFAULT_TURNS),
        ] {
            if value != default {
                command.push_str(&format!(" {flag} {value}"));
            }
        }
        if let Some(minutes) = self.soak_minutes {
            command.push_str(&format!(" --soak {minutes}"));
        }
        if self.baseline.is_some() {
            command.push_str(" --baseline DIR");
        }
        command
    }

    fn has(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }
}

/// Runs the selected sections and rewrites docs/BENCHMARKS.md. Ok(false) when a section
/// failed or a correctness check of the load or fault run did not hold.
pub(crate) fn bench(paths: &Paths, options: &BenchOptions) -> Result<bool> {
    if let Some(dir) = &options.save_baseline {
        if !options.no_build {
            setup(paths)?;
            build(paths, BuildOptions { gateway: true })?;
        }
        ab::save_baseline(paths, dir)?;
        return Ok(true);
    }
    let started = std::time::Instant::now();
    let needs_gateway = options
        .sections
        .iter()
        .any(|s| !matches!(s, Section::Weight | Section::Host | Section::Knowledge));
    if !options.no_build {
        setup(paths)?;
        build(
            paths,
            BuildOptions {
                gateway: needs_gateway,
            },
        )?;
    }
    let work = temp_dir("shopkeep-bench")?;
    let machine_extra = vec![(
        "Node",
        crate::process::output(std::process::Command::new(paths.npm_tool("node")).arg("--version"))
            .unwrap_or_default()
            .trim()
            .to_owned(),
    )];
    let machine = report::machine(&machine_extra);
    let mut blocks: Vec<(Section, String)> = Vec::new();
    let mut ok = true;
    let mut record = |section: Section, result: Result<String>, ok: &mut bool| {
        let body = match result {
            Ok(body) => body,
            Err(err) => {
                *ok = false;
                eprintln!("bench: section {} failed: {err}", section.name());
                format!("**This section failed in the last run:** {err}\n")
            }
        };
        println!("\n{}\n", report::block(section.heading(), &body));
        blocks.push((section, body));
    };

    if options.has(Section::Weight) {
        record(Section::Weight, weight_section(paths), &mut ok);
    }
    let stack = if needs_gateway {
        Some(Stack::start(paths, "shopkeep-bench", BENCH_CHUNK_DELAY_MS)?)
    } else {
        None
    };
    let browser_sections = options.has(Section::Host) || options.has(Section::Shopper);
    if browser_sections {
        let result = (|| -> Result<browser::BrowserRun> {
            let builtin = match (&stack, options.has(Section::Shopper)) {
                (Some(_), true) => Some(builtin::BuiltinGateway::start(paths)?),
                _ => None,
            };
            let browser_options = browser::BrowserOptions {
                runs: options.runs,
                host: options.has(Section::Host),
                shopper: options.has(Section::Shopper),
                screenshot: options
                    .screenshots
                    .then(|| paths.at("docs/screenshot-mobile.png")),
            };
            let run = browser::measure(
                paths,
                stack.as_ref(),
                builtin.as_ref(),
                &browser_options,
                &work,
            );
            if let Some(b) = builtin {
                let dir = b.dir.clone();
                drop(b);
                let _ = fs::remove_dir_all(dir);
            }
            run
        })();
        match result {
            Ok(run) => {
                if options.has(Section::Host) {
                    record(Section::Host, Ok(browser::host_section(&run)), &mut ok);
                }
                if options.has(Section::Shopper) {
                    record(
                        Section::Shopper,
                        Ok(browser::shopper_section(&run)),
                        &mut ok,
                    );
                }
            }
            Err(err) => {
                let text = err.to_string();
                for section in [Section::Host, Section::Shopper] {
                    if options.has(section) {
                        record(section, Err(Error::Other(text.clone())), &mut ok);
                    }
                }
            }
        }
    }
    if let Some(stack) = &stack {
        if options.has(Section::Gateway) {
            let result = (|| {
                let portkey = portkey::Portkey::start(paths, &work.join("portkey.log"))?;
                let mut run = ttft::measure(paths, stack, options.requests, Some(&portkey))?;
                let mut speed = speed::measure(stack)?;
                let side_by_side = match &options.baseline {
                    Some(dir) => {
                        let mut ab = ab::measure(paths, stack, dir, options.requests)?;
                        format!("\n{}", ab::section(&mut ab))
                    }
                    None => String::new(),
                };
                Ok(format!(
                    "{}\n{}{side_by_side}",
                    ttft::section(&mut run, BENCH_CHUNK_DELAY_MS),
                    speed::section(&mut speed)
                ))
            })();
            record(Section::Gateway, result, &mut ok);
        }
        if options.has(Section::Load) {
            let result = load::measure(
                paths,
                stack,
                load::LoadOptions {
                    shoppers: options.shoppers,
                    turns: options.turns,
                    soak_minutes: options.soak_minutes,
                },
            )
            .map(|r| {
                if !r.clean() {
                    ok = false;
                    eprintln!("bench: the load run's correctness checks failed (see the report)");
                }
                load::section(&r)
            });
            record(Section::Load, result, &mut ok);
        }
        if options.has(Section::Faults) {
            let result = faults::measure(paths, stack, options.shoppers, options.turns).map(|r| {
                if !r.clean() {
                    ok = false;
                    eprintln!("bench: the fault run's checks failed (see the report)");
                }
                faults::section(&r)
            });
            record(Section::Faults, result, &mut ok);
        }
        if options.has(Section::Catalog) {
            let result = catalog::measure(paths, stack, &work).map(|r| catalog::section(&r));
            record(Section::Catalog, result, &mut ok);
        }
        if options.has(Section::Handoff) {
            let result = handoff::measure(paths, stack).map(|r| handoff::section(&r));
            record(Section::Handoff, result, &mut ok);
        }
    }
    if options.has(Section::Knowledge) {
        record(Section::Knowledge, knowledge::section(paths), &mut ok);
    }
    if let Some(stack) = stack {
        if ok {
            let dir = stack.dir.clone();
            drop(stack);
            let _ = fs::remove_dir_all(dir);
        } else {
            stack.print_logs();
            eprintln!("bench: logs and state kept in {}", stack.dir.display());
        }
    }
    write_report(paths, options, &machine, &blocks, started.elapsed())?;
    if ok {
        let _ = fs::remove_dir_all(&work);
    }
    Ok(ok)
}

fn weight_section(paths: &Paths) -> Result<String> {
    let ours = weight::ours(paths)?;
    let peers = weight::peer_weights(paths)?;
    let person = weight::person(paths)?;
    Ok(format!(
        "Everything a shopper downloads to get an interactive chat, in bytes, from `dist/` after \
         `cargo xtask build` (release, `wasm-opt -Oz`, esbuild-minified loader).\n\n{}\n\
         Loaded only when a person is involved (widget/README.md \"Two modules\"): the person \
         module (`{PERSON_STEM}.js` + `_bg.wasm`), {} raw, **{} gzip**, {} brotli — instead of \
         the widget's glue and wasm when the page opens on a conversation that involves a person, \
         after them when the shopper asks for one.\n\n\
         ### Against the npm peers\n\n\
         The exact npm tarballs (`npm pack <name>@<version>`, cached in `~/.cache/shopkeep/peers/`, \
         no CDN) and what each ships for a working chat.\n\n{}",
        weight::our_table(&ours),
        thousands(person.raw as i64),
        thousands(person.gzip as i64),
        thousands(person.brotli as i64),
        weight::peer_table(&ours, &peers)
    ))
}

fn write_report(
    paths: &Paths,
    options: &BenchOptions,
    machine: &str,
    blocks: &[(Section, String)],
    took: std::time::Duration,
) -> Result<()> {
    let file = paths.at("docs/BENCHMARKS.md");
    let previous = fs::read_to_string(&file).unwrap_or_default();
    let command = options.command();
    let mut report = format!(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` (all sections; `--sections weight,host,shopper,gateway,load,faults` \
         picks some, the others keep their previous text). The last run was `{command}` and took \
         {:.1} min. Every comparison is measured the same way, on the same machine, in the same \
         run; read the ratios, not the absolute numbers.\n\n## Machine\n\n{machine}",
        took.as_secs_f64() / 60.0
    );
    for section in Section::ALL {
        let fresh = blocks.iter().find(|(s, _)| *s == section);
        let text = match fresh {
            Some((_, body)) => Some(report::block(
                section.heading(),
                &report::with_kept_subsection(
                    body,
                    report::existing_block(&previous, section.heading()).as_deref(),
                    KEPT_SUBSECTION,
                ),
            )),
            None => report::existing_block(&previous, section.heading()),
        };
        if let Some(text) = text {
            report.push('\n');
            report.push_str(&text);
            report.push('\n');
        }
    }
    let mut known: Vec<&str> = Section::ALL.iter().map(|s| s.heading()).collect();
    known.extend(["Machine", "Fuzzing"]);
    for block in report::other_blocks(&previous, &known) {
        report.push('\n');
        report.push_str(&block);
        report.push('\n');
    }
    if let Some(fuzzing) = crate::fuzz::existing_section(&previous) {
        report = crate::fuzz::with_section(&report, &fuzzing);
    }
    fs::write(&file, report).context(|| format!("writing {}", file.display()))?;
    println!("bench: wrote {}", file.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_parse_and_sort() {
        assert_eq!(
            Section::parse_list("load, weight,load").unwrap(),
            vec![Section::Weight, Section::Load]
        );
        assert!(Section::parse_list("speed").is_err());
    }

    #[test]
    fn the_command_names_only_what_differs_from_the_defaults() {
        let mut options = BenchOptions {
            requests: DEFAULT_REQUESTS,
            sections: Section::ALL.to_vec(),
            no_build: true,
            runs: DEFAULT_RUNS,
            shoppers: DEFAULT_SHOPPERS,
            turns: DEFAULT_TURNS,
            soak_minutes: None,
            screenshots: false,
            baseline: None,
            save_baseline: None,
        };
        assert_eq!(options.command(), "cargo xtask bench");
        options.sections = vec![Section::Load];
        options.shoppers = 20;
        options.soak_minutes = Some(5);
        assert_eq!(
            options.command(),
            "cargo xtask bench --sections load --shoppers 20 --soak 5"
        );
    }
}
