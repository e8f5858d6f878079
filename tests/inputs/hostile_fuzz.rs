//! Fuzzing of the two text formats a user hands Proteus (issue 19): scenario TOML and replay
//! order files. Whatever the input, parsing returns a value or an error, never a panic; and
//! whatever it accepts can be used: an accepted (short) scenario runs, an accepted order file
//! replays, without a panic (the test build has overflow checks on).
//!
//! Runs at `PROPTEST_CASES` cases per property (256 by default, 2048 under `cargo xtask ci`).

use crate::support::scenarios::default_with;
use proptest::prelude::*;
use proteus::experiments::budget::WorkEstimate;
use proteus::mechanisms::ClobConfig;
use proteus::replay::{HEADER, parse_order_file, replay};
use proteus::scenario::Scenario;
use proteus::sim::{RunOptions, run};

/// The default scenario, shortened to 2 s so that an accepted mutant runs in milliseconds.
fn short_default() -> String {
    default_with("duration_s = 300.0", "duration_s = 2.0")
}

/// Values a user (or an attacker) might put right of an `=`.
fn hostile_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "nan", "+nan", "-nan", "inf", "-inf", "0", "-0", "0.0", "-0.0", "1", "-1", "2", "1.5",
            "1e300", "-1e300", "1e-300", "5e-324", "1.7976931348623157e308",
            "9223372036854775807", "-9223372036854775808", "4294967295", "4294967296",
            "18446744073709551615", "\"\"", "\"x\"", "\"NaN\"", "true", "false", "[]", "{}",
            "[1, 2]", "[nan]", "[0]", "[-1]", "[1e300]", "{ kind = \"constant\", ns = 0 }",
            "{ kind = \"pareto\", scale_ns = 1, shape = 1e-300, cap_ns = 18446744073709551615 }",
            "{ kind = \"lognormal\", median_ns = 9223372036854775807, sigma = 700.0, cap_ns = 9223372036854775807 }",
            "{ kind = \"uniform\", min_ns = 0, max_ns = 9223372036854775807 }",
            "{ kind = \"fixed\", size = 1e12 }", "{ kind = \"laplace\", scale = 0.0 }",
            "1979-05-27T07:32:00Z", "\"\\u0000\"", "'''\n'''", "[[]]", "{ a = { b = {} } }",
        ])
        .prop_map(str::to_owned),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        any::<i64>().prop_map(|x| x.to_string()),
        (0u64..2000).prop_map(|x| x.to_string()),
        (0.0f64..10.0).prop_map(|x| format!("{x:?}")),
    ]
}

/// `text` with the value of its `line`-th `key = value` line (counted modulo their number)
/// replaced by `value`.
fn mutate(text: &str, line: usize, value: &str) -> String {
    let assignments: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#') && l.contains(" = "))
        .map(|(i, _)| i)
        .collect();
    let target = assignments[line % assignments.len()];
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == target {
                let key = l.split(" = ").next().unwrap_or(l);
                format!("{key} = {value}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An accepted scenario is estimated, and run when the estimate is small.
fn use_scenario(sc: &Scenario) {
    let estimate = WorkEstimate::of_run(sc);
    let _ = estimate.describe();
    if estimate.events() < 20_000.0 && sc.duration_s <= 5.0 {
        let _ = sc.grid.cells();
        let log = run(sc, 0, RunOptions::default());
        let _ = log;
    }
}

proptest! {
    #[test]
    fn scenario_parser_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Scenario::from_toml(&text, "fuzz.toml");
    }

    #[test]
    fn scenario_parser_survives_toml_like_text(text in "[a-z_\\[\\]=.\"'{}, 0-9\n#+-]{0,300}") {
        let _ = Scenario::from_toml(&text, "fuzz.toml");
    }

    #[test]
    fn scenario_parser_survives_spliced_default_text(
        cut in 0usize..4000,
        junk in "[ -~\n]{0,40}",
    ) {
        let base = short_default();
        let at = base.char_indices().map(|(i, _)| i).nth(cut % base.len()).unwrap_or(0);
        let text = format!("{}{junk}{}", &base[..at], &base[at..]);
        if let Ok(sc) = Scenario::from_toml(&text, "fuzz.toml") {
            use_scenario(&sc);
        }
    }

    #[test]
    fn mutated_default_scenarios_are_refused_or_run(
        edits in prop::collection::vec((any::<usize>(), hostile_value()), 1..4),
    ) {
        let mut text = short_default();
        for (line, value) in &edits {
            text = mutate(&text, *line, value);
        }
        match Scenario::from_toml(&text, "fuzz.toml") {
            Ok(sc) => use_scenario(&sc),
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("scenario fuzz.toml"), "{message}");
            }
        }
    }

    #[test]
    fn order_parser_survives_arbitrary_bytes(
        with_header in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut input = Vec::new();
        if with_header {
            input.extend_from_slice(HEADER.join(",").as_bytes());
            input.push(b'\n');
        }
        input.extend_from_slice(&bytes);
        if let Ok(requests) = parse_order_file(input.as_slice()) {
            let _ = replay(&requests, ClobConfig::default());
        }
    }

    #[test]
    fn accepted_order_files_replay_without_panic(
        rows in prop::collection::vec(order_row(), 0..40),
    ) {
        let mut text = HEADER.join(",");
        text.push('\n');
        for r in &rows {
            text.push_str(r);
            text.push('\n');
        }
        match parse_order_file(text.as_bytes()) {
            Ok(requests) => {
                let _ = replay(&requests, ClobConfig::default());
            }
            Err(e) => prop_assert!(e.line >= 1, "{e}"),
        }
    }
}

/// One row of an order file from pools of ordinary and extreme values (blank included), so
/// that many rows parse and reach the book.
fn order_row() -> impl Strategy<Value = String> {
    let number = || {
        prop_oneof![
            4 => (0i64..5).prop_map(|x| x.to_string()),
            2 => (95i64..105).prop_map(|x| x.to_string()),
            1 => prop::sample::select(vec![
                "", "-1", "0", "9223372036854775807", "-9223372036854775808",
                "1000000000000", "1000000000001", "18446744073709551615", "x", "1.5",
            ])
            .prop_map(str::to_owned),
        ]
    };
    (
        (0u64..3).prop_map(|t| t.to_string()),
        number(),
        prop::sample::select(vec!["limit", "limit", "market", "cancel", "amend", "x"]),
        number(),
        prop::sample::select(vec!["buy", "sell", ""]),
        number(),
        number(),
        prop::sample::select(vec!["gtc", "ioc", "fok", "post_only", ""]),
    )
        .prop_map(|(t, trader, action, id, side, price, qty, tif)| {
            format!("{t},{trader},{action},{id},{side},{price},{qty},{tif}")
        })
}
