//! The handoff section (issue 14): how long a staff reply takes to reach the shopper's
//! screen's socket, p50/p99, against the local stack (workerd, D1, the conversation's Durable
//! Object with the WebSocket Hibernation API). tests/bench/handoff-latency.mjs does the work
//! with a real staff account (invite → passkey → session cookie) and prints one JSON line.

use std::fmt::Write as _;
use std::process::Command;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::harness::Stack;
use crate::paths::Paths;
use crate::process::output;

/// Runs the measurement; the script's JSON answer.
pub(crate) fn measure(paths: &Paths, stack: &Stack) -> Result<Value> {
    let stdout = output(
        Command::new(paths.npm_tool("node"))
            .current_dir(&paths.root)
            .env("PATH", paths.path_env())
            .env("SHOPKEEP_GATEWAY", &stack.gateway)
            .env("SHOPKEEP_UPSTREAM", &stack.upstream)
            .env("SHOPKEEP_PLATFORM_SECRET", &stack.platform_secret)
            .env("SHOPKEEP_MASTER_SECRET", &stack.master_secret)
            .env("SHOPKEEP_STATE_DIR", &stack.state)
            // Required by the e2e helpers; nothing listens there in this script.
            .env("SHOPKEEP_CROSS_ORIGIN_PORT", "9")
            .arg("tests/bench/handoff-latency.mjs"),
    )?;
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| Error::Other(format!("handoff bench answer: {e}")))
}

/// The report's section.
pub(crate) fn section(run: &Value) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Staff reply → the shopper's live socket, local workerd (tests/bench/handoff-latency.mjs): \
         a real staff account (passkey, session cookie) on a taken conversation; each reply \
         waits for the previous one's arrival. Every entry is written to D1 before any socket \
         gets it, so D1's write is inside these times.\n"
    );
    let _ = writeln!(
        out,
        "| path | replies | p50 | p99 | max | mean |\n|---|---|---|---|---|---|"
    );
    for (key, label) in [
        (
            "console",
            "console: `POST …/messages` (what the Inbox sends)",
        ),
        ("socket", "staff socket `message` frame"),
    ] {
        let r = &run[key];
        let f = |k: &str| r[k].as_f64().map_or("–".into(), |v| format!("{v:.1} ms"));
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            r["n"].as_u64().unwrap_or(0),
            f("p50_ms"),
            f("p99_ms"),
            f("max_ms"),
            f("mean_ms")
        );
    }
    let _ = writeln!(
        out,
        "\nLost: {}; duplicates seen by the shopper socket: {}.",
        if run["lost"].as_bool() == Some(false) {
            "none"
        } else {
            "SOME"
        },
        run["duplicates"].as_u64().unwrap_or(0)
    );
    out
}
