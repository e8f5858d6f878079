//! The summary of one sample: n, mean, sd, standard error, t interval, extremes.

use super::error::{StatsError, require_finite};
use super::estimate::{Estimate, MissingReason};
use super::interval::{Interval, t_inference};
use super::moments::Moments;
use serde::{Deserialize, Serialize};

/// Summary of a sample of repetitions (one metric, one cell).
///
/// * `mean = Σ x_i / n`, summed left to right.
/// * `sd = sqrt(Σ (x_i − mean)² / (n − 1))` (sample standard deviation).
/// * `se = sd / sqrt(n)`.
/// * `ci95_low`, `ci95_high` = `mean ∓ t_{0.975, n−1} · se` (Student t, `n − 1` degrees of
///   freedom). Other levels: [`Summary::t_interval`].
///
/// Degenerate samples give missing values with a reason, never NaN:
///
/// | case | mean, min, max | sd, se, interval |
/// |---|---|---|
/// | `n = 0` | missing `n = 0` | missing `n = 0` |
/// | `n = 1` | the observation | missing `n < 2` |
/// | all observations equal | that value, exactly | `sd = se = 0`; interval of zero width at the mean |
/// | an intermediate overflows `f64` | missing `overflow` where affected | missing `overflow` |
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub mean: Estimate,
    pub sd: Estimate,
    pub se: Estimate,
    pub ci95_low: Estimate,
    pub ci95_high: Estimate,
    pub min: Estimate,
    pub max: Estimate,
}

impl Summary {
    /// Summarises `sample` in its given order. Fails on the first non-finite observation.
    pub fn of(sample: &[f64]) -> Result<Summary, StatsError> {
        Summary::of_named("sample", sample)
    }

    /// Like [`Summary::of`]; `name` is the sample's name in an error.
    pub(crate) fn of_named(name: &'static str, sample: &[f64]) -> Result<Summary, StatsError> {
        require_finite(name, sample)?;
        Ok(Summary::from_moments(&Moments::of(sample)))
    }

    pub(crate) fn from_moments(m: &Moments) -> Summary {
        let (mean, se) = (m.mean, m.se());
        let ci = t_inference(mean, se, df_of(m.n), 0.95)
            .expect("0.95 is a valid level")
            .interval;
        Summary {
            n: m.n,
            mean,
            sd: m.sd(),
            se,
            ci95_low: ci.low,
            ci95_high: ci.high,
            min: m.min,
            max: m.max,
        }
    }

    /// The Student t interval for the mean at `level` (in (0, 1)), with the same degenerate-case
    /// rules as the 95% interval.
    pub fn t_interval(&self, level: f64) -> Result<Interval, StatsError> {
        Ok(t_inference(self.mean, self.se, df_of(self.n), level)?.interval)
    }
}

/// `n − 1` degrees of freedom; missing below 2 observations.
pub(crate) fn df_of(n: usize) -> Estimate {
    match n {
        0 => Estimate::missing(MissingReason::EmptySample),
        1 => Estimate::missing(MissingReason::TooFewObservations),
        n => Estimate::Value((n - 1) as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(e: Estimate) -> f64 {
        e.value().unwrap_or_else(|| panic!("missing: {e:?}"))
    }

    fn close(actual: Estimate, expected: f64) {
        let a = value(actual);
        assert!((a - expected).abs() <= 1e-12, "{a} vs {expected}");
    }

    #[test]
    fn one_two_three_four_by_hand() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        let sd = (5.0f64 / 3.0).sqrt();
        // t_{0.975, 3}; mpmath at 40 digits gives 3.1824463052837095 (scipy prints
        // 3.182446305284263, 5.5e-13 away).
        let t = 3.1824463052837096;
        assert_eq!(s.n, 4);
        close(s.mean, 2.5);
        close(s.sd, sd);
        close(s.se, sd / 2.0);
        close(s.ci95_low, 2.5 - t * sd / 2.0);
        close(s.ci95_high, 2.5 + t * sd / 2.0);
        close(s.min, 1.0);
        close(s.max, 4.0);
    }

    #[test]
    fn other_levels() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        let i = s.t_interval(0.90).unwrap();
        // t_{0.95, 3} = 2.3533634348018239 (mpmath).
        let half = 2.3533634348018239 * (5.0f64 / 3.0).sqrt() / 2.0;
        close(i.low, 2.5 - half);
        close(i.high, 2.5 + half);
        assert_eq!(i.level, 0.90);
        let i95 = s.t_interval(0.95).unwrap();
        assert_eq!((i95.low, i95.high), (s.ci95_low, s.ci95_high));
        for bad in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(matches!(
                s.t_interval(bad),
                Err(StatsError::InvalidLevel { .. })
            ));
        }
    }

    #[test]
    fn empty_sample_is_missing_everywhere() {
        let s = Summary::of(&[]).unwrap();
        assert_eq!(s.n, 0);
        for e in [s.mean, s.sd, s.se, s.ci95_low, s.ci95_high, s.min, s.max] {
            assert_eq!(e.reason(), Some(MissingReason::EmptySample));
        }
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""mean":{"missing":"n = 0"}"#), "{json}");
    }

    #[test]
    fn one_observation_has_a_mean_and_no_spread() {
        let s = Summary::of(&[7.25]).unwrap();
        assert_eq!(s.mean, Estimate::Value(7.25));
        assert_eq!(
            (s.min, s.max),
            (Estimate::Value(7.25), Estimate::Value(7.25))
        );
        for e in [s.sd, s.se, s.ci95_low, s.ci95_high] {
            assert_eq!(e.reason(), Some(MissingReason::TooFewObservations));
        }
    }

    #[test]
    fn zero_variance_gives_a_zero_width_interval_at_the_mean() {
        // 0.1 three times: the naive sum/3 would be 0.10000000000000002.
        let s = Summary::of(&[0.1, 0.1, 0.1]).unwrap();
        assert_eq!(s.mean, Estimate::Value(0.1));
        assert_eq!(s.sd, Estimate::Value(0.0));
        assert_eq!(s.se, Estimate::Value(0.0));
        assert_eq!(s.ci95_low, Estimate::Value(0.1));
        assert_eq!(s.ci95_high, Estimate::Value(0.1));
    }

    #[test]
    fn non_finite_observations_are_rejected_by_index() {
        let e = Summary::of(&[1.0, 2.0, f64::NAN, f64::INFINITY]).unwrap_err();
        assert!(matches!(
            e,
            StatsError::NonFinite {
                sample: "sample",
                index: 2,
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "sample[2] = NaN: observations must be finite"
        );
    }

    #[test]
    fn overflow_is_missing_not_infinite() {
        let s = Summary::of(&[1e308, 1.7e308]).unwrap();
        assert_eq!(s.mean.reason(), Some(MissingReason::Overflow));
        assert_eq!(s.sd.reason(), Some(MissingReason::Overflow));
        assert_eq!(s.ci95_low.reason(), Some(MissingReason::Overflow));
        assert_eq!(s.max, Estimate::Value(1.7e308));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("null") && !json.contains("inf"), "{json}");
    }

    #[test]
    fn order_is_respected_and_results_are_reproducible() {
        let xs: Vec<f64> = (0..100).map(|i| ((i * 37) % 101) as f64 * 0.1).collect();
        assert_eq!(Summary::of(&xs).unwrap(), Summary::of(&xs).unwrap());
    }
}
