//! Looking at the gateway from outside while it runs: its processes' CPU time and memory
//! (from /proc, over the process group wrangler leads: the node CLI, the workerd that runs the
//! worker — the one with an inspector — and the workerd of wrangler's dev proxy in front of it)
//! and its local D1 state (through `wrangler d1 execute`, the way an operator would).

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::paths::Paths;
use crate::process::output;

/// CPU time and resident memory of one kind of process in a group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Usage {
    /// User + system CPU time, seconds.
    pub(crate) cpu_s: f64,
    /// Resident set size, bytes.
    pub(crate) rss: u64,
}

/// Usage of the processes of `wrangler dev`, by role.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct GroupUsage {
    /// The workerd that runs the worker (D1 and the Durable Object run there too).
    pub(crate) worker: Usage,
    /// The workerd of wrangler's dev proxy, which runs none of our code.
    pub(crate) proxy: Usage,
    /// wrangler's node process.
    pub(crate) node: Usage,
}

/// Usage of the processes in group `pgid`.
pub(crate) fn group_usage(pgid: u32) -> GroupUsage {
    let tick = clock_ticks();
    let mut group = GroupUsage::default();
    let Ok(entries) = fs::read_dir("/proc") else {
        return group;
    };
    for entry in entries.flatten() {
        let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(parsed) = parse_stat(&stat) else {
            continue;
        };
        if parsed.pgid != pgid {
            continue;
        }
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let has_inspector = cmdline.windows(16).any(|w| w == b"--inspector-addr");
        let usage = match (parsed.comm.as_str(), has_inspector) {
            ("workerd", true) => &mut group.worker,
            ("workerd", false) => &mut group.proxy,
            ("node", _) => &mut group.node,
            _ => continue,
        };
        usage.cpu_s += (parsed.utime + parsed.stime) as f64 / tick;
        usage.rss += rss_bytes(&entry.path().join("status")).unwrap_or(0);
    }
    group
}

/// The fields of `/proc/<pid>/stat` we use.
#[derive(Debug, PartialEq, Eq)]
struct Stat {
    comm: String,
    pgid: u32,
    utime: u64,
    stime: u64,
}

fn parse_stat(text: &str) -> Option<Stat> {
    // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split at the
    // last `)`.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let rest: Vec<&str> = text.get(close + 2..)?.split_whitespace().collect();
    // rest[0] = state (field 3); pgrp = field 5, utime = 14, stime = 15.
    Some(Stat {
        comm,
        pgid: rest.get(2)?.parse().ok()?,
        utime: rest.get(11)?.parse().ok()?,
        stime: rest.get(12)?.parse().ok()?,
    })
}

fn rss_bytes(status: &Path) -> Option<u64> {
    let text = fs::read_to_string(status).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Runs SQL against the gateway's local D1 state; returns the last statement's rows.
pub(crate) fn d1(paths: &Paths, state: &Path, sql: &str) -> Result<Vec<Value>> {
    let out = output(
        Command::new(paths.npm_tool("wrangler"))
            .current_dir(&paths.root)
            .env("PATH", paths.path_env())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "true")
            .args(["d1", "execute", "DB", "--local", "--json", "--persist-to"])
            .arg(state)
            .arg("--command")
            .arg(sql),
    )?;
    let json = out
        .find('[')
        .map(|i| &out[i..])
        .ok_or_else(|| Error::Other(format!("wrangler d1 execute printed no JSON: {out}")))?;
    let parsed: Value = serde_json::from_str(json)
        .map_err(|e| Error::Other(format!("wrangler d1 execute output: {e}")))?;
    Ok(parsed
        .as_array()
        .and_then(|all| all.last())
        .and_then(|last| last["results"].as_array())
        .cloned()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_are_parsed_even_with_odd_command_names() {
        let line =
            "3674 (work erd) S 3639 3628 3628 0 -1 4194560 1 0 0 0 250 75 0 0 20 0 9 0 1 2 3";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                comm: "work erd".into(),
                pgid: 3628,
                utime: 250,
                stime: 75
            })
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn our_own_group_is_found() {
        // This test process is in some group; asking for a group that cannot exist finds nothing.
        assert_eq!(group_usage(u32::MAX), GroupUsage::default());
    }
}
