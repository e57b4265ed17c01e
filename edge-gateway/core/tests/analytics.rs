//! Proves the analytics summary of docs/API.md: the JSON has exactly the documented shape;
//! conversations are distinct, messages are the shopper's plus the answers, percentiles are
//! nearest-rank over answers that have a time to first token (null when none), cost is the sum
//! of micro-dollar estimates (unpriced answers count 0), the error rate is errored ÷ answers
//! (0 without answers), rows outside `[from_ms, to_ms)` are ignored, and the daily series has
//! one sorted entry per UTC day with answers. Percentiles are members of the data and ordered.

use proptest::prelude::*;
use serde_json::json;
use shopkeep_gateway_core::analytics::{percentile, summarize, AnswerRow};

const DAY: u64 = 86_400_000;
/// 2026-11-21T00:00:00Z.
const NOV_21: u64 = 1_795_219_200_000;

fn row(
    conversation: &str,
    at: u64,
    ttft: Option<u64>,
    cost: Option<u64>,
    error: Option<&str>,
) -> AnswerRow {
    AnswerRow {
        conversation_id: conversation.to_owned(),
        created_at_ms: at,
        ttft_ms: ttft,
        prompt_tokens: 700,
        completion_tokens: 150,
        cost_micro_usd: cost,
        outcome: if error.is_some() {
            "interrupted"
        } else {
            "complete"
        }
        .to_owned(),
        error_code: error.map(str::to_owned),
        unmatched_prices: None,
    }
}

#[test]
fn summary_has_the_documented_json_shape() {
    let rows = [
        row("c_1", NOV_21 + 1_000, Some(310), Some(20_000), None),
        row("c_1", NOV_21 + 2_000, Some(980), Some(32_000), None),
        row(
            "c_2",
            NOV_21 + DAY + 5,
            None,
            None,
            Some("upstream_timeout"),
        ),
        row("c_3", NOV_21 - DAY + 5, Some(400), Some(1), None),
    ];
    let summary = summarize(NOV_21 - DAY, NOV_21 + 2 * DAY, &rows, 5, 3, 1);
    let actual = serde_json::to_value(&summary).unwrap();
    let expected = json!({
        "from_ms": NOV_21 - DAY, "to_ms": NOV_21 + 2 * DAY,
        "conversations": 3, "messages": 9, "answers": 4,
        "ttft_ms": {"p50": 400, "p95": 980},
        "tokens": {"prompt": 2800, "completion": 600},
        "cost_usd": 0.052001, "error_rate": 0.25,
        "feedback": {"up": 3, "down": 1},
        "daily": [
            {"day": "2026-11-20", "conversations": 1, "answers": 1, "errors": 0},
            {"day": "2026-11-21", "conversations": 1, "answers": 2, "errors": 0},
            {"day": "2026-11-22", "conversations": 1, "answers": 1, "errors": 1}
        ],
        // Filled in by the shell from the handoff rows (analytics::handoff); empty here.
        "handoff": {
            "csat": {"count": 0, "average": null},
            "handoffs": 0, "handoff_rate": 0.0, "ai_resolution_rate": 0.0,
            "human_first_response_ms": {"count": 0, "p50": null, "p95": null}
        },
        "price_check": {"checked": 0, "answers_with_unmatched": 0, "unmatched_prices": 0}
    });
    assert_eq!(
        actual, expected,
        "\nactual:   {actual}\nexpected: {expected}"
    );
}

#[test]
fn the_price_check_counts_checked_answers_and_their_unmatched_prices() {
    let checked = |at: u64, unmatched: Option<u64>| AnswerRow {
        unmatched_prices: unmatched,
        ..row("c_1", at, Some(100), None, None)
    };
    let rows = [
        checked(NOV_21 + 1, Some(0)),
        checked(NOV_21 + 2, Some(2)),
        checked(NOV_21 + 3, Some(1)),
        checked(NOV_21 + 4, None),
        checked(NOV_21 - 1, Some(5)),
    ];
    let summary = summarize(NOV_21, NOV_21 + DAY, &rows, 0, 0, 0);
    assert_eq!(
        serde_json::to_value(summary.price_check).unwrap(),
        json!({"checked": 3, "answers_with_unmatched": 2, "unmatched_prices": 3}),
        "unchecked answers and rows outside the range do not count"
    );
}

#[test]
fn an_empty_range_has_nulls_and_zeros_not_nan() {
    let summary = summarize(NOV_21, NOV_21 + DAY, &[], 0, 0, 0);
    let actual = serde_json::to_value(&summary).unwrap();
    assert_eq!(actual["ttft_ms"], json!({"p50": null, "p95": null}));
    assert_eq!(actual["error_rate"], json!(0.0));
    assert_eq!(actual["cost_usd"], json!(0.0));
    assert_eq!(actual["daily"], json!([]));
    assert_eq!(actual["conversations"], json!(0));
}

#[test]
fn rows_outside_the_half_open_range_are_ignored() {
    let rows = [
        row("before", NOV_21 - 1, Some(1), Some(1), Some("x")),
        row("first", NOV_21, Some(100), None, None),
        row("last", NOV_21 + DAY - 1, Some(200), None, None),
        row("end", NOV_21 + DAY, Some(9_999), Some(1), Some("x")),
    ];
    let summary = summarize(NOV_21, NOV_21 + DAY, &rows, 0, 0, 0);
    assert_eq!(summary.answers, 2);
    assert_eq!(summary.conversations, 2);
    assert_eq!(summary.error_rate, 0.0);
    assert_eq!(summary.ttft_ms.p95, Some(200));
    assert_eq!(summary.daily.len(), 1);
    assert_eq!(summary.daily[0].day, "2026-11-21");
}

#[test]
fn a_conversation_spanning_days_counts_once_overall_and_once_per_day() {
    let rows = [
        row("c", NOV_21 + DAY - 1, None, None, None),
        row("c", NOV_21 + DAY, None, None, None),
    ];
    let summary = summarize(NOV_21, NOV_21 + 2 * DAY, &rows, 2, 0, 0);
    assert_eq!(summary.conversations, 1);
    assert_eq!(summary.messages, 4);
    assert_eq!(
        summary
            .daily
            .iter()
            .map(|d| d.conversations)
            .collect::<Vec<_>>(),
        [1, 1]
    );
}

#[test]
fn percentiles_are_nearest_rank() {
    let data: Vec<u64> = (1..=20).map(|v| v * 10).collect();
    assert_eq!(
        percentile(&data, 50.0),
        Some(100),
        "rank ceil(0.5 × 20) = 10"
    );
    assert_eq!(percentile(&data, 95.0), Some(190), "rank 19");
    assert_eq!(percentile(&data, 100.0), Some(200));
    assert_eq!(percentile(&data, 0.0), Some(10));
    assert_eq!(percentile(&data, 250.0), Some(200), "clamped");
    assert_eq!(percentile(&data, f64::NAN), Some(10));
    assert_eq!(percentile(&[7], 95.0), Some(7));
    assert_eq!(percentile(&[], 50.0), None);
    assert_eq!(percentile(&[1, 2], 50.0), Some(1));
    assert_eq!(percentile(&[1, 2, 3], 50.0), Some(2));
}

proptest! {
    #[test]
    fn p50_is_at_most_p95_and_both_are_members(mut data in proptest::collection::vec(0u64..100_000, 1..300)) {
        data.sort_unstable();
        let p50 = percentile(&data, 50.0).unwrap();
        let p95 = percentile(&data, 95.0).unwrap();
        prop_assert!(p50 <= p95);
        prop_assert!(data.binary_search(&p50).is_ok());
        prop_assert!(data.binary_search(&p95).is_ok());
        // Nearest rank: at least p% of the data is ≤ it, and fewer than p% is < it.
        let n = data.len() as f64;
        for (p, v) in [(50.0, p50), (95.0, p95)] {
            let at_most = data.iter().filter(|&&x| x <= v).count() as f64;
            let below = data.iter().filter(|&&x| x < v).count() as f64;
            prop_assert!(at_most >= p / 100.0 * n);
            prop_assert!(below < p / 100.0 * n);
        }
    }

    #[test]
    fn summary_totals_agree_with_the_daily_series(
        rows in proptest::collection::vec(
            (0u64..5, 0u64..(10 * DAY), proptest::option::of(0u64..5_000), proptest::bool::ANY),
            0..100,
        ),
    ) {
        let rows: Vec<AnswerRow> = rows
            .into_iter()
            .map(|(c, at, ttft, failed)| row(&format!("c{c}"), NOV_21 + at, ttft, Some(10), failed.then_some("upstream_error")))
            .collect();
        let summary = summarize(NOV_21, NOV_21 + 10 * DAY, &rows, 0, 0, 0);
        prop_assert_eq!(summary.answers, rows.len() as u64);
        prop_assert_eq!(summary.daily.iter().map(|d| d.answers).sum::<u64>(), summary.answers);
        let errors = summary.daily.iter().map(|d| d.errors).sum::<u64>();
        if summary.answers > 0 {
            prop_assert!((summary.error_rate - errors as f64 / summary.answers as f64).abs() < 1e-12);
        }
        prop_assert!(summary.daily.windows(2).all(|w| w[0].day < w[1].day));
        prop_assert!(summary.daily.iter().all(|d| d.conversations <= summary.conversations));
        prop_assert_eq!(summary.ttft_ms.p50.is_some(), rows.iter().any(|r| r.ttft_ms.is_some()));
    }
}
