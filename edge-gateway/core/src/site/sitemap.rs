//! Sitemaps (sitemaps.org 0.9): a `<sitemapindex>` names child sitemaps, a `<urlset>` names
//! pages; either may be gzipped. Read with a tolerant scanner (shops' sitemaps are machine
//! written, but not always valid XML) that only looks at `<loc>` and `<lastmod>`.

use super::text::decode_entities;

/// The largest sitemap we read, compressed or not (the protocol's own limit is 50 MB; shop
/// sitemaps are far smaller, and a worker's memory is 128 MB).
pub const MAX_SITEMAP_BYTES: usize = 10 * 1024 * 1024;

/// What one sitemap document lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    /// A sitemap index: URLs of child sitemaps.
    Index(Vec<String>),
    /// A URL set: pages, with their `lastmod` when given.
    Pages(Vec<Entry>),
}

/// One page of a URL set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The page URL.
    pub loc: String,
    /// `<lastmod>` as written (W3C datetime), when given.
    pub lastmod: Option<String>,
}

/// Why a sitemap could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SitemapError {
    /// Gzip data that does not inflate.
    #[error("the gzipped sitemap is corrupt")]
    BadGzip,
    /// Larger than [`MAX_SITEMAP_BYTES`] (compressed or inflated).
    #[error("the sitemap is larger than 10 MB")]
    TooLarge,
    /// Neither a `<sitemapindex>` nor a `<urlset>`.
    #[error("not a sitemap")]
    NotASitemap,
}

/// Inflates `bytes` when they are gzip (magic `1f 8b`), else returns them as they are.
pub fn maybe_gunzip(bytes: &[u8]) -> Result<Vec<u8>, SitemapError> {
    if bytes.len() > MAX_SITEMAP_BYTES {
        return Err(SitemapError::TooLarge);
    }
    if bytes.len() < 18 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Ok(bytes.to_vec());
    }
    // RFC 1952 header: skip the fixed 10 bytes and the optional fields the flags announce.
    let flags = bytes[3];
    let mut at = 10;
    if flags & 0x04 != 0 {
        let xlen = usize::from(*bytes.get(at).ok_or(SitemapError::BadGzip)?)
            | usize::from(*bytes.get(at + 1).ok_or(SitemapError::BadGzip)?) << 8;
        at += 2 + xlen;
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            let end = bytes
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
                .ok_or(SitemapError::BadGzip)?;
            at += end + 1;
        }
    }
    if flags & 0x02 != 0 {
        at += 2;
    }
    let body = bytes.get(at..).ok_or(SitemapError::BadGzip)?;
    miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_SITEMAP_BYTES).map_err(|e| match e
        .status
    {
        miniz_oxide::inflate::TINFLStatus::HasMoreOutput => SitemapError::TooLarge,
        _ => SitemapError::BadGzip,
    })
}

/// Reads a sitemap document (gzipped or not).
pub fn parse(bytes: &[u8]) -> Result<Sitemap, SitemapError> {
    let bytes = maybe_gunzip(bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let lower = text.to_ascii_lowercase();
    if lower.contains("<sitemapindex") {
        let locs = blocks(&text, &lower, "sitemap")
            .filter_map(|b| tag(b, "loc"))
            .collect();
        Ok(Sitemap::Index(locs))
    } else if lower.contains("<urlset") {
        let entries = blocks(&text, &lower, "url")
            .filter_map(|b| {
                Some(Entry {
                    loc: tag(b, "loc")?,
                    lastmod: tag(b, "lastmod"),
                })
            })
            .collect();
        Ok(Sitemap::Pages(entries))
    } else {
        Err(SitemapError::NotASitemap)
    }
}

/// The inner text of each `<name>…</name>` element (no nesting of the same name).
fn blocks<'a>(text: &'a str, lower: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let start = at + lower.get(at..)?.find(&open)?;
        let after = start + open.len();
        // `<url>` must not match `<urlset`: the next byte ends the name.
        let next = lower.as_bytes().get(after).copied()?;
        if !(next == b'>' || next.is_ascii_whitespace()) {
            at = after;
            continue;
        }
        let body_start = after + lower[after..].find('>')? + 1;
        let end = body_start + lower[body_start..].find(&close)?;
        at = end + close.len();
        return Some(&text[body_start..end]);
    })
}

/// The trimmed, decoded text of the first `<name>` element in `block`.
fn tag(block: &str, name: &str) -> Option<String> {
    let lower = block.to_ascii_lowercase();
    let value = blocks(block, &lower, name).next()?;
    let value = value.trim();
    let value = value
        .strip_prefix("<![CDATA[")
        .and_then(|v| v.strip_suffix("]]>"))
        .map(str::to_string)
        .unwrap_or_else(|| decode_entities(value));
    let value = value.trim().to_string();
    (!value.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_lists_its_children() {
        let xml = br#"<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>https://shop.example/sitemap-pages.xml</loc></sitemap>
          <sitemap><loc> https://shop.example/sitemap-blog.xml.gz </loc><lastmod>2026-01-01</lastmod></sitemap>
        </sitemapindex>"#;
        assert_eq!(
            parse(xml).unwrap(),
            Sitemap::Index(vec![
                "https://shop.example/sitemap-pages.xml".into(),
                "https://shop.example/sitemap-blog.xml.gz".into()
            ])
        );
    }

    #[test]
    fn a_urlset_lists_pages_with_lastmod_and_decoded_entities() {
        let xml = br#"<urlset><url><loc>https://shop.example/a?x=1&amp;y=2</loc><lastmod>2026-02-03</lastmod></url>
          <url><loc><![CDATA[https://shop.example/b]]></loc></url><url><lastmod>x</lastmod></url></urlset>"#;
        assert_eq!(
            parse(xml).unwrap(),
            Sitemap::Pages(vec![
                Entry {
                    loc: "https://shop.example/a?x=1&y=2".into(),
                    lastmod: Some("2026-02-03".into())
                },
                Entry {
                    loc: "https://shop.example/b".into(),
                    lastmod: None
                },
            ])
        );
    }

    #[test]
    fn gzipped_sitemaps_inflate() {
        // gzip of "<urlset><url><loc>https://s.example/p</loc></url></urlset>", made with
        // miniz_oxide's deflate and a hand-written RFC 1952 header/trailer.
        let xml = b"<urlset><url><loc>https://s.example/p</loc></url></urlset>";
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        gz.extend(miniz_oxide::deflate::compress_to_vec(xml, 6));
        gz.extend([0; 8]);
        assert_eq!(
            parse(&gz).unwrap(),
            Sitemap::Pages(vec![Entry {
                loc: "https://s.example/p".into(),
                lastmod: None
            }])
        );
    }

    #[test]
    fn corrupt_gzip_and_non_sitemaps_are_errors() {
        let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        gz.extend([0xff; 20]);
        assert_eq!(parse(&gz), Err(SitemapError::BadGzip));
        assert_eq!(parse(b"<html></html>"), Err(SitemapError::NotASitemap));
    }
}
