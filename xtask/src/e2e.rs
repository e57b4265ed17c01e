//! The end-to-end step: the real gateway in workerd on a free port, the fake AI runtime, the
//! fake shop (`SHOPKEEP_FAKE_SHOP_URL`), headless Debian Chromium driven by playwright-core from `node --test tests/e2e/`.

use std::fs;
use std::process::Command;

use crate::counts::{self, Counts};
use crate::error::{IoContext, Result};
use crate::harness::{demo_tenant, free_port, seed_tenant, tenant_body, Stack};
use crate::paths::Paths;
use crate::process::run_teed;

/// Chunk delay of the fake upstream in e2e runs: slow enough that a streamed reply spans
/// many frames, fast enough to keep the suite quick.
const E2E_CHUNK_DELAY_MS: u64 = 40;

/// Starts everything, seeds the tenants, runs the node tests; returns their counts.
pub(crate) fn e2e(paths: &Paths) -> Result<Counts> {
    let stack = Stack::start(paths, "shopkeep-e2e", E2E_CHUNK_DELAY_MS)?;
    let result = run_suite(paths, &stack);
    let ok = matches!(&result, Ok(counts) if counts.failed == 0);
    if ok {
        let dir = stack.dir.clone();
        drop(stack);
        let _ = fs::remove_dir_all(dir);
    } else {
        stack.print_logs();
        eprintln!("e2e: logs and state kept in {}", stack.dir.display());
    }
    result
}

fn run_suite(paths: &Paths, stack: &Stack) -> Result<Counts> {
    let cross_port = free_port()?;
    let gateway_port = stack.gateway.rsplit(':').next().unwrap_or_default();
    let demo = demo_tenant(paths)?;
    let same_origin = vec![
        stack.gateway.clone(),
        format!("http://localhost:{gateway_port}"),
    ];
    seed_tenant(
        &stack.gateway,
        &stack.platform_secret,
        &tenant_body(&demo, "demo", &same_origin),
    )?;
    let mut both = same_origin;
    both.push(format!("http://127.0.0.1:{cross_port}"));
    // The fake shop's storefront pages (/shopify/, /woo/) embed the widget for tenant e2e.
    both.push(stack.shop.clone());
    seed_tenant(
        &stack.gateway,
        &stack.platform_secret,
        &tenant_body(&demo, "e2e", &both),
    )?;

    let artifacts = paths.at("tests/e2e/artifacts");
    fs::create_dir_all(&artifacts).context(|| format!("creating {}", artifacts.display()))?;
    let mut node = Command::new(paths.npm_tool("node"));
    node.current_dir(&paths.root)
        .env("PATH", paths.path_env())
        .env("SHOPKEEP_GATEWAY", &stack.gateway)
        .env("SHOPKEEP_UPSTREAM", &stack.upstream)
        .env("SHOPKEEP_FAKE_SHOP_URL", &stack.shop)
        .env("SHOPKEEP_PLATFORM_SECRET", &stack.platform_secret)
        .env("SHOPKEEP_MASTER_SECRET", &stack.master_secret)
        .env("SHOPKEEP_STATE_DIR", &stack.state)
        .env("SHOPKEEP_CROSS_ORIGIN_PORT", cross_port.to_string())
        .env("SHOPKEEP_ARTIFACTS", &artifacts)
        .args([
            "--test",
            "--test-reporter=tap",
            "--test-concurrency=1",
            "--test-timeout=600000",
        ]);
    // SHOPKEEP_E2E_FILES="security,relay" runs only those topic files (while developing);
    // unset, every file runs.
    match std::env::var("SHOPKEEP_E2E_FILES") {
        Ok(files) if !files.trim().is_empty() => {
            for name in files.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                node.arg(format!("tests/e2e/{name}.test.mjs"));
            }
        }
        _ => {
            node.arg("tests/e2e/*.test.mjs");
        }
    }
    let (success, output) = run_teed(&mut node)?;
    let mut counts = counts::node_tap(&output);
    if !success && counts.failed == 0 {
        counts.failed = 1;
    }
    Ok(counts)
}
