//! The knowledge section: syncs the fixture shop website (tests/fixture-site) with the same
//! core functions the gateway's crawler calls (robots, sitemaps with gzip, lol_html
//! extraction, chunking, dedup), indexes the snippets, and reports
//! - the top-5 page hit rate of tests/eval/site-questions.json (goal ≥ 90 %): a hit when the
//!   expected page is among the pages of the top 5 snippets retrieval returns;
//! - retrieval time p50/p99 at 5,000 snippets (the site's plus generated filler snippets),
//!   measured natively on this machine (the gateway runs the same code compiled to wasm).

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::time::{Duration, Instant};

use shopkeep_gateway_core::retrieval::{KnowledgeIndex, Snippet};
use shopkeep_gateway_core::site::chunk::{self, Chunk};
use shopkeep_gateway_core::site::extract::Extractor;
use shopkeep_gateway_core::site::links;
use shopkeep_gateway_core::site::plan::{self, Caps, Verdict};
use shopkeep_gateway_core::site::robots::Robots;
use shopkeep_gateway_core::site::sitemap::{self, Sitemap};
use shopkeep_gateway_core::tools::knowledge_hits;

use super::stats::{ms, percentile};
use crate::error::{fail, Error, Result};
use crate::harness::{start_fixture_site, temp_dir};
use crate::paths::Paths;

/// Snippets in the timed index.
const TIMED_SNIPPETS: usize = 5_000;
/// Timed searches (the eval questions, repeated).
const TIMED_SEARCHES: usize = 2_000;

fn get(url: &str) -> Result<crate::http::Response> {
    crate::http::request(
        "GET",
        url,
        &[("User-Agent", shopkeep_gateway_core::site::USER_AGENT)],
        b"",
    )
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

/// Syncs the site at `origin` the way the crawler does; returns its snippets (deduplicated).
fn sync(origin: &str) -> Result<(Vec<Chunk>, usize)> {
    let robots = Robots::parse(&String::from_utf8_lossy(
        &get(&format!("{origin}/robots.txt"))?.body,
    ));
    let mut stack = vec![format!("{origin}/sitemap.xml")];
    let mut pages = Vec::new();
    while let Some(url) = stack.pop() {
        match sitemap::parse(&get(&url)?.body) {
            Ok(Sitemap::Index(children)) => stack.extend(children.into_iter().rev()),
            Ok(Sitemap::Pages(entries)) => pages.extend(entries.into_iter().map(|e| e.loc)),
            Err(e) => return fail(format!("sitemap {url}: {e}")),
        }
    }
    let caps = Caps::default();
    let mut chunks = Vec::new();
    let mut seen = HashSet::new();
    let mut kept_pages = 0;
    for page in pages {
        if !robots.allows(&links::path_and_query(&page)) || !seen.insert(page.clone()) {
            continue;
        }
        let response = get(&page)?;
        let length = header(&response.head, "content-length").and_then(|l| l.parse().ok());
        let verdict = plan::verdict(
            response.status,
            header(&response.head, "content-type"),
            length,
            header(&response.head, "location"),
            caps,
        );
        if verdict != Verdict::Extract {
            continue;
        }
        let mut extractor = Extractor::new();
        // Fed in network-sized pieces, as the gateway's stream delivers them.
        for piece in response.body.chunks(4096) {
            extractor
                .push(piece)
                .map_err(|e| Error::Other(e.to_string()))?;
        }
        let extracted = extractor
            .finish()
            .map_err(|e| Error::Other(e.to_string()))?;
        kept_pages += 1;
        chunks.extend(chunk::chunk(&page, &extracted));
    }
    Ok((chunk::dedup(chunks), kept_pages))
}

/// Deterministic filler snippets (a shop's long tail of pages) to reach the timed size.
fn filler(count: usize) -> Vec<Snippet> {
    const WORDS: &[&str] = &[
        "alpine",
        "trail",
        "summit",
        "valley",
        "ridge",
        "glacier",
        "merino",
        "fleece",
        "down",
        "shell",
        "boot",
        "sock",
        "glove",
        "beanie",
        "buckle",
        "strap",
        "zipper",
        "pocket",
        "hood",
        "seam",
        "mesh",
        "frame",
        "pole",
        "stake",
        "canister",
        "lantern",
        "compass",
        "map",
        "whistle",
        "blanket",
        "pillow",
        "hammock",
        "rope",
        "carabiner",
        "harness",
        "chalk",
        "crampon",
        "gaiter",
        "visor",
        "goggle",
        "ski",
        "board",
        "skin",
        "wax",
        "binding",
        "helmet",
        "vest",
        "parka",
        "legging",
        "short",
    ];
    let mut state = 0x2545_f491_u64;
    let mut word = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        WORDS[(state >> 33) as usize % WORDS.len()]
    };
    (0..count)
        .map(|i| {
            let title = format!("{} {} item {i}", word(), word());
            let text: Vec<&str> = (0..60).map(|_| word()).collect();
            Snippet {
                id: format!("filler-{i}"),
                title,
                text: text.join(" "),
                url: Some(format!("https://filler.example/{i}")),
            }
        })
        .collect()
}

/// Runs the section; returns its Markdown body.
pub(crate) fn section(paths: &Paths) -> Result<String> {
    let dir = temp_dir("shopkeep-bench-knowledge")?;
    let (site, port) = start_fixture_site(paths, 0, &dir.join("fixture-site.log"))?;
    let origin = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let (chunks, pages) = sync(&origin)?;
    let sync_time = started.elapsed();
    drop(site);
    let _ = fs::remove_dir_all(&dir);

    let eval_file = paths.at("tests/eval/site-questions.json");
    let eval: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(&eval_file)
            .map_err(|e| Error::Other(format!("{}: {e}", eval_file.display())))?,
    )
    .map_err(|e| Error::Other(format!("{}: {e}", eval_file.display())))?;
    let questions: Vec<(String, String)> = eval["questions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|q| {
            Some((
                q["q"].as_str()?.to_string(),
                format!("{origin}{}", q["page"].as_str()?),
            ))
        })
        .collect();
    if questions.len() < 50 {
        return fail(format!(
            "the eval set has {} questions; at least 50 are needed",
            questions.len()
        ));
    }
    let snippets: Vec<Snippet> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| Snippet {
            id: format!("s{i}"),
            title: c.title.clone(),
            text: c.text.clone(),
            url: Some(c.url.clone()),
        })
        .collect();
    let site_snippets = snippets.len();
    let hit_rate = |index: &KnowledgeIndex, misses: &mut Vec<String>| {
        let mut hits = 0;
        for (q, page) in &questions {
            let found = knowledge_hits(index, q, 5)
                .iter()
                .any(|h| h.snippet.url.as_deref() == Some(page.as_str()));
            if found {
                hits += 1;
            } else {
                misses.push(format!("{q} → {page}"));
            }
        }
        hits as f64 / questions.len() as f64
    };
    let site_index = KnowledgeIndex::new(snippets.clone());
    let mut misses = Vec::new();
    let site_rate = hit_rate(&site_index, &mut misses);

    let mut big = snippets;
    big.extend(filler(TIMED_SNIPPETS.saturating_sub(site_snippets)));
    let build_started = Instant::now();
    let big_index = KnowledgeIndex::new(big);
    let build_time = build_started.elapsed();
    let mut big_misses = Vec::new();
    let big_rate = hit_rate(&big_index, &mut big_misses);
    let mut times: Vec<Duration> = Vec::with_capacity(TIMED_SEARCHES);
    for i in 0..TIMED_SEARCHES {
        let (q, _) = &questions[i % questions.len()];
        let t = Instant::now();
        std::hint::black_box(knowledge_hits(&big_index, q, 5));
        times.push(t.elapsed());
    }
    times.sort();
    let goal = if site_rate >= 0.9 {
        "met"
    } else {
        "**not met**"
    };
    let mut out = String::new();
    let _ = writeln!(out, "Command: `cargo xtask bench --sections knowledge`. The fixture shop (tests/fixture-site) synced with the crawler's core functions; {} eval questions (tests/eval/site-questions.json).\n", questions.len());
    let _ = writeln!(out, "| measure | value |\n| --- | --- |");
    let _ = writeln!(
        out,
        "| pages learned / snippets (after dedup) | {pages} / {site_snippets} |"
    );
    let _ = writeln!(
        out,
        "| host sync time (fetch + extract + chunk, no crawl delay) | {} |",
        ms(sync_time)
    );
    let _ = writeln!(
        out,
        "| top-5 page hit rate, site snippets only (goal ≥ 90 %: {goal}) | {:.1} % |",
        site_rate * 100.0
    );
    let _ = writeln!(
        out,
        "| top-5 page hit rate among {TIMED_SNIPPETS} snippets | {:.1} % |",
        big_rate * 100.0
    );
    let _ = writeln!(
        out,
        "| index build, {TIMED_SNIPPETS} snippets | {} |",
        ms(build_time)
    );
    let _ = writeln!(
        out,
        "| retrieval p50 / p99, {TIMED_SNIPPETS} snippets ({TIMED_SEARCHES} searches) | {} / {} |",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0))
    );
    let _ = writeln!(out, "\nTimes are of the core's retrieval code as `cargo xtask` builds it (the dev profile, unoptimised, native) on this shared machine: an upper bound for the gateway's release build. The index is built once per isolate and knowledge version (`edge-gateway/src/knowledge/mod.rs`), not per question.");
    if !misses.is_empty() {
        let _ = writeln!(out, "\nMissed (site snippets only): {}", misses.join("; "));
    }
    Ok(out)
}
