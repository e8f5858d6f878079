use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct Replay {
    /// Order file: CSV with header time_ns,trader,action,order_id,side,price,qty,tif.
    #[arg(long, value_name = "FILE.csv")]
    orders: PathBuf,
    /// Output folder (created atomically; must not exist or be empty unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Replace an existing output folder that holds a Proteus bundle (never a folder of other files).
    #[arg(long)]
    force: bool,
}

impl Replay {
    pub fn run(&self) -> Result<()> {
        crate::run::check_inputs_outside(&self.out, &[Some(&self.orders)])?;
        crate::run::clean_stale_staging(&self.out)?;
        let result = proteus::replay::replay_file(&self.orders, &self.out, self.force)
            .with_context(|| {
                format!(
                    "replay of {} failed; nothing was written",
                    self.orders.display()
                )
            })?;
        let filled: i64 = result.fills.iter().map(|f| f.fill.qty).sum();
        println!(
            "replayed {}: {} fills ({} lots), {} rejects, {} orders resting",
            self.orders.display(),
            result.fills.len(),
            filled,
            result.rejects.len(),
            result.book.len()
        );
        println!("wrote {}", self.out.display());
        Ok(())
    }
}
