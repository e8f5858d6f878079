//! `cargo xtask`: the command-line face of Proteus. A thin layer over `proteus`; no simulation
//! logic lives here. One module per command, each a small struct with `run`.

mod bench;
mod ci;
mod golden;
mod replay;
mod run;

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
    /// Time the whole-run and pack workloads in release mode; write bench.json and a table.
    Bench(bench::Bench),
    /// Every test and check CI runs: fmt, clippy -D warnings, all tests with snapshots in check mode.
    Ci(ci::Ci),
    /// Run one seeded simulation of a scenario and write its bundle.
    Run(run::Run),
    /// Check (or re-bless) the committed golden bundles under golden/.
    Golden(golden::Golden),
    /// Feed an order file to the CLOB and write fills, the final book and rejects.
    Replay(replay::Replay),
}

fn main() {
    let cli = Cli::parse();
    let result: Result<()> = match cli.command {
        Command::Bench(c) => c.run(),
        Command::Ci(c) => c.run(),
        Command::Golden(c) => c.run(),
        Command::Replay(c) => c.run(),
        Command::Run(c) => c.run(),
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
