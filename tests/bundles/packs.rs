//! Packs: calibration, baseline and comparison bundles are identical for any thread count and
//! after an interrupted run is resumed, and bad input is refused.

use crate::support::bundles::{execution, files, manifest};
use crate::support::scenarios::small_pack;
use crate::support::scratch::Scratch;
use proteus::experiments::pack::{Checkpoint, PackPlan, run_one};
use proteus::experiments::packs::{baseline_pack, calibration_pack, compare_pack};
use proteus::scenario::{Cell, Scenario};
use std::fs;

/// The default scenario, shortened, with a small calibration grid: fast enough for a test.
fn small() -> Scenario {
    small_pack(3, &[0.01], &[0, 5], &[1.0, 4.0])
}

#[test]
fn baseline_bytes_do_not_depend_on_threads() {
    let root = Scratch::new("packs-threads");
    let sc = small();
    baseline_pack(
        &sc,
        4,
        None,
        &execution(1, None, false),
        &root.join("one"),
        false,
    )
    .unwrap();
    baseline_pack(
        &sc,
        4,
        None,
        &execution(2, None, false),
        &root.join("two"),
        false,
    )
    .unwrap();
    let (a, b) = (files(&root.join("one")), files(&root.join("two")));
    assert_eq!(a, b, "every file, the report included");
    // The data files (the report's files are checked in tests/report.rs).
    let data: Vec<(String, Vec<u8>)> = a
        .iter()
        .filter(|(n, _)| !n.ends_with(".svg") && n != "report.html")
        .cloned()
        .collect();
    let names: Vec<&str> = data.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "calibration.json",
            "calibration_candidates.csv",
            "contrasts.csv",
            "manifest.json",
            "runs.csv",
            "sensitivity.csv",
            "summary.csv",
            "summary.json"
        ]
    );
    // 6 grid cells x 4 repetitions, every metric of every run in runs.csv.
    let mut runs = csv::Reader::from_reader(data[4].1.as_slice());
    let col = runs
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "repetition")
        .unwrap();
    let reps: std::collections::BTreeSet<String> =
        runs.records().map(|r| r.unwrap()[col].to_owned()).collect();
    assert_eq!(reps.into_iter().collect::<Vec<_>>(), ["0", "1", "2", "3"]);
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn resumed_pack_gives_the_same_bytes() {
    let root = Scratch::new("packs-resume");
    let sc = small();
    let mechs: Vec<_> = ["clob", "fba:100ms"]
        .iter()
        .map(|s| sc.mechanism.with_spec(s).unwrap())
        .collect();
    compare_pack(
        &sc,
        &mechs,
        5,
        &execution(2, None, false),
        &root.join("straight"),
        false,
    )
    .unwrap();

    // An interrupted invocation: some runs of the plan finished and were checkpointed.
    let ckpt = root.join(".resumed.checkpoint");
    let plan = PackPlan {
        cell_labels: vec![
            Cell {
                informed_count: None,
                latency_scale: None,
            }
            .label(),
        ],
        mechanism_labels: mechs.iter().map(|m| m.label()).collect(),
        scenarios: vec![
            mechs
                .iter()
                .map(|m| Scenario {
                    mechanism: *m,
                    ..sc.clone()
                })
                .collect(),
        ],
        repetitions: 5,
    };
    let c = Checkpoint::open(&ckpt.join("compare"), &plan, false).unwrap();
    for i in [0u64, 3, 7] {
        c.save(i, &run_one(&plan, plan.key(i)).unwrap()).unwrap();
    }
    compare_pack(
        &sc,
        &mechs,
        5,
        &execution(2, Some(ckpt.clone()), true),
        &root.join("resumed"),
        false,
    )
    .unwrap();
    assert_eq!(files(&root.join("straight")), files(&root.join("resumed")));
    assert!(
        !ckpt.exists(),
        "the checkpoint is removed once the bundle is written"
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn calibration_bundle_ranks_every_candidate_and_explains_its_choice() {
    let root = Scratch::new("packs-calibrate");
    let c = calibration_pack(&small(), &execution(2, None, false), &root.join("c"), false).unwrap();
    assert_eq!(c.candidates.len(), 2);
    let mut ranks: Vec<usize> = c.candidates.iter().map(|s| s.rank).collect();
    ranks.sort();
    assert_eq!(ranks, [1, 2]);
    let best = c.candidates.iter().find(|s| s.rank == 1).unwrap();
    assert_eq!(best.regime, c.selected);
    assert!(c.rationale.contains(&best.label), "{}", c.rationale);
    assert_eq!(
        c.sensitivity.len(),
        4,
        "2 informed counts x 2 latency scales"
    );
    for f in [
        "calibration.json",
        "calibration_candidates.csv",
        "sensitivity.csv",
        "manifest.json",
    ] {
        assert!(root.join("c").join(f).is_file(), "{f}");
    }
    // A baseline can consume it instead of calibrating again.
    let o = baseline_pack(
        &small(),
        2,
        Some(&root.join("c/calibration.json")),
        &execution(2, None, false),
        &root.join("b"),
        false,
    )
    .unwrap();
    assert!(o.calibration.is_none());
    assert!(!root.join("b/calibration.json").exists());
    let m = manifest(&root.join("b"));
    assert!(
        m["calibration_source"]
            .as_str()
            .unwrap()
            .starts_with("file "),
        "{m}"
    );
    assert_eq!(
        m["scenario"]["agents"]["market_maker"][0]["half_spread_ticks"],
        c.selected.half_spread_ticks
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn bad_inputs_are_refused_before_anything_is_written() {
    let root = Scratch::new("packs-bad");
    let sc = small();
    let e = baseline_pack(
        &sc,
        0,
        None,
        &execution(1, None, false),
        &root.join("x"),
        false,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "repetitions must be at least 1 (got 0)");
    let e = compare_pack(
        &sc,
        &[],
        3,
        &execution(1, None, false),
        &root.join("x"),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("no mechanisms"), "{e}");
    let clob = sc.mechanism.with_spec("clob").unwrap();
    let e = compare_pack(
        &sc,
        &[clob, clob],
        3,
        &execution(1, None, false),
        &root.join("x"),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("listed twice"), "{e}");
    // A calibration file from another schema version.
    let bad = root.join("old.json");
    fs::write(&bad, r#"{"schema_version": 99, "kind": "calibration", "selected": {"risk_aversion": 0.1, "half_spread_ticks": 2.0, "quote_size": 5}}"#).unwrap();
    let e = baseline_pack(
        &sc,
        2,
        Some(&bad),
        &execution(1, None, false),
        &root.join("x"),
        false,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("schema version 99; this Proteus reads version 1"),
        "{e}"
    );
    fs::write(&bad, r#"{"schema_version": 1, "kind": "baseline"}"#).unwrap();
    let e = baseline_pack(
        &sc,
        2,
        Some(&bad),
        &execution(1, None, false),
        &root.join("x"),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("is not a calibration"), "{e}");
    assert!(!root.join("x").exists());
    assert_eq!(
        fs::read_dir(&root).unwrap().count(),
        1,
        "only the bad calibration file"
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn audit_finds_identical_bytes_and_catches_a_tampered_manifest() {
    use proteus::experiments::audit::{AuditPlan, audit, rederive_run};
    use proteus::experiments::{RunBundleOptions, write_run_bundle};
    let root = Scratch::new("packs-audit");
    let sc = small();
    let mechs: Vec<_> = ["clob", "fba:100ms"]
        .iter()
        .map(|s| sc.mechanism.with_spec(s).unwrap())
        .collect();
    let plan = AuditPlan {
        mechanisms: &mechs,
        repetitions: 3,
        threads: &[1, 2],
        shards: 2,
    };
    let a = audit(&sc, &plan, &root.join("work"), &root.join("out"), false).unwrap();
    assert_eq!(a.mismatches, 0, "{:#?}", a.verdicts);
    let checks: std::collections::BTreeSet<&str> =
        a.verdicts.iter().map(|v| v.check.as_str()).collect();
    assert_eq!(
        checks.into_iter().collect::<Vec<_>>(),
        [
            "re-derived from manifest.json",
            "threads 1 vs 2",
            "threads 1 vs 2 shards merged"
        ]
    );
    assert!(root.join("out/audit.json").is_file());

    // A manifest whose hash no longer matches what it describes is reported, not trusted.
    let run = root.join("run");
    write_run_bundle(&sc, &run, &RunBundleOptions::default()).unwrap();
    let m = fs::read_to_string(run.join("manifest.json")).unwrap();
    let fills = proteus::artifacts::sha256_hex(&fs::read(run.join("fills.csv")).unwrap());
    fs::write(
        run.join("manifest.json"),
        m.replace(&fills, &"0".repeat(64)),
    )
    .unwrap();
    let mut verdicts = Vec::new();
    rederive_run(&run, &root.join("again"), &mut verdicts).unwrap();
    let bad: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.identical)
        .map(|v| v.artifact.as_str())
        .collect();
    assert_eq!(bad, ["run/fills.csv"]);
    fs::remove_dir_all(root).unwrap();
}
