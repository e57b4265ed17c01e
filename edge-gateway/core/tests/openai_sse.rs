//! Proves that the OpenAI-compatible stream decoder yields the same events however the body is
//! split (every byte offset, arbitrary chunkings, inside multi-byte UTF-8 and CRLF pairs), reads
//! LF, CRLF and CR line ends, skips comments and other SSE fields, joins multi-line data,
//! reports errors, malformed data and over-long lines, and notices a body that ends too early.

use proptest::prelude::*;
use shopkeep_gateway_core::openai_sse::{
    FinishKind, OpenAiStreamDecoder, UpstreamEvent, ENDED_EARLY, MAX_LINE_BYTES,
};
use shopkeep_protocol::Usage;
use UpstreamEvent::*;

/// A realistic stream, as OpenAI sends it with `stream_options.include_usage`.
const STREAM: &str = concat!(
    ": keep-alive\n\n",
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Grüße \"},\"finish_reason\":null}]}\n\n",
    "event: message\nid: 7\nretry: 1000\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"👋 Orders ship\"},\"finish_reason\":null}]}\n\n",
    "data:{\"choices\":[{\"delta\":{\"content\":\" in 3–5 days.\"}}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
    "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":42,\"total_tokens\":162}}\n\n",
    "data: [DONE]\n\n",
);

fn expected() -> Vec<UpstreamEvent> {
    vec![
        Delta("Grüße ".into()),
        Delta("👋 Orders ship".into()),
        Delta(" in 3–5 days.".into()),
        Finish(FinishKind::Stop),
        Usage(Usage {
            prompt_tokens: 120,
            completion_tokens: 42,
            estimated: false,
        }),
        Done,
    ]
}

fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<UpstreamEvent> {
    let mut decoder = OpenAiStreamDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        events.extend(decoder.push(chunk));
    }
    events.extend(decoder.finish());
    events
}

fn decode(body: &str) -> Vec<UpstreamEvent> {
    decode_chunks([body.as_bytes()])
}

#[test]
fn one_push_gives_the_expected_events() {
    assert_eq!(decode(STREAM), expected());
}

#[test]
fn every_split_point_gives_the_same_events() {
    let bytes = STREAM.as_bytes();
    for at in 0..=bytes.len() {
        assert_eq!(
            decode_chunks([&bytes[..at], &bytes[at..]]),
            expected(),
            "split at {at}"
        );
    }
}

#[test]
fn every_pair_of_split_points_gives_the_same_events() {
    let bytes = STREAM.as_bytes();
    for a in (0..=bytes.len()).step_by(3) {
        for b in a..=bytes.len() {
            let events = decode_chunks([&bytes[..a], &bytes[a..b], &bytes[b..]]);
            assert_eq!(events, expected(), "split at {a} and {b}");
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_events() {
    assert_eq!(decode_chunks(STREAM.as_bytes().chunks(1)), expected());
}

#[test]
fn crlf_line_ends_split_anywhere_give_the_same_events() {
    let crlf = STREAM.replace('\n', "\r\n");
    let bytes = crlf.as_bytes();
    for at in 0..=bytes.len() {
        assert_eq!(
            decode_chunks([&bytes[..at], &bytes[at..]]),
            expected(),
            "split at {at}"
        );
    }
}

#[test]
fn bare_cr_line_ends_give_the_same_events() {
    let cr = STREAM.replace('\n', "\r");
    assert_eq!(decode(&cr), expected());
    assert_eq!(decode_chunks(cr.as_bytes().chunks(1)), expected());
}

#[test]
fn multi_line_data_is_joined_with_newlines() {
    let body = "data: {\"choices\":\ndata: [{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
    assert_eq!(decode(body), vec![Delta("hi".into()), Done]);
}

#[test]
fn role_only_and_empty_deltas_produce_nothing() {
    let body = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
                data: {\"choices\":[{\"delta\":{\"content\":null}}]}\n\n\
                data: {\"choices\":[{\"delta\":{\"content\":\"\"}}]}\n\n\
                data: [DONE]\n\n";
    assert_eq!(decode(body), vec![Done]);
}

#[test]
fn content_and_finish_in_one_chunk_come_in_that_order() {
    let body =
        "data: {\"choices\":[{\"delta\":{\"content\":\"end\"},\"finish_reason\":\"length\"}]}\n\n";
    assert_eq!(
        decode(body),
        vec![Delta("end".into()), Finish(FinishKind::Length)]
    );
}

#[test]
fn other_finish_reasons_are_kept_verbatim() {
    let body = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\n";
    assert_eq!(
        decode(body),
        vec![Finish(FinishKind::Other("content_filter".into()))]
    );
}

#[test]
fn error_objects_become_upstream_errors() {
    let body = "data: {\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}\n\n";
    let mut decoder = OpenAiStreamDecoder::new();
    assert_eq!(
        decoder.push(body.as_bytes()),
        vec![UpstreamError("Rate limit reached".into())]
    );
    let body = "event: error\ndata: {\"error\":\"model overloaded\"}\n\n";
    assert_eq!(
        decoder.push(body.as_bytes()),
        vec![UpstreamError("model overloaded".into())]
    );
}

#[test]
fn invalid_json_and_wrong_shapes_are_malformed_and_decoding_goes_on() {
    let body = "data: {not json\n\n\
                data: 42\n\n\
                data: {\"choices\":[{\"delta\":{\"content\":5}}]}\n\n\
                data: {\"choices\":\"nope\"}\n\n\
                data: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\n\
                data: [DONE]\n\n";
    let events = decode(body);
    assert_eq!(events.len(), 6, "{events:?}");
    assert!(
        events[..4].iter().all(|e| matches!(e, Malformed(_))),
        "{events:?}"
    );
    assert_eq!(events[4..], [Delta("ok".into()), Done]);
}

#[test]
fn malformed_descriptions_echo_at_most_100_chars_of_payload() {
    let long = "x".repeat(5000);
    let body = format!("data: {{\"choices\":[{{\"delta\":{{\"content\":[\"{long}\"]}}}}]}}\n\ndata: \"{long}\"\n\n");
    for event in decode(&body) {
        if let Malformed(why) = event {
            assert!(why.chars().count() < 160, "{why}");
        }
    }
}

#[test]
fn a_line_over_one_mib_is_reported_once_and_discarded() {
    let mut decoder = OpenAiStreamDecoder::new();
    let mut events = decoder.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"");
    let filler = vec![b'a'; 64 * 1024];
    for _ in 0..(MAX_LINE_BYTES / filler.len() + 2) {
        events.extend(decoder.push(&filler));
    }
    events.extend(decoder.push(
        b"\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"after\"}}]}\n\ndata: [DONE]\n\n",
    ));
    assert_eq!(events.len(), 3, "{:?}", &events);
    assert!(matches!(&events[0], Malformed(why) if why.contains("1 MiB")));
    assert_eq!(events[1..], [Delta("after".into()), Done]);
}

#[test]
fn joined_data_over_one_mib_is_discarded() {
    let line = format!("data: {}\n", "b".repeat(300 * 1024));
    let body = format!("{}\ndata: [DONE]\n\n", line.repeat(4));
    let events = decode(&body);
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(&events[0], Malformed(_)));
    assert_eq!(events[1], Done);
}

#[test]
fn an_unterminated_last_event_is_flushed_at_finish() {
    let mut decoder = OpenAiStreamDecoder::new();
    assert_eq!(
        decoder.push(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]"),
        vec![Delta("x".into())]
    );
    assert_eq!(decoder.finish(), vec![Done]);
}

#[test]
fn a_body_ending_without_done_or_finish_reason_is_reported() {
    let body = "data: {\"choices\":[{\"delta\":{\"content\":\"half an ans\"}}]}\n\n";
    assert_eq!(
        decode(body),
        vec![
            Delta("half an ans".into()),
            UpstreamError(ENDED_EARLY.into())
        ]
    );
    assert_eq!(decode(""), vec![UpstreamError(ENDED_EARLY.into())]);
}

#[test]
fn a_finish_reason_without_done_is_a_complete_body() {
    let body = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
    let mut decoder = OpenAiStreamDecoder::new();
    assert_eq!(
        decoder.push(body.as_bytes()),
        vec![Finish(FinishKind::Stop)]
    );
    assert!(decoder.saw_end());
    assert_eq!(decoder.finish(), vec![]);
}

#[test]
fn comments_and_unknown_fields_are_ignored() {
    let body = ":\n: ping\nevent: delta\nid: 1\nretry: 10\nfoo: bar\ndata\n\ndata: [DONE]\n\n";
    assert_eq!(decode(body), vec![Done]);
}

#[test]
fn invalid_utf8_in_data_is_malformed() {
    let mut decoder = OpenAiStreamDecoder::new();
    let events = decoder.push(b"data: \"\xff\xfe\"\n\ndata: [DONE]\n\n");
    assert!(matches!(events[0], Malformed(_)));
    assert_eq!(events[1], Done);
}

proptest! {
    #[test]
    fn arbitrary_chunkings_give_the_same_events(cuts in proptest::collection::vec(0usize..2000, 0..40), crlf: bool) {
        let body = if crlf { STREAM.replace('\n', "\r\n") } else { STREAM.to_owned() };
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
        prop_assert_eq!(decode_chunks(chunks), expected());
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..600), at in 0usize..600) {
        let at = at.min(body.len());
        let _ = decode_chunks([&body[..at], &body[at..]]);
    }

    #[test]
    fn any_delta_text_round_trips(text in "\\PC{1,40}", at in 0usize..400) {
        let json = serde_json::json!({"choices": [{"delta": {"content": text}}]});
        let body = format!("data: {json}\n\ndata: [DONE]\n\n");
        let at = at.min(body.len());
        let events = decode_chunks([&body.as_bytes()[..at], &body.as_bytes()[at..]]);
        prop_assert_eq!(events, vec![Delta(text), Done]);
    }
}
