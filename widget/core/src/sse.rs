//! Incremental decoder for the chat event stream (Server-Sent Events framing).
//!
//! Network chunks split anywhere — inside a line, inside `\r\n`, inside a multi-byte UTF-8
//! character — so the decoder buffers bytes and only decodes complete lines. Line endings may be
//! `\n`, `\r\n` or `\r` (the SSE spec allows all three). Comment lines (`:`), `id:` and `retry:`
//! are ignored; they carry nothing Shopkeep uses.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` name, or `message` when none was given.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// A line longer than this is dropped rather than buffered forever (a broken or hostile
/// stream must not exhaust memory). Shopkeep's events are a few hundred bytes.
const MAX_LINE: usize = 1 << 20;

/// Feed it bytes as they arrive; it hands back each complete event.
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` at the start of the next one belongs to it.
    after_cr: bool,
    /// Still at the start of the stream, where a UTF-8 BOM is skipped.
    at_start: bool,
    overlong: bool,
    event: String,
    data: String,
    has_data: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        SseDecoder {
            at_start: true,
            ..Self::default()
        }
    }

    /// Decodes a chunk of bytes, returning every event it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => self.end_line(&mut out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut out);
                }
                _ if self.line.len() >= MAX_LINE => self.overlong = true,
                _ => self.line.push(b),
            }
        }
        out
    }

    /// Decodes a chunk of text (for callers that already decoded UTF-8).
    pub fn push_str(&mut self, chunk: &str) -> Vec<SseEvent> {
        self.push(chunk.as_bytes())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) {
        let raw = std::mem::take(&mut self.line);
        if std::mem::take(&mut self.overlong) {
            return;
        }
        let mut bytes = raw.as_slice();
        if std::mem::take(&mut self.at_start) {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        // Shopkeep's stream is UTF-8 JSON; a line that is not UTF-8 is ignored (and `from_utf8`
        // is much lighter in the wasm than the lossy decoder).
        let Ok(line) = std::str::from_utf8(bytes) else {
            return;
        };
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.into(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        if std::mem::take(&mut self.has_data) {
            let event = if event.is_empty() {
                "message".into()
            } else {
                event
            };
            out.push(SseEvent { event, data });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STREAM: &str = "event: start\ndata: {\"type\":\"start\",\"user_message_id\":\"u1\",\"message_id\":\"a1\"}\n\n\
: keep-alive\n\n\
event: delta\r\ndata: {\"type\":\"delta\",\"text\":\"Olá — ünïcødé 🚚\"}\r\n\r\n\
event: delta\rdata: {\"type\":\"delta\",\r\rdata:\"text\":\"x\"}\n\n\
event: done\ndata: {\"type\":\"done\"}\n\n";

    fn expected() -> Vec<SseEvent> {
        let ev = |e: &str, d: &str| SseEvent {
            event: e.into(),
            data: d.into(),
        };
        vec![
            ev(
                "start",
                r#"{"type":"start","user_message_id":"u1","message_id":"a1"}"#,
            ),
            ev("delta", r#"{"type":"delta","text":"Olá — ünïcødé 🚚"}"#),
            ev("delta", "{\"type\":\"delta\","),
            ev("message", "\"text\":\"x\"}"),
            ev("done", r#"{"type":"done"}"#),
        ]
    }

    #[test]
    fn whole_stream_decodes() {
        assert_eq!(SseDecoder::new().push_str(STREAM), expected());
    }

    /// STYLE rule 9: the same events come out wherever the network splits the bytes.
    #[test]
    fn split_at_every_byte_offset() {
        let bytes = STREAM.as_bytes();
        for i in 0..=bytes.len() {
            let mut d = SseDecoder::new();
            let mut got = d.push(&bytes[..i]);
            got.extend(d.push(&bytes[i..]));
            assert_eq!(got, expected(), "split at {i}");
        }
    }

    #[test]
    fn byte_by_byte() {
        let mut d = SseDecoder::new();
        let got: Vec<_> = STREAM
            .as_bytes()
            .iter()
            .flat_map(|b| d.push(&[*b]))
            .collect();
        assert_eq!(got, expected());
    }

    #[test]
    fn bom_is_skipped_and_unterminated_events_are_not_dispatched() {
        let mut d = SseDecoder::new();
        assert_eq!(d.push(b"\xEF\xBB\xBFdata: a\n\ndata: b\n").len(), 1);
        assert!(d.push(b"").is_empty());
    }

    #[test]
    fn overlong_lines_are_dropped() {
        let mut d = SseDecoder::new();
        let mut big = b"data: ".to_vec();
        big.resize(MAX_LINE + 10, b'x');
        big.extend_from_slice(b"\ndata: ok\n\n");
        assert_eq!(
            d.push(&big),
            vec![SseEvent {
                event: "message".into(),
                data: "ok".into()
            }]
        );
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_events(cuts in proptest::collection::vec(0usize..400, 0..8)) {
            let bytes = STREAM.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut d = SseDecoder::new();
            let mut got = Vec::new();
            let mut from = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                got.extend(d.push(&bytes[from..c]));
                from = c;
            }
            prop_assert_eq!(got, expected());
        }

        #[test]
        fn never_panics_on_garbage(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = SseDecoder::new().push(&data);
        }
    }
}
