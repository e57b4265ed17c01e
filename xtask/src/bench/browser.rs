//! The browser sections — host-page cost against the npm peers, and what the shopper feels —
//! measured by `tests/bench/browser.mjs` in headless Debian Chromium; here the raw samples
//! become medians, goals and ratios.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use super::builtin::BuiltinGateway;
use super::client;
use super::peers::{self, WIDGETS};
use super::stats::{kb, median, ms_f, times};
use crate::error::{Error, IoContext, Result};
use crate::harness::Stack;
use crate::paths::Paths;
use crate::process::run;

/// One frame at 60 Hz, the tolerance of the "within one frame" goals.
const FRAME_MS: f64 = 1000.0 / 60.0;

/// What to measure.
#[derive(Debug, Clone)]
pub(crate) struct BrowserOptions {
    /// Loads per page and rate (medians of these).
    pub(crate) runs: usize,
    /// Host-page section.
    pub(crate) host: bool,
    /// Shopper section.
    pub(crate) shopper: bool,
    /// Where to save the mobile screenshot of a built-in answer, if wanted.
    pub(crate) screenshot: Option<std::path::PathBuf>,
}

/// CPU throttling rates.
pub(crate) const RATES: [u32; 2] = [1, 4];

/// Raw samples from the browser script.
#[derive(Debug, Clone, Default)]
pub(crate) struct BrowserRun {
    chromium: String,
    host: Vec<Value>,
    shopper: Vec<Value>,
    runs: usize,
}

/// Seeds the shopper tenant on both gateways and runs the browser script.
pub(crate) fn measure(
    paths: &Paths,
    stack: Option<&Stack>,
    builtin: Option<&BuiltinGateway>,
    options: &BrowserOptions,
    work: &Path,
) -> Result<BrowserRun> {
    let mut sections = Vec::new();
    let mut shopper = Vec::new();
    if options.host {
        sections.push("host");
    }
    if let (true, Some(stack)) = (options.shopper, stack) {
        sections.push("shopper");
        client::seed(
            paths,
            stack,
            "bench-shopper",
            std::slice::from_ref(&stack.gateway),
            50,
        )?;
        if let Some(b) = builtin {
            let tenant = crate::harness::tenant_body(
                &crate::harness::demo_tenant(paths)?,
                "bench-shopper",
                std::slice::from_ref(&b.url),
            );
            crate::harness::seed_tenant(&b.url, &b.platform_secret, &tenant)?;
            shopper.push(json!({"id": "builtin", "gateway": b.url, "tenant": "bench-shopper"}));
        }
        shopper.push(json!({"id": "fake", "gateway": stack.gateway, "tenant": "bench-shopper"}));
    }
    let out = work.join("browser.json");
    let config = json!({
        "out": out,
        "chromium": std::env::var("SHOPKEEP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "runs": options.runs,
        "throttles": RATES,
        "sections": sections,
        "dist": paths.at("dist"),
        "host_tenant": "bench-host",
        "peers": if options.host { peers::manifest(paths)? } else { json!({}) },
        "shopper": shopper,
        "screenshot": options.screenshot,
    });
    let config_file = work.join("browser-config.json");
    fs::write(&config_file, config.to_string())
        .context(|| format!("writing {}", config_file.display()))?;
    run(Command::new(paths.npm_tool("node"))
        .current_dir(&paths.root)
        .env("PATH", paths.path_env())
        .arg("tests/bench/browser.mjs")
        .arg(&config_file))?;
    let text = fs::read_to_string(&out).context(|| format!("reading {}", out.display()))?;
    let result: Value =
        serde_json::from_str(&text).map_err(|e| Error::Other(format!("{}: {e}", out.display())))?;
    let list = |key: &str| result[key].as_array().cloned().unwrap_or_default();
    Ok(BrowserRun {
        chromium: result["chromium"].as_str().unwrap_or("?").to_owned(),
        host: list("host"),
        shopper: list("shopper"),
        runs: options.runs,
    })
}

/// Median of a numeric field over the samples matching `filter`.
fn med(
    samples: &[Value],
    filter: impl Fn(&Value) -> bool,
    field: impl Fn(&Value) -> Option<f64>,
) -> Option<f64> {
    let values: Vec<f64> = samples
        .iter()
        .filter(|s| filter(s))
        .filter_map(field)
        .collect();
    median(&values)
}

fn bytes_of(sample: &Value, key: &str) -> Option<f64> {
    let b = &sample[key];
    if b.is_null() {
        return None;
    }
    Some(
        ["js", "css", "wasm"]
            .iter()
            .filter_map(|k| b[*k].as_f64())
            .sum(),
    )
}

/// Medians of one page at one rate.
#[derive(Debug, Clone, Copy, Default)]
struct PageMedians {
    fcp: Option<f64>,
    launcher: Option<f64>,
    /// Median over loads of (launcher − that load's own first contentful paint).
    paired: Option<f64>,
    tbt: Option<f64>,
    before: Option<f64>,
    total: Option<f64>,
    cls: Option<f64>,
    heap: Option<f64>,
}

fn page_medians(samples: &[Value], page: &str, rate: u32) -> PageMedians {
    let is = |s: &Value| s["page"] == page && s["rate"].as_u64() == Some(rate.into());
    let num = |key: &'static str| move |s: &Value| s[key].as_f64();
    PageMedians {
        fcp: med(samples, is, num("fcp")),
        launcher: med(samples, is, num("launcher")),
        paired: med(samples, is, |s| {
            Some(s["launcher"].as_f64()? - s["fcp"].as_f64()?)
        }),
        tbt: med(samples, is, num("tbt")),
        before: med(samples, is, |s| bytes_of(s, "bytes_before")),
        total: med(samples, is, |s| bytes_of(s, "bytes_total")),
        cls: med(samples, is, num("cls")),
        heap: med(samples, is, num("heap")),
    }
}

fn opt(value: Option<f64>, show: impl Fn(f64) -> String) -> String {
    value.map(show).unwrap_or_else(|| "—".into())
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "**not met**"
    }
}

/// The host-page section's markdown.
pub(crate) fn host_section(run: &BrowserRun) -> String {
    let pages: Vec<(&str, String)> = std::iter::once(("shopkeep", "**Shopkeep**".to_owned()))
        .chain(
            WIDGETS
                .iter()
                .map(|p| (p.id, format!("{} {}", p.name, p.version))),
        )
        .collect();
    let mut out = format!(
        "Chromium {} (Debian, headless, playwright-core), 1280×800, one fresh browser context \
         (empty cache) per load, every request leaving 127.0.0.1 aborted. The same plain \
         storefront page for every widget, its embed snippet (as the widget's README shows it) \
         at the end of `<body>`, served by a local static server with gzip -9; the peers' files \
         are the npm files of the weight section. Loads are interleaved and rotated (run *r* \
         starts with page *r*), {} runs per page and rate after one discarded warm-up load; \
         every number is the median.\n\n\
         - **floor**: first contentful paint of the page with no widget — the earliest a launcher can appear.\n\
         - **page FCP**: the widget page's own first contentful paint.\n\
         - **launcher**: navigation → the first animation frame in which the launcher is laid out, in the viewport and not transparent (checked every frame before paint).\n\
         - **launcher − page FCP**: per load, then the median — the least noisy view of how long after the page's first paint the launcher came (negative: in the same frame or before).\n\
         - **TBT**: Σ (long task − 50 ms) from navigation until the page has been quiet (no new request, no new long task) for 1 s.\n\
         - **bytes**: JS + CSS + wasm as transferred (gzip), before the launcher appeared and in total.\n\
         - **JS heap**: used JS heap after a forced GC once the page is quiet.\n",
        run.chromium, run.runs
    );
    for rate in RATES {
        let none = page_medians(&run.host, "none", rate);
        let ours = page_medians(&run.host, "shopkeep", rate);
        out.push_str(&format!(
            "\n### CPU {rate}× {}\n\nFloor (first contentful paint, no widget): **{}**.\n\n\
             | widget | page FCP | launcher | launcher − page FCP | launcher − floor | TBT | bytes before launcher | bytes total | CLS | JS heap | launcher vs Shopkeep | bytes vs Shopkeep |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            if rate == 1 { "(no throttling)" } else { "(CDP CPU throttling)" },
            opt(none.fcp, ms_f),
        ));
        out.push_str(&format!(
            "| no widget (the floor) | {} | — | — | — | {} | — | {} | {} | {} | — | — |\n",
            opt(none.fcp, ms_f),
            opt(none.tbt, ms_f),
            opt(none.total, kb),
            opt(none.cls, |v| format!("{v:.3}")),
            opt(none.heap, |v| format!("{:.1} MB", v / 1_048_576.0)),
        ));
        for (id, label) in &pages {
            let m = page_medians(&run.host, id, rate);
            let after = match (m.launcher, none.fcp) {
                (Some(l), Some(f)) => format!("{:+.0} ms", l - f),
                _ => "—".into(),
            };
            let vs = |a: Option<f64>, b: Option<f64>| {
                if *id == "shopkeep" {
                    "1×".to_owned()
                } else {
                    times(a, b)
                }
            };
            out.push_str(&format!(
                "| {label} | {} | {} | {} | {after} | {} | {} | {} | {} | {} | {} | {} |\n",
                opt(m.fcp, ms_f),
                opt(m.launcher, ms_f),
                opt(m.paired, |p| format!("{p:+.0} ms")),
                opt(m.tbt, ms_f),
                opt(m.before, kb),
                opt(m.total, kb),
                opt(m.cls, |v| format!("{v:.3}")),
                opt(m.heap, |v| format!("{:.1} MB", v / 1_048_576.0)),
                vs(m.launcher, ours.launcher),
                vs(m.total, ours.total),
            ));
        }
        if rate == 4 {
            let gap = ours.launcher.zip(none.fcp).map(|(l, f)| l - f);
            out.push_str(&format!(
                "\nGoals for Shopkeep at 4×: launcher within one frame ({FRAME_MS:.1} ms) of the floor → {} ({}; paired with each load's own first paint: {}); \
                 TBT ≤ 30 ms → {} ({}; the page without a widget: {}); ≤ 2 KB before the launcher → {} ({}); CLS 0 → {} ({}).\n",
                opt(gap, |g| format!("{g:+.0} ms")),
                met(gap.is_some_and(|g| g <= FRAME_MS)),
                opt(ours.paired, |g| format!("{g:+.0} ms")),
                opt(ours.tbt, ms_f),
                met(ours.tbt.is_some_and(|t| t <= 30.0)),
                opt(none.tbt, ms_f),
                opt(ours.before, kb),
                met(ours.before.is_some_and(|b| b <= 2048.0)),
                opt(ours.cls, |v| format!("{v:.3}")),
                met(ours.cls == Some(0.0)),
            ));
        }
    }
    let blocked: Vec<String> = pages
        .iter()
        .filter_map(|(id, label)| {
            let hosts: std::collections::BTreeSet<String> = run
                .host
                .iter()
                .filter(|s| s["page"] == *id)
                .flat_map(|s| s["blocked"].as_array().cloned().unwrap_or_default())
                .filter_map(|h| h.as_str().map(str::to_owned))
                .collect();
            (!hosts.is_empty()).then(|| {
                format!(
                    "{label}: {}",
                    hosts.into_iter().collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect();
    if !blocked.is_empty() {
        out.push_str(&format!(
            "\nRequests aborted because they left the machine (they cost the widget nothing here): {}.\n",
            blocked.join("; ")
        ));
    }
    out
}

/// The shopper section's markdown.
pub(crate) fn shopper_section(run: &BrowserRun) -> String {
    let mut out = format!(
        "The Shopkeep host page of the previous section, served on the gateway's own origin \
         (embed.js, widget and API from the gateway, as on the demo storefront), Chromium {}, \
         fresh context per run; {} runs per row, interleaved and rotated, medians. Playwright \
         moves the mouse onto the launcher and clicks at once (so the hover warm-up gets no head \
         start); click time is the `click` event's timestamp, every other time is the first \
         animation frame in which the thing is there.\n\n\
         - **next frame (floor)**: the first animation frame after the click was handled — \
         the earliest any page can show an answer to a click (it includes the browser's own \
         input handling, which 4× throttling slows too).\n\
         - **panel visible**: a panel is on screen — embed.js's panel-shaped shell (drawn on the \
         click while the widget loads) or the widget's panel.\n\
         - **widget panel**: the widget's own panel (`[data-sk=panel]`) is laid out.\n\
         - **composer ready**: the message box is visible, enabled and focused.\n\
         - **first words**: Enter → the first text of the answer in the panel.\n\
         - **headers → first words**: from the chat response's headers (admitted, stored, \
         upstream called) to the first words painted; with the fake upstream this is an upper \
         bound of \"after the upstream's first token\" (it includes the upstream's own ~2 ms).\n\n\
         | answered by | CPU | click → next frame (floor) | click → panel visible | click → widget panel | click → composer ready | Enter → first words | Enter → response headers | headers → first words |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        run.chromium, run.runs
    );
    let labels = [
        ("builtin", "built-in responder"),
        ("fake", "fake upstream (2 ms chunks)"),
    ];
    for rate in RATES {
        for (id, label) in labels {
            let is = |s: &Value| s["responder"] == id && s["rate"].as_u64() == Some(rate.into());
            if !run.shopper.iter().any(is) {
                continue;
            }
            let m = |key: &'static str| med(&run.shopper, is, move |s| s[key].as_f64());
            out.push_str(&format!(
                "| {label} | {rate}× | {} | {} | {} | {} | {} | {} | {} |\n",
                opt(m("next_frame"), ms_f),
                opt(m("panel"), ms_f),
                opt(m("widget_panel"), ms_f),
                opt(m("composer"), ms_f),
                opt(m("first_words"), ms_f),
                opt(m("headers"), ms_f),
                opt(m("words_after_headers"), ms_f),
            ));
        }
    }
    let at4 = |id: &str, key: &'static str| {
        med(
            &run.shopper,
            |s| s["responder"] == id && s["rate"].as_u64() == Some(4),
            move |s| s[key].as_f64(),
        )
    };
    let panel = at4("fake", "panel").or(at4("builtin", "panel"));
    let paired = |id: &str| {
        med(
            &run.shopper,
            |s| s["responder"] == id && s["rate"].as_u64() == Some(4),
            |s| Some(s["panel"].as_f64()? - s["next_frame"].as_f64()?),
        )
    };
    let panel_after_floor = paired("fake").or(paired("builtin"));
    let composer = at4("fake", "composer").or(at4("builtin", "composer"));
    let words = at4("fake", "words_after_headers");
    out.push_str(&format!(
        "\nGoals at 4×: panel visible within one frame of the click → {} after the click, {} after \
         the first frame that could show anything ({}); composer ready ≤ 150 ms → {} ({}); \
         first words ≤ 100 ms after the upstream's first token → {} ({}).\n",
        opt(panel, ms_f),
        opt(panel_after_floor, |p| format!("{p:+.0} ms")),
        met(panel_after_floor.is_some_and(|p| p <= FRAME_MS)),
        opt(composer, ms_f),
        met(composer.is_some_and(|c| c <= 150.0)),
        opt(words, ms_f),
        met(words.is_some_and(|w| w <= 100.0)),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(page: &str, rate: u32, launcher: f64, fcp: f64, tbt: f64) -> Value {
        json!({"page": page, "rate": rate, "fcp": fcp, "launcher": if page == "none" { Value::Null } else { json!(launcher) },
               "tbt": tbt, "cls": 0.0, "heap": 1_048_576.0,
               "bytes_before": if page == "none" { Value::Null } else { json!({"js": 1700, "css": 0, "wasm": 0}) },
               "bytes_total": {"js": 1700, "css": 0, "wasm": 0}, "blocked": []})
    }

    #[test]
    fn host_section_reports_floor_goals_and_ratios() {
        let mut samples = Vec::new();
        for rate in RATES {
            samples.push(host("none", rate, 0.0, 100.0, 0.0));
            samples.push(host("shopkeep", rate, 110.0, 100.0, 0.0));
            samples.push(host("typebot", rate, 440.0, 100.0, 200.0));
        }
        let run = BrowserRun {
            chromium: "1".into(),
            host: samples,
            shopper: Vec::new(),
            runs: 1,
        };
        let text = host_section(&run);
        assert!(
            text.contains("Floor (first contentful paint, no widget): **100 ms**"),
            "{text}"
        );
        assert!(
            text.contains("| 100 ms | 440 ms | +340 ms | +340 ms | 200 ms |"),
            "{text}"
        );
        assert!(text.contains("| 4.0× |"), "{text}");
        assert!(
            text.contains(
                "of the floor → +10 ms (met; paired with each load's own first paint: +10 ms)"
            ),
            "{text}"
        );
    }

    #[test]
    fn shopper_section_checks_the_goals_at_4x() {
        let sample = |rate: u32, panel: f64| {
            json!({"responder": "fake", "rate": rate, "panel": panel, "next_frame": 20.0, "composer": 120.0,
                   "first_words": 60.0, "headers": 20.0, "words_after_headers": 40.0})
        };
        let run = BrowserRun {
            chromium: "1".into(),
            host: Vec::new(),
            shopper: vec![sample(1, 10.0), sample(4, 300.0)],
            runs: 1,
        };
        let text = shopper_section(&run);
        assert!(
            text.contains(
                "panel visible within one frame of the click → 300 ms after the click, \
                 +280 ms after the first frame that could show anything (**not met**)"
            ),
            "{text}"
        );
        assert!(
            text.contains("composer ready ≤ 150 ms → 120 ms (met)"),
            "{text}"
        );
    }
}
