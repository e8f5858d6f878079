//! The realism bundle's `realism.json` as types ([`RealismReport`] and its parts), written by
//! `realism` and read back by the realism report, so a field is named once. What the types do
//! (judging a rule, the settings' values) lives with the measurement in `crate::realism`.

use crate::artifacts::BundleKind;
use crate::stats::Estimate;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// The fixed settings of the measurement, as written to `realism.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub interval_s: u64,
    pub return_acf_lags: Vec<usize>,
    pub abs_acf_lags: usize,
    pub abs_fit_lags: Vec<usize>,
    pub hill_fraction: f64,
    pub horizons: Vec<usize>,
    pub leverage_lags: usize,
    pub block: usize,
    pub top_share: f64,
    pub shuffles: usize,
    pub sign_fit_lags: Vec<usize>,
    pub quantiles: Vec<f64>,
    pub min_returns: usize,
}

/// How a statistic's mean over repetitions, with its 95% CI `[lo, hi]`, is judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// pass: lo > bound; fail: hi ≤ bound; otherwise inconclusive.
    Above { bound: f64 },
    /// pass: hi < bound; fail: lo ≥ bound; otherwise inconclusive.
    Below { bound: f64 },
    /// pass: low ≤ lo and hi ≤ high; fail: hi < low or lo > high; otherwise inconclusive.
    Within { low: f64, high: f64 },
    /// The white-noise band ±1.96/√n, n the mean number of returns per run: resolved into
    /// `Within` when the runs are aggregated.
    WhiteNoiseBand,
    /// The fact should be absent: pass when the CI includes 0, fail otherwise.
    IncludesZero,
    /// Reported without a verdict, for the reason given.
    Info { why: String },
}

/// A verdict on one statistic or one fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
    Info,
}

/// One statistic: what it is, what the literature says, and how it is judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowDef {
    pub fact: String,
    pub statistic: String,
    pub description: String,
    pub published: String,
    pub source: String,
    pub rule: Rule,
    /// A run without a fit because its autocorrelation is not positive has no power-law decay:
    /// the row fails when more than half of the runs are so.
    pub missing_fails: bool,
}

/// One run's value of a statistic: a number or why there is none. JSON: `2.5` or
/// `{"missing": "zero variance"}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunValue(pub Result<f64, &'static str>);

impl Serialize for RunValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Ok(x) => s.serialize_f64(x),
            Err(why) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("missing", why)?;
                m.end()
            }
        }
    }
}

/// One statistic over all repetitions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FactRow {
    #[serde(flatten)]
    pub def: RowDef,
    /// The rule in words (with the white-noise band resolved).
    pub rule_text: String,
    pub mean: Estimate,
    pub sd: Estimate,
    pub ci95_low: Estimate,
    pub ci95_high: Estimate,
    /// Runs with a value.
    pub n: usize,
    pub verdict: Verdict,
    pub verdict_reason: String,
    /// Each repetition's value, in repetition order. Written for the reader of `realism.json`;
    /// not read back (a run's missing reason is a static text), so empty in a read document.
    #[serde(skip_deserializing)]
    pub runs: Vec<RunValue>,
}

/// The verdict on one fact: fail if a row fails, pass if every judged row passes, inconclusive
/// otherwise; info when no row is judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactVerdict {
    pub fact: String,
    pub verdict: Verdict,
    pub pass: usize,
    pub fail: usize,
    pub inconclusive: usize,
    pub info: usize,
}

/// A curve over lags: the mean over runs of a per-run autocorrelation with its 95% CI.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Curve {
    pub lags: Vec<usize>,
    pub mean: Vec<Estimate>,
    pub ci95_low: Vec<Estimate>,
    pub ci95_high: Vec<Estimate>,
    /// Runs with a value at each lag.
    pub n: Vec<usize>,
}

/// A fitted power law `e^a τ^−exponent` (means over the runs with a fit) and the published
/// range of its exponent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PowerLawLine {
    pub exponent: Estimate,
    pub log_intercept: Estimate,
    pub runs_with_fit: usize,
    pub fit_lags: Vec<usize>,
    pub published_low: f64,
    pub published_high: f64,
}

/// Standardized returns of every run pooled into bins (`docs/realism.md`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Histogram {
    pub bin_width_sd: f64,
    pub centers_sd: Vec<f64>,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
    pub total: u64,
}

/// What the report draws, aggregated over runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plots {
    pub return_histogram: Histogram,
    pub acf_returns: Curve,
    /// ±1.96/√n with n the mean number of returns per run.
    pub white_noise_band: f64,
    pub acf_abs_returns: Curve,
    pub abs_fit: PowerLawLine,
    pub acf_signs: Curve,
    pub sign_fit: PowerLawLine,
}

/// The whole result: `realism.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RealismReport {
    pub schema_version: u32,
    pub kind: BundleKind,
    pub scenario_id: String,
    pub master_seed: u64,
    pub mechanism: String,
    pub repetitions: u64,
    pub settings: Settings,
    pub facts: Vec<FactVerdict>,
    pub rows: Vec<FactRow>,
    pub plots: Plots,
}
