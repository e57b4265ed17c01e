//! Where everything lives: the repository, the pinned tool cache and node_modules.

use std::path::{Path, PathBuf};

/// worker-build version; must match the `worker` crate pin in Cargo.toml.
pub(crate) const WORKER_BUILD_VERSION: &str = "0.8.7";
/// wasm-bindgen-cli version; must match the `wasm-bindgen` pin in Cargo.toml byte for byte.
pub(crate) const WASM_BINDGEN_VERSION: &str = "0.2.129";
/// The widget's crate and its output file stem.
pub(crate) const WIDGET_PACKAGE: &str = "shopkeep-widget";
/// Name of the wasm-bindgen outputs (`<stem>.js`, `<stem>_bg.wasm`).
pub(crate) const WIDGET_STEM: &str = "shopkeep_widget";
/// The widget built with the person module (issue 14), loaded only when a person is involved.
pub(crate) const PERSON_STEM: &str = "shopkeep_widget_p";
/// The placeholder in embed-loader/embed.js replaced by the content hash.
pub(crate) const VERSION_PLACEHOLDER: &str = "__SHOPKEEP_WIDGET_VERSION__";

/// All paths xtask uses, derived from the repository root.
#[derive(Debug, Clone)]
pub(crate) struct Paths {
    /// Repository root (the workspace).
    pub(crate) root: PathBuf,
    /// `~/.cache/shopkeep/tools`: pinned tools, one directory per name and version.
    pub(crate) tools: PathBuf,
}

impl Paths {
    /// Paths for this checkout (xtask lives in `<root>/xtask`).
    pub(crate) fn discover() -> Self {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or(manifest_dir);
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(|| root.join("target"));
        Self {
            root,
            tools: cache.join("shopkeep").join("tools"),
        }
    }

    /// `<root>/<relative>`.
    pub(crate) fn at(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// `--root` of a pinned `cargo install`.
    pub(crate) fn tool_root(&self, name: &str, version: &str) -> PathBuf {
        self.tools.join(format!("{name}-{version}"))
    }

    /// The worker-build binary.
    pub(crate) fn worker_build(&self) -> PathBuf {
        self.tool_root("worker-build", WORKER_BUILD_VERSION)
            .join("bin/worker-build")
    }

    /// The wasm-bindgen binary.
    pub(crate) fn wasm_bindgen(&self) -> PathBuf {
        self.tool_root("wasm-bindgen-cli", WASM_BINDGEN_VERSION)
            .join("bin/wasm-bindgen")
    }

    /// The wasm-bindgen-test-runner binary (same install as wasm-bindgen).
    pub(crate) fn wasm_bindgen_test_runner(&self) -> PathBuf {
        self.tool_root("wasm-bindgen-cli", WASM_BINDGEN_VERSION)
            .join("bin/wasm-bindgen-test-runner")
    }

    /// `node_modules/.bin`: wrangler, node 22, wasm-opt, esbuild.
    pub(crate) fn node_bin(&self) -> PathBuf {
        self.root.join("node_modules/.bin")
    }

    /// A binary from node_modules/.bin.
    pub(crate) fn npm_tool(&self, name: &str) -> PathBuf {
        self.node_bin().join(name)
    }

    /// The Cargo target directory.
    pub(crate) fn target(&self) -> PathBuf {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target"))
    }

    /// A scratch directory of xtask's own under target/.
    pub(crate) fn scratch(&self) -> PathBuf {
        self.target().join("xtask")
    }

    /// `PATH` with node_modules/.bin first, so `#!/usr/bin/env node` scripts run on Node 22.
    pub(crate) fn path_env(&self) -> std::ffi::OsString {
        let mut parts = vec![self.node_bin()];
        if let Some(path) = std::env::var_os("PATH") {
            parts.extend(std::env::split_paths(&path));
        }
        std::env::join_paths(parts).unwrap_or_default()
    }
}
