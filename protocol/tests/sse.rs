//! Proves that Shopkeep's one SSE framing gives the same events wherever the network splits the
//! bytes (every byte offset, every pair of offsets, arbitrary chunkings — inside UTF-8
//! characters, CRLF pairs and the BOM); reads LF, CRLF and CR line ends; ignores one leading BOM,
//! comments and other fields; joins multi-line data; discards, once and whole, an event with an
//! over-long line, over-long data or non-UTF-8 text; flushes a last event at `finish`; and that
//! `encode` round-trips any event name and data through the framer.

use proptest::prelude::*;
use shopkeep_protocol::sse::{
    encode, encode_into, Discard, SseEvent, SseFrame, SseFramer, MAX_LINE_BYTES,
};
use SseFrame::{Discarded, Event};

/// LF line ends only, so the CRLF and CR variants can be made from it.
const CORPUS: &str = concat!(
    ": keep-alive\n\n",
    "event: start\ndata: {\"type\":\"start\",\"message_id\":\"a1\"}\n\n",
    "id: 7\nretry: 1000\nfoo: bar\nevent: delta\ndata: {\"text\":\"Olá — ünïcødé 🚚\"}\n\n",
    "data:no space\ndata:  two spaces\ndata\ndata: \n\n",
    "event: named but no data\n\n",
    "event: first\nevent: second\n: comment inside\ndata: [DONE]\n\n",
);

fn ev(event: &str, data: &str) -> SseFrame {
    Event(SseEvent {
        event: event.into(),
        data: data.into(),
    })
}

fn expected() -> Vec<SseFrame> {
    vec![
        ev("start", r#"{"type":"start","message_id":"a1"}"#),
        ev("delta", r#"{"text":"Olá — ünïcødé 🚚"}"#),
        ev("message", "no space\n two spaces\n\n"),
        ev("second", "[DONE]"),
    ]
}

fn frame_chunks<'a>(
    mut framer: SseFramer,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<SseFrame> {
    let mut frames = Vec::new();
    for chunk in chunks {
        frames.extend(framer.push(chunk));
    }
    frames.extend(framer.finish());
    frames
}

fn frame(body: &[u8]) -> Vec<SseFrame> {
    frame_chunks(SseFramer::new(), [body])
}

fn every_split_gives(body: &[u8], framer: impl Fn() -> SseFramer, want: &[SseFrame]) {
    for at in 0..=body.len() {
        let got = frame_chunks(framer(), [&body[..at], &body[at..]]);
        assert_eq!(got, want, "split at {at}");
    }
}

#[test]
fn one_push_gives_the_expected_events() {
    let mut framer = SseFramer::new();
    assert_eq!(framer.push(CORPUS.as_bytes()), expected());
    assert_eq!(framer.finish(), vec![]);
}

#[test]
fn every_split_point_gives_the_same_events() {
    every_split_gives(CORPUS.as_bytes(), SseFramer::new, &expected());
}

#[test]
fn every_pair_of_split_points_gives_the_same_events() {
    let bytes = CORPUS.as_bytes();
    for a in 0..=bytes.len() {
        for b in a..=bytes.len() {
            let got = frame_chunks(SseFramer::new(), [&bytes[..a], &bytes[a..b], &bytes[b..]]);
            assert_eq!(got, expected(), "split at {a} and {b}");
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_events() {
    let got = frame_chunks(SseFramer::new(), CORPUS.as_bytes().chunks(1));
    assert_eq!(got, expected());
}

#[test]
fn crlf_line_ends_split_anywhere_give_the_same_events() {
    let crlf = CORPUS.replace('\n', "\r\n");
    every_split_gives(crlf.as_bytes(), SseFramer::new, &expected());
}

#[test]
fn bare_cr_line_ends_split_anywhere_give_the_same_events() {
    let cr = CORPUS.replace('\n', "\r");
    every_split_gives(cr.as_bytes(), SseFramer::new, &expected());
}

#[test]
fn mixed_line_ends_give_the_same_events() {
    // The lines with text end in turn in LF, CRLF and CR. A blank line ends like the line
    // before it: after a CR, an LF would only complete that line end.
    let mut mixed = String::new();
    let mut end = "\n";
    for (i, line) in CORPUS.split_inclusive('\n').enumerate() {
        let text = line.trim_end_matches('\n');
        if !text.is_empty() {
            end = ["\n", "\r\n", "\r"][i % 3];
        }
        mixed.push_str(text);
        mixed.push_str(end);
    }
    every_split_gives(mixed.as_bytes(), SseFramer::new, &expected());
}

#[test]
fn a_cr_then_lf_in_the_next_chunk_is_one_line_end() {
    let mut framer = SseFramer::new();
    assert_eq!(framer.push(b"data: a\r"), vec![]);
    // Had the LF been a second line end, this would be the blank line that dispatches.
    assert_eq!(framer.push(b"\ndata: b\r"), vec![]);
    assert_eq!(framer.push(b"\r"), vec![ev("message", "a\nb")]);
}

#[test]
fn a_leading_bom_is_ignored_wherever_it_is_split() {
    let with_bom = [&b"\xEF\xBB\xBF"[..], CORPUS.as_bytes()].concat();
    every_split_gives(&with_bom, SseFramer::new, &expected());
}

#[test]
fn a_bom_after_the_start_is_not_skipped() {
    // The second line's field is "\u{FEFF}data", which is no field Shopkeep knows.
    let body = b"data: a\n\xEF\xBB\xBFdata: b\n\n\xEF\xBB\xBFdata: c\n\n";
    assert_eq!(frame(body), vec![ev("message", "a")]);
}

#[test]
fn an_event_without_data_is_not_dispatched_and_its_name_does_not_leak() {
    let body = b"event: lonely\n\ndata: x\n\n";
    assert_eq!(frame(body), vec![ev("message", "x")]);
}

#[test]
fn a_line_at_the_limit_is_kept_and_one_byte_more_discards_its_event() {
    let framer = || SseFramer::with_limit(16);
    let body = b"data: 0123456789\n\ndata: 01234567890\ndata: rest\n\ndata: after\n\n";
    let want = [
        ev("message", "0123456789"),
        Discarded(Discard::LineTooLong),
        ev("message", "after"),
    ];
    every_split_gives(body, framer, &want);
}

#[test]
fn an_over_long_line_is_reported_once_per_event() {
    let body = b"data: 0123456789abcdef\ndata: 0123456789abcdef\nevent: x\n\ndata: ok\n\n";
    let want = [Discarded(Discard::LineTooLong), ev("message", "ok")];
    every_split_gives(body, || SseFramer::with_limit(16), &want);
}

#[test]
fn an_over_long_comment_between_events_is_reported_and_skipped() {
    let body = b"data: a\n\n: this comment is far too long\n\ndata: b\n\n";
    let want = [
        ev("message", "a"),
        Discarded(Discard::LineTooLong),
        ev("message", "b"),
    ];
    every_split_gives(body, || SseFramer::with_limit(16), &want);
}

#[test]
fn joined_data_over_the_limit_discards_the_event() {
    let body = b"data: 01234\ndata: 56789\ndata: abcde\n\ndata: after\n\n";
    let want = [Discarded(Discard::DataTooLong), ev("message", "after")];
    every_split_gives(body, || SseFramer::with_limit(16), &want);
}

#[test]
fn the_default_limit_is_one_mib() {
    let mut framer = SseFramer::new();
    let mut line = b"data: ".to_vec();
    line.resize(MAX_LINE_BYTES, b'x');
    let mut frames = framer.push(&line);
    frames.extend(framer.push(b"\n\n"));
    assert!(matches!(&frames[..], [Event(e)] if e.data.len() == MAX_LINE_BYTES - 6));
    let frames = framer.push(&[&line[..], &b"x\n\n"[..]].concat());
    assert_eq!(frames, vec![Discarded(Discard::LineTooLong)]);
}

#[test]
fn non_utf8_data_or_names_discard_the_event_but_not_comments_or_other_fields() {
    let body = b"data: \xff\xfe\ndata: more\n\n\
                 event: \xc3\n\
                 data: x\n\n\
                 : \xff comment\nid: \xff\nx\xff: y\ndata: fine\n\n";
    let want = [
        Discarded(Discard::NotUtf8),
        Discarded(Discard::NotUtf8),
        ev("message", "fine"),
    ];
    every_split_gives(body, SseFramer::new, &want);
}

#[test]
fn finish_reads_a_last_line_and_event_without_their_line_ends() {
    let mut framer = SseFramer::new();
    assert_eq!(framer.push(b"event: done\ndata: [DONE]"), vec![]);
    assert_eq!(framer.finish(), vec![ev("done", "[DONE]")]);
    assert_eq!(framer.finish(), vec![]);
}

#[test]
fn finish_starts_a_new_stream_where_a_bom_is_skipped_again() {
    let mut framer = SseFramer::new();
    assert_eq!(framer.push(b"data: a\n\n"), vec![ev("message", "a")]);
    framer.finish();
    assert_eq!(
        framer.push(b"\xEF\xBB\xBFdata: b\n\n"),
        vec![ev("message", "b")]
    );
}

#[test]
fn finish_reports_an_unterminated_over_long_line() {
    let mut framer = SseFramer::with_limit(4);
    assert_eq!(framer.push(b"data: long"), vec![]);
    assert_eq!(framer.finish(), vec![Discarded(Discard::LineTooLong)]);
}

#[test]
fn encode_writes_one_data_line_per_line() {
    assert_eq!(
        encode("delta", "{\"text\":\"a\\nb\"}"),
        "event: delta\ndata: {\"text\":\"a\\nb\"}\n\n"
    );
    assert_eq!(
        encode("x", "a\nb\r\nc\rd\n"),
        "event: x\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \n\n"
    );
    assert_eq!(encode("e\r\nvil", ""), "event: evil\ndata: \n\n");
    let mut out = String::from("prefix\n");
    encode_into(&mut out, "done", "{}");
    assert_eq!(out, "prefix\nevent: done\ndata: {}\n\n");
}

/// What the framer reads back from `encode(name, data)`.
fn read_back(name: &str, data: &str) -> SseFrame {
    let name: String = name.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let name = if name.is_empty() { "message" } else { &name };
    ev(name, &data.replace("\r\n", "\n").replace('\r', "\n"))
}

proptest! {
    #[test]
    fn encode_then_frame_round_trips(
        name in "\\PC{0,12}|[a-z \r\n]{0,8}",
        data in "(\\PC|[\r\n]){0,60}",
        at in 0usize..200,
    ) {
        let body = encode(&name, &data);
        let at = at.min(body.len());
        let got = frame_chunks(SseFramer::new(), [&body.as_bytes()[..at], &body.as_bytes()[at..]]);
        prop_assert_eq!(got, vec![read_back(&name, &data)]);
    }

    #[test]
    fn encoded_events_in_a_row_frame_as_the_same_events(
        events in proptest::collection::vec(("[a-z_]{1,8}", "(\\PC|\n){0,30}"), 0..6),
        chunk in 1usize..32,
    ) {
        let body: String = events.iter().map(|(n, d)| encode(n, d)).collect();
        let got = frame_chunks(SseFramer::new(), body.as_bytes().chunks(chunk));
        let want: Vec<_> = events.iter().map(|(n, d)| read_back(n, d)).collect();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn arbitrary_chunkings_give_the_same_events(
        cuts in proptest::collection::vec(0usize..2000, 0..24),
        line_end in 0usize..3,
    ) {
        let body = CORPUS.replace('\n', ["\n", "\r\n", "\r"][line_end]);
        let bytes = body.as_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts {
            chunks.push(&bytes[start..cut]);
            start = cut;
        }
        chunks.push(&bytes[start..]);
        prop_assert_eq!(frame_chunks(SseFramer::new(), chunks), expected());
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), at in 0usize..600) {
        let at = at.min(body.len());
        let _ = frame_chunks(SseFramer::with_limit(32), [&body[..at], &body[at..]]);
    }
}
