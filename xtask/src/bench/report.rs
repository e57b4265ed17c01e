//! docs/BENCHMARKS.md: the machine, the command, and one block per section. A run that skips
//! a section keeps that section's block from the previous file (and the fuzzing section
//! belongs to `cargo xtask fuzz`), so selective runs refresh only what they measured.

use std::fs;
use std::process::Command;

/// `- date …\n- CPU …` lines describing this machine.
pub(crate) fn machine(extra: &[(&str, String)]) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let ram_gib = fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text
                .lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kb| format!("{:.0} GiB", kb / 1_048_576.0))
        .unwrap_or_else(|| "?".into());
    let load = fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    let mut out = format!(
        "- date: {}\n- CPU: {cpu}, {cores} logical core(s) available (`nproc`), RAM {ram_gib}\n\
         - load average when the run started: {load} (the machine is shared; compare runs on the same machine only)\n\
         - OS: {}\n- Rust: {}\n",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        command_output("uname", &["-sr"]),
        command_output("rustc", &["--version"]),
    );
    for (key, value) in extra {
        if !value.is_empty() {
            out.push_str(&format!("- {key}: {value}\n"));
        }
    }
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

/// The block under `## {heading}` in `text` (heading line included), up to the next `## `.
pub(crate) fn existing_block(text: &str, heading: &str) -> Option<String> {
    let marker = format!("## {heading}\n");
    let start = if text.starts_with(&marker) {
        0
    } else {
        text.find(&format!("\n{marker}"))? + 1
    };
    let after = &text[start + marker.len()..];
    let end = after
        .find("\n## ")
        .map(|i| start + marker.len() + i + 1)
        .unwrap_or(text.len());
    Some(text[start..end].trim_end().to_owned())
}

/// The `## …` blocks of `text` whose headings are none of `known` (hand-written
/// measurements from outside `cargo xtask bench`, e.g. the e2e suite's live-channel latency),
/// so a bench run keeps them.
pub(crate) fn other_blocks(text: &str, known: &[&str]) -> Vec<String> {
    text.split("\n## ")
        .skip(1)
        .filter_map(|block| {
            let heading = block.lines().next()?.trim();
            (!known.contains(&heading))
                .then(|| existing_block(text, heading))
                .flatten()
        })
        .collect()
}

/// `body` followed by the `### …` subsection of `previous` whose heading starts with `kept`
/// (up to the next `### ` or the end), when `previous` has one and `body` does not.
pub(crate) fn with_kept_subsection(body: &str, previous: Option<&str>, kept: &str) -> String {
    let Some(previous) = previous else {
        return body.to_owned();
    };
    if body.contains(kept) {
        return body.to_owned();
    }
    let Some(start) = previous.find(&format!("\n{kept}")).map(|i| i + 1) else {
        return body.to_owned();
    };
    let rest = &previous[start + kept.len()..];
    let end = rest
        .find("\n### ")
        .map_or(previous.len(), |i| start + kept.len() + i);
    format!(
        "{}\n\n{}\n",
        body.trim_end(),
        previous[start..end].trim_end()
    )
}

/// `## heading` + body.
pub(crate) fn block(heading: &str, body: &str) -> String {
    format!("## {heading}\n\n{}", body.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Benchmarks\n\n## Machine\n\n- x\n\n## Load\n\nload table\n\n### sub\n\nmore\n\n## Fuzzing\n\nf\n";

    #[test]
    fn hand_written_sections_outside_the_bench_are_kept() {
        let doc = "# B\n\n## Machine\n\nm\n\n## Load\n\nl\n\n## Live channel\n\nlive table\n\n## Fuzzing\n\nf\n";
        assert_eq!(
            other_blocks(doc, &["Machine", "Load", "Fuzzing"]),
            vec!["## Live channel\n\nlive table".to_owned()]
        );
        assert!(other_blocks(doc, &["Machine", "Load", "Fuzzing", "Live channel"]).is_empty());
    }

    #[test]
    fn a_hand_written_subsection_survives_a_fresh_run() {
        let previous = "## G\n\nold table\n\n### Before and after x\n\nnotes\n\n### Other\n\ny";
        let fresh = with_kept_subsection("new table\n", Some(previous), "### Before and after");
        assert_eq!(fresh, "new table\n\n### Before and after x\n\nnotes\n");
        assert_eq!(with_kept_subsection("t", None, "### Before"), "t");
        assert_eq!(
            with_kept_subsection(
                "t\n### Before and after\nz",
                Some(previous),
                "### Before and after"
            ),
            "t\n### Before and after\nz"
        );
    }

    #[test]
    fn blocks_are_found_up_to_the_next_section() {
        assert_eq!(
            existing_block(DOC, "Load").as_deref(),
            Some("## Load\n\nload table\n\n### sub\n\nmore")
        );
        assert_eq!(
            existing_block(DOC, "Fuzzing").as_deref(),
            Some("## Fuzzing\n\nf")
        );
        assert_eq!(existing_block(DOC, "Faults"), None);
        assert_eq!(
            existing_block("## Load\n\nx\n", "Load").as_deref(),
            Some("## Load\n\nx")
        );
    }

    #[test]
    fn the_machine_is_described() {
        let text = machine(&[("Node", "v22".into()), ("empty", String::new())]);
        assert!(
            text.contains("logical core(s) available (`nproc`), RAM"),
            "{text}"
        );
        assert!(text.contains("- Node: v22\n"), "{text}");
        assert!(!text.contains("empty"), "{text}");
    }
}
