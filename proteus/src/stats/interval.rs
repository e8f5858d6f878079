//! Confidence intervals and t tests from an estimate, its standard error and degrees of freedom.

use super::error::{StatsError, require_level};
use super::estimate::{Estimate, MissingReason};
use super::student_t::{two_sided_p, upper_quantile};
use serde::Serialize;

/// A two-sided confidence interval at `level` (e.g. 0.95). Both ends are missing together, for
/// the same reason.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub level: f64,
    pub low: Estimate,
    pub high: Estimate,
}

impl Interval {
    pub(crate) fn missing(level: f64, reason: MissingReason) -> Interval {
        Interval {
            level,
            low: Estimate::missing(reason),
            high: Estimate::missing(reason),
        }
    }
}

/// The t interval and two-sided test of "the true value is 0" for `center` with standard error
/// `se` on `df` degrees of freedom.
///
/// Zero standard error (every observation, or every difference, equal): the interval has zero
/// width at `center`, the t statistic is missing (`zero variance`), and the p-value is the limit
/// of the t test as the spread goes to 0: 1 when `center == 0` (no difference at all), 0
/// otherwise (the same non-zero value every time).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TInference {
    pub interval: Interval,
    pub t_statistic: Estimate,
    pub p_value: Estimate,
}

/// Every input is an `Estimate` so that a missing one propagates with its reason: `center` first,
/// then `se`, then `df` (which a zero `se` does not need).
pub(crate) fn t_inference(
    center: Estimate,
    se: Estimate,
    df: Estimate,
    level: f64,
) -> Result<TInference, StatsError> {
    require_level(level)?;
    let missing = |reason| TInference {
        interval: Interval::missing(level, reason),
        t_statistic: Estimate::missing(reason),
        p_value: Estimate::missing(reason),
    };
    let (c, s) = match (center, se) {
        (Estimate::Missing { reason }, _) | (_, Estimate::Missing { reason }) => {
            return Ok(missing(reason));
        }
        (Estimate::Value(c), Estimate::Value(s)) => (c, s),
    };
    if s == 0.0 {
        return Ok(TInference {
            interval: Interval {
                level,
                low: Estimate::Value(c),
                high: Estimate::Value(c),
            },
            t_statistic: Estimate::missing(MissingReason::ZeroVariance),
            p_value: Estimate::Value(if c == 0.0 { 1.0 } else { 0.0 }),
        });
    }
    let df = match df {
        Estimate::Missing { reason } => return Ok(missing(reason)),
        Estimate::Value(df) => df,
    };
    let half = upper_quantile((1.0 - level) / 2.0, df) * s;
    let t = c / s;
    Ok(TInference {
        interval: Interval {
            level,
            low: Estimate::finite(c - half),
            high: Estimate::finite(c + half),
        },
        t_statistic: Estimate::finite(t),
        // An overflowing t (|t| = inf) still has a p-value: 0.
        p_value: Estimate::finite(if t.is_finite() {
            two_sided_p(t, df)
        } else {
            0.0
        }),
    })
}
