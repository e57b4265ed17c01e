//! Incremental decoder for the chat event stream (Server-Sent Events framing).
//!
//! A thin user of [`shopkeep_protocol::sse`], the framing the gateway writes with: network
//! chunks split anywhere, `\n`/`\r\n`/`\r` line ends, a leading BOM, comments and the
//! 1 MiB caps are handled there. An event the framer discards (an over-long line or data,
//! non-UTF-8 text) is skipped whole: a half event would only be unreadable JSON.

use shopkeep_protocol::sse::{SseFrame, SseFramer};

pub use shopkeep_protocol::sse::SseEvent;

/// Feed it bytes as they arrive; it hands back each complete event.
#[derive(Debug, Default)]
pub struct SseDecoder {
    framer: SseFramer,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a chunk of bytes, returning every event it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseEvent> {
        let mut events = Vec::new();
        self.push_each(chunk, &mut |event| events.push(event));
        events
    }

    /// [`push`](Self::push), handing each event to `on_event`: the widget reads each one
    /// straight into a stream event, without a list in between (lighter in the wasm).
    pub fn push_each(&mut self, chunk: &[u8], on_event: &mut dyn FnMut(SseEvent)) {
        self.framer.push_each(chunk, &mut |frame| {
            if let SseFrame::Event(event) = frame {
                on_event(event);
            }
        });
    }

    /// Decodes a chunk of text (for callers that already decoded UTF-8).
    pub fn push_str(&mut self, chunk: &str) -> Vec<SseEvent> {
        self.push(chunk.as_bytes())
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
    fn an_overlong_line_drops_its_whole_event_and_decoding_goes_on() {
        let mut d = SseDecoder::new();
        let mut big = b"data: ".to_vec();
        big.resize(shopkeep_protocol::sse::MAX_LINE_BYTES + 10, b'x');
        big.extend_from_slice(b"\ndata: rest of the event\n\ndata: ok\n\n");
        assert_eq!(
            d.push(&big),
            vec![SseEvent {
                event: "message".into(),
                data: "ok".into()
            }]
        );
    }

    /// A stream of many `data:` lines without a blank line used to be joined without bound:
    /// each line was capped, the event was not.
    #[test]
    fn regression_joined_data_without_a_blank_line_grows_without_bound() {
        let mut d = SseDecoder::new();
        let line = [&b"data: "[..], &[b'x'; 300 * 1024][..], b"\n"].concat();
        let mut got = Vec::new();
        for _ in 0..4 {
            got.extend(d.push(&line));
        }
        got.extend(d.push(b"\ndata: ok\n\n"));
        assert_eq!(
            got,
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
