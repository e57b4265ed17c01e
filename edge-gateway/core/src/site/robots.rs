//! robots.txt: which paths our crawler may fetch and how long it waits between requests.
//!
//! Follows RFC 9309: the group whose `User-agent` names our product token wins over `*`;
//! within a group the longest matching rule wins and `Allow` wins a tie; `*` matches any run
//! of characters and a trailing `$` anchors the end. `Crawl-delay` (not in the RFC, but widely
//! used by shops) is honoured in whole seconds, capped. A missing or unreadable robots.txt
//! allows everything (RFC 9309 §2.3.1.3 for 4xx); the shell treats 5xx as "disallow all".

use super::ROBOTS_TOKEN;

/// The longest wait we honour between two requests to one site, in seconds.
pub const MAX_CRAWL_DELAY_S: u32 = 60;

/// The rules that apply to our crawler on one site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Robots {
    /// `(allow, pattern)` in file order.
    rules: Vec<(bool, String)>,
    /// Seconds between requests, when the site asks for it.
    pub crawl_delay_s: Option<u32>,
    /// Sitemaps the file lists (any group).
    pub sitemaps: Vec<String>,
}

#[derive(Debug, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<(bool, String)>,
    crawl_delay_s: Option<u32>,
}

impl Robots {
    /// Everything allowed (no robots.txt, or a 4xx for it).
    pub fn allow_all() -> Self {
        Robots::default()
    }

    /// Nothing allowed (robots.txt answered 5xx: the site may be down; do not hammer it).
    pub fn disallow_all() -> Self {
        Robots {
            rules: vec![(false, "/".into())],
            ..Robots::default()
        }
    }

    /// Parses a robots.txt body and keeps the group for our product token (else `*`).
    pub fn parse(body: &str) -> Self {
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        // A run of User-agent lines opens a group; the first rule line after them closes
        // the run, so the next User-agent starts a new group.
        let mut collecting_agents = false;
        for line in body.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if !collecting_agents {
                        groups.push(Group::default());
                        collecting_agents = true;
                    }
                    if let Some(group) = groups.last_mut() {
                        group.agents.push(value.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    collecting_agents = false;
                    if let Some(group) = groups.last_mut() {
                        // An empty Disallow means "allow everything": no rule at all.
                        if !value.is_empty() {
                            group.rules.push((key == "allow", value.to_string()));
                        }
                    }
                }
                "crawl-delay" => {
                    collecting_agents = false;
                    if let Some(group) = groups.last_mut() {
                        group.crawl_delay_s = value
                            .parse::<f32>()
                            .ok()
                            .filter(|d| d.is_finite() && *d >= 0.0)
                            .map(|d| (d.ceil() as u32).min(MAX_CRAWL_DELAY_S));
                    }
                }
                "sitemap" => sitemaps.push(value.to_string()),
                _ => {}
            }
        }
        let ours = |g: &&Group| {
            g.agents
                .iter()
                .any(|a| a != "*" && ROBOTS_TOKEN.starts_with(a.as_str()) && !a.is_empty())
        };
        let any = |g: &&Group| g.agents.iter().any(|a| a == "*");
        let chosen: Vec<&Group> = if groups.iter().any(|g| ours(&g)) {
            groups.iter().filter(ours).collect()
        } else {
            groups.iter().filter(any).collect()
        };
        Robots {
            rules: chosen.iter().flat_map(|g| g.rules.clone()).collect(),
            crawl_delay_s: chosen.iter().find_map(|g| g.crawl_delay_s),
            sitemaps,
        }
    }

    /// Whether our crawler may fetch `path` (path plus query, starting with `/`).
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// robots.txt pattern matching: prefix match, `*` any run, trailing `$` anchors the end.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut at = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            at = part.len();
        } else if i == parts.len() - 1 && anchored {
            return path.len() >= at + part.len() && path.ends_with(part);
        } else {
            match path[at..].find(part) {
                Some(found) => at += found + part.len(),
                None => return false,
            }
        }
    }
    !anchored || at == path.len() || (parts.len() > 1 && parts.last() == Some(&""))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "User-agent: *\nDisallow: /account/\nDisallow: /cart\nAllow: /account/help\nCrawl-delay: 1\nSitemap: https://shop.example/sitemap.xml\n";

    #[test]
    fn the_star_group_applies_when_no_group_names_us() {
        let robots = Robots::parse(SHOP);
        assert!(!robots.allows("/account/orders"));
        assert!(!robots.allows("/cart?x=1"));
        assert!(robots.allows("/account/help"), "longest match (Allow) wins");
        assert!(robots.allows("/policies/shipping"));
        assert_eq!(robots.crawl_delay_s, Some(1));
        assert_eq!(robots.sitemaps, ["https://shop.example/sitemap.xml"]);
    }

    #[test]
    fn our_own_group_wins_over_star() {
        let robots = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: Googlebot\nUser-agent: ShopkeepBot\nDisallow: /private\nCrawl-delay: 2.5\n",
        );
        assert!(robots.allows("/faq"));
        assert!(!robots.allows("/private/x"));
        assert_eq!(robots.crawl_delay_s, Some(3));
    }

    #[test]
    fn wildcards_and_end_anchors() {
        let robots = Robots::parse("User-agent: *\nDisallow: /*.pdf$\nDisallow: /search*q=\n");
        assert!(!robots.allows("/files/guide.pdf"));
        assert!(robots.allows("/files/guide.pdf?download=1"));
        assert!(!robots.allows("/search?page=2&q=shoes"));
        assert!(robots.allows("/search"));
    }

    #[test]
    fn empty_disallow_and_missing_file_allow_everything() {
        assert!(Robots::parse("User-agent: *\nDisallow:\n").allows("/anything"));
        assert!(Robots::allow_all().allows("/account/"));
        assert!(!Robots::disallow_all().allows("/"));
    }

    #[test]
    fn a_huge_crawl_delay_is_capped() {
        let robots = Robots::parse("User-agent: *\nCrawl-delay: 86400\n");
        assert_eq!(robots.crawl_delay_s, Some(MAX_CRAWL_DELAY_S));
    }
}
