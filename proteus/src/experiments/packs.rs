//! The packs a researcher runs: calibration, the baseline grid and the mechanism comparison,
//! each written as a bundle (`docs/experiments.md`).

use super::calibrate::{
    CANDIDATE_COLUMNS, Calibration, CalibrationError, SENSITIVITY_COLUMNS, calibrate,
    candidate_rows, load_selected_regime, read_calibration_file, sensitivity_rows,
};
use super::execution::Execution;
use super::pack::{MAX_REPETITIONS, PackError, PackPlan, RunRecord};
use super::summary::{
    Arms, CONTRAST_COLUMNS, PackSummary, RUN_COLUMNS, SUMMARY_COLUMNS, contrast_rows, run_rows,
    summarize, summary_rows,
};
use crate::artifacts::{ArtifactError, BundleKind, BundleWriter, sha256_hex};
use crate::report::{self, ReportError};
use crate::scenario::{Cell, MarketMakerRegime, MechanismSettings, Scenario};
use crate::schema::{PackBody, PackManifest, PackSeeds, PlanRecord};
use crate::stats::StatsError;

use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExperimentError {
    #[error("making the pack's report: {0}")]
    Report(#[from] ReportError),
    #[error("repetitions must be at least 1 (got 0)")]
    NoRepetitions,
    #[error("repetitions must be in [1, {MAX_REPETITIONS}] (got {0})")]
    TooManyRepetitions(u64),
    #[error("no mechanisms to compare: give at least one, e.g. --mechanisms clob,fba:100ms")]
    NoMechanisms,
    #[error("mechanism {0:?} is listed twice")]
    DuplicateMechanism(String),
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error(transparent)]
    Calibration(#[from] CalibrationError),
    #[error("statistics: {0}")]
    Stats(#[from] StatsError),
}

/// The schema of pack manifests.
pub const PACK_SCHEMA_VERSION: u32 = 1;

/// The report files of the pack staged in `w`, from its data files: the manifest's `derived`.
fn report_names(w: &BundleWriter, kind: BundleKind) -> Result<Vec<String>, ReportError> {
    report::pack_report_names(w.staging_dir(), kind, &w.digests())
}

/// A pack's manifest of this build, listing the files staged in `w` and the report it will
/// have.
fn pack_manifest(
    w: &BundleWriter,
    kind: BundleKind,
    body: PackBody,
) -> Result<PackManifest, ReportError> {
    let derived = report_names(w, kind)?;
    Ok(PackManifest::new(
        kind,
        PACK_SCHEMA_VERSION,
        body,
        w.digests(),
        Some(derived),
    ))
}

/// Writes the manifest, then the report made by reading the staged files back, exactly as
/// `cargo xtask report` would.
fn write_manifest_and_report(
    w: &mut BundleWriter,
    manifest: &PackManifest,
) -> Result<(), ExperimentError> {
    w.write_json("manifest.json", manifest)?;
    let files = report::build_pack_report(w.staging_dir())?.files;
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        Some(names),
        manifest
            .derived
            .as_ref()
            .map(|d| d.iter().map(String::as_str).collect()),
        "the report's files are the ones the manifest lists"
    );
    for (name, bytes) in &files {
        w.write_derived(name, bytes)?;
    }
    Ok(())
}

fn write_calibration(w: &mut BundleWriter, c: &Calibration) -> Result<(), ArtifactError> {
    w.write_json("calibration.json", c)?;
    w.write_csv(
        "calibration_candidates.csv",
        &CANDIDATE_COLUMNS,
        candidate_rows(c),
    )?;
    w.write_csv("sensitivity.csv", &SENSITIVITY_COLUMNS, sensitivity_rows(c))
}

fn write_pack(
    w: &mut BundleWriter,
    plan: &PackPlan,
    cells: &[Cell],
    s: &PackSummary,
    records: &[RunRecord],
) -> Result<(), ArtifactError> {
    w.write_json("summary.json", s)?;
    w.write_csv("summary.csv", &SUMMARY_COLUMNS, summary_rows(s, cells))?;
    w.write_csv("contrasts.csv", &CONTRAST_COLUMNS, contrast_rows(s, cells))?;
    w.write_csv("runs.csv", &RUN_COLUMNS, run_rows(plan, records, cells))
}

/// `cargo xtask calibrate`: the calibration bundle.
pub fn calibration_pack(
    scenario: &Scenario,
    exec: &Execution,
    out: &Path,
    force: bool,
) -> Result<Calibration, ExperimentError> {
    let mut w = pack_writer(out, force, exec)?;
    let c = calibrate(scenario, exec)?;
    write_calibration(&mut w, &c)?;
    let body = PackBody {
        scenario: scenario.clone(),
        plan: None,
        seeds: PackSeeds::of(scenario, scenario.calibration.repetitions),
        calibration_source: None,
    };
    let manifest = pack_manifest(&w, BundleKind::Calibration, body)?;
    write_manifest_and_report(&mut w, &manifest)?;
    w.commit()?;
    exec.finish()?;
    Ok(c)
}

/// What a baseline or comparison produced.
#[derive(Debug)]
pub struct PackOutcome {
    pub path: PathBuf,
    pub summary: PackSummary,
    pub calibration: Option<Calibration>,
    pub runs: u64,
    pub events: u64,
}

/// A baseline or comparison before it runs: the plan, the contrasts and everything its manifest
/// records. The single-process commands and the shards of `experiments::shard` build it the same
/// way, run `plan`, and hand the records to [`write_pack_bundle`], so their bundles agree byte
/// for byte.
#[derive(Clone, Debug)]
pub struct PackSpec {
    /// [`BundleKind::Baseline`] or [`BundleKind::Compare`].
    pub kind: BundleKind,
    /// The scenario as given (its seed and id go into the manifest's `seeds`).
    pub scenario: Scenario,
    /// The scenario the manifest records (the calibrated one for a baseline).
    pub manifest_scenario: Scenario,
    pub plan: PackPlan,
    /// The grid cell of each of `plan`'s cells, index for index (`Cell::BASE` for a comparison):
    /// the typed factor columns of the pack's tables.
    pub cells: Vec<Cell>,
    pub arms: Vec<Arms>,
    pub reference_cell: usize,
    pub reference_mechanism: usize,
    /// A calibration made in this process, written into the bundle.
    pub calibration: Option<Calibration>,
    /// Where the regime came from, as the manifest says (`None` for a comparison).
    pub calibration_source: Option<String>,
}

/// The regime selected in the calibration file `path`, and the manifest's description of it
/// (`file PATH (sha256 DIGEST)`).
pub fn calibration_from_file(path: &Path) -> Result<(MarketMakerRegime, String), ExperimentError> {
    let regime = load_selected_regime(path)?;
    let bytes = read_calibration_file(path)?;
    Ok((
        regime,
        format!("file {} (sha256 {})", path.display(), sha256_hex(&bytes)),
    ))
}

/// Refuses a repetition count outside `[1, MAX_REPETITIONS]`, before anything runs.
pub fn check_repetitions(repetitions: u64) -> Result<(), ExperimentError> {
    match repetitions {
        0 => Err(ExperimentError::NoRepetitions),
        r if r > MAX_REPETITIONS => Err(ExperimentError::TooManyRepetitions(r)),
        _ => Ok(()),
    }
}

/// The baseline's plan: the regime `regime` over the scenario's grid × `repetitions`.
pub fn baseline_spec(
    scenario: &Scenario,
    repetitions: u64,
    regime: &MarketMakerRegime,
    calibration: Option<Calibration>,
    calibration_source: String,
) -> Result<PackSpec, ExperimentError> {
    check_repetitions(repetitions)?;
    let calibrated = scenario.with_regime(regime);
    let cells = scenario.grid.cells();
    let reference = scenario.grid.reference;
    let plan = PackPlan {
        cell_labels: cells.iter().map(Cell::label).collect(),
        mechanism_labels: vec![scenario.mechanism.label()],
        scenarios: cells.iter().map(|c| vec![calibrated.for_cell(c)]).collect(),
        repetitions,
    };
    let arms: Vec<Arms> = (0..cells.len())
        .filter(|&c| c != reference)
        .map(|c| ((c, 0), (reference, 0)))
        .collect();
    Ok(PackSpec {
        kind: BundleKind::Baseline,
        scenario: scenario.clone(),
        manifest_scenario: calibrated,
        plan,
        cells,
        arms,
        reference_cell: reference,
        reference_mechanism: 0,
        calibration,
        calibration_source: Some(calibration_source),
    })
}

/// The comparison's plan: the same repetitions under each mechanism, paired against the first.
pub fn compare_spec(
    scenario: &Scenario,
    mechanisms: &[MechanismSettings],
    repetitions: u64,
) -> Result<PackSpec, ExperimentError> {
    check_repetitions(repetitions)?;
    if mechanisms.is_empty() {
        return Err(ExperimentError::NoMechanisms);
    }
    let labels: Vec<String> = mechanisms.iter().map(MechanismSettings::label).collect();
    for (i, l) in labels.iter().enumerate() {
        if labels[..i].contains(l) {
            return Err(ExperimentError::DuplicateMechanism(l.clone()));
        }
    }
    let plan = PackPlan {
        cell_labels: vec![Cell::BASE.label()],
        mechanism_labels: labels,
        scenarios: vec![
            mechanisms
                .iter()
                .map(|m| Scenario {
                    mechanism: *m,
                    ..scenario.clone()
                })
                .collect(),
        ],
        repetitions,
    };
    Ok(PackSpec {
        kind: BundleKind::Compare,
        scenario: scenario.clone(),
        manifest_scenario: scenario.clone(),
        plan,
        cells: vec![Cell::BASE],
        arms: (1..mechanisms.len()).map(|m| ((0, m), (0, 0))).collect(),
        reference_cell: 0,
        reference_mechanism: 0,
        calibration: None,
        calibration_source: None,
    })
}

/// Summarises `records` (all of `spec.plan`'s runs, in index order) and writes the pack's bundle
/// through `w`: summary, contrasts, runs, the calibration when it was made in-process, and the
/// manifest. Returns the published path and the summary.
pub fn write_pack_bundle(
    mut w: BundleWriter,
    spec: &PackSpec,
    records: &[RunRecord],
) -> Result<(PathBuf, PackSummary), ExperimentError> {
    let plan = &spec.plan;
    let summary = summarize(spec.kind, &spec.scenario.id, plan, records, &spec.arms)?;
    write_pack(&mut w, plan, &spec.cells, &summary, records)?;
    if let Some(c) = &spec.calibration {
        write_calibration(&mut w, c)?;
    }
    let body = PackBody {
        scenario: spec.manifest_scenario.clone(),
        plan: Some(PlanRecord {
            cells: plan.cell_labels.clone(),
            mechanisms: plan.mechanism_labels.clone(),
            repetitions: plan.repetitions,
            reference_cell: spec.reference_cell,
            reference_mechanism: spec.reference_mechanism,
        }),
        seeds: PackSeeds::of(&spec.scenario, plan.repetitions),
        calibration_source: spec.calibration_source.clone(),
    };
    let manifest = pack_manifest(&w, spec.kind, body)?;
    write_manifest_and_report(&mut w, &manifest)?;
    let path = w.commit()?;
    Ok((path, summary))
}

/// The pack's bundle writer, refusing a non-empty `out` (unless `force`) and a table format this
/// build cannot write before any run starts.
fn pack_writer(out: &Path, force: bool, exec: &Execution) -> Result<BundleWriter, ArtifactError> {
    let mut w = BundleWriter::create(out, force)?;
    w.set_tables(exec.tables)?;
    Ok(w)
}

fn run_spec(
    spec: PackSpec,
    w: BundleWriter,
    exec: &Execution,
) -> Result<PackOutcome, ExperimentError> {
    let records = exec.run(spec.kind.as_str(), &spec.plan)?;
    let (path, summary) = write_pack_bundle(w, &spec, &records)?;
    exec.finish()?;
    Ok(PackOutcome {
        path,
        runs: spec.plan.run_count(),
        events: records.iter().map(|r| r.events).sum(),
        summary,
        calibration: spec.calibration,
    })
}

/// `cargo xtask baseline`: the calibrated regime over the scenario's grid × repetitions.
pub fn baseline_pack(
    scenario: &Scenario,
    repetitions: u64,
    calibration_file: Option<&Path>,
    exec: &Execution,
    out: &Path,
    force: bool,
) -> Result<PackOutcome, ExperimentError> {
    check_repetitions(repetitions)?;
    let w = pack_writer(out, force, exec)?;
    let spec = match calibration_file {
        Some(path) => {
            let (regime, source) = calibration_from_file(path)?;
            baseline_spec(scenario, repetitions, &regime, None, source)?
        }
        None => {
            let c = calibrate(scenario, exec)?;
            let regime = c.selected;
            baseline_spec(
                scenario,
                repetitions,
                &regime,
                Some(c),
                "calibrated in this run (calibration.json)".to_owned(),
            )?
        }
    };
    run_spec(spec, w, exec)
}

/// `cargo xtask compare`: the same repetitions under each mechanism, paired against the first.
pub fn compare_pack(
    scenario: &Scenario,
    mechanisms: &[MechanismSettings],
    repetitions: u64,
    exec: &Execution,
    out: &Path,
    force: bool,
) -> Result<PackOutcome, ExperimentError> {
    let spec = compare_spec(scenario, mechanisms, repetitions)?;
    let w = pack_writer(out, force, exec)?;
    run_spec(spec, w, exec)
}
