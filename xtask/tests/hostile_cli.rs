//! Hostile input on the command line (issue 19): every refusal exits non-zero, names the flag
//! (or field) and what is allowed, answers at once (nothing is run first) and writes nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn xtask(args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("xtask runs");
    (o, started.elapsed())
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("proteus-hostile-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `args`, expects a quick non-zero exit whose stderr holds every needle, and no `out`.
fn refused(args: &[&str], needles: &[&str], out: &Path) -> String {
    let (o, took) = xtask(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "{args:?} succeeded: {stderr}");
    assert_ne!(
        o.status.code(),
        None,
        "{args:?} was killed (a panic or an abort?): {stderr}"
    );
    for n in needles {
        assert!(
            stderr.contains(n),
            "{args:?}: stderr lacks {n:?}:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        took < Duration::from_secs(20),
        "{args:?} took {took:?} before refusing"
    );
    assert!(!out.exists(), "{args:?} wrote {}", out.display());
    stderr
}

/// Defect 4: `compare --repetitions u64::MAX` panicked on a multiplication overflow; `baseline`
/// with i64::MAX ran the whole calibration first, then panicked.
#[test]
fn repetitions_out_of_range_are_refused_up_front() {
    let root = scratch("reps");
    let out = root.join("out");
    for cmd in ["compare", "baseline"] {
        for reps in ["18446744073709551615", "9223372036854775807", "0", "-1"] {
            let e = refused(
                &[cmd, "--repetitions", reps, "--out", s(&out)],
                &["--repetitions", "[1, 1000000]"],
                &out,
            );
            assert!(
                !e.contains("calibration:"),
                "{cmd} {reps} calibrated first: {e}"
            );
        }
    }
    refused(
        &["compare", "--seed", "-1", "--out", s(&out)],
        &["--seed", "[0, 18446744073709551615]"],
        &out,
    );
    fs::remove_dir_all(root).unwrap();
}

/// Defect 5: a plan of 2e9 shards aborted allocating 48 GB.
#[test]
fn shard_counts_out_of_range_are_refused_up_front() {
    let root = scratch("shards");
    let out = root.join("plan");
    let plan = |reps: &str, shards: &str| {
        vec![
            "shard",
            "plan",
            "--pack",
            "compare",
            "--repetitions",
            reps,
            "--shards",
            shards,
            "--out",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([s(&out).to_owned()])
        .collect::<Vec<String>>()
    };
    let args = plan("1000000000", "2000000000");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &["--repetitions", "[1, 1000000]"], &out);
    let args = plan("1000", "2000000000");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &["--shards", "[1, 100000]"], &out);
    // More shards than runs (2 mechanisms x 1000 repetitions).
    let args = plan("1000", "2001");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(&args, &["--shards 2001", "2000 runs"], &out);
    // A baseline plan checks its shard count before it calibrates (6 cells x 2 repetitions).
    let e = refused(
        &[
            "shard",
            "plan",
            "--pack",
            "baseline",
            "--repetitions",
            "2",
            "--shards",
            "13",
            "--out",
            s(&out),
        ],
        &["--shards 13", "12 runs"],
        &out,
    );
    assert!(!e.contains("calibration:"), "calibrated first: {e}");
    fs::remove_dir_all(root).unwrap();
}

/// Defect 6: `--threads 10000` spawned ten thousand threads.
#[test]
fn thread_counts_past_four_times_the_cores_are_refused() {
    let root = scratch("threads");
    let out = root.join("out");
    let cores = std::thread::available_parallelism().unwrap().get();
    let range = format!("[0, {}]", 4 * cores);
    for args in [
        vec!["compare", "--threads", "10000", "--repetitions", "2"],
        vec!["calibrate", "--threads", "10000"],
        vec![
            "validate",
            "--quick",
            "--case",
            "kyle",
            "--threads",
            "10000",
        ],
        vec!["compare", "--threads", "-3"],
    ] {
        let mut args = args;
        args.extend(["--out", s(&out)]);
        refused(&args, &["--threads", &range], &out);
    }
    let e = refused(
        &[
            "shard",
            "run",
            "--plan",
            s(&root.join("none")),
            "--index",
            "0",
            "--threads",
            "10000",
        ],
        &["--threads", &range],
        &out,
    );
    assert!(!e.contains("not a shard plan"), "{e}");
    fs::remove_dir_all(root).unwrap();
}

/// Defects 2 and 3 (replay): `--orders /dev/zero` read 12 GB before parsing; quantities of
/// i64::MAX overflowed the book's sums.
#[test]
fn replay_refuses_endless_streams_and_oversized_quantities() {
    let root = scratch("replay");
    let out = root.join("out");
    if Path::new("/dev/zero").exists() {
        refused(
            &["replay", "--orders", "/dev/zero", "--out", s(&out)],
            &["/dev/zero:1: no header line in the first 4096 bytes"],
            &out,
        );
    }
    let orders = root.join("orders.csv");
    fs::write(
        &orders,
        "time_ns,trader,action,order_id,side,price,qty,tif\n\
         0,1,limit,1,buy,100,9223372036854775807,gtc\n1,2,limit,2,buy,100,1,gtc\n",
    )
    .unwrap();
    refused(
        &["replay", "--orders", s(&orders), "--out", s(&out)],
        &["orders.csv:2: column `qty`", "at most 1000000000000"],
        &out,
    );
    fs::remove_dir_all(root).unwrap();
}

/// Defect 2 (scenario files): `--scenario /dev/zero` read 8.7 GB before failing.
#[test]
fn scenario_files_past_16_mib_are_refused_at_once() {
    if !Path::new("/dev/zero").exists() {
        return;
    }
    let root = scratch("scenario-zero");
    let out = root.join("out");
    for cmd in ["run", "compare", "calibrate"] {
        refused(
            &[cmd, "--scenario", "/dev/zero", "--out", s(&out)],
            &["scenario /dev/zero is larger than 16777216 bytes (16 MiB)"],
            &out,
        );
    }
    fs::remove_dir_all(root).unwrap();
}

/// Defect 7: `--calibration` regimes skipped validation (`quote_size: -3` reached the manifest).
#[test]
fn calibration_files_out_of_range_are_refused() {
    let root = scratch("calibration");
    let out = root.join("out");
    let file = root.join("calibration.json");
    fs::write(
        &file,
        r#"{"schema_version": 1, "kind": "calibration",
            "selected": {"risk_aversion": 0.1, "half_spread_ticks": 1.0, "quote_size": -3}}"#,
    )
    .unwrap();
    refused(
        &[
            "baseline",
            "--calibration",
            s(&file),
            "--repetitions",
            "2",
            "--out",
            s(&out),
        ],
        &[
            "calibration.json",
            "`selected.quote_size` = -3: must be in [1, 1000000]",
        ],
        &out,
    );
    let plan = root.join("plan");
    refused(
        &[
            "shard",
            "plan",
            "--pack",
            "baseline",
            "--calibration",
            s(&file),
            "--shards",
            "2",
            "--out",
            s(&plan),
        ],
        &["`selected.quote_size` = -3: must be in [1, 1000000]"],
        &plan,
    );
    fs::remove_dir_all(root).unwrap();
}
