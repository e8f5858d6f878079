//! Scale-out: a baseline or comparison split into shards that a Slurm job array runs, merged
//! into exactly the bundle one process writes (`docs/scale-out.md`).
//!
//! Proteus schedules nothing. `plan_shards` writes a plan folder (the shard manifest, the
//! calibration a baseline uses, and sbatch scripts); each array task runs `run_shard` for its
//! index; `merge_shards` checks that every shard result is present, hash-checked and from this
//! plan, and hands the records to the same bundle writer as `cargo xtask baseline`/`compare`.
//!
//! Shard `i` of `N` holds a contiguous range of the plan's flat run index (cell-major, then
//! mechanism, then repetition; `PackPlan::key`), the ranges balanced so their sizes differ by at
//! most one: with `T` runs, the first `T mod N` shards hold `T div N + 1` runs, the others
//! `T div N`.

use super::calibrate::{CalibrationError, calibrate, load_selected_regime, read_calibration_file};
use super::execution::Execution;
use super::pack::{PackError, RunRecord, run_range};
use super::packs::{
    ExperimentError, PackSpec, baseline_spec, calibration_from_file, check_repetitions,
    compare_spec, write_pack_bundle,
};
use super::summary::PackSummary;
use crate::artifacts::IoError;
use crate::artifacts::{ArtifactError, BundleKind, BundleWriter, TableFormat, sha256_hex};
use crate::scenario::{MechanismSettings, Scenario};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Most shards a plan holds (Slurm's own `MaxArraySize` is usually far smaller).
pub const MAX_SHARDS: usize = 100_000;

/// Schema of `shard-plan.json` and of the shard result files.
pub const SHARD_SCHEMA_VERSION: u32 = 1;
/// The shard manifest in a plan folder.
pub const MANIFEST_FILE: &str = "shard-plan.json";
/// The calibration a sharded baseline uses, in the plan folder.
pub const CALIBRATION_FILE: &str = "calibration.json";
/// How flat run indices are ordered, as the manifest states it.
pub const RUN_ORDER: &str = "flat run index i: cell-major, then mechanism, then repetition \
     (i = (cell * mechanisms + mechanism) * repetitions + repetition); shard k holds runs \
     first_run..first_run+runs";

#[derive(Debug, Error)]
pub enum ShardError {
    #[error("--shards must be at least 1 (got 0)")]
    NoShards,
    #[error("--shards {0}: must be in [1, {MAX_SHARDS}]")]
    ShardsOutOfRange(usize),
    #[error("--shards {shards} exceeds the pack's {runs} runs; give at most {runs}")]
    TooManyShards { shards: usize, runs: u64 },
    #[error(
        "{flag} \"{}\" cannot go into an sbatch script: {why}",
        crate::core::config_error::echo(.value)
    )]
    UnsafeValue {
        flag: &'static str,
        value: String,
        why: &'static str,
    },
    #[error(
        "--time \"{}\" is not a Slurm time limit; allowed: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM \
         or D-HH:MM:SS (digits; e.g. 90, 01:30:00, 2-12)",
        crate::core::config_error::echo(.0)
    )]
    BadTimeLimit(String),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{path} is not a shard plan ({why}); make one with `cargo xtask shard plan`")]
    NotAPlan { path: PathBuf, why: String },
    #[error(
        "{path} has schema version {found}; this Proteus reads version {SHARD_SCHEMA_VERSION} \
         (plan again)"
    )]
    SchemaVersion { path: PathBuf, found: u32 },
    #[error(
        "the plan in {path} no longer rebuilds to the same runs (recorded fingerprint {recorded}, \
         rebuilt {rebuilt}): it was edited or made by another Proteus; plan again"
    )]
    PlanChanged {
        path: PathBuf,
        recorded: String,
        rebuilt: String,
    },
    #[error("{path} was changed after planning (sha256 {found}, the plan recorded {expected})")]
    CalibrationChanged {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("--index {index} is out of range: this plan has shards 0..={last}")]
    NoSuchShard { index: usize, last: usize },
    #[error(
        "{path} is a result of another plan (fingerprint {found}, this plan is {expected}); \
         remove it or plan into a fresh folder"
    )]
    ForeignResult {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{}", incomplete_message(.problems, *.shards))]
    Incomplete {
        problems: Vec<ShardProblem>,
        shards: usize,
    },
    #[error(transparent)]
    Experiment(Box<ExperimentError>),
    #[error(transparent)]
    Calibration(Box<CalibrationError>),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    Pack(#[from] PackError),
}

impl From<ExperimentError> for ShardError {
    fn from(e: ExperimentError) -> Self {
        ShardError::Experiment(Box::new(e))
    }
}

impl From<CalibrationError> for ShardError {
    fn from(e: CalibrationError) -> Self {
        ShardError::Calibration(Box::new(e))
    }
}

/// A shard that merge cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardProblem {
    pub index: usize,
    pub path: PathBuf,
    pub state: ShardState,
}

/// What is in a shard's result slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardState {
    Complete,
    Missing,
    Corrupt(String),
    Foreign(String),
}

impl fmt::Display for ShardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardState::Complete => write!(f, "complete"),
            ShardState::Missing => write!(f, "missing"),
            ShardState::Corrupt(why) => write!(f, "corrupt ({why})"),
            ShardState::Foreign(fp) => write!(f, "from another plan (fingerprint {fp})"),
        }
    }
}

fn incomplete_message(problems: &[ShardProblem], shards: usize) -> String {
    let list: Vec<String> = problems
        .iter()
        .map(|p| format!("shard {} {}: {}", p.index, p.path.display(), p.state))
        .collect();
    let indices: Vec<String> = problems.iter().map(|p| p.index.to_string()).collect();
    format!(
        "{} of {shards} shards are not usable, nothing was merged: {}; run `shard run --index I` \
         for shards {} (or re-submit the array: complete shards are skipped)",
        problems.len(),
        list.join("; "),
        indices.join(",")
    )
}

/// Which pack is sharded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackKind {
    Baseline,
    Compare,
}

impl From<PackKind> for BundleKind {
    fn from(k: PackKind) -> BundleKind {
        match k {
            PackKind::Baseline => BundleKind::Baseline,
            PackKind::Compare => BundleKind::Compare,
        }
    }
}

/// Where a sharded baseline's calibration comes from; it is made once, at plan time.
pub enum CalibrationInput<'a> {
    /// Copy this `calibration.json` into the plan folder.
    File(&'a Path),
    /// Calibrate now.
    Calibrate(&'a Execution<'a>),
}

/// One shard: runs `first_run .. first_run + runs` of the flat run index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRange {
    pub index: usize,
    pub first_run: u64,
    pub runs: u64,
}

/// The calibration a sharded baseline uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardCalibration {
    pub file: String,
    pub sha256: String,
    /// What the merged manifest's `calibration_source` says.
    pub source: String,
}

/// `shard-plan.json`: what to rebuild the plan from, and the shard mapping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub schema_version: u32,
    pub pack: PackKind,
    pub crate_version: String,
    pub scenario: Scenario,
    /// The compared mechanisms (a baseline uses the scenario's).
    pub mechanisms: Vec<MechanismSettings>,
    pub repetitions: u64,
    pub calibration: Option<ShardCalibration>,
    pub plan_fingerprint: String,
    pub runs: u64,
    pub run_order: String,
    pub shards: Vec<ShardRange>,
}

/// What one shard writes: its records, in flat index order.
#[derive(Serialize, Deserialize)]
struct ShardResult {
    schema_version: u32,
    plan_fingerprint: String,
    index: usize,
    first_run: u64,
    runs: u64,
    records: Vec<RunRecord>,
}

/// The sbatch settings `shard plan` writes into the scripts.
#[derive(Clone, Debug)]
pub struct SlurmOptions {
    /// The release binary the nodes run (`target/release/xtask`), by absolute path.
    pub binary: PathBuf,
    pub partition: Option<String>,
    /// `--time` of each array task and of the merge.
    pub time: String,
    /// `--mem` of each array task and of the merge.
    pub mem: String,
    pub cpus_per_task: u32,
    /// At most this many array tasks at once (`--array=0-(N-1)%CAP`).
    pub max_parallel: Option<u32>,
}

/// The balanced contiguous split of `runs` runs into `shards` shards.
pub fn shard_ranges(runs: u64, shards: usize) -> Vec<ShardRange> {
    let n = shards as u64;
    let (base, extra) = (runs / n, runs % n);
    (0..n)
        .map(|k| ShardRange {
            index: k as usize,
            first_run: k * base + k.min(extra),
            runs: base + u64::from(k < extra),
        })
        .collect()
}

fn absolute(path: &Path) -> Result<PathBuf, ShardError> {
    Ok(std::path::absolute(path).map_err(IoError::at("resolving", path))?)
}

/// A value that goes into an `#SBATCH` line or a quoted shell word.
fn check_value(flag: &'static str, value: &str) -> Result<(), ShardError> {
    let bad = |why| {
        Err(ShardError::UnsafeValue {
            flag,
            value: value.to_owned(),
            why,
        })
    };
    if value.is_empty() {
        return bad("it is empty");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it contains whitespace or control characters");
    }
    if value.contains(['\'', '"', '\\', '$', '`']) {
        return bad("it contains quotes, backslashes, `$` or backticks");
    }
    Ok(())
}

/// Whether `t` is one of sbatch's `--time` formats: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`,
/// `D-HH:MM`, `D-HH:MM:SS`, each part one to nine digits. (Slurm also reads `UNLIMITED` and
/// `INFINITE`; a plan refuses them, as a shard that never ends holds its node for good.)
pub fn is_slurm_time(t: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    let (days, clock) = match t.split_once('-') {
        Some((d, rest)) => (Some(d), rest),
        None => (None, t),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !parts.iter().all(|p| digits(p)) || days.is_some_and(|d| !digits(d)) {
        return false;
    }
    (1..=3).contains(&parts.len())
}

/// Writes a plan folder at `dir` (atomically; an existing non-empty folder only with `force`):
/// `shard-plan.json`, for a baseline `calibration.json` (calibrated now or copied), and the
/// scripts `array.sbatch`, `merge.sbatch` and `submit.sh`.
#[allow(clippy::too_many_arguments)]
pub fn plan_shards(
    pack: PackKind,
    scenario: &Scenario,
    mechanisms: &[MechanismSettings],
    repetitions: u64,
    calibration: Option<CalibrationInput>,
    shards: usize,
    slurm: &SlurmOptions,
    dir: &Path,
    force: bool,
) -> Result<ShardManifest, ShardError> {
    if shards == 0 {
        return Err(ShardError::NoShards);
    }
    if shards > MAX_SHARDS {
        return Err(ShardError::ShardsOutOfRange(shards));
    }
    let abs_dir = absolute(dir)?;
    let binary = absolute(&slurm.binary)?;
    check_value("--out", &abs_dir.to_string_lossy())?;
    check_value("--binary", &binary.to_string_lossy())?;
    check_value("--time", &slurm.time)?;
    if !is_slurm_time(&slurm.time) {
        return Err(ShardError::BadTimeLimit(slurm.time.clone()));
    }
    check_value("--mem", &slurm.mem)?;
    if let Some(p) = &slurm.partition {
        check_value("--partition", p)?;
    }
    let mechanisms = match pack {
        PackKind::Baseline => vec![scenario.mechanism],
        PackKind::Compare => mechanisms.to_vec(),
    };
    // Validate before calibrating (which can take long): the repetitions, and the shard count
    // against the runs (a baseline runs its grid's cells under the scenario's mechanism).
    let runs = if pack == PackKind::Compare {
        compare_spec(scenario, &mechanisms, repetitions)?
            .plan
            .run_count()
    } else {
        check_repetitions(repetitions)?;
        (scenario.grid.cells().len() as u64).saturating_mul(repetitions)
    };
    if shards as u64 > runs {
        return Err(ShardError::TooManyShards { shards, runs });
    }
    let mut w = BundleWriter::create(dir, force)?;
    let calibration_path = abs_dir.join(CALIBRATION_FILE);
    let (spec, shard_calibration) = match pack {
        PackKind::Compare => (compare_spec(scenario, &mechanisms, repetitions)?, None),
        PackKind::Baseline => {
            let bytes = match calibration {
                Some(CalibrationInput::File(path)) => {
                    load_selected_regime(path)?;
                    read_calibration_file(path)?
                }
                Some(CalibrationInput::Calibrate(exec)) => {
                    let c = calibrate(scenario, exec)?;
                    exec.finish()?;
                    let mut b = serde_json::to_vec_pretty(&c).expect("a calibration serializes");
                    b.push(b'\n');
                    b
                }
                None => {
                    return Err(ShardError::NotAPlan {
                        path: dir.to_owned(),
                        why: "a baseline needs a calibration".to_owned(),
                    });
                }
            };
            w.write(CALIBRATION_FILE, &bytes)?;
            // The regime is read from the staged copy; the manifest names the published one.
            let (regime, _) = calibration_from_file(&w.staging_dir().join(CALIBRATION_FILE))?;
            let source = format!(
                "file {} (sha256 {})",
                calibration_path.display(),
                sha256_hex(&bytes)
            );
            let spec = baseline_spec(scenario, repetitions, &regime, None, source.clone())?;
            let sc = ShardCalibration {
                file: CALIBRATION_FILE.to_owned(),
                sha256: sha256_hex(&bytes),
                source,
            };
            (spec, Some(sc))
        }
    };
    debug_assert_eq!(
        runs,
        spec.plan.run_count(),
        "the runs counted before calibrating"
    );
    let manifest = ShardManifest {
        schema_version: SHARD_SCHEMA_VERSION,
        pack,
        crate_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: scenario.clone(),
        mechanisms,
        repetitions,
        calibration: shard_calibration,
        plan_fingerprint: spec.plan.fingerprint(),
        runs,
        run_order: RUN_ORDER.to_owned(),
        shards: shard_ranges(runs, shards),
    };
    w.write_json(MANIFEST_FILE, &manifest)?;
    let (array, merge, submit) = scripts(&manifest, slurm, &binary, &abs_dir);
    w.write("array.sbatch", array.as_bytes())?;
    w.write("merge.sbatch", merge.as_bytes())?;
    w.write("submit.sh", submit.as_bytes())?;
    w.commit()?;
    for sub in ["shards", "logs"] {
        let p = dir.join(sub);
        fs::create_dir_all(&p).map_err(IoError::at("creating", &p))?;
    }
    Ok(manifest)
}

/// The sbatch scripts: deterministic (no dates, no host names), absolute paths only.
fn scripts(
    m: &ShardManifest,
    slurm: &SlurmOptions,
    binary: &Path,
    dir: &Path,
) -> (String, String, String) {
    let (bin, plan) = (binary.display(), dir.display());
    let kind = BundleKind::from(m.pack);
    let n = m.shards.len();
    let cap = slurm
        .max_parallel
        .map_or(String::new(), |c| format!("%{c}"));
    let partition = slurm
        .partition
        .as_ref()
        .map_or(String::new(), |p| format!("#SBATCH --partition={p}\n"));
    let common = format!(
        "#SBATCH --time={}\n#SBATCH --mem={}\n{partition}",
        slurm.time, slurm.mem
    );
    let array = format!(
        "#!/bin/bash\n\
         # Proteus {kind} pack, {runs} runs in {n} shards (written by `cargo xtask shard plan`).\n\
         # Array task k runs shard k: runs first_run..first_run+runs of the flat run index\n\
         # ({MANIFEST_FILE}). A shard with a complete, hash-checked result is skipped.\n\
         #SBATCH --job-name=proteus-{kind}-shards\n\
         #SBATCH --array=0-{last}{cap}\n\
         #SBATCH --cpus-per-task={cpus}\n\
         {common}\
         #SBATCH --output={plan}/logs/shard-%A_%a.out\n\
         set -euo pipefail\n\
         exec '{bin}' shard run --plan '{plan}' --index \"$SLURM_ARRAY_TASK_ID\" \
         --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\"\n",
        runs = m.runs,
        last = n - 1,
        cpus = slurm.cpus_per_task,
    );
    let merge = format!(
        "#!/bin/bash\n\
         # Proteus {kind} pack: merge the {n} shards into {plan}/bundle once the array has ended.\n\
         # It names every missing or corrupt shard and exits non-zero when one is not usable.\n\
         #SBATCH --job-name=proteus-{kind}-merge\n\
         #SBATCH --cpus-per-task=1\n\
         {common}\
         #SBATCH --output={plan}/logs/merge-%j.out\n\
         set -euo pipefail\n\
         exec '{bin}' shard merge --plan '{plan}' --force\n"
    );
    let submit = format!(
        "#!/bin/sh\n\
         # Submits the shard array, then the merge once every array task has ended (afterany:\n\
         # merge checks completeness itself). Re-submitting resumes: complete shards are skipped.\n\
         # Extra arguments go to both sbatch calls, e.g. sh submit.sh --account=mylab\n\
         set -eu\n\
         ARRAY_JOB_ID=$(sbatch --parsable \"$@\" '{plan}/array.sbatch')\n\
         ARRAY_JOB_ID=${{ARRAY_JOB_ID%%;*}}\n\
         MERGE_JOB_ID=$(sbatch --parsable \"$@\" --dependency=afterany:\"$ARRAY_JOB_ID\" '{plan}/merge.sbatch')\n\
         MERGE_JOB_ID=${{MERGE_JOB_ID%%;*}}\n\
         echo \"array job $ARRAY_JOB_ID ({n} tasks), merge job $MERGE_JOB_ID\"\n"
    );
    (array, merge, submit)
}

/// A plan folder, read back: its manifest and the rebuilt pack.
pub struct LoadedPlan {
    pub dir: PathBuf,
    pub manifest: ShardManifest,
    pub spec: PackSpec,
}

impl LoadedPlan {
    /// The result file of shard `index`.
    pub fn result_path(&self, index: usize) -> PathBuf {
        self.dir
            .join("shards")
            .join(format!("shard-{index:05}.json"))
    }

    fn sidecar_path(&self, index: usize) -> PathBuf {
        self.dir
            .join("shards")
            .join(format!("shard-{index:05}.json.sha256"))
    }

    fn range(&self, index: usize) -> Result<&ShardRange, ShardError> {
        self.manifest
            .shards
            .get(index)
            .ok_or(ShardError::NoSuchShard {
                index,
                last: self.manifest.shards.len().saturating_sub(1),
            })
    }

    /// Reads shard `index`'s result: its records when it is complete, hash-checked, from this
    /// plan and covers exactly its runs.
    fn inspect(&self, index: usize) -> (ShardState, Option<Vec<RunRecord>>) {
        let (path, sidecar) = (self.result_path(index), self.sidecar_path(index));
        if !path.exists() && !sidecar.exists() {
            return (ShardState::Missing, None);
        }
        let corrupt = |why: String| (ShardState::Corrupt(why), None);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return corrupt("the result file is missing, its .sha256 is not".to_owned());
            }
            Err(e) => return corrupt(format!("unreadable: {e}")),
        };
        let recorded = match fs::read_to_string(&sidecar) {
            Ok(s) => s.split_whitespace().next().unwrap_or_default().to_owned(),
            Err(_) => return corrupt("no .sha256 next to it: the write did not finish".to_owned()),
        };
        let actual = sha256_hex(&bytes);
        if recorded != actual {
            return corrupt(format!(
                "sha256 is {actual}, its .sha256 records {recorded}"
            ));
        }
        let r: ShardResult = match serde_json::from_slice(&bytes) {
            Ok(r) => r,
            Err(e) => return corrupt(format!("not a shard result: {e}")),
        };
        if r.plan_fingerprint != self.manifest.plan_fingerprint {
            return (ShardState::Foreign(r.plan_fingerprint), None);
        }
        let Ok(range) = self.range(index) else {
            return corrupt("no such shard in the plan".to_owned());
        };
        let keys_ok = r.records.len() as u64 == range.runs
            && r.records
                .iter()
                .zip(range.first_run..)
                .all(|(rec, i)| rec.key == self.spec.plan.key(i));
        if r.schema_version != SHARD_SCHEMA_VERSION
            || r.index != index
            || r.first_run != range.first_run
            || r.runs != range.runs
            || !keys_ok
        {
            return corrupt(format!(
                "it does not hold exactly runs {}..{} of shard {index}",
                range.first_run,
                range.first_run + range.runs
            ));
        }
        (ShardState::Complete, Some(r.records))
    }

    /// The state of every shard, in index order.
    pub fn states(&self) -> Vec<(usize, PathBuf, ShardState)> {
        (0..self.manifest.shards.len())
            .map(|k| (k, self.result_path(k), self.inspect(k).0))
            .collect()
    }
}

/// Reads the plan folder `dir` and rebuilds its pack, checking that it rebuilds to the plan it
/// was made for (same fingerprint) and, for a baseline, that its calibration is unchanged.
pub fn load_plan(dir: &Path) -> Result<LoadedPlan, ShardError> {
    let path = dir.join(MANIFEST_FILE);
    let not_plan = |why: String| ShardError::NotAPlan {
        path: dir.to_owned(),
        why,
    };
    let bytes = fs::read(&path).map_err(|e| not_plan(format!("reading {MANIFEST_FILE}: {e}")))?;
    let head: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| not_plan(format!("{MANIFEST_FILE} is not JSON: {e}")))?;
    let version = head.get("schema_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(SHARD_SCHEMA_VERSION)) {
        return Err(ShardError::SchemaVersion {
            path,
            found: version.unwrap_or(0) as u32,
        });
    }
    let manifest: ShardManifest =
        serde_json::from_slice(&bytes).map_err(|e| not_plan(format!("{MANIFEST_FILE}: {e}")))?;
    let spec = match manifest.pack {
        PackKind::Compare => compare_spec(
            &manifest.scenario,
            &manifest.mechanisms,
            manifest.repetitions,
        )?,
        PackKind::Baseline => {
            let c = manifest
                .calibration
                .as_ref()
                .ok_or_else(|| not_plan("a baseline plan without a calibration".to_owned()))?;
            let cpath = dir.join(&c.file);
            let bytes = fs::read(&cpath).map_err(IoError::at("reading", &cpath))?;
            let found = sha256_hex(&bytes);
            if found != c.sha256 {
                return Err(ShardError::CalibrationChanged {
                    path: cpath,
                    expected: c.sha256.clone(),
                    found,
                });
            }
            let regime = load_selected_regime(&cpath)?;
            baseline_spec(
                &manifest.scenario,
                manifest.repetitions,
                &regime,
                None,
                c.source.clone(),
            )?
        }
    };
    let rebuilt = spec.plan.fingerprint();
    if rebuilt != manifest.plan_fingerprint {
        return Err(ShardError::PlanChanged {
            path,
            recorded: manifest.plan_fingerprint.clone(),
            rebuilt,
        });
    }
    let expected = shard_ranges(manifest.runs, manifest.shards.len().max(1));
    if manifest.runs != spec.plan.run_count() || manifest.shards != expected {
        return Err(not_plan(
            "its shard ranges are not the balanced split of its runs".to_owned(),
        ));
    }
    Ok(LoadedPlan {
        dir: dir.to_owned(),
        manifest,
        spec,
    })
}

/// What `run_shard` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardRun {
    /// A complete, hash-checked result was already there.
    Skipped {
        runs: u64,
    },
    Ran {
        runs: u64,
        events: u64,
    },
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ShardError> {
    Ok(crate::artifacts::write_file_atomically(path, bytes)
        .map_err(IoError::at("writing", path))?)
}

/// Runs shard `index` of the plan in `dir` on `threads` threads (0: all cores), unless a
/// complete, hash-checked result of this plan is already there. A result of another plan is
/// refused; a corrupt or half-written one is replaced.
pub fn run_shard(
    dir: &Path,
    index: usize,
    threads: usize,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ShardRun, ShardError> {
    let plan = load_plan(dir)?;
    let range = plan.range(index)?.clone();
    let path = plan.result_path(index);
    match plan.inspect(index).0 {
        ShardState::Complete => return Ok(ShardRun::Skipped { runs: range.runs }),
        ShardState::Foreign(found) => {
            return Err(ShardError::ForeignResult {
                path,
                expected: plan.manifest.plan_fingerprint.clone(),
                found,
            });
        }
        ShardState::Missing | ShardState::Corrupt(_) => {}
    }
    let records = run_range(
        &plan.spec.plan,
        range.first_run..range.first_run + range.runs,
        threads,
        None,
        progress,
    )?;
    let events = records.iter().map(|r| r.events).sum();
    let result = ShardResult {
        schema_version: SHARD_SCHEMA_VERSION,
        plan_fingerprint: plan.manifest.plan_fingerprint.clone(),
        index,
        first_run: range.first_run,
        runs: range.runs,
        records,
    };
    let bytes = serde_json::to_vec(&result).expect("a shard result serializes");
    let shards = dir.join("shards");
    fs::create_dir_all(&shards).map_err(IoError::at("creating", &shards))?;
    // The sidecar goes last: a result without one is never taken for complete.
    let sidecar = plan.sidecar_path(index);
    if sidecar.exists() {
        fs::remove_file(&sidecar).map_err(IoError::at("removing stale", &sidecar))?;
    }
    write_atomically(&path, &bytes)?;
    let name = path.file_name().expect("a file name").to_string_lossy();
    write_atomically(
        &sidecar,
        format!("{}  {name}\n", sha256_hex(&bytes)).as_bytes(),
    )?;
    Ok(ShardRun::Ran {
        runs: range.runs,
        events,
    })
}

/// What `merge_shards` wrote.
#[derive(Debug)]
pub struct MergeOutcome {
    pub path: PathBuf,
    pub summary: PackSummary,
    pub runs: u64,
    pub events: u64,
}

/// Checks that every shard of the plan in `dir` is complete, hash-checked and from this plan
/// (naming each one that is not, and writing nothing), then writes the pack's bundle at `out`
/// with the single-process writer.
pub fn merge_shards(dir: &Path, out: &Path, force: bool) -> Result<MergeOutcome, ShardError> {
    merge_shards_as(dir, out, force, TableFormat::Csv)
}

/// [`merge_shards`] with the bundle's tables in `tables` (CSV, or CSV and Parquet).
pub fn merge_shards_as(
    dir: &Path,
    out: &Path,
    force: bool,
    tables: TableFormat,
) -> Result<MergeOutcome, ShardError> {
    let plan = load_plan(dir)?;
    let mut records = Vec::with_capacity(plan.manifest.runs as usize);
    let mut problems = Vec::new();
    for index in 0..plan.manifest.shards.len() {
        match plan.inspect(index) {
            (ShardState::Complete, Some(r)) => records.extend(r),
            (state, _) => problems.push(ShardProblem {
                index,
                path: plan.result_path(index),
                state,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(ShardError::Incomplete {
            problems,
            shards: plan.manifest.shards.len(),
        });
    }
    let mut w = BundleWriter::create(out, force)?;
    w.set_tables(tables)?;
    let (path, summary) = write_pack_bundle(w, &plan.spec, &records)?;
    Ok(MergeOutcome {
        path,
        summary,
        runs: records.len() as u64,
        events: records.iter().map(|r| r.events).sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_contiguous_balanced_and_cover_every_run() {
        for runs in 1..40u64 {
            for n in 1..=runs as usize {
                let r = shard_ranges(runs, n);
                assert_eq!(r.len(), n);
                let mut next = 0;
                for s in &r {
                    assert_eq!(s.first_run, next);
                    next += s.runs;
                }
                assert_eq!(next, runs);
                let (lo, hi) = (
                    r.iter().map(|s| s.runs).min().unwrap(),
                    r.iter().map(|s| s.runs).max().unwrap(),
                );
                assert!(hi - lo <= 1, "{runs} runs in {n} shards: {r:?}");
            }
        }
        assert_eq!(
            shard_ranges(10, 3)
                .iter()
                .map(|s| (s.first_run, s.runs))
                .collect::<Vec<_>>(),
            [(0, 4), (4, 3), (7, 3)]
        );
    }

    #[test]
    fn unsafe_script_values_are_refused() {
        assert!(check_value("--mem", "2G").is_ok());
        assert!(check_value("--mem", "2G\n#SBATCH --x").is_err());
        assert!(check_value("--partition", "a'b").is_err());
        assert!(check_value("--time", "").is_err());
        for ok in [
            "90",
            "30:00",
            "01:00:00",
            "2-12",
            "2-12:30",
            "2-12:30:00",
            "100:00:00",
        ] {
            assert!(is_slurm_time(ok), "{ok}");
        }
        for bad in [
            "soon",
            "",
            "1h",
            "-12",
            "2-",
            "1:2:3:4",
            "2-1:2:3:4",
            ":30",
            "1-2-3",
            "01::00",
        ] {
            assert!(!is_slurm_time(bad), "{bad}");
        }
    }
}
