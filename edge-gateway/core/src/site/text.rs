//! Small text helpers shared by the site modules: HTML/XML entity decoding and whitespace
//! folding. Applied to whole runs of text (never to a streaming chunk), so where the
//! rewriter split its input cannot change the result.

/// Decodes the character references that appear in shop pages and sitemaps: the XML five,
/// `&nbsp;`, common typography, and numeric references. Unknown names stay as written.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find([';', '&', ' ', '<']).map(|e| e + 1);
        let decoded = match end {
            Some(end) if rest.as_bytes()[end] == b';' && end <= 12 => {
                let name = &rest[1..end];
                named(name).or_else(|| numeric(name)).map(|c| (c, end + 1))
            }
            _ => None,
        };
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" | "lsquo" => '\'',
        "rdquo" | "ldquo" => '"',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        _ => return None,
    })
}

fn numeric(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code).filter(|c| *c != '\0')
}

/// Folds every run of whitespace into one space and trims the ends.
pub(crate) fn fold_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode_and_unknown_ones_stay() {
        assert_eq!(
            decode_entities("Tom &amp; Jerry&#39;s &lt;b&gt; &#x20AC;5 &bogus; AT&T"),
            "Tom & Jerry's <b> €5 &bogus; AT&T"
        );
    }

    #[test]
    fn whitespace_folds() {
        assert_eq!(fold_whitespace("  a\n\t b  "), "a b");
    }
}
