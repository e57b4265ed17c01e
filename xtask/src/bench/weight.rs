//! Widget weight: everything a shopper downloads for an interactive chat, ours from `dist/`
//! against SPEC §8's budgets, and the npm peers' shipped files next to it.

use std::fs;
use std::path::PathBuf;

use super::compress::{weigh, weigh_cached, Weight};
use super::peers::{self, PeerWidget};
use super::stats::{kb, thousands, times};
use crate::error::{fail, IoContext, Result};
use crate::paths::{Paths, PERSON_STEM, WIDGET_STEM};

/// Budget for embed.js, gzip bytes (SPEC §8).
const EMBED_BUDGET_GZIP: u64 = 2 * 1024;
/// Budget for everything needed for an interactive chat, gzip bytes (SPEC §8).
/// Measured: embed.js, the glue and the wasm it loads for every chat (product and order cards,
/// the rating form, "Talk to a person"). The person module (the widget built with the handoff,
/// `shopkeep_widget_p`) replaces them only when a person is involved: weighed beside it
/// ([`person`]), not in the budget (widget/README.md "Two modules").
const TOTAL_BUDGET_GZIP: u64 = 64 * 1024;

/// The versioned widget directory in `dist/widget/`.
pub(crate) fn widget_dir(paths: &Paths) -> Result<PathBuf> {
    let root = paths.at("dist/widget");
    let mut versions: Vec<PathBuf> = fs::read_dir(&root)
        .context(|| format!("listing {} (run `cargo xtask build`)", root.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    versions.sort();
    match versions.pop() {
        Some(dir) if versions.is_empty() => Ok(dir),
        Some(_) => fail("dist/widget holds several versions; rebuild with `cargo xtask build`"),
        None => fail("dist/widget is empty; run `cargo xtask build`"),
    }
}

/// Our files: embed.js, the widget's JS glue and wasm, and any CSS file.
pub(crate) fn ours(paths: &Paths) -> Result<Vec<Weight>> {
    let dir = widget_dir(paths)?;
    let mut rows = vec![
        weigh("embed.js", &paths.at("dist/embed.js"))?,
        weigh("widget glue (JS)", &dir.join(format!("{WIDGET_STEM}.js")))?,
        weigh("widget (wasm)", &dir.join(format!("{WIDGET_STEM}_bg.wasm")))?,
    ];
    for entry in fs::read_dir(&dir).context(|| format!("listing {}", dir.display()))? {
        let path = entry
            .context(|| format!("listing {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "css") {
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            rows.push(weigh(&format!("widget CSS ({name})"), &path)?);
        }
    }
    Ok(rows)
}

/// The person module's glue and wasm, summed: what a chat that involves a person loads
/// instead of (a page that already involved one) or after (a swap) the widget's.
pub(crate) fn person(paths: &Paths) -> Result<Weight> {
    let dir = widget_dir(paths)?;
    Ok(Weight::total(
        "person module",
        &[
            weigh("glue", &dir.join(format!("{PERSON_STEM}.js")))?,
            weigh("wasm", &dir.join(format!("{PERSON_STEM}_bg.wasm")))?,
        ],
    ))
}

/// The table of our files with the budget verdicts.
pub(crate) fn our_table(rows: &[Weight]) -> String {
    let mut out = String::from("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            row.label, row.raw, row.gzip, row.brotli
        ));
    }
    let total = Weight::total("total", rows);
    out.push_str(&format!(
        "| **total for an interactive chat** | {} | **{}** ({}) | {} |\n",
        total.raw,
        total.gzip,
        kb(total.gzip as f64),
        total.brotli
    ));
    let embed = rows.first().map(|w| w.gzip).unwrap_or(0);
    let verdict = |value: u64, budget: u64| {
        if value <= budget {
            "within budget"
        } else {
            "**over budget**"
        }
    };
    out.push_str(&format!(
        "\nBudgets (SPEC §8, gzip): embed.js ≤ {} → {} ({}); total ≤ {} → {} ({}).\n",
        kb(EMBED_BUDGET_GZIP as f64),
        kb(embed as f64),
        verdict(embed, EMBED_BUDGET_GZIP),
        kb(TOTAL_BUDGET_GZIP as f64),
        kb(total.gzip as f64),
        verdict(total.gzip, TOTAL_BUDGET_GZIP)
    ));
    out
}

/// One peer's shipped weight.
#[derive(Debug, Clone)]
pub(crate) struct PeerWeight {
    /// Which peer.
    pub(crate) peer: PeerWidget,
    /// Everything loaded for a working chat, summed.
    pub(crate) total: Weight,
    /// The files counted.
    pub(crate) files: Vec<String>,
    /// Chunks imported only on demand (not counted), summed.
    pub(crate) lazy: Option<Weight>,
}

/// Weighs every peer widget (fetching it into the cache first if needed).
pub(crate) fn peer_weights(paths: &Paths) -> Result<Vec<PeerWeight>> {
    let mut out = Vec::new();
    for peer in peers::WIDGETS {
        let dir = peers::widget_dir(paths, peer)?;
        let (files, lazy) = peers::shipped_files(&dir, peer)?;
        let cache = peers::cache_root(paths).join("weights.json");
        let weigh_all = |list: &[String]| -> Result<Vec<Weight>> {
            list.iter()
                .map(|f| weigh_cached(f, &dir.join(f), &cache))
                .collect()
        };
        let counted = weigh_all(&files)?;
        let lazy = if lazy.is_empty() {
            None
        } else {
            Some(Weight::total("lazy", &weigh_all(&lazy)?))
        };
        out.push(PeerWeight {
            peer: *peer,
            total: Weight::total(peer.name, &counted),
            files,
            lazy,
        });
    }
    Ok(out)
}

/// Ours next to the peers, with how many times heavier each peer is (gzip and brotli).
pub(crate) fn peer_table(ours: &[Weight], peers: &[PeerWeight]) -> String {
    let us = Weight::total("Shopkeep", ours);
    let mut out = String::from(
        "| widget | npm package | files | raw | gzip -9 | brotli -q 11 | gzip vs Shopkeep |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    out.push_str(&format!(
        "| **Shopkeep** | (this repository, `dist/`) | {} | {} | **{}** | {} | 1× |\n",
        ours.len(),
        thousands(us.raw as i64),
        thousands(us.gzip as i64),
        thousands(us.brotli as i64),
    ));
    for p in peers {
        out.push_str(&format!(
            "| {} | `{}@{}` | {} | {} | {} | {} | **{}** heavier |\n",
            p.peer.name,
            p.peer.package,
            p.peer.version,
            p.files.len(),
            thousands(p.total.raw as i64),
            thousands(p.total.gzip as i64),
            thousands(p.total.brotli as i64),
            times(Some(p.total.gzip as f64), Some(us.gzip as f64)),
        ));
    }
    out.push_str("\nFiles counted (entry modules, everything they import statically, and the stylesheet the embed instructions add):\n\n");
    for p in peers {
        let lazy = p
            .lazy
            .as_ref()
            .map(|w| {
                format!(
                    "; imported only on demand and not counted: {} gzip",
                    kb(w.gzip as f64)
                )
            })
            .unwrap_or_default();
        let how = match p.peer.shipping {
            peers::Shipping::AsPublished => "",
            peers::Shipping::BundledWithReact => {
                " (bundled with React 19.2 by esbuild, production, minified — the package expects the page to bring React)"
            }
        };
        out.push_str(&format!(
            "- {}: {}{how}{lazy}\n",
            p.peer.name,
            p.files
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, raw: u64, gzip: u64, brotli: u64) -> Weight {
        Weight {
            label: label.into(),
            raw,
            gzip,
            brotli,
        }
    }

    #[test]
    fn our_table_flags_budgets() {
        let rows = vec![
            row("embed.js", 4000, 1500, 1300),
            row("widget (wasm)", 300_000, 70_000, 60_000),
        ];
        let table = our_table(&rows);
        assert!(
            table.contains("embed.js ≤ 2.0 KB → 1.5 KB (within budget)"),
            "{table}"
        );
        assert!(table.contains("**over budget**"), "{table}");
    }

    #[test]
    fn peer_table_prints_the_ratio_to_ours() {
        let ours = vec![
            row("embed.js", 3000, 1000, 900),
            row("wasm", 9000, 9000, 8000),
        ];
        let peers = vec![PeerWeight {
            peer: peers::WIDGETS[0],
            total: row("Typebot", 700_000, 200_000, 150_000),
            files: vec!["web.js".into()],
            lazy: None,
        }];
        let table = peer_table(&ours, &peers);
        assert!(table.contains("| **20×** heavier |"), "{table}");
        assert!(table.contains("`@typebot.io/js@0.10.7`"), "{table}");
    }
}
