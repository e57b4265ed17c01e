//! Which URLs the gateway may fetch on a tenant's behalf (shop APIs, feeds, sitemaps, pages,
//! webhooks). A tenant types these URLs, so each is checked before any fetch and again on
//! every redirect: https only, no credentials in the URL, and never an internal address
//! (loopback, private, link-local, carrier-grade NAT, `localhost`, `.internal`, `.local`).
//!
//! Local development and the test suite run the fake shop and the fixture site on
//! `http://127.0.0.1:<port>`; the shell passes `allow_private = true` only when the
//! `ALLOW_PRIVATE_FETCH` variable is `1` (set by `cargo xtask dev`/`test`, never in
//! wrangler.toml).
//!
//! Must not depend on: worker. Pure string work, so it is tested on the host.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A URL the gateway may fetch, split into the parts callers need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// `https` (or `http` when private fetches are allowed).
    pub scheme: String,
    /// The host, lower case, without brackets for IPv6.
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
    /// The whole URL, normalised (scheme and host lower case).
    pub url: String,
}

impl Outbound {
    /// `scheme://host[:port]`: what "same site" compares.
    pub fn origin(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(port) => format!("{}://{host}:{port}", self.scheme),
            None => format!("{}://{host}", self.scheme),
        }
    }
}

/// Why a URL may not be fetched. The message is for the tenant (shown by the admin API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an absolute `http(s)://` URL.
    #[error("not an absolute https URL")]
    NotAUrl,
    /// `http:` (or another scheme) where https is required.
    #[error("only https URLs can be used")]
    NotHttps,
    /// `user:password@` in the URL.
    #[error("credentials in the URL are not accepted; use the credential fields")]
    Credentials,
    /// An internal or reserved address.
    #[error("the address is internal or reserved")]
    Internal,
}

/// Checks `url` for fetching. `allow_private` (local development only) also allows `http:`
/// and internal addresses.
pub fn check(url: &str, allow_private: bool) -> Result<Outbound, Refused> {
    let url = url.trim();
    if url.len() > 2048 || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Refused::NotAUrl);
    }
    let (scheme, rest) = url.split_once("://").ok_or(Refused::NotAUrl)?;
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(Refused::NotHttps),
        _ => return Err(Refused::NotAUrl),
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(Refused::Credentials);
    }
    let (host, port) = split_host_port(authority)?;
    if host.is_empty() {
        return Err(Refused::NotAUrl);
    }
    let host = host.to_ascii_lowercase();
    if !allow_private && is_internal(&host) {
        return Err(Refused::Internal);
    }
    let tail = if tail.is_empty() { "/" } else { tail };
    let mut out = Outbound {
        scheme,
        host,
        port,
        url: String::new(),
    };
    out.url = format!("{}{tail}", out.origin());
    Ok(out)
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), Refused> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or(Refused::NotAUrl)?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().map_err(|_| Refused::NotAUrl)?),
            None if after.is_empty() => None,
            None => return Err(Refused::NotAUrl),
        };
        return Ok((host, port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Ok((host, Some(port.parse().map_err(|_| Refused::NotAUrl)?))),
        None => Ok((authority, None)),
    }
}

/// Whether `host` (lower case) names an internal or reserved address.
pub fn is_internal(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host == "localhost"
        || [".localhost", ".local", ".internal", ".lan", ".home.arpa"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
        || !host.contains(['.', ':'])
    {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => internal_v4(ip),
        Ok(IpAddr::V6(ip)) => internal_v6(ip),
        // Numeric forms browsers and resolvers accept (`127.1`, `0x7f.0.0.1`, `2130706433`).
        Err(_) => host
            .split('.')
            .all(|label| label.chars().all(|c| c.is_ascii_hexdigit() || c == 'x')),
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return internal_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_https_urls_pass_normalised() {
        let ok = check("HTTPS://Shop.Example.com/products.json?page=2", false).unwrap();
        assert_eq!(ok.url, "https://shop.example.com/products.json?page=2");
        assert_eq!(ok.origin(), "https://shop.example.com");
        assert_eq!(
            check("https://shop.example.com", false).unwrap().url,
            "https://shop.example.com/"
        );
        assert_eq!(
            check("https://shop.example.com:8443/x", false)
                .unwrap()
                .port,
            Some(8443)
        );
    }

    #[test]
    fn internal_and_malformed_urls_are_refused() {
        for url in [
            "https://localhost/",
            "https://127.0.0.1/",
            "https://127.1/",
            "https://2130706433/",
            "https://0x7f.0.0.1/",
            "https://10.0.0.8/",
            "https://172.16.3.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://metadata.google.internal/",
            "https://printer.local/",
            "https://intranet/",
            "https://db.localhost/",
        ] {
            assert_eq!(check(url, false), Err(Refused::Internal), "{url}");
        }
        assert_eq!(
            check("http://shop.example.com/", false),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            check("https://u:p@shop.example.com/", false),
            Err(Refused::Credentials)
        );
        for bad in [
            "shop.example.com",
            "ftp://x.y/",
            "https:///x",
            "https://a b.c/",
            "javascript:alert(1)",
        ] {
            assert!(check(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_development_may_fetch_loopback_over_http() {
        let ok = check("http://127.0.0.1:8788/products.json", true).unwrap();
        assert_eq!(ok.origin(), "http://127.0.0.1:8788");
    }
}
