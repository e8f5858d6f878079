//! From a pack's run records to its summary: per cell, mechanism and metric a mean with a
//! Student-t 95% interval, and paired contrasts against a reference with effect sizes, the
//! variance reduction of pairing and Holm-adjusted p-values (`docs/statistics.md`).
//!
//! Pairing is valid because repetition r of every cell and every mechanism draws the same random
//! numbers (`docs/seed-protocol.md`). A metric missing in a run is counted, not averaged as zero;
//! a contrast uses the repetitions where both sides have the metric.

use super::pack::{PackPlan, RunRecord};
use crate::artifacts::BundleKind;
use crate::scenario::Cell;
use crate::schema::pack_rows::factors;
pub use crate::schema::{
    CONTRAST_COLUMNS, ContrastRow, RUN_COLUMNS, RunRow, SUMMARY_COLUMNS, SummaryRow,
};
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

/// The grid factors of the cell labelled `label`, where `labels[i]` is the label of `cells[i]`
/// (`None`s for a label of no cell).
fn factors_of(labels: &[String], cells: &[Cell], label: &str) -> (Option<u32>, Option<f64>) {
    factors(
        labels
            .iter()
            .position(|l| l == label)
            .and_then(|i| cells.get(i))
            .unwrap_or(&Cell::BASE),
    )
}

/// `summary.csv`: one row per cell × mechanism × metric. `cells[i]` is the grid cell labelled
/// `s.cells[i]` (its factors fill the factor columns).
pub fn summary_rows(s: &PackSummary, cells: &[Cell]) -> Vec<SummaryRow> {
    s.metrics
        .iter()
        .map(|m| {
            let (informed_count, latency_scale) = factors_of(&s.cells, cells, &m.cell);
            SummaryRow {
                cell: m.cell.clone(),
                mechanism: m.mechanism.clone(),
                metric: m.metric.clone(),
                n: m.summary.n as u64,
                n_missing: m.missing.values().sum::<usize>() as u64,
                mean: m.summary.mean.value(),
                sd: m.summary.sd.value(),
                se: m.summary.se.value(),
                ci95_low: m.summary.ci95_low.value(),
                ci95_high: m.summary.ci95_high.value(),
                min: m.summary.min.value(),
                max: m.summary.max.value(),
                informed_count,
                latency_scale,
            }
        })
        .collect()
}

/// `contrasts.csv`: one row per paired contrast and metric. `cells` as for [`summary_rows`].
pub fn contrast_rows(s: &PackSummary, cells: &[Cell]) -> Vec<ContrastRow> {
    s.contrasts
        .iter()
        .map(|c| {
            let p = &c.comparison;
            let (informed_count, latency_scale) = factors_of(&s.cells, cells, &c.cell);
            ContrastRow {
                metric: c.metric.clone(),
                cell: c.cell.clone(),
                mechanism: c.mechanism.clone(),
                reference_cell: c.reference_cell.clone(),
                reference_mechanism: c.reference_mechanism.clone(),
                pairs: c.pairs as u64,
                mean_difference: p.paired.difference.value(),
                ci95_low: p.paired.ci95_low.value(),
                ci95_high: p.paired.ci95_high.value(),
                p_value: p.paired.p_value.value(),
                p_holm: c.p_holm.value(),
                cohens_dz: p.cohens_dz.value(),
                hedges_g_av: p.hedges_g_av.value(),
                variance_reduction: p.variance_reduction.value(),
                welch_ci95_low: p.welch.ci95_low.value(),
                welch_ci95_high: p.welch.ci95_high.value(),
                informed_count,
                latency_scale,
            }
        })
        .collect()
}

/// `runs.csv`: one row per run × metric, in run order then metric name. `cells[i]` is the grid
/// cell of the plan's cell `i`.
pub fn run_rows(plan: &PackPlan, records: &[RunRecord], cells: &[Cell]) -> Vec<RunRow> {
    let mut rows = Vec::new();
    for r in records {
        let names: BTreeSet<&String> = r.metrics.keys().chain(r.missing.keys()).collect();
        let (informed_count, latency_scale) = factors(cells.get(r.key.cell).unwrap_or(&Cell::BASE));
        for name in names {
            rows.push(RunRow {
                cell: plan.cell_labels[r.key.cell].clone(),
                mechanism: plan.mechanism_labels[r.key.mechanism].clone(),
                repetition: r.key.repetition,
                metric: name.clone(),
                value: r.metrics.get(name).copied(),
                missing_reason: r.missing.get(name).cloned(),
                informed_count,
                latency_scale,
            });
        }
    }
    rows
}
