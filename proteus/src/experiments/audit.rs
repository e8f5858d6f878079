//! The reproducibility audit (`cargo xtask audit`): the same pack on one thread, on all
//! threads and as shards merged, and bundles re-derived from their own manifests, must give
//! identical bytes.

use super::execution::Execution;
use super::packs::{ExperimentError, compare_pack};
use super::run_bundle::{RunBundleError, RunBundleOptions, write_run_bundle};
use super::shard::{PackKind, ShardError, SlurmOptions, merge_shards, plan_shards, run_shard};
use crate::artifacts::IoError;
use crate::artifacts::{ArtifactError, BundleWriter, TableFormat, sha256_hex};
use crate::scenario::{MechanismSettings, Scenario};
use crate::schema::{AnyManifest, BundleKind, RunManifest};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Schema of `audit.json`.
pub const AUDIT_SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// What was compared, e.g. `threads 1 vs 4`.
    pub check: String,
    /// The bundle and file, e.g. `compare/summary.csv`.
    pub artifact: String,
    pub expected_sha256: Option<String>,
    pub actual_sha256: Option<String>,
    pub identical: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Audit {
    pub schema_version: u32,
    pub scenario_id: String,
    pub repetitions: u64,
    pub mechanisms: Vec<String>,
    pub threads: Vec<usize>,
    pub shards: usize,
    pub verdicts: Vec<Verdict>,
    pub mismatches: usize,
}

#[derive(Debug, Error)]
pub enum AuditError {
    #[error(transparent)]
    Experiment(Box<ExperimentError>),
    #[error(transparent)]
    Run(#[from] RunBundleError),
    #[error("sharded pack: {0}")]
    Shard(Box<ShardError>),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("manifest {path}: {why}")]
    Manifest { path: PathBuf, why: String },
}

impl From<ShardError> for AuditError {
    fn from(e: ShardError) -> Self {
        AuditError::Shard(Box::new(e))
    }
}

impl From<ExperimentError> for AuditError {
    fn from(e: ExperimentError) -> Self {
        AuditError::Experiment(Box::new(e))
    }
}

fn hashes(dir: &Path) -> Result<BTreeMap<String, String>, AuditError> {
    let io = |action, cause| {
        AuditError::Io(IoError {
            action,
            path: dir.to_owned(),
            cause,
        })
    };
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).map_err(|e| io("reading", e))? {
        let p = e.map_err(|e| io("reading", e))?.path();
        let bytes = fs::read(&p).map_err(|e| io("reading", e))?;
        out.insert(
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            sha256_hex(&bytes),
        );
    }
    Ok(out)
}

fn compare_dirs(
    check: &str,
    bundle: &str,
    a: &Path,
    b: &Path,
    out: &mut Vec<Verdict>,
) -> Result<(), AuditError> {
    let (ha, hb) = (hashes(a)?, hashes(b)?);
    let names: std::collections::BTreeSet<&String> = ha.keys().chain(hb.keys()).collect();
    for n in names {
        let (x, y) = (ha.get(n).cloned(), hb.get(n).cloned());
        out.push(Verdict {
            check: check.to_owned(),
            artifact: format!("{bundle}/{n}"),
            identical: x.is_some() && x == y,
            expected_sha256: x,
            actual_sha256: y,
        });
    }
    Ok(())
}

/// Re-runs a run bundle from its `manifest.json` alone into `scratch` and checks every file
/// against the hashes the manifest lists.
pub fn rederive_run(
    bundle: &Path,
    scratch: &Path,
    out: &mut Vec<Verdict>,
) -> Result<(), AuditError> {
    let path = bundle.join("manifest.json");
    let bytes = fs::read(&path).map_err(IoError::at("reading", &path))?;
    let malformed = |e: serde_json::Error| AuditError::Manifest {
        path: path.clone(),
        why: e.to_string(),
    };
    let head: AnyManifest = serde_json::from_slice(&bytes).map_err(malformed)?;
    if head.kind != BundleKind::Run {
        return Err(AuditError::Manifest {
            path,
            why: format!("kind is \"{}\", expected \"run\"", head.kind),
        });
    }
    let m: RunManifest = serde_json::from_slice(&bytes).map_err(malformed)?;
    let (body, lobster) = (&m.body, &m.tail.lobster);
    body.scenario.validate().map_err(|e| AuditError::Manifest {
        path: path.clone(),
        why: e.to_string(),
    })?;
    let events = m.files.iter().any(|f| f.name == "events.csv");
    let parquet = m.files.iter().any(|f| f.name.ends_with(".parquet"));
    let opts = RunBundleOptions {
        events,
        force: true,
        repetition: body.seeds.repetition,
        lobster: lobster.as_ref().map(|l| l.config.levels),
        tables: if parquet {
            TableFormat::Parquet
        } else {
            TableFormat::Csv
        },
    };
    write_run_bundle(&body.scenario, scratch, &opts)?;
    let fresh = hashes(scratch)?;
    for f in &m.files {
        let actual = fresh.get(&f.name).cloned();
        out.push(Verdict {
            check: "re-derived from manifest.json".to_owned(),
            artifact: format!(
                "{}/{}",
                bundle.file_name().unwrap_or_default().to_string_lossy(),
                f.name
            ),
            identical: actual.as_deref() == Some(f.sha256.as_str()),
            expected_sha256: Some(f.sha256.clone()),
            actual_sha256: actual,
        });
    }
    Ok(())
}

/// Runs the audit in `work` (a scratch folder) and writes `audit.json` to `out`.
/// What the audit runs: a comparison pack of `mechanisms` × `repetitions`, on each thread count
/// of `threads` and as `shards` shards merged.
pub struct AuditPlan<'a> {
    pub mechanisms: &'a [MechanismSettings],
    pub repetitions: u64,
    pub threads: &'a [usize],
    pub shards: usize,
}

pub fn audit(
    scenario: &Scenario,
    plan: &AuditPlan,
    work: &Path,
    out: &Path,
    force: bool,
) -> Result<Audit, AuditError> {
    let AuditPlan {
        mechanisms,
        repetitions,
        threads,
        shards,
    } = *plan;
    let mut w = BundleWriter::create(out, force)?;
    let mut verdicts = Vec::new();
    let quiet = |_: &str, _: u64, _: u64| {};
    let mut dirs = Vec::new();
    for &t in threads {
        let dir = work.join(format!("compare-threads-{t}"));
        let exec = Execution {
            threads: t,
            progress: &quiet,
            checkpoint: None,
            resume: false,
            tables: TableFormat::Csv,
        };
        compare_pack(scenario, mechanisms, repetitions, &exec, &dir, true)?;
        dirs.push((t, dir));
    }
    for (t, dir) in &dirs[1..] {
        let check = format!("threads {} vs {}", dirs[0].0, t);
        compare_dirs(&check, "compare", &dirs[0].1, dir, &mut verdicts)?;
    }
    // The same pack split into shards (as a Slurm job array would run it) and merged.
    let plan_dir = work.join("shard-plan");
    let slurm = SlurmOptions {
        binary: PathBuf::from("target/release/xtask"),
        partition: None,
        time: "01:00:00".to_owned(),
        mem: "2G".to_owned(),
        cpus_per_task: 1,
        max_parallel: None,
    };
    let manifest = plan_shards(
        PackKind::Compare,
        scenario,
        mechanisms,
        repetitions,
        None,
        shards,
        &slurm,
        &plan_dir,
        true,
    )?;
    for i in 0..manifest.shards.len() {
        run_shard(&plan_dir, i, 0, &|_, _| {})?;
    }
    let merged = work.join("compare-shards-merged");
    merge_shards(&plan_dir, &merged, true)?;
    let check = format!(
        "threads {} vs {} shards merged",
        dirs[0].0,
        manifest.shards.len()
    );
    compare_dirs(&check, "compare", &dirs[0].1, &merged, &mut verdicts)?;

    // One seeded run per mechanism, re-derived from its manifest.
    for m in mechanisms {
        let sc = Scenario {
            mechanism: *m,
            ..scenario.clone()
        };
        let name = format!("run-{}", m.label().replace(':', "-"));
        let original = work.join(&name);
        write_run_bundle(
            &sc,
            &original,
            &RunBundleOptions {
                events: true,
                force: true,
                repetition: 0,
                lobster: None,
                tables: TableFormat::Csv,
            },
        )?;
        rederive_run(
            &original,
            &work.join(format!("{name}-rederived")),
            &mut verdicts,
        )?;
    }
    let a = Audit {
        schema_version: AUDIT_SCHEMA_VERSION,
        scenario_id: scenario.id.clone(),
        repetitions,
        mechanisms: mechanisms.iter().map(MechanismSettings::label).collect(),
        threads: threads.to_vec(),
        shards,
        mismatches: verdicts.iter().filter(|v| !v.identical).count(),
        verdicts,
    };
    w.write_json("audit.json", &a)?;
    w.commit()?;
    Ok(a)
}
