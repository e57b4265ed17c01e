//! How an answer ends: at `[DONE]`, at a `finish_reason` and its usage, at the byte or
//! duration cap, or at the first-token or idle limit — the same however the bytes are split.

use super::*;
use proptest::prelude::*;

#[test]
fn a_normal_stream_is_relayed_whole_with_its_reported_usage() {
    let (sent, done) = relay(&[normal_stream().as_bytes()]);
    assert_eq!(sent, NORMAL_TEXT);
    assert_eq!(done.outcome.text, NORMAL_TEXT);
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    assert_eq!(done.outcome.finish, FinishReason::Complete);
    assert_eq!(
        done.outcome.usage,
        Usage {
            prompt_tokens: 120,
            completion_tokens: 9,
            estimated: false
        }
    );
    assert_eq!(done.tokens, 129);
    assert_eq!(done.upstream, Some(0));
    assert_eq!(done.first_token_ms, Some(10));
}

#[test]
fn the_stream_split_at_every_byte_gives_the_same_answer() {
    let whole = normal_stream();
    let bytes = whole.as_bytes();
    let expected = relay(&[bytes]);
    for at in 0..=bytes.len() {
        let (a, b) = bytes.split_at(at);
        assert_eq!(relay(&[a, b]), expected, "split at byte {at}");
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(relay(&singles), expected, "one byte at a time");
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_answer(cuts in proptest::collection::vec(0usize..2_000, 0..40)) {
        let mut whole = normal_stream();
        whole.push_str(&content("after the end"));
        let bytes = whole.as_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for cut in cuts {
            chunks.push(&bytes[from..cut]);
            from = cut;
        }
        chunks.push(&bytes[from..]);
        prop_assert_eq!(relay(&chunks), relay(&[bytes]));
    }

    #[test]
    fn any_chunking_of_an_endless_answer_is_capped_at_the_same_text(
        cuts in proptest::collection::vec(1usize..300, 1..60),
    ) {
        let mut stream = String::new();
        for n in 0..200 {
            stream.push_str(&content(&format!("wörd{n} ")));
        }
        let bytes = stream.as_bytes();
        let mut chunks = Vec::new();
        let mut from = 0;
        for size in cuts.iter().cycle() {
            if from >= bytes.len() {
                break;
            }
            let to = (from + size).min(bytes.len());
            chunks.push(&bytes[from..to]);
            from = to;
        }
        let (sent, done) = relay(&chunks);
        let (whole_sent, whole_done) = relay(&[bytes]);
        prop_assert_eq!(&sent, &whole_sent);
        prop_assert_eq!(&done, &whole_done);
        prop_assert_eq!(done.outcome.text.len(), 1_000);
    }
}

#[test]
fn done_ends_the_answer_at_once_and_later_bytes_are_ignored() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    let sent = feed(
        &mut answer,
        T0 + 5,
        &[
            content("Hello.").as_bytes(),
            DONE.as_bytes(),
            content(" More after DONE").as_bytes(),
        ],
    );
    assert_eq!(sent, "Hello.");
    // The upstream keeps the connection open: the shell is told to abort it, not to read.
    expect(&mut answer, T0 + 5, Next::Abort);
    assert!(answer
        .bytes(content("still more").as_bytes(), T0 + 6)
        .is_empty());
    expect(&mut answer, T0 + 6, Next::Finish);
    let done = answer.finish(50);
    assert_eq!(done.outcome.text, "Hello.");
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    assert!(done.outcome.usage.estimated, "no usage came before [DONE]");
}

#[test]
fn a_usage_chunk_after_the_finish_reason_is_still_captured() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    feed(
        &mut answer,
        T0 + 5,
        &[content("Hi.").as_bytes(), finish("stop").as_bytes()],
    );
    assert!(
        matches!(answer.next(T0 + 5), Next::Read { .. }),
        "waits for the usage"
    );
    assert_eq!(feed(&mut answer, T0 + 900, &[usage(7, 2).as_bytes()]), "");
    expect(&mut answer, T0 + 900, Next::Abort);
    expect(&mut answer, T0 + 900, Next::Finish);
    let done = answer.finish(50);
    assert_eq!(
        done.outcome.usage,
        Usage {
            prompt_tokens: 7,
            completion_tokens: 2,
            estimated: false
        }
    );
    assert_eq!(done.tokens, 9);
}

#[test]
fn usage_in_the_finish_chunk_itself_ends_the_answer_at_once() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    let both = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n";
    feed(
        &mut answer,
        T0 + 5,
        &[content("Hi").as_bytes(), both.as_bytes()],
    );
    expect(&mut answer, T0 + 5, Next::Abort);
    let done = answer.finish(50);
    assert_eq!(done.outcome.finish, FinishReason::Length);
    assert!(!done.outcome.usage.estimated);
}

#[test]
fn without_a_usage_chunk_the_finish_reason_ends_the_answer_after_the_grace() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    feed(
        &mut answer,
        T0 + 5,
        &[content("Hi.").as_bytes(), finish("stop").as_bytes()],
    );
    match answer.next(T0 + 5) {
        Next::Read { wake_at_ms } => assert!(wake_at_ms <= T0 + 5 + USAGE_GRACE_MS),
        other => panic!("{other:?}"),
    }
    // Content after the finish reason is not part of the answer.
    assert_eq!(
        feed(&mut answer, T0 + 10, &[content(" extra").as_bytes()]),
        ""
    );
    answer.tick(T0 + 5 + USAGE_GRACE_MS);
    expect(&mut answer, T0 + 5 + USAGE_GRACE_MS, Next::Abort);
    let done = answer.finish(50);
    assert_eq!(done.outcome.text, "Hi.");
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    assert!(done.outcome.usage.estimated);
}

#[test]
fn when_no_usage_was_asked_for_the_finish_reason_ends_the_answer_at_once() {
    let mut answer = Answer::new(
        Plan {
            include_usage: false,
            ..plan(1)
        },
        T0,
    );
    open(&mut answer, T0, 0, SSE);
    feed(
        &mut answer,
        T0 + 5,
        &[content("Hi.").as_bytes(), finish("stop").as_bytes()],
    );
    expect(&mut answer, T0 + 5, Next::Abort);
    expect(&mut answer, T0 + 5, Next::Finish);
}

#[test]
fn an_endless_answer_is_cut_at_the_byte_cap_on_a_character_boundary() {
    let mut answer = Answer::new(
        Plan {
            max_text_bytes: 10,
            ..plan(1)
        },
        T0,
    );
    open(&mut answer, T0, 0, SSE);
    let mut sent = String::new();
    let mut now = T0;
    while matches!(answer.next(now), Next::Read { .. }) {
        now += 40;
        sent.push_str(&feed(&mut answer, now, &[content("ééé ").as_bytes()]));
        assert!(now < T0 + 10_000, "never capped");
    }
    assert_eq!(sent, "ééé é", "10 bytes allowed; the next é would make 11");
    expect(&mut answer, now, Next::Finish);
    let done = answer.finish(50);
    assert_eq!(done.outcome.text, sent);
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    assert_eq!(done.outcome.finish, FinishReason::Length);
    assert_eq!(done.outcome.error, None);
}

#[test]
fn the_byte_cap_follows_the_tenants_output_tokens() {
    assert_eq!(max_text_bytes(16), 256);
    assert_eq!(max_text_bytes(400), 6_400);
    assert_eq!(Plan::new(2, 400, 0.5).max_text_bytes, 6_400);
}

#[test]
fn an_answer_that_trickles_forever_is_cut_at_the_duration_cap() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    let mut now = T0;
    let mut sent = String::new();
    while let Next::Read { .. } = answer.next(now) {
        now += 1_000; // well within the idle limit
        sent.push_str(&feed(&mut answer, now, &[content("a").as_bytes()]));
    }
    assert_eq!(now, T0 + 60_000, "ends exactly at the cap");
    expect(&mut answer, now, Next::Finish);
    let done = answer.finish(50);
    assert_eq!(done.outcome.status, MessageStatus::Interrupted);
    assert_eq!(done.outcome.error, Some(ErrorCode::UpstreamTimeout));
    assert_eq!(done.outcome.text, sent);
}

#[test]
fn read_wake_ups_never_pass_a_deadline_or_the_shopper_check() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    assert_eq!(
        answer.next(T0),
        Next::Read {
            wake_at_ms: T0 + CHECK_EVERY_MS
        }
    );
    assert_eq!(
        answer.next(T0 + 4_900),
        Next::Read {
            wake_at_ms: T0 + 5_000
        },
        "the first-token limit"
    );
}

#[test]
fn content_that_goes_idle_ends_the_answer_with_a_timeout() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    feed(&mut answer, T0 + 100, &[content("Half").as_bytes()]);
    // Keep-alive comments are bytes, not content.
    feed(&mut answer, T0 + 2_000, &[b": ping\n\n"]);
    answer.tick(T0 + 3_099);
    assert!(matches!(answer.next(T0 + 3_099), Next::Read { .. }));
    answer.tick(T0 + 3_100);
    expect(&mut answer, T0 + 3_100, Next::Abort);
    let done = answer.finish(50);
    assert_eq!(done.outcome.error, Some(ErrorCode::UpstreamTimeout));
    assert_eq!(done.outcome.text, "Half");
}

#[test]
fn no_first_token_in_time_hands_over_to_the_built_in_responder() {
    let mut answer = Answer::new(plan(2), T0);
    open(&mut answer, T0, 0, SSE);
    answer.tick(T0 + 5_000);
    expect(&mut answer, T0 + 5_000, Next::Abort);
    expect(
        &mut answer,
        T0 + 5_000,
        Next::BuiltIn {
            after: Some(AttemptFailure::Timeout),
        },
    );
}
