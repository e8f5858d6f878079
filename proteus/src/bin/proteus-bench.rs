//! The timed workloads of `cargo xtask bench`, one per process so the OS measures each one's
//! peak memory on its own.
//!
//! ```text
//! proteus-bench run  --scenario FILE|default [--samples N] [--batch K] [--mechanism SPEC]
//!                    [--duration-s S] [--keep log|metrics|nothing]
//! proteus-bench pack --scenario FILE|default --reps R --threads T [--duration-s S] [--samples N]
//! proteus-bench bundle --scenario FILE|default [--samples N] [--duration-s S]
//! ```
//!
//! Prints one JSON object on stdout: the wall time, CPU time, events and runs of each sample, the
//! process's
//! peak resident set (`VmHWM` of `/proc/self/status`, in bytes; null where the OS has no such
//! file), and `results_sha256`, a digest of what the workload computed (for `run`, the whole run
//! log of one more, untimed run with every message recorded; for `pack`, the records), so that
//! figures compared across commits are known to be figures of the same results (`--no-digest`
//! skips it, for profilers); for `run` also `counts`, the orders, cancels and executions of the
//! run (its metrics' `orders_submitted`, `cancels_submitted`, `trades`).
//!
//! `bundle` times what `xtask run` does past its start-up: the run, its metrics, the bundle
//! and its report written (`experiments::write_run_bundle`, into a fresh folder under the
//! system's temporary directory, removed after each sample).
//!
//! `--keep` says what a timed `run` keeps of its observations: `log` (the default) every stream
//! in its `RunLog`, as `sim::run`; `metrics` none, its metrics computed as it runs (what a
//! pack's run does, `sim::run_observed` with a `MetricsObserver`); `nothing` none at all (the
//! simulation alone, `sim::Discard`). xtask builds this binary in release mode and aggregates the samples; this file
//! holds no statistics. Wall-clock time is read here, around whole runs, never inside one.

use proteus::artifacts::sha256_hex;
use proteus::experiments::pack::{PackPlan, run_pack};
use proteus::metrics::{MetricsConfig, MetricsObserver};
use proteus::scenario::Scenario;
use proteus::sim::{Discard, RunOptions, run, run_observed};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    workload: String,
    scenario: String,
    samples: usize,
    /// Runs per sample of the `run` workload; the sample reports their mean. The OS counts CPU
    /// time in scheduler ticks (4 ms here), too coarse for one 10 ms run.
    batch: u32,
    reps: u64,
    threads: usize,
    duration_s: Option<f64>,
    mechanism: Option<String>,
    /// Skip the results digest (for profilers: it costs more than the run).
    digest: bool,
    keep: Keep,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Log,
    Metrics,
    Nothing,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let workload = args.next().ok_or("missing workload (run or pack)")?;
    let mut a = Args {
        workload,
        scenario: "default".into(),
        samples: 1,
        batch: 1,
        reps: 1,
        threads: 0,
        duration_s: None,
        mechanism: None,
        digest: true,
        keep: Keep::Log,
    };
    while let Some(flag) = args.next() {
        if flag == "--no-digest" {
            a.digest = false;
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--scenario" => a.scenario = value,
            "--samples" => a.samples = value.parse().map_err(|e| bad(&e))?,
            "--reps" => a.reps = value.parse().map_err(|e| bad(&e))?,
            "--batch" => a.batch = value.parse().map_err(|e| bad(&e))?,
            "--threads" => a.threads = value.parse().map_err(|e| bad(&e))?,
            "--duration-s" => a.duration_s = Some(value.parse().map_err(|e| bad(&e))?),
            "--mechanism" => a.mechanism = Some(value),
            "--keep" => {
                a.keep = match value.as_str() {
                    "log" => Keep::Log,
                    "metrics" => Keep::Metrics,
                    "nothing" => Keep::Nothing,
                    _ => return Err(format!("--keep {value}: expected log, metrics or nothing")),
                }
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.samples == 0 || a.reps == 0 || a.batch == 0 {
        return Err("--samples, --batch and --reps must be at least 1".into());
    }
    Ok(a)
}

fn scenario(a: &Args) -> Result<Scenario, String> {
    let mut sc = if a.scenario == "default" {
        Scenario::default_scenario()
    } else {
        Scenario::load(Path::new(&a.scenario)).map_err(|e| e.to_string())?
    };
    if let Some(d) = a.duration_s {
        sc.duration_s = d;
    }
    if let Some(spec) = &a.mechanism {
        sc.mechanism = sc.mechanism.with_spec(spec).map_err(|e| e.to_string())?;
    }
    sc.validate().map_err(|e| e.to_string())?;
    Ok(sc)
}

/// CPU time this thread has run, in seconds, from `/proc/thread-self/schedstat` (nanoseconds).
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// CPU time (user + system) of the whole process, exited threads included, in seconds, from
/// `/proc/self/stat` (clock ticks of 1/100 s: Linux reports USER_HZ = 100 there).
fn process_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) as f64 / 100.0)
}

fn delta(before: Option<f64>, after: Option<f64>) -> Option<f64> {
    Some(after? - before?)
}

/// Peak resident set of this process in bytes, from `/proc/self/status` (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() -> ExitCode {
    let a = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("proteus-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let sc = match scenario(&a) {
        Ok(sc) => sc,
        Err(e) => {
            eprintln!("proteus-bench: {e}");
            return ExitCode::from(2);
        }
    };
    let mut samples = Vec::with_capacity(a.samples);
    let mut digest = None;
    for _ in 0..a.samples {
        let (wall, cpu, events, runs) = match a.workload.as_str() {
            "run" => {
                let c = thread_cpu_s();
                let t = Instant::now();
                let mut events = 0;
                for _ in 0..a.batch {
                    events = match a.keep {
                        Keep::Log => run(&sc, 0, RunOptions::default()).events_processed,
                        Keep::Metrics => {
                            let mut o = MetricsObserver::new(MetricsConfig::default());
                            let log = run_observed(&sc, 0, RunOptions::default(), &mut o);
                            if let Err(e) = o.finish(&log) {
                                eprintln!("proteus-bench: metrics of the run: {e}");
                                return ExitCode::FAILURE;
                            }
                            log.events_processed
                        }
                        Keep::Nothing => {
                            run_observed(&sc, 0, RunOptions::default(), &mut Discard)
                                .events_processed
                        }
                    };
                }
                let k = f64::from(a.batch);
                let wall = t.elapsed().as_secs_f64() / k;
                let cpu = delta(c, thread_cpu_s()).map(|c| c / k);
                (wall, cpu, events, 1)
            }
            "pack" => {
                let plan = PackPlan {
                    cell_labels: vec![sc.id.clone()],
                    mechanism_labels: vec![sc.mechanism.label()],
                    scenarios: vec![vec![sc.clone()]],
                    repetitions: a.reps,
                };
                let c = process_cpu_s();
                let t = Instant::now();
                let records = match run_pack(&plan, a.threads, None, &|_, _| {}) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("proteus-bench: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                let wall = t.elapsed().as_secs_f64();
                let cpu = delta(c, process_cpu_s());
                let events = records.iter().map(|r| r.events).sum();
                if a.digest {
                    let json = serde_json::to_vec(&records).expect("records serialize");
                    digest = Some(sha256_hex(&json));
                }
                (wall, cpu, events, records.len() as u64)
            }
            "bundle" => {
                let dir =
                    std::env::temp_dir().join(format!("proteus-bench-{}", std::process::id()));
                let c = thread_cpu_s();
                let t = Instant::now();
                let summary = proteus::experiments::write_run_bundle(
                    &sc,
                    &dir,
                    &proteus::experiments::RunBundleOptions::default(),
                );
                let wall = t.elapsed().as_secs_f64();
                let cpu = delta(c, thread_cpu_s());
                let _ = std::fs::remove_dir_all(&dir);
                match summary {
                    Ok(s) => (wall, cpu, s.events_processed, 1),
                    Err(e) => {
                        eprintln!("proteus-bench: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            other => {
                eprintln!("proteus-bench: unknown workload {other} (run, pack or bundle)");
                return ExitCode::from(2);
            }
        };
        samples.push(json!({ "wall_s": wall, "cpu_s": cpu, "events": events, "runs": runs }));
    }
    // Read before the digest run below, which records every message and is not part of the
    // workload.
    let peak = peak_rss_bytes();
    if !a.digest {
        digest = None;
    } else if a.workload == "run" || a.workload == "bundle" {
        let log = run(
            &sc,
            0,
            RunOptions {
                record_messages: true,
                record_requests: false,
            },
        );
        let json = serde_json::to_vec(&log).expect("a run log serializes");
        digest = Some(sha256_hex(&json));
    }
    let threads = if a.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        a.threads
    };
    // The run's work in ABIDES' terms (orders, cancels, executions), from its metrics: one more,
    // untimed run.
    let counts = if a.workload == "run" || a.workload == "bundle" {
        let mut o = MetricsObserver::new(MetricsConfig::default());
        let log = run_observed(&sc, 0, RunOptions::default(), &mut o);
        match o.finish(&log) {
            Ok(m) => {
                let c = |k: &str| m.get(k).map(|v| v as u64);
                json!({
                    "orders": c("orders_submitted"),
                    "cancels": c("cancels_submitted"),
                    "executions": c("trades"),
                })
            }
            Err(e) => {
                eprintln!("proteus-bench: metrics of the run: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        serde_json::Value::Null
    };
    let report = json!({
        "workload": a.workload,
        "keep": match a.keep {
            Keep::Log => "log",
            Keep::Metrics => "metrics",
            Keep::Nothing => "nothing",
        },
        "counts": counts,
        "scenario": sc.id,
        "threads": threads,
        "samples": samples,
        "peak_rss_bytes": peak,
        "results_sha256": digest,
    });
    println!("{report}");
    ExitCode::SUCCESS
}
