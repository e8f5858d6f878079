//! `cargo xtask`: the command-line face of Proteus. A thin layer over `proteus`; no simulation
//! logic lives here. One module per command, each a small struct with `run`.

mod args;
mod audit;
mod bench;
mod ci;
mod equilibrium;
mod golden;
mod packs;
mod progress;
mod realism;
mod replay;
mod report;
mod run;
mod shard;
mod validate;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Proteus: market-mechanism experiments",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reproducibility audit: 1 thread vs all threads, and bundles re-derived from manifests.
    Audit(audit::Audit),
    /// The main job: calibrate, then run the scenario's grid x repetitions; summary with CIs.
    Baseline(packs::Baseline),
    /// Search market-maker regimes under low informed intensity; sensitivity diagnostics.
    Calibrate(packs::Calibrate),
    /// The same repetitions under several mechanisms; paired differences with CIs.
    Compare(packs::Compare),
    /// Time the whole-run and pack workloads in release mode; write bench.json and a table.
    Bench(bench::Bench),
    /// Every test and check CI runs: fmt, clippy -D warnings, all tests with snapshots in check mode.
    Ci(ci::Ci),
    /// Mechanisms compared at equilibrium: an empirical game, its equilibria and their welfare.
    Equilibrium(equilibrium::Equilibrium),
    /// Run one seeded simulation of a scenario and write its bundle.
    Run(run::Run),
    /// Stylized facts of simulated returns and order flow against published ranges.
    Realism(realism::Realism),
    /// Scale-out on Slurm: plan a pack as shards (sbatch array + merge), run one, merge them.
    Shard(shard::Shard),
    /// Check (or re-bless) the committed golden bundles under golden/.
    Golden(golden::Golden),
    /// Feed an order file to the CLOB and write fills, the final book and rejects.
    Replay(replay::Replay),
    /// Regenerate a bundle's report (report.html and its SVG figures) from its files.
    Report(report::Report),
    /// Reproduce closed forms of market microstructure theory (docs/validation.md).
    Validate(validate::Validate),
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Audit(c) => c.run(),
        Command::Baseline(c) => c.run(),
        Command::Calibrate(c) => c.run(),
        Command::Compare(c) => c.run(),
        Command::Bench(c) => c.run(),
        Command::Ci(c) => c.run(),
        Command::Equilibrium(c) => c.run(),
        Command::Golden(c) => c.run(),
        Command::Replay(c) => c.run(),
        Command::Report(c) => c.run(),
        Command::Run(c) => c.run(),
        Command::Realism(c) => c.run(),
        Command::Shard(c) => c.run(),
        Command::Validate(c) => c.run(),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The repository root (the parent of `xtask/`), where commands run.
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}
