//! Inference on a difference of means: the estimate, its standard error, the t interval and the
//! two-sided t test of "no difference". Shared by the paired and the unpaired (Welch) comparison.

use super::error::StatsError;
use super::estimate::{Estimate, MissingReason};
use super::interval::{Interval, t_inference};
use super::moments::Moments;
use serde::Serialize;

/// A difference of means (treatment − reference) with its t interval and test.
///
/// `ci95_low`, `ci95_high` = `difference ∓ t_{0.975, df} · se`; `t_statistic = difference / se`;
/// `p_value = 2·P(T_df > |t_statistic|)`. When `se = 0` the interval has zero width at the
/// difference, `t_statistic` is missing (`zero variance`) and `p_value` is 1 if the difference
/// is 0 and 0 otherwise (see `docs/statistics.md`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DifferenceOfMeans {
    pub difference: Estimate,
    pub se: Estimate,
    pub df: Estimate,
    pub ci95_low: Estimate,
    pub ci95_high: Estimate,
    pub t_statistic: Estimate,
    pub p_value: Estimate,
}

impl DifferenceOfMeans {
    pub(crate) fn new(difference: Estimate, se: Estimate, df: Estimate) -> DifferenceOfMeans {
        let t = t_inference(difference, se, df, 0.95).expect("0.95 is a valid level");
        // A missing difference makes everything missing for the same reason, and so does a
        // missing standard error for what depends on it.
        let se = difference.and_then(|_| se);
        DifferenceOfMeans {
            difference,
            se,
            df: se.and_then(|_| df),
            ci95_low: t.interval.low,
            ci95_high: t.interval.high,
            t_statistic: t.t_statistic,
            p_value: t.p_value,
        }
    }

    /// The t interval for the difference at `level` (in (0, 1)).
    pub fn interval(&self, level: f64) -> Result<Interval, StatsError> {
        Ok(t_inference(self.difference, self.se, self.df, level)?.interval)
    }

    /// Welch's unpaired comparison of two independent samples' moments (`a − b`):
    ///
    /// * `se = sqrt(s_a²/n_a + s_b²/n_b)`;
    /// * `df = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))`
    ///   (Welch–Satterthwaite), computed after dividing both terms by the larger so that tiny
    ///   variances do not underflow; missing (`zero variance`) when both variances are 0.
    ///
    /// Needs `n ≥ 2` in both samples (each variance is estimated), else missing `n < 2`
    /// (or `n = 0` for the difference itself when a sample is empty).
    pub(crate) fn welch(a: &Moments, b: &Moments) -> DifferenceOfMeans {
        let difference = a.mean.and_then(|ma| b.mean.map(|mb| ma - mb));
        let (se, df) = match (a.variance, b.variance) {
            (Estimate::Value(va), Estimate::Value(vb)) => {
                let ua = va / a.n as f64;
                let ub = vb / b.n as f64;
                let se = Estimate::finite((ua + ub).sqrt());
                let scale = ua.max(ub);
                let df = if scale == 0.0 {
                    Estimate::missing(MissingReason::ZeroVariance)
                } else {
                    let (ra, rb) = (ua / scale, ub / scale);
                    Estimate::finite(
                        (ra + rb) * (ra + rb)
                            / (ra * ra / (a.n - 1) as f64 + rb * rb / (b.n - 1) as f64),
                    )
                };
                (se, df)
            }
            (Estimate::Missing { reason }, _) | (_, Estimate::Missing { reason }) => {
                (Estimate::missing(reason), Estimate::missing(reason))
            }
        };
        DifferenceOfMeans::new(difference, se, df)
    }
}
