//! `proteus::realism` end to end: the rmsc04-like day measured over two repetitions, the bundle's
//! files and columns, bytes independent of the thread count, the report regenerated from the
//! files alone, each verdict consistent with its rule, and bad options refused before anything
//! is written.

use crate::support::scenarios::shipped;
use crate::support::scratch::Scratch;
use proteus::realism::{
    CSV_COLUMNS, RealismError, RealismOptions, RealismReport, Verdict, run_realism,
    write_realism_bundle,
};
use proteus::scenario::Scenario;
use std::fs;

fn rmsc04() -> Scenario {
    shipped("rmsc04-like.toml")
}

fn options(threads: usize) -> RealismOptions {
    RealismOptions {
        repetitions: 2,
        threads,
        ..RealismOptions::default()
    }
}

fn quiet(_: u64, _: u64) {}

#[test]
fn two_repetitions_of_the_rmsc04_day_give_the_same_bundle_on_one_or_two_threads() {
    let root = Scratch::new("realism-threads");
    let sc = rmsc04();
    let (report, one) = write_realism_bundle(&sc, &options(1), &root.join("one"), false, &quiet)
        .expect("realism runs");
    let (_, two) = write_realism_bundle(&sc, &options(2), &root.join("two"), false, &quiet)
        .expect("realism runs");
    let mut names: Vec<String> = fs::read_dir(&one)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "acf_abs_returns.svg",
            "acf_returns.svg",
            "acf_trade_signs.svg",
            "manifest.json",
            "realism.csv",
            "realism.json",
            "report.html",
            "return_distribution.svg"
        ]
    );
    for name in &names {
        assert_eq!(
            fs::read(one.join(name)).unwrap(),
            fs::read(two.join(name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
    assert_eq!(
        fs::read_dir(&root).unwrap().count(),
        2,
        "no staging folder left"
    );

    // The CSV: the documented columns, one row per statistic of realism.json.
    let csv = fs::read_to_string(one.join("realism.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header, CSV_COLUMNS.map(|c| c.name));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), report.rows.len());
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("realism.json")).unwrap()).unwrap();
    assert_eq!(json["kind"], "realism");
    // realism.json reads back as the writer's own type (what the report reads): everything but
    // the per-run values, which are not read back, round-trips.
    let back: RealismReport = serde_json::from_value(json.clone()).expect("realism.json reads");
    let mut expected = json.clone();
    for row in expected["rows"].as_array_mut().unwrap() {
        row["runs"] = serde_json::json!([]);
    }
    assert_eq!(serde_json::to_value(&back).unwrap(), expected);
    assert_eq!(json["rows"].as_array().unwrap().len(), rows.len());
    for fact in [
        "absence of autocorrelation",
        "heavy tails",
        "gain/loss asymmetry",
        "aggregational Gaussianity",
        "intermittency",
        "volatility clustering",
        "conditional heavy tails",
        "slow decay of ACF of |r|",
        "leverage effect",
        "volume–volatility correlation",
        "asymmetry in time scales",
        "long memory of order flow",
        "spread and depth",
    ] {
        assert!(
            report.facts.iter().any(|f| f.fact == fact),
            "fact {fact} missing"
        );
    }

    // Every judged row: its verdict follows from its CI and rule; every row names a source.
    for (row, rec) in report.rows.iter().zip(&rows) {
        assert_eq!(rec[1], row.def.statistic);
        assert!(!rec[7].is_empty(), "{}: no source", row.def.statistic);
        assert!(row.n <= 2, "{}", row.def.statistic);
        if row.verdict == Verdict::Info {
            continue;
        }
        let (Some(lo), Some(hi)) = (row.ci95_low.value(), row.ci95_high.value()) else {
            // No interval: a power law missing in most runs for want of a positive
            // autocorrelation fails, anything else is open.
            let no_fit = row
                .runs
                .iter()
                .filter(|v| v.0 == Err(proteus::realism::estimators::NOT_POSITIVE))
                .count();
            let expected = if row.def.missing_fails && 2 * no_fit > 2 {
                Verdict::Fail
            } else {
                Verdict::Inconclusive
            };
            assert_eq!(row.verdict, expected, "{}", row.def.statistic);
            continue;
        };
        let expected = match row.def.rule {
            proteus::realism::Rule::Above { bound } if lo > bound => Verdict::Pass,
            proteus::realism::Rule::Above { bound } if hi <= bound => Verdict::Fail,
            proteus::realism::Rule::Below { bound } if hi < bound => Verdict::Pass,
            proteus::realism::Rule::Below { bound } if lo >= bound => Verdict::Fail,
            proteus::realism::Rule::Within { low, high } if low <= lo && hi <= high => {
                Verdict::Pass
            }
            proteus::realism::Rule::Within { low, high } if hi < low || lo > high => Verdict::Fail,
            proteus::realism::Rule::IncludesZero if lo <= 0.0 && 0.0 <= hi => Verdict::Pass,
            proteus::realism::Rule::IncludesZero => Verdict::Fail,
            _ => Verdict::Inconclusive,
        };
        assert_eq!(row.verdict, expected, "{}", row.def.statistic);
        assert_eq!(rec[8], *row.verdict.as_str());
    }

    // The report is made from the files alone: regenerating it gives the same bytes.
    let page = fs::read(one.join("report.html")).unwrap();
    fs::remove_file(one.join("report.html")).unwrap();
    fs::remove_file(one.join("acf_trade_signs.svg")).unwrap();
    proteus::report::regenerate(&one).expect("the realism report regenerates");
    assert_eq!(fs::read(one.join("report.html")).unwrap(), page);
    assert!(one.join("acf_trade_signs.svg").is_file());
    let html = String::from_utf8(page).unwrap();
    for figure in [
        "return_distribution",
        "acf_returns",
        "acf_abs_returns",
        "acf_trade_signs",
    ] {
        assert!(
            html.contains(&format!("data-figure=\"{figure}\"")),
            "{figure}"
        );
    }
    // A modified data file is refused.
    fs::write(one.join("realism.csv"), "tampered").unwrap();
    assert!(proteus::report::regenerate(&one).is_err());
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn bad_options_are_refused_by_name_before_anything_is_written() {
    let root = Scratch::new("realism-bad");
    let sc = rmsc04();
    let cases: [(RealismOptions, &str, &str); 5] = [
        (
            RealismOptions {
                repetitions: 0,
                ..options(1)
            },
            "--repetitions 0",
            "2..=10000",
        ),
        (
            RealismOptions {
                repetitions: 1,
                ..options(1)
            },
            "--repetitions 1",
            "at least 2",
        ),
        (
            RealismOptions {
                interval_s: 0,
                ..options(1)
            },
            "--interval-s 0",
            "1..=3600",
        ),
        (
            RealismOptions {
                interval_s: 600,
                ..options(1)
            },
            "--interval-s 600",
            "at most 97 s",
        ),
        (
            RealismOptions {
                threads: 5000,
                ..options(1)
            },
            "--threads 5000",
            "0..=1024",
        ),
    ];
    for (opts, flag, allowed) in cases {
        let out = root.join("out");
        let err = write_realism_bundle(&sc, &opts, &out, false, &quiet).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, RealismError::Option { .. }), "{msg}");
        assert!(msg.contains(flag) && msg.contains(allowed), "{flag}: {msg}");
        assert!(msg.contains("nothing was run or written"), "{msg}");
        assert!(!out.exists(), "{flag}: output written");
    }
    assert_eq!(fs::read_dir(&root).unwrap().count(), 0, "nothing staged");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_scenario_without_a_quoted_book_is_refused_with_its_return_count() {
    let mut sc = rmsc04();
    sc.duration_s = 300.0;
    sc.mechanism = sc.mechanism.with_spec("rfq").unwrap();
    let opts = RealismOptions {
        interval_s: 1,
        ..options(1)
    };
    let err = run_realism(&sc, &opts, &quiet).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, RealismError::TooFewReturns { returns: 0, .. }),
        "{msg}"
    );
    assert!(msg.contains("at least 240 are needed"), "{msg}");
}
