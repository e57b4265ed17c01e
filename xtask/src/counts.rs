//! Reading test counts out of cargo's and node's output for the closing summary line.

/// Passed and failed tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Tests that passed.
    pub(crate) passed: u64,
    /// Tests that failed.
    pub(crate) failed: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// The number right before `word` in `text` (`"12 passed"` → 12).
fn number_before(text: &str, word: &str) -> Option<u64> {
    let index = text.find(word)?;
    text[..index]
        .split_whitespace()
        .last()?
        .trim_start_matches(['(', ','])
        .parse()
        .ok()
}

/// Sums every `test result: ok. N passed; M failed; …` line (cargo test, nextest's libtest
/// output and wasm-bindgen-test-runner all print them).
pub(crate) fn cargo(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        counts.passed += number_before(rest, " passed").unwrap_or(0);
        counts.failed += number_before(rest, " failed").unwrap_or(0);
    }
    counts
}

/// Reads node's TAP summary (`# pass N`, `# fail N`).
pub(crate) fn node_tap(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(n) = line
            .strip_prefix("# pass ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            counts.passed += n;
        }
        if let Some(n) = line
            .strip_prefix("# fail ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            counts.failed += n;
        }
    }
    counts
}

/// The closing line of `cargo xtask test`.
pub(crate) fn summary_line(counts: Counts) -> String {
    format!(
        "summary: {} passed, {} failed",
        counts.passed, counts.failed
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_cargo_result_lines() {
        let output = "\
running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
   Doc-tests x
test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.10s
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            cargo(output),
            Counts {
                passed: 8,
                failed: 2
            }
        );
    }

    #[test]
    fn reads_node_tap_summary() {
        let output = "TAP version 13\nok 1 - launcher\n1..4\n# tests 4\n# suites 0\n# pass 3\n# fail 1\n# cancelled 0\n";
        assert_eq!(
            node_tap(output),
            Counts {
                passed: 3,
                failed: 1
            }
        );
    }

    #[test]
    fn ignores_unrelated_lines() {
        assert_eq!(cargo("test result is pending\n# pass 4"), Counts::default());
        assert_eq!(node_tap("## pass 2\n# passed 3"), Counts::default());
    }

    #[test]
    fn summary_has_the_documented_shape() {
        assert_eq!(
            summary_line(Counts {
                passed: 123,
                failed: 0
            }),
            "summary: 123 passed, 0 failed"
        );
    }
}
