//! `cargo xtask realism`: the stylized facts of the scenario's simulated returns and order flow
//! against their published ranges (`docs/realism.md`).

use crate::progress::Progress;
use anyhow::{Context, Result};
use clap::Args;
use proteus::realism::{
    DEFAULT_INTERVAL_S, DEFAULT_REPETITIONS, RealismOptions, Verdict, write_realism_bundle,
};
use proteus::scenario::Scenario;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct Realism {
    /// Scenario file (TOML); scenarios/rmsc04-like.toml (a 6.5-hour day) when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Repetitions (independent runs: sim::run repetitions 0..N), 2 to 10000.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_REPETITIONS)]
    repetitions: u64,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Sampling interval of the clock-time return grid, in seconds (1 to 3600).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_INTERVAL_S)]
    interval_s: u64,
    /// Worker threads (0: all cores, at most 1024). Results are identical for any count.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Output folder (created atomically; must not exist or be empty unless --force).
    #[arg(long, value_name = "DIR", default_value = "out/realism")]
    out: PathBuf,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
}

impl Realism {
    pub fn run(&self) -> Result<()> {
        let path = self
            .scenario
            .clone()
            .unwrap_or_else(|| crate::project_root().join("scenarios/rmsc04-like.toml"));
        let mut scenario = Scenario::load(&path).with_context(|| {
            format!(
                "--scenario {}: invalid scenario; nothing was run or written",
                path.display()
            )
        })?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        let options = RealismOptions {
            repetitions: self.repetitions,
            threads: self.threads,
            interval_s: self.interval_s,
        };
        // Flags first: their errors name the flag and its range, before anything runs.
        options.check(&scenario)?;
        let started = Instant::now();
        let progress = Progress::new();
        let update = |done: u64, total: u64| progress.update("realism", done, total);
        let (report, out) =
            write_realism_bundle(&scenario, &options, &self.out, self.force, &update)
                .with_context(|| {
                    format!(
                        "realism of scenario `{}` failed; nothing was written to {}",
                        scenario.id,
                        self.out.display()
                    )
                })?;
        print!("{}", report.text_table());
        println!(
            "\n{} facts pass, {} fail, {} inconclusive ({} repetitions of `{}`, seed {}, {} s \
             grid) in {:.1}s; wrote {}",
            report.count(Verdict::Pass),
            report.count(Verdict::Fail),
            report.count(Verdict::Inconclusive),
            report.repetitions,
            report.scenario_id,
            report.master_seed,
            report.settings.interval_s,
            started.elapsed().as_secs_f64(),
            out.display()
        );
        Ok(())
    }
}
