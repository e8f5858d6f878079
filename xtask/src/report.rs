use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct Report {
    /// The bundle folder (it holds manifest.json); its kind is read from the manifest.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

impl Report {
    pub fn run(&self) -> Result<()> {
        let started = Instant::now();
        let written = proteus::report::regenerate(&self.dir).with_context(|| {
            format!(
                "no report written for {}; its files are unchanged",
                self.dir.display()
            )
        })?;
        for path in &written {
            println!("wrote {}", path.display());
        }
        println!(
            "report regenerated from the bundle's files in {:.3}s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
