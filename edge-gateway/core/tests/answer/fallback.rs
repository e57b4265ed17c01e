//! Failures before any content (retries, the next upstream, the built-in responder), a shopper
//! who leaves, and the lease renewal schedule.

use super::*;

/// Drives a failure before content on every attempt and returns the `Open`s asked for.
fn opens_until_builtin(
    upstreams: usize,
    mut fail: impl FnMut(&mut Answer, u64),
) -> Vec<(usize, u32)> {
    let mut answer = Answer::new(plan(upstreams), T0);
    let mut now = T0;
    let mut opens = Vec::new();
    loop {
        match answer.next(now) {
            Next::Open {
                upstream,
                attempt,
                delay_ms,
                ..
            } => {
                now += u64::from(delay_ms);
                opens.push((upstream, attempt));
                fail(&mut answer, now);
            }
            Next::Abort => {}
            Next::BuiltIn { .. } => break,
            other => panic!("unexpected {other:?}"),
        }
        now += 10;
    }
    let sent = answer.builtin_piece("From the shop.".into(), now);
    assert!(sent.is_some());
    answer.builtin_done();
    let done = answer.finish(5);
    assert_eq!(done.upstream, None, "the built-in responder answered");
    assert_eq!(done.outcome.text, "From the shop.");
    assert_eq!(done.outcome.status, MessageStatus::Complete);
    opens
}

#[test]
fn a_200_then_cut_before_content_is_retried_then_the_next_upstream_answers() {
    let opens = opens_until_builtin(2, |answer, now| {
        answer.opened(now, SSE);
        answer.bytes(
            b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
            now,
        );
        answer.body_failed(now + 1);
    });
    assert_eq!(opens, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
}

#[test]
fn a_200_whose_body_ends_before_content_is_retried_then_the_next_upstream_answers() {
    let opens = opens_until_builtin(2, |answer, now| {
        answer.opened(now, None);
        answer.bytes(b"{\"error\":{\"message\":\"overloaded\"}}", now);
        assert!(answer.body_ended(now + 1).is_empty());
    });
    assert_eq!(opens, vec![(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]);
}

#[test]
fn a_200_with_a_json_or_html_body_goes_to_the_next_upstream_at_once() {
    for content_type in ["application/json", "text/html; charset=utf-8"] {
        let opens = opens_until_builtin(2, |answer, now| answer.opened(now, Some(content_type)));
        assert_eq!(opens, vec![(0, 0), (1, 0)], "{content_type}");
    }
    assert!(is_not_an_event_stream("application/problem+json"));
    assert!(!is_not_an_event_stream("text/event-stream"));
    assert!(!is_not_an_event_stream("text/plain"));
}

#[test]
fn a_stream_that_ends_properly_without_content_goes_to_the_next_upstream() {
    let opens = opens_until_builtin(2, |answer, now| {
        answer.opened(now, SSE);
        answer.bytes(
            [finish("stop"), usage(3, 0), DONE.into()]
                .concat()
                .as_bytes(),
            now,
        );
    });
    assert_eq!(opens, vec![(0, 0), (1, 0)]);
}

#[test]
fn an_error_event_before_content_is_retried_but_after_content_ends_the_answer() {
    let error = "data: {\"error\":{\"message\":\"overloaded\"}}\n\n";
    let opens = opens_until_builtin(1, |answer, now| {
        answer.opened(now, SSE);
        answer.bytes(error.as_bytes(), now);
    });
    assert_eq!(opens, vec![(0, 0), (0, 1), (0, 2)]);

    let mut answer = Answer::new(plan(2), T0);
    open(&mut answer, T0, 0, SSE);
    let sent = feed(
        &mut answer,
        T0 + 5,
        &[content("Half").as_bytes(), error.as_bytes()],
    );
    assert_eq!(sent, "Half");
    expect(&mut answer, T0 + 5, Next::Abort);
    let done = answer.finish(50);
    assert_eq!(done.outcome.error, Some(ErrorCode::UpstreamError));
    assert_eq!(done.outcome.status, MessageStatus::Interrupted);
    assert_eq!(done.upstream, Some(0));
}

#[test]
fn a_long_retry_after_moves_on_and_a_client_error_is_not_retried() {
    let opens = opens_until_builtin(2, |answer, now| {
        answer.open_failed(
            AttemptFailure::Status {
                status: 429,
                retry_after_s: Some(60),
            },
            now,
        );
    });
    assert_eq!(opens, vec![(0, 0), (1, 0)]);
    let opens = opens_until_builtin(2, |answer, now| {
        answer.open_failed(
            AttemptFailure::Status {
                status: 401,
                retry_after_s: None,
            },
            now,
        );
    });
    assert_eq!(opens, vec![(0, 0), (1, 0)]);
}

#[test]
fn a_fallback_that_answers_is_recorded_as_the_answering_upstream() {
    let mut answer = Answer::new(plan(2), T0);
    open(&mut answer, T0, 0, Some("text/html"));
    expect(&mut answer, T0, Next::Abort);
    open(&mut answer, T0 + 1, 1, SSE);
    let sent = feed(&mut answer, T0 + 2, &[normal_stream().as_bytes()]);
    assert_eq!(sent, NORMAL_TEXT);
    expect(&mut answer, T0 + 2, Next::Abort);
    let done = answer.finish(50);
    assert_eq!(done.upstream, Some(1));
    assert_eq!(done.outcome.status, MessageStatus::Complete);
}

#[test]
fn with_no_upstream_configured_the_built_in_responder_answers_at_once() {
    let mut answer = Answer::new(plan(0), T0);
    expect(&mut answer, T0, Next::BuiltIn { after: None });
}

#[test]
fn when_the_duration_cap_passes_while_opening_the_built_in_responder_answers() {
    let mut answer = Answer::new(plan(1), T0);
    assert!(matches!(answer.next(T0), Next::Open { .. }));
    answer.open_failed(AttemptFailure::Timeout, T0 + 60_000);
    assert!(matches!(answer.next(T0 + 60_000), Next::BuiltIn { .. }));
}

#[test]
fn a_shopper_who_leaves_stops_the_answer_and_the_upstream_is_aborted() {
    let mut answer = Answer::new(plan(1), T0);
    open(&mut answer, T0, 0, SSE);
    feed(&mut answer, T0 + 5, &[content("Part").as_bytes()]);
    answer.shopper_gone();
    expect(&mut answer, T0 + 6, Next::Abort);
    expect(&mut answer, T0 + 6, Next::Finish);
    let done = answer.finish(50);
    assert_eq!(done.outcome.status, MessageStatus::Stopped);
    assert_eq!(done.outcome.finish, FinishReason::Stopped);
    assert_eq!(done.outcome.text, "Part");
}

#[test]
fn the_lease_is_renewed_every_interval_while_the_answer_lives() {
    let mut answer = Answer::new(
        Plan {
            max_answer_ms: 1_000_000,
            idle_ms: 1_000_000,
            max_text_bytes: usize::MAX,
            ..plan(1)
        },
        T0,
    );
    open(&mut answer, T0, 0, SSE);
    let mut renewals = Vec::new();
    let mut now = T0;
    while now < T0 + 350_000 {
        match answer.next(now) {
            Next::RenewLease => {
                renewals.push(now - T0);
                answer.lease_renewed(now);
            }
            Next::Read { wake_at_ms } => {
                assert!(wake_at_ms <= T0 + (renewals.len() as u64 + 1) * 100_000);
                now = wake_at_ms;
                feed(&mut answer, now, &[content("x").as_bytes()]);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(renewals, vec![100_000, 200_000, 300_000]);
    feed(&mut answer, now, &[DONE.as_bytes()]);
    expect(&mut answer, now, Next::Abort);
    expect(&mut answer, now + 200_000, Next::Finish);
}
