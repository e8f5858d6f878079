use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::artifacts::StagedFiles;
use proteus::validation::{
    Mode, MutantReport, ValidateOptions, Verdict, run_mutants, validate, write_outputs,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct Validate {
    /// Fewer repetitions (the same points and verdict rule); what CI runs.
    #[arg(long)]
    quick: bool,
    /// Only this case: glosten_milgrom, kyle, bcs, avellaneda_stoikov or market.
    #[arg(long, value_name = "NAME")]
    case: Option<String>,
    /// Run the case (needs --case) at the points of this TOML file, in the format of
    /// scenarios/validation/NAME.toml: its top-level keys replace the case file's.
    #[arg(long, value_name = "FILE", requires = "case")]
    points: Option<PathBuf>,
    /// Run every planted defect (an ablation switch) against its case; each must make at least
    /// one line FAIL. Prints `mutants caught: N/M`, writes mutants.json, exits non-zero if any
    /// survives.
    #[arg(long, conflicts_with = "points")]
    mutants: bool,
    /// Output folder for validation.json and validation.csv (or mutants.json).
    #[arg(long, value_name = "DIR", default_value = "out/validation")]
    out: PathBuf,
    /// Worker threads (0: all cores; at most 4 x the cores).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = crate::args::threads)]
    threads: usize,
}

impl Validate {
    pub fn run(&self) -> Result<()> {
        let started = Instant::now();
        let mode = if self.quick { Mode::Quick } else { Mode::Full };
        if self.mutants {
            let report = run_mutants(mode, self.case.as_deref(), self.threads)
                .context("the mutant suite could not run")?;
            print!("{}", report.markdown());
            let path = write_mutants(&report, &self.out)?;
            let total = report.mutants.len();
            println!(
                "\nmutants caught: {}/{total} in {:.1}s; wrote {}",
                report.caught(),
                started.elapsed().as_secs_f64(),
                path.display()
            );
            if report.caught() < total {
                let survivors: Vec<&str> = report
                    .mutants
                    .iter()
                    .filter(|m| !m.caught)
                    .map(|m| m.mutant.name())
                    .collect();
                bail!(
                    "{} mutant(s) survived: {} (no line of their case fails)",
                    survivors.len(),
                    survivors.join(", ")
                );
            }
            return Ok(());
        }
        let opts = ValidateOptions {
            mode,
            case: self.case.clone(),
            threads: self.threads,
            points: self.points.clone(),
            mutant: None,
        };
        let report = validate(&opts).context("validation could not run")?;
        print!("{}", report.markdown());
        print!("\n{}", report.case_summary());
        // Staged beside --out and renamed into it: a failed write (a full disk) leaves the
        // previous files as they were, and a killed run's staging folder is removed next time.
        crate::run::clean_stale_staging(&self.out)?;
        let staged = StagedFiles::into_folder(&self.out).context("writing the validation files")?;
        write_outputs(&report, &staged).context("writing the validation files")?;
        staged.publish().context("writing the validation files")?;
        println!(
            "\n{} pass, {} fail, {} watch, {} inconclusive, {} info, in {:.1}s; wrote {} and {}",
            report.count(Verdict::Pass),
            report.count(Verdict::Fail),
            report.count(Verdict::Watch),
            report.count(Verdict::Inconclusive),
            report.count(Verdict::Info),
            started.elapsed().as_secs_f64(),
            self.out.join("validation.json").display(),
            self.out.join("validation.csv").display(),
        );
        if report.failed() {
            bail!(
                "validation failed: {} check(s) do not hold (see the table)",
                report.count(Verdict::Fail)
            );
        }
        Ok(())
    }
}

/// Writes `mutants.json` whole (staged, then renamed into `out`) and returns its path.
fn write_mutants(report: &MutantReport, out: &Path) -> Result<PathBuf> {
    let path = out.join("mutants.json");
    crate::run::clean_stale_staging(out)?;
    let staged =
        StagedFiles::into_folder(out).with_context(|| format!("writing {}", path.display()))?;
    let json = serde_json::to_string_pretty(report).context("serialising the mutant report")?;
    staged
        .write("mutants.json", (json + "\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    staged
        .publish()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}
