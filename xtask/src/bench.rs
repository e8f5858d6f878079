//! `cargo xtask bench`: the whole-run and pack workloads, in release mode, several times, so that
//! figures are comparable across commits.
//!
//! xtask itself is a debug build, so it never times anything: it builds the `proteus-bench`
//! binary with `cargo build --release` and runs it as a child process per workload and round.
//! Each child times its own runs and reports its peak resident set (`VmHWM`) as the OS counts it.
//! Workloads are interleaved round by round, so a burst of load from elsewhere on a shared
//! machine hits every workload alike. This module only aggregates: median, min and max of each
//! figure, the pack's speed-up from one thread to all, and the pack's memory ratio at ten times
//! the repetitions. Results go to `bench.json` and a table on stdout.

use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::report::{Align, TextTable};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Args)]
pub struct Bench {
    /// Fewer rounds and smaller packs (well under a minute): a smoke test, not a measurement.
    #[arg(long)]
    quick: bool,
    /// Where to write the JSON report.
    #[arg(long, value_name = "FILE", default_value = "bench.json")]
    out: PathBuf,
    /// Rounds (each workload runs once per round, as its own process); default 5, 2 with --quick.
    #[arg(long)]
    rounds: Option<usize>,
    /// Time this prebuilt `proteus-bench` instead of building the current tree (e.g. another
    /// commit's, to compare on the same machine in the same session).
    #[arg(long, value_name = "PATH")]
    exe: Option<PathBuf>,
}

/// One workload: how to call `proteus-bench`, and what it is.
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: &'static str,
    pub describe: String,
    pub args: Vec<String>,
}

fn workloads(root: &Path, quick: bool) -> Vec<Workload> {
    let rmsc04 = root.join("scenarios/rmsc04-like.toml");
    let rmsc04 = rmsc04.to_string_lossy().into_owned();
    // Pack runs are the default scenario, shortened under --quick.
    // A `run` sample is the mean of a batch of runs: the OS counts CPU time in scheduler ticks.
    let (pack_duration, speed_reps, mem_reps, run_samples, default_batch, day_batch) = if quick {
        ("60", 8, 4, 2, 5, 2)
    } else {
        ("300", 24, 10, 4, 20, 8)
    };
    // `--keep nothing`: the simulation alone; `--keep metrics`: with its metrics computed as it
    // runs, what a pack's run does (proteus-bench's docs).
    let run = |scenario: &str, batch: u32, keep: &str| -> Vec<String> {
        [
            "run",
            "--scenario",
            scenario,
            "--samples",
            &run_samples.to_string(),
            "--batch",
            &batch.to_string(),
            "--keep",
            keep,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    // One run per process, so the peak RSS is that of one run of this length.
    let single = |duration: &str, keep: &str| -> Vec<String> {
        [
            "run",
            "--scenario",
            "default",
            "--duration-s",
            duration,
            "--samples",
            "1",
            "--keep",
            keep,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let pack = |reps: u64, threads: usize| -> Vec<String> {
        [
            "pack",
            "--scenario",
            "default",
            "--duration-s",
            pack_duration,
            "--reps",
            &reps.to_string(),
            "--threads",
            &threads.to_string(),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    vec![
        Workload {
            name: "run-default",
            describe: format!(
                "the simulation alone (nothing kept, --keep nothing) of one run of the default \
                 scenario (300 s); a sample is the mean of {default_batch} runs, {run_samples} \
                 samples per process"
            ),
            args: run("default", default_batch, "nothing"),
        },
        Workload {
            name: "run-rmsc04-like",
            describe: format!(
                "the simulation alone (--keep nothing) of one 6.5-hour day of \
                 scenarios/rmsc04-like.toml; a sample is the mean of {day_batch} runs, \
                 {run_samples} samples per process"
            ),
            args: run(&rmsc04, day_batch, "nothing"),
        },
        Workload {
            name: "run-rmsc04-like-metrics",
            describe: format!(
                "the rmsc04-like day with its metrics computed as it runs (--keep metrics, a \
                 pack's run); a sample is the mean of {day_batch} runs"
            ),
            args: run(&rmsc04, day_batch, "metrics"),
        },
        Workload {
            name: "bundle-rmsc04-like",
            describe: "the rmsc04-like day as `xtask run` makes it, past start-up: run, metrics, \
                       bundle and report written (proteus-bench bundle)"
                .to_owned(),
            args: [
                "bundle",
                "--scenario",
                &rmsc04,
                "--samples",
                &run_samples.to_string(),
            ]
            .map(str::to_owned)
            .to_vec(),
        },
        Workload {
            name: "run-default-metrics",
            describe: "one run of the default scenario (300 s) with its metrics (--keep \
                       metrics), one run per process: the memory of one run"
                .to_owned(),
            args: single("300", "metrics"),
        },
        Workload {
            name: "run-default-metrics-16x",
            describe: "the same at 16 times the duration (4,800 s): its peak RSS over \
                       run-default-metrics' says whether memory grows with run length"
                .to_owned(),
            args: single("4800", "metrics"),
        },
        Workload {
            name: "pack-1-thread",
            describe: format!(
                "pack of {speed_reps} runs of the default scenario ({pack_duration} s) with metrics, 1 thread"
            ),
            args: pack(speed_reps, 1),
        },
        Workload {
            name: "pack-all-threads",
            describe: format!(
                "the same pack of {speed_reps} runs on every core (rayon, --threads 0)"
            ),
            args: pack(speed_reps, 0),
        },
        Workload {
            name: "pack-mem-r",
            describe: format!("pack of {mem_reps} runs ({pack_duration} s), all threads"),
            args: pack(mem_reps, 0),
        },
        Workload {
            name: "pack-mem-10r",
            describe: format!(
                "pack of {} runs ({pack_duration} s), all threads: ten times the repetitions",
                mem_reps * 10
            ),
            args: pack(mem_reps * 10, 0),
        },
    ]
}

/// Median, min and max of a figure over its samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// `None` for no samples; the median of an even count is the mean of the middle two. NaN
    /// samples are refused by the caller (timings and counts are never NaN).
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Summary {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }

    fn to_json(self) -> Value {
        json!({ "median": self.median, "min": self.min, "max": self.max })
    }
}

/// One sample as a child reports it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub wall_s: f64,
    /// CPU time the sample used (the run's thread, or the whole pack process), where the OS
    /// tells it: on a shared machine, wall time counts the time others held the cores too.
    pub cpu_s: Option<f64>,
    pub events: u64,
    pub runs: u64,
}

/// What the children of one workload reported: every timed sample, and each process's peak RSS.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub samples: Vec<Sample>,
    pub peak_rss_bytes: Vec<f64>,
    pub threads: u64,
    /// The digest of the workload's results; every process must report the same one.
    pub results_sha256: Option<String>,
    /// A run workload's orders, cancels and executions (its metrics' `orders_submitted`,
    /// `cancels_submitted`, `trades`).
    pub counts: Option<Counts>,
}

/// The work of one run in ABIDES' terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub orders: u64,
    pub cancels: u64,
    pub executions: u64,
}

impl Measured {
    /// Adds one child's JSON report.
    pub fn absorb(&mut self, report: &Value) -> Result<()> {
        let samples = report["samples"]
            .as_array()
            .context("child report without samples")?;
        for s in samples {
            let field = |k: &str| s[k].as_f64().with_context(|| format!("sample without {k}"));
            self.samples.push(Sample {
                wall_s: field("wall_s")?,
                cpu_s: s["cpu_s"].as_f64(),
                events: field("events")? as u64,
                runs: field("runs")? as u64,
            });
        }
        if let Some(rss) = report["peak_rss_bytes"].as_f64() {
            self.peak_rss_bytes.push(rss);
        }
        self.threads = report["threads"].as_u64().unwrap_or(0);
        let c = &report["counts"];
        if let (Some(orders), Some(cancels), Some(executions)) = (
            c["orders"].as_u64(),
            c["cancels"].as_u64(),
            c["executions"].as_u64(),
        ) {
            let counts = Counts {
                orders,
                cancels,
                executions,
            };
            if self.counts.is_some_and(|old| old != counts) {
                bail!(
                    "two processes of one workload counted different work ({:?} vs {counts:?})",
                    self.counts
                );
            }
            self.counts = Some(counts);
        }
        if let Some(d) = report["results_sha256"].as_str() {
            match &self.results_sha256 {
                Some(old) if old != d => {
                    bail!("two processes of one workload computed different results ({old} vs {d})")
                }
                _ => self.results_sha256 = Some(d.to_owned()),
            }
        }
        Ok(())
    }

    fn per_second(&self, count: impl Fn(&Sample) -> u64) -> Option<Summary> {
        let v: Vec<f64> = self
            .samples
            .iter()
            .map(|s| count(s) as f64 / s.wall_s.max(1e-12))
            .collect();
        Summary::of(&v)
    }

    pub fn cpu(&self) -> Option<Summary> {
        let v: Option<Vec<f64>> = self.samples.iter().map(|s| s.cpu_s).collect();
        Summary::of(&v?)
    }

    /// Events per second of CPU time.
    fn events_per_cpu_s(&self) -> Option<Summary> {
        let v: Option<Vec<f64>> = self
            .samples
            .iter()
            .map(|s| s.cpu_s.map(|c| s.events as f64 / c.max(1e-12)))
            .collect();
        Summary::of(&v?)
    }

    /// CPU time over wall time: about the thread count when the cores were ours.
    fn cores_used(&self) -> Option<Summary> {
        let v: Option<Vec<f64>> = self
            .samples
            .iter()
            .map(|s| s.cpu_s.map(|c| c / s.wall_s.max(1e-12)))
            .collect();
        Summary::of(&v?)
    }

    /// Median CPU time of a run over its orders (a run workload's sample is one run).
    fn cpu_per_order(&self) -> Option<f64> {
        let orders = self.counts?.orders;
        (orders > 0).then(|| self.cpu().map(|c| c.median / orders as f64))?
    }

    pub fn wall(&self) -> Option<Summary> {
        Summary::of(&self.samples.iter().map(|s| s.wall_s).collect::<Vec<_>>())
    }

    pub fn peak_rss(&self) -> Option<Summary> {
        Summary::of(&self.peak_rss_bytes)
    }

    fn to_json(&self, w: &Workload) -> Value {
        let opt = |s: Option<Summary>| s.map_or(Value::Null, Summary::to_json);
        json!({
            "name": w.name,
            "describe": w.describe,
            "args": w.args,
            "threads": self.threads,
            "samples": self.samples.len(),
            "events_per_sample": self.samples.first().map(|s| s.events),
            "runs_per_sample": self.samples.first().map(|s| s.runs),
            "wall_s": opt(self.wall()),
            "cpu_s": opt(self.cpu()),
            "cores_used": opt(self.cores_used()),
            "events_per_cpu_s": opt(self.events_per_cpu_s()),
            "events_per_s": opt(self.per_second(|s| s.events)),
            "runs_per_s": opt(self.per_second(|s| s.runs)),
            "peak_rss_bytes": opt(self.peak_rss()),
            "results_sha256": self.results_sha256,
            "orders": self.counts.map(|c| c.orders),
            "cancels": self.counts.map(|c| c.cancels),
            "executions": self.counts.map(|c| c.executions),
            "cpu_per_order_s": self.cpu_per_order(),
        })
    }
}

/// The whole report: machine, commit, every workload, and the derived ratios.
pub fn report(
    machine: Value,
    commit: Value,
    quick: bool,
    rounds: usize,
    measured: &[(Workload, Measured)],
    abides: Option<&Value>,
) -> Value {
    let find = |name: &str| {
        measured
            .iter()
            .find(|(w, _)| w.name == name)
            .map(|(_, m)| m)
    };
    let ratio = |num: Option<Summary>, den: Option<Summary>| match (num, den) {
        (Some(n), Some(d)) if d.median > 0.0 => json!(n.median / d.median),
        _ => Value::Null,
    };
    let speedup = ratio(
        find("pack-1-thread").and_then(Measured::wall),
        find("pack-all-threads").and_then(Measured::wall),
    );
    let cpu_ratio = ratio(
        find("pack-all-threads").and_then(Measured::cpu),
        find("pack-1-thread").and_then(Measured::cpu),
    );
    let memory = ratio(
        find("pack-mem-10r").and_then(Measured::peak_rss),
        find("pack-mem-r").and_then(Measured::peak_rss),
    );
    let memory_duration = ratio(
        find("run-default-metrics-16x").and_then(Measured::peak_rss),
        find("run-default-metrics").and_then(Measured::peak_rss),
    );
    // Throughput per CPU-second of N threads over that of 1, times N: the speed-up N threads
    // give where each has a core to itself, whatever else the machine runs (contention stretches
    // wall time, not CPU time). The runs are the same, so it is N × CPU(1) / CPU(N).
    let threads = find("pack-all-threads").map(|m| m.threads);
    let cpu_normalised = match (&cpu_ratio, threads) {
        (Value::Number(r), Some(n)) if r.as_f64().is_some_and(|r| r > 0.0) => {
            json!(n as f64 / r.as_f64().unwrap_or(f64::NAN))
        }
        _ => Value::Null,
    };
    json!({
        "schema": 1,
        "tool": "cargo xtask bench",
        "quick": quick,
        "rounds": rounds,
        "machine": machine,
        "commit": commit,
        "workloads": measured.iter().map(|(w, m)| m.to_json(w)).collect::<Vec<_>>(),
        "derived": {
            "pack_speedup_all_threads_vs_1": speedup,
            "pack_threads": find("pack-all-threads").map(|m| m.threads),
            "pack_cores_used_all_threads": find("pack-all-threads")
                .and_then(Measured::cores_used)
                .map(|s| s.median),
            "pack_cpu_ratio_all_threads_vs_1": cpu_ratio,
            "pack_speedup_cpu_normalised": cpu_normalised,
            "pack_peak_rss_ratio_10x_reps": memory,
            "run_peak_rss_ratio_16x_duration": memory_duration,
            "abides_rmsc04": abides.map(|a| {
                against_abides(a, find("run-rmsc04-like"), find("bundle-rmsc04-like"))
            }),
        },
    })
}

/// The rmsc04-like day against ABIDES' rmsc04 from the recorded reference
/// (`docs/bench/abides-rmsc04.json`): our counts over theirs, and their time over ours (the
/// workload times the simulation alone; `docs/performance.md` has the whole-process figure).
fn against_abides(abides: &Value, ours: Option<&Measured>, bundle: Option<&Measured>) -> Value {
    let f = |k: &str| abides[k].as_f64();
    let share = |ours: Option<u64>, theirs: Option<f64>| match (ours, theirs) {
        (Some(o), Some(t)) if t > 0.0 => json!(o as f64 / t),
        _ => Value::Null,
    };
    let counts = ours.and_then(|m| m.counts);
    let times = |ours: Option<Summary>, theirs: Option<f64>| match (ours, theirs) {
        (Some(o), Some(t)) if o.median > 0.0 => json!(t / o.median),
        _ => Value::Null,
    };
    json!({
        "orders_ratio": share(counts.map(|c| c.orders), f("orders")),
        "cancels_ratio": share(counts.map(|c| c.cancels), f("cancels")),
        "executions_ratio": share(counts.map(|c| c.executions), f("executions")),
        "speedup_wall": times(ours.and_then(Measured::wall), f("wall_s")),
        "speedup_cpu": times(ours.and_then(Measured::cpu), f("cpu_s")),
        "bundle_speedup_wall": times(bundle.and_then(Measured::wall), f("wall_s")),
        "bundle_speedup_cpu": times(bundle.and_then(Measured::cpu), f("cpu_s")),
        "abides_peak_rss_mib": f("peak_rss_mib"),
    })
}

/// The recorded ABIDES reference, if the checkout has it.
fn abides_reference(root: &Path) -> Result<Option<Value>> {
    let path = root.join("docs/bench/abides-rmsc04.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned());
    let mem_total_kb = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    });
    json!({
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "mem_total_bytes": mem_total_kb.map(|k| k * 1024),
    })
}

fn commit(root: &Path) -> Value {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(hash) => json!({
            "hash": hash,
            "dirty": git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty()),
        }),
        None => Value::Null,
    }
}

fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}

/// The table printed after a bench run.
pub fn table(report: &Value) -> String {
    let mut out = String::new();
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let right = Align::Right;
    let mut t = TextTable::new(&[
        ("workload", Align::Left),
        ("n", right),
        ("wall med", right),
        ("wall min", right),
        ("wall max", right),
        ("events/s", right),
        ("ev/CPU-s", right),
        ("cores", right),
        ("runs/s", right),
        ("RSS MiB", right),
        ("RSS max", right),
    ]);
    for w in report["workloads"].as_array().into_iter().flatten() {
        t.push(vec![
            w["name"].as_str().unwrap_or("?").to_owned(),
            w["samples"].to_string(),
            format!("{:.4}s", f(&w["wall_s"]["median"])),
            format!("{:.4}s", f(&w["wall_s"]["min"])),
            format!("{:.4}s", f(&w["wall_s"]["max"])),
            format!("{:.0}", f(&w["events_per_s"]["median"])),
            format!("{:.0}", f(&w["events_per_cpu_s"]["median"])),
            format!("{:.2}", f(&w["cores_used"]["median"])),
            format!("{:.2}", f(&w["runs_per_s"]["median"])),
            mib(f(&w["peak_rss_bytes"]["median"])),
            mib(f(&w["peak_rss_bytes"]["max"])),
        ]);
    }
    out.push_str(&t.aligned());
    let d = &report["derived"];
    out.push_str(&format!(
        "pack speed-up, {} threads vs 1: {:.2}x (median wall times); cores used {:.2}, \
         CPU time {:.2}x that of 1 thread\n",
        d["pack_threads"],
        f(&d["pack_speedup_all_threads_vs_1"]),
        f(&d["pack_cores_used_all_threads"]),
        f(&d["pack_cpu_ratio_all_threads_vs_1"]),
    ));
    out.push_str(&format!(
        "pack speed-up normalised by CPU time (each thread on a core of its own): {:.2}x\n",
        f(&d["pack_speedup_cpu_normalised"]),
    ));
    out.push_str(&format!(
        "pack peak RSS at 10x the repetitions: {:.3}x; a run's peak RSS at 16x the duration: \
         {:.3}x\n",
        f(&d["pack_peak_rss_ratio_10x_reps"]),
        f(&d["run_peak_rss_ratio_16x_duration"]),
    ));
    for w in report["workloads"].as_array().into_iter().flatten() {
        if let Some(orders) = w["orders"].as_u64() {
            out.push_str(&format!(
                "{}: {} orders, {} cancels, {} executions; {:.2} µs CPU per order\n",
                w["name"].as_str().unwrap_or("?"),
                orders,
                w["cancels"],
                w["executions"],
                f(&w["cpu_per_order_s"]) * 1e6,
            ));
        }
    }
    let a = &d["abides_rmsc04"];
    if a.is_object() {
        out.push_str(&format!(
            "rmsc04-like against ABIDES rmsc04 (docs/bench/abides-rmsc04.json): orders {:.3}x, \
             cancels {:.3}x, executions {:.3}x of its counts; simulation {:.0}x faster by wall \
             time, {:.0}x by CPU; run, metrics, bundle and report {:.0}x by wall time, {:.0}x by \
             CPU\n",
            f(&a["orders_ratio"]),
            f(&a["cancels_ratio"]),
            f(&a["executions_ratio"]),
            f(&a["speedup_wall"]),
            f(&a["speedup_cpu"]),
            f(&a["bundle_speedup_wall"]),
            f(&a["bundle_speedup_cpu"]),
        ));
    }
    out
}

/// Builds `proteus-bench` in release mode; returns its path.
fn build(root: &Path) -> Result<PathBuf> {
    eprintln!("==> cargo build --release --package proteus --bin proteus-bench");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            "proteus",
            "--bin",
            "proteus-bench",
        ])
        .current_dir(root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("building proteus-bench failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    Ok(target
        .join("release")
        .join(format!("proteus-bench{}", std::env::consts::EXE_SUFFIX)))
}

impl Bench {
    pub fn run(&self) -> Result<()> {
        let root = crate::project_root();
        let exe = match &self.exe {
            Some(exe) => exe.clone(),
            None => build(&root)?,
        };
        let rounds = self.rounds.unwrap_or(if self.quick { 2 } else { 5 }).max(1);
        let workloads = workloads(&root, self.quick);
        let mut measured: Vec<(Workload, Measured)> = workloads
            .iter()
            .map(|w| (w.clone(), Measured::default()))
            .collect();
        for round in 1..=rounds {
            for (w, m) in &mut measured {
                eprintln!("    round {round}/{rounds}: {}", w.name);
                let out = Command::new(&exe)
                    .args(&w.args)
                    .current_dir(&root)
                    .output()
                    .with_context(|| format!("running {}", exe.display()))?;
                if !out.status.success() {
                    bail!(
                        "workload {} failed ({}): {}",
                        w.name,
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                let v: Value = serde_json::from_slice(&out.stdout)
                    .with_context(|| format!("reading the report of workload {}", w.name))?;
                m.absorb(&v)?;
            }
        }
        let commit = match &self.exe {
            Some(exe) => json!({ "exe": exe.display().to_string() }),
            None => commit(&root),
        };
        let abides = abides_reference(&root)?;
        let report = report(
            machine(),
            commit,
            self.quick,
            rounds,
            &measured,
            abides.as_ref(),
        );
        let text = serde_json::to_string_pretty(&report)? + "\n";
        // Staged beside --out and renamed over it: a failed write leaves the previous file.
        crate::run::clean_stale_staging(&self.out)?;
        let write = || -> Result<()> {
            let staged = proteus::artifacts::StagedFiles::for_file(&self.out)?;
            let name = self.out.file_name().context("--out names no file")?;
            staged.write(&name.to_string_lossy(), text.as_bytes())?;
            staged.publish()?;
            Ok(())
        };
        write().with_context(|| format!("writing {}", self.out.display()))?;
        print!("{}", table(&report));
        println!("wrote {}", self.out.display());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_median_min_max() {
        assert_eq!(Summary::of(&[]), None);
        let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        let s = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 4.0));
        assert_eq!(Summary::of(&[7.0]).unwrap().median, 7.0);
    }

    fn child(wall: &[f64], events: u64, runs: u64, rss: u64, threads: u64) -> Value {
        let samples: Vec<Value> = wall
            .iter()
            .map(|w| json!({"wall_s": w, "cpu_s": w / 2.0, "events": events, "runs": runs}))
            .collect();
        json!({"workload": "x", "scenario": "s", "threads": threads,
               "samples": samples, "peak_rss_bytes": rss})
    }

    #[test]
    fn report_has_its_shape_and_ratios() {
        let ws = workloads(Path::new("/repo"), true);
        let mut measured: Vec<(Workload, Measured)> = Vec::new();
        for w in ws {
            let mut m = Measured::default();
            let (wall, rss, threads) = match w.name {
                "pack-1-thread" => (4.0, 10 << 20, 1),
                "pack-all-threads" => (2.0, 12 << 20, 2),
                "pack-mem-r" => (1.0, 10 << 20, 2),
                "pack-mem-10r" => (10.0, 11 << 20, 2),
                "run-default-metrics-16x" => (8.0, 6 << 20, 2),
                _ => (0.5, 5 << 20, 2),
            };
            // Two processes, each with two samples.
            m.absorb(&child(&[wall, wall * 2.0], 1000, 4, rss, threads))
                .unwrap();
            m.absorb(&child(&[wall, wall], 1000, 4, rss, threads))
                .unwrap();
            measured.push((w, m));
        }
        let r = report(json!({"cores": 2}), Value::Null, true, 2, &measured, None);
        assert_eq!(r["schema"], 1);
        assert!(r["derived"]["abides_rmsc04"].is_null());
        assert_eq!(r["workloads"].as_array().unwrap().len(), 10);
        let first = &r["workloads"][0];
        assert_eq!(first["name"], "run-default");
        for key in ["wall_s", "events_per_s", "runs_per_s", "peak_rss_bytes"] {
            for stat in ["median", "min", "max"] {
                assert!(first[key][stat].is_f64(), "{key}.{stat}");
            }
        }
        assert_eq!(first["samples"], 4);
        assert_eq!(first["wall_s"]["median"], 0.5);
        assert_eq!(first["wall_s"]["max"], 1.0);
        assert_eq!(first["events_per_s"]["median"], 2000.0);
        assert_eq!(first["events_per_cpu_s"]["median"], 4000.0);
        assert_eq!(first["cores_used"]["median"], 0.5);
        let d = &r["derived"];
        assert_eq!(d["pack_speedup_all_threads_vs_1"], 2.0);
        assert_eq!(d["pack_threads"], 2);
        assert_eq!(d["pack_cores_used_all_threads"], 0.5);
        // CPU time halves from 1 thread to 2 (cpu = wall / 2 in `child`): 2 × 2 = 4.
        assert_eq!(d["pack_speedup_cpu_normalised"], 4.0);
        assert_eq!(d["run_peak_rss_ratio_16x_duration"], 1.2);
        assert_eq!(d["pack_cpu_ratio_all_threads_vs_1"], 0.5);
        assert_eq!(d["pack_peak_rss_ratio_10x_reps"], 1.1);
        let t = table(&r);
        assert!(t.contains("pack speed-up, 2 threads vs 1: 2.00x"), "{t}");
        assert!(t.contains("run-rmsc04-like"), "{t}");
    }

    /// The rmsc04-like workload's counts and times against the ABIDES reference: counts as our
    /// share of theirs, time as their seconds over ours, CPU per order as median CPU over orders.
    #[test]
    fn rmsc04_against_the_abides_reference() {
        let w = workloads(Path::new("/repo"), true)
            .into_iter()
            .find(|w| w.name == "run-rmsc04-like")
            .unwrap();
        let mut m = Measured::default();
        let mut c = child(&[0.02, 0.04, 0.03], 200_000, 1, 20 << 20, 1);
        c["counts"] = json!({"orders": 30_000, "cancels": 12_000, "executions": 15_000});
        m.absorb(&c).unwrap();
        m.absorb(&c).unwrap();
        let abides = json!({"orders": 40_000, "cancels": 10_000, "executions": 15_000,
                            "wall_s": 30.0, "cpu_s": 15.0, "peak_rss_mib": 206.0});
        let bundle = workloads(Path::new("/repo"), true)
            .into_iter()
            .find(|w| w.name == "bundle-rmsc04-like")
            .unwrap();
        let mut b = Measured::default();
        b.absorb(&child(&[0.06, 0.06], 200_000, 1, 20 << 20, 1))
            .unwrap();
        let r = report(
            json!({}),
            Value::Null,
            true,
            1,
            &[(w, m), (bundle, b)],
            Some(&abides),
        );
        let a = &r["derived"]["abides_rmsc04"];
        assert_eq!(a["bundle_speedup_wall"], 500.0);
        assert_eq!(a["bundle_speedup_cpu"], 500.0);
        assert_eq!(a["orders_ratio"], 0.75);
        assert_eq!(a["cancels_ratio"], 1.2);
        assert_eq!(a["executions_ratio"], 1.0);
        assert_eq!(a["speedup_wall"], 1000.0);
        // CPU samples are half the wall ones (see `child`): median 0.015 s.
        assert_eq!(a["speedup_cpu"], 1000.0);
        let ws = &r["workloads"][0];
        assert_eq!(ws["orders"], 30_000);
        assert_eq!(ws["cpu_per_order_s"], 0.015 / 30_000.0);
        let t = table(&r);
        assert!(
            t.contains("30000 orders, 12000 cancels, 15000 executions; 0.50 µs CPU per order"),
            "{t}"
        );
        assert!(
            t.contains("orders 0.750x, cancels 1.200x, executions 1.000x"),
            "{t}"
        );
        assert!(t.contains("1000x faster by wall time"), "{t}");
        assert!(t.contains("report 500x by wall time, 500x by CPU"), "{t}");
        // Two processes that count different work are an error.
        let mut m = Measured::default();
        m.absorb(&c).unwrap();
        c["counts"]["orders"] = json!(29_999);
        assert!(m.absorb(&c).is_err());
    }

    #[test]
    fn processes_of_one_workload_must_agree_on_the_results() {
        let mut m = Measured::default();
        let mut c = child(&[1.0], 10, 1, 1, 1);
        c["results_sha256"] = json!("aa");
        m.absorb(&c).unwrap();
        m.absorb(&c).unwrap();
        assert_eq!(m.results_sha256.as_deref(), Some("aa"));
        c["results_sha256"] = json!("bb");
        assert!(m.absorb(&c).is_err());
    }

    #[test]
    fn a_malformed_child_report_is_an_error() {
        let mut m = Measured::default();
        assert!(m.absorb(&json!({"threads": 1})).is_err());
        assert!(m.absorb(&json!({"samples": [{"wall_s": 1.0}]})).is_err());
    }
}
