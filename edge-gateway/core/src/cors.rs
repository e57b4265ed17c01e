//! Origin decisions: which browser origins a tenant's widget routes answer.
//!
//! Origins compare exactly as serialised by browsers (`scheme://host[:port]`, no path, no
//! trailing slash, default ports omitted); see [`normalize_origin`].

/// Headers a browser may send on widget routes.
pub const ALLOW_HEADERS: &str = "Authorization, Content-Type, If-None-Match, Shopkeep-Signature";
/// Response headers the widget may read cross-origin.
pub const EXPOSE_HEADERS: &str =
    "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";
/// How long a browser may cache a preflight answer, in seconds.
pub const PREFLIGHT_MAX_AGE_S: u32 = 600;

/// Parses and normalises an origin: lowercase scheme and host, `http` or `https` only, no
/// path/query/fragment/userinfo, default port dropped. `None` when it is not an origin.
pub fn normalize_origin(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => {
            if h.is_empty() || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 5
            {
                return None;
            }
            let port: u32 = p.parse().ok()?;
            if port == 0 || port > 65535 {
                return None;
            }
            (h, Some(port.to_string()))
        }
        _ => (rest, None),
    };
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'))
    {
        return None;
    }
    let host = host.to_ascii_lowercase();
    Some(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Whether `origin` (the request's `Origin` header) is one of the tenant's allowed origins.
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    match normalize_origin(origin) {
        Some(o) => allowed
            .iter()
            .any(|a| normalize_origin(a).as_deref() == Some(o.as_str())),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_normalise_like_browsers_serialise_them() {
        assert_eq!(
            normalize_origin("https://Shop.Example").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            normalize_origin("https://shop.example:443").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8787").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            normalize_origin("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
        for bad in [
            "null",
            "shop.example",
            "ftp://x.y",
            "https://x.y/",
            "https://x.y/path",
            "https://u@x.y",
            "https://x.y:0",
            "https://x.y:99999",
            "https://",
            "https://x.y:",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_exact_origins_are_allowed() {
        let allowed = vec![
            "https://shop.example".to_owned(),
            "http://127.0.0.1:8787".to_owned(),
        ];
        assert!(origin_allowed("https://shop.example", &allowed));
        assert!(origin_allowed("http://127.0.0.1:8787", &allowed));
        assert!(!origin_allowed("http://shop.example", &allowed));
        assert!(!origin_allowed("https://shop.example.evil.test", &allowed));
        assert!(!origin_allowed("https://evil.test", &allowed));
        assert!(!origin_allowed("http://127.0.0.1:8788", &allowed));
        assert!(!origin_allowed("null", &allowed));
    }
}
