//! `cargo xtask shard plan|run|merge`: a pack split into shards for a Slurm job array, merged
//! into the bytes one process writes (`docs/scale-out.md`). The nodes run the release binary:
//! `target/release/xtask shard run ...`.

use crate::progress::Progress;
use crate::run::load_scenario;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use proteus::artifacts::TableFormat;
use proteus::experiments::budget::{baseline_estimate, compare_estimate};
use proteus::experiments::execution::Execution;
use proteus::experiments::shard::{
    CalibrationInput, PackKind, ShardRun, SlurmOptions, merge_shards_as, plan_shards, run_shard,
};
use proteus::scenario::MechanismSettings;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct Shard {
    #[command(subcommand)]
    command: ShardCommand,
}

#[derive(Subcommand)]
enum ShardCommand {
    /// Split a pack into shards: writes the shard manifest and the sbatch scripts.
    Plan(Plan),
    /// Run one shard (skipped when a complete, hash-checked result is already there).
    Run(RunShard),
    /// Check every shard and write the pack's bundle (summary and manifest).
    Merge(Merge),
}

impl Shard {
    pub fn run(&self) -> Result<()> {
        match &self.command {
            ShardCommand::Plan(c) => c.run(),
            ShardCommand::Run(c) => c.run(),
            ShardCommand::Merge(c) => c.run(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Pack {
    Baseline,
    Compare,
}

#[derive(Args)]
struct Plan {
    /// Which pack to shard.
    #[arg(long, value_enum)]
    pack: Pack,
    /// Scenario file (TOML); the built-in default scenario when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::args::seed)]
    seed: Option<u64>,
    /// Repetitions per cell (baseline) or per mechanism (compare); 1 to 1000000.
    #[arg(long, default_value_t = 30, allow_negative_numbers = true, value_parser = crate::args::repetitions)]
    repetitions: u64,
    /// compare: mechanisms, the first being the reference: clob, fba[:INTERVAL], rfq[:DEALERS].
    #[arg(long, value_delimiter = ',', default_value = "clob,fba:100ms")]
    mechanisms: Vec<String>,
    /// baseline: use this calibration.json (copied into the plan) instead of calibrating now.
    #[arg(long, value_name = "FILE")]
    calibration: Option<PathBuf>,
    /// baseline: threads for calibrating at plan time (0: all cores; at most 4 x the cores).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = crate::args::threads)]
    threads: usize,
    /// Number of shards (array tasks): 1 to 100000, and at most the pack's number of runs.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::args::shards)]
    shards: usize,
    /// At most this many array tasks at once (`--array=0-(N-1)%CAP`).
    #[arg(long, value_name = "CAP")]
    max_parallel: Option<u32>,
    /// Slurm partition (omitted: the cluster's default partition).
    #[arg(long)]
    partition: Option<String>,
    /// Wall-clock limit of each task and of the merge (sbatch --time).
    #[arg(long, default_value = "01:00:00")]
    time: String,
    /// Memory of each task and of the merge (sbatch --mem).
    #[arg(long, default_value = "2G")]
    mem: String,
    /// CPUs per array task; each shard runs on that many threads.
    #[arg(long, default_value_t = 1)]
    cpus_per_task: u32,
    /// The binary the nodes run (default: this checkout's target/release/xtask).
    #[arg(long, value_name = "FILE")]
    binary: Option<PathBuf>,
    /// Plan folder (created atomically; must not exist or be empty unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing shard plan folder (its shard results too; never a folder of other files).
    #[arg(long)]
    force: bool,
    /// Refuse to start when the estimated events (of every run of the command) pass this budget;
    /// the default, 2e8, is sized for a 24 GiB machine (docs/experiments.md).
    #[arg(long, value_name = "N", default_value_t = proteus::experiments::budget::DEFAULT_MAX_EVENTS, allow_negative_numbers = true, value_parser = crate::args::max_events)]
    max_events: u64,
}

impl Plan {
    fn run(&self) -> Result<()> {
        let mut sc = load_scenario(self.scenario.as_ref())?;
        if let Some(seed) = self.seed {
            sc.seed = seed;
        }
        let (kind, mechanisms) = match self.pack {
            Pack::Baseline => (PackKind::Baseline, Vec::new()),
            Pack::Compare => {
                if self.calibration.is_some() {
                    bail!("--calibration applies to --pack baseline only");
                }
                let m: Vec<MechanismSettings> = self
                    .mechanisms
                    .iter()
                    .map(|spec| sc.mechanism.with_spec(spec.trim()))
                    .collect::<Result<_, _>>()?;
                (PackKind::Compare, m)
            }
        };
        let estimate = match self.pack {
            Pack::Baseline => baseline_estimate(&sc, self.repetitions, self.calibration.is_none()),
            Pack::Compare => compare_estimate(&sc, &mechanisms, self.repetitions),
        };
        crate::args::check_budget(&estimate, self.max_events, true)?;
        if self.cpus_per_task == 0 {
            bail!("--cpus-per-task must be at least 1 (got 0)");
        }
        if self.max_parallel == Some(0) {
            bail!("--max-parallel must be at least 1 (got 0)");
        }
        let binary = self
            .binary
            .clone()
            .unwrap_or_else(|| crate::project_root().join("target/release/xtask"));
        let slurm = SlurmOptions {
            binary: binary.clone(),
            partition: self.partition.clone(),
            time: self.time.clone(),
            mem: self.mem.clone(),
            cpus_per_task: self.cpus_per_task,
            max_parallel: self.max_parallel,
        };
        crate::run::check_inputs_outside(
            &self.out,
            &[self.scenario.as_deref(), self.calibration.as_deref()],
        )?;
        crate::run::clean_stale_staging(&self.out)?;
        let progress = Progress::new();
        let update = |phase: &str, done: u64, total: u64| progress.update(phase, done, total);
        let exec = Execution {
            threads: self.threads,
            progress: &update,
            checkpoint: None,
            resume: false,
            tables: Default::default(),
        };
        let calibration = match (&self.pack, &self.calibration) {
            (Pack::Baseline, Some(f)) => Some(CalibrationInput::File(f)),
            (Pack::Baseline, None) => Some(CalibrationInput::Calibrate(&exec)),
            (Pack::Compare, _) => None,
        };
        let m = plan_shards(
            kind,
            &sc,
            &mechanisms,
            self.repetitions,
            calibration,
            self.shards,
            &slurm,
            &self.out,
            self.force,
        )
        .with_context(|| format!("planning {}; nothing was written", self.out.display()))?;
        println!(
            "{} runs in {} shards (contiguous ranges of the flat run index, cell-major, then \
             mechanism, then repetition):",
            m.runs,
            m.shards.len()
        );
        for s in &m.shards {
            println!(
                "  shard {:>3}: runs {}..{}",
                s.index,
                s.first_run,
                s.first_run + s.runs
            );
        }
        if !binary.exists() {
            println!(
                "\nnote: {} does not exist yet; build it with `cargo build --release -p xtask`",
                binary.display()
            );
        }
        println!(
            "\nwrote {}; submit with `sh {}`",
            self.out.display(),
            self.out.join("submit.sh").display()
        );
        Ok(())
    }
}

#[derive(Args)]
struct RunShard {
    /// Plan folder written by `shard plan`.
    #[arg(long, value_name = "DIR")]
    plan: PathBuf,
    /// Shard index (an array task passes $SLURM_ARRAY_TASK_ID).
    #[arg(long)]
    index: usize,
    /// Worker threads (0: all cores; at most 4 x the cores). Results are identical for any count.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true, value_parser = crate::args::threads)]
    threads: usize,
}

impl RunShard {
    fn run(&self) -> Result<()> {
        let started = Instant::now();
        let outcome = run_shard(&self.plan, self.index, self.threads, &|_, _| {})
            .with_context(|| format!("shard {} of {}", self.index, self.plan.display()))?;
        match outcome {
            ShardRun::Skipped { runs } => println!(
                "shard {}: complete, hash-checked result already there ({runs} runs); skipped",
                self.index
            ),
            ShardRun::Ran { runs, events } => println!(
                "shard {}: {runs} runs ({events} events) in {:.1}s",
                self.index,
                started.elapsed().as_secs_f64()
            ),
        }
        Ok(())
    }
}

#[derive(Args)]
struct Merge {
    /// Plan folder written by `shard plan`.
    #[arg(long, value_name = "DIR")]
    plan: PathBuf,
    /// Bundle folder (default: DIR/bundle).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace an existing bundle folder (a Proteus bundle only, never a folder of other files).
    #[arg(long)]
    force: bool,
    /// Table format: csv, or parquet (every CSV table also as NAME.parquet; needs the `parquet`
    /// feature: `cargo xtask-parquet shard merge --format parquet ...`).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    format: TableFormat,
}

impl Merge {
    fn run(&self) -> Result<()> {
        crate::run::check_table_format(self.format)?;
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| Path::new(&self.plan).join("bundle"));
        crate::run::clean_stale_staging(&out)?;
        let o = merge_shards_as(&self.plan, &out, self.force, self.format)
            .with_context(|| format!("merging {}", self.plan.display()))?;
        println!(
            "merged {} runs ({} events); wrote {}",
            o.runs,
            o.events,
            o.path.display()
        );
        Ok(())
    }
}
