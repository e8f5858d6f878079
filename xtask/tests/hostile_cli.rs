//! Hostile input on the command line (issue 19): every refusal exits non-zero, names the flag
//! (or field) and what is allowed, answers at once (nothing is run first) and writes nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a command left: its exit status (`None`: killed), stdout, stderr and how long it took.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs xtask with `args` under a 4 GB address-space limit (`ulimit -v`, where `sh` exists) and
/// kills it after 30 s, so a regression of a hostile input cannot take the test machine with it.
fn xtask(args: &[&str]) -> Ran {
    xtask_under("", args)
}

/// [`xtask`] with `limits` (shell commands, e.g. `ulimit -f 40;`) run before it.
fn xtask_under(limits: &str, args: &[&str]) -> Ran {
    let logs = std::env::temp_dir().join(format!(
        "proteus-hostile-logs-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    fs::create_dir_all(&logs).unwrap();
    let (out_path, err_path) = (logs.join("stdout"), logs.join("stderr"));
    let bin = env!("CARGO_BIN_EXE_xtask");
    let mut cmd = if Path::new("/bin/sh").exists() || !limits.is_empty() {
        let mut c = Command::new("/bin/sh");
        let script = format!("ulimit -v 4000000 2>/dev/null; {limits} exec \"$0\" \"$@\"");
        c.args(["-c", &script, bin]);
        c
    } else {
        Command::new(bin)
    };
    let started = Instant::now();
    let mut child = cmd
        .args(args)
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("xtask runs");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
    let ran = Ran {
        code: status.and_then(|s| s.code()),
        stdout: read(&out_path),
        stderr: read(&err_path),
        took,
    };
    let _ = fs::remove_dir_all(&logs);
    ran
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
    let r = xtask(args);
    let stderr = r.stderr;
    assert!(
        r.code.is_some(),
        "{args:?} was killed after {:?} (a timeout, a signal or an abort): {stderr}",
        r.took
    );
    assert_ne!(r.code, Some(0), "{args:?} succeeded: {stderr}");
    for n in needles {
        assert!(
            stderr.contains(n),
            "{args:?}: stderr lacks {n:?}:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        r.took < Duration::from_secs(20),
        "{args:?} took {:?} before refusing",
        r.took
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
                !e.contains("/216 runs ("),
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
    assert!(!e.contains("/216 runs ("), "calibrated first: {e}");
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

/// The default scenario with `from` replaced by `to` (exactly once), written to `dir/name`.
fn scenario_with(dir: &Path, name: &str, edits: &[(&str, &str)]) -> PathBuf {
    let mut text =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/default.toml"))
            .unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text = text.replace(from, to);
    }
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

/// Defect 2 (rates): `step_ns = 1`, news at the largest rate, or 999,900 noise traders at
/// 1e6/s were all valid and ran into GBs. A run or pack is estimated first and refused past
/// `--max-events`, naming the fields behind the estimate and the estimate; a big pack within the
/// budget prints its estimate.
#[test]
fn runs_and_packs_past_the_event_budget_are_refused_before_they_start() {
    let root = scratch("budget");
    let out = root.join("out");
    let step = scenario_with(
        &root,
        "step.toml",
        &[("step_ns = 100_000_000", "step_ns = 1")],
    );
    let news = scenario_with(
        &root,
        "news.toml",
        &[("rate_per_s = 0.05 ", "rate_per_s = 1e6 ")],
    );
    let crowd = scenario_with(
        &root,
        "crowd.toml",
        &[
            ("count = 50", "count = 999_900"),
            ("rate_per_s = 0.5", "rate_per_s = 1e6"),
        ],
    );
    for (file, needles) in [
        (
            &step,
            vec![
                "estimated 3.0e11 events in 1 run: past the budget --max-events 200000000",
                "duration_s / fundamental.step_ns (= 1): 3.0e11 events",
            ],
        ),
        (
            &news,
            vec!["estimated 1.8e10 events in 1 run", "news.rate_per_s"],
        ),
        (
            &crowd,
            vec![
                "estimated 1.8e15 events in 1 run",
                "agents.noise.count (= 999900) × agents.noise.rate_per_s",
            ],
        ),
    ] {
        refused(
            &["run", "--scenario", s(file), "--out", s(&out)],
            &needles,
            &out,
        );
        refused(
            &[
                "compare",
                "--scenario",
                s(file),
                "--repetitions",
                "2",
                "--out",
                s(&out),
            ],
            &["past the budget --max-events 200000000", needles[1]],
            &out,
        );
    }
    // A default comparison of a million repetitions: each run is small, the pack is not.
    refused(
        &["compare", "--repetitions", "1000000", "--out", s(&out)],
        &[
            "estimated 1.1e11 events in 2000000 runs",
            "--max-events 200000000",
        ],
        &out,
    );
    refused(
        &[
            "shard",
            "plan",
            "--pack",
            "compare",
            "--repetitions",
            "1000000",
            "--shards",
            "4",
            "--out",
            s(&out),
        ],
        &["estimated 1.1e11 events in 2000000 runs"],
        &out,
    );
    refused(
        &["baseline", "--scenario", s(&step), "--out", s(&out)],
        &[
            "past the budget",
            "calibration: 216 runs",
            "fundamental.step_ns",
        ],
        &out,
    );
    refused(
        &["run", "--max-events", "-1", "--out", s(&out)],
        &["--max-events", "[1, 18446744073709551615]"],
        &out,
    );
    // Within the budget: it runs, and a pack past a tenth of its budget says what it estimated.
    let short = scenario_with(
        &root,
        "short.toml",
        &[("duration_s = 300.0", "duration_s = 10.0")],
    );
    let r = xtask(&[
        "compare",
        "--scenario",
        s(&short),
        "--repetitions",
        "2",
        "--max-events",
        "20000",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("estimated 7676 events in 4 runs (budget --max-events 20000)"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("4 runs"), "{}", r.stdout);
    assert!(out.join("manifest.json").is_file());
    fs::remove_dir_all(root).unwrap();
}

/// Defect 8: a kill during the write phase left `.NAME.staging-PID` behind for good. The next
/// run into NAME removes it (its process is gone) and says so.
#[test]
fn a_killed_runs_staging_folder_is_removed_by_the_next_run() {
    let root = scratch("staging");
    let out = root.join("out");
    // A process that has ended.
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let stale = root.join(format!(".out.staging-{dead}"));
    fs::create_dir_all(&stale).unwrap();
    fs::write(stale.join("fills.csv"), "time_ns,").unwrap();
    let short = scenario_with(
        &root,
        "short.toml",
        &[("duration_s = 300.0", "duration_s = 5.0")],
    );
    let r = xtask(&["run", "--scenario", s(&short), "--out", s(&out)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "removed stale staging folder {} (left by process {dead}, which is no longer running",
            stale.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!stale.exists());
    assert!(out.join("manifest.json").is_file());
    let left: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "hidden folders left: {left:?}");
    fs::remove_dir_all(root).unwrap();
}

/// Defect 9: `validate` on a full disk left a new `validation.json` and an empty (or a stale)
/// `validation.csv`. Its outputs are staged and renamed into place: a write that fails (here a
/// 20 KiB file-size limit, `ulimit -f 40`, with SIGXFSZ ignored so the write reports "File too
/// large" as a full disk reports "No space left") leaves the previous outputs as they were.
#[test]
fn validate_outputs_are_all_or_nothing_when_a_write_fails() {
    let root = scratch("validate-full");
    let out = root.join("validation");
    let args = [
        "validate",
        "--quick",
        "--case",
        "glosten_milgrom",
        "--out",
        s(&out),
    ];
    let ok = xtask(&args);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    let before: Vec<Vec<u8>> = ["validation.json", "validation.csv"]
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    assert!(
        before[0].len() > 20 * 1024,
        "the JSON is larger than the limit"
    );
    let full = xtask_under("trap '' XFSZ; ulimit -f 40;", &args);
    assert_ne!(
        full.code,
        Some(0),
        "a failed write exits non-zero: {}",
        full.stderr
    );
    assert!(full.stderr.contains("File too large"), "{}", full.stderr);
    let after: Vec<Vec<u8>> = ["validation.json", "validation.csv"]
        .iter()
        .map(|f| fs::read(out.join(f)).unwrap())
        .collect();
    assert!(
        after == before,
        "a failed write changed the previous outputs"
    );
    let hidden: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .chain(fs::read_dir(&out).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
    fs::remove_dir_all(root).unwrap();
}
