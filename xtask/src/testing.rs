//! `cargo xtask test`: every check the project has, in order, failing fast, ending with
//! `summary: N passed, M failed`.

use std::fs;
use std::process::Command;

use crate::build::{build, BuildOptions};
use crate::counts::{self, Counts};
use crate::e2e::e2e;
use crate::error::{fail, IoContext, Result};
use crate::paths::Paths;
use crate::process::{output, run, run_teed};
use crate::setup::{setup, CHROMEDRIVER, CHROMIUM};

/// Crates that must stay free of browser and Worker bindings (STYLE.md rule 1).
pub(crate) const PURE_CRATES: &[&str] = &[
    "shopkeep-protocol",
    "shopkeep-gateway-core",
    "shopkeep-widget-core",
];

/// Crates compiled for wasm32 (checked with clippy for that target).
/// `cargo <cmd>` arguments for the widget core as the build without the person module has it.
const LIGHTER_CORE: &[&str] = &["-p", "shopkeep-widget-core", "--no-default-features"];

const WASM_CRATES: &[&str] = &[
    "shopkeep-widget",
    "shopkeep-gateway",
    "shopkeep-widget-core",
    "shopkeep-gateway-core",
    "shopkeep-protocol",
];

/// The steps in order; `--only` takes a comma-separated subset of these names.
pub(crate) const STEPS: &[&str] = &[
    "setup",
    "fmt",
    "clippy",
    "clippy-wasm",
    "purity",
    "unit",
    "wasm",
    "build",
    "e2e",
];

/// Runs the selected steps (all when `only` is empty); returns whether everything passed.
pub(crate) fn test(paths: &Paths, only: &[String]) -> Result<bool> {
    for name in only {
        if !STEPS.contains(&name.as_str()) {
            return fail(format!(
                "unknown step `{name}`; steps: {}",
                STEPS.join(", ")
            ));
        }
    }
    let mut total = Counts::default();
    for step in STEPS {
        if !only.is_empty() && !only.iter().any(|name| name == step) {
            continue;
        }
        println!("\n==> test step: {step}");
        let outcome = run_step(paths, step);
        match outcome {
            Ok(counts) => {
                total += counts;
                if counts.failed > 0 {
                    eprintln!("error: step `{step}` had {} failing test(s)", counts.failed);
                    println!("{}", counts::summary_line(total));
                    return Ok(false);
                }
            }
            Err(err) => {
                eprintln!("error: step `{step}` failed: {err}");
                total.failed += 1;
                println!("{}", counts::summary_line(total));
                return Ok(false);
            }
        }
    }
    println!("{}", counts::summary_line(total));
    Ok(true)
}

fn run_step(paths: &Paths, step: &str) -> Result<Counts> {
    let none = Counts::default();
    let cargo = || {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(&paths.root);
        cmd
    };
    match step {
        "setup" => setup(paths).map(|_| none),
        "fmt" => run(cargo().args(["fmt", "--all", "--check"])).map(|()| none),
        "clippy" => {
            run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))?;
            // The widget core as the build without the person module compiles it.
            run(cargo().arg("clippy").args(LIGHTER_CORE).args([
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|()| none)
        }
        "clippy-wasm" => {
            let mut cmd = cargo();
            cmd.arg("clippy");
            for krate in WASM_CRATES {
                cmd.args(["-p", krate]);
            }
            cmd.args(["--target", "wasm32-unknown-unknown", "--", "-D", "warnings"]);
            run(&mut cmd)?;
            // And the widget built without the person module (widget/README.md "Two modules").
            run(cargo().args([
                "clippy",
                "-p",
                "shopkeep-widget",
                "--no-default-features",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]))
            .map(|()| none)
        }
        "purity" => purity(paths).map(|()| none),
        "unit" => {
            let all = cargo_tests(cargo().args([
                "test",
                "--workspace",
                "--exclude",
                "shopkeep-gateway",
                "--exclude",
                "shopkeep-widget",
            ]))?;
            let mut all = all;
            if all.failed == 0 {
                // The widget core without the person module (its own tests: core/tests/upgrade.rs).
                all += cargo_tests(cargo().args(["test"]).args(LIGHTER_CORE))?;
            }
            Ok(all)
        }
        "wasm" => wasm_tests(paths),
        "build" => build(paths, BuildOptions { gateway: true }).map(|_| none),
        "e2e" => e2e(paths),
        _ => fail(format!("unknown step {step}")),
    }
}

/// Runs a cargo test command and counts its `test result:` lines.
fn cargo_tests(cmd: &mut Command) -> Result<Counts> {
    let (success, output) = run_teed(cmd)?;
    let mut counts = counts::cargo(&output);
    if !success && counts.failed == 0 {
        return fail("cargo test failed before reporting results (compile error?)");
    }
    if !success {
        counts.failed = counts.failed.max(1);
    }
    Ok(counts)
}

/// Forbidden dependency names found in `cargo tree --prefix none` output.
pub(crate) fn forbidden_dependencies(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| {
            name.starts_with("wasm-bindgen")
                || *name == "web-sys"
                || *name == "js-sys"
                || name.starts_with("gloo")
                || *name == "worker"
                || name.starts_with("worker-")
        })
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

fn purity(paths: &Paths) -> Result<()> {
    let mut offenders = Vec::new();
    for krate in PURE_CRATES {
        let tree = output(Command::new("cargo").current_dir(&paths.root).args([
            "tree", "-p", krate, "-e", "normal", "--target", "all", "--prefix", "none",
        ]))?;
        let found = forbidden_dependencies(&tree);
        if found.is_empty() {
            println!("purity: {krate} depends on none of wasm-bindgen/web-sys/js-sys/gloo/worker");
        } else {
            offenders.push(format!("{krate} depends on {}", found.join(", ")));
        }
    }
    if offenders.is_empty() {
        Ok(())
    } else {
        fail(format!(
            "pure crates must not depend on platform bindings: {}",
            offenders.join("; ")
        ))
    }
}

/// wasm-bindgen-test for the widget in headless Debian Chromium through chromedriver.
fn wasm_tests(paths: &Paths) -> Result<Counts> {
    let runner = paths.wasm_bindgen_test_runner();
    // The runner adds --headless and --no-sandbox itself and reads `webdriver.json` from the
    // crate directory; when the widget has none, ours names the browser and keeps it offline.
    let own_json = paths.at("widget/webdriver.json");
    let webdriver_json = if own_json.exists() {
        own_json
    } else {
        let ours = paths.scratch().join("webdriver.json");
        fs::create_dir_all(paths.scratch()).context(|| "creating target/xtask".into())?;
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                ],
            }
        });
        fs::write(&ours, capabilities.to_string())
            .context(|| format!("writing {}", ours.display()))?;
        ours
    };
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&paths.root)
        .args([
            "test",
            "-p",
            "shopkeep-widget",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    cargo_tests(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purity_check_spots_platform_crates() {
        let tree = "shopkeep-widget-core v0.1.0 (/w/widget/core)\nserde v1.0.200\nwasm-bindgen v0.2.129\n\
                    gloo-events v0.2.0\nworker v0.8.7\nworker-sys v0.8.7\nweb-sys v0.3.0\njs-sys v0.3.0\n";
        assert_eq!(
            forbidden_dependencies(tree),
            vec![
                "gloo-events",
                "js-sys",
                "wasm-bindgen",
                "web-sys",
                "worker",
                "worker-sys"
            ]
        );
    }

    #[test]
    fn purity_check_passes_clean_trees() {
        let tree = "shopkeep-protocol v0.1.0 (/w/protocol)\nserde v1.0.200\nserde_json v1.0.0\nworkerpool v1.0.0\n";
        assert!(forbidden_dependencies(tree).is_empty());
    }
}
