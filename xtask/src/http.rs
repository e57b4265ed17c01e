//! A tiny HTTP/1.1 client over `std::net::TcpStream`: enough to seed tenants, poll
//! `/healthz` and time the first streamed byte in benchmarks, without an async runtime.
//! Every request uses `Connection: close`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::error::{fail, Error, IoContext, Result};

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    /// Status code.
    pub(crate) status: u16,
    /// The decoded body.
    pub(crate) body: Vec<u8>,
    /// The response head (status line and headers).
    pub(crate) head: String,
}

impl Response {
    /// A header's value (case-insensitive name).
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        header_value(self.head.as_bytes(), name)
    }

    /// The body as text (lossy).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `http://host:port/path` split up.
fn split_url(url: &str) -> Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| Error::Other(format!("only http:// URLs are supported: {url}")))?;
    let (authority, path) = match rest.find('/') {
        Some(index) => (&rest[..index], &rest[index..]),
        None => (rest, "/"),
    };
    Ok((authority.to_owned(), path.to_owned()))
}

fn connect_and_send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> Result<TcpStream> {
    let (authority, path) = split_url(url)?;
    let mut stream =
        TcpStream::connect(&authority).context(|| format!("connecting to {authority}"))?;
    stream
        .set_nodelay(true)
        .context(|| "setting TCP_NODELAY".into())?;
    stream
        .set_read_timeout(Some(timeout))
        .context(|| "setting a read timeout".into())?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream
        .write_all(&request)
        .context(|| format!("sending {method} {url}"))?;
    Ok(stream)
}

/// A response head.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: u16,
    chunked: bool,
    body_start: usize,
}

/// Splits the head from the body once `\r\n\r\n` has arrived.
fn parse_head(buf: &[u8]) -> Option<Head> {
    let end = buf.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = lines
        .filter_map(|line| line.split_once(':'))
        .any(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.to_ascii_lowercase().contains("chunked")
        });
    Some(Head {
        status,
        chunked,
        body_start: end + 4,
    })
}

/// Incremental decoder for `Transfer-Encoding: chunked` bodies.
#[derive(Debug, Default)]
pub(crate) struct Dechunker {
    pending: Vec<u8>,
    remaining: usize,
    in_data: bool,
    done: bool,
}

impl Dechunker {
    /// Feeds raw bytes; returns the body bytes they complete.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            if self.done {
                return out;
            }
            if self.in_data {
                let take = self.remaining.min(self.pending.len());
                out.extend(self.pending.drain(..take));
                self.remaining -= take;
                if self.remaining > 0 {
                    return out;
                }
                // The CRLF after the data.
                if self.pending.len() < 2 {
                    return out;
                }
                self.pending.drain(..2);
                self.in_data = false;
            }
            let Some(line_end) = self.pending.windows(2).position(|window| window == b"\r\n")
            else {
                return out;
            };
            let line = String::from_utf8_lossy(&self.pending[..line_end]).into_owned();
            self.pending.drain(..line_end + 2);
            let size_hex = line.split(';').next().unwrap_or_default().trim();
            match usize::from_str_radix(size_hex, 16) {
                Ok(0) | Err(_) => self.done = true,
                Ok(size) => {
                    self.remaining = size;
                    self.in_data = true;
                }
            }
        }
    }

    /// The terminating zero-length chunk has been seen.
    pub(crate) fn finished(&self) -> bool {
        self.done
    }
}

/// Sends a request and reads the whole response.
pub(crate) fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response> {
    let mut stream = connect_and_send(method, url, headers, body, Duration::from_secs(30))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .context(|| format!("reading the answer to {method} {url}"))?;
    let Some(head) = parse_head(&raw) else {
        return fail(format!("{method} {url}: malformed response"));
    };
    let body = if head.chunked {
        Dechunker::default().push(&raw[head.body_start..])
    } else {
        raw[head.body_start..].to_vec()
    };
    Ok(Response {
        status: head.status,
        body,
        head: String::from_utf8_lossy(&raw[..head.body_start]).into_owned(),
    })
}

/// Timing of one streamed request.
#[derive(Debug, Clone)]
pub(crate) struct StreamTiming {
    /// Status code.
    pub(crate) status: u16,
    /// From just before connecting until the body first contained the marker.
    pub(crate) first_marker: Option<Duration>,
    /// From just before connecting until the body was complete.
    pub(crate) end: Duration,
    /// The decoded body.
    pub(crate) body: Vec<u8>,
    /// The `Server-Timing` header, if any.
    pub(crate) server_timing: Option<String>,
}

/// A header's value from a raw response head (case-insensitive name).
fn header_value(raw_head: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw_head);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// Sends a request and measures the time until `is_first(body so far)` becomes true; then
/// reads the rest so the server finishes normally.
pub(crate) fn time_to_first(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    is_first: impl Fn(&[u8]) -> bool,
) -> Result<StreamTiming> {
    let start = Instant::now();
    let mut stream = connect_and_send(method, url, headers, body, Duration::from_secs(30))?;
    let mut raw = Vec::new();
    let mut head: Option<(u16, bool)> = None;
    let mut server_timing = None;
    let mut dechunker = Dechunker::default();
    let mut decoded = Vec::new();
    let mut first_marker = None;
    let mut buf = [0u8; 8192];
    loop {
        let read = stream.read(&mut buf).context(|| format!("reading {url}"))?;
        if read == 0 {
            break;
        }
        match head {
            None => {
                raw.extend_from_slice(&buf[..read]);
                if let Some(parsed) = parse_head(&raw) {
                    head = Some((parsed.status, parsed.chunked));
                    server_timing = header_value(&raw[..parsed.body_start], "server-timing");
                    let rest = raw[parsed.body_start..].to_vec();
                    decoded.extend(if parsed.chunked {
                        dechunker.push(&rest)
                    } else {
                        rest
                    });
                }
            }
            Some((_, chunked)) => {
                let bytes = &buf[..read];
                decoded.extend(if chunked {
                    dechunker.push(bytes)
                } else {
                    bytes.to_vec()
                });
            }
        }
        if first_marker.is_none() && head.is_some() && is_first(&decoded) {
            first_marker = Some(start.elapsed());
        }
        if dechunker.finished() {
            break;
        }
    }
    let Some((status, _)) = head else {
        return fail(format!("{method} {url}: no response head"));
    };
    Ok(StreamTiming {
        status,
        first_marker,
        end: start.elapsed(),
        server_timing,
        body: decoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";

    #[test]
    fn header_values_are_found_case_insensitively() {
        let head = b"HTTP/1.1 200 OK\r\nServer-Timing: auth;dur=1, limit;dur=2\r\n\r\nbody";
        assert_eq!(
            header_value(head, "server-timing").as_deref(),
            Some("auth;dur=1, limit;dur=2")
        );
        assert_eq!(header_value(head, "etag"), None);
    }

    #[test]
    fn dechunks_whole_input() {
        let mut decoder = Dechunker::default();
        assert_eq!(decoder.push(BODY), b"hello, world");
        assert!(decoder.finished());
    }

    #[test]
    fn dechunks_input_split_at_every_offset() {
        for split in 0..=BODY.len() {
            let mut decoder = Dechunker::default();
            let mut out = decoder.push(&BODY[..split]);
            out.extend(decoder.push(&BODY[split..]));
            assert_eq!(out, b"hello, world", "split at {split}");
            assert!(decoder.finished(), "split at {split}");
        }
    }

    #[test]
    fn dechunks_byte_by_byte() {
        let mut decoder = Dechunker::default();
        let out: Vec<u8> = BODY
            .iter()
            .flat_map(|byte| decoder.push(&[*byte]))
            .collect();
        assert_eq!(out, b"hello, world");
    }

    #[test]
    fn parses_status_and_headers() {
        let head = parse_head(b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nrest").unwrap();
        assert_eq!(
            head,
            Head {
                status: 304,
                chunked: false,
                body_start: 40
            }
        );
        let head = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n").unwrap();
        assert!(head.chunked);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n").is_none());
    }

    #[test]
    fn splits_urls() {
        assert_eq!(
            split_url("http://127.0.0.1:8787/v1/chat").unwrap(),
            ("127.0.0.1:8787".to_owned(), "/v1/chat".to_owned())
        );
        assert_eq!(split_url("http://a:1").unwrap().1, "/");
        assert!(split_url("https://a").is_err());
    }
}
