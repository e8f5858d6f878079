//! From a pack's run records to its summary: per cell, mechanism and metric a mean with a
//! Student-t 95% interval, and paired contrasts against a reference with effect sizes, the
//! variance reduction of pairing and Holm-adjusted p-values (`docs/statistics.md`).
//!
//! Pairing is valid because repetition r of every cell and every mechanism draws the same random
//! numbers (`docs/seed-protocol.md`). A metric missing in a run is counted, not averaged as zero;
//! a contrast uses the repetitions where both sides have the metric.

use super::pack::{PackPlan, RunRecord};
use crate::artifacts::BundleKind;
use crate::artifacts::tables::{Column, opt_float_cell};
use crate::scenario::{Cell, FACTOR_COLUMNS};
use crate::stats::{Estimate, PairedComparison, StatsError, Summary, holm_adjust};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Schema of `summary.json`, `summary.csv` and `runs.csv`; bumped only on purpose.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

/// The metrics a pack's terminal table and report lead with ([`crate::metrics::names::HEADLINE`]).
pub const HEADLINE_METRICS: [&str; 10] = crate::metrics::names::HEADLINE;

/// One cell × mechanism × metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricSummary {
    pub cell: String,
    pub mechanism: String,
    pub metric: String,
    /// Runs where the metric is missing, by reason.
    pub missing: BTreeMap<String, usize>,
    #[serde(flatten)]
    pub summary: Summary,
}

/// A paired comparison of one metric between a treatment and a reference arm.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairedContrast {
    pub metric: String,
    pub cell: String,
    pub mechanism: String,
    pub reference_cell: String,
    pub reference_mechanism: String,
    /// Repetitions with the metric on both sides.
    pub pairs: usize,
    /// Holm-adjusted p-value of the paired t test, over the metrics of this comparison.
    pub p_holm: Estimate,
    #[serde(flatten)]
    pub comparison: PairedComparison,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PackSummary {
    pub schema_version: u32,
    pub kind: BundleKind,
    pub scenario_id: String,
    pub repetitions: u64,
    pub cells: Vec<String>,
    pub mechanisms: Vec<String>,
    pub metrics: Vec<MetricSummary>,
    pub contrasts: Vec<PairedContrast>,
}

/// Which arm is compared with which: `((cell, mechanism), (reference cell, reference mechanism))`.
pub type Arms = ((usize, usize), (usize, usize));

/// Values of `metric` in arm (cell, mechanism), indexed by repetition (`None`: missing).
fn column(
    records: &[RunRecord],
    reps: u64,
    cell: usize,
    mech: usize,
    metric: &str,
) -> Vec<Option<f64>> {
    let mut v = vec![None; reps as usize];
    for r in records
        .iter()
        .filter(|r| r.key.cell == cell && r.key.mechanism == mech)
    {
        v[r.key.repetition as usize] = r.metrics.get(metric).copied();
    }
    v
}

/// Summarises a pack's records (as returned by `run_pack`, in index order) and makes the paired
/// contrasts `arms`, each with Holm's correction over its metrics.
pub fn summarize(
    kind: BundleKind,
    scenario_id: &str,
    plan: &PackPlan,
    records: &[RunRecord],
    arms: &[Arms],
) -> Result<PackSummary, StatsError> {
    let names: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.metrics.keys().chain(r.missing.keys()))
        .map(String::as_str)
        .collect();
    let reps = plan.repetitions;
    let mut metrics = Vec::new();
    for cell in 0..plan.cell_labels.len() {
        for mech in 0..plan.mechanism_labels.len() {
            for &name in &names {
                let values: Vec<f64> = column(records, reps, cell, mech, name)
                    .into_iter()
                    .flatten()
                    .collect();
                let mut missing = BTreeMap::new();
                for r in records
                    .iter()
                    .filter(|r| r.key.cell == cell && r.key.mechanism == mech)
                {
                    if let Some(reason) = r.missing.get(name) {
                        *missing.entry(reason.clone()).or_insert(0) += 1;
                    }
                }
                metrics.push(MetricSummary {
                    cell: plan.cell_labels[cell].clone(),
                    mechanism: plan.mechanism_labels[mech].clone(),
                    metric: name.to_owned(),
                    missing,
                    summary: Summary::of(&values)?,
                });
            }
        }
    }
    let mut contrasts = Vec::new();
    for &((cell, mech), (rcell, rmech)) in arms {
        let mut block = Vec::new();
        for &name in &names {
            let a = column(records, reps, cell, mech, name);
            let b = column(records, reps, rcell, rmech, name);
            let (ta, tb): (Vec<f64>, Vec<f64>) = a
                .iter()
                .zip(&b)
                .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
                .unzip();
            block.push((name, ta.len(), PairedComparison::of(&ta, &tb)?));
        }
        let raw: Vec<Estimate> = block.iter().map(|(_, _, c)| c.paired.p_value).collect();
        for ((name, pairs, comparison), p_holm) in block.into_iter().zip(holm_adjust(&raw)?) {
            contrasts.push(PairedContrast {
                metric: name.to_owned(),
                cell: plan.cell_labels[cell].clone(),
                mechanism: plan.mechanism_labels[mech].clone(),
                reference_cell: plan.cell_labels[rcell].clone(),
                reference_mechanism: plan.mechanism_labels[rmech].clone(),
                pairs,
                p_holm,
                comparison,
            });
        }
    }
    Ok(PackSummary {
        schema_version: SUMMARY_SCHEMA_VERSION,
        kind,
        scenario_id: scenario_id.to_owned(),
        repetitions: reps,
        cells: plan.cell_labels.clone(),
        mechanisms: plan.mechanism_labels.clone(),
        metrics,
        contrasts,
    })
}

fn cell(e: Estimate) -> String {
    opt_float_cell(e.value())
}

/// The factor cells ([`Cell::factor_cells`]) of the cell labelled `label`, where `labels[i]` is
/// the label of `cells[i]`; empty cells for a label of no cell.
fn factors_of(labels: &[String], cells: &[Cell], label: &str) -> [String; FACTOR_COLUMNS.len()] {
    labels
        .iter()
        .position(|l| l == label)
        .and_then(|i| cells.get(i))
        .unwrap_or(&Cell::BASE)
        .factor_cells()
}

/// The columns of `summary.csv`: the grid factors of the row's cell last.
pub const SUMMARY_COLUMNS: [Column; 14] = [
    Column::text("cell"),
    Column::text("mechanism"),
    Column::text("metric"),
    Column::int("n"),
    Column::int("n_missing"),
    Column::float("mean"),
    Column::float("sd"),
    Column::float("se"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::float("min"),
    Column::float("max"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// `summary.csv`: one row per cell × mechanism × metric. `cells[i]` is the grid cell labelled
/// `s.cells[i]` (its factors fill the factor columns).
pub fn summary_rows(s: &PackSummary, cells: &[Cell]) -> Vec<[String; 14]> {
    s.metrics
        .iter()
        .map(|m| {
            let n_missing: usize = m.missing.values().sum();
            let [informed_count, latency_scale] = factors_of(&s.cells, cells, &m.cell);
            [
                m.cell.clone(),
                m.mechanism.clone(),
                m.metric.clone(),
                m.summary.n.to_string(),
                n_missing.to_string(),
                cell(m.summary.mean),
                cell(m.summary.sd),
                cell(m.summary.se),
                cell(m.summary.ci95_low),
                cell(m.summary.ci95_high),
                cell(m.summary.min),
                cell(m.summary.max),
                informed_count,
                latency_scale,
            ]
        })
        .collect()
}

/// The columns of `contrasts.csv`: the grid factors of the row's (treatment) `cell` last.
pub const CONTRAST_COLUMNS: [Column; 18] = [
    Column::text("metric"),
    Column::text("cell"),
    Column::text("mechanism"),
    Column::text("reference_cell"),
    Column::text("reference_mechanism"),
    Column::int("pairs"),
    Column::float("mean_difference"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::float("p_value"),
    Column::float("p_holm"),
    Column::float("cohens_dz"),
    Column::float("hedges_g_av"),
    Column::float("variance_reduction"),
    Column::float("welch_ci95_low"),
    Column::float("welch_ci95_high"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// `contrasts.csv`: one row per paired contrast and metric. `cells` as for [`summary_rows`].
pub fn contrast_rows(s: &PackSummary, cells: &[Cell]) -> Vec<[String; 18]> {
    s.contrasts
        .iter()
        .map(|c| {
            let p = &c.comparison;
            let [informed_count, latency_scale] = factors_of(&s.cells, cells, &c.cell);
            [
                c.metric.clone(),
                c.cell.clone(),
                c.mechanism.clone(),
                c.reference_cell.clone(),
                c.reference_mechanism.clone(),
                c.pairs.to_string(),
                cell(p.paired.difference),
                cell(p.paired.ci95_low),
                cell(p.paired.ci95_high),
                cell(p.paired.p_value),
                cell(c.p_holm),
                cell(p.cohens_dz),
                cell(p.hedges_g_av),
                cell(p.variance_reduction),
                cell(p.welch.ci95_low),
                cell(p.welch.ci95_high),
                informed_count,
                latency_scale,
            ]
        })
        .collect()
}

/// The columns of `runs.csv`: the grid factors of the run's cell last.
pub const RUN_COLUMNS: [Column; 8] = [
    Column::text("cell"),
    Column::text("mechanism"),
    Column::int("repetition"),
    Column::text("metric"),
    Column::float("value"),
    Column::text("missing_reason"),
    FACTOR_COLUMNS[0],
    FACTOR_COLUMNS[1],
];

/// `runs.csv`: one row per run × metric, in run order then metric name. `cells[i]` is the grid
/// cell of the plan's cell `i`.
pub fn run_rows(plan: &PackPlan, records: &[RunRecord], cells: &[Cell]) -> Vec<[String; 8]> {
    let mut rows = Vec::new();
    for r in records {
        let names: BTreeSet<&String> = r.metrics.keys().chain(r.missing.keys()).collect();
        let [informed_count, latency_scale] =
            cells.get(r.key.cell).unwrap_or(&Cell::BASE).factor_cells();
        for name in names {
            rows.push([
                plan.cell_labels[r.key.cell].clone(),
                plan.mechanism_labels[r.key.mechanism].clone(),
                r.key.repetition.to_string(),
                name.clone(),
                opt_float_cell(r.metrics.get(name).copied()),
                r.missing.get(name).cloned().unwrap_or_default(),
                informed_count.clone(),
                latency_scale.clone(),
            ]);
        }
    }
    rows
}
