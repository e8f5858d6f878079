//! A pack: many runs (cells × mechanisms × repetitions) executed in parallel, collected in index
//! order, keeping per-run metrics only (never event logs), optionally checkpointed so an
//! interrupted pack can resume.
//!
//! Architecture invariant: the records of a pack are identical, byte for byte once written, for
//! any number of threads and whether or not it was interrupted and resumed: each run depends only
//! on its (cell, mechanism, repetition), and results are placed by index, not by finishing order.

use crate::artifacts::IoError;
use crate::artifacts::sha256_hex;
use crate::metrics::{self, MetricsError};
use crate::scenario::Scenario;
use crate::sim::{self, RunOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// Most repetitions a pack runs per cell and mechanism.
pub const MAX_REPETITIONS: u64 = 1_000_000;

/// Most worker threads a pack starts: four per available core
/// (`std::thread::available_parallelism`, 1 when unknown).
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Which run of a pack: indices into the plan's cells and mechanisms, and the repetition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunKey {
    pub cell: usize,
    pub mechanism: usize,
    pub repetition: u64,
}

/// What a pack keeps of one run: its flat metrics and the reasons for missing ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub key: RunKey,
    pub metrics: BTreeMap<String, f64>,
    pub missing: BTreeMap<String, String>,
    pub events: u64,
}

/// Everything a pack runs: `scenarios[cell][mechanism]` are fully resolved scenarios.
#[derive(Clone, Debug, Serialize)]
pub struct PackPlan {
    pub cell_labels: Vec<String>,
    pub mechanism_labels: Vec<String>,
    pub scenarios: Vec<Vec<Scenario>>,
    pub repetitions: u64,
}

impl PackPlan {
    /// How many runs the plan holds (saturating: a plan built by `packs` holds at most
    /// [`MAX_REPETITIONS`] repetitions, far from the limit).
    pub fn run_count(&self) -> u64 {
        ((self.cell_labels.len() as u64).saturating_mul(self.mechanism_labels.len() as u64))
            .saturating_mul(self.repetitions)
    }

    /// The run with flat index `i` (cell-major, then mechanism, then repetition).
    pub fn key(&self, i: u64) -> RunKey {
        let per_cell = self.mechanism_labels.len() as u64 * self.repetitions;
        RunKey {
            cell: (i / per_cell) as usize,
            mechanism: ((i % per_cell) / self.repetitions) as usize,
            repetition: i % self.repetitions,
        }
    }

    /// A digest of the plan, so a checkpoint is only reused by the same plan.
    pub fn fingerprint(&self) -> String {
        sha256_hex(&serde_json::to_vec(self).expect("a plan serializes"))
    }
}

/// Runs one run of the plan. Its metrics are computed while it runs (`sim::run_observed`), so
/// it keeps none of its fills, quotes or requests: a run's memory does not grow with its length.
pub fn run_one(plan: &PackPlan, key: RunKey) -> Result<RunRecord, PackError> {
    let sc = &plan.scenarios[key.cell][key.mechanism];
    let mut observer = metrics::MetricsObserver::new(metrics::MetricsConfig::default());
    let log = sim::run_observed(sc, key.repetition, RunOptions::default(), &mut observer);
    let m = observer
        .finish(&log)
        .map_err(|cause| PackError::Metrics { key, cause })?;
    Ok(RunRecord {
        key,
        metrics: m.metrics,
        missing: m.missing,
        events: log.events_processed,
    })
}

#[derive(Debug, Error)]
pub enum PackError {
    #[error("metrics of run {key:?}: {cause}")]
    Metrics { key: RunKey, cause: MetricsError },
    #[error("building a thread pool of {threads} threads: {cause}")]
    Threads { threads: usize, cause: String },
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(
        "checkpoint {path} belongs to another pack (different scenario, grid, mechanisms or \
         repetitions); remove it or run without --resume"
    )]
    ForeignCheckpoint { path: PathBuf },
    #[error(
        "checkpoint file {path} {why}; remove the checkpoint folder {} or run without --resume \
         (which starts afresh)",
        .path.parent().map_or(String::new(), |p| p.display().to_string())
    )]
    CorruptCheckpoint { path: PathBuf, why: String },
}

/// Where finished runs are kept while a pack runs, one small file per run, each written
/// atomically, so an interrupted pack can resume with `--resume`. A file is the SHA-256 of the
/// run's JSON record on its first line, then the record; resuming checks the digest and the
/// run's key, and refuses a file that fails either ([`PackError::CorruptCheckpoint`]), so a
/// record edited by hand is never taken for the run's result.
pub struct Checkpoint {
    dir: PathBuf,
}

impl Checkpoint {
    /// Opens (resume) or starts afresh the checkpoint folder `dir` for `plan`.
    pub fn open(dir: &Path, plan: &PackPlan, resume: bool) -> Result<Checkpoint, PackError> {
        let io = |action, cause| {
            PackError::Io(IoError {
                action,
                path: dir.to_owned(),
                cause,
            })
        };
        let stamp = dir.join("plan.sha256");
        let fp = plan.fingerprint();
        if dir.exists() && !resume {
            fs::remove_dir_all(dir).map_err(|e| io("removing stale checkpoint", e))?;
        }
        if dir.exists() {
            let old = fs::read_to_string(&stamp).unwrap_or_default();
            if old.trim() != fp {
                return Err(PackError::ForeignCheckpoint {
                    path: dir.to_owned(),
                });
            }
        } else {
            fs::create_dir_all(dir).map_err(|e| io("creating checkpoint", e))?;
            crate::artifacts::write_file_atomically(&stamp, fp.as_bytes())
                .map_err(|e| io("writing checkpoint stamp", e))?;
        }
        Ok(Checkpoint {
            dir: dir.to_owned(),
        })
    }

    fn path(&self, i: u64) -> PathBuf {
        self.dir.join(format!("run-{i:08}.json"))
    }

    /// Finished run `i`, if it was saved: its record once its digest and key check out.
    fn load(&self, i: u64, key: RunKey) -> Result<Option<RunRecord>, PackError> {
        let path = self.path(i);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(cause) => {
                return Err(PackError::Io(IoError {
                    action: "reading",
                    path,
                    cause,
                }));
            }
        };
        let corrupt = |why: String| PackError::CorruptCheckpoint {
            path: path.clone(),
            why,
        };
        let Some(newline) = bytes.iter().position(|&b| b == b'\n') else {
            return Err(corrupt(
                "has no digest line (not written by this Proteus)".to_owned(),
            ));
        };
        let (recorded, record) = (&bytes[..newline], &bytes[newline + 1..]);
        let actual = sha256_hex(record);
        if recorded != actual.as_bytes() {
            return Err(corrupt(format!(
                "was changed after it was written (its record's sha256 is {actual}, its first \
                 line records {})",
                crate::core::config_error::echo(&String::from_utf8_lossy(recorded))
            )));
        }
        let rec: RunRecord = serde_json::from_slice(record)
            .map_err(|e| corrupt(format!("does not hold a run record ({e})")))?;
        if rec.key != key {
            return Err(corrupt(format!(
                "holds run {:?}, not run {i} ({key:?})",
                rec.key
            )));
        }
        Ok(Some(rec))
    }

    /// Saves finished run `i` with its digest (atomically: a temporary file, then a rename).
    pub fn save(&self, i: u64, rec: &RunRecord) -> Result<(), PackError> {
        let path = self.path(i);
        let io = |action, cause| {
            PackError::Io(IoError {
                action,
                path: path.clone(),
                cause,
            })
        };
        let record = serde_json::to_vec(rec).expect("a record serializes");
        let mut bytes = sha256_hex(&record).into_bytes();
        bytes.push(b'\n');
        bytes.extend_from_slice(&record);
        crate::artifacts::write_file_atomically(&path, &bytes).map_err(|e| io("writing", e))
    }

    /// Removes the checkpoint (after the pack's bundle is safely written).
    pub fn remove(self) -> Result<(), PackError> {
        fs::remove_dir_all(&self.dir).map_err(|cause| {
            PackError::Io(IoError {
                action: "removing checkpoint",
                path: self.dir.clone(),
                cause,
            })
        })
    }
}

/// Runs every run of `plan` on `threads` threads (0: all cores), calling `progress(done, total)`
/// after each; with a checkpoint, reuses runs already saved there and saves new ones.
pub fn run_pack(
    plan: &PackPlan,
    threads: usize,
    checkpoint: Option<&Checkpoint>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Vec<RunRecord>, PackError> {
    run_range(plan, 0..plan.run_count(), threads, checkpoint, progress)
}

/// Runs the runs of `plan` with flat indices in `range` (a shard), in index order; otherwise as
/// [`run_pack`].
pub fn run_range(
    plan: &PackPlan,
    range: std::ops::Range<u64>,
    threads: usize,
    checkpoint: Option<&Checkpoint>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Vec<RunRecord>, PackError> {
    if threads > max_threads() {
        return Err(PackError::Threads {
            threads,
            cause: format!(
                "at most {} threads (4 x the available cores; 0: all cores)",
                max_threads()
            ),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PackError::Threads {
            threads,
            cause: e.to_string(),
        })?;
    let total = range.end.saturating_sub(range.start);
    let done = AtomicU64::new(0);
    pool.install(|| {
        range
            .into_par_iter()
            .map(|i| {
                let key = plan.key(i);
                let saved = match checkpoint {
                    Some(c) => c.load(i, key)?,
                    None => None,
                };
                let rec = match saved {
                    Some(rec) => rec,
                    None => {
                        let rec = run_one(plan, key)?;
                        if let Some(c) = checkpoint {
                            c.save(i, &rec)?;
                        }
                        rec
                    }
                };
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                Ok(rec)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(reps: u64) -> PackPlan {
        let mut sc = Scenario::default_scenario();
        sc.duration_s = 5.0;
        PackPlan {
            cell_labels: vec!["a".into(), "b".into()],
            mechanism_labels: vec!["clob".into()],
            scenarios: vec![
                vec![sc.clone()],
                vec![sc.for_cell(&crate::scenario::Cell {
                    informed_count: Some(0),
                    latency_scale: None,
                })],
            ],
            repetitions: reps,
        }
    }

    #[test]
    fn keys_enumerate_cell_major() {
        let p = plan(3);
        let keys: Vec<_> = (0..p.run_count()).map(|i| p.key(i)).collect();
        assert_eq!(keys.len(), 6);
        assert_eq!(
            keys[0],
            RunKey {
                cell: 0,
                mechanism: 0,
                repetition: 0
            }
        );
        assert_eq!(
            keys[2],
            RunKey {
                cell: 0,
                mechanism: 0,
                repetition: 2
            }
        );
        assert_eq!(
            keys[3],
            RunKey {
                cell: 1,
                mechanism: 0,
                repetition: 0
            }
        );
    }

    #[test]
    fn one_thread_and_two_threads_agree() {
        let p = plan(3);
        let a = run_pack(&p, 1, None, &|_, _| {}).unwrap();
        let b = run_pack(&p, 2, None, &|_, _| {}).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.iter().map(|r| r.key).collect::<Vec<_>>(),
            (0..6).map(|i| p.key(i)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn resume_reuses_saved_runs_and_refuses_foreign_checkpoints() {
        let dir = crate::artifacts::test_scratch("ckpt");
        fs::remove_dir(&dir).unwrap(); // the checkpoint folder does not exist yet
        let p = plan(2);
        let full = run_pack(&p, 2, None, &|_, _| {}).unwrap();
        // Simulate an interrupted pack: two runs saved, one of them tampered with.
        let c = Checkpoint::open(&dir, &p, false).unwrap();
        c.save(0, &full[0]).unwrap();
        let mut fake = full[1].clone();
        fake.events = 999_999;
        c.save(1, &fake).unwrap();
        let resumed = run_pack(
            &p,
            2,
            Some(&Checkpoint::open(&dir, &p, true).unwrap()),
            &|_, _| {},
        )
        .unwrap();
        assert_eq!(resumed[0], full[0]);
        assert_eq!(
            resumed[1].events, 999_999,
            "a saved run is reused, not re-run"
        );
        assert_eq!(resumed[2..], full[2..]);
        assert!(matches!(
            Checkpoint::open(&dir, &plan(3), true),
            Err(PackError::ForeignCheckpoint { .. })
        ));
        // Without --resume the stale checkpoint is discarded.
        let fresh = Checkpoint::open(&dir, &p, false).unwrap();
        assert!(fresh.load(1, p.key(1)).unwrap().is_none());
        fresh.remove().unwrap();
    }
}
