//! The stylized facts: what each run measures (one value per statistic), the published range
//! each statistic is judged against, with its source, and the verdict rule applied to the mean
//! over repetitions and its 95% t interval. `docs/realism.md` is the reader's version.

use super::estimators::{
    self as est, Missing, PowerLaw, acf, aggregate, correlation, excess_kurtosis, hill, kurtosis,
    log_spaced_lags, ols, power_law_fit, skewness, weighted_quantile,
};
use super::garch::fit_garch11;
use super::series::{book_samples, grid_series, trade_signs};
use crate::core::RepetitionSeed;
pub use crate::schema::realism::{FactRow, FactVerdict, RowDef, Rule, RunValue, Settings, Verdict};
use crate::sim::RunLog;
use crate::stats::Summary;
use rand::RngExt;

/// Lags (in grid intervals) of the return autocorrelation rows.
pub const RETURN_ACF_LAGS: [usize; 7] = [1, 2, 3, 4, 5, 10, 20];
/// ACF(|r|) rows at lags 1..=this.
pub const ABS_ACF_LAGS: usize = 10;
/// The power law of ACF(|r|) is fitted at the log-spaced lags up to this (grid intervals).
pub const ABS_FIT_MAX_LAG: usize = 20;
/// The Hill estimator uses this fraction of the largest |r|.
pub const HILL_FRACTION: f64 = 0.05;
/// Aggregation horizons (grid intervals) of the kurtosis-against-horizon rows.
pub const HORIZONS: [usize; 4] = [1, 5, 15, 30];
/// The leverage statistic averages corr(r_t, |r_{t+τ}|) over τ = 1..=this.
pub const LEVERAGE_LAGS: usize = 10;
/// Leverage lags shown as their own (informational) rows.
pub const LEVERAGE_DETAIL_LAGS: [usize; 4] = [1, 2, 5, 10];
/// Block length (grid intervals) of the coarse and fine volatilities and of the realized
/// variances of the intermittency statistic.
pub const BLOCK: usize = 5;
/// Intermittency: the share of quadratic variation in this top fraction of blocks.
pub const TOP_SHARE: f64 = 0.05;
/// Intermittency: random permutations of the returns for the no-clustering reference.
pub const SHUFFLES: usize = 20;
/// The trade-sign power law is fitted at the log-spaced lags up to this (trades).
pub const SIGN_FIT_MAX_LAG: usize = 100;
/// Trade-sign ACF lags shown as their own (informational) rows.
pub const SIGN_DETAIL_LAGS: [usize; 3] = [1, 10, 100];
/// Quantiles of the spread and depth rows.
pub const QUANTILES: [f64; 3] = [0.1, 0.5, 0.9];
/// A run needs this many returns (8 at the longest aggregation horizon).
pub const MIN_RETURNS: usize = 8 * 30;
/// Lags drawn in the report's autocorrelation figures.
pub const PLOT_RETURN_LAGS: usize = 30;
pub const PLOT_ABS_LAGS: usize = 60;
pub const PLOT_SIGN_LAGS: usize = 300;
/// The return histogram: bins of this width (in standard deviations of the run's returns),
/// centred on 0, out to ±`HISTOGRAM_MAX_SD`.
pub const HISTOGRAM_BIN_SD: f64 = 0.5;
pub const HISTOGRAM_MAX_SD: f64 = 20.0;

impl Settings {
    pub fn new(interval_s: u64) -> Settings {
        Settings {
            interval_s,
            return_acf_lags: RETURN_ACF_LAGS.to_vec(),
            abs_acf_lags: ABS_ACF_LAGS,
            abs_fit_lags: log_spaced_lags(ABS_FIT_MAX_LAG),
            hill_fraction: HILL_FRACTION,
            horizons: HORIZONS.to_vec(),
            leverage_lags: LEVERAGE_LAGS,
            block: BLOCK,
            top_share: TOP_SHARE,
            shuffles: SHUFFLES,
            sign_fit_lags: log_spaced_lags(SIGN_FIT_MAX_LAG),
            quantiles: QUANTILES.to_vec(),
            min_returns: MIN_RETURNS,
        }
    }
}

impl Rule {
    /// Reported without a verdict, for the reason `why`.
    pub fn info(why: &str) -> Rule {
        Rule::Info {
            why: why.to_owned(),
        }
    }

    /// The rule in words, for the CSV and the report.
    pub fn text(&self) -> String {
        match self {
            Rule::Above { bound } => {
                format!("pass if the 95% CI is above {bound}; fail if it is at or below")
            }
            Rule::Below { bound } => {
                format!("pass if the 95% CI is below {bound}; fail if it is at or above")
            }
            Rule::Within { low, high } => format!(
                "pass if the 95% CI lies inside [{}, {}]; fail if it lies outside",
                fmt(*low),
                fmt(*high)
            ),
            Rule::WhiteNoiseBand => "pass if the 95% CI lies inside ±1.96/√n".to_owned(),
            Rule::IncludesZero => {
                "absent: pass if the 95% CI includes 0; fail otherwise".to_owned()
            }
            Rule::Info { why } => format!("info: {why}"),
        }
    }
}

fn fmt(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Info => "info",
        }
    }
}

/// Everything one run contributes.
#[derive(Clone, Debug)]
pub struct RunMeasures {
    pub returns: usize,
    pub rows: Vec<(RowDef, RunValue)>,
    /// ACF of r, |r| and trade signs at lags 0..=PLOT_*_LAGS, when defined.
    pub acf_r: Result<Vec<f64>, Missing>,
    pub acf_abs: Result<Vec<f64>, Missing>,
    pub acf_sign: Result<Vec<f64>, Missing>,
    pub abs_fit: Result<PowerLaw, Missing>,
    pub sign_fit: Result<PowerLaw, Missing>,
    /// Counts of standardized returns per histogram bin, then below and above its range.
    pub histogram: Vec<u64>,
    pub below: u64,
    pub above: u64,
}

const CONT_1: &str = "Cont (2001), Quantitative Finance 1, property 1";
const CONT_2: &str = "Cont (2001), property 2";
const CONT_3: &str =
    "Cont (2001), property 3; absent: Ratliff-Crain et al. (2023, arXiv 2311.07738)";
const CONT_4: &str = "Cont (2001), property 4";
const CONT_5: &str = "Cont (2001), property 5";
const CONT_6: &str = "Cont (2001), property 6";
const CONT_7: &str = "Cont (2001), property 7";
const CONT_8: &str = "Cont (2001), property 8";
const CONT_9: &str =
    "Cont (2001), property 9; absent: Ratliff-Crain et al. (2023, arXiv 2311.07738)";
const CONT_10: &str =
    "Cont (2001), property 10; in clock time: Ratliff-Crain et al. (2023, arXiv 2311.07738)";
const CONT_11: &str = "Cont (2001), property 11 (after Müller et al. 1997)";
const LILLO: &str = "Lillo & Farmer (2004); Bouchaud et al. (2004); Lillo, Mike & Farmer (2005)";
const NONE: &str = "none";

const DETAIL: &str = "detail of the fact; its verdict is on another row";
const DESCRIBES: &str = "describes the sample; no published range";
const ASSET: &str = "asset-specific: no published range (realism metrics compare with the \
                     asset's own data, Vyetrenko et al. 2020)";

/// Builds the rows of one run in a fixed order; the definitions do not depend on the data.
struct Rows {
    rows: Vec<(RowDef, RunValue)>,
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        fact: &'static str,
        statistic: String,
        description: String,
        published: &'static str,
        source: &'static str,
        rule: Rule,
        value: Result<f64, Missing>,
    ) {
        self.rows.push((
            RowDef {
                fact: fact.to_owned(),
                statistic,
                description,
                published: published.to_owned(),
                source: source.to_owned(),
                rule,
                missing_fails: false,
            },
            RunValue(value),
        ));
    }

    fn missing_fails(&mut self) {
        self.rows.last_mut().expect("a row").0.missing_fails = true;
    }
}

/// Why a run cannot be measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooFewReturns {
    pub returns: usize,
    pub skipped: usize,
}

/// The share of `Σ v` in the `⌈TOP_SHARE · m⌉` largest of the `m` values `v ≥ 0`.
fn top_share(v: &[f64]) -> Result<f64, Missing> {
    let total: f64 = v.iter().sum();
    if v.is_empty() || total <= 0.0 {
        return Err(est::ZERO_VARIANCE);
    }
    let mut sorted = v.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let k = ((TOP_SHARE * v.len() as f64).ceil() as usize).max(1);
    Ok(sorted[..k].iter().sum::<f64>() / total)
}

fn block_rv(r: &[f64]) -> Vec<f64> {
    r.chunks_exact(BLOCK)
        .map(|c| c.iter().map(|x| x * x).sum())
        .collect()
}

fn at(v: &Result<Vec<f64>, Missing>, k: usize) -> Result<f64, Missing> {
    match v {
        Ok(a) => a.get(k).copied().ok_or(est::TOO_FEW),
        Err(e) => Err(*e),
    }
}

/// Measures one run: `seed` is its repetition seed (the intermittency permutations draw from
/// its stream `realism/intermittency/shuffle`).
pub fn measure(
    log: &RunLog,
    seed: RepetitionSeed,
    interval_s: u64,
) -> Result<RunMeasures, TooFewReturns> {
    let grid = grid_series(log, interval_s * 1_000_000_000);
    let r = &grid.returns;
    let n = r.len();
    if n < MIN_RETURNS {
        return Err(TooFewReturns {
            returns: n,
            skipped: grid.skipped,
        });
    }
    let abs: Vec<f64> = r.iter().map(|x| x.abs()).collect();
    let unit = |k: usize| {
        if interval_s == 60 {
            format!("{k} min")
        } else {
            format!("{} s", k as u64 * interval_s)
        }
    };
    let ret = format!("log mid-quote returns over {}", unit(1));
    let mut rows = Rows { rows: Vec::new() };

    // 1. Absence of autocorrelation.
    let acf_r = acf(
        r,
        PLOT_RETURN_LAGS.max(RETURN_ACF_LAGS[RETURN_ACF_LAGS.len() - 1]),
    );
    for k in RETURN_ACF_LAGS {
        rows.push(
            "absence of autocorrelation",
            format!("acf_r_lag{k}"),
            format!("autocorrelation of the {ret} at lag {}", unit(k)),
            "insignificant beyond ~20 min in liquid markets; small at 1–5 min (bid–ask bounce \
             on trade prices, near 0 on mid-quotes)",
            CONT_1,
            Rule::WhiteNoiseBand,
            at(&acf_r, k),
        );
    }

    // 2. Heavy tails.
    rows.push(
        "heavy tails",
        "excess_kurtosis".into(),
        format!("excess kurtosis m4/m2² − 3 of the {ret}"),
        "kurtosis ≫ 0 at minutes",
        CONT_2,
        Rule::Above { bound: 0.0 },
        excess_kurtosis(r),
    );
    rows.push(
        "heavy tails",
        "hill_tail_index".into(),
        format!(
            "Hill tail index of |r| from the top {}% of |r|",
            HILL_FRACTION * 100.0
        ),
        "tail index between 2 and 5",
        CONT_2,
        Rule::Within {
            low: 2.0,
            high: 5.0,
        },
        hill(r, HILL_FRACTION),
    );

    // 3. Gain/loss asymmetry.
    rows.push(
        "gain/loss asymmetry",
        "skewness".into(),
        format!("skewness m3/m2^1.5 of the {ret}"),
        "negative in Cont's data; absent in modern US data",
        CONT_3,
        Rule::IncludesZero,
        skewness(r),
    );

    // 4. Aggregational Gaussianity.
    let kurt_h: Vec<Result<f64, Missing>> = HORIZONS
        .iter()
        .map(|&h| excess_kurtosis(&aggregate(r, h)))
        .collect();
    for (h, k) in HORIZONS.iter().zip(&kurt_h) {
        rows.push(
            "aggregational Gaussianity",
            format!("excess_kurtosis_h{h}"),
            format!(
                "excess kurtosis of non-overlapping log returns over {}",
                unit(*h)
            ),
            "kurtosis falls as the horizon grows",
            CONT_4,
            Rule::info(DETAIL),
            *k,
        );
    }
    let slope = kurt_h
        .iter()
        .copied()
        .collect::<Result<Vec<f64>, Missing>>()
        .and_then(|ks| {
            let lh: Vec<f64> = HORIZONS.iter().map(|&h| (h as f64).ln()).collect();
            ols(&lh, &ks).map(|(_, s)| s)
        });
    rows.push(
        "aggregational Gaussianity",
        "kurtosis_horizon_slope".into(),
        format!(
            "least-squares slope of excess kurtosis on ln(horizon), horizons {}",
            HORIZONS.map(&unit).join(", ")
        ),
        "kurtosis falls as the horizon grows",
        CONT_4,
        Rule::Below { bound: 0.0 },
        slope,
    );

    // 5. Intermittency.
    let share = top_share(&block_rv(r));
    let shuffled = {
        let mut stream = seed.stream("realism/intermittency/shuffle");
        let mut x = r.clone();
        let mut total = 0.0;
        let mut ok = true;
        for _ in 0..SHUFFLES {
            for i in (1..x.len()).rev() {
                let j = stream.random_range(0..=i);
                x.swap(i, j);
            }
            match top_share(&block_rv(&x)) {
                Ok(s) => total += s,
                Err(_) => ok = false,
            }
        }
        if ok {
            Ok(total / SHUFFLES as f64)
        } else {
            Err(est::ZERO_VARIANCE)
        }
    };
    let blocks = format!("{}-blocks", unit(BLOCK));
    rows.push(
        "intermittency",
        "rv_top5_share".into(),
        format!(
            "share of quadratic variation Σr² in the top {}% of {blocks} by realized variance",
            TOP_SHARE * 100.0
        ),
        "bursts in volatility measures: present",
        CONT_5,
        Rule::info(DETAIL),
        share,
    );
    rows.push(
        "intermittency",
        "rv_top5_share_shuffled".into(),
        format!(
            "the same share after randomly permuting the returns (mean of {SHUFFLES} \
             permutations): the value without bursts"
        ),
        "bursts in volatility measures: present",
        CONT_5,
        Rule::info(DETAIL),
        shuffled,
    );
    rows.push(
        "intermittency",
        "rv_top5_share_excess".into(),
        "rv_top5_share − rv_top5_share_shuffled: the concentration of variance that the \
         order of the returns adds"
            .into(),
        "bursts in volatility measures: present",
        CONT_5,
        Rule::Above { bound: 0.0 },
        share.and_then(|a| shuffled.map(|b| a - b)),
    );

    // 6. Volatility clustering.
    let acf_abs = acf(&abs, PLOT_ABS_LAGS.max(ABS_FIT_MAX_LAG).max(ABS_ACF_LAGS));
    for k in 1..=ABS_ACF_LAGS {
        rows.push(
            "volatility clustering",
            format!("acf_abs_r_lag{k}"),
            format!("autocorrelation of |r| at lag {}", unit(k)),
            "ACF of |r| positive over many lags",
            CONT_6,
            Rule::Above { bound: 0.0 },
            at(&acf_abs, k),
        );
    }

    // 7. Conditional heavy tails.
    let garch = fit_garch11(r);
    rows.push(
        "conditional heavy tails",
        "garch_alpha".into(),
        "α of a GARCH(1,1) fitted by Gaussian maximum likelihood".into(),
        "—",
        NONE,
        Rule::info("parameter of the filter; no published range"),
        garch.as_ref().map(|g| g.alpha).map_err(|e| *e),
    );
    rows.push(
        "conditional heavy tails",
        "garch_beta".into(),
        "β of the GARCH(1,1)".into(),
        "—",
        NONE,
        Rule::info("parameter of the filter; no published range"),
        garch.as_ref().map(|g| g.beta).map_err(|e| *e),
    );
    rows.push(
        "conditional heavy tails",
        "garch_residual_kurtosis".into(),
        "kurtosis m4/m2² (not excess) of the GARCH(1,1) standardized residuals r_t/σ_t".into(),
        "still > 3",
        CONT_7,
        Rule::Above { bound: 3.0 },
        garch
            .as_ref()
            .map_err(|e| *e)
            .and_then(|g| kurtosis(&g.residuals)),
    );

    // 8. Slow decay of the autocorrelation of |r|.
    let abs_fit = acf_abs
        .as_ref()
        .map_err(|e| *e)
        .and_then(|a| power_law_fit(a, &log_spaced_lags(ABS_FIT_MAX_LAG)));
    rows.push(
        "slow decay of ACF of |r|",
        "acf_abs_r_beta".into(),
        format!(
            "β: minus the least-squares slope of ln ACF(|r|) on ln τ at log-spaced lags 1 to {} \
             (positive values only; half of them needed)",
            unit(ABS_FIT_MAX_LAG)
        ),
        "β in [0.2, 0.4]",
        CONT_8,
        Rule::Within {
            low: 0.2,
            high: 0.4,
        },
        abs_fit.map(|f| f.exponent),
    );
    rows.missing_fails();

    // 9. Leverage effect.
    let leverage: Vec<Result<f64, Missing>> = (1..=LEVERAGE_LAGS)
        .map(|tau| correlation(&r[..n - tau], &abs[tau..]))
        .collect();
    for tau in LEVERAGE_DETAIL_LAGS {
        rows.push(
            "leverage effect",
            format!("leverage_lag{tau}"),
            format!("corr(r_t, |r_(t+τ)|) at τ = {}", unit(tau)),
            "negative in Cont's data; absent in modern US data",
            CONT_9,
            Rule::info(DETAIL),
            leverage[tau - 1],
        );
    }
    rows.push(
        "leverage effect",
        "leverage_mean".into(),
        format!("mean over τ = 1..{LEVERAGE_LAGS} intervals of corr(r_t, |r_(t+τ)|)"),
        "negative in Cont's data; absent in modern US data",
        CONT_9,
        Rule::IncludesZero,
        leverage
            .iter()
            .copied()
            .collect::<Result<Vec<f64>, Missing>>()
            .map(|v| est::mean(&v)),
    );

    // 10. Volume–volatility correlation.
    rows.push(
        "volume–volatility correlation",
        "corr_volume_abs_r".into(),
        format!(
            "corr(lots traded in each {} interval, |r| over it)",
            unit(1)
        ),
        "positive",
        CONT_10,
        Rule::Above { bound: 0.0 },
        correlation(&grid.volume, &abs),
    );

    // 11. Asymmetry in time scales.
    let coarse: Vec<f64> = aggregate(r, BLOCK).iter().map(|x| x.abs()).collect();
    let fine: Vec<f64> = block_rv(r).iter().map(|x| x.sqrt()).collect();
    let m = coarse.len();
    let cf = correlation(&coarse[..m - 1], &fine[1..]);
    let fc = correlation(&fine[..m - 1], &coarse[1..]);
    rows.push(
        "asymmetry in time scales",
        "corr_coarse_then_fine".into(),
        format!(
            "corr(coarse volatility |Σr| of a {} block, fine volatility √Σr² of the next)",
            unit(BLOCK)
        ),
        "coarse volatility predicts fine better than the reverse",
        CONT_11,
        Rule::info(DETAIL),
        cf,
    );
    rows.push(
        "asymmetry in time scales",
        "corr_fine_then_coarse".into(),
        format!(
            "corr(fine volatility of a {} block, coarse volatility of the next)",
            unit(BLOCK)
        ),
        "coarse volatility predicts fine better than the reverse",
        CONT_11,
        Rule::info(DETAIL),
        fc,
    );
    rows.push(
        "asymmetry in time scales",
        "time_scale_asymmetry".into(),
        "corr_coarse_then_fine − corr_fine_then_coarse".into(),
        "coarse volatility predicts fine better than the reverse: present",
        CONT_11,
        Rule::Above { bound: 0.0 },
        cf.and_then(|a| fc.map(|b| a - b)),
    );

    // Order flow: long memory of trade signs.
    let signs = trade_signs(log);
    let acf_sign = acf(&signs, PLOT_SIGN_LAGS.max(SIGN_FIT_MAX_LAG));
    for k in SIGN_DETAIL_LAGS {
        rows.push(
            "long memory of order flow",
            format!("sign_acf_lag{k}"),
            format!("autocorrelation of taker-order signs at lag {k} trades"),
            "ACF of trade signs ~ τ^−γ, γ about 0.5–0.6",
            LILLO,
            Rule::info(DETAIL),
            at(&acf_sign, k),
        );
    }
    let sign_fit = acf_sign
        .as_ref()
        .map_err(|e| *e)
        .and_then(|a| power_law_fit(a, &log_spaced_lags(SIGN_FIT_MAX_LAG)));
    rows.push(
        "long memory of order flow",
        "sign_acf_gamma".into(),
        format!(
            "γ: minus the least-squares slope of ln ACF(signs) on ln τ at log-spaced lags 1 to \
             {SIGN_FIT_MAX_LAG} trades (positive values only; half of them needed)"
        ),
        "γ about 0.5–0.6",
        LILLO,
        Rule::Within {
            low: 0.5,
            high: 0.6,
        },
        sign_fit.map(|f| f.exponent),
    );
    rows.missing_fails();

    // The sample.
    rows.push(
        "sample",
        "returns_per_run".into(),
        format!(
            "returns on the {} grid after the book is first two-sided",
            unit(1)
        ),
        "—",
        NONE,
        Rule::info(DESCRIBES),
        Ok(n as f64),
    );
    rows.push(
        "sample",
        "zero_return_share".into(),
        "share of the returns that are exactly 0 (the mid did not move)".into(),
        "—",
        NONE,
        Rule::info(DESCRIBES),
        Ok(r.iter().filter(|x| **x == 0.0).count() as f64 / n as f64),
    );
    rows.push(
        "sample",
        "taker_orders_per_run".into(),
        "taker orders (trade signs) in the run".into(),
        "—",
        NONE,
        Rule::info(DESCRIBES),
        Ok(signs.len() as f64),
    );

    // Spread and depth.
    let book = book_samples(log);
    let spread_total: f64 = book.spread.iter().map(|p| p.1).sum();
    let depth_total: f64 = book.depth.iter().map(|p| p.1).sum();
    for q in QUANTILES {
        let pct = (q * 100.0).round() as u32;
        rows.push(
            "spread and depth",
            format!("spread_p{pct}"),
            format!(
                "time-weighted {pct}th percentile of the quoted spread (ticks), two-sided book"
            ),
            "—",
            NONE,
            Rule::info(ASSET),
            weighted_quantile(&book.spread, spread_total, q).ok_or("never two-sided"),
        );
    }
    for q in QUANTILES {
        let pct = (q * 100.0).round() as u32;
        rows.push(
            "spread and depth",
            format!("depth_best_p{pct}"),
            format!(
                "time-weighted {pct}th percentile of the lots at the best bid and at the best \
                 ask (both sides pooled)"
            ),
            "—",
            NONE,
            Rule::info(ASSET),
            weighted_quantile(&book.depth, depth_total, q).ok_or("never two-sided"),
        );
    }
    rows.push(
        "spread and depth",
        "one_sided_share".into(),
        "share of the time after the first two-sided quote with a one-sided or empty book".into(),
        "—",
        NONE,
        Rule::info(ASSET),
        if book.observed_ns > 0.0 {
            Ok(1.0 - book.two_sided_ns / book.observed_ns)
        } else {
            Err("never two-sided")
        },
    );

    // The return histogram, in units of the run's standard deviation.
    let bins = (HISTOGRAM_MAX_SD / HISTOGRAM_BIN_SD).round() as i64;
    let mut histogram = vec![0u64; (2 * bins + 1) as usize];
    let (mut below, mut above) = (0, 0);
    let (m2, _, _) = est::central_moments(r);
    if m2 > 0.0 {
        let (mu, sd) = (est::mean(r), m2.sqrt());
        for x in r {
            let i = (((x - mu) / sd) / HISTOGRAM_BIN_SD).round() as i64;
            if i < -bins {
                below += 1;
            } else if i > bins {
                above += 1;
            } else {
                histogram[(i + bins) as usize] += 1;
            }
        }
    }

    Ok(RunMeasures {
        returns: n,
        rows: rows.rows,
        acf_r,
        acf_abs,
        acf_sign,
        abs_fit,
        sign_fit,
        histogram,
        below,
        above,
    })
}

/// Applies `rule` to a summary.
pub fn judge(rule: &Rule, s: &Summary) -> (Verdict, String) {
    if let Rule::Info { why } = rule {
        return (Verdict::Info, (*why).to_owned());
    }
    let (lo, hi) = match (s.ci95_low.value(), s.ci95_high.value()) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => {
            let why = s
                .ci95_low
                .reason()
                .map_or("no interval".to_owned(), |r| r.to_string());
            return (Verdict::Inconclusive, format!("no 95% CI ({why})"));
        }
    };
    let ci = format!("CI [{}, {}]", fmt(lo), fmt(hi));
    match *rule {
        Rule::Above { bound } => {
            if lo > bound {
                (Verdict::Pass, format!("{ci} above {bound}"))
            } else if hi <= bound {
                (Verdict::Fail, format!("{ci} at or below {bound}"))
            } else {
                (Verdict::Inconclusive, format!("{ci} straddles {bound}"))
            }
        }
        Rule::Below { bound } => {
            if hi < bound {
                (Verdict::Pass, format!("{ci} below {bound}"))
            } else if lo >= bound {
                (Verdict::Fail, format!("{ci} at or above {bound}"))
            } else {
                (Verdict::Inconclusive, format!("{ci} straddles {bound}"))
            }
        }
        Rule::Within { low, high } => {
            let range = format!("[{}, {}]", fmt(low), fmt(high));
            if low <= lo && hi <= high {
                (Verdict::Pass, format!("{ci} inside {range}"))
            } else if hi < low || lo > high {
                (Verdict::Fail, format!("{ci} outside {range}"))
            } else {
                (
                    Verdict::Inconclusive,
                    format!("{ci} overlaps the edge of {range}"),
                )
            }
        }
        Rule::IncludesZero => {
            if lo <= 0.0 && 0.0 <= hi {
                (Verdict::Pass, format!("{ci} includes 0: absent"))
            } else {
                (Verdict::Fail, format!("{ci} excludes 0: present"))
            }
        }
        Rule::WhiteNoiseBand => unreachable!("resolved before judging"),
        Rule::Info { .. } => unreachable!("handled above"),
    }
}

/// Aggregates the runs' rows (all built in the same order) into one row per statistic.
pub fn aggregate_rows(runs: &[RunMeasures]) -> Vec<FactRow> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    let mean_returns = est::mean(&runs.iter().map(|m| m.returns as f64).collect::<Vec<_>>());
    let band = 1.96 / mean_returns.sqrt();
    (0..first.rows.len())
        .map(|i| {
            let def = first.rows[i].0.clone();
            let values: Vec<RunValue> = runs
                .iter()
                .map(|m| {
                    assert_eq!(m.rows[i].0.statistic, def.statistic, "rows in one order");
                    match m.rows[i].1 {
                        RunValue(Ok(x)) if !x.is_finite() => RunValue(Err("overflow")),
                        v => v,
                    }
                })
                .collect();
            let present: Vec<f64> = values.iter().filter_map(|v| v.0.ok()).collect();
            let s = Summary::of(&present).expect("only finite values are kept");
            let (rule, rule_text) = match def.rule {
                Rule::WhiteNoiseBand => (
                    Rule::Within {
                        low: -band,
                        high: band,
                    },
                    format!(
                        "pass if the 95% CI lies inside the white-noise band ±1.96/√n = ±{} \
                         (n = {} returns per run, mean); fail if it lies outside",
                        fmt(band),
                        fmt(mean_returns)
                    ),
                ),
                ref r => (r.clone(), r.text()),
            };
            // Runs where the autocorrelation was not positive enough to fit a power law.
            let no_power_law = values
                .iter()
                .filter(|v| v.0 == Err(est::NOT_POSITIVE))
                .count();
            let (verdict, verdict_reason) = if def.missing_fails
                && !matches!(rule, Rule::Info { .. })
                && 2 * no_power_law > values.len()
            {
                (
                    Verdict::Fail,
                    format!(
                        "no value in {no_power_law} of {} runs: {}",
                        values.len(),
                        est::NOT_POSITIVE
                    ),
                )
            } else {
                let (v, mut why) = judge(&rule, &s);
                // Inside one day's band, yet the repetitions may still pin a small systematic
                // autocorrelation down: say so.
                if def.rule == Rule::WhiteNoiseBand
                    && let (Some(lo), Some(hi)) = (s.ci95_low.value(), s.ci95_high.value())
                    && (lo > 0.0 || hi < 0.0)
                {
                    why.push_str("; the CI excludes 0: small but systematic");
                }
                (v, why)
            };
            FactRow {
                def: RowDef { rule, ..def },
                rule_text,
                mean: s.mean,
                sd: s.sd,
                ci95_low: s.ci95_low,
                ci95_high: s.ci95_high,
                n: s.n,
                verdict,
                verdict_reason,
                runs: values,
            }
        })
        .collect()
}

/// The verdict of each fact, in the order the facts first appear.
pub fn fact_verdicts(rows: &[FactRow]) -> Vec<FactVerdict> {
    let mut out: Vec<FactVerdict> = Vec::new();
    for row in rows {
        let i = match out.iter().position(|f| f.fact == row.def.fact) {
            Some(i) => i,
            None => {
                out.push(FactVerdict {
                    fact: row.def.fact.clone(),
                    verdict: Verdict::Info,
                    pass: 0,
                    fail: 0,
                    inconclusive: 0,
                    info: 0,
                });
                out.len() - 1
            }
        };
        let f = &mut out[i];
        match row.verdict {
            Verdict::Pass => f.pass += 1,
            Verdict::Fail => f.fail += 1,
            Verdict::Inconclusive => f.inconclusive += 1,
            Verdict::Info => f.info += 1,
        }
        f.verdict = if f.fail > 0 {
            Verdict::Fail
        } else if f.inconclusive > 0 {
            Verdict::Inconclusive
        } else if f.pass > 0 {
            Verdict::Pass
        } else {
            Verdict::Info
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(values: &[f64]) -> Summary {
        Summary::of(values).unwrap()
    }

    #[test]
    fn verdict_rules() {
        let above = Rule::Above { bound: 0.0 };
        assert_eq!(judge(&above, &summary(&[1.0, 1.1, 0.9])).0, Verdict::Pass);
        assert_eq!(
            judge(&above, &summary(&[-1.0, -1.1, -0.9])).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(&above, &summary(&[-1.0, 1.0, 0.1])).0,
            Verdict::Inconclusive
        );
        let below = Rule::Below { bound: 0.0 };
        assert_eq!(judge(&below, &summary(&[-1.0, -1.1])).0, Verdict::Pass);
        let within = Rule::Within {
            low: 2.0,
            high: 5.0,
        };
        assert_eq!(judge(&within, &summary(&[3.0, 3.1, 2.9])).0, Verdict::Pass);
        assert_eq!(judge(&within, &summary(&[6.0, 6.1, 5.9])).0, Verdict::Fail);
        assert_eq!(
            judge(&within, &summary(&[1.0, 3.0, 2.0])).0,
            Verdict::Inconclusive
        );
        let zero = Rule::IncludesZero;
        assert_eq!(judge(&zero, &summary(&[-0.1, 0.1, 0.0])).0, Verdict::Pass);
        let (v, why) = judge(&zero, &summary(&[-0.2, -0.21, -0.19]));
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("excludes 0"), "{why}");
        let (v, why) = judge(&above, &summary(&[1.0]));
        assert_eq!(v, Verdict::Inconclusive);
        assert!(why.contains("n < 2"), "{why}");
        assert_eq!(
            judge(&Rule::info("x"), &summary(&[1.0, 2.0])),
            (Verdict::Info, "x".to_owned())
        );
    }

    fn measures(rows: Vec<(RowDef, RunValue)>) -> RunMeasures {
        RunMeasures {
            returns: 400,
            rows,
            acf_r: Err(est::TOO_FEW),
            acf_abs: Err(est::TOO_FEW),
            acf_sign: Err(est::TOO_FEW),
            abs_fit: Err(est::TOO_FEW),
            sign_fit: Err(est::TOO_FEW),
            histogram: Vec::new(),
            below: 0,
            above: 0,
        }
    }

    fn def(fact: &'static str, statistic: &str, rule: Rule, missing_fails: bool) -> RowDef {
        RowDef {
            fact: fact.to_owned(),
            statistic: statistic.to_owned(),
            description: String::new(),
            published: String::new(),
            source: String::new(),
            rule,
            missing_fails,
        }
    }

    #[test]
    fn aggregation_resolves_the_band_and_fails_missing_power_laws() {
        let runs: Vec<RunMeasures> = [0.01, -0.02, 0.0]
            .iter()
            .map(|&x| {
                measures(vec![
                    (
                        def("a", "acf", Rule::WhiteNoiseBand, false),
                        RunValue(Ok(x)),
                    ),
                    (
                        def(
                            "b",
                            "beta",
                            Rule::Within {
                                low: 0.2,
                                high: 0.4,
                            },
                            true,
                        ),
                        RunValue(if x > 0.0 {
                            Ok(0.3)
                        } else {
                            Err(est::NOT_POSITIVE)
                        }),
                    ),
                ])
            })
            .collect();
        let rows = aggregate_rows(&runs);
        // n = 400 returns: band ±1.96/20 = ±0.098.
        let Rule::Within { low, high } = rows[0].def.rule else {
            panic!("{:?}", rows[0].def.rule)
        };
        assert!((high - 0.098).abs() < 1e-12 && low == -high);
        assert_eq!(rows[0].verdict, Verdict::Pass);
        assert!(
            rows[0].rule_text.contains("±0.098"),
            "{}",
            rows[0].rule_text
        );
        assert_eq!(rows[1].n, 1);
        assert_eq!(rows[1].verdict, Verdict::Fail);
        assert!(rows[1].verdict_reason.contains("no value in 2 of 3 runs"));
        let facts = fact_verdicts(&rows);
        assert_eq!(facts.len(), 2);
        assert_eq!(
            (facts[0].verdict, facts[1].verdict),
            (Verdict::Pass, Verdict::Fail)
        );
        let json = serde_json::to_string(&rows[1].runs).unwrap();
        assert_eq!(
            json,
            r#"[0.3,{"missing":"autocorrelation not positive at half of the fit lags"},{"missing":"autocorrelation not positive at half of the fit lags"}]"#
        );
    }
}
