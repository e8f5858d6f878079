//! Realism: the stylized facts of asset returns and order flow (Cont 2001; Lillo and Farmer
//! 2004), measured on simulated runs and judged against their published ranges
//! (`cargo xtask realism`, `docs/realism.md`).
//!
//! Each repetition is one `sim::run` of the scenario; its [`RunLog`](crate::sim::RunLog) gives
//! log mid-quote returns on a clock-time grid (`series.rs`), trade signs in event time and the
//! book's spread and depth. `facts.rs` computes one value per statistic and run with the
//! estimators of `estimators.rs` and the GARCH(1,1) filter of `garch.rs`; the values are
//! aggregated over repetitions (mean, Student-t 95% interval: `crate::stats::Summary`) and each
//! statistic is judged by its rule. The bundle (`realism.json`, `realism.csv`,
//! `manifest.json`, and the report made from them, `report::build_realism_report`) is written
//! atomically by [`BundleWriter`].
//!
//! Runs are independent and placed by index, then reduced serially: the bytes of the bundle do
//! not depend on the number of threads.

pub mod estimators;
pub mod facts;
pub mod garch;
pub mod series;

pub use facts::{FactRow, FactVerdict, Rule, Settings, Verdict};

use crate::artifacts::tables::Column;
use crate::artifacts::{ArtifactError, BundleWriter};
use crate::core::RepetitionSeed;
use crate::report::{self, ReportError};
use crate::scenario::Scenario;
pub use crate::schema::realism::{Curve, Histogram, Plots, PowerLawLine, RealismReport};
use crate::schema::{BundleKind, PackSeeds, RealismBody, RealismManifest, SEED_PROTOCOL};
use crate::sim::{self, RunOptions};
use crate::stats::{Estimate, Summary};
use facts::{PLOT_ABS_LAGS, PLOT_RETURN_LAGS, PLOT_SIGN_LAGS, RunMeasures};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// Schema of `realism.json` and of the realism bundle's manifest.
pub const REALISM_SCHEMA_VERSION: u32 = 1;
/// The default sampling interval of the return grid (seconds).
pub const DEFAULT_INTERVAL_S: u64 = 60;
/// The default number of repetitions.
pub const DEFAULT_REPETITIONS: u64 = 10;
/// Allowed `--repetitions`: a 95% interval needs two runs.
pub const REPETITIONS_RANGE: std::ops::RangeInclusive<u64> = 2..=10_000;
/// Allowed `--interval-s`.
pub const INTERVAL_RANGE_S: std::ops::RangeInclusive<u64> = 1..=3_600;
/// Allowed `--threads` (0: all cores).
pub const THREADS_MAX: usize = 1_024;

/// What to measure.
#[derive(Clone, Debug)]
pub struct RealismOptions {
    pub repetitions: u64,
    /// Worker threads (0: all cores). The results do not depend on it.
    pub threads: usize,
    /// The sampling interval of the return grid, in seconds.
    pub interval_s: u64,
}

impl Default for RealismOptions {
    fn default() -> Self {
        RealismOptions {
            repetitions: DEFAULT_REPETITIONS,
            threads: 0,
            interval_s: DEFAULT_INTERVAL_S,
        }
    }
}

/// Why the facts could not be measured or written.
#[derive(Debug, Error)]
pub enum RealismError {
    #[error("{flag} {value}: {allowed}; nothing was run or written")]
    Option {
        flag: &'static str,
        value: String,
        allowed: String,
    },
    #[error(
        "repetition {repetition} of scenario `{scenario}` gave {returns} returns on the \
         {interval_s} s grid ({skipped} grid points before the book was first two-sided); at \
         least {needed} are needed (a longer `duration_s`, or a smaller --interval-s); nothing \
         was written"
    )]
    TooFewReturns {
        scenario: String,
        repetition: u64,
        interval_s: u64,
        returns: usize,
        skipped: usize,
        needed: usize,
    },
    #[error("worker threads ({threads}): {cause}")]
    Threads { threads: usize, cause: String },
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    #[error("the realism report: {0}")]
    Report(#[from] ReportError),
}

impl RealismOptions {
    /// Checks every option against `scenario` before anything runs.
    pub fn check(&self, scenario: &Scenario) -> Result<(), RealismError> {
        if !REPETITIONS_RANGE.contains(&self.repetitions) {
            return Err(RealismError::Option {
                flag: "--repetitions",
                value: self.repetitions.to_string(),
                allowed: format!(
                    "must be in {}..={} (a 95% interval over repetitions needs at least 2)",
                    REPETITIONS_RANGE.start(),
                    REPETITIONS_RANGE.end()
                ),
            });
        }
        if self.threads > THREADS_MAX {
            return Err(RealismError::Option {
                flag: "--threads",
                value: self.threads.to_string(),
                allowed: format!("must be in 0..={THREADS_MAX} (0: all cores)"),
            });
        }
        if !INTERVAL_RANGE_S.contains(&self.interval_s) {
            return Err(RealismError::Option {
                flag: "--interval-s",
                value: self.interval_s.to_string(),
                allowed: format!(
                    "must be in {}..={} seconds",
                    INTERVAL_RANGE_S.start(),
                    INTERVAL_RANGE_S.end()
                ),
            });
        }
        let points = (scenario.duration_s / self.interval_s as f64).floor() as u64;
        let needed = facts::MIN_RETURNS as u64;
        if points < needed {
            return Err(RealismError::Option {
                flag: "--interval-s",
                value: self.interval_s.to_string(),
                allowed: format!(
                    "gives {points} returns in scenario `{}`'s {} s; at least {needed} are \
                     needed, so at most {} s here",
                    scenario.id,
                    scenario.duration_s,
                    (scenario.duration_s / needed as f64).floor()
                ),
            });
        }
        Ok(())
    }
}

impl RealismReport {
    pub fn count(&self, v: Verdict) -> usize {
        self.facts.iter().filter(|f| f.verdict == v).count()
    }

    /// The table a terminal shows: one line per statistic, then one per fact.
    pub fn text_table(&self) -> String {
        use crate::report::{Align, TextTable};
        let e = |x: Estimate| x.value().map_or("—".to_owned(), |v| format!("{v:.4}"));
        let mut rows = TextTable::new(&[
            ("fact", Align::Left),
            ("statistic", Align::Left),
            ("mean", Align::Right),
            ("95% CI", Align::Right),
            ("n", Align::Right),
            ("verdict", Align::Left),
            ("published", Align::Left),
        ]);
        for r in &self.rows {
            rows.push(vec![
                r.def.fact.clone(),
                r.def.statistic.clone(),
                e(r.mean),
                format!("[{}, {}]", e(r.ci95_low), e(r.ci95_high)),
                r.n.to_string(),
                r.verdict.as_str().to_owned(),
                r.def.published.clone(),
            ]);
        }
        let mut facts = TextTable::new(&[
            ("fact", Align::Left),
            ("verdict", Align::Left),
            ("pass", Align::Right),
            ("fail", Align::Right),
            ("inconclusive", Align::Right),
        ]);
        for f in &self.facts {
            facts.push(vec![
                f.fact.clone(),
                f.verdict.as_str().to_owned(),
                f.pass.to_string(),
                f.fail.to_string(),
                f.inconclusive.to_string(),
            ]);
        }
        format!("{}\n{}", rows.aligned(), facts.aligned())
    }
}

fn curve(lags: std::ops::RangeInclusive<usize>, per_run: Vec<&[f64]>) -> Curve {
    let lags: Vec<usize> = lags.collect();
    let mut c = Curve {
        lags: lags.clone(),
        mean: Vec::new(),
        ci95_low: Vec::new(),
        ci95_high: Vec::new(),
        n: Vec::new(),
    };
    for k in lags {
        let v: Vec<f64> = per_run.iter().filter_map(|a| a.get(k).copied()).collect();
        let s = Summary::of(&v).expect("autocorrelations are finite");
        c.mean.push(s.mean);
        c.ci95_low.push(s.ci95_low);
        c.ci95_high.push(s.ci95_high);
        c.n.push(s.n);
    }
    c
}

fn power_law_line(
    fits: Vec<estimators::PowerLaw>,
    fit_lags: Vec<usize>,
    published: (f64, f64),
) -> PowerLawLine {
    let exps: Vec<f64> = fits.iter().map(|f| f.exponent).collect();
    let ints: Vec<f64> = fits.iter().map(|f| f.log_intercept).collect();
    let m = |v: &[f64]| {
        Summary::of(v)
            .map(|s| s.mean)
            .unwrap_or(Estimate::missing(crate::stats::MissingReason::Overflow))
    };
    PowerLawLine {
        exponent: m(&exps),
        log_intercept: m(&ints),
        runs_with_fit: fits.len(),
        fit_lags,
        published_low: published.0,
        published_high: published.1,
    }
}

fn ok(v: &Result<Vec<f64>, estimators::Missing>) -> Option<&[f64]> {
    v.as_ref().ok().map(|a| a.as_slice())
}

fn reduce(scenario: &Scenario, options: &RealismOptions, runs: &[RunMeasures]) -> RealismReport {
    let rows = facts::aggregate_rows(runs);
    let facts = facts::fact_verdicts(&rows);
    let mean_returns = estimators::mean(&runs.iter().map(|m| m.returns as f64).collect::<Vec<_>>());
    let bins = runs.first().map_or(0, |m| m.histogram.len());
    let mut counts = vec![0u64; bins];
    let (mut below, mut above) = (0, 0);
    for m in runs {
        for (c, x) in counts.iter_mut().zip(&m.histogram) {
            *c += x;
        }
        below += m.below;
        above += m.above;
    }
    let half = (bins / 2) as f64;
    let total = counts.iter().sum::<u64>() + below + above;
    let settings = Settings::new(options.interval_s);
    let plots = Plots {
        return_histogram: Histogram {
            bin_width_sd: facts::HISTOGRAM_BIN_SD,
            centers_sd: (0..bins)
                .map(|i| (i as f64 - half) * facts::HISTOGRAM_BIN_SD)
                .collect(),
            counts,
            below,
            above,
            total,
        },
        acf_returns: curve(
            1..=PLOT_RETURN_LAGS,
            runs.iter().filter_map(|m| ok(&m.acf_r)).collect(),
        ),
        white_noise_band: 1.96 / mean_returns.sqrt(),
        acf_abs_returns: curve(
            1..=PLOT_ABS_LAGS,
            runs.iter().filter_map(|m| ok(&m.acf_abs)).collect(),
        ),
        abs_fit: power_law_line(
            runs.iter().filter_map(|m| m.abs_fit.ok()).collect(),
            settings.abs_fit_lags.clone(),
            (0.2, 0.4),
        ),
        acf_signs: curve(
            1..=PLOT_SIGN_LAGS,
            runs.iter().filter_map(|m| ok(&m.acf_sign)).collect(),
        ),
        sign_fit: power_law_line(
            runs.iter().filter_map(|m| m.sign_fit.ok()).collect(),
            settings.sign_fit_lags.clone(),
            (0.5, 0.6),
        ),
    };
    RealismReport {
        schema_version: REALISM_SCHEMA_VERSION,
        kind: BundleKind::Realism,
        scenario_id: scenario.id.clone(),
        master_seed: scenario.seed,
        mechanism: scenario.mechanism.label(),
        repetitions: options.repetitions,
        settings,
        facts,
        rows,
        plots,
    }
}

/// Runs the repetitions (`sim::run` of `scenario`, repetitions 0..R) on `options.threads`
/// threads, calling `progress(done, total)` after each, and measures the facts. Writes nothing.
pub fn run_realism(
    scenario: &Scenario,
    options: &RealismOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RealismReport, RealismError> {
    options.check(scenario)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| RealismError::Threads {
            threads: options.threads,
            cause: e.to_string(),
        })?;
    let total = options.repetitions;
    let done = AtomicU64::new(0);
    let runs: Vec<RunMeasures> = pool.install(|| {
        (0..total)
            .into_par_iter()
            .map(|rep| {
                let log = sim::run(scenario, rep, RunOptions::default());
                let seed = RepetitionSeed::derive(scenario.seed, &scenario.id, rep);
                let m = facts::measure(&log, seed, options.interval_s).map_err(|e| {
                    RealismError::TooFewReturns {
                        scenario: scenario.id.clone(),
                        repetition: rep,
                        interval_s: options.interval_s,
                        returns: e.returns,
                        skipped: e.skipped,
                        needed: facts::MIN_RETURNS,
                    }
                });
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                m
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(reduce(scenario, options, &runs))
}

#[derive(Serialize)]
struct CsvRow<'a> {
    fact: &'a str,
    statistic: &'a str,
    mean: Option<f64>,
    ci95_low: Option<f64>,
    ci95_high: Option<f64>,
    n: usize,
    published_range: &'a str,
    source: &'a str,
    verdict: &'static str,
    rule: &'a str,
}

/// The columns of `realism.csv`.
pub const CSV_COLUMNS: [Column; 10] = [
    Column::text("fact"),
    Column::text("statistic"),
    Column::float("mean"),
    Column::float("ci95_low"),
    Column::float("ci95_high"),
    Column::int("n"),
    Column::text("published_range"),
    Column::text("source"),
    Column::text("verdict"),
    Column::text("rule"),
];

/// Measures the facts and writes the bundle into `out` atomically: `realism.json`,
/// `realism.csv`, `manifest.json` and the report (`report.html` and its SVG figures, made from
/// the staged files). The destination is checked before anything runs; on any error nothing
/// is left behind.
pub fn write_realism_bundle(
    scenario: &Scenario,
    options: &RealismOptions,
    out: &Path,
    force: bool,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(RealismReport, PathBuf), RealismError> {
    options.check(scenario)?;
    let mut w = BundleWriter::create(out, force)?;
    let report = run_realism(scenario, options, progress)?;
    w.write_json("realism.json", &report)?;
    w.write_csv(
        "realism.csv",
        &CSV_COLUMNS,
        report.rows.iter().map(|r| CsvRow {
            fact: &r.def.fact,
            statistic: &r.def.statistic,
            mean: r.mean.value(),
            ci95_low: r.ci95_low.value(),
            ci95_high: r.ci95_high.value(),
            n: r.n,
            published_range: &r.def.published,
            source: &r.def.source,
            verdict: r.verdict.as_str(),
            rule: &r.rule_text,
        }),
    )?;
    let derived = report::REALISM_REPORT_FILES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let body = RealismBody {
        scenario: scenario.clone(),
        seeds: PackSeeds {
            master_seed: scenario.seed,
            scenario_id: scenario.id.clone(),
            repetitions: format!("0..{}", options.repetitions),
            protocol: SEED_PROTOCOL.to_owned(),
        },
        repetitions: options.repetitions,
        interval_s: options.interval_s,
    };
    let manifest = RealismManifest::new(
        BundleKind::Realism,
        REALISM_SCHEMA_VERSION,
        body,
        w.digests(),
        Some(derived),
    );
    w.write_json("manifest.json", &manifest)?;
    for (name, bytes) in report::build_realism_report(w.staging_dir())?.files {
        w.write_derived(&name, &bytes)?;
    }
    let path = w.commit()?;
    Ok((report, path))
}
