//! The knowledge admin API's pure half: which `/v1/admin/tenants/{t}/knowledge…` path is
//! which operation, the request bodies and their validation (every source URL passes
//! [`crate::outbound::check`]), and which pages an answer may cite as sources.
//!
//! Must not depend on: worker. The shell reads and writes D1 and runs the crawl.

use serde::{Deserialize, Serialize};
use shopkeep_protocol::Source;

use crate::outbound;
use crate::site::links;
use crate::site::plan::Caps;
use crate::Error;

/// One knowledge admin operation (path after `/knowledge/`, with the method).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeRoute {
    /// `GET sources`
    ListSources,
    /// `POST sources`
    AddSource,
    /// `PUT sources/{id}`
    UpdateSource(String),
    /// `DELETE sources/{id}`
    DeleteSource(String),
    /// `POST sources/{id}/sync`
    SyncNow(String),
    /// `GET sources/{id}/syncs`
    Syncs(String),
    /// `GET pages`
    ListPages,
    /// `GET pages/{id}`
    GetPage(String),
    /// `PUT pages/{id}` (enable/disable)
    UpdatePage(String),
    /// `GET snippets` (hand-written)
    ListSnippets,
    /// `POST snippets`
    AddSnippet,
    /// `PUT snippets/{id}`
    UpdateSnippet(String),
    /// `DELETE snippets/{id}` (hand-written only)
    DeleteSnippet(String),
    /// `GET gaps`
    ListGaps,
    /// `POST gaps/{id}/dismiss`
    DismissGap(String),
    /// `POST gaps/{id}/answer`
    AnswerGap(String),
}

/// Whether `id` looks like one of our ids (`src_…`, `pg_…`, `sn_…`, `gap_…`): lower-case
/// letters, digits and `_`, 3 to 64 characters.
pub fn valid_id(id: &str) -> bool {
    (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The methods a knowledge sub-path accepts (for 405s), `None` when unknown.
pub fn allowed_methods(rest: &[&str]) -> Option<&'static str> {
    match rest {
        ["sources"] | ["snippets"] => Some("GET, POST, OPTIONS"),
        ["sources", id] | ["snippets", id] if valid_id(id) => Some("PUT, DELETE, OPTIONS"),
        ["sources", id, "sync"] if valid_id(id) => Some("POST, OPTIONS"),
        ["sources", id, "syncs"] if valid_id(id) => Some("GET, OPTIONS"),
        ["pages"] | ["gaps"] => Some("GET, OPTIONS"),
        ["pages", id] if valid_id(id) => Some("GET, PUT, OPTIONS"),
        ["gaps", id, "dismiss" | "answer"] if valid_id(id) => Some("POST, OPTIONS"),
        _ => None,
    }
}

/// Matches a knowledge sub-path and method (`GET`/`HEAD` as `GET`). `None`: not allowed.
pub fn route(method: &str, rest: &[&str]) -> Option<KnowledgeRoute> {
    use KnowledgeRoute::*;
    let id = |s: &&str| (*s).to_string();
    Some(match (method, rest) {
        ("GET", ["sources"]) => ListSources,
        ("POST", ["sources"]) => AddSource,
        ("PUT", ["sources", s]) if valid_id(s) => UpdateSource(id(s)),
        ("DELETE", ["sources", s]) if valid_id(s) => DeleteSource(id(s)),
        ("POST", ["sources", s, "sync"]) if valid_id(s) => SyncNow(id(s)),
        ("GET", ["sources", s, "syncs"]) if valid_id(s) => Syncs(id(s)),
        ("GET", ["pages"]) => ListPages,
        ("GET", ["pages", p]) if valid_id(p) => GetPage(id(p)),
        ("PUT", ["pages", p]) if valid_id(p) => UpdatePage(id(p)),
        ("GET", ["snippets"]) => ListSnippets,
        ("POST", ["snippets"]) => AddSnippet,
        ("PUT", ["snippets", n]) if valid_id(n) => UpdateSnippet(id(n)),
        ("DELETE", ["snippets", n]) if valid_id(n) => DeleteSnippet(id(n)),
        ("GET", ["gaps"]) => ListGaps,
        ("POST", ["gaps", g, "dismiss"]) if valid_id(g) => DismissGap(id(g)),
        ("POST", ["gaps", g, "answer"]) if valid_id(g) => AnswerGap(id(g)),
        _ => return None,
    })
}

/// How a source finds its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A sitemap (or sitemap index, nested, gzipped).
    Sitemap,
    /// A start URL; same-site links are followed up to a depth.
    StartUrl,
    /// A fixed list of page URLs.
    UrlList,
}

impl SourceKind {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Sitemap => "sitemap",
            SourceKind::StartUrl => "start_url",
            SourceKind::UrlList => "url_list",
        }
    }
}

/// The body of `POST sources` and `PUT sources/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceBody {
    /// How pages are found.
    pub kind: SourceKind,
    /// The sitemap or start URL (for `url_list`: omitted, see `urls`).
    #[serde(default)]
    pub url: Option<String>,
    /// The pages of a `url_list` source.
    #[serde(default)]
    pub urls: Vec<String>,
    /// `manual`, `daily` or `weekly`.
    #[serde(default = "manual")]
    pub schedule: String,
    /// Page cap per sync.
    #[serde(default)]
    pub max_pages: Option<u32>,
    /// Link depth (start URL only).
    #[serde(default)]
    pub max_depth: Option<u32>,
}

fn manual() -> String {
    "manual".into()
}

/// A validated source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceSpec {
    /// How pages are found.
    pub kind: SourceKind,
    /// The sitemap or start URL, or the first listed page.
    pub url: String,
    /// Every listed page (url_list only).
    pub urls: Vec<String>,
    /// `manual`, `daily` or `weekly`.
    pub schedule: String,
    /// Clamped caps.
    pub caps: Caps,
    /// `scheme://host[:port]` every page of the source must share.
    pub origin: String,
}

/// Most URLs in a `url_list` source.
pub const MAX_LISTED_URLS: usize = 500;

impl SourceBody {
    /// Validates the body: URLs pass the outbound rule, a URL list stays on one site.
    pub fn validate(self, allow_private: bool) -> Result<SourceSpec, Error> {
        if !matches!(self.schedule.as_str(), "manual" | "daily" | "weekly") {
            return Err(Error::invalid_field(
                "schedule",
                "must be manual, daily or weekly",
            ));
        }
        let check = |field: &'static str, url: &str| -> Result<String, Error> {
            outbound::check(url, allow_private)
                .map(|o| o.url)
                .map_err(|why| Error::invalid_field(field, &why.to_string()))
        };
        let (url, urls) = match self.kind {
            SourceKind::UrlList => {
                if self.urls.is_empty() || self.urls.len() > MAX_LISTED_URLS {
                    return Err(Error::invalid_field("urls", "must list 1 to 500 page URLs"));
                }
                let urls = self
                    .urls
                    .iter()
                    .map(|u| check("urls", u))
                    .collect::<Result<Vec<_>, _>>()?;
                (urls[0].clone(), urls)
            }
            _ => {
                let url = self
                    .url
                    .as_deref()
                    .ok_or_else(|| Error::invalid_field("url", "is required"))?;
                (check("url", url)?, Vec::new())
            }
        };
        let origin =
            links::origin(&url).ok_or_else(|| Error::invalid_field("url", "has no host"))?;
        if urls
            .iter()
            .any(|u| links::origin(u).as_deref() != Some(origin.as_str()))
        {
            return Err(Error::invalid_field("urls", "must all be on the same site"));
        }
        let defaults = Caps::default();
        let caps = Caps {
            max_pages: self.max_pages.unwrap_or(defaults.max_pages),
            max_depth: self.max_depth.unwrap_or(defaults.max_depth),
            max_page_bytes: defaults.max_page_bytes,
        }
        .clamped();
        Ok(SourceSpec {
            kind: self.kind,
            url,
            urls,
            schedule: self.schedule,
            caps,
            origin,
        })
    }
}

/// Most characters of a hand-written snippet's title and text.
pub const MAX_TITLE_CHARS: usize = 200;
/// See [`MAX_TITLE_CHARS`].
pub const MAX_TEXT_CHARS: usize = 4000;

/// The body of `POST snippets`, `PUT snippets/{id}` and `POST gaps/{id}/answer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnippetBody {
    /// New title (hand-written snippets only).
    #[serde(default)]
    pub title: Option<String>,
    /// New text (hand-written snippets only).
    #[serde(default)]
    pub text: Option<String>,
    /// Enable or disable (any snippet).
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl SnippetBody {
    /// Checks lengths; `require_text` for creating (title and text both needed).
    pub fn validate(&self, require_text: bool) -> Result<(), Error> {
        let check = |field: &'static str, v: &Option<String>, max: usize| match v {
            None if require_text => Err(Error::invalid_field(field, "is required")),
            Some(v) if v.trim().is_empty() => Err(Error::invalid_field(field, "must not be empty")),
            Some(v) if v.chars().count() > max => Err(Error::invalid_field(
                field,
                &format!("must be at most {max} characters"),
            )),
            _ => Ok(()),
        };
        check("title", &self.title, MAX_TITLE_CHARS)?;
        check("text", &self.text, MAX_TEXT_CHARS)
    }
}

/// The body of `PUT pages/{id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageBody {
    /// Enable or disable the page (and so all its snippets).
    pub enabled: bool,
}

/// Most sources shown under one answer.
pub const MAX_SOURCES: usize = 3;

/// The sources an answer grounded in `pages` (title, URL; best first) may show: https (or
/// http when private fetches are allowed, for local development), on one of the tenant's
/// own sites (`origins`), de-duplicated by URL, at most [`MAX_SOURCES`].
pub fn cite(pages: &[(String, String)], origins: &[String], allow_http: bool) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    for (title, url) in pages {
        let scheme_ok = url.starts_with("https://") || (allow_http && url.starts_with("http://"));
        let on_site = links::origin(url).is_some_and(|o| origins.contains(&o));
        if !scheme_ok || !on_site || out.iter().any(|s| s.url.as_deref() == Some(url)) {
            continue;
        }
        // A page title like "Shipping policy — Express delivery": the page part names it.
        let title = title
            .split(" — ")
            .next()
            .unwrap_or(title)
            .trim()
            .to_string();
        out.push(Source {
            title,
            url: Some(url.clone()),
        });
        if out.len() == MAX_SOURCES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_ids() {
        assert_eq!(
            route("GET", &["sources"]),
            Some(KnowledgeRoute::ListSources)
        );
        assert_eq!(
            route("POST", &["sources", "src_1", "sync"]),
            Some(KnowledgeRoute::SyncNow("src_1".into()))
        );
        assert_eq!(route("POST", &["sources", "../x", "sync"]), None);
        assert_eq!(route("PATCH", &["sources"]), None);
        assert_eq!(
            allowed_methods(&["gaps", "gap_9", "answer"]),
            Some("POST, OPTIONS")
        );
        assert_eq!(allowed_methods(&["nope"]), None);
        assert!(!valid_id("SRC_1"));
    }

    fn body(kind: SourceKind, url: Option<&str>, urls: &[&str]) -> SourceBody {
        SourceBody {
            kind,
            url: url.map(str::to_string),
            urls: urls.iter().map(|u| u.to_string()).collect(),
            schedule: "daily".into(),
            max_pages: Some(1 << 20),
            max_depth: None,
        }
    }

    #[test]
    fn sources_pass_the_outbound_rule() {
        let ok = body(
            SourceKind::Sitemap,
            Some("https://Shop.example/sitemap.xml"),
            &[],
        )
        .validate(false)
        .unwrap();
        assert_eq!(ok.origin, "https://shop.example");
        assert_eq!(ok.caps.max_pages, 5000, "clamped");
        for bad in [
            "http://shop.example/s.xml",
            "https://127.0.0.1/s.xml",
            "https://u:p@shop.example/",
            "https://metadata.google.internal/",
        ] {
            assert!(
                body(SourceKind::Sitemap, Some(bad), &[])
                    .validate(false)
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            body(SourceKind::Sitemap, Some("http://127.0.0.1:9/s.xml"), &[])
                .validate(true)
                .is_ok()
        );
        assert!(body(SourceKind::StartUrl, None, &[])
            .validate(false)
            .is_err());
        let mixed = body(
            SourceKind::UrlList,
            None,
            &["https://a.example/1", "https://b.example/2"],
        );
        assert!(mixed.validate(false).is_err());
        let mut schedule = body(SourceKind::StartUrl, Some("https://a.example/"), &[]);
        schedule.schedule = "hourly".into();
        assert!(schedule.validate(false).is_err());
    }

    #[test]
    fn snippet_bodies_are_checked() {
        let mut b = SnippetBody {
            title: Some("Gift wrap".into()),
            text: Some("3.50 EUR".into()),
            enabled: None,
        };
        assert!(b.validate(true).is_ok());
        b.text = Some(" ".into());
        assert!(b.validate(true).is_err());
        assert!(SnippetBody::default().validate(true).is_err());
        assert!(SnippetBody {
            enabled: Some(false),
            ..SnippetBody::default()
        }
        .validate(false)
        .is_ok());
        b.title = Some("x".repeat(201));
        b.text = Some("ok".into());
        assert!(b.validate(false).is_err());
    }

    #[test]
    fn only_own_site_https_pages_are_cited() {
        let origins = vec!["https://shop.example".to_string()];
        let pages = vec![
            (
                "Shipping policy — Express".to_string(),
                "https://shop.example/policies/shipping".to_string(),
            ),
            (
                "Shipping again".to_string(),
                "https://shop.example/policies/shipping".to_string(),
            ),
            ("Evil".to_string(), "https://evil.example/x".to_string()),
            ("Plain".to_string(), "http://shop.example/x".to_string()),
            ("FAQ".to_string(), "https://shop.example/faq".to_string()),
        ];
        let cited = cite(&pages, &origins, false);
        let got: Vec<(&str, &str)> = cited
            .iter()
            .map(|s| (s.title.as_str(), s.url.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("Shipping policy", "https://shop.example/policies/shipping"),
                ("FAQ", "https://shop.example/faq")
            ]
        );
        assert_eq!(
            cite(&pages[3..4], &["http://shop.example".to_string()], true).len(),
            1
        );
    }
}
