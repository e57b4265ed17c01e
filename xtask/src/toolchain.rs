//! The pinned nightly Rust: the widget's size build and the fuzz targets use exactly this one.
//!
//! The size build rebuilds std with `-Z build-std` and `-Cpanic=immediate-abort` (~8 KB gzip
//! less than stable, which keeps the widget in its 60 KB budget). Those flags are unstable: a
//! later nightly may rename or drop them, or grow the output, so an unpinned `+nightly` could
//! break the build or silently fatten the widget. The date is pinned here, once; `cargo xtask
//! setup` installs it with `rust-src`. Moving to a newer nightly is a deliberate change of
//! [`PINNED_NIGHTLY`] with a `cargo xtask bench` run to compare the weight.
//!
//! When the pinned toolchain is missing, CI (`CI=true`) fails the build naming the toolchain
//! and the setup command; a developer's machine falls back to stable with a loud warning (the
//! widget works, is heavier, and the bench shows it), so an offline laptop can still build.

use std::process::Command;

use crate::error::{Error, Result};

/// The nightly of the widget's size build and of `cargo xtask fuzz`, as rustup names it.
pub(crate) const PINNED_NIGHTLY: &str = "nightly-2026-05-20";

/// What builds the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Toolchain {
    /// [`PINNED_NIGHTLY`] with std rebuilt for size.
    PinnedNightly,
    /// Stable Rust, about 8 KB gzip heavier: only outside CI, with a warning.
    StableFallback,
}

/// Decides the widget's toolchain: the pinned nightly when it is installed with `rust-src`;
/// else an error under CI, stable elsewhere.
pub(crate) fn widget_toolchain(ci: bool, pinned_present: bool) -> Result<Toolchain> {
    match (pinned_present, ci) {
        (true, _) => Ok(Toolchain::PinnedNightly),
        (false, true) => Err(Error::Other(format!(
            "the widget's size build needs {PINNED_NIGHTLY} with rust-src, which is not \
             installed; run `cargo xtask setup` (it runs `{}`); CI does not fall back to stable, \
             which is ~8 KB gzip heavier",
            install_command()
        ))),
        (false, false) => Ok(Toolchain::StableFallback),
    }
}

/// Whether the environment's `CI` says this is a CI run (`true` or `1`, as CI services set it).
pub(crate) fn is_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// [`is_ci`] of this process's environment.
pub(crate) fn ci() -> bool {
    is_ci(std::env::var("CI").ok().as_deref())
}

/// `+nightly-YYYY-MM-DD`, the cargo argument that selects the pinned toolchain.
pub(crate) fn cargo_selector() -> String {
    format!("+{PINNED_NIGHTLY}")
}

/// rustup's arguments that install the pinned toolchain with `rust-src` (what setup runs).
pub(crate) const INSTALL_ARGS: [&str; 7] = [
    "toolchain",
    "install",
    PINNED_NIGHTLY,
    "--profile",
    "minimal",
    "--component",
    "rust-src",
];

/// [`INSTALL_ARGS`] as a command line to copy.
pub(crate) fn install_command() -> String {
    format!("rustup {}", INSTALL_ARGS.join(" "))
}

/// Whether the pinned nightly is installed with `rust-src`. Never installs anything (rustup's
/// auto-install is off for the query).
pub(crate) fn pinned_present() -> bool {
    Command::new("rustup")
        .args([
            "component",
            "list",
            "--installed",
            "--toolchain",
            PINNED_NIGHTLY,
        ])
        .env("RUSTUP_AUTO_INSTALL", "0")
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .any(|line| line.trim().starts_with("rust-src"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_nightly_builds_the_widget_wherever_it_is_installed() {
        assert_eq!(
            widget_toolchain(true, true).ok(),
            Some(Toolchain::PinnedNightly)
        );
        assert_eq!(
            widget_toolchain(false, true).ok(),
            Some(Toolchain::PinnedNightly)
        );
    }

    #[test]
    fn ci_fails_loudly_when_the_pinned_nightly_is_missing() {
        let err = widget_toolchain(true, false).unwrap_err().to_string();
        assert!(err.contains(PINNED_NIGHTLY), "{err}");
        assert!(err.contains("cargo xtask setup"), "{err}");
        assert!(err.contains("rust-src"), "{err}");
    }

    #[test]
    fn a_developer_machine_falls_back_to_stable_when_the_pinned_nightly_is_missing() {
        assert_eq!(
            widget_toolchain(false, false).ok(),
            Some(Toolchain::StableFallback)
        );
    }

    #[test]
    fn ci_is_recognised_as_ci_services_set_it() {
        assert!(is_ci(Some("true")));
        assert!(is_ci(Some("TRUE")));
        assert!(is_ci(Some("1")));
        assert!(!is_ci(Some("false")));
        assert!(!is_ci(Some("")));
        assert!(!is_ci(None));
    }

    #[test]
    fn the_pin_is_a_dated_nightly() {
        let date = PINNED_NIGHTLY.strip_prefix("nightly-").unwrap_or("");
        let parts: Vec<&str> = date.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [4, 2, 2]);
        assert!(date.chars().all(|c| c.is_ascii_digit() || c == '-'));
        assert_eq!(cargo_selector(), format!("+{PINNED_NIGHTLY}"));
        assert_eq!(
            install_command(),
            format!(
                "rustup toolchain install {PINNED_NIGHTLY} --profile minimal --component rust-src"
            )
        );
    }
}
