//! Server-Sent Events framing, written once for every Shopkeep stream: the widget reading the
//! chat stream, the gateway reading the AI runtime's stream, and the gateway writing its own.
//!
//! [`SseFramer`] is incremental (STYLE rule 9): network chunks split anywhere — inside a line,
//! inside a `\r\n` pair, inside a multi-byte UTF-8 character — and the same events come out.
//! It reads what the SSE spec allows: `\n`, `\r\n` or `\r` line ends, one leading UTF-8 BOM,
//! `:` comments, `event:` names and `data:` lines joined with `\n`. `id:`, `retry:` and unknown
//! fields are ignored; nothing in Shopkeep uses them.
//!
//! Kept small and free of serde and `core::fmt`: this module is compiled into the widget, whose
//! gzip weight is the product's budget. What the data means (JSON, `[DONE]`) is the caller's.

/// The longest line, and the longest joined `data` of one event, a [`SseFramer::new`] keeps in
/// memory (1 MiB). Shopkeep's own events are a few hundred bytes; an upstream chunk a few KB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` name, or `message` when none was given.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Why an event was thrown away instead of dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    /// A line was longer than the framer's limit; its bytes were never buffered.
    LineTooLong,
    /// The event's joined `data` grew past the framer's limit.
    DataTooLong,
    /// A `data:` or `event:` value was not UTF-8.
    NotUtf8,
}

/// What [`SseFramer::push`] hands back, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseFrame {
    /// A complete event (its blank line has arrived).
    Event(SseEvent),
    /// The event being read was thrown away. Reported once per event, at the first problem;
    /// the rest of it, up to its blank line, is skipped. An event is never dispatched in part.
    Discarded(Discard),
}

/// Incremental SSE reader: push bytes as they arrive, get back every event they complete.
#[derive(Debug, Clone)]
pub struct SseFramer {
    limit: usize,
    /// Bytes of the line being read, without its line end. Reused from line to line.
    line: Vec<u8>,
    /// The current line went over the limit; its remaining bytes are dropped.
    line_too_long: bool,
    /// The previous byte was a CR, so a following LF is part of the same line end.
    after_cr: bool,
    /// A line has been completed (a BOM can only start the first one).
    started: bool,
    event: String,
    data: String,
    /// The current event has at least one `data` field (the spec's "data buffer not empty").
    has_data: bool,
    /// The current event was reported as [`SseFrame::Discarded`]; skip it to its blank line.
    discarded: bool,
}

impl Default for SseFramer {
    fn default() -> Self {
        Self::new()
    }
}

impl SseFramer {
    /// A framer at the start of a stream, limited to [`MAX_LINE_BYTES`].
    pub fn new() -> Self {
        Self::with_limit(MAX_LINE_BYTES)
    }

    /// A framer whose longest line and longest joined `data` are `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        SseFramer {
            limit,
            line: Vec::new(),
            line_too_long: false,
            after_cr: false,
            started: false,
            event: String::new(),
            data: String::new(),
            has_data: false,
            discarded: false,
        }
    }

    /// Reads a chunk of bytes, split anywhere; returns what the completed lines dispatched.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseFrame> {
        let mut out = Vec::new();
        self.push_each(bytes, &mut |frame| out.push(frame));
        out
    }

    /// [`push`](Self::push), handing each frame to `out` instead of collecting them.
    pub fn push_each(&mut self, mut bytes: &[u8], out: &mut dyn FnMut(SseFrame)) {
        while let Some((&first, rest)) = bytes.split_first() {
            if std::mem::take(&mut self.after_cr) && first == b'\n' {
                bytes = rest;
                continue;
            }
            match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.append(&bytes[..end]);
                    self.after_cr = bytes[end] == b'\r';
                    bytes = &bytes[end + 1..];
                    self.end_line(out);
                }
                None => {
                    self.append(bytes);
                    break;
                }
            }
        }
    }

    /// Ends the stream: a last line without a line end is read, and an event without its blank
    /// line is dispatched. The framer is then at the start of a new stream.
    pub fn finish(&mut self) -> Vec<SseFrame> {
        let mut out = Vec::new();
        let mut collect = |frame| out.push(frame);
        if !self.line.is_empty() || self.line_too_long {
            self.end_line(&mut collect);
        }
        self.dispatch(&mut collect);
        *self = Self::with_limit(self.limit);
        out
    }

    fn append(&mut self, bytes: &[u8]) {
        if self.line_too_long {
            return;
        }
        if self.line.len() + bytes.len() > self.limit {
            self.line_too_long = true;
            self.line = Vec::new();
            return;
        }
        self.line.extend_from_slice(bytes);
    }

    fn end_line(&mut self, out: &mut dyn FnMut(SseFrame)) {
        let mut line = std::mem::take(&mut self.line);
        self.read_line(&line, out);
        line.clear();
        self.line = line;
    }

    fn read_line(&mut self, mut line: &[u8], out: &mut dyn FnMut(SseFrame)) {
        if !std::mem::replace(&mut self.started, true) {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if std::mem::take(&mut self.line_too_long) {
            return self.discard(Discard::LineTooLong, out);
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            None if line.is_empty() => return self.dispatch(out),
            None => (line, &b""[..]),
            Some(0) => return, // a comment, e.g. a keep-alive
            Some(colon) => {
                let value = &line[colon + 1..];
                // A slice pattern: `strip_prefix` costs the widget an extra function.
                let value = match value {
                    [b' ', rest @ ..] => rest,
                    _ => value,
                };
                (&line[..colon], value)
            }
        };
        let is_data = match field {
            b"data" => true,
            b"event" => false,
            _ => return,
        };
        if self.discarded {
            return;
        }
        let Ok(value) = std::str::from_utf8(value) else {
            return self.discard(Discard::NotUtf8, out);
        };
        if !is_data {
            self.event.clear();
            self.event.push_str(value);
        } else if self.data.len() + value.len() + 1 > self.limit {
            self.discard(Discard::DataTooLong, out);
        } else {
            if self.has_data {
                // `push('\n')` brings a UTF-8 encoder into the widget: 200 bytes of wasm.
                #[allow(clippy::single_char_add_str)]
                self.data.push_str("\n");
            }
            self.data.push_str(value);
            self.has_data = true;
        }
    }

    fn discard(&mut self, why: Discard, out: &mut dyn FnMut(SseFrame)) {
        if !std::mem::replace(&mut self.discarded, true) {
            out(SseFrame::Discarded(why));
        }
        self.data = String::new();
        self.has_data = false;
    }

    fn dispatch(&mut self, out: &mut dyn FnMut(SseFrame)) {
        self.discarded = false;
        if !std::mem::take(&mut self.has_data) {
            self.event.clear();
            return;
        }
        if self.event.is_empty() {
            self.event.push_str("message");
        }
        out(SseFrame::Event(SseEvent {
            event: std::mem::take(&mut self.event),
            data: std::mem::take(&mut self.data),
        }));
    }
}

/// Frames one event: `event: <name>\n`, one `data: <line>\n` per line of `data`, and the blank
/// line. Reads back through [`SseFramer`] as the same name and data, except that CR and LF are
/// removed from the name (it cannot end its own line), an empty name reads back as `message`,
/// and `data`'s `\r\n` and `\r` line ends read back as `\n`.
pub fn encode(event: &str, data: &str) -> String {
    let mut out = String::with_capacity(event.len() + data.len() + 16);
    encode_into(&mut out, event, data);
    out
}

/// [`encode`], appending to `out`.
pub fn encode_into(out: &mut String, event: &str, data: &str) {
    out.push_str("event: ");
    out.extend(event.chars().filter(|c| !matches!(c, '\r' | '\n')));
    out.push('\n');
    let mut rest = data;
    loop {
        out.push_str("data: ");
        let Some(end) = rest.find(['\r', '\n']) else {
            out.push_str(rest);
            out.push_str("\n\n");
            return;
        };
        out.push_str(&rest[..end]);
        out.push('\n');
        let line_end = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + line_end..];
    }
}
