//! Scale-out of an empirical game: the payoff runs split into shards (a Slurm job array runs
//! one each: `cargo xtask equilibrium --shard K/N --out DIR`), merged by
//! `cargo xtask equilibrium --merge DIR... --out OUT` into exactly the bundle one process
//! writes (the merge solves the game and runs the welfare runs itself).
//!
//! Shard `K` of `N` holds a contiguous range of the flat payoff-run index
//! ([`super::empirical::job_count`]: mechanism-major, then profile, then repetition), the ranges
//! balanced so their sizes differ by at most one. A shard folder holds `runs.json` (each run's
//! payoffs and welfare measures; JSON numbers read back to the same `f64` bits) and a
//! `manifest.json` of kind `equilibrium-shard` with the game's identity: the SHA-256 of the
//! strategies (after command-line overrides), the base scenario, the mechanisms and the
//! repetitions. The merge refuses shards of another identity, a missing or repeated run, and a
//! `runs.json` whose digest is not the manifest's.

use super::empirical::{
    EmpiricalGame, EquilibriumError, GameOptions, RunOutcome, assemble, job_count, run_jobs,
};
use super::spec::{BaseScenario, GameSpec};
use crate::artifacts::{BundleKind, BundleWriter, Manifest, read_limited, sha256_hex};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};

pub const SHARD_KIND: &str = BundleKind::EquilibriumShard.as_str();
pub const SHARD_SCHEMA_VERSION: u32 = 1;
/// The most bytes a shard's `runs.json` may hold.
pub const MAX_RUNS_FILE_BYTES: u64 = 1 << 30;

/// The runs of shard `k` of `n` among `total` (module docs).
pub fn shard_range(total: u64, k: u64, n: u64) -> Range<u64> {
    let (base, extra) = (total / n, total % n);
    let start = k * base + k.min(extra);
    start..start + base + u64::from(k < extra)
}

/// The game's identity (module docs).
pub fn identity(base: &BaseScenario, spec: &GameSpec, opts: &GameOptions) -> String {
    let v = serde_json::json!({
        "strategies": spec,
        "scenario": base.scenario,
        "mechanisms": opts.mechanisms,
        "repetitions": opts.repetitions,
    });
    sha256_hex(serde_json::to_string(&v).expect("plain data").as_bytes())
}

/// The body of a shard's manifest (the frame: [`crate::schema::Manifest`]).
#[derive(Serialize, Deserialize)]
struct ShardBody {
    identity: String,
    game: String,
    shard: u64,
    shards: u64,
    first_run: u64,
    runs: u64,
    total_runs: u64,
}

type ShardManifest = Manifest<ShardBody>;

/// One run as stored: NaN (no player of a strategy; an undefined measure) as `null`.
#[derive(Serialize, Deserialize)]
struct StoredRun {
    payoffs: Vec<Vec<Option<f64>>>,
    welfare: Vec<Option<f64>>,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Runs shard `k` of `n` and writes its folder atomically.
#[allow(clippy::too_many_arguments)]
pub fn write_shard(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    k: u64,
    n: u64,
    out: &Path,
    force: bool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<PathBuf, EquilibriumError> {
    let total = job_count(spec, opts)?;
    if n == 0 || n > total || k >= n {
        return Err(EquilibriumError::Shard {
            path: out.to_owned(),
            why: format!(
                "--shard {k}/{n}: N must be in [1, {total}] (the game's payoff runs) and K in \
                 [0, N - 1]"
            ),
        });
    }
    let mut w = BundleWriter::create(out, force)?;
    let range = shard_range(total, k, n);
    let runs = run_jobs(base, spec, opts, range.clone(), progress)?;
    let stored: Vec<StoredRun> = runs
        .iter()
        .map(|r| StoredRun {
            payoffs: r
                .payoffs
                .iter()
                .map(|row| row.iter().map(|&x| finite(x)).collect())
                .collect(),
            welfare: r.welfare.iter().map(|&x| finite(x)).collect(),
        })
        .collect();
    w.write_json("runs.json", &stored)?;
    let body = ShardBody {
        identity: identity(base, spec, opts),
        game: spec.game.clone(),
        shard: k,
        shards: n,
        first_run: range.start,
        runs: range.end - range.start,
        total_runs: total,
    };
    let manifest = ShardManifest::new(
        BundleKind::EquilibriumShard,
        SHARD_SCHEMA_VERSION,
        body,
        w.digests(),
        None,
    );
    w.write_json("manifest.json", &manifest)?;
    Ok(w.commit()?)
}

fn bad(path: &Path, why: impl Into<String>) -> EquilibriumError {
    EquilibriumError::Shard {
        path: path.to_owned(),
        why: why.into(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<(T, Vec<u8>), EquilibriumError> {
    let bytes = read_limited(path, MAX_RUNS_FILE_BYTES)
        .map_err(|e| bad(path, format!("cannot be read: {e}")))?;
    let v = serde_json::from_slice(&bytes).map_err(|e| bad(path, format!("not valid: {e}")))?;
    Ok((v, bytes))
}

/// The empirical game from shard folders (module docs).
pub fn merge_shards(
    base: &BaseScenario,
    spec: &GameSpec,
    opts: &GameOptions,
    dirs: &[PathBuf],
) -> Result<EmpiricalGame, EquilibriumError> {
    let total = job_count(spec, opts)?;
    let want = identity(base, spec, opts);
    let mut slots: Vec<Option<RunOutcome>> = vec![None; total as usize];
    let mut shards: Option<u64> = None;
    for dir in dirs {
        let mpath = dir.join("manifest.json");
        let (head, bytes): (serde_json::Value, _) = read_json(&mpath)?;
        let (kind, schema) = (&head["kind"], &head["schema_version"]);
        if kind != SHARD_KIND || schema.as_u64() != Some(u64::from(SHARD_SCHEMA_VERSION)) {
            return Err(bad(
                &mpath,
                format!(
                    "kind {kind} schema {schema}: not an equilibrium shard of schema {SHARD_SCHEMA_VERSION}"
                ),
            ));
        }
        let m: ShardManifest =
            serde_json::from_slice(&bytes).map_err(|e| bad(&mpath, format!("not valid: {e}")))?;
        let (m, files) = (m.body, m.files);
        if m.identity != want {
            return Err(bad(
                &mpath,
                "a shard of another game (its strategies, scenario, mechanisms or repetitions \
                 differ from this command's); merge with the flags the shards ran with",
            ));
        }
        if *shards.get_or_insert(m.shards) != m.shards || m.total_runs != total {
            return Err(bad(&mpath, "shards of different plans (N differs)"));
        }
        let rpath = dir.join("runs.json");
        let (runs, bytes): (Vec<StoredRun>, _) = read_json(&rpath)?;
        let digest = files.iter().find(|f| f.name == "runs.json");
        if digest.is_none_or(|d| d.sha256 != sha256_hex(&bytes)) {
            return Err(bad(
                &rpath,
                "its SHA-256 is not the one its manifest.json states",
            ));
        }
        if runs.len() as u64 != m.runs || m.first_run + m.runs > total {
            return Err(bad(
                &rpath,
                "holds a different number of runs than its manifest states",
            ));
        }
        for (i, r) in runs.into_iter().enumerate() {
            let slot = &mut slots[(m.first_run + i as u64) as usize];
            if slot.is_some() {
                return Err(bad(
                    dir,
                    format!("run {} is in two shards", m.first_run + i as u64),
                ));
            }
            let welfare: [f64; 8] = r
                .welfare
                .iter()
                .map(|x| x.unwrap_or(f64::NAN))
                .collect::<Vec<_>>()
                .try_into()
                .map_err(|_| bad(&rpath, "a run without its 8 welfare measures"))?;
            *slot = Some(RunOutcome {
                payoffs: r
                    .payoffs
                    .iter()
                    .map(|row| row.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
                    .collect(),
                welfare,
            });
        }
    }
    let missing = slots.iter().filter(|s| s.is_none()).count();
    if missing > 0 {
        let first = slots.iter().position(Option::is_none).unwrap_or(0);
        return Err(EquilibriumError::Shard {
            path: dirs.first().cloned().unwrap_or_default(),
            why: format!(
                "{missing} of the game's {total} payoff runs are in no shard given (the first: \
                 run {first}); pass every shard folder"
            ),
        });
    }
    assemble(
        spec,
        opts,
        slots.into_iter().map(|s| s.expect("checked")).collect(),
    )
}
