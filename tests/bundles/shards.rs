//! Scale-out shards: the merge of N shards is byte-identical to the single-process pack, for
//! compare and baseline and several N; missing, corrupt and foreign shard results are named and
//! refused; a complete shard is skipped; the sbatch scripts are deterministic.

use crate::support::bundles::{execution, files};
use crate::support::scenarios::small_pack;
use crate::support::scratch::Scratch;
use proteus::experiments::packs::{baseline_pack, calibration_pack, compare_pack};
use proteus::experiments::shard::{
    CALIBRATION_FILE, CalibrationInput, PackKind, ShardError, ShardRun, ShardState, SlurmOptions,
    load_plan, merge_shards, plan_shards, run_shard,
};
use proteus::scenario::{MechanismSettings, Scenario};
use std::fs;
use std::path::{Path, PathBuf};

/// The default scenario, shortened, with a small calibration grid: fast enough for a test.
fn small() -> Scenario {
    small_pack(2, &[0.01], &[0], &[1.0])
}

fn mechs(sc: &Scenario) -> Vec<MechanismSettings> {
    ["clob", "fba:100ms"]
        .iter()
        .map(|s| sc.mechanism.with_spec(s).unwrap())
        .collect()
}

fn slurm(cap: Option<u32>) -> SlurmOptions {
    SlurmOptions {
        binary: PathBuf::from("/opt/proteus/xtask"),
        partition: Some("short".to_owned()),
        time: "00:10:00".to_owned(),
        mem: "1G".to_owned(),
        cpus_per_task: 1,
        max_parallel: cap,
    }
}

fn plan_compare(sc: &Scenario, reps: u64, shards: usize, dir: &Path) -> Result<(), ShardError> {
    plan_shards(
        PackKind::Compare,
        sc,
        &mechs(sc),
        reps,
        None,
        shards,
        &slurm(None),
        dir,
        true,
    )
    .map(|_| ())
}

fn run_all(dir: &Path, shards: usize) {
    for k in 0..shards {
        let r = run_shard(dir, k, 1, &|_, _| {}).unwrap();
        assert!(matches!(r, ShardRun::Ran { .. }), "shard {k}: {r:?}");
    }
}

#[test]
fn compare_merge_is_byte_identical_to_one_process_for_several_shard_counts() {
    let root = Scratch::new("shards-compare");
    let sc = small();
    compare_pack(
        &sc,
        &mechs(&sc),
        5,
        &execution(2, None, false),
        &root.join("single"),
        false,
    )
    .unwrap();
    let single = files(&root.join("single"));
    for n in [1, 2, 3, 5] {
        let plan = root.join(format!("plan-{n}"));
        plan_compare(&sc, 5, n, &plan).unwrap();
        run_all(&plan, n);
        let out = root.join(format!("merged-{n}"));
        merge_shards(&plan, &out, false).unwrap();
        assert_eq!(files(&out), single, "{n} shards");
    }
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn baseline_merge_is_byte_identical_to_one_process_with_the_same_calibration_file() {
    let root = Scratch::new("shards-baseline");
    let sc = small();
    calibration_pack(
        &sc,
        &execution(2, None, false),
        &root.join("calibration"),
        false,
    )
    .unwrap();
    let given = root.join("calibration").join("calibration.json");
    // The same plan folder for every N, so the calibration file the manifest names is the same.
    let plan = root.join("plan");
    let calibration_in_plan = std::path::absolute(plan.join(CALIBRATION_FILE)).unwrap();
    let mut single = None;
    for n in [1, 2, 3, 5] {
        plan_shards(
            PackKind::Baseline,
            &sc,
            &[],
            2,
            Some(CalibrationInput::File(&given)),
            n,
            &slurm(Some(2)),
            &plan,
            true,
        )
        .unwrap();
        assert_eq!(
            fs::read(&calibration_in_plan).unwrap(),
            fs::read(&given).unwrap()
        );
        if single.is_none() {
            // `cargo xtask baseline --calibration PLAN/calibration.json`: the same route.
            baseline_pack(
                &sc,
                2,
                Some(&calibration_in_plan),
                &execution(2, None, false),
                &root.join("single"),
                false,
            )
            .unwrap();
            single = Some(files(&root.join("single")));
        }
        run_all(&plan, n);
        let out = root.join(format!("merged-{n}"));
        merge_shards(&plan, &out, false).unwrap();
        assert_eq!(Some(files(&out)), single, "{n} shards");
    }
    // Calibrating at plan time writes the calibration.json the calibrate command writes.
    plan_shards(
        PackKind::Baseline,
        &sc,
        &[],
        2,
        Some(CalibrationInput::Calibrate(&execution(2, None, false))),
        3,
        &slurm(None),
        &root.join("plan-calibrated"),
        false,
    )
    .unwrap();
    assert_eq!(
        fs::read(root.join("plan-calibrated").join(CALIBRATION_FILE)).unwrap(),
        fs::read(&given).unwrap()
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn merge_names_missing_and_corrupt_shards_and_writes_nothing() {
    let root = Scratch::new("shards-broken");
    let sc = small();
    let plan = root.join("plan");
    plan_compare(&sc, 3, 3, &plan).unwrap();
    run_shard(&plan, 0, 1, &|_, _| {}).unwrap();
    run_shard(&plan, 2, 1, &|_, _| {}).unwrap();
    let loaded = load_plan(&plan).unwrap();
    // Corrupt shard 2: one byte changed, its .sha256 left as it was.
    let p2 = loaded.result_path(2);
    let mut bytes = fs::read(&p2).unwrap();
    let at = bytes.iter().position(|&b| b == b'1').unwrap();
    bytes[at] = b'2';
    fs::write(&p2, bytes).unwrap();
    let out = root.join("merged");
    let err = merge_shards(&plan, &out, false).unwrap_err();
    let msg = err.to_string();
    match &err {
        ShardError::Incomplete { problems, shards } => {
            assert_eq!(*shards, 3);
            let got: Vec<_> = problems.iter().map(|p| (p.index, &p.state)).collect();
            assert_eq!(got.len(), 2, "{msg}");
            assert_eq!(got[0], (1, &ShardState::Missing));
            assert_eq!(got[1].0, 2);
            assert!(matches!(got[1].1, ShardState::Corrupt(_)), "{msg}");
        }
        other => panic!("expected Incomplete, got {other}"),
    }
    assert!(msg.contains("shard 1") && msg.contains("missing"), "{msg}");
    assert!(msg.contains("shard 2") && msg.contains("corrupt"), "{msg}");
    assert!(!out.exists(), "nothing is written when a shard is unusable");
    // Running the missing and the corrupt shard again completes the pack.
    assert!(matches!(
        run_shard(&plan, 2, 1, &|_, _| {}).unwrap(),
        ShardRun::Ran { .. }
    ));
    run_shard(&plan, 1, 1, &|_, _| {}).unwrap();
    merge_shards(&plan, &out, false).unwrap();
    compare_pack(
        &sc,
        &mechs(&sc),
        3,
        &execution(2, None, false),
        &root.join("single"),
        false,
    )
    .unwrap();
    assert_eq!(files(&out), files(&root.join("single")));
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_complete_shard_is_skipped_and_an_unfinished_write_is_redone() {
    let root = Scratch::new("shards-skip");
    let sc = small();
    let plan = root.join("plan");
    plan_compare(&sc, 2, 2, &plan).unwrap();
    assert!(matches!(
        run_shard(&plan, 0, 1, &|_, _| {}).unwrap(),
        ShardRun::Ran { runs: 2, .. }
    ));
    let path = load_plan(&plan).unwrap().result_path(0);
    let before = fs::read(&path).unwrap();
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    assert_eq!(
        run_shard(&plan, 0, 1, &|_, _| {}).unwrap(),
        ShardRun::Skipped { runs: 2 }
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified);
    // A result without its .sha256 (the task died between the two renames) is not complete.
    let sidecar = path.with_extension("json.sha256");
    fs::remove_file(&sidecar).unwrap();
    assert!(matches!(
        load_plan(&plan).unwrap().states()[0].2,
        ShardState::Corrupt(_)
    ));
    assert!(matches!(
        run_shard(&plan, 0, 1, &|_, _| {}).unwrap(),
        ShardRun::Ran { .. }
    ));
    assert!(sidecar.exists());
    assert_eq!(fs::read(&path).unwrap(), before, "a shard is deterministic");
    // An index outside the plan is refused with the allowed range.
    let err = run_shard(&plan, 2, 1, &|_, _| {}).unwrap_err().to_string();
    assert!(err.contains("--index 2") && err.contains("0..=1"), "{err}");
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_result_from_another_plan_is_refused() {
    let root = Scratch::new("shards-foreign");
    let sc = small();
    let (a, b) = (root.join("a"), root.join("b"));
    plan_compare(&sc, 2, 2, &a).unwrap();
    let mut other = sc.clone();
    other.seed += 1;
    plan_compare(&other, 2, 2, &b).unwrap();
    run_shard(&a, 0, 1, &|_, _| {}).unwrap();
    let (pa, pb) = (
        load_plan(&a).unwrap().result_path(0),
        load_plan(&b).unwrap().result_path(0),
    );
    fs::copy(&pa, &pb).unwrap();
    fs::copy(
        pa.with_extension("json.sha256"),
        pb.with_extension("json.sha256"),
    )
    .unwrap();
    let err = run_shard(&b, 0, 1, &|_, _| {}).unwrap_err();
    assert!(matches!(err, ShardError::ForeignResult { .. }), "{err}");
    assert!(err.to_string().contains("another plan"), "{err}");
    run_shard(&b, 1, 1, &|_, _| {}).unwrap();
    let msg = merge_shards(&b, &root.join("merged"), false)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("shard 0") && msg.contains("from another plan"),
        "{msg}"
    );
    fs::remove_dir_all(root).unwrap();
}

#[test]
fn plans_refuse_bad_input_and_write_deterministic_scripts() {
    let root = Scratch::new("shards-plan");
    let sc = small();
    let plan = root.join("plan");
    // 2 mechanisms x 2 repetitions = 4 runs.
    let err = plan_compare(&sc, 2, 5, &plan).unwrap_err().to_string();
    assert!(
        err.contains("--shards 5") && err.contains("at most 4"),
        "{err}"
    );
    assert!(!plan.exists(), "a refused plan writes nothing");
    assert!(matches!(
        plan_compare(&sc, 2, 0, &plan),
        Err(ShardError::NoShards)
    ));
    let mut bad = slurm(Some(2));
    bad.mem = "1G\n#SBATCH --exclusive".to_owned();
    let err = plan_shards(
        PackKind::Compare,
        &sc,
        &mechs(&sc),
        2,
        None,
        2,
        &bad,
        &plan,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("--mem"), "{err}");

    let write = || {
        plan_shards(
            PackKind::Compare,
            &sc,
            &mechs(&sc),
            2,
            None,
            3,
            &slurm(Some(2)),
            &plan,
            true,
        )
        .unwrap();
        [
            "array.sbatch",
            "merge.sbatch",
            "submit.sh",
            "shard-plan.json",
        ]
        .map(|f| fs::read_to_string(plan.join(f)).unwrap())
    };
    let first = write();
    assert_eq!(first, write(), "same plan, same bytes");
    let [array, merge, submit, manifest] = first;
    let abs = std::path::absolute(&plan).unwrap();
    assert!(array.contains("#SBATCH --array=0-2%2\n"), "{array}");
    assert!(array.contains("#SBATCH --partition=short\n"), "{array}");
    assert!(array.contains("#SBATCH --time=00:10:00\n"), "{array}");
    assert!(array.contains("#SBATCH --mem=1G\n"), "{array}");
    assert!(
        array.contains(&format!(
            "exec '/opt/proteus/xtask' shard run --plan '{}' --index \"$SLURM_ARRAY_TASK_ID\"",
            abs.display()
        )),
        "{array}"
    );
    assert!(
        !array
            .lines()
            .filter(|l| !l.starts_with('#'))
            .any(|l| l.contains("cargo")),
        "the nodes run the binary, not cargo"
    );
    assert!(merge.contains("shard merge --plan"), "{merge}");
    assert!(
        submit.contains("--dependency=afterany:\"$ARRAY_JOB_ID\""),
        "{submit}"
    );
    let m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let ranges: Vec<(u64, u64)> = m["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["first_run"].as_u64().unwrap(),
                s["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranges, [(0, 2), (2, 1), (3, 1)]);
    // Not a plan folder.
    let err = merge_shards(&root, &root.join("x"), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a shard plan"), "{err}");
    fs::remove_dir_all(root).unwrap();
}
