//! Validation against theory: small settings where a closed form or a directional result is
//! known, simulated with Proteus's parts and compared with a tolerance taken from the Monte Carlo
//! standard error (`docs/validation.md`, `cargo xtask validate`).
//!
//! Each case lives in its own module and reads its parameter points from a file under
//! `scenarios/validation/` (embedded, so the command works from any folder). Every random draw
//! comes from a named stream of `RepetitionSeed::derive(seed, "validation/<case>/<point>", rep)`;
//! repetitions run in parallel (rayon) and are collected in index order, so results do not depend
//! on the number of threads.
//!
//! The verdict rule ([`Check`]):
//!
//! * a Monte Carlo quantity passes when the theory value lies inside the simulated 95% t
//!   interval over repetitions. When it lies outside, the line fails only if the deviation is
//!   significant for the case as a family: Holm's step-down adjustment of the two-sided t-test
//!   p-values of the case's Monte Carlo lines, at family-wise level [`FAMILY_ALPHA`] = 0.05 / 5
//!   (5 cases; so the whole suite's chance of a false failure is at most 5%). Otherwise it is
//!   *watch*: outside its own 95% CI, reported, not a failure ([`apply_family_rule`]);
//! * an exact closed form passes when `|simulated − theory|` is below a stated precision;
//! * a directional claim (a difference, "< 0" or "> 0") passes when its whole 95% interval is on
//!   the claimed side, fails when the whole interval is on the other side or is degenerate
//!   (zero width, e.g. exactly 0 in every repetition) off the claimed side, and is
//!   *inconclusive* otherwise (reported, not a failure);
//! * a strict directional claim ([`Check::Strict`], the `market` case's paired differences)
//!   passes only when its whole 95% interval is on the claimed side; anything else fails;
//! * "not above zero" ([`Check::NotAbove`]) fails only when the whole 95% interval is above
//!   zero; "includes zero" ([`Check::IncludesZero`]) fails when the interval misses zero; both
//!   fail without an interval;
//! * an informational line (numbers recalled from memory, approximate) has no verdict.

pub mod avellaneda_stoikov;
pub mod bcs;
pub mod glosten_milgrom;
pub mod kyle;
pub mod market;
pub mod mutants;
mod report;

pub use mutants::{Mutant, MutantReport, MutantResult, run_mutants};
pub use report::{RESULT_COLUMNS, ValidationReport, write_outputs};

use crate::artifacts::IoError;
use crate::core::RepetitionSeed;
use crate::stats::{Estimate, StatsError, Summary, holm_adjust, student_t};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The cases, in the order they run.
pub const CASES: [&str; 5] = [
    glosten_milgrom::CASE,
    kyle::CASE,
    bcs::CASE,
    avellaneda_stoikov::CASE,
    market::CASE,
];

/// Family-wise error rate of one case's Monte Carlo lines: 5% for the whole suite, split evenly
/// over the cases (Bonferroni across cases, Holm within each), so a case's verdicts do not depend
/// on which other cases run.
pub const FAMILY_ALPHA: f64 = 0.05 / CASES.len() as f64;

#[derive(Debug, Error)]
pub enum ValidationError {
    #[error(
        "--case \"{}\": unknown case; the cases are {CASES:?}",
        crate::core::config_error::echo(.0)
    )]
    UnknownCase(String),
    #[error("validation file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("statistics of {case} {point} {quantity}: {cause}")]
    Stats {
        case: String,
        point: String,
        quantity: String,
        cause: StatsError,
    },
    #[error(transparent)]
    Io(#[from] IoError),
    #[error(transparent)]
    Artifact(#[from] crate::artifacts::ArtifactError),
    #[error("{0}")]
    Usage(String),
    #[error("building a thread pool: {0}")]
    Threads(String),
    #[error("validation file {file}: {cause}")]
    Config {
        file: String,
        cause: crate::core::ConfigError,
    },
    #[error("{case} arm {arm:?} repetition {repetition}: metric {metric} is missing ({reason})")]
    MissingMetric {
        case: String,
        arm: String,
        repetition: u64,
        metric: String,
        reason: String,
    },
    #[error("{case} arm {arm:?} repetition {repetition}: computing the metrics: {cause}")]
    Metrics {
        case: String,
        arm: String,
        repetition: u64,
        cause: Box<crate::metrics::MetricsError>,
    },
}

/// Quick (CI) or full run: the same points and verdict rule, fewer repetitions in quick mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Quick,
    Full,
}

/// Repetition counts of a case file.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repetitions {
    pub quick: u64,
    pub full: u64,
}

impl Repetitions {
    pub fn for_mode(self, mode: Mode) -> u64 {
        match mode {
            Mode::Quick => self.quick,
            Mode::Full => self.full,
        }
    }
}

/// How a quantity is judged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Theory inside the simulated 95% CI.
    Ci,
    /// `|simulated − theory| < precision`.
    Exact { precision: f64 },
    /// The simulated difference is below zero (`below = true`) or above zero; inconclusive
    /// when its 95% CI contains zero.
    Directional { below: bool },
    /// Like `Directional`, but strict: the whole 95% CI must be on the claimed side of zero,
    /// and anything else (containing zero, or no CI) fails.
    Strict { below: bool },
    /// Not above zero: fails only when the whole 95% CI is above zero (or there is no CI).
    NotAbove,
    /// The 95% CI contains zero; fails otherwise (or with no CI).
    IncludesZero,
    /// Reported only (approximate reference numbers).
    Info,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Theory outside this line's own 95% CI, but not significant once the case's Monte Carlo
    /// lines are judged together (Holm at [`FAMILY_ALPHA`]): reported, not a failure.
    Watch,
    Inconclusive,
    Info,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Watch => "watch",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Info => "info",
        }
    }
}

/// The simulated side of one comparison: mean, 95% CI and number of repetitions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Simulated {
    pub mean: f64,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub se: Option<f64>,
    pub n: usize,
}

impl Simulated {
    /// An exact (non-random) value.
    pub fn exact(x: f64) -> Simulated {
        Simulated {
            mean: x,
            ci95_low: None,
            ci95_high: None,
            se: None,
            n: 1,
        }
    }

    fn of_summary(s: &Summary) -> Simulated {
        Simulated {
            mean: s.mean.value().unwrap_or(f64::NAN),
            ci95_low: s.ci95_low.value(),
            ci95_high: s.ci95_high.value(),
            se: s.se.value(),
            n: s.n,
        }
    }

    pub fn half_width(&self) -> Option<f64> {
        Some((self.ci95_high? - self.ci95_low?) / 2.0)
    }
}

/// One line of the validation table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseResult {
    pub case: String,
    pub point: String,
    pub quantity: String,
    /// The theory value (none for a directional claim, whose reference is zero).
    pub theory: Option<f64>,
    pub simulated: Simulated,
    pub check: Check,
    pub verdict: Verdict,
    /// How the tolerance was set, in words.
    pub tolerance: String,
    /// Two-sided p-value of the t-test of `theory` (Monte Carlo lines only).
    pub p_value: Option<f64>,
    /// `p_value` after Holm's adjustment over the case's Monte Carlo lines.
    pub p_holm: Option<f64>,
}

impl CaseResult {
    /// Judges `simulated` against `theory` under `check`.
    pub fn judge(
        case: &str,
        point: &str,
        quantity: &str,
        theory: Option<f64>,
        simulated: Simulated,
        check: Check,
    ) -> CaseResult {
        let mut p_value = None;
        let (verdict, tolerance) = match check {
            Check::Ci => match (theory, simulated.ci95_low, simulated.ci95_high) {
                (Some(t), Some(lo), Some(hi)) => (
                    {
                        p_value = Some(match simulated.se.filter(|&se| se > 0.0) {
                            Some(se) => student_t::two_sided_p(
                                (simulated.mean - t) / se,
                                simulated.n as f64 - 1.0,
                            ),
                            None if simulated.mean == t => 1.0,
                            None => 0.0,
                        });
                        if lo <= t && t <= hi {
                            Verdict::Pass
                        } else {
                            Verdict::Fail
                        }
                    },
                    format!(
                        "rule: theory in 95% CI (half-width {:.3e}, n = {}, z = {:+.2})",
                        (hi - lo) / 2.0,
                        simulated.n,
                        simulated
                            .se
                            .filter(|&se| se > 0.0)
                            .map_or(0.0, |se| (simulated.mean - t) / se)
                    ),
                ),
                _ => (Verdict::Fail, "no CI (fewer than 2 repetitions)".into()),
            },
            Check::Exact { precision } => {
                let t = theory.expect("an exact check has a theory value");
                let d = (simulated.mean - t).abs();
                (
                    if d < precision {
                        Verdict::Pass
                    } else {
                        Verdict::Fail
                    },
                    format!("rule: |difference| < {precision:.0e} (it is {d:.1e})"),
                )
            }
            Check::Directional { below } => {
                let claim = if below { "< 0" } else { "> 0" };
                match (simulated.ci95_low, simulated.ci95_high) {
                    (Some(lo), Some(hi)) => {
                        let (on_side, mut against) = if below {
                            (hi < 0.0, lo > 0.0)
                        } else {
                            (lo > 0.0, hi < 0.0)
                        };
                        // A degenerate interval (no spread at all, e.g. exactly zero in every
                        // repetition) that is not on the claimed side is evidence against the
                        // claim, not a lack of evidence.
                        if lo == hi && !on_side {
                            against = true;
                        }
                        (
                            if on_side {
                                Verdict::Pass
                            } else if against {
                                Verdict::Fail
                            } else {
                                Verdict::Inconclusive
                            },
                            format!("rule: whole 95% CI {claim}"),
                        )
                    }
                    _ => (Verdict::Fail, "no CI (fewer than 2 repetitions)".into()),
                }
            }
            Check::Strict { below } => {
                let claim = if below { "< 0" } else { "> 0" };
                match (simulated.ci95_low, simulated.ci95_high) {
                    (Some(lo), Some(hi)) => (
                        if (below && hi < 0.0) || (!below && lo > 0.0) {
                            Verdict::Pass
                        } else {
                            Verdict::Fail
                        },
                        format!("rule: whole 95% CI {claim}, else fail (strict)"),
                    ),
                    _ => (Verdict::Fail, "no CI (fewer than 2 repetitions)".into()),
                }
            }
            Check::NotAbove => match simulated.ci95_low {
                Some(lo) if simulated.ci95_high.is_some() => (
                    if lo <= 0.0 {
                        Verdict::Pass
                    } else {
                        Verdict::Fail
                    },
                    "rule: 95% CI not wholly above 0".into(),
                ),
                _ => (Verdict::Fail, "no CI (fewer than 2 repetitions)".into()),
            },
            Check::IncludesZero => match (simulated.ci95_low, simulated.ci95_high) {
                (Some(lo), Some(hi)) => (
                    if lo <= 0.0 && 0.0 <= hi {
                        Verdict::Pass
                    } else {
                        Verdict::Fail
                    },
                    "rule: 0 in 95% CI".into(),
                ),
                _ => (Verdict::Fail, "no CI (fewer than 2 repetitions)".into()),
            },
            Check::Info => {
                let inside = match (theory, simulated.ci95_low, simulated.ci95_high) {
                    (Some(t), Some(lo), Some(hi)) => {
                        if lo <= t && t <= hi {
                            "reference in 95% CI"
                        } else {
                            "reference outside 95% CI"
                        }
                    }
                    _ => "reported only",
                };
                (
                    Verdict::Info,
                    format!("approximate reference, no verdict ({inside})"),
                )
            }
        };
        CaseResult {
            case: case.to_owned(),
            point: point.to_owned(),
            quantity: quantity.to_owned(),
            theory,
            simulated,
            check,
            verdict,
            tolerance,
            p_value,
            p_holm: None,
        }
    }
}

/// The family rule of the module docs, applied to one case's lines: Holm-adjusts the p-values of
/// the Monte Carlo (`Ci`) lines and turns a failure whose adjusted p-value is at least
/// [`FAMILY_ALPHA`] into [`Verdict::Watch`]. Other lines are left as they are.
pub fn apply_family_rule(lines: &mut [CaseResult]) -> Result<(), StatsError> {
    let family: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].check == Check::Ci && lines[i].p_value.is_some())
        .collect();
    let raw: Vec<Estimate> = family
        .iter()
        .map(|&i| Estimate::Value(lines[i].p_value.expect("filtered")))
        .collect();
    let adjusted = holm_adjust(&raw)?;
    for (&i, p) in family.iter().zip(adjusted) {
        let line = &mut lines[i];
        line.p_holm = p.value();
        let p = p.value().expect("a present p-value stays present");
        if line.verdict == Verdict::Fail && p >= FAMILY_ALPHA {
            line.verdict = Verdict::Watch;
        }
        line.tolerance = format!(
            "{}; Holm-adjusted p = {p:.2e} over {} lines, fails below {FAMILY_ALPHA}",
            line.tolerance,
            family.len()
        );
    }
    Ok(())
}

/// Collects a case's lines, summarising samples with [`Summary`].
pub(crate) struct Lines {
    case: &'static str,
    pub(crate) out: Vec<CaseResult>,
}

impl Lines {
    pub(crate) fn new(case: &'static str) -> Lines {
        Lines {
            case,
            out: Vec::new(),
        }
    }

    /// Summarises `sample` (in repetition order) and judges it.
    pub(crate) fn sample(
        &mut self,
        point: &str,
        quantity: &str,
        theory: Option<f64>,
        sample: &[f64],
        check: Check,
    ) -> Result<Simulated, ValidationError> {
        let s = Summary::of(sample).map_err(|cause| ValidationError::Stats {
            case: self.case.to_owned(),
            point: point.to_owned(),
            quantity: quantity.to_owned(),
            cause,
        })?;
        let sim = Simulated::of_summary(&s);
        self.out.push(CaseResult::judge(
            self.case, point, quantity, theory, sim, check,
        ));
        Ok(sim)
    }

    /// A line that could not be computed (`why`: the error): it fails, whatever its check.
    pub(crate) fn missing(&mut self, point: &str, quantity: &str, check: Check, why: String) {
        self.out.push(CaseResult {
            case: self.case.to_owned(),
            point: point.to_owned(),
            quantity: quantity.to_owned(),
            theory: None,
            simulated: Simulated {
                mean: f64::NAN,
                ci95_low: None,
                ci95_high: None,
                se: None,
                n: 0,
            },
            check,
            verdict: Verdict::Fail,
            tolerance: format!("not computed: {why}"),
            p_value: None,
            p_holm: None,
        });
    }

    /// Judges an exact value.
    pub(crate) fn exact(
        &mut self,
        point: &str,
        quantity: &str,
        theory: f64,
        value: f64,
        precision: f64,
    ) {
        self.out.push(CaseResult::judge(
            self.case,
            point,
            quantity,
            Some(theory),
            Simulated::exact(value),
            Check::Exact { precision },
        ));
    }
}

/// The seed of repetition `rep` of point `point` of `case`.
pub(crate) fn rep_seed(seed: u64, case: &str, point: &str, rep: u64) -> RepetitionSeed {
    RepetitionSeed::derive(seed, &format!("validation/{case}/{point}"), rep)
}

/// Runs `f(rep, seed)` for every repetition in parallel, collected in repetition order.
pub(crate) fn repetitions<T: Send>(
    seed: u64,
    case: &str,
    point: &str,
    n: u64,
    f: impl Fn(RepetitionSeed) -> T + Sync,
) -> Vec<T> {
    (0..n)
        .into_par_iter()
        .map(|rep| f(rep_seed(seed, case, point, rep)))
        .collect()
}

/// Parses a case file (TOML, unknown keys refused).
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(
    text: &str,
    file: &str,
) -> Result<T, ValidationError> {
    toml::from_str(text).map_err(|e| ValidationError::Parse {
        file: file.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })
}

/// Options of a validation run.
#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    pub mode: Mode,
    /// Only this case (all when `None`).
    pub case: Option<String>,
    /// Worker threads (0: all cores).
    pub threads: usize,
    /// A TOML file whose top-level keys replace the case file's (`--points FILE`; needs `case`).
    pub points: Option<std::path::PathBuf>,
    /// A planted defect to run the cases with (`--mutants` runs each against its case).
    pub mutant: Option<Mutant>,
}

/// What one case's `run` is given: the mode, the case file's text (the embedded file, or it
/// overlaid with a user's `--points` file) and the planted defect, if any, to switch on.
#[derive(Clone, Debug)]
pub struct CaseRun {
    pub mode: Mode,
    /// The case file, in the format of `scenarios/validation/<case>.toml`.
    pub text: String,
    /// Its name in error messages.
    pub file: String,
    pub mutant: Option<Mutant>,
}

impl CaseRun {
    /// The embedded case file, no mutant.
    pub fn embedded(mode: Mode, text: &str, file: &str) -> CaseRun {
        CaseRun {
            mode,
            text: text.to_owned(),
            file: file.to_owned(),
            mutant: None,
        }
    }

    /// Whether `m` is switched on.
    pub fn has(&self, m: Mutant) -> bool {
        self.mutant == Some(m)
    }
}

/// The embedded case file of `case`: `(file name, text)`.
pub fn case_file(case: &str) -> Result<(&'static str, &'static str), ValidationError> {
    Ok(match case {
        glosten_milgrom::CASE => (glosten_milgrom::FILE, glosten_milgrom::TEXT),
        kyle::CASE => (kyle::FILE, kyle::TEXT),
        bcs::CASE => (bcs::FILE, bcs::TEXT),
        avellaneda_stoikov::CASE => (avellaneda_stoikov::FILE, avellaneda_stoikov::TEXT),
        market::CASE => (market::FILE, market::TEXT),
        _ => return Err(ValidationError::UnknownCase(case.to_owned())),
    })
}

/// The case file of `case` with the top-level keys of the user's file `points` put in place of
/// its own (so a file holding only `[[points]]` runs the case at those points, and a whole case
/// file runs as written). A key the case file does not have, or a `case` naming another case, is
/// refused; the merged file is then parsed and range-checked by the case itself.
pub fn overlay_points(case: &str, points: &std::path::Path) -> Result<CaseRun, ValidationError> {
    let (file, text) = case_file(case)?;
    let user_file = points.display().to_string();
    let user_text =
        std::fs::read_to_string(points).map_err(IoError::at("reading the points file", points))?;
    let bad = |message: String| ValidationError::Parse {
        file: user_file.clone(),
        message,
    };
    let user: toml::Table =
        toml::from_str(&user_text).map_err(|e| bad(e.to_string().trim_end().to_owned()))?;
    let mut base: toml::Table =
        toml::from_str(text).expect("the embedded case files parse (tested)");
    for (key, value) in user {
        if !base.contains_key(&key) {
            let mut known: Vec<&str> = base.keys().map(String::as_str).collect();
            known.sort_unstable();
            return Err(bad(format!(
                "unknown field `{key}`; the fields of {file} are {}",
                known.join(", ")
            )));
        }
        if key == "case" && value.as_str() != Some(case) {
            return Err(bad(format!(
                "field `case` is {value}, but this is a points file for case {case:?}"
            )));
        }
        base.insert(key, value);
    }
    Ok(CaseRun {
        mode: Mode::Full,
        text: toml::to_string(&base).expect("a TOML table serialises"),
        file: format!("{user_file} (over {file})"),
        mutant: None,
    })
}

/// Runs the selected cases and returns every line.
pub fn validate(opts: &ValidateOptions) -> Result<ValidationReport, ValidationError> {
    let selected: Vec<&str> = match &opts.case {
        Some(c) => vec![
            CASES
                .iter()
                .copied()
                .find(|k| k == c)
                .ok_or_else(|| ValidationError::UnknownCase(c.clone()))?,
        ],
        None => CASES.to_vec(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| ValidationError::Threads(e.to_string()))?;
    if opts.points.is_some() && opts.case.is_none() {
        return Err(ValidationError::Usage(
            "--points FILE needs --case NAME (a points file belongs to one case)".into(),
        ));
    }
    let mut results = Vec::new();
    for case in selected {
        let mut run = match &opts.points {
            Some(p) => overlay_points(case, p)?,
            None => {
                let (file, text) = case_file(case)?;
                CaseRun::embedded(opts.mode, text, file)
            }
        };
        run.mode = opts.mode;
        run.mutant = opts.mutant;
        let mut lines = pool.install(|| run_case(case, &run))?;
        apply_family_rule(&mut lines).map_err(|cause| ValidationError::Stats {
            case: case.to_owned(),
            point: "all".to_owned(),
            quantity: "Holm adjustment".to_owned(),
            cause,
        })?;
        results.extend(lines);
    }
    Ok(ValidationReport {
        mode: opts.mode,
        results,
    })
}

/// Runs one case as `run` says.
pub fn run_case(case: &str, run: &CaseRun) -> Result<Vec<CaseResult>, ValidationError> {
    match case {
        glosten_milgrom::CASE => glosten_milgrom::run(run),
        kyle::CASE => kyle::run(run),
        bcs::CASE => bcs::run(run),
        avellaneda_stoikov::CASE => avellaneda_stoikov::run(run),
        market::CASE => market::run(run),
        _ => Err(ValidationError::UnknownCase(case.to_owned())),
    }
}

/// A range check of a case file's field: an error naming the file, the field, the value and what
/// is allowed when `ok` is false.
#[allow(dead_code)] // the cases' range checks use it
pub(crate) fn require(
    file: &str,
    ok: bool,
    field: &str,
    value: impl std::fmt::Display,
    allowed: &str,
) -> Result<(), ValidationError> {
    if ok {
        Ok(())
    } else {
        Err(ValidationError::Parse {
            file: file.to_owned(),
            message: format!("field `{field}` = {value}: {allowed}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(mean: f64, lo: f64, hi: f64) -> Simulated {
        Simulated {
            mean,
            ci95_low: Some(lo),
            ci95_high: Some(hi),
            se: Some((hi - lo) / 4.0),
            n: 10,
        }
    }

    #[test]
    fn ci_rule() {
        let j = |t| CaseResult::judge("c", "p", "q", Some(t), sim(1.0, 0.9, 1.1), Check::Ci);
        assert_eq!(j(1.05).verdict, Verdict::Pass);
        assert_eq!(j(1.1).verdict, Verdict::Pass);
        assert_eq!(j(1.2).verdict, Verdict::Fail);
        assert_eq!(j(0.8).verdict, Verdict::Fail);
        // No CI: never a pass.
        let one = CaseResult::judge("c", "p", "q", Some(1.0), Simulated::exact(1.0), Check::Ci);
        assert_eq!(one.verdict, Verdict::Fail);
    }

    #[test]
    fn family_rule_keeps_strong_failures_and_watches_weak_ones() {
        // se = 0.05 (CI [0.9, 1.1] around 1.0), n = 10: z = (1 − t)/0.05.
        let line = |t| CaseResult::judge("c", "p", "q", Some(t), sim(1.0, 0.9, 1.1), Check::Ci);
        let mut lines = vec![
            line(1.0),  // inside: p = 1
            line(0.88), // z = 2.4: outside its 95% CI, p ≈ 0.04
            line(0.5),  // z = 10: p ≈ 4e-6
            CaseResult::judge(
                "c",
                "p",
                "e",
                Some(1.0),
                Simulated::exact(2.0),
                Check::Exact { precision: 1e-12 },
            ),
        ];
        assert_eq!(lines[1].verdict, Verdict::Fail, "the per-line rule alone");
        let p1 = lines[1].p_value.unwrap();
        assert!(p1 > 0.03 && p1 < 0.05, "{p1}");
        apply_family_rule(&mut lines).unwrap();
        assert_eq!(lines[0].verdict, Verdict::Pass);
        assert_eq!(lines[1].verdict, Verdict::Watch);
        assert_eq!(lines[2].verdict, Verdict::Fail);
        // Holm: the smallest p times 3, the next max(that, 2p), the largest max(…, p).
        let p2 = lines[2].p_value.unwrap();
        assert_eq!(lines[2].p_holm, Some(3.0 * p2));
        assert_eq!(lines[1].p_holm, Some((2.0 * p1).max(3.0 * p2)));
        assert_eq!(lines[0].p_holm, Some(1.0));
        // An exact line is not in the family and keeps its verdict.
        assert_eq!(lines[3].verdict, Verdict::Fail);
        assert_eq!(lines[3].p_holm, None);
    }

    #[test]
    fn exact_rule() {
        let j = |x| {
            CaseResult::judge(
                "c",
                "p",
                "q",
                Some(1.0),
                Simulated::exact(x),
                Check::Exact { precision: 1e-12 },
            )
            .verdict
        };
        assert_eq!(j(1.0 + 1e-13), Verdict::Pass);
        assert_eq!(j(1.0 + 1e-11), Verdict::Fail);
    }

    #[test]
    fn directional_rule() {
        let j = |lo, hi| {
            CaseResult::judge(
                "c",
                "p",
                "q",
                None,
                sim((lo + hi) / 2.0, lo, hi),
                Check::Directional { below: true },
            )
            .verdict
        };
        assert_eq!(j(-2.0, -1.0), Verdict::Pass);
        assert_eq!(j(1.0, 2.0), Verdict::Fail);
        assert_eq!(j(-1.0, 1.0), Verdict::Inconclusive);
        // Degenerate intervals: exactly zero in every repetition is evidence against "< 0".
        assert_eq!(j(0.0, 0.0), Verdict::Fail);
        assert_eq!(j(-1.0, -1.0), Verdict::Pass);
        assert_eq!(j(1.0, 1.0), Verdict::Fail);
    }

    fn verdict(check: Check, lo: f64, hi: f64) -> Verdict {
        CaseResult::judge("c", "p", "q", None, sim((lo + hi) / 2.0, lo, hi), check).verdict
    }

    #[test]
    fn strict_rule_has_no_inconclusive() {
        let below = Check::Strict { below: true };
        let above = Check::Strict { below: false };
        assert_eq!(verdict(below, -2.0, -1.0), Verdict::Pass);
        assert_eq!(verdict(below, -1.0, 1.0), Verdict::Fail);
        assert_eq!(verdict(below, 1.0, 2.0), Verdict::Fail);
        assert_eq!(verdict(below, -1.0, 0.0), Verdict::Fail);
        assert_eq!(verdict(above, 1.0, 2.0), Verdict::Pass);
        assert_eq!(verdict(above, -1.0, 1.0), Verdict::Fail);
        assert_eq!(verdict(above, 0.0, 0.0), Verdict::Fail);
        let one = CaseResult::judge("c", "p", "q", None, Simulated::exact(-1.0), below);
        assert_eq!(one.verdict, Verdict::Fail);
    }

    #[test]
    fn not_above_and_includes_zero_rules() {
        assert_eq!(verdict(Check::NotAbove, -2.0, -1.0), Verdict::Pass);
        assert_eq!(verdict(Check::NotAbove, -1.0, 1.0), Verdict::Pass);
        assert_eq!(verdict(Check::NotAbove, 0.0, 0.0), Verdict::Pass);
        assert_eq!(verdict(Check::NotAbove, 0.5, 1.0), Verdict::Fail);
        assert_eq!(verdict(Check::IncludesZero, -1.0, 1.0), Verdict::Pass);
        assert_eq!(verdict(Check::IncludesZero, 0.0, 0.0), Verdict::Pass);
        assert_eq!(verdict(Check::IncludesZero, -2.0, -1.0), Verdict::Fail);
        assert_eq!(verdict(Check::IncludesZero, 1.0, 2.0), Verdict::Fail);
        for c in [Check::NotAbove, Check::IncludesZero] {
            let one = CaseResult::judge("c", "p", "q", None, Simulated::exact(0.0), c);
            assert_eq!(one.verdict, Verdict::Fail);
        }
    }
}
