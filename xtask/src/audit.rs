use crate::run::load_scenario;
use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::experiments::audit::{AuditPlan, audit};
use proteus::scenario::MechanismSettings;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct Audit {
    /// Scenario file (TOML); the built-in default scenario when omitted.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Mechanisms of the audited comparison pack.
    #[arg(long, value_delimiter = ',', default_value = "clob,fba:100ms,rfq:2")]
    mechanisms: Vec<String>,
    /// Repetitions of the audited pack (1 to 1000000).
    #[arg(long, default_value_t = 6, allow_negative_numbers = true, value_parser = crate::args::repetitions)]
    repetitions: u64,
    /// Shards the audited pack is also split into (then merged, as after a Slurm job array).
    #[arg(long, default_value_t = 3, allow_negative_numbers = true, value_parser = crate::args::shards)]
    shards: usize,
    /// Simulated seconds per run (shorter than the scenario's to keep the audit quick).
    #[arg(long, default_value_t = 60.0)]
    duration_s: f64,
    /// Output folder for audit.json.
    #[arg(long, value_name = "DIR", default_value = "out/audit")]
    out: PathBuf,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
}

impl Audit {
    pub fn run(&self) -> Result<()> {
        let mut sc = load_scenario(self.scenario.as_ref())?;
        sc.duration_s = self.duration_s;
        sc.validate().context("--duration-s")?;
        let mechanisms: Vec<MechanismSettings> = self
            .mechanisms
            .iter()
            .map(|s| sc.mechanism.with_spec(s.trim()))
            .collect::<Result<_, _>>()?;
        let cores = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .max(2);
        crate::run::clean_stale_staging(&self.out)?;
        let work = std::env::temp_dir().join(format!("proteus-audit-{}", std::process::id()));
        let started = Instant::now();
        let plan = AuditPlan {
            mechanisms: &mechanisms,
            repetitions: self.repetitions,
            threads: &[1, cores],
            shards: self.shards,
        };
        let result = audit(&sc, &plan, &work, &self.out, self.force);
        let _ = std::fs::remove_dir_all(&work);
        let a = result.context("audit could not run")?;
        for v in &a.verdicts {
            println!(
                "{:<8} {:<32} {}",
                if v.identical { "ok" } else { "MISMATCH" },
                v.check,
                v.artifact
            );
        }
        println!(
            "\n{} artifacts checked, {} mismatches, in {:.1}s; wrote {}",
            a.verdicts.len(),
            a.mismatches,
            started.elapsed().as_secs_f64(),
            self.out.join("audit.json").display()
        );
        if a.mismatches > 0 {
            bail!(
                "reproducibility audit failed: {} artifact(s) differ (see audit.json)",
                a.mismatches
            );
        }
        Ok(())
    }
}
