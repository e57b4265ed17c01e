//! The peers Shopkeep is compared with, exactly as npm ships them: pinned versions fetched
//! with `npm pack` (widgets) or `npm install` (Portkey's gateway, which needs its
//! dependencies) into `~/.cache/shopkeep/peers/`, never from a CDN and never into the
//! repository. A second run finds them there and fetches nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::error::{fail, Error, IoContext, Result};
use crate::paths::Paths;
use crate::process::{output, run};

/// How a peer widget becomes something a host page can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shipping {
    /// The package's own browser build, loaded as it is.
    AsPublished,
    /// A React component library: bundled with React (esbuild, production, minified) from
    /// `tests/bench/peers/<id>-entry.mjs`, the way a shop that is not a React app ships it.
    BundledWithReact,
}

/// One peer widget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeerWidget {
    /// Short id used in URLs and tables.
    pub(crate) id: &'static str,
    /// Product name.
    pub(crate) name: &'static str,
    /// npm package.
    pub(crate) package: &'static str,
    /// Exact version.
    pub(crate) version: &'static str,
    /// Directory served to the host page, relative to the package root (or the bundle dir).
    pub(crate) serve: &'static str,
    /// Entry modules (relative to `serve`); their relative imports are followed.
    pub(crate) entries: &'static [&'static str],
    /// Stylesheets the embed instructions add (relative to `serve`).
    pub(crate) styles: &'static [&'static str],
    /// How it is shipped.
    pub(crate) shipping: Shipping,
}

/// The npm chat widgets compared in the weight and host-page sections.
pub(crate) const WIDGETS: &[PeerWidget] = &[
    PeerWidget {
        id: "typebot",
        name: "Typebot",
        package: "@typebot.io/js",
        version: "0.10.7",
        serve: "dist",
        entries: &["web.js"],
        styles: &[],
        shipping: Shipping::AsPublished,
    },
    PeerWidget {
        id: "flowise",
        name: "Flowise",
        package: "flowise-embed",
        version: "3.1.6",
        serve: "dist",
        entries: &["web.js"],
        styles: &[],
        shipping: Shipping::AsPublished,
    },
    PeerWidget {
        id: "n8n",
        name: "n8n Chat",
        package: "@n8n/chat",
        version: "1.37.0",
        serve: "dist",
        entries: &["chat.bundle.es.js"],
        styles: &["style.css"],
        shipping: Shipping::AsPublished,
    },
    PeerWidget {
        id: "botpress",
        name: "Botpress Webchat",
        package: "@botpress/webchat",
        version: "4.5.2",
        serve: "bundle",
        entries: &["webchat.js"],
        styles: &["webchat.css"],
        shipping: Shipping::BundledWithReact,
    },
];

/// React for the widgets that need it (Botpress Webchat asks for `react@^19`).
const REACT: &[(&str, &str)] = &[
    ("react", "19.2.9"),
    ("react-dom", "19.2.9"),
    ("scheduler", "0.27.0"),
];

/// The peer AI gateway of the gateway section.
pub(crate) const PORTKEY: (&str, &str) = ("@portkey-ai/gateway", "1.15.2");

/// `~/.cache/shopkeep/peers`.
pub(crate) fn cache_root(paths: &Paths) -> PathBuf {
    paths
        .tools
        .parent()
        .map(|shopkeep| shopkeep.join("peers"))
        .unwrap_or_else(|| paths.scratch().join("peers"))
}

/// `@scope/name` + version → `scope-name-1.2.3`, the cache directory's name.
pub(crate) fn dir_name(package: &str, version: &str) -> String {
    format!(
        "{}-{version}",
        package.trim_start_matches('@').replace('/', "-")
    )
}

fn npm(paths: &Paths) -> Command {
    let mut cmd = Command::new("npm");
    cmd.env("PATH", paths.path_env())
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false");
    cmd
}

/// The unpacked package (`<cache>/<dir>/package`), fetched with `npm pack` if missing.
fn unpacked(paths: &Paths, package: &str, version: &str) -> Result<PathBuf> {
    let root = cache_root(paths);
    let dir = root.join(dir_name(package, version));
    let unpacked = dir.join("package");
    if unpacked.join("package.json").is_file() {
        return Ok(unpacked);
    }
    let tarballs = root.join("tarballs");
    fs::create_dir_all(&tarballs).context(|| format!("creating {}", tarballs.display()))?;
    let listing = output(
        npm(paths)
            .args(["pack", "--json", &format!("{package}@{version}")])
            .arg("--pack-destination")
            .arg(&tarballs),
    )?;
    let filename = serde_json::from_str::<Value>(&listing)
        .ok()
        .and_then(|v| v[0]["filename"].as_str().map(str::to_owned))
        .ok_or_else(|| Error::Other(format!("npm pack {package}@{version}: no filename")))?;
    // npm names scoped tarballs `scope-name-1.2.3.tgz` (older npms kept the `@`).
    let tarball = tarballs.join(filename.trim_start_matches('@').replace('/', "-"));
    fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    run(Command::new("tar")
        .arg("xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir))?;
    if !unpacked.join("package.json").is_file() {
        return fail(format!("{} holds no package/", dir.display()));
    }
    Ok(unpacked)
}

/// The directory a peer widget's files are served from (fetching and bundling as needed).
pub(crate) fn widget_dir(paths: &Paths, peer: &PeerWidget) -> Result<PathBuf> {
    let package = unpacked(paths, peer.package, peer.version)?;
    match peer.shipping {
        Shipping::AsPublished => Ok(package.join(peer.serve)),
        Shipping::BundledWithReact => bundle_with_react(paths, peer, &package),
    }
}

fn bundle_with_react(paths: &Paths, peer: &PeerWidget, package: &Path) -> Result<PathBuf> {
    let out = cache_root(paths)
        .join(dir_name(peer.package, peer.version))
        .join(peer.serve);
    fs::create_dir_all(&out).context(|| format!("creating {}", out.display()))?;
    let entry = paths.at(&format!("tests/bench/peers/{}-entry.mjs", peer.id));
    let mut cmd = Command::new(paths.npm_tool("esbuild"));
    cmd.arg(&entry)
        .args([
            "--bundle",
            "--format=esm",
            "--minify",
            "--log-level=warning",
            "--define:process.env.NODE_ENV=\"production\"",
        ])
        .arg(format!("--outfile={}", out.join("webchat.js").display()))
        .arg(format!("--alias:{}={}", peer.package, package.display()));
    for (name, version) in REACT {
        let dir = unpacked(paths, name, version)?;
        cmd.arg(format!("--alias:{name}={}", dir.display()));
    }
    run(&mut cmd)?;
    Ok(out)
}

/// Installs Portkey's gateway with its dependencies (`--ignore-scripts`) if missing; returns
/// its `build/start-server.js`.
pub(crate) fn portkey(paths: &Paths) -> Result<PathBuf> {
    let (package, version) = PORTKEY;
    let prefix = cache_root(paths).join(dir_name(package, version));
    let server = prefix.join("node_modules/@portkey-ai/gateway/build/start-server.js");
    if server.is_file() {
        return Ok(server);
    }
    fs::create_dir_all(&prefix).context(|| format!("creating {}", prefix.display()))?;
    run(npm(paths)
        .args(["install", "--ignore-scripts", "--no-save", "--prefix"])
        .arg(&prefix)
        .arg(format!("{package}@{version}")))?;
    if !server.is_file() {
        return fail(format!("{} is missing after npm install", server.display()));
    }
    Ok(server)
}

/// `name@version` of a package installed under Portkey's prefix (for the report).
pub(crate) fn portkey_dependency(paths: &Paths, name: &str) -> String {
    let (package, version) = PORTKEY;
    let file = cache_root(paths)
        .join(dir_name(package, version))
        .join("node_modules")
        .join(name)
        .join("package.json");
    let installed = fs::read_to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    format!("{name}@{installed}")
}

/// Relative module specifiers imported by `source`: `(static, dynamic)`.
pub(crate) fn relative_imports(source: &str) -> (Vec<String>, Vec<String>) {
    let mut statics = Vec::new();
    let mut dynamics = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        let rest = &bytes[i + 1..];
        // Quotes are ASCII, so `i` and `i + 1` are character boundaries here.
        if (quote == b'"' || quote == b'\'')
            && (rest.starts_with(b"./") || rest.starts_with(b"../"))
        {
            let Some(len) = rest.iter().position(|b| *b == quote) else {
                break;
            };
            let spec = String::from_utf8_lossy(&rest[..len]).into_owned();
            let before = source[..i].trim_end();
            let dynamic = before
                .strip_suffix('(')
                .is_some_and(|b| b.trim_end().ends_with("import"));
            if dynamic {
                dynamics.push(spec);
            } else if before.ends_with("from") || before.ends_with("import") {
                statics.push(spec);
            }
            i += len + 2;
            continue;
        }
        i += 1;
    }
    (statics, dynamics)
}

/// The files a peer ships for a working chat: its entries and stylesheets plus everything
/// they import statically; and, separately, the chunks it imports only on demand.
pub(crate) fn shipped_files(dir: &Path, peer: &PeerWidget) -> Result<(Vec<String>, Vec<String>)> {
    let mut files: Vec<String> = Vec::new();
    let mut lazy: Vec<String> = Vec::new();
    let mut queue: Vec<String> = peer.entries.iter().map(|e| (*e).to_owned()).collect();
    while let Some(file) = queue.pop() {
        if files.contains(&file) {
            continue;
        }
        let path = dir.join(&file);
        let text = fs::read_to_string(&path).context(|| format!("reading {}", path.display()))?;
        let (statics, dynamics) = relative_imports(&text);
        let base = Path::new(&file).parent().unwrap_or(Path::new(""));
        let resolve = |spec: &str| normalize(&base.join(spec));
        queue.extend(statics.iter().map(|s| resolve(s)));
        lazy.extend(dynamics.iter().map(|s| resolve(s)));
        files.push(file);
    }
    files.extend(peer.styles.iter().map(|s| (*s).to_owned()));
    lazy.retain(|file| !files.contains(file));
    lazy.sort();
    lazy.dedup();
    Ok((files, lazy))
}

fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(name) => parts.push(name.to_string_lossy().into()),
            _ => {}
        }
    }
    parts.join("/")
}

/// What the browser benchmark needs to serve the peers: `{id: {name, package, version, dir}}`.
pub(crate) fn manifest(paths: &Paths) -> Result<Value> {
    let mut out = serde_json::Map::new();
    for peer in WIDGETS {
        let dir = widget_dir(paths, peer)?;
        out.insert(
            peer.id.into(),
            json!({
                "name": peer.name,
                "package": peer.package,
                "version": peer.version,
                "dir": dir,
            }),
        );
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_directories_are_named_after_package_and_version() {
        assert_eq!(dir_name("@typebot.io/js", "0.10.7"), "typebot.io-js-0.10.7");
        assert_eq!(dir_name("flowise-embed", "3.1.6"), "flowise-embed-3.1.6");
    }

    #[test]
    fn relative_imports_are_split_into_static_and_dynamic() {
        let source = r#"import{a as e}from"./chunk-A.mjs";import "./side.js";
            export * from './re.js'; const x = import("./lazy.mjs"); import ( './lazy2.js' );
            import React from "react"; const s = "./not-an-import.js"; const t = "【】";"#;
        let (statics, dynamics) = relative_imports(source);
        assert_eq!(statics, ["./chunk-A.mjs", "./side.js", "./re.js"]);
        assert_eq!(dynamics, ["./lazy.mjs", "./lazy2.js"]);
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(normalize(Path::new("a/./b/../c.js")), "a/c.js");
        assert_eq!(normalize(Path::new("./x.js")), "x.js");
    }

    #[test]
    fn every_peer_is_pinned_exactly() {
        for peer in WIDGETS {
            assert!(
                peer.version.split('.').all(|p| p.parse::<u32>().is_ok()),
                "{} {}",
                peer.package,
                peer.version
            );
        }
    }
}
