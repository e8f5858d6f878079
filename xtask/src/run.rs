use anyhow::{Context, Result};
use clap::Args;
use proteus::artifacts::TableFormat;
use proteus::experiments::{RunBundleOptions, write_run_bundle};
use proteus::scenario::Scenario;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct Run {
    /// Scenario file (TOML); the built-in default scenario when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long, allow_negative_numbers = true, value_parser = crate::args::seed)]
    seed: Option<u64>,
    /// Mechanism, overriding the scenario's: clob, fba[:INTERVAL] (e.g. fba:100ms), rfq[:DEALERS].
    #[arg(long, value_name = "SPEC")]
    mechanism: Option<String>,
    /// Output folder (created atomically; must not exist or be empty unless --force).
    #[arg(long, value_name = "DIR", default_value = "out/run")]
    out: PathBuf,
    /// Also write events.csv: every message with its send and delivery time.
    #[arg(long)]
    events: bool,
    /// Also write the run's LOBSTER message and order-book files (CLOB only; docs/lobster.md).
    #[arg(long)]
    lobster: bool,
    /// Price levels per side in the LOBSTER files (1 to 50): the order-book file's depth, and the
    /// message file holds only the events inside these levels (docs/lobster.md).
    #[arg(long, value_name = "N", default_value_t = 10, requires = "lobster", allow_negative_numbers = true, value_parser = crate::args::lobster_levels)]
    lobster_levels: usize,
    /// Table format: csv, or parquet (every CSV table also as NAME.parquet; needs the `parquet`
    /// feature: `cargo xtask-parquet run --format parquet`).
    #[arg(long, value_name = "FORMAT", default_value = "csv")]
    format: TableFormat,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
    /// Refuse to start when the estimated events (of every run of the command) pass this budget;
    /// the default, 2e8, is sized for a 24 GiB machine (docs/experiments.md).
    #[arg(long, value_name = "N", default_value_t = proteus::experiments::budget::DEFAULT_MAX_EVENTS, allow_negative_numbers = true, value_parser = crate::args::max_events)]
    max_events: u64,
}

/// Loads `--scenario` or the built-in default, with a context-rich error.
pub fn load_scenario(path: Option<&PathBuf>) -> Result<Scenario> {
    match path {
        Some(p) => Scenario::load(p).context("invalid scenario; nothing was run or written"),
        None => Ok(Scenario::default_scenario()),
    }
}

/// Removes the staging folders a killed earlier invocation left beside `out` (their process is
/// gone), saying so on stderr.
pub fn clean_stale_staging(out: &std::path::Path) -> Result<()> {
    let removed = proteus::artifacts::remove_stale_staging(out)
        .with_context(|| format!("cleaning up beside {}", out.display()))?;
    for s in removed {
        eprintln!(
            "removed stale staging folder {} (left by process {}, which is no longer running: \
             an earlier run was killed while writing)",
            s.path.display(),
            s.pid
        );
    }
    Ok(())
}

/// Refuses an output folder that holds one of the command's input files (a scenario, an order
/// file, a calibration): replacing it (`--force`) would delete the input. Checked before
/// anything runs.
pub fn check_inputs_outside(
    out: &std::path::Path,
    inputs: &[Option<&std::path::Path>],
) -> Result<()> {
    let Ok(out_abs) = out.canonicalize() else {
        return Ok(()); // `out` does not exist yet: nothing in it to lose
    };
    for input in inputs.iter().flatten() {
        if let Ok(abs) = input.canonicalize()
            && abs.starts_with(&out_abs)
        {
            anyhow::bail!(
                "--out {} holds the input {}: writing the output there would replace it; give \
                 another --out; nothing was run or written",
                out.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// Refuses `--format parquet` in a build without the `parquet` feature, before anything runs.
pub fn check_table_format(format: TableFormat) -> Result<()> {
    if format == TableFormat::Parquet && !proteus::artifacts::tables::PARQUET_AVAILABLE {
        anyhow::bail!(
            "--format parquet: this xtask was built without the `parquet` feature; run \
             `cargo xtask-parquet ...` (or `cargo run -p xtask --features parquet -- ...`); \
             nothing was run or written"
        );
    }
    Ok(())
}

impl Run {
    pub fn run(&self) -> Result<()> {
        check_table_format(self.format)?;
        check_inputs_outside(&self.out, &[self.scenario.as_deref()])?;
        let mut scenario = load_scenario(self.scenario.as_ref())?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        if let Some(spec) = &self.mechanism {
            scenario.mechanism = scenario.mechanism.with_spec(spec)?;
        }
        crate::args::check_budget(
            &proteus::experiments::budget::WorkEstimate::of_run(&scenario),
            self.max_events,
            false,
        )?;
        let options = RunBundleOptions {
            events: self.events,
            force: self.force,
            repetition: 0,
            lobster: self.lobster.then_some(self.lobster_levels),
            tables: self.format,
        };
        clean_stale_staging(&self.out)?;
        let started = Instant::now();
        let s = write_run_bundle(&scenario, &self.out, &options).with_context(|| {
            format!(
                "run of scenario `{}` failed; nothing was written",
                scenario.id
            )
        })?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "scenario `{}` seed {} under {}: {} events, {} fills, {} lots, final fundamental {:.2} ticks",
            scenario.id,
            scenario.seed,
            scenario.mechanism.label(),
            s.events_processed,
            s.fills,
            s.volume,
            s.final_fundamental
        );
        println!("wrote {} in {:.3}s", s.path.display(), secs);
        Ok(())
    }
}
