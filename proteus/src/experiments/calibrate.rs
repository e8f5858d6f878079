//! Calibration: search market-maker regimes under low informed intensity, rank them against an
//! explicit objective, and show how the chosen regime behaves across informed activity and
//! latency.
//!
//! The objective, in order of precedence (`docs/experiments.md`):
//! 1. market-maker PnL per run not significantly negative: the upper end of its 95% CI is ≥ 0;
//! 2. mean quoted spread within `target_quoted_spread_ticks`;
//! 3. mean market-maker fill rate within `target_mm_fill_rate`;
//! 4. stable across seeds: the quoted spread's 95% CI half-width ≤ `max_spread_ci_halfwidth_ticks`.
//!
//! Candidates are ranked by the number of constraints they violate, then by mean quoted spread
//! (tighter is better for investors), then by their order in the grid. The first is selected.

use super::execution::Execution;
use super::pack::{PackError, PackPlan, RunRecord};
use crate::artifacts::{BundleKind, MAX_CONFIG_FILE_BYTES, ReadLimitError, read_limited};
use crate::core::ConfigError;
use crate::metrics::names;
use crate::scenario::{Cell, MarketMakerRegime, Scenario};
pub use crate::schema::calibration::{Calibration, CandidateScore, Checks, SensitivityCell};
pub use crate::schema::{CANDIDATE_COLUMNS, CandidateRow, SENSITIVITY_COLUMNS, SensitivityRow};
use crate::stats::{Estimate, StatsError, Summary};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use thiserror::Error;

/// Schema of `calibration.json`; bumped only on purpose.
pub const CALIBRATION_SCHEMA_VERSION: u32 = 1;

/// Metrics the objective reads.
const PNL: &str = names::PNL_MARKET_MAKER;
const SPREAD: &str = names::QUOTED_SPREAD_TW;
const FILL_RATE: &str = names::FILL_RATE_MARKET_MAKER;

/// Metrics reported for each sensitivity cell.
pub const SENSITIVITY_METRICS: [&str; 6] = [
    names::PNL_MARKET_MAKER,
    names::QUOTED_SPREAD_TW,
    names::EFFECTIVE_SPREAD_VW,
    names::PRICE_ERROR_RMSE,
    names::PNL_INFORMED,
    names::PNL_NOISE,
];

impl Checks {
    fn violations(&self) -> u32 {
        [
            self.mm_pnl_not_significantly_negative,
            self.quoted_spread_in_band,
            self.mm_fill_rate_in_band,
            self.quoted_spread_ci_narrow,
        ]
        .iter()
        .filter(|ok| !**ok)
        .count() as u32
    }
}

#[derive(Debug, Error)]
pub enum CalibrationError {
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error("statistics: {0}")]
    Stats(#[from] StatsError),
    /// Reading the calibration file failed (`reading calibration file PATH: why`).
    #[error(transparent)]
    Read(#[from] crate::artifacts::IoError),
    #[error("calibration file {path} is not a calibration: {why}")]
    Malformed { path: String, why: String },
    #[error("calibration file {path}: {cause}")]
    Invalid { path: String, cause: ConfigError },
    #[error("reading calibration file {path}: {cause}")]
    TooLarge {
        path: String,
        cause: crate::artifacts::ReadLimitError,
    },
    #[error(
        "calibration file {path} has schema version {found}; this Proteus reads version \
         {CALIBRATION_SCHEMA_VERSION} (re-run `cargo xtask calibrate`)"
    )]
    SchemaVersion { path: String, found: u64 },
}

fn in_band(x: Estimate, [lo, hi]: [f64; 2]) -> bool {
    x.value().is_some_and(|v| v >= lo && v <= hi)
}

fn summary_of(records: &[RunRecord], cell: usize, metric: &str) -> Result<Summary, StatsError> {
    let v: Vec<f64> = records
        .iter()
        .filter(|r| r.key.cell == cell)
        .filter_map(|r| r.metrics.get(metric).copied())
        .collect();
    Summary::of(&v)
}

/// The search's plan: every candidate regime of `scenario.calibration` under low informed
/// intensity, `repetitions` runs each.
pub fn search_plan(scenario: &Scenario) -> PackPlan {
    let cfg = &scenario.calibration;
    let low = scenario.for_cell(&Cell {
        informed_count: Some(cfg.informed_count),
        latency_scale: None,
    });
    let regimes = cfg.candidates();
    PackPlan {
        cell_labels: regimes.iter().map(MarketMakerRegime::label).collect(),
        mechanism_labels: vec![scenario.mechanism.label()],
        scenarios: regimes.iter().map(|r| vec![low.with_regime(r)]).collect(),
        repetitions: cfg.repetitions,
    }
}

/// Runs the search and the sensitivity diagnostics declared by `scenario.calibration`.
pub fn calibrate(scenario: &Scenario, exec: &Execution) -> Result<Calibration, CalibrationError> {
    let cfg = &scenario.calibration;
    let regimes = cfg.candidates();
    let plan = search_plan(scenario);
    let records = exec.run("calibration", &plan)?;
    let mut scores = Vec::new();
    for (i, regime) in regimes.iter().enumerate() {
        let pnl = summary_of(&records, i, PNL)?;
        let spread = summary_of(&records, i, SPREAD)?;
        let fill = summary_of(&records, i, FILL_RATE)?;
        let half_width = spread
            .ci95_high
            .value()
            .zip(spread.ci95_low.value())
            .map(|(h, l)| (h - l) / 2.0);
        let checks = Checks {
            mm_pnl_not_significantly_negative: pnl.ci95_high.value().is_some_and(|h| h >= 0.0),
            quoted_spread_in_band: in_band(spread.mean, cfg.target_quoted_spread_ticks),
            mm_fill_rate_in_band: in_band(fill.mean, cfg.target_mm_fill_rate),
            quoted_spread_ci_narrow: half_width
                .is_some_and(|w| w <= cfg.max_spread_ci_halfwidth_ticks),
        };
        scores.push(CandidateScore {
            rank: 0,
            label: regime.label(),
            regime: *regime,
            violations: checks.violations(),
            mm_pnl_ticks: pnl,
            quoted_spread_ticks: spread,
            mm_fill_rate: fill,
            checks,
        });
    }
    // Rank: fewest violations, then tightest mean spread (missing last), then grid order.
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |s: &CandidateScore| {
            (
                s.violations,
                s.quoted_spread_ticks.mean.value().unwrap_or(f64::INFINITY),
            )
        };
        let (ka, kb) = (key(&scores[a]), key(&scores[b]));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1)).then(a.cmp(&b))
    });
    for (rank, &i) in order.iter().enumerate() {
        scores[i].rank = rank + 1;
    }
    let best = &scores[order[0]];
    let feasible = scores.iter().filter(|s| s.violations == 0).count();
    let rationale = rationale(best, feasible, scores.len(), cfg);
    let selected = best.regime;
    let sensitivity = sensitivity(scenario, &selected, exec)?;
    Ok(Calibration {
        schema_version: CALIBRATION_SCHEMA_VERSION,
        kind: BundleKind::Calibration,
        scenario_id: scenario.id.clone(),
        objective: OBJECTIVE.to_owned(),
        informed_count: cfg.informed_count,
        repetitions: cfg.repetitions,
        selected,
        rationale,
        candidates: scores,
        sensitivity,
    })
}

const OBJECTIVE: &str = "Among market-maker regimes run under low informed intensity, prefer those \
whose market-maker PnL per run is not significantly negative (upper 95% CI bound >= 0), whose mean \
quoted spread and market-maker fill rate lie in their target bands, and whose quoted spread is \
stable across seeds (95% CI half-width at most the stated maximum). Rank by number of violated \
constraints, then by mean quoted spread (tighter first), then by grid order.";

fn fmt(e: Estimate) -> String {
    e.value()
        .map_or("missing".to_owned(), |v| format!("{v:.3}"))
}

fn rationale(
    best: &CandidateScore,
    feasible: usize,
    total: usize,
    cfg: &crate::scenario::CalibrationConfig,
) -> String {
    let head = if feasible > 0 {
        format!(
            "{feasible} of {total} candidates met every constraint; selected the one with the tightest quoted spread."
        )
    } else {
        format!(
            "No candidate met every constraint; selected the one with the fewest violations ({}) and then the tightest quoted spread.",
            best.violations
        )
    };
    format!(
        "{head} Selected {}: market-maker PnL {} ticks per run (95% CI {} to {}), quoted spread {} ticks \
         (target {} to {}; 95% CI {} to {}), market-maker fill rate {} (target {} to {}).",
        best.label,
        fmt(best.mm_pnl_ticks.mean),
        fmt(best.mm_pnl_ticks.ci95_low),
        fmt(best.mm_pnl_ticks.ci95_high),
        fmt(best.quoted_spread_ticks.mean),
        cfg.target_quoted_spread_ticks[0],
        cfg.target_quoted_spread_ticks[1],
        fmt(best.quoted_spread_ticks.ci95_low),
        fmt(best.quoted_spread_ticks.ci95_high),
        fmt(best.mm_fill_rate.mean),
        cfg.target_mm_fill_rate[0],
        cfg.target_mm_fill_rate[1],
    )
}

/// The sensitivity diagnostics' cells and plan: `regime` across the informed-count ×
/// latency-scale grid.
pub fn sensitivity_plan(scenario: &Scenario, regime: &MarketMakerRegime) -> (Vec<Cell>, PackPlan) {
    let cfg = &scenario.calibration;
    let base = scenario.with_regime(regime);
    let mut cells = Vec::new();
    for &n in &cfg.sensitivity_informed_count {
        for &s in &cfg.sensitivity_latency_scale {
            cells.push(Cell {
                informed_count: Some(n),
                latency_scale: Some(s),
            });
        }
    }
    let plan = PackPlan {
        cell_labels: cells.iter().map(Cell::label).collect(),
        mechanism_labels: vec![scenario.mechanism.label()],
        scenarios: cells.iter().map(|c| vec![base.for_cell(c)]).collect(),
        repetitions: cfg.repetitions,
    };
    (cells, plan)
}

/// The selected regime across the informed-count × latency-scale grid.
fn sensitivity(
    scenario: &Scenario,
    regime: &MarketMakerRegime,
    exec: &Execution,
) -> Result<Vec<SensitivityCell>, CalibrationError> {
    let (cells, plan) = sensitivity_plan(scenario, regime);
    let records = exec.run("sensitivity", &plan)?;
    let mut out = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let mut metrics = BTreeMap::new();
        for m in SENSITIVITY_METRICS {
            metrics.insert(m.to_owned(), summary_of(&records, i, m)?);
        }
        out.push(SensitivityCell {
            informed_count: c.informed_count.unwrap_or_default(),
            latency_scale: c.latency_scale.unwrap_or(1.0),
            metrics,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct CalibrationFile {
    schema_version: Option<u64>,
    kind: Option<String>,
    selected: Option<MarketMakerRegime>,
}

/// The bytes of the calibration file `path`, at most [`MAX_CONFIG_FILE_BYTES`] of them.
pub fn read_calibration_file(path: &Path) -> Result<Vec<u8>, CalibrationError> {
    let p = path.display().to_string();
    read_limited(path, MAX_CONFIG_FILE_BYTES).map_err(|e| match e {
        ReadLimitError::Io(cause) => {
            crate::artifacts::IoError::new("reading calibration file", path, cause).into()
        }
        cause @ ReadLimitError::TooLarge { .. } => CalibrationError::TooLarge { path: p, cause },
    })
}

/// Reads the selected regime from a `calibration.json`, checking its kind, its schema version
/// and the regime's ranges (those of a `[calibration]` candidate).
pub fn load_selected_regime(path: &Path) -> Result<MarketMakerRegime, CalibrationError> {
    let p = path.display().to_string();
    let bytes = read_calibration_file(path)?;
    let f: CalibrationFile =
        serde_json::from_slice(&bytes).map_err(|e| CalibrationError::Malformed {
            path: p.clone(),
            why: e.to_string(),
        })?;
    if f.kind.as_deref() != Some("calibration") {
        return Err(CalibrationError::Malformed {
            path: p,
            why: format!("`kind` is {:?}, expected \"calibration\"", f.kind),
        });
    }
    match f.schema_version {
        Some(v) if v == CALIBRATION_SCHEMA_VERSION as u64 => {}
        Some(found) => return Err(CalibrationError::SchemaVersion { path: p, found }),
        None => {
            return Err(CalibrationError::Malformed {
                path: p,
                why: "no `schema_version`".to_owned(),
            });
        }
    }
    let regime = f.selected.ok_or_else(|| CalibrationError::Malformed {
        path: p.clone(),
        why: "no `selected` regime".to_owned(),
    })?;
    regime
        .validate("selected")
        .map_err(|cause| CalibrationError::Invalid { path: p, cause })?;
    Ok(regime)
}

/// `calibration_candidates.csv`, in rank order.
pub fn candidate_rows(c: &Calibration) -> Vec<CandidateRow> {
    let mut v: Vec<&CandidateScore> = c.candidates.iter().collect();
    v.sort_by_key(|s| s.rank);
    v.into_iter()
        .map(|s| {
            let ch = &s.checks;
            let failed: Vec<&str> = [
                (
                    ch.mm_pnl_not_significantly_negative,
                    "mm_pnl_significantly_negative",
                ),
                (ch.quoted_spread_in_band, "quoted_spread_out_of_band"),
                (ch.mm_fill_rate_in_band, "mm_fill_rate_out_of_band"),
                (ch.quoted_spread_ci_narrow, "quoted_spread_ci_too_wide"),
            ]
            .into_iter()
            .filter(|(ok, _)| !ok)
            .map(|(_, name)| name)
            .collect();
            CandidateRow {
                rank: s.rank as u64,
                risk_aversion: s.regime.risk_aversion,
                half_spread_ticks: s.regime.half_spread_ticks,
                quote_size: s.regime.quote_size,
                violations: s.violations,
                mm_pnl_mean: s.mm_pnl_ticks.mean.value(),
                mm_pnl_ci95_low: s.mm_pnl_ticks.ci95_low.value(),
                mm_pnl_ci95_high: s.mm_pnl_ticks.ci95_high.value(),
                quoted_spread_mean: s.quoted_spread_ticks.mean.value(),
                quoted_spread_ci95_low: s.quoted_spread_ticks.ci95_low.value(),
                quoted_spread_ci95_high: s.quoted_spread_ticks.ci95_high.value(),
                mm_fill_rate_mean: s.mm_fill_rate.mean.value(),
                checks_failed: failed.join(";"),
            }
        })
        .collect()
}

/// `sensitivity.csv`: one row per sensitivity cell × metric.
pub fn sensitivity_rows(c: &Calibration) -> Vec<SensitivityRow> {
    let mut rows = Vec::new();
    for s in &c.sensitivity {
        for (m, sum) in &s.metrics {
            rows.push(SensitivityRow {
                informed_count: s.informed_count,
                latency_scale: s.latency_scale,
                metric: m.clone(),
                n: sum.n as u64,
                mean: sum.mean.value(),
                ci95_low: sum.ci95_low.value(),
                ci95_high: sum.ci95_high.value(),
            });
        }
    }
    rows
}
