//! `cargo xtask setup`: install only what is missing, and say what was done.
//!
//! Pinned Rust tools go into `~/.cache/shopkeep/tools/<name>-<version>/` (never ~/.cargo/bin,
//! so other projects' tools are untouched), npm packages into node_modules (re-installed when
//! package.json or package-lock.json change), Debian's chromium for the browser tests, and a
//! `.dev.vars` with fresh random secrets (never overwritten).

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{fail, IoContext, Result};
use crate::paths::{Paths, WASM_BINDGEN_VERSION, WORKER_BUILD_VERSION};
use crate::process::{output, run};
use crate::toolchain;

/// Chromium and its WebDriver from Debian.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// chromedriver matching Debian's chromium.
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const STAMP: &str = "node_modules/.shopkeep-install-stamp";

/// Runs every setup step; returns the list of things it did.
pub(crate) fn setup(paths: &Paths) -> Result<Vec<String>> {
    let mut done = Vec::new();
    wasm_target(&mut done)?;
    cargo_tool(
        paths,
        "worker-build",
        WORKER_BUILD_VERSION,
        &["worker-build"],
        &mut done,
    )?;
    cargo_tool(
        paths,
        "wasm-bindgen-cli",
        WASM_BINDGEN_VERSION,
        &["wasm-bindgen", "wasm-bindgen-test-runner"],
        &mut done,
    )?;
    pinned_nightly(&mut done);
    npm_packages(paths, &mut done)?;
    chromium(&mut done)?;
    dev_vars(paths, &mut done)?;
    if done.is_empty() {
        println!("setup: nothing to do — every tool is installed and .dev.vars exists");
    } else {
        println!("setup: done —");
        for item in &done {
            println!("  • {item}");
        }
    }
    Ok(done)
}

fn wasm_target(done: &mut Vec<String>) -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    done.push("added the rustup target wasm32-unknown-unknown".into());
    Ok(())
}

/// Installs the pinned nightly with `rust-src` ([`crate::toolchain`]) for the widget's size
/// build and the fuzz targets, unless it is there. When it cannot be had, says what follows:
/// CI builds fail, local builds fall back to stable (~8 KB gzip heavier).
fn pinned_nightly(done: &mut Vec<String>) {
    if toolchain::pinned_present() {
        return;
    }
    let step = Command::new("rustup")
        .args(toolchain::INSTALL_ARGS)
        .status();
    if step.is_ok_and(|s| s.success()) && toolchain::pinned_present() {
        done.push(format!(
            "installed {} with rust-src (the widget's size build, fuzzing)",
            toolchain::PINNED_NIGHTLY
        ));
    } else {
        eprintln!(
            "setup: WARNING: could not install {} with rust-src (`{}`): `cargo xtask build` \
             will fail under CI=true and fall back to stable Rust locally (~8 KB gzip heavier)",
            toolchain::PINNED_NIGHTLY,
            toolchain::install_command()
        );
    }
}

/// `cargo install <crate> --version <v> --locked --root <cache>/<crate>-<v>` unless every
/// binary is already there and reports that version.
pub(crate) fn cargo_tool(
    paths: &Paths,
    krate: &str,
    version: &str,
    bins: &[&str],
    done: &mut Vec<String>,
) -> Result<()> {
    let root = paths.tool_root(krate, version);
    let present = bins.iter().all(|bin| {
        Command::new(root.join("bin").join(bin))
            .arg("--version")
            .output()
            .is_ok_and(|out| {
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains(version)
            })
    });
    if present {
        return Ok(());
    }
    run(Command::new("cargo")
        .args(["install", krate, "--version", version, "--locked", "--root"])
        .arg(&root))?;
    done.push(format!(
        "installed {krate} {version} into {}",
        root.display()
    ));
    Ok(())
}

fn hash_files(paths: &Paths, files: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.as_bytes());
        hasher.update(fs::read(paths.at(file)).unwrap_or_default());
    }
    hex(&hasher.finalize())
}

fn npm_packages(paths: &Paths, done: &mut Vec<String>) -> Result<()> {
    let manifests = ["package.json", "package-lock.json"];
    let stamp = paths.at(STAMP);
    let current = hash_files(paths, &manifests);
    let fresh = paths.node_bin().join("wrangler").exists()
        && fs::read_to_string(&stamp).is_ok_and(|old| old.trim() == current);
    if fresh {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        return fail("npm is not installed: install Node.js (any version ≥ 18) and npm first");
    }
    // `npm ci` refuses lockfiles that mention other platforms' optional packages (workerd);
    // `npm install` with exact pins resolves the same versions. Browsers come from Debian.
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund"])
        .current_dir(&paths.root)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    let node = output(Command::new(paths.npm_tool("node")).arg("--version"))?;
    if !node.trim().starts_with("v22.") {
        return fail(format!(
            "node_modules/.bin/node is {}, expected v22.x",
            node.trim()
        ));
    }
    // npm install may rewrite the lockfile, so hash after it.
    fs::write(&stamp, hash_files(paths, &manifests))
        .context(|| format!("writing {}", stamp.display()))?;
    done.push(format!("installed npm packages (node {})", node.trim()));
    Ok(())
}

fn chromium(done: &mut Vec<String>) -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let root = output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !root {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update"])?;
    apt(&[
        "install",
        "-y",
        "--no-install-recommends",
        "chromium",
        "chromium-driver",
    ])?;
    done.push("installed Debian chromium and chromium-driver".into());
    Ok(())
}

/// `bytes` random bytes from /dev/urandom, hex-encoded.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut urandom| urandom.read_exact(&mut buf))
        .context(|| "reading /dev/urandom".into())?;
    Ok(hex(&buf))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn dev_vars(paths: &Paths, done: &mut Vec<String>) -> Result<()> {
    let file = paths.at(".dev.vars");
    if file.exists() {
        return Ok(());
    }
    let text = format!(
        "# Local secrets for `wrangler dev`, generated by `cargo xtask setup`. Never commit.\n\
         MASTER_SECRET={}\nPLATFORM_SECRET={}\n\
         # To use a real AI runtime, set AI_BASE_URL and AI_MODEL here (or in wrangler.toml) and:\n\
         # AI_API_KEY=sk-...\n",
        random_hex(32)?,
        random_hex(32)?
    );
    write_private(&file, &text)?;
    done.push("generated .dev.vars with random MASTER_SECRET and PLATFORM_SECRET".into());
    Ok(())
}

fn write_private(file: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .context(|| format!("creating {}", file.display()))?;
    out.write_all(text.as_bytes())
        .context(|| format!("writing {}", file.display()))
}

/// Reads `KEY=value` from .dev.vars (quotes stripped).
pub(crate) fn dev_var(paths: &Paths, key: &str) -> Option<String> {
    let text = fs::read_to_string(paths.at(".dev.vars")).ok()?;
    parse_dev_var(&text, key)
}

/// The value of `key` in `.dev.vars` text (`KEY=VALUE` lines, `#` comments, quotes stripped).
pub(crate) fn parse_dev_var(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .find(|(name, _)| name.trim() == key)
        .map(|(_, value)| value.trim().trim_matches('"').trim_matches('\'').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_vars_are_parsed_and_comments_skipped() {
        let text = "# MASTER_SECRET=nope\nMASTER_SECRET=abc\nPLATFORM_SECRET = \"def\"\n";
        assert_eq!(parse_dev_var(text, "MASTER_SECRET").as_deref(), Some("abc"));
        assert_eq!(
            parse_dev_var(text, "PLATFORM_SECRET").as_deref(),
            Some("def")
        );
        assert_eq!(parse_dev_var(text, "AI_API_KEY"), None);
    }

    #[test]
    fn secrets_are_64_hex_chars_and_differ() {
        let (a, b) = (random_hex(32).unwrap(), random_hex(32).unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
