//! `cargo xtask calibrate`, `baseline` and `compare`: the packs a researcher runs.

use crate::args::check_budget;
use crate::progress::Progress;
use crate::run::load_scenario;
use anyhow::{Context, Result};
use clap::Args;
use proteus::artifacts::TableFormat;
use proteus::experiments::budget::{baseline_estimate, calibration_estimate, compare_estimate};
use proteus::experiments::calibrate::CalibrationError;
use proteus::experiments::execution::Execution;
use proteus::experiments::pack::PackError;
use proteus::experiments::packs::{
    ExperimentError, PackOutcome, baseline_pack, calibration_pack, compare_pack,
};
use proteus::experiments::summary::{HEADLINE_METRICS as HEADLINE, PackSummary};
use proteus::report::{Align, TextTable};
use proteus::scenario::MechanismSettings;
use proteus::stats::Estimate;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options every pack command shares.
#[derive(Args)]
pub struct PackArgs {
    /// Scenario file (TOML); the built-in default scenario when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::args::seed)]
    seed: Option<u64>,
    /// Worker threads (default 0: all cores; at most 4 x the cores). Results are identical for
    /// any count.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = crate::args::threads)]
    threads: usize,
    /// Reuse the runs an interrupted invocation of the same command finished.
    #[arg(long)]
    resume: bool,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
    /// Table format: csv, or parquet (every CSV table also as NAME.parquet; needs the `parquet`
    /// feature: `cargo xtask-parquet compare --format parquet ...`).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    format: TableFormat,
    /// Refuse to start when the estimated events (of every run of the command) pass this budget;
    /// the default, 2e8, is sized for a 24 GiB machine (docs/experiments.md).
    #[arg(long, value_name = "N", default_value_t = proteus::experiments::budget::DEFAULT_MAX_EVENTS, allow_negative_numbers = true, value_parser = crate::args::max_events)]
    max_events: u64,
}

impl PackArgs {
    fn scenario(&self) -> Result<proteus::scenario::Scenario> {
        let mut sc = load_scenario(self.scenario.as_ref())?;
        if let Some(seed) = self.seed {
            sc.seed = seed;
        }
        Ok(sc)
    }

    /// Checkpoints live beside the output folder, hidden, until the bundle is written.
    fn checkpoint_for(out: &Path) -> PathBuf {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.join(format!(".{name}.checkpoint"))
    }
}

/// A pack's error, saying that no bundle was written and, only where resuming can help, how
/// to resume: when finished runs are checkpointed beside `out` and the error is not about the
/// checkpoint itself (a foreign or edited checkpoint is what `--resume` refuses).
fn pack_failed(what: &str, out: &Path, e: ExperimentError) -> anyhow::Error {
    let checkpoint = |p: &PackError| {
        matches!(
            p,
            PackError::ForeignCheckpoint { .. } | PackError::CorruptCheckpoint { .. }
        )
    };
    let about_checkpoint = match &e {
        ExperimentError::Pack(p) => checkpoint(p),
        ExperimentError::Calibration(CalibrationError::Pack(p)) => checkpoint(p),
        _ => false,
    };
    let finished = finished_runs(&PackArgs::checkpoint_for(out));
    let hint = if about_checkpoint || finished == 0 {
        String::new()
    } else {
        format!(" (re-run with --resume to reuse the {finished} finished runs)")
    };
    anyhow::Error::new(e).context(format!("{what} failed; no bundle was written{hint}"))
}

/// The runs saved in a pack's checkpoint folder (one `run-*.json` per run, one subfolder per
/// phase).
fn finished_runs(checkpoint: &Path) -> usize {
    let Ok(phases) = std::fs::read_dir(checkpoint) else {
        return 0;
    };
    phases
        .flatten()
        .filter_map(|phase| std::fs::read_dir(phase.path()).ok())
        .flat_map(|runs| runs.flatten())
        .filter(|r| {
            let name = r.file_name();
            let name = name.to_string_lossy();
            name.starts_with("run-") && name.ends_with(".json")
        })
        .count()
}

/// An `out` that already holds a bundle, refused at once with what to pass: `--force` to
/// replace it; `--resume` has nothing to resume when the bundle is complete (its checkpoint is
/// removed once the bundle is written). A folder of other files is left to the bundle writer's
/// own refusal.
fn check_existing_out(args: &PackArgs, out: &Path) -> Result<()> {
    let non_empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if args.force || !non_empty || !proteus::artifacts::is_proteus_output(out) {
        return Ok(());
    }
    let checkpoint = PackArgs::checkpoint_for(out);
    if args.resume && !checkpoint.exists() {
        anyhow::bail!(
            "--resume: {} already holds a complete bundle and no checkpoint ({}) is left to \
             resume from, so there is nothing to resume; pass --force (without --resume) to run \
             it again and replace it, or --out DIR to write elsewhere; nothing was run or written",
            out.display(),
            checkpoint.display()
        );
    }
    anyhow::bail!(
        "{} already holds a bundle (its manifest.json); pass --force to replace it, or --out DIR \
         to write elsewhere; nothing was run or written",
        out.display()
    )
}

fn with_execution<T>(
    args: &PackArgs,
    out: &Path,
    f: impl FnOnce(&Execution) -> Result<T>,
) -> Result<T> {
    crate::run::check_table_format(args.format)?;
    crate::run::check_inputs_outside(out, &[args.scenario.as_deref()])?;
    check_existing_out(args, out)?;
    crate::run::clean_stale_staging(out)?;
    let progress = Progress::new();
    let update = |phase: &str, done: u64, total: u64| progress.update(phase, done, total);
    let exec = Execution {
        threads: args.threads,
        progress: &update,
        checkpoint: Some(PackArgs::checkpoint_for(out)),
        resume: args.resume,
        tables: args.format,
    };
    f(&exec)
}

#[derive(Args)]
pub struct Calibrate {
    #[command(flatten)]
    pack: PackArgs,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out/calibration")]
    out: PathBuf,
}

impl Calibrate {
    pub fn run(&self) -> Result<()> {
        let sc = self.pack.scenario()?;
        check_budget(&calibration_estimate(&sc), self.pack.max_events, true)?;
        let started = Instant::now();
        let c = with_execution(&self.pack, &self.out, |exec| {
            calibration_pack(&sc, exec, &self.out, self.pack.force)
                .map_err(|e| pack_failed("calibration", &self.out, e))
        })?;
        println!("{}", c.rationale);
        println!(
            "\n  rank  regime                                                  violations  quoted spread  MM PnL"
        );
        let mut ranked: Vec<_> = c.candidates.iter().collect();
        ranked.sort_by_key(|s| s.rank);
        for s in ranked.iter().take(10) {
            println!(
                "  {:>4}  {:<56}  {:>10}  {:>13}  {}",
                s.rank,
                s.label,
                s.violations,
                est(s.quoted_spread_ticks.mean),
                est(s.mm_pnl_ticks.mean)
            );
        }
        println!(
            "\nwrote {} in {:.1}s",
            self.out.display(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

#[derive(Args)]
pub struct Baseline {
    #[command(flatten)]
    pack: PackArgs,
    /// Repetitions per grid cell (1 to 1000000).
    #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = crate::args::repetitions)]
    repetitions: u64,
    /// Use the regime selected in this calibration.json instead of calibrating first.
    #[arg(long, value_name = "FILE")]
    calibration: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out/baseline")]
    out: PathBuf,
}

impl Baseline {
    pub fn run(&self) -> Result<()> {
        let sc = self.pack.scenario()?;
        crate::run::check_inputs_outside(&self.out, &[self.calibration.as_deref()])?;
        if let Some(file) = &self.calibration {
            proteus::experiments::packs::calibration_from_file(file)
                .context("invalid --calibration; nothing was run or written")?;
        }
        check_budget(
            &baseline_estimate(&sc, self.repetitions, self.calibration.is_none()),
            self.pack.max_events,
            true,
        )?;
        let started = Instant::now();
        let o = with_execution(&self.pack, &self.out, |exec| {
            baseline_pack(
                &sc,
                self.repetitions,
                self.calibration.as_deref(),
                exec,
                &self.out,
                self.pack.force,
            )
            .map_err(|e| pack_failed("baseline", &self.out, e))
        })?;
        if let Some(c) = &o.calibration {
            println!("calibration: {}\n", c.rationale);
        }
        print_table(&o.summary, |m| m.cell.clone());
        finish(&o, started);
        Ok(())
    }
}

#[derive(Args)]
pub struct Compare {
    #[command(flatten)]
    pack: PackArgs,
    /// Mechanisms, the first being the reference: clob, fba[:INTERVAL], rfq[:DEALERS].
    #[arg(long, value_delimiter = ',', default_value = "clob,fba:100ms")]
    mechanisms: Vec<String>,
    /// Repetitions per mechanism (the same repetitions under each: paired; 1 to 1000000).
    #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = crate::args::repetitions)]
    repetitions: u64,
    /// Output folder.
    #[arg(long, value_name = "DIR", default_value = "out/compare")]
    out: PathBuf,
}

impl Compare {
    pub fn run(&self) -> Result<()> {
        let sc = self.pack.scenario()?;
        let mechanisms: Vec<MechanismSettings> = self
            .mechanisms
            .iter()
            .map(|spec| sc.mechanism.with_spec(spec.trim()))
            .collect::<Result<_, _>>()?;
        check_budget(
            &compare_estimate(&sc, &mechanisms, self.repetitions),
            self.pack.max_events,
            true,
        )?;
        let started = Instant::now();
        let o = with_execution(&self.pack, &self.out, |exec| {
            compare_pack(
                &sc,
                &mechanisms,
                self.repetitions,
                exec,
                &self.out,
                self.pack.force,
            )
            .map_err(|e| pack_failed("comparison", &self.out, e))
        })?;
        print_table(&o.summary, |m| m.mechanism.clone());
        finish(&o, started);
        Ok(())
    }
}

fn est(e: Estimate) -> String {
    e.value().map_or("—".to_owned(), |v| format!("{v:.3}"))
}

/// Prints rows (the first the header) as columns sized to their widest cell (in characters):
/// the first two columns left-aligned, the others right-aligned.
fn print_columns(rows: &[Vec<String>]) {
    let Some((header, body)) = rows.split_first() else {
        return;
    };
    let columns: Vec<(&str, Align)> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), if i < 2 { Align::Left } else { Align::Right }))
        .collect();
    let mut t = TextTable::new(&columns);
    for r in body {
        t.push(r.clone());
    }
    print!("{}", t.aligned());
}

fn print_table(
    s: &PackSummary,
    arm: impl Fn(&proteus::experiments::summary::MetricSummary) -> String,
) {
    let mut rows = vec![vec![
        "metric".to_owned(),
        "arm".to_owned(),
        "mean".to_owned(),
        "95% CI".to_owned(),
    ]];
    for name in HEADLINE {
        for m in s.metrics.iter().filter(|m| m.metric == name) {
            rows.push(vec![
                name.to_owned(),
                arm(m),
                est(m.summary.mean),
                format!(
                    "[{}, {}]",
                    est(m.summary.ci95_low),
                    est(m.summary.ci95_high)
                ),
            ]);
        }
    }
    print_columns(&rows);
    if !s.contrasts.is_empty() {
        println!(
            "\npaired differences against the reference ({} repetitions each):",
            s.repetitions
        );
        let mut rows = vec![vec![
            "metric".to_owned(),
            "arm − reference".to_owned(),
            "mean diff".to_owned(),
            "95% CI".to_owned(),
            "p (Holm)".to_owned(),
            "var.red.".to_owned(),
        ]];
        for name in HEADLINE {
            for c in s.contrasts.iter().filter(|c| c.metric == name) {
                let p = &c.comparison;
                rows.push(vec![
                    name.to_owned(),
                    format!(
                        "{} − {}",
                        label(&c.cell, &c.mechanism),
                        label(&c.reference_cell, &c.reference_mechanism)
                    ),
                    est(p.paired.difference),
                    format!("[{}, {}]", est(p.paired.ci95_low), est(p.paired.ci95_high)),
                    est(c.p_holm),
                    est(p.variance_reduction),
                ]);
            }
        }
        print_columns(&rows);
    }
}

fn label(cell: &str, mechanism: &str) -> String {
    if cell == "base" {
        mechanism.to_owned()
    } else {
        cell.to_owned()
    }
}

/// The closing line: every run the command made (a baseline that calibrated first counts the
/// calibration's candidates and sensitivity cells too), and where it wrote.
fn finish(o: &PackOutcome, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let runs = match &o.calibration {
        Some(c) => {
            let calibration = c.candidates.len() as u64 * c.repetitions;
            let sensitivity = c.sensitivity.len() as u64 * c.repetitions;
            format!(
                "{} runs: {calibration} calibration, {sensitivity} sensitivity and {} grid runs \
                 (the grid's {} events)",
                calibration + sensitivity + o.runs,
                o.runs,
                o.events
            )
        }
        None => format!("{} runs ({} events)", o.runs, o.events),
    };
    println!("\n{runs} in {secs:.1}s; wrote {}", o.path.display());
}
