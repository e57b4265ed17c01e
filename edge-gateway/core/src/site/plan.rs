//! Planning a sync: the crawl settings and caps, what to do with each fetched response, the
//! conditional-request headers of a re-sync, and the diff between the last good sync and
//! this one (added, changed, removed pages).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Per-source crawl limits (admin-settable within these bounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    /// The most pages one sync fetches.
    pub max_pages: u32,
    /// The largest page body read (bytes); larger pages are skipped and reported.
    pub max_page_bytes: u32,
    /// Link depth from the start URL (start-URL sources only).
    pub max_depth: u32,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            max_pages: 500,
            max_page_bytes: 2 * 1024 * 1024,
            max_depth: 3,
        }
    }
}

/// Hard ceilings on [`Caps`] whatever a tenant asks for.
pub const CEILING: Caps = Caps {
    max_pages: 5000,
    max_page_bytes: 4 * 1024 * 1024,
    max_depth: 10,
};

impl Caps {
    /// The caps clamped to [`CEILING`] (and at least one page, 1 KB, depth 0).
    pub fn clamped(self) -> Caps {
        Caps {
            max_pages: self.max_pages.clamp(1, CEILING.max_pages),
            max_page_bytes: self.max_page_bytes.clamp(1024, CEILING.max_page_bytes),
            max_depth: self.max_depth.min(CEILING.max_depth),
        }
    }
}

/// The most redirect hops followed for one page.
pub const MAX_REDIRECTS: u32 = 5;

/// What the crawler does with a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An HTML page to extract.
    Extract,
    /// 304: the stored page is still current.
    NotModified,
    /// 3xx with a `Location`: follow it (after checking it again).
    Redirect(String),
    /// Not kept; the reason is reported in the sync's log.
    Skip(SkipReason),
}

/// Why a URL produced no page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Not HTML (PDF, image, …).
    NotHtml,
    /// Larger than the page cap.
    TooLarge,
    /// 404 or 410.
    NotFound,
    /// Another 4xx/5xx.
    HttpError,
    /// More than [`MAX_REDIRECTS`] hops, or a hop back to a URL already seen.
    RedirectLoop,
    /// A redirect to another site.
    OffSite,
    /// Refused by the outbound URL rule (internal address, not https, credentials).
    Refused,
    /// robots.txt disallows it.
    Robots,
    /// `<meta name="robots" content="noindex">`.
    NoIndex,
    /// The network failed.
    Unreachable,
}

impl SkipReason {
    /// Wire name, as stored and shown in the console.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotHtml => "not_html",
            SkipReason::TooLarge => "too_large",
            SkipReason::NotFound => "not_found",
            SkipReason::HttpError => "http_error",
            SkipReason::RedirectLoop => "redirect_loop",
            SkipReason::OffSite => "off_site",
            SkipReason::Refused => "refused",
            SkipReason::Robots => "robots",
            SkipReason::NoIndex => "noindex",
            SkipReason::Unreachable => "unreachable",
        }
    }
}

/// Decides from the status line and headers (before reading the body).
pub fn verdict(
    status: u16,
    content_type: Option<&str>,
    content_length: Option<u64>,
    location: Option<&str>,
    caps: Caps,
) -> Verdict {
    match status {
        304 => Verdict::NotModified,
        301 | 302 | 303 | 307 | 308 => match location {
            Some(loc) if !loc.trim().is_empty() => Verdict::Redirect(loc.trim().to_string()),
            _ => Verdict::Skip(SkipReason::HttpError),
        },
        404 | 410 => Verdict::Skip(SkipReason::NotFound),
        200..=299 => {
            let html = content_type.is_some_and(|ct| {
                let ct = ct.to_ascii_lowercase();
                ct.starts_with("text/html") || ct.starts_with("application/xhtml+xml")
            });
            if !html {
                Verdict::Skip(SkipReason::NotHtml)
            } else if content_length.is_some_and(|len| len > u64::from(caps.max_page_bytes)) {
                Verdict::Skip(SkipReason::TooLarge)
            } else {
                Verdict::Extract
            }
        }
        _ => Verdict::Skip(SkipReason::HttpError),
    }
}

/// The headers of a conditional re-fetch from what the last fetch returned.
pub fn conditional_headers(
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    if let Some(etag) = etag.filter(|e| !e.is_empty()) {
        headers.push(("If-None-Match", etag.to_string()));
    }
    if let Some(lm) = last_modified.filter(|l| !l.is_empty()) {
        headers.push(("If-Modified-Since", lm.to_string()));
    }
    headers
}

/// How a sync changed the pages of a source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// Pages new in this sync.
    pub added: Vec<String>,
    /// Pages whose content hash changed.
    pub changed: Vec<String>,
    /// Pages the last good sync had and this one did not find.
    pub removed: Vec<String>,
}

impl Diff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares `before` and `after` (URL → page content hash). Lists are sorted by URL.
pub fn diff(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Diff {
    let mut out = Diff::default();
    for (url, hash) in after {
        match before.get(url) {
            None => out.added.push(url.clone()),
            Some(old) if old != hash => out.changed.push(url.clone()),
            Some(_) => {}
        }
    }
    out.removed = before
        .keys()
        .filter(|url| !after.contains_key(*url))
        .cloned()
        .collect();
    out
}

/// When a source is due again: `last_ms` plus its schedule, or never for manual sources.
pub fn next_due_ms(schedule: &str, last_ms: u64) -> Option<u64> {
    const DAY: u64 = 24 * 60 * 60 * 1000;
    match schedule {
        "daily" => Some(last_ms + DAY),
        "weekly" => Some(last_ms + 7 * DAY),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(u, h)| (u.to_string(), h.to_string()))
            .collect()
    }

    #[test]
    fn diff_names_added_changed_and_removed_pages() {
        let before = map(&[("/a", "1"), ("/b", "2"), ("/c", "3")]);
        let after = map(&[("/a", "1"), ("/b", "9"), ("/d", "4")]);
        assert_eq!(
            diff(&before, &after),
            Diff {
                added: vec!["/d".into()],
                changed: vec!["/b".into()],
                removed: vec!["/c".into()]
            }
        );
        assert!(diff(&after, &after).is_empty());
    }

    #[test]
    fn verdicts_from_the_status_line() {
        let caps = Caps::default();
        assert_eq!(
            verdict(200, Some("text/html; charset=utf-8"), None, None, caps),
            Verdict::Extract
        );
        assert_eq!(
            verdict(200, Some("application/pdf"), None, None, caps),
            Verdict::Skip(SkipReason::NotHtml)
        );
        assert_eq!(
            verdict(200, None, None, None, caps),
            Verdict::Skip(SkipReason::NotHtml)
        );
        assert_eq!(
            verdict(200, Some("text/html"), Some(5 << 20), None, caps),
            Verdict::Skip(SkipReason::TooLarge)
        );
        assert_eq!(verdict(304, None, None, None, caps), Verdict::NotModified);
        assert_eq!(
            verdict(301, None, None, Some("/x"), caps),
            Verdict::Redirect("/x".into())
        );
        assert_eq!(
            verdict(302, None, None, None, caps),
            Verdict::Skip(SkipReason::HttpError)
        );
        assert_eq!(
            verdict(404, None, None, None, caps),
            Verdict::Skip(SkipReason::NotFound)
        );
        assert_eq!(
            verdict(503, None, None, None, caps),
            Verdict::Skip(SkipReason::HttpError)
        );
    }

    #[test]
    fn conditional_headers_come_from_the_last_fetch() {
        assert_eq!(
            conditional_headers(Some("\"v1\""), Some("Mon, 30 Nov 2026 00:00:00 GMT")),
            vec![
                ("If-None-Match", "\"v1\"".to_string()),
                (
                    "If-Modified-Since",
                    "Mon, 30 Nov 2026 00:00:00 GMT".to_string()
                )
            ]
        );
        assert!(conditional_headers(None, Some("")).is_empty());
    }

    #[test]
    fn caps_are_clamped_and_schedules_give_due_times() {
        let wild = Caps {
            max_pages: 1 << 30,
            max_page_bytes: 0,
            max_depth: 99,
        }
        .clamped();
        assert_eq!(
            wild,
            Caps {
                max_pages: 5000,
                max_page_bytes: 1024,
                max_depth: 10
            }
        );
        assert_eq!(next_due_ms("daily", 0), Some(86_400_000));
        assert_eq!(next_due_ms("weekly", 1), Some(604_800_001));
        assert_eq!(next_due_ms("manual", 1), None);
    }
}
