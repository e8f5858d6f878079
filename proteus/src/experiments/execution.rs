//! How a pack is executed: threads, progress reporting and checkpointing. None of it changes a
//! result.

use super::pack::{Checkpoint, PackError, PackPlan, RunRecord, run_pack};
use crate::artifacts::IoError;
use crate::artifacts::TableFormat;
use std::path::PathBuf;

/// Execution settings shared by every phase of a command.
pub struct Execution<'a> {
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// Called as `progress(phase, runs done, runs in the phase)`.
    pub progress: &'a (dyn Fn(&str, u64, u64) + Sync),
    /// Folder for checkpoints (one subfolder per phase); `None`: no checkpointing.
    pub checkpoint: Option<PathBuf>,
    /// Reuse the runs already checkpointed.
    pub resume: bool,
    /// The formats of the bundle's tables (CSV, or CSV and Parquet).
    pub tables: TableFormat,
}

impl Execution<'_> {
    /// Runs `plan` as phase `phase`.
    pub fn run(&self, phase: &str, plan: &PackPlan) -> Result<Vec<RunRecord>, PackError> {
        let checkpoint = match &self.checkpoint {
            Some(dir) => Some(Checkpoint::open(&dir.join(phase), plan, self.resume)?),
            None => None,
        };
        run_pack(plan, self.threads, checkpoint.as_ref(), &|done, total| {
            (self.progress)(phase, done, total)
        })
    }

    /// Removes every checkpoint (after the bundle is safely written).
    pub fn finish(&self) -> Result<(), PackError> {
        if let Some(dir) = &self.checkpoint
            && dir.exists()
        {
            std::fs::remove_dir_all(dir).map_err(IoError::at("removing checkpoint", dir))?;
        }
        Ok(())
    }
}
