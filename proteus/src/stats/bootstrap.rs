//! Percentile bootstrap interval for a mean: an option beside the t interval, for skewed metrics.

use super::error::{StatsError, require_finite, require_level};
use super::estimate::{Estimate, MissingReason};
use rand::{Rng, RngExt};
use serde::Serialize;

/// A percentile bootstrap interval for the mean at `level` from `resamples` resamples.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BootstrapInterval {
    pub level: f64,
    pub resamples: usize,
    pub low: Estimate,
    pub high: Estimate,
}

/// The percentile bootstrap interval for the mean of `sample`.
///
/// Draws `resamples` resamples of size `n` with replacement, each index by
/// `rng.random_range(0..n)` (resample by resample, index by index: `resamples · n` draws), takes
/// each resample's mean (summed in draw order), sorts the means, and returns their empirical
/// quantiles at `(1 − level)/2` and `(1 + level)/2` by linear interpolation between order
/// statistics (Hyndman and Fan's type 7, the default of R and NumPy): with the sorted means
/// `m_0 ≤ … ≤ m_{B−1}` and `h = (B − 1)·p`, the quantile is
/// `m_⌊h⌋ + (h − ⌊h⌋)·(m_{⌊h⌋+1} − m_⌊h⌋)`.
///
/// Deterministic given the generator's state: pass a named stream of the seed protocol (for
/// example `RepetitionSeed(..).stream("stats/bootstrap/<metric>")`).
///
/// `n = 0` (`n = 0`) and `n = 1` (`n < 2`: every resample equals the one observation, and a
/// zero-width interval would claim certainty) give missing ends and draw nothing.
/// Fails on a non-finite observation, a level outside (0, 1) or `resamples = 0`.
pub fn bootstrap_mean_interval<R: Rng + ?Sized>(
    sample: &[f64],
    level: f64,
    resamples: usize,
    rng: &mut R,
) -> Result<BootstrapInterval, StatsError> {
    require_finite("sample", sample)?;
    require_level(level)?;
    if resamples == 0 {
        return Err(StatsError::InvalidResamples { resamples });
    }
    let missing = |reason| BootstrapInterval {
        level,
        resamples,
        low: Estimate::missing(reason),
        high: Estimate::missing(reason),
    };
    let n = sample.len();
    match n {
        0 => return Ok(missing(MissingReason::EmptySample)),
        1 => return Ok(missing(MissingReason::TooFewObservations)),
        _ => {}
    }
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| (0..n).map(|_| sample[rng.random_range(0..n)]).sum::<f64>() / n as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    Ok(BootstrapInterval {
        level,
        resamples,
        low: Estimate::finite(type7_quantile(&means, tail)),
        high: Estimate::finite(type7_quantile(&means, 1.0 - tail)),
    })
}

/// Hyndman–Fan type 7 quantile of sorted, non-empty `xs` at `p` in [0, 1].
fn type7_quantile(xs: &[f64], p: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    match xs.get(lo + 1) {
        Some(&next) => xs[lo] + (h - lo as f64) * (next - xs[lo]),
        None => xs[lo],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    fn stream() -> crate::core::Stream {
        RepetitionSeed(7).stream("stats/bootstrap/test")
    }

    #[test]
    fn type7_matches_hand_values() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(type7_quantile(&xs, 0.0), 1.0);
        assert_eq!(type7_quantile(&xs, 1.0), 5.0);
        assert_eq!(type7_quantile(&xs, 0.5), 3.0);
        // h = 4·0.1 = 0.4 → 1 + 0.4·1.
        assert!((type7_quantile(&xs, 0.1) - 1.4).abs() < 1e-15);
        assert_eq!(type7_quantile(&[2.0], 0.975), 2.0);
    }

    #[test]
    fn same_stream_same_interval() {
        let xs: Vec<f64> = (0..40).map(|i| ((i * 7919) % 97) as f64).collect();
        let a = bootstrap_mean_interval(&xs, 0.95, 500, &mut stream()).unwrap();
        let b = bootstrap_mean_interval(&xs, 0.95, 500, &mut stream()).unwrap();
        assert_eq!(a, b);
        let (lo, hi) = (a.low.value().unwrap(), a.high.value().unwrap());
        let mean = xs.iter().sum::<f64>() / 40.0;
        assert!(lo < mean && mean < hi, "{lo} {mean} {hi}");
        let other =
            bootstrap_mean_interval(&xs, 0.95, 500, &mut RepetitionSeed(8).stream("stats/b"))
                .unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn bootstrap_width_matches_the_normal_approximation_on_a_symmetric_sample() {
        // The resampled means of a large symmetric sample are close to normal with the plug-in
        // standard error se·sqrt((n − 1)/n), so the interval's width should be
        // 2·z_{0.975}·se·sqrt((n − 1)/n). Monte Carlo error of one end (a 2.5% quantile of B
        // means): sqrt(0.025·0.975/B)/φ(z_{0.975}) plug-in standard errors; the width's is at most
        // twice that. Tolerance: 6 of those.
        let n = 400;
        let resamples = 4000;
        let xs: Vec<f64> = (0..n).map(|i| ((i * 7919) % 401) as f64).collect();
        let b = bootstrap_mean_interval(&xs, 0.95, resamples, &mut stream()).unwrap();
        let se = crate::stats::Summary::of(&xs).unwrap().se.value().unwrap();
        let plug_in_se = se * ((n - 1) as f64 / n as f64).sqrt();
        let z = 1.959963984540054;
        let phi_z = (-z * z / 2.0f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let end_error = (0.025f64 * 0.975 / resamples as f64).sqrt() / phi_z * plug_in_se;
        let expected = 2.0 * z * plug_in_se;
        let width = b.high.value().unwrap() - b.low.value().unwrap();
        assert!(
            (width - expected).abs() < 6.0 * 2.0 * end_error,
            "width {width}, expected {expected} ± {}",
            12.0 * end_error
        );
    }

    #[test]
    fn degenerate_and_invalid_inputs() {
        let one = bootstrap_mean_interval(&[3.0], 0.95, 10, &mut stream()).unwrap();
        assert_eq!(one.low.reason(), Some(MissingReason::TooFewObservations));
        let none = bootstrap_mean_interval(&[], 0.95, 10, &mut stream()).unwrap();
        assert_eq!(none.high.reason(), Some(MissingReason::EmptySample));
        assert!(matches!(
            bootstrap_mean_interval(&[1.0, 2.0], 0.95, 0, &mut stream()),
            Err(StatsError::InvalidResamples { resamples: 0 })
        ));
        assert!(matches!(
            bootstrap_mean_interval(&[1.0, 2.0], 1.0, 10, &mut stream()),
            Err(StatsError::InvalidLevel { .. })
        ));
        let constant = bootstrap_mean_interval(&[2.5; 5], 0.9, 50, &mut stream()).unwrap();
        assert_eq!(
            (constant.low, constant.high),
            (Estimate::Value(2.5), Estimate::Value(2.5))
        );
    }
}
