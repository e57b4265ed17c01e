//! `cargo xtask` — Shopkeep's developer commands (alias in `.cargo/config.toml`):
//!
//! - `setup` — install what is missing (pinned tools in `~/.cache/shopkeep/tools`, npm
//!   packages, Debian chromium, `.dev.vars`); a second run does nothing.
//! - `build [--no-gateway]` — gateway worker, content-hashed widget, minified `embed.js`,
//!   demo site and `_headers` in `dist/`.
//! - `dev [--port 8787]` — build, migrate, serve with `wrangler dev --local`, seed the demo
//!   tenant; Ctrl-C stops everything.
//! - `test [--only step,step]` — fmt, clippy (host and wasm32), purity, unit tests, wasm tests
//!   in Chromium, build, end-to-end tests; ends with `summary: N passed, M failed`.
//! - `bench [--sections LIST] [--requests N] [--runs N] [--shoppers N] [--turns N]
//!   [--soak MINUTES] [--screenshots] [--no-build] [--baseline DIR | --save-baseline DIR]`
//!   — weight, host-page cost and shopper
//!   timings against the npm peers, gateway overhead against Portkey, load and faults, into
//!   `docs/BENCHMARKS.md`.
//! - `fuzz [--seconds N] [--target NAME]` — the cargo-fuzz targets in `fuzz/`, bounded in
//!   time; results into `docs/BENCHMARKS.md`.
//! - `tenant create|show|rotate-key|snippet <id>` — operator commands over the platform and
//!   admin APIs.
//!
//! Tooling only: it never ships. Of the product it uses only the pure gateway core (to sign
//! admin requests exactly as the gateway verifies them).

mod bench;
mod build;
mod counts;
mod dev;
mod e2e;
mod error;
mod fuzz;
mod harness;
mod http;
mod imports;
mod paths;
mod process;
mod setup;
mod site;
mod tenant;
mod testing;
mod toolchain;

use std::process::ExitCode;

use error::{fail, Result};
use paths::Paths;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                          install whatever is missing (idempotent)
  build [--no-gateway]           build the gateway, widget, embed.js and dist/
  dev [--port 8787]              build and serve the demo at http://127.0.0.1:<port>/
  test [--only STEP[,STEP…]]     run every check; steps: setup, fmt, clippy, clippy-wasm,
                                 purity, unit, wasm, build, e2e
  bench [--sections weight,host,shopper,gateway,load,faults] [--requests 200]
        [--runs 7] [--shoppers 200] [--turns 3] [--soak MINUTES] [--screenshots]
        [--weight-only] [--no-build] [--save-baseline DIR] [--baseline DIR]
                                 measure against budgets and peers → docs/BENCHMARKS.md
                                 (--baseline: a saved gateway build side by side)
  fuzz [--seconds 60] [--target NAME]
                                 run the fuzz targets (pinned nightly) → docs/BENCHMARKS.md
  tenant create|show|rotate-key|snippet <id> [options]
                                 operator commands (`cargo xtask tenant` for details)";

/// Takes `--flag value` out of `args`.
fn take_value(args: &mut Vec<String>, flag: &str) -> Result<Option<String>> {
    let Some(index) = args.iter().position(|arg| arg == flag) else {
        return Ok(None);
    };
    if index + 1 >= args.len() {
        return fail(format!("{flag} needs a value"));
    }
    let value = args.remove(index + 1);
    args.remove(index);
    Ok(Some(value))
}

/// Takes a boolean `--flag` out of `args`.
fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|arg| arg != flag);
    args.len() != before
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: Option<String>, default: T) -> Result<T> {
    match value {
        None => Ok(default),
        Some(text) => text
            .parse()
            .or_else(|_| fail(format!("{flag}: not a number: {text}"))),
    }
}

fn run(mut args: Vec<String>) -> Result<bool> {
    let paths = Paths::discover();
    if args.is_empty() {
        println!("{USAGE}");
        return Ok(false);
    }
    let command = args.remove(0);
    let ok = match command.as_str() {
        "setup" => setup::setup(&paths).map(|_| true)?,
        "build" => {
            let gateway = !take_flag(&mut args, "--no-gateway");
            ensure_no_extra(&args)?;
            setup::setup(&paths)?;
            build::build(&paths, build::BuildOptions { gateway }).map(|_| true)?
        }
        "dev" => {
            let port = parse_number("--port", take_value(&mut args, "--port")?, 8787u16)?;
            ensure_no_extra(&args)?;
            dev::dev(&paths, port).map(|()| true)?
        }
        "test" => {
            let only: Vec<String> = take_value(&mut args, "--only")?
                .map(|list| list.split(',').map(|step| step.trim().to_owned()).collect())
                .unwrap_or_default();
            ensure_no_extra(&args)?;
            testing::test(&paths, &only)?
        }
        "bench" => {
            let number = |args: &mut Vec<String>, flag: &str, default: usize| {
                parse_number(flag, take_value(args, flag)?, default)
            };
            let requests = number(&mut args, "--requests", bench::DEFAULT_REQUESTS)?;
            let runs = number(&mut args, "--runs", bench::DEFAULT_RUNS)?;
            let shoppers = number(&mut args, "--shoppers", bench::DEFAULT_SHOPPERS)?;
            let turns = number(&mut args, "--turns", bench::DEFAULT_TURNS)?;
            let soak_minutes = match take_value(&mut args, "--soak")? {
                Some(value) => Some(parse_number("--soak", Some(value), 0u64)?),
                None => None,
            };
            let mut sections = match take_value(&mut args, "--sections")? {
                Some(list) => bench::Section::parse_list(&list)?,
                None => bench::Section::ALL.to_vec(),
            };
            if take_flag(&mut args, "--weight-only") {
                sections = vec![bench::Section::Weight];
            }
            let no_build = take_flag(&mut args, "--no-build");
            let screenshots = take_flag(&mut args, "--screenshots");
            let baseline = take_value(&mut args, "--baseline")?.map(std::path::PathBuf::from);
            let save_baseline =
                take_value(&mut args, "--save-baseline")?.map(std::path::PathBuf::from);
            ensure_no_extra(&args)?;
            bench::bench(
                &paths,
                &bench::BenchOptions {
                    requests,
                    sections,
                    no_build,
                    runs,
                    shoppers,
                    turns,
                    soak_minutes,
                    screenshots,
                    baseline,
                    save_baseline,
                },
            )?
        }
        "fuzz" => {
            let seconds = parse_number("--seconds", take_value(&mut args, "--seconds")?, 60u64)?;
            let target = take_value(&mut args, "--target")?;
            ensure_no_extra(&args)?;
            fuzz::fuzz(&paths, seconds, target.as_deref())?
        }
        "tenant" => {
            if args.is_empty() || args.iter().any(|arg| arg == "--help" || arg == "-h") {
                println!("{}", tenant::USAGE);
                return Ok(!args.is_empty());
            }
            let parsed = tenant::parse(args, std::env::var("SHOPKEEP_GATEWAY").ok())?;
            tenant::tenant(&paths, &parsed).map(|()| true)?
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            true
        }
        other => return fail(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    Ok(ok)
}

fn ensure_no_extra(args: &[String]) -> Result<()> {
    match args.first() {
        Some(extra) => fail(format!("unexpected argument `{extra}`\n\n{USAGE}")),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    process::install_interrupt_handler();
    match run(std::env::args().skip(1).collect()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn values_and_flags_are_taken_out() {
        let mut list = args(&["--port", "9000", "--no-build"]);
        assert_eq!(
            take_value(&mut list, "--port").unwrap().as_deref(),
            Some("9000")
        );
        assert!(take_flag(&mut list, "--no-build"));
        assert!(list.is_empty());
        assert!(take_value(&mut args(&["--port"]), "--port").is_err());
        assert_eq!(take_value(&mut args(&[]), "--port").unwrap(), None);
    }

    #[test]
    fn numbers_are_validated() {
        assert_eq!(
            parse_number("--port", Some("1".into()), 8787u16).unwrap(),
            1
        );
        assert_eq!(parse_number("--port", None, 8787u16).unwrap(), 8787);
        assert!(parse_number("--port", Some("x".into()), 8787u16).is_err());
    }
}
