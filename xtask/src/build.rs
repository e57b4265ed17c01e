//! `cargo xtask build`: the gateway through worker-build, the widget through
//! cargo → wasm-bindgen → wasm-opt, embed.js minified, and the static site in dist/.
//!
//! dist/ is assembled in a staging directory and swapped in at the end, so a failed build
//! never leaves half a site and old widget versions disappear on every rebuild.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::error::{fail, Error, IoContext, Result};
use crate::paths::{Paths, PERSON_STEM, VERSION_PLACEHOLDER, WIDGET_PACKAGE, WIDGET_STEM};
use crate::process::run;
use crate::setup::hex;
use crate::toolchain::{
    cargo_selector, ci, pinned_present, widget_toolchain, Toolchain, PINNED_NIGHTLY,
};

/// Which parts to build.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BuildOptions {
    /// Build the gateway worker (skipped only while iterating on the static parts).
    pub(crate) gateway: bool,
}

/// Builds everything into dist/ (and the worker into edge-gateway/build/); returns the
/// widget's content-hash version.
pub(crate) fn build(paths: &Paths, options: BuildOptions) -> Result<String> {
    if options.gateway {
        gateway(paths)?;
    } else {
        println!("build: skipping the gateway (--no-gateway)");
    }
    let staging = paths.scratch().join("dist-staging");
    reset_dir(&staging)?;
    let widget_version = widget(paths, &staging)?;
    embed_js(paths, &staging, &widget_version)?;
    current_widget(&staging, &widget_version)?;
    site(paths, &staging)?;
    write_headers(&staging)?;

    let dist = paths.at("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).context(|| format!("removing old {}", dist.display()))?;
    }
    if fs::rename(&staging, &dist).is_err() {
        // CARGO_TARGET_DIR may be on another file system: copy instead.
        copy_tree(&staging, &dist)?;
        fs::remove_dir_all(&staging).context(|| format!("removing {}", staging.display()))?;
    }
    println!("build: dist/ ready (widget version {widget_version})");
    Ok(widget_version)
}

fn reset_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).context(|| format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).context(|| format!("creating {}", dir.display()))
}

/// Environment that makes worker-build use our pinned local tools instead of downloading.
pub(crate) fn wasm_tool_env(paths: &Paths, cmd: &mut Command) {
    cmd.env("PATH", paths.path_env())
        .env("WASM_BINDGEN_BIN", paths.wasm_bindgen())
        .env("WASM_OPT_BIN", paths.npm_tool("wasm-opt"))
        .env("ESBUILD_BIN", paths.npm_tool("esbuild"));
}

fn gateway(paths: &Paths) -> Result<()> {
    let mut cmd = Command::new(paths.worker_build());
    cmd.arg("--release").current_dir(paths.at("edge-gateway"));
    wasm_tool_env(paths, &mut cmd);
    run(&mut cmd)?;
    let main = wrangler_main(paths)?;
    if !paths.root.join(&main).exists() {
        return fail(format!(
            "worker-build finished but wrangler.toml's main = \"{main}\" does not exist; \
             look in edge-gateway/build/ for the entry point"
        ));
    }
    Ok(())
}

/// The `main = "…"` entry of wrangler.toml.
pub(crate) fn wrangler_main(paths: &Paths) -> Result<String> {
    let text =
        fs::read_to_string(paths.at("wrangler.toml")).context(|| "reading wrangler.toml".into())?;
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("main"))
        .filter_map(|rest| rest.trim_start().strip_prefix('='))
        .map(|value| value.trim().trim_matches('"').to_owned())
        .next()
        .ok_or_else(|| Error::Other("wrangler.toml has no `main =` line".into()))
}

/// The widget twice (widget/README.md "Two modules"): `shopkeep_widget` without the person
/// module (what every chat loads, inside the weight budget) and `shopkeep_widget_p` with it
/// (embed.js swaps it in when a person is involved); copies both to `<dist>/widget/<hash>/`.
fn widget(paths: &Paths, dist: &Path) -> Result<String> {
    // Size build (widget/README.md "Release build"): the pinned nightly rebuilds std with
    // immediate-abort panics and no Debug/location formatting, in its own target dir so it
    // does not churn the stable cache. Stable only as a local fallback (crate::toolchain).
    let toolchain = widget_toolchain(ci(), pinned_present())?;
    let nightly = toolchain == Toolchain::PinnedNightly;
    if !nightly {
        eprintln!(
            "build: WARNING: {PINNED_NIGHTLY} with rust-src is not installed; building the \
             widget with stable Rust, ~8 KB gzip heavier (over the budget). Run `cargo xtask \
             setup` to install it; under CI=true this is an error."
        );
    }
    let out = paths.scratch().join("widget");
    reset_dir(&out)?;
    widget_module(paths, &out, nightly, WIDGET_STEM, false)?;
    widget_module(paths, &out, nightly, PERSON_STEM, true)?;

    // The widget's strings in languages other than English, fetched when a page needs them.
    let i18n = paths.at("widget/i18n");
    if i18n.is_dir() {
        copy_tree(&i18n, &out.join("i18n"))?;
    }

    let files = files_under(&out)?;
    let version = content_version(&out, &files)?;
    let target = dist.join("widget").join(&version);
    copy_tree(&out, &target)?;
    for file in &files {
        let size = fs::metadata(out.join(file))
            .map(|meta| meta.len())
            .unwrap_or(0);
        println!("build: widget/{version}/{} ({size} bytes)", file.display());
    }
    Ok(version)
}

/// One build of the widget crate (`person`: with the person module) as `<out>/<stem>.js` and
/// `<out>/<stem>_bg.wasm`: cargo → wasm-bindgen → short import names → wasm-opt → esbuild.
fn widget_module(paths: &Paths, out: &Path, nightly: bool, stem: &str, person: bool) -> Result<()> {
    let target_dir = if nightly {
        paths.target().join("widget-nightly")
    } else {
        paths.target()
    };
    let mut cargo = Command::new("cargo");
    cargo.current_dir(&paths.root);
    if nightly {
        cargo.arg(cargo_selector()).env(
            "RUSTFLAGS",
            // LLVM's inliner off (`-inline-threshold=0`; wasm-opt still inlines what is
            // worth it): −116 B gzip (widget/README.md "Weight").
            "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none \
             -Cllvm-args=-inline-threshold=0",
        );
    }
    cargo
        .args([
            "build",
            "-p",
            WIDGET_PACKAGE,
            "--target",
            "wasm32-unknown-unknown",
            "--release",
        ])
        .args(if person {
            &[][..]
        } else {
            &["--no-default-features"][..]
        })
        .arg("--target-dir")
        .arg(&target_dir);
    if nightly {
        cargo.args(["-Z", "build-std=std,panic_abort"]);
    }
    run(&mut cargo)?;
    let wasm = target_dir.join(format!("wasm32-unknown-unknown/release/{WIDGET_STEM}.wasm"));
    if !wasm.exists() {
        return Err(Error::Missing {
            path: wasm,
            hint: format!(
                "{WIDGET_PACKAGE} must be a cdylib (crate-type = [\"cdylib\", \"rlib\"])"
            ),
        });
    }
    run(Command::new(paths.wasm_bindgen())
        .arg(&wasm)
        .args([
            "--target",
            "web",
            "--no-typescript",
            // TextEncoder.encodeInto is in every browser since 2019: no fallback copy in the
            // glue (−40 B gzip).
            "--encode-into",
            "always",
            "--out-name",
            stem,
            "--out-dir",
        ])
        .arg(out))?;

    let bg = out.join(format!("{stem}_bg.wasm"));
    // Short import names in the wasm and the glue (−3.7 KB gzip; crate::imports).
    let glue = out.join(format!("{stem}.js"));
    let (wasm_bytes, glue_text) = crate::imports::shorten(
        &fs::read(&bg).context(|| format!("reading {}", bg.display()))?,
        &fs::read_to_string(&glue).context(|| format!("reading {}", glue.display()))?,
        &format!("./{stem}_bg.js"),
    )?;
    fs::write(&bg, wasm_bytes).context(|| format!("writing {}", bg.display()))?;
    fs::write(&glue, glue_text).context(|| format!("writing {}", glue.display()))?;
    // The features rustc enables by default for wasm32-unknown-unknown (all in every
    // browser since 2021); wasm-opt must know them or it refuses the module.
    let mut opt = Command::new(paths.npm_tool("wasm-opt"));
    opt.env("PATH", paths.path_env())
        .arg(&bg)
        .args([
            "-Oz",
            // wasm-opt keeps the name and producers sections unless told; they are pure weight.
            "--strip-debug",
            "--strip-producers",
            // rustc's `target_features` section too: no browser reads it (−0.1 KB gzip).
            "--strip-target-features",
            // Another -Oz round until nothing shrinks, and: rustc puts the stack first in linear
            // memory, so nothing lives in the low 1 KiB (−0.5 KB gzip; widget/README.md).
            "--converge",
            "--low-memory-unused",
            // Functions with one caller are inlined only when small: -Oz inlines them whatever
            // their size, and the merged giants compress worse (−1.7 KB gzip; 10–20 measured
            // alike, 0 and 100 worse; widget/README.md "Weight").
            "--one-caller-inline-max-function-size=15",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
            "-o",
        ])
        .arg(&bg);
    run(&mut opt)?;

    // The glue is shipped minified (ES module syntax kept for `import()`), bundled from an
    // entry that re-exports only what embed.js and the admin preview call (`default`, the
    // async init, and `mount`): `initSync` and what only it uses are left out (−0.1 KB gzip).
    let entry = paths.scratch().join(format!("{stem}-entry.js"));
    fs::write(
        &entry,
        format!("export {{ default, mount }} from \"./widget/{stem}.js\";\n"),
    )
    .context(|| format!("writing {}", entry.display()))?;
    run(Command::new(paths.npm_tool("esbuild"))
        .env("PATH", paths.path_env())
        .arg(&entry)
        .args([
            "--bundle",
            "--minify",
            "--format=esm",
            "--log-level=warning",
            "--allow-overwrite",
        ])
        .arg(format!("--outfile={}", glue.display())))?;
    // wasm-bindgen's `inline_js` snippets are bundled into the glue now: not shipped apart.
    let snippets = out.join("snippets");
    if snippets.exists() {
        fs::remove_dir_all(&snippets).context(|| format!("removing {}", snippets.display()))?;
    }
    Ok(())
}

/// Relative paths of all files under `dir`, glue first, then the wasm, then the rest sorted
/// (so the hash is stable).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).context(|| format!("listing {}", current.display()))? {
            let path = entry
                .context(|| format!("listing {}", current.display()))?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                files.push(relative.to_path_buf());
            }
        }
    }
    let rank = |path: &Path| match path.to_str() {
        Some(name) if name == format!("{WIDGET_STEM}.js") => 0,
        Some(name) if name == format!("{WIDGET_STEM}_bg.wasm") => 1,
        _ => 2,
    };
    files.sort_by(|a, b| (rank(a), a).cmp(&(rank(b), b)));
    Ok(files)
}

/// First 10 hex digits of SHA-256 over the files (glue + wasm + any snippets).
fn content_version(dir: &Path, files: &[PathBuf]) -> Result<String> {
    let mut hasher = Sha256::new();
    for file in files {
        let path = dir.join(file);
        hasher.update(fs::read(&path).context(|| format!("reading {}", path.display()))?);
    }
    Ok(hex(&hasher.finalize())[..10].to_owned())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).context(|| format!("listing {}", from.display()))? {
        let path = entry
            .context(|| format!("listing {}", from.display()))?
            .path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let dest = to.join(name);
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            fs::copy(&path, &dest)
                .context(|| format!("copying {} to {}", path.display(), dest.display()))?;
        }
    }
    Ok(())
}

/// embed-loader/embed.js with the widget version filled in, minified by esbuild.
fn embed_js(paths: &Paths, dist: &Path, version: &str) -> Result<()> {
    let source = paths.at("embed-loader/embed.js");
    let text = fs::read_to_string(&source).map_err(|_| Error::Missing {
        path: source.clone(),
        hint: "the embed loader is the script shops paste; it must exist to build".into(),
    })?;
    if !text.contains(VERSION_PLACEHOLDER) {
        return fail(format!(
            "{} does not contain {VERSION_PLACEHOLDER}: the loader would not know which widget to load",
            source.display()
        ));
    }
    let filled = paths.scratch().join("embed.js");
    fs::write(&filled, text.replace(VERSION_PLACEHOLDER, version))
        .context(|| format!("writing {}", filled.display()))?;
    let out = dist.join("embed.js");
    run(Command::new(paths.npm_tool("esbuild"))
        .env("PATH", paths.path_env())
        .arg(&filled)
        .args(["--minify", "--legal-comments=none", "--log-level=warning"])
        .arg(format!("--outfile={}", out.display())))?;
    let size = fs::metadata(&out).map(|meta| meta.len()).unwrap_or(0);
    println!("build: embed.js ({size} bytes)");
    Ok(())
}

/// The demo storefront at the root of dist/, the admin console (when present) at /admin/.
fn site(paths: &Paths, dist: &Path) -> Result<()> {
    let storefront = paths.at("demo-site/storefront");
    if storefront.is_dir() {
        copy_tree(&storefront, dist)?;
    } else {
        println!(
            "build: warning: {} is missing; no demo page",
            storefront.display()
        );
    }
    let admin = paths.at("demo-site/admin");
    if admin.is_dir() {
        copy_tree(&admin, &dist.join("admin"))?;
    }
    Ok(())
}

/// Cloudflare static-assets header rules (also honoured by `wrangler dev`).
pub(crate) const HEADERS: &str = "\
# Generated by `cargo xtask build`.
# Widget files are content-hashed: cache forever, load from any shop's origin.
/widget/:version/*
  Cache-Control: public, max-age=31536000, immutable
  Access-Control-Allow-Origin: *

# Names the current widget version (for the admin console's preview): always revalidated.
/widget/current.json
  Cache-Control: no-cache
  Access-Control-Allow-Origin: *

# The admin console: strict CSP (the preview runs the widget, hence 'wasm-unsafe-eval'), never
# framed by other sites, always revalidated.
/admin/*
  Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  Cache-Control: no-cache

# embed.js names the current widget version, so it is cached briefly.
/embed.js
  Cache-Control: public, max-age=300
  Access-Control-Allow-Origin: *
";

/// `widget/current.json`: where the current widget lives, for pages that load it directly (the
/// console's preview): the build with the person module, the whole widget (`set_config` is only
/// there).
fn current_widget(dist: &Path, version: &str) -> Result<()> {
    let file = dist.join("widget").join("current.json");
    let body = format!(
        "{{\"version\":\"{version}\",\"module\":\"/widget/{version}/{PERSON_STEM}.js\",\"wasm\":\"/widget/{version}/{PERSON_STEM}_bg.wasm\"}}\n"
    );
    fs::write(&file, body).context(|| format!("writing {}", file.display()))
}

fn write_headers(dist: &Path) -> Result<()> {
    let file = dist.join("_headers");
    fs::write(&file, HEADERS).context(|| format!("writing {}", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_ten_hex_digits_and_tracks_content() {
        let dir = std::env::temp_dir().join(format!("xtask-version-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("{WIDGET_STEM}.js")), "glue").unwrap();
        fs::write(dir.join(format!("{WIDGET_STEM}_bg.wasm")), "wasm").unwrap();
        let files = files_under(&dir).unwrap();
        assert_eq!(files[0], PathBuf::from(format!("{WIDGET_STEM}.js")));
        let first = content_version(&dir, &files).unwrap();
        assert_eq!(first.len(), 10);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(first, content_version(&dir, &files).unwrap(), "stable");
        fs::write(dir.join(format!("{WIDGET_STEM}_bg.wasm")), "wasm2").unwrap();
        assert_ne!(
            first,
            content_version(&dir, &files).unwrap(),
            "changes with content"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn headers_cover_widget_and_embed() {
        assert!(HEADERS
            .contains("/widget/:version/*\n  Cache-Control: public, max-age=31536000, immutable"));
        assert!(HEADERS.contains("/widget/current.json\n  Cache-Control: no-cache"));
        assert!(HEADERS.contains("/admin/*\n  Content-Security-Policy: default-src 'self'"));
        assert!(HEADERS.contains("/embed.js\n  Cache-Control: public, max-age=300"));
    }
}
