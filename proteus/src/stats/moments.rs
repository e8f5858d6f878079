//! Mean and sample variance of a checked-finite sample, in a fixed order.

use super::estimate::{Estimate, MissingReason};

/// `n`, the mean, the sample variance (divisor `n − 1`) and the extremes of a finite sample.
///
/// Reductions run left to right over the slice, so the result depends only on the values and
/// their order. The variance is two-pass: `Σ (x_i − mean)² / (n − 1)`. A sample whose
/// observations are all equal (`min == max`) has mean exactly that value and variance exactly 0,
/// whatever rounding the sum would have introduced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Moments {
    pub n: usize,
    pub mean: Estimate,
    pub variance: Estimate,
    pub min: Estimate,
    pub max: Estimate,
}

impl Moments {
    /// The caller has checked that every observation is finite.
    pub fn of(sample: &[f64]) -> Moments {
        let n = sample.len();
        let Some(&first) = sample.first() else {
            let m = Estimate::missing(MissingReason::EmptySample);
            return Moments {
                n,
                mean: m,
                variance: m,
                min: m,
                max: m,
            };
        };
        let (min, max) = sample
            .iter()
            .fold((first, first), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        let (mean, variance) = if min == max {
            (Estimate::Value(first), Estimate::Value(0.0))
        } else {
            let mean = Estimate::finite(sample.iter().sum::<f64>() / n as f64);
            let variance = mean
                .map(|m| sample.iter().map(|&x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64);
            (mean, variance)
        };
        Moments {
            n,
            mean,
            variance: if n < 2 {
                Estimate::missing(MissingReason::TooFewObservations)
            } else {
                variance
            },
            min: Estimate::Value(min),
            max: Estimate::Value(max),
        }
    }

    /// `sqrt(variance)`.
    pub fn sd(&self) -> Estimate {
        self.variance.map(f64::sqrt)
    }

    /// `sd / sqrt(n)`.
    pub fn se(&self) -> Estimate {
        self.sd().map(|sd| sd / (self.n as f64).sqrt())
    }
}
