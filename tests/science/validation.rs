//! `cargo xtask validate`'s library side: the Glosten–Milgrom case passes in quick mode, the
//! results do not depend on the number of threads, the files are written, and the `market` case
//! yields every line it should with theory's direction holding in the full market.

use crate::support::scratch::Scratch;
use proteus::validation::{Check, Mode, ValidateOptions, Verdict, validate, write_outputs};

fn quick(case: &str, threads: usize) -> proteus::validation::ValidationReport {
    validate(&ValidateOptions {
        mode: Mode::Quick,
        case: Some(case.to_owned()),
        threads,
        ..ValidateOptions::default()
    })
    .unwrap()
}

#[test]
fn glosten_milgrom_quick_passes() {
    let r = quick("glosten_milgrom", 0);
    assert!(!r.results.is_empty());
    let failed: Vec<_> = r
        .results
        .iter()
        .filter(|l| l.verdict == Verdict::Fail)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // The design note's example is one of the exact lines.
    let ask = r
        .results
        .iter()
        .find(|l| l.point == "theta=0.5 mu=0.1" && l.quantity == "first ask")
        .unwrap();
    assert_eq!(ask.theory, Some(101.0));
    assert_eq!(ask.verdict, Verdict::Pass);
}

#[test]
fn results_do_not_depend_on_threads() {
    let a = quick("kyle", 1);
    let b = quick("kyle", 2);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn unknown_case_is_an_error() {
    let e = validate(&ValidateOptions {
        mode: Mode::Quick,
        case: Some("nope".into()),
        threads: 1,
        ..ValidateOptions::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("unknown case"), "{e}");
}

#[test]
fn writes_json_and_csv() {
    let r = quick("glosten_milgrom", 0);
    let root = Scratch::new("validation");
    let dir = root.join("out");
    let staged = proteus::artifacts::StagedFiles::into_folder(&dir).unwrap();
    write_outputs(&r, &staged).unwrap();
    assert!(!dir.exists(), "nothing appears before publication");
    staged.publish().unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("validation.json")).unwrap()).unwrap();
    assert_eq!(json["results"].as_array().unwrap().len(), r.results.len());
    let csv = std::fs::read_to_string(dir.join("validation.csv")).unwrap();
    assert_eq!(csv.lines().count(), r.results.len() + 1);
    assert!(csv.starts_with("case,point,quantity,theory,simulated_mean,ci95_low,ci95_high"));
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",verdict,tolerance,p_value,p_holm")
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_quick_suite_holds_under_the_family_rule() {
    let r = validate(&ValidateOptions {
        mode: Mode::Quick,
        case: None,
        threads: 0,
        ..ValidateOptions::default()
    })
    .unwrap();
    let failed: Vec<_> = r
        .results
        .iter()
        .filter(|l| l.verdict == Verdict::Fail)
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    for case in proteus::validation::CASES {
        assert!(
            r.results.iter().any(|l| l.case == case),
            "case {case} did not run"
        );
    }
    for l in &r.results {
        let monte_carlo = l.check == proteus::validation::Check::Ci;
        assert_eq!(l.p_value.is_some(), monte_carlo, "{l:#?}");
        assert_eq!(l.p_holm.is_some(), monte_carlo, "{l:#?}");
        if let (Some(p), Some(h)) = (l.p_value, l.p_holm) {
            assert!(h >= p && h <= 1.0, "{l:#?}");
        }
        // A watch line is outside its own 95% CI but not significant for its case.
        if l.verdict == Verdict::Watch {
            let (lo, hi) = (
                l.simulated.ci95_low.unwrap(),
                l.simulated.ci95_high.unwrap(),
            );
            let t = l.theory.unwrap();
            assert!(t < lo || t > hi, "{l:#?}");
            assert!(
                l.p_holm.unwrap() >= proteus::validation::FAMILY_ALPHA,
                "{l:#?}"
            );
        }
    }
}

/// Every line `validate --quick --case market` must print (point, quantity, check) for the
/// shipped `scenarios/validation/market.toml`, in order.
const MARKET_LINES: &[(&str, &str, Check)] = &[
    (
        "informed 0 -> 15",
        "quoted spread (ticks) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "informed 0 -> 15",
        "effective spread (ticks) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "informed 0 -> 15",
        "LP adverse-selection cost per lot vs fundamental 1s (ticks) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "informed 0 -> 15",
        "MM PnL per lot (ticks) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "rfq:1: informed 0 -> 15",
        "investors' effective spread vs fundamental (ticks) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "market makers 1 -> 2",
        "quoted spread (ticks) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "market makers 2 -> 4",
        "quoted spread (ticks) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "snipers latency x1 (faster than everyone)",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    (
        "snipers latency x10 (between market makers and noise traders)",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    (
        "snipers latency x20000 (slower than every liquidity provider)",
        "sniping profit (ticks x lots)",
        Check::NotAbove,
    ),
    (
        "snipers latency x10 -> x1 (faster than the market makers)",
        "sniping profit (ticks x lots) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "snipers latency x10 -> x1 (faster than the market makers)",
        "races (500us window) (B - A, paired)",
        Check::Info,
    ),
    (
        "clob -> fba:1s",
        "sniping profit (ticks x lots) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "clob -> fba:1s",
        "races (500us window) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "clob -> fba:1s",
        "investors' effective spread vs fundamental (ticks) (B - A, paired)",
        Check::NotAbove,
    ),
    (
        "fba:1s",
        "sniping profit (ticks x lots)",
        Check::IncludesZero,
    ),
    ("fba:100ms", "sniping profit (ticks x lots)", Check::Info),
    (
        "fba:100ms -> fba:1s",
        "sniping profit (ticks x lots) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "rfq:2: losing dealers see the side -> do not (rfq_trade_happened = nobody)",
        "client effective spread vs fundamental (ticks) (B - A, paired)",
        Check::Strict { below: true },
    ),
    (
        "rfq:2: losing dealers see the side -> do not (rfq_trade_happened = nobody)",
        "best quote vs last RFQ price (ticks) (B - A, paired)",
        Check::Info,
    ),
    (
        "tick 1 -> 5",
        "quoted spread (ticks) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "tick 1 -> 5",
        "depth at the touch, bid + ask (lots) (B - A, paired)",
        Check::Strict { below: false },
    ),
    (
        "rfq:1 market_makers=4",
        "client effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "rfq:1 market_makers=4",
        "best quote vs last RFQ price (ticks)",
        Check::Info,
    ),
    (
        "rfq:2 market_makers=4",
        "client effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "rfq:2 market_makers=4",
        "best quote vs last RFQ price (ticks)",
        Check::Info,
    ),
    (
        "rfq:3 market_makers=4",
        "client effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "rfq:3 market_makers=4",
        "best quote vs last RFQ price (ticks)",
        Check::Info,
    ),
    (
        "rfq:4 market_makers=4",
        "client effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "rfq:4 market_makers=4",
        "best quote vs last RFQ price (ticks)",
        Check::Info,
    ),
    ("mechanisms: clob", "quoted spread (ticks)", Check::Info),
    ("mechanisms: clob", "effective spread (ticks)", Check::Info),
    (
        "mechanisms: clob",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    ("mechanisms: clob", "races (500us window)", Check::Info),
    (
        "mechanisms: clob",
        "investors' effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: clob",
        "LP adverse-selection cost per lot vs fundamental 1s (ticks)",
        Check::Info,
    ),
    ("mechanisms: clob", "MM PnL per lot (ticks)", Check::Info),
    (
        "mechanisms: fba:100ms",
        "quoted spread (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:100ms",
        "effective spread (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:100ms",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    ("mechanisms: fba:100ms", "races (500us window)", Check::Info),
    (
        "mechanisms: fba:100ms",
        "investors' effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:100ms",
        "LP adverse-selection cost per lot vs fundamental 1s (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:100ms",
        "MM PnL per lot (ticks)",
        Check::Info,
    ),
    ("mechanisms: fba:1s", "quoted spread (ticks)", Check::Info),
    (
        "mechanisms: fba:1s",
        "effective spread (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:1s",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    ("mechanisms: fba:1s", "races (500us window)", Check::Info),
    (
        "mechanisms: fba:1s",
        "investors' effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: fba:1s",
        "LP adverse-selection cost per lot vs fundamental 1s (ticks)",
        Check::Info,
    ),
    ("mechanisms: fba:1s", "MM PnL per lot (ticks)", Check::Info),
    ("mechanisms: rfq:2", "effective spread (ticks)", Check::Info),
    (
        "mechanisms: rfq:2",
        "sniping profit (ticks x lots)",
        Check::Info,
    ),
    (
        "mechanisms: rfq:2",
        "investors' effective spread vs fundamental (ticks)",
        Check::Info,
    ),
    (
        "mechanisms: rfq:2",
        "LP adverse-selection cost per lot vs fundamental 1s (ticks)",
        Check::Info,
    ),
    ("mechanisms: rfq:2", "MM PnL per lot (ticks)", Check::Info),
];

/// The market case runs and yields exactly its expected lines, with the same bytes on 1 and 2
/// threads. Whether its checks pass is what the case reports, not what this test asserts.
#[test]
fn market_quick_yields_every_line_independently_of_threads() {
    let a = quick("market", 1);
    let b = quick("market", 2);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let got: Vec<(&str, &str, Check)> = a
        .results
        .iter()
        .map(|l| (l.point.as_str(), l.quantity.as_str(), l.check))
        .collect();
    assert_eq!(got, MARKET_LINES);
    for l in &a.results {
        assert_eq!(l.case, "market");
        // Every line is computed over the 100 quick repetitions, and theory's direction holds
        // in the full market (`docs/validation.md`, the market case).
        assert!(!l.tolerance.starts_with("not computed: "), "{l:#?}");
        assert_eq!(l.simulated.n, 100, "{l:#?}");
        assert!(l.simulated.ci95_low.is_some(), "{l:#?}");
        assert_eq!(l.verdict == Verdict::Info, l.check == Check::Info, "{l:#?}");
        assert_ne!(l.verdict, Verdict::Fail, "{l:#?}");
        assert!(l.p_value.is_none() && l.theory.is_none(), "{l:#?}");
    }
}

/// `--points FILE`: its keys replace the case file's; unknown keys, another case's name and a
/// missing `--case` are errors naming what is wrong, before anything runs.
#[test]
fn a_points_file_overlays_the_case_file_and_bad_ones_are_refused() {
    use proteus::validation::overlay_points;
    let dir = Scratch::new("points");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let good = write("good.toml", "seed = 7\n");
    let run = overlay_points("glosten_milgrom", &good).unwrap();
    let table: toml::Table = toml::from_str(&run.text).unwrap();
    assert_eq!(table["seed"].as_integer(), Some(7));
    assert!(
        table.contains_key("points"),
        "the case file's other keys stay"
    );
    assert!(run.file.contains("good.toml"), "{}", run.file);

    let unknown = write("unknown.toml", "sed = 7\n");
    let e = overlay_points("glosten_milgrom", &unknown)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown field `sed`") && e.contains("unknown.toml"),
        "{e}"
    );

    let other = write("other.toml", "case = \"kyle\"\n");
    let e = overlay_points("glosten_milgrom", &other)
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `case`"), "{e}");

    let broken = write("broken.toml", "seed = \n");
    let e = overlay_points("glosten_milgrom", &broken)
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.toml"), "{e}");

    let e = validate(&ValidateOptions {
        points: Some(good.clone()),
        ..ValidateOptions::default()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("--case"), "{e}");
    let e = overlay_points("glosten_milgrom", &dir.join("absent.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("absent.toml"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every planted defect names a case that exists and a switch, and names are unique.
#[test]
fn every_mutant_belongs_to_a_case() {
    use proteus::validation::{CASES, Mutant};
    let mut names = std::collections::BTreeSet::new();
    for m in Mutant::ALL {
        assert!(CASES.contains(&m.case()), "{m:?}");
        assert!(!m.switch().is_empty());
        assert!(names.insert(m.name()), "duplicate {}", m.name());
        assert_eq!(Mutant::by_name(m.name()), Some(m));
    }
    assert!(Mutant::ALL.len() >= 8);
}
