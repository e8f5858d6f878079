//! Hostile input (issue 19): values a scenario, a calibration, an order file or a checkpoint can
//! hold that once made Proteus panic or exhaust memory. Each is refused with the field (or line)
//! named and the allowed range stated, or handled without a panic.

use crate::support::scenarios::{default_with, error_of};
use crate::support::scratch::Scratch;
use proteus::scenario::Scenario;
use proteus::sim::{self, RunOptions};

const NEWS_LAW: &str = "jump_size = { kind = \"normal\", mean = 0.0, std = 6.0 }";
const JUMP_LAW: &str = "jump_size = { kind = \"normal\", mean = 0.0, std = 4.0 }";

/// Defect 1: large finite numbers passed validation and then overflowed integer arithmetic in
/// the agents (market maker, informed trader, noise trader). They are refused now, with the
/// field path and the allowed range.
#[test]
fn large_finite_numbers_are_refused_with_the_field_and_the_range() {
    let cases: Vec<(String, &str)> = vec![
        (
            default_with("initial_ticks = 10000.0", "initial_ticks = 1e19"),
            "`fundamental.initial_ticks` = 1e19: must be in (0, 1e12]",
        ),
        (
            default_with("initial_ticks = 10000.0", "initial_ticks = -100.0"),
            "`fundamental.initial_ticks` = -100: must be in (0, 1e12]",
        ),
        (
            default_with(NEWS_LAW, &NEWS_LAW.replace("std = 6.0", "std = 1e300")),
            "`news.jump_size.std` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with(JUMP_LAW, &JUMP_LAW.replace("mean = 0.0", "mean = -1e300")),
            "`fundamental.jump_size.mean` = -1e300: must be in [-1e12, 1e12]",
        ),
        (
            default_with(
                "sigma_ticks_per_sqrt_s = 0.5\njump_rate_per_s",
                "sigma_ticks_per_sqrt_s = 1e300\njump_rate_per_s",
            ),
            "`fundamental.sigma_ticks_per_sqrt_s` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with("jump_rate_per_s = 0.0", "jump_rate_per_s = 1e300"),
            "`fundamental.jump_rate_per_s` = 1e300: must be in [0, 1e6]",
        ),
        (
            default_with("rate_per_s = 0.05 ", "rate_per_s = 1e300 "),
            "`news.rate_per_s` = 1e300: must be in [0, 1e6]",
        ),
        (
            default_with("lots_per_tick = 1.0", "lots_per_tick = 1e300"),
            "`agents.informed.lots_per_tick` = 1e300: must be in [0, 1e6]",
        ),
        (
            default_with("threshold_ticks = 2.0", "threshold_ticks = 1e300"),
            "`agents.informed.threshold_ticks` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with(
                "rate_per_s = 0.05 ",
                "scheduled = [{ time_ns = 1_000_000_000, shift_ticks = 1e300 }]\nrate_per_s = 0.05 ",
            ),
            "`news.scheduled[0].shift_ticks` = 1e300: must be in [-1e12, 1e12]",
        ),
        (
            default_with(
                "half_spread_ticks = 2.0\nmin",
                "half_spread_ticks = 1e300\nmin",
            )
            .replace(
                "max_half_spread_ticks = 20.0",
                "max_half_spread_ticks = 1e300",
            ),
            "`agents.market_maker.half_spread_ticks` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with("risk_aversion = 0.1 ", "risk_aversion = 1e300 "),
            "`agents.market_maker.risk_aversion` = 1e300: must be in [0, 1e6]",
        ),
        (
            default_with("observe_noise_ticks = 1.0", "observe_noise_ticks = 1e300"),
            "`agents.informed.observe_noise_ticks` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with("noise_std_ticks = 2.0", "noise_std_ticks = 1e300"),
            "`agents.informed.signal.noise_std_ticks` = 1e300: must be in [0, 1e12]",
        ),
        (
            default_with("threshold_ticks = 1.0", "threshold_ticks = 1e300"),
            "`agents.arbitrageur.threshold_ticks` = 1e300: must be in [0, 1e12]",
        ),
    ];
    for (text, needle) in cases {
        let e = error_of(&text);
        assert!(e.contains(needle), "expected {needle}\n     got {e}");
    }
}

/// A scenario whose numbers sit at the new bounds (or past them in the path: news of 1e12
/// ticks push the fundamental far beyond any price) runs to its end without a panic.
#[test]
fn a_run_at_the_bounds_does_not_panic() {
    let text = default_with("duration_s = 300.0", "duration_s = 20.0")
        .replace("initial_ticks = 10000.0", "initial_ticks = 1e12")
        .replace(
            "sigma_ticks_per_sqrt_s = 0.5\njump_rate_per_s = 0.0",
            "sigma_ticks_per_sqrt_s = 1e12\njump_rate_per_s = 10.0",
        )
        .replace(JUMP_LAW, &JUMP_LAW.replace("std = 4.0", "std = 1e12"))
        .replace(
            NEWS_LAW,
            "jump_size = { kind = \"normal\", mean = 1e12, std = 1e12 }\n\
             scheduled = [{ time_ns = 1_000_000_000, shift_ticks = 1e12 }, \
             { time_ns = 2_000_000_000, shift_ticks = -1e12 }, \
             { time_ns = 3_000_000_000, shift_ticks = -1e12 }]",
        )
        .replace("rate_per_s = 0.05 ", "rate_per_s = 2.0 ")
        .replace("lots_per_tick = 1.0", "lots_per_tick = 1e6")
        .replace("observe_rate_per_s = 0.2", "observe_rate_per_s = 5.0")
        .replace("max_size = 10\nobserve", "max_size = 1000000\nobserve")
        .replace(
            "half_spread_ticks = 2.0\nmin",
            "half_spread_ticks = 1e12\nmin",
        )
        // Caps only (the Avellaneda-Stoikov harness passes f64::MAX and Qty::MAX): any finite
        // cap runs, since the spread it caps is bounded and prices are held within 2^53 ticks.
        .replace(
            "max_half_spread_ticks = 20.0",
            "max_half_spread_ticks = 1e300",
        )
        .replace("risk_aversion = 0.1 ", "risk_aversion = 1e6 ")
        .replace(
            "volatility_spread_coef = 1.0",
            "volatility_spread_coef = 1e6",
        )
        .replace(
            "inventory_limit = 100",
            "inventory_limit = 9223372036854775807",
        );
    let sc = Scenario::from_toml(&text, "bounds.toml").unwrap_or_else(|e| panic!("{e}"));
    for mechanism in ["clob", "fba:100ms", "rfq:2"] {
        let mut sc = sc.clone();
        sc.mechanism = sc.mechanism.with_spec(mechanism).unwrap();
        let log = sim::run(&sc, 0, RunOptions::default());
        assert!(log.events_processed > 0, "{mechanism}");
        proteus::metrics::compute(&log).unwrap_or_else(|e| panic!("{mechanism}: {e}"));
    }
}

fn quiet_exec(threads: usize) -> proteus::experiments::execution::Execution<'static> {
    proteus::experiments::execution::Execution {
        threads,
        progress: &|_, _, _| {},
        checkpoint: None,
        resume: false,
        tables: Default::default(),
    }
}

/// Defect 4: a repetition count near u64::MAX overflowed the run count; a baseline with one ran
/// its whole calibration first. Both are refused before anything runs.
#[test]
fn repetitions_past_the_bound_are_refused_before_anything_runs() {
    use proteus::experiments::packs::{baseline_pack, compare_spec};
    let sc = Scenario::default_scenario();
    let clob = sc.mechanism.with_spec("clob").unwrap();
    let fba = sc.mechanism.with_spec("fba:100ms").unwrap();
    for reps in [u64::MAX, i64::MAX as u64, 1_000_001] {
        let e = compare_spec(&sc, &[clob, fba], reps).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("repetitions must be in [1, 1000000] (got {reps})")
        );
    }
    let root = Scratch::new("hostile-reps");
    let started = std::time::Instant::now();
    let e = baseline_pack(
        &sc,
        i64::MAX as u64,
        None,
        &quiet_exec(1),
        &root.join("out"),
        false,
    )
    .unwrap_err();
    assert!(e.to_string().contains("[1, 1000000]"), "{e}");
    assert!(started.elapsed().as_secs() < 5, "it calibrated first");
    assert!(!root.join("out").exists());
    std::fs::remove_dir_all(root).unwrap();
}

/// Defect 5: a plan of 2e9 shards allocated 48 GB for its shard table; a baseline plan with
/// more shards than runs calibrated before it said so.
#[test]
fn shard_counts_past_the_bound_are_refused_before_anything_runs() {
    use proteus::experiments::shard::{
        CalibrationInput, MAX_SHARDS, PackKind, ShardError, SlurmOptions, plan_shards,
    };
    let sc = Scenario::default_scenario();
    let root = Scratch::new("hostile-shards");
    let slurm = SlurmOptions {
        binary: root.join("xtask"),
        partition: None,
        time: "01:00:00".into(),
        mem: "2G".into(),
        cpus_per_task: 1,
        max_parallel: None,
    };
    let clob = sc.mechanism.with_spec("clob").unwrap();
    let fba = sc.mechanism.with_spec("fba:100ms").unwrap();
    let plan = |kind, reps, shards, calibration| {
        plan_shards(
            kind,
            &sc,
            &[clob, fba],
            reps,
            calibration,
            shards,
            &slurm,
            &root.join("plan"),
            false,
        )
    };
    let e = plan(PackKind::Compare, 1000, 2_000_000_000, None).unwrap_err();
    assert!(
        matches!(e, ShardError::ShardsOutOfRange(2_000_000_000)),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        format!("--shards 2000000000: must be in [1, {MAX_SHARDS}]")
    );
    let e = plan(PackKind::Compare, 1_000_000_000, 10, None).unwrap_err();
    assert!(e.to_string().contains("[1, 1000000]"), "{e}");
    let exec = quiet_exec(1);
    let started = std::time::Instant::now();
    let e = plan(
        PackKind::Baseline,
        2,
        13,
        Some(CalibrationInput::Calibrate(&exec)),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            ShardError::TooManyShards {
                shards: 13,
                runs: 12
            }
        ),
        "{e}"
    );
    assert!(started.elapsed().as_secs() < 5, "it calibrated first");
    assert!(!root.join("plan").exists());
    std::fs::remove_dir_all(root).unwrap();
}

/// Defect 6: any thread count was handed to the pool (10,000 threads for two runs).
#[test]
fn thread_counts_past_four_times_the_cores_are_refused() {
    use proteus::experiments::pack::{PackError, max_threads};
    use proteus::experiments::packs::compare_spec;
    let sc = Scenario::default_scenario();
    let spec = compare_spec(&sc, &[sc.mechanism], 2).unwrap();
    let e = quiet_exec(max_threads() + 1)
        .run("compare", &spec.plan)
        .unwrap_err();
    assert!(matches!(e, PackError::Threads { .. }), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("at most {} threads", max_threads())),
        "{e}"
    );
}

const ORDER_HEADER: &str = "time_ns,trader,action,order_id,side,price,qty,tif\n";

/// Defect 3: a resting buy of i64::MAX lots and a buy of 1 at the same price overflowed the
/// price level's total (`clob/level.rs`); two fills of that size overflowed the replay's sum.
/// A quantity past the bound is a file error naming its line.
#[test]
fn replay_quantities_past_the_bound_are_refused_with_the_line() {
    use proteus::replay::{MAX_ORDER_QTY, replay_file};
    let root = Scratch::new("hostile-replay-qty");
    let out = root.join("out");
    let cases = [
        (
            "0,1,limit,1,buy,100,9223372036854775807,gtc\n1,2,limit,2,buy,100,1,gtc\n",
            ":2: column `qty`: 9223372036854775807 is more than the 1000000000000 lots",
        ),
        (
            "0,1,limit,1,sell,100,1000,gtc\n1,2,limit,2,buy,100,9223372036854775807,gtc\n",
            ":3: column `qty`: 9223372036854775807 is more than the 1000000000000 lots",
        ),
        (
            "0,1,limit,1,buy,100,5,gtc\n1,1,amend,1,,100,1000000000001,\n",
            ":3: column `qty`: 1000000000001 is more than the 1000000000000 lots",
        ),
    ];
    for (body, needle) in cases {
        let orders = root.join("orders.csv");
        std::fs::write(&orders, format!("{ORDER_HEADER}{body}")).unwrap();
        let e = replay_file(&orders, &out, false).unwrap_err().to_string();
        assert!(e.contains(needle), "{body:?}: {e}");
        assert!(!out.exists());
    }
    // At the bound, the same files replay: a level and two fills of the largest size.
    let orders = root.join("orders.csv");
    let q = MAX_ORDER_QTY;
    std::fs::write(
        &orders,
        format!(
            "{ORDER_HEADER}0,1,limit,1,buy,100,{q},gtc\n1,2,limit,2,buy,100,1,gtc\n\
             2,3,limit,3,sell,100,{q},gtc\n3,4,limit,4,sell,99,{q},gtc\n"
        ),
    )
    .unwrap();
    let r = replay_file(&orders, &out, false).unwrap();
    assert_eq!(r.fills.iter().map(|f| f.fill.qty).sum::<i64>(), q + 1);
    std::fs::remove_dir_all(root).unwrap();
}

/// Defect 2 (replay): `replay --orders /dev/zero` read the whole stream first (12 GB). The
/// header is checked on the first line, and a file is read up to a size bound only.
#[test]
fn replay_reads_a_bounded_stream_and_checks_the_header_first() {
    use proteus::replay::{MAX_ORDER_FILE_BYTES, ReplayError, read_orders, replay_file};
    use std::io::Read;
    let root = Scratch::new("hostile-replay-big");
    let out = root.join("out");
    if std::path::Path::new("/dev/zero").exists() {
        let started = std::time::Instant::now();
        let e = replay_file(std::path::Path::new("/dev/zero"), &out, false).unwrap_err();
        assert!(
            e.to_string().contains(
                "/dev/zero:1: no header line in the first 4096 bytes; expected `time_ns,"
            ),
            "{e}"
        );
        assert!(started.elapsed().as_secs() < 5);
    }
    // A regular file past the bound is refused by its size, before it is read.
    let big = root.join("big.csv");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(MAX_ORDER_FILE_BYTES + 1).unwrap();
    let e = replay_file(&big, &out, false).unwrap_err();
    assert!(matches!(e, ReplayError::TooLarge { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("is larger than 268435456 bytes (256 MiB)"),
        "{e}"
    );
    // A stream (no size to ask) past the bound is cut there and refused.
    let rows: String = (0..10_000)
        .map(|i| format!("0,1,limit,{i},buy,100,5,gtc\n"))
        .collect();
    let stream = ORDER_HEADER.as_bytes().chain(rows.as_bytes());
    let e = read_orders(stream, std::path::Path::new("pipe"), 100_000).unwrap_err();
    assert!(
        matches!(e, ReplayError::TooLarge { limit: 100_000, .. }),
        "{e}"
    );
    let ok = read_orders(
        format!("{ORDER_HEADER}0,1,limit,1,buy,100,5,gtc\n").as_bytes(),
        std::path::Path::new("pipe"),
        100_000,
    )
    .unwrap();
    assert_eq!(ok.requests.len(), 1);
    assert!(!out.exists());
    std::fs::remove_dir_all(root).unwrap();
}

/// Defect 2 (scenario files): `--scenario /dev/zero` read 8.7 GB. A scenario file is read up to
/// 16 MiB only, and a parse error quotes at most 80 characters of a line.
#[test]
fn scenario_files_are_read_with_a_size_bound() {
    use proteus::scenario::ScenarioError;
    let root = Scratch::new("hostile-scenario-size");
    if std::path::Path::new("/dev/zero").exists() {
        let started = std::time::Instant::now();
        let e = Scenario::load(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, ScenarioError::TooLarge { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "scenario /dev/zero is larger than 16777216 bytes (16 MiB), the most a scenario file \
             may hold; nothing past that was read"
        );
        assert!(started.elapsed().as_secs() < 5);
    }
    let big = root.join("big.toml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((16 << 20) + 1)
        .unwrap();
    assert!(matches!(
        Scenario::load(&big),
        Err(ScenarioError::TooLarge { .. })
    ));
    let long = root.join("long.toml");
    std::fs::write(&long, format!("id = \"{}\n", "x".repeat(10_000))).unwrap();
    let e = Scenario::load(&long).unwrap_err().to_string();
    assert!(e.len() < 2_000, "{} characters: {e}", e.len());
    std::fs::remove_dir_all(root).unwrap();
}

/// A calibration file (as `calibrate` writes it) whose selected regime is `selected`.
fn calibration_file(dir: &std::path::Path, selected: &str) -> std::path::PathBuf {
    let p = dir.join("calibration.json");
    std::fs::write(
        &p,
        format!(r#"{{"schema_version": 1, "kind": "calibration", "selected": {selected}}}"#),
    )
    .unwrap();
    p
}

/// Defect 7: the regime of a `--calibration` file skipped validation: `quote_size: -3` went into
/// the manifest, `1e308` overflowed in the worker threads. It is range-checked like a scenario's
/// `[calibration]` candidates, and so are those candidates' risk aversions.
#[test]
fn calibration_files_are_range_checked_like_scenarios() {
    use proteus::experiments::packs::{baseline_pack, calibration_from_file};
    let root = Scratch::new("hostile-calibration");
    let cases = [
        (
            r#"{"risk_aversion": 0.1, "half_spread_ticks": 1.0, "quote_size": -3}"#,
            "`selected.quote_size` = -3: must be in [1, 1000000]",
        ),
        (
            r#"{"risk_aversion": 0.1, "half_spread_ticks": 1e308, "quote_size": 5}"#,
            "`selected.half_spread_ticks` = 1e308: must be in (0, 1e6]",
        ),
        (
            r#"{"risk_aversion": 1e308, "half_spread_ticks": 1.0, "quote_size": 5}"#,
            "`selected.risk_aversion` = 1e308: must be in [0, 1e6]",
        ),
    ];
    let sc = Scenario::default_scenario();
    for (selected, needle) in cases {
        let file = calibration_file(&root, selected);
        let e = calibration_from_file(&file).unwrap_err().to_string();
        assert!(
            e.contains(needle) && e.contains("calibration.json"),
            "{selected}: {e}"
        );
        let out = root.join("out");
        let e = baseline_pack(&sc, 2, Some(&file), &quiet_exec(1), &out, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{selected}: {e}");
        assert!(!out.exists());
    }
    let ok = calibration_file(
        &root,
        r#"{"risk_aversion": 0.1, "half_spread_ticks": 1.0, "quote_size": 5}"#,
    );
    assert!(calibration_from_file(&ok).is_ok());
    let e = error_of(&default_with(
        "reference = 2 ",
        "reference = 2\n[calibration]\nrisk_aversion = [0.1, 1e300]\n",
    ));
    assert!(
        e.contains("`calibration.risk_aversion[1]` = 1e300: must be in [0, 1e6]"),
        "{e}"
    );
    std::fs::remove_dir_all(root).unwrap();
}

/// Defect 10: a checkpointed run edited by hand was reused by `--resume` as if it were the run's
/// result. Checkpoints carry a SHA-256 of their record, checked on resume; a mismatch is refused.
#[test]
fn an_edited_checkpoint_is_refused_on_resume() {
    use proteus::experiments::pack::{Checkpoint, PackError, run_pack};
    use proteus::experiments::packs::compare_spec;
    let mut sc = Scenario::default_scenario();
    sc.duration_s = 5.0;
    let plan = compare_spec(&sc, &[sc.mechanism], 2).unwrap().plan;
    let full = run_pack(&plan, 1, None, &|_, _| {}).unwrap();
    let root = Scratch::new("hostile-checkpoint");
    let dir = root.join(".out.checkpoint");
    // An interrupted pack: run 0 saved. Resuming reuses it as saved.
    let c = Checkpoint::open(&dir, &plan, false).unwrap();
    c.save(0, &full[0]).unwrap();
    let resumed = run_pack(
        &plan,
        1,
        Some(&Checkpoint::open(&dir, &plan, true).unwrap()),
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(resumed, full);
    // Edited by hand: a metric of run 0 changed.
    let file = dir.join("run-00000000.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replacen(
        &format!("\"events\":{}", full[0].events),
        &format!("\"events\":{}", full[0].events + 1),
        1,
    );
    assert_ne!(edited, text, "the record holds its events");
    std::fs::write(&file, edited).unwrap();
    let e = run_pack(
        &plan,
        1,
        Some(&Checkpoint::open(&dir, &plan, true).unwrap()),
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(e, PackError::CorruptCheckpoint { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("run-00000000.json") && msg.contains("changed after it was written"),
        "{msg}"
    );
    assert!(msg.contains("run without --resume"), "{msg}");
    std::fs::remove_dir_all(root).unwrap();
}

/// The id of a process that has ended (a child that was waited for).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--list")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Defect 8: a kill during the write phase left a hidden `.NAME.staging-PID` folder that nothing
/// removed. The next writer of NAME removes those whose process is gone, and keeps a live one's.
#[test]
fn stale_staging_folders_of_dead_processes_are_removed() {
    use proteus::artifacts::{BundleWriter, remove_stale_staging};
    let root = Scratch::new("hostile-staging");
    let dest = root.join("out");
    let dead = dead_pid();
    let stale = root.join(format!(".out.staging-{dead}"));
    let stale_old = root.join(format!(".out.staging-{dead}.old"));
    let live = root.join(format!(".out.staging-{}", std::process::id()));
    let other = root.join(format!(".other.staging-{dead}"));
    for d in [&stale, &stale_old, &live, &other] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("half.csv"), "a,b\n1,").unwrap();
    }
    let removed = remove_stale_staging(&dest).unwrap();
    let mut paths: Vec<_> = removed.iter().map(|s| s.path.clone()).collect();
    paths.sort();
    assert_eq!(paths, vec![stale.clone(), stale_old.clone()]);
    assert!(removed.iter().all(|s| s.pid == dead));
    assert!(!stale.exists() && !stale_old.exists());
    assert!(live.exists(), "a live process's staging folder is kept");
    assert!(
        other.exists(),
        "another destination's staging folder is kept"
    );
    // The writer does it too (and then publishes as usual).
    std::fs::create_dir_all(&stale).unwrap();
    let mut w = BundleWriter::create(&dest, false).unwrap();
    assert!(!stale.exists());
    w.write("a.txt", b"x").unwrap();
    w.commit().unwrap();
    assert!(dest.join("a.txt").is_file());
    std::fs::remove_dir_all(root).unwrap();
}

/// Echoed values are cut to 80 characters with control characters escaped, wherever a user's
/// text comes back in an error: a scenario field, a mechanism spec, an order-file field.
#[test]
fn echoed_values_are_cut_and_escaped() {
    let long_id = format!("id = \"{}\"", "x".repeat(5000));
    let e = error_of(&default_with("id = \"default\"", &long_id));
    assert!(e.contains("… (5002 characters)"), "{e}");
    assert!(e.len() < 400, "{} characters", e.len());
    let sc = Scenario::default_scenario();
    let spec = format!("fba:{}\u{7}\nms", "9".repeat(300));
    let e = sc.mechanism.with_spec(&spec).unwrap_err().to_string();
    assert!(e.len() < 400, "{} characters: {e}", e.len());
    assert!(!e.contains('\u{7}') && !e.contains('\n'), "{e:?}");
    let rows = format!(
        "{ORDER_HEADER}0,1,{}\u{1b}[2J,1,buy,100,5,gtc\n",
        "z".repeat(1000)
    );
    let e = proteus::replay::parse_order_file(rows.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.len() < 400 && !e.contains('\u{1b}'), "{e:?}");
}
