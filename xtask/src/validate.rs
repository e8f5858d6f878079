use anyhow::{Context, Result, bail};
use clap::Args;
use proteus::validation::{Mode, ValidateOptions, Verdict, validate, write_outputs};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct Validate {
    /// Fewer repetitions (the same points and verdict rule); what CI runs.
    #[arg(long)]
    quick: bool,
    /// Only this case: glosten_milgrom, kyle, bcs, avellaneda_stoikov or market.
    #[arg(long, value_name = "NAME")]
    case: Option<String>,
    /// Output folder for validation.json and validation.csv.
    #[arg(long, value_name = "DIR", default_value = "out/validation")]
    out: PathBuf,
    /// Worker threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl Validate {
    pub fn run(&self) -> Result<()> {
        let started = Instant::now();
        let opts = ValidateOptions {
            mode: if self.quick { Mode::Quick } else { Mode::Full },
            case: self.case.clone(),
            threads: self.threads,
        };
        let report = validate(&opts).context("validation could not run")?;
        print!("{}", report.markdown());
        write_outputs(&report, &self.out).context("writing the validation files")?;
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
