//! `cargo xtask validate`'s library side: the Glosten–Milgrom case passes in quick mode, the
//! results do not depend on the number of threads, and the files are written.

use proteus::validation::{Mode, ValidateOptions, Verdict, validate, write_outputs};

fn quick(case: &str, threads: usize) -> proteus::validation::ValidationReport {
    validate(&ValidateOptions {
        mode: Mode::Quick,
        case: Some(case.to_owned()),
        threads,
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
    })
    .unwrap_err();
    assert!(e.to_string().contains("unknown case"), "{e}");
}

#[test]
fn writes_json_and_csv() {
    let r = quick("glosten_milgrom", 0);
    let dir = std::env::temp_dir().join(format!("proteus-validation-{}", std::process::id()));
    write_outputs(&r, &dir).unwrap();
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
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_quick_suite_holds_under_the_family_rule() {
    let r = validate(&ValidateOptions {
        mode: Mode::Quick,
        case: None,
        threads: 0,
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
