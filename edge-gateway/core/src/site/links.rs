//! Links found on a page, turned into the URLs a start-URL crawl may visit next: resolved
//! against the page, fragments dropped, same site only (scheme, host and port equal), and
//! crawler traps cut: query-string explosions (calendars, faceted search), repeated path
//! segments (`/a/b/a/b/a/…` from relative-link bugs), very deep or very long URLs.

/// The longest URL a crawl follows.
pub const MAX_URL_LEN: usize = 512;
/// The most path segments a crawl follows.
pub const MAX_PATH_SEGMENTS: usize = 8;
/// The most query parameters a crawled URL may carry.
pub const MAX_QUERY_PARAMS: usize = 2;
/// How many times one path segment may repeat within a URL.
pub const MAX_SEGMENT_REPEATS: usize = 2;

/// Extensions that are never pages: not even fetched by a start-URL crawl.
const NOT_PAGES: &[&str] = &[
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".css", ".js", ".zip", ".mp4",
    ".mp3", ".woff", ".woff2", ".json", ".xml",
];

/// `scheme://authority` of an absolute http(s) URL, lower case.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    (!authority.is_empty()).then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The path and query of an absolute URL (`/` when empty): what robots.txt rules match.
pub fn path_and_query(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('#').next().unwrap_or("");
    match rest.find(['/', '?']) {
        Some(at) if rest.as_bytes()[at] == b'/' => rest[at..].to_string(),
        Some(at) => format!("/{}", &rest[at..]),
        None => "/".to_string(),
    }
}

/// Resolves `href` against the absolute `base` URL (RFC 3986 §5.2, the cases pages use),
/// without the fragment. `None` for other schemes (`mailto:`, `javascript:`, `tel:`).
pub fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    let href = href.split('#').next().unwrap_or("");
    let base_origin = origin(base)?;
    if let Some((scheme, _)) = href.split_once(':') {
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return None;
            }
            let origin = origin(href)?;
            let path = path_and_query(href);
            return Some(format!("{origin}{}", normalise_path(&path)));
        }
    }
    if let Some(rest) = href.strip_prefix("//") {
        let scheme = base_origin.split("://").next().unwrap_or("https");
        return resolve(base, &format!("{scheme}://{rest}"));
    }
    let base_path = path_and_query(base);
    let joined = if href.is_empty() {
        base_path
    } else if href.starts_with('/') {
        href.to_string()
    } else if href.starts_with('?') {
        format!("{}{href}", base_path.split('?').next().unwrap_or("/"))
    } else {
        let dir = base_path.split('?').next().unwrap_or("/");
        let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
        format!("{dir}{href}")
    };
    Some(format!("{base_origin}{}", normalise_path(&joined)))
}

/// Removes `.` and `..` segments from the path part, keeping the query.
fn normalise_path(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i == segments.len() - 1;
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut result = format!("/{}", out.join("/"));
    if let Some(q) = query {
        result.push('?');
        result.push_str(q);
    }
    result
}

/// Why a link is not followed (for the sync report and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Another site (or scheme).
    OtherSite,
    /// A file type that is never a page.
    NotAPage,
    /// Longer than [`MAX_URL_LEN`].
    TooLong,
    /// Deeper than [`MAX_PATH_SEGMENTS`].
    TooDeep,
    /// More than [`MAX_QUERY_PARAMS`] query parameters.
    QueryExplosion,
    /// A path segment repeated more than [`MAX_SEGMENT_REPEATS`] times.
    PathRepetition,
}

/// Whether a resolved `url` may be crawled from a start URL on `site_origin`.
pub fn follow(site_origin: &str, url: &str) -> Result<(), Cut> {
    if origin(url).as_deref() != Some(site_origin) {
        return Err(Cut::OtherSite);
    }
    if url.len() > MAX_URL_LEN {
        return Err(Cut::TooLong);
    }
    let pq = path_and_query(url);
    let (path, query) = match pq.split_once('?') {
        Some((p, q)) => (p, q),
        None => (pq.as_str(), ""),
    };
    let lower = path.to_ascii_lowercase();
    if NOT_PAGES.iter().any(|ext| lower.ends_with(ext)) {
        return Err(Cut::NotAPage);
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > MAX_PATH_SEGMENTS {
        return Err(Cut::TooDeep);
    }
    if query.split('&').filter(|p| !p.is_empty()).count() > MAX_QUERY_PARAMS {
        return Err(Cut::QueryExplosion);
    }
    for segment in &segments {
        if segments.iter().filter(|s| *s == segment).count() > MAX_SEGMENT_REPEATS {
            return Err(Cut::PathRepetition);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_the_forms_pages_use() {
        let base = "https://shop.example/blog/post-1?x=1";
        assert_eq!(
            resolve(base, "/faq#top").unwrap(),
            "https://shop.example/faq"
        );
        assert_eq!(
            resolve(base, "post-2").unwrap(),
            "https://shop.example/blog/post-2"
        );
        assert_eq!(
            resolve(base, "../policies/./returns").unwrap(),
            "https://shop.example/policies/returns"
        );
        assert_eq!(
            resolve(base, "?page=2").unwrap(),
            "https://shop.example/blog/post-1?page=2"
        );
        assert_eq!(
            resolve(base, "//cdn.example/x").unwrap(),
            "https://cdn.example/x"
        );
        assert_eq!(
            resolve(base, "HTTPS://Shop.Example/A").unwrap(),
            "https://shop.example/A"
        );
        assert_eq!(resolve(base, "mailto:hi@shop.example"), None);
        assert_eq!(resolve(base, "javascript:void(0)"), None);
    }

    #[test]
    fn path_and_query_is_what_robots_match() {
        assert_eq!(path_and_query("https://s.example"), "/");
        assert_eq!(path_and_query("https://s.example?q=1"), "/?q=1");
        assert_eq!(path_and_query("https://s.example/a/b?q=1#f"), "/a/b?q=1");
    }

    #[test]
    fn traps_and_other_sites_are_cut() {
        let o = "https://shop.example";
        assert_eq!(follow(o, "https://shop.example/faq"), Ok(()));
        assert_eq!(follow(o, "https://other.example/faq"), Err(Cut::OtherSite));
        assert_eq!(follow(o, "http://shop.example/faq"), Err(Cut::OtherSite));
        assert_eq!(
            follow(o, "https://shop.example/logo.PNG"),
            Err(Cut::NotAPage)
        );
        assert_eq!(
            follow(o, "https://shop.example/cal?y=2026&m=1&d=3"),
            Err(Cut::QueryExplosion)
        );
        assert_eq!(
            follow(o, "https://shop.example/a/b/a/b/a/b"),
            Err(Cut::PathRepetition)
        );
        assert_eq!(
            follow(o, "https://shop.example/1/2/3/4/5/6/7/8/9"),
            Err(Cut::TooDeep)
        );
        let long = format!("https://shop.example/{}", "x".repeat(600));
        assert_eq!(follow(o, &long), Err(Cut::TooLong));
    }
}
