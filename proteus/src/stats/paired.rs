//! The paired comparison of two mechanisms run on the same repetitions (common random numbers).

use super::difference::DifferenceOfMeans;
use super::effect_size::hedges;
use super::error::{StatsError, require_finite};
use super::estimate::{Estimate, MissingReason};
use super::moments::Moments;
use super::summary::{Summary, df_of};
use serde::Serialize;

/// Treatment `a` against reference `b`, where `a[i]` and `b[i]` come from the same repetition
/// `i` (same seeds, different mechanism), so the differences `d_i = a_i − b_i` are the unit of
/// analysis.
///
/// * `paired`: the paired t analysis of `d`: `difference = d̄ = Σ d_i / n`,
///   `se = sd(d)/sqrt(n)`, `df = n − 1`, 95% t interval, two-sided p-value.
/// * `sd_difference = sd(d)` (divisor `n − 1`).
/// * `cohens_dz = d̄ / sd(d)`: the paired standardized effect.
/// * `hedges_g_av = J(n − 1) · (mean(a) − mean(b)) / ((sd(a) + sd(b)) / 2)`, with
///   `J(df) = 1 − 3/(4·df − 1)`: the effect standardized by the average of the two samples'
///   sds, comparable with between-subject effect sizes.
/// * `variance_reduction = Var(d) / (Var(a) + Var(b))`: the variance of the paired difference
///   over the variance the difference of means would have if the samples were independent;
///   equal to `1 − 2·Cov(a, b)/(Var(a) + Var(b))`. Below 1, pairing helps; 0 when `a − b` is
///   constant.
/// * `se_ratio = sqrt(variance_reduction)`: the factor by which pairing shrinks the standard
///   error (and the interval's half-width, at equal degrees of freedom).
/// * `ci_half_width_ratio`: the paired 95% interval's width over the Welch interval's width,
///   as reported (it also carries the difference between `t_{n−1}` and `t_{df_welch}`).
/// * `welch`: the unpaired Welch analysis of the same data, for reference (see
///   [`Contrast`](super::Contrast) for the formulas).
///
/// Degenerate cases: `n = 0` makes everything missing (`n = 0`); `n = 1` leaves only the means
/// and the difference (`n < 2` elsewhere); `n = 2` has no `hedges_g_av`
/// (`df < 2: small-sample correction undefined`); `sd(d) = 0` gives a zero-width paired
/// interval, `p_value` 1 if `d̄ = 0` and 0 otherwise, and no `cohens_dz` (`zero variance`);
/// `sd(a) + sd(b) = 0` leaves `hedges_g_av`, `variance_reduction`, `se_ratio` and
/// `ci_half_width_ratio` missing (`zero variance`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PairedComparison {
    pub n: usize,
    pub treatment: Summary,
    pub reference: Summary,
    pub paired: DifferenceOfMeans,
    pub sd_difference: Estimate,
    pub cohens_dz: Estimate,
    pub hedges_g_av: Estimate,
    pub variance_reduction: Estimate,
    pub se_ratio: Estimate,
    pub ci_half_width_ratio: Estimate,
    pub welch: DifferenceOfMeans,
}

impl PairedComparison {
    /// Compares `treatment` with `reference`, pair by pair. Fails if the lengths differ, an
    /// observation is not finite, or a difference overflows.
    pub fn of(treatment: &[f64], reference: &[f64]) -> Result<PairedComparison, StatsError> {
        let d = paired_differences(treatment, reference)?;
        let (a, b, d) = (
            Moments::of(treatment),
            Moments::of(reference),
            Moments::of(&d),
        );
        let n = d.n;
        let paired = DifferenceOfMeans::new(d.mean, d.se(), df_of(n));
        let welch = DifferenceOfMeans::welch(&a, &b);
        let (sd_a, sd_b, sd_d) = (a.sd(), b.sd(), d.sd());

        let cohens_dz = d.mean.and_then(|m| sd_d.and_then(|s| nonzero_ratio(m, s)));
        let hedges_g_av = a.mean.and_then(|ma| {
            b.mean.and_then(|mb| {
                sd_a.and_then(|sa| sd_b.and_then(|sb| hedges(ma - mb, (sa + sb) / 2.0, n - 1)))
            })
        });
        let variance_reduction = d.variance.and_then(|vd| {
            a.variance
                .and_then(|va| b.variance.and_then(|vb| nonzero_ratio(vd, va + vb)))
        });
        let width = |x: &DifferenceOfMeans| x.ci95_low.and_then(|l| x.ci95_high.map(|h| h - l));
        let ci_half_width_ratio =
            width(&paired).and_then(|wp| width(&welch).and_then(|ww| nonzero_ratio(wp, ww)));

        Ok(PairedComparison {
            n,
            treatment: Summary::from_moments(&a),
            reference: Summary::from_moments(&b),
            paired,
            sd_difference: sd_d,
            cohens_dz,
            hedges_g_av,
            variance_reduction,
            se_ratio: variance_reduction.map(f64::sqrt),
            ci_half_width_ratio,
            welch,
        })
    }
}

/// The paired differences `treatment[i] − reference[i]`, in order (e.g. to bootstrap them with
/// [`bootstrap_mean_interval`](super::bootstrap_mean_interval)).
pub fn paired_differences(treatment: &[f64], reference: &[f64]) -> Result<Vec<f64>, StatsError> {
    if treatment.len() != reference.len() {
        return Err(StatsError::LengthMismatch {
            treatment: treatment.len(),
            reference: reference.len(),
        });
    }
    require_finite("treatment", treatment)?;
    require_finite("reference", reference)?;
    treatment
        .iter()
        .zip(reference)
        .enumerate()
        .map(|(index, (a, b))| {
            let d = a - b;
            if d.is_finite() {
                Ok(d)
            } else {
                Err(StatsError::DifferenceOverflow { index })
            }
        })
        .collect()
}

/// `num / den`, missing (`zero variance`) when `den` is 0: every denominator here is a spread.
fn nonzero_ratio(num: f64, den: f64) -> Estimate {
    if den == 0.0 {
        Estimate::missing(MissingReason::ZeroVariance)
    } else {
        Estimate::finite(num / den)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};
    use rand_distr::{Distribution, StandardNormal};

    fn value(e: Estimate) -> f64 {
        e.value().unwrap_or_else(|| panic!("missing: {e:?}"))
    }

    fn close(actual: Estimate, expected: f64) {
        let a = value(actual);
        assert!((a - expected).abs() <= 1e-12, "{a} vs {expected}");
    }

    /// a = [5, 7, 6, 9, 8], b = [4, 5, 6, 6, 7]: d = [1, 2, 0, 3, 1], d̄ = 1.4,
    /// Σ(d − d̄)² = 5.2, Var(d) = 1.3; mean a = 7, Var(a) = 10/4 = 2.5; mean b = 5.6,
    /// Var(b) = 5.2/4 = 1.3. Quantiles and tail probabilities from mpmath (40 digits).
    #[test]
    fn small_example_by_hand() {
        let c =
            PairedComparison::of(&[5.0, 7.0, 6.0, 9.0, 8.0], &[4.0, 5.0, 6.0, 6.0, 7.0]).unwrap();
        assert_eq!(c.n, 5);
        let se = 0.26f64.sqrt(); // sqrt(1.3 / 5)
        let t4 = 2.7764451051977943;
        close(c.paired.difference, 1.4);
        close(c.sd_difference, 1.3f64.sqrt());
        close(c.paired.se, se);
        close(c.paired.df, 4.0);
        close(c.paired.ci95_low, 1.4 - t4 * se);
        close(c.paired.ci95_high, 1.4 + t4 * se);
        close(c.paired.t_statistic, 2.7456258919345764);
        close(c.paired.p_value, 0.051605957811174746);
        close(c.cohens_dz, 1.4 / 1.3f64.sqrt());
        // J(4) = 1 − 3/15 = 0.8.
        close(
            c.hedges_g_av,
            0.8 * 1.4 / ((2.5f64.sqrt() + 1.3f64.sqrt()) / 2.0),
        );
        close(c.variance_reduction, 1.3 / 3.8);
        close(c.se_ratio, (1.3f64 / 3.8).sqrt());

        // Welch on the same data: se = sqrt(2.5/5 + 1.3/5) = sqrt(0.76),
        // df = 0.76² / ((0.5² + 0.26²)/4) = 7.27455919395466.
        let sw = 0.76f64.sqrt();
        let tw = 2.3466520872595376;
        close(c.welch.difference, 1.4);
        close(c.welch.se, sw);
        close(c.welch.df, 7.27455919395466);
        close(c.welch.ci95_low, 1.4 - tw * sw);
        close(c.welch.ci95_high, 1.4 + tw * sw);
        close(c.welch.p_value, 0.15071262737970487);
        close(c.ci_half_width_ratio, (t4 * se) / (tw * sw));

        close(c.treatment.mean, 7.0);
        close(c.reference.sd, 1.3f64.sqrt());
    }

    #[test]
    fn other_levels_of_the_paired_interval() {
        let c =
            PairedComparison::of(&[5.0, 7.0, 6.0, 9.0, 8.0], &[4.0, 5.0, 6.0, 6.0, 7.0]).unwrap();
        let i = c.paired.interval(0.95).unwrap();
        assert_eq!((i.low, i.high), (c.paired.ci95_low, c.paired.ci95_high));
        let wide = c.paired.interval(0.99).unwrap();
        assert!(value(wide.low) < value(i.low) && value(wide.high) > value(i.high));
    }

    #[test]
    fn inputs_are_checked() {
        assert_eq!(
            PairedComparison::of(&[1.0, 2.0], &[1.0]),
            Err(StatsError::LengthMismatch {
                treatment: 2,
                reference: 1
            })
        );
        assert!(matches!(
            PairedComparison::of(&[1.0, 2.0], &[1.0, f64::NEG_INFINITY]),
            Err(StatsError::NonFinite {
                sample: "reference",
                index: 1,
                ..
            })
        ));
        assert_eq!(
            PairedComparison::of(&[0.0, 1.5e308], &[0.0, -1.5e308]),
            Err(StatsError::DifferenceOverflow { index: 1 })
        );
    }

    #[test]
    fn constant_difference() {
        // Every repetition shows the same difference 2: the paired interval has zero width,
        // p = 0, dz is missing; pairing removes all the variance.
        let c = PairedComparison::of(&[3.0, 5.0, 4.0], &[1.0, 3.0, 2.0]).unwrap();
        assert_eq!(c.paired.ci95_low, Estimate::Value(2.0));
        assert_eq!(c.paired.ci95_high, Estimate::Value(2.0));
        assert_eq!(c.paired.p_value, Estimate::Value(0.0));
        assert_eq!(
            c.paired.t_statistic.reason(),
            Some(MissingReason::ZeroVariance)
        );
        assert_eq!(c.cohens_dz.reason(), Some(MissingReason::ZeroVariance));
        assert_eq!(c.variance_reduction, Estimate::Value(0.0));
        assert_eq!(c.ci_half_width_ratio, Estimate::Value(0.0));
        assert!(c.hedges_g_av.value().is_some());

        // Identical samples: no difference at all, p = 1.
        let same = PairedComparison::of(&[3.0, 5.0, 4.0], &[3.0, 5.0, 4.0]).unwrap();
        assert_eq!(same.paired.difference, Estimate::Value(0.0));
        assert_eq!(same.paired.p_value, Estimate::Value(1.0));
    }

    #[test]
    fn both_samples_constant() {
        let c = PairedComparison::of(&[2.0, 2.0, 2.0], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(c.paired.p_value, Estimate::Value(0.0));
        assert_eq!(c.welch.p_value, Estimate::Value(0.0));
        assert_eq!(c.welch.df.reason(), Some(MissingReason::ZeroVariance));
        for e in [
            c.hedges_g_av,
            c.variance_reduction,
            c.se_ratio,
            c.ci_half_width_ratio,
        ] {
            assert_eq!(e.reason(), Some(MissingReason::ZeroVariance));
        }
    }

    #[test]
    fn small_n() {
        let empty = PairedComparison::of(&[], &[]).unwrap();
        let json = serde_json::to_value(empty).unwrap();
        assert_eq!(json["paired"]["p_value"]["missing"], "n = 0");
        assert_eq!(json["hedges_g_av"]["missing"], "n = 0");
        assert_eq!(json["welch"]["ci95_low"]["missing"], "n = 0");

        let one = PairedComparison::of(&[2.0], &[1.5]).unwrap();
        assert_eq!(one.paired.difference, Estimate::Value(0.5));
        for e in [
            one.paired.se,
            one.paired.ci95_low,
            one.paired.p_value,
            one.cohens_dz,
            one.hedges_g_av,
            one.variance_reduction,
            one.welch.p_value,
        ] {
            assert_eq!(e.reason(), Some(MissingReason::TooFewObservations), "{e:?}");
        }

        let two = PairedComparison::of(&[2.0, 4.0], &[1.0, 1.5]).unwrap();
        assert_eq!(
            two.hedges_g_av.reason(),
            Some(MissingReason::TooFewForCorrection)
        );
        assert!(two.cohens_dz.value().is_some() && two.paired.p_value.value().is_some());
    }

    #[test]
    fn serialized_comparison_has_no_nan_or_infinity() {
        let cases: [(&[f64], &[f64]); 4] = [
            (&[], &[]),
            (&[1.0], &[1.0]),
            (&[1.0, 1.0], &[1.0, 1.0]),
            (&[1e308, 1.7e308], &[0.0, 0.0]),
        ];
        for (a, b) in cases {
            let json = serde_json::to_string(&PairedComparison::of(a, b).unwrap()).unwrap();
            for bad in ["null", "NaN", "inf"] {
                assert!(!json.contains(bad), "{json}");
            }
        }
    }

    /// Pairs `(a, b)` of `n` draws: `b = σ_b·Z_1`, `a = α·b + σ_e·Z_2`, from a seeded stream.
    fn correlated(seed: u64, n: usize, alpha: f64, sd_b: f64, sd_e: f64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = RepetitionSeed(seed).stream("stats/paired/test");
        let mut a = Vec::with_capacity(n);
        let mut b = Vec::with_capacity(n);
        for _ in 0..n {
            let z1: f64 = StandardNormal.sample(&mut rng);
            let z2: f64 = StandardNormal.sample(&mut rng);
            b.push(sd_b * z1);
            a.push(alpha * sd_b * z1 + sd_e * z2);
        }
        (a, b)
    }

    fn fixed_seed(cases: u32) -> Config {
        Config {
            cases,
            rng_seed: RngSeed::Fixed(0x5eed_57a7),
            ..Config::default()
        }
    }

    proptest! {
        #![proptest_config(fixed_seed(64))]

        /// `a = b + c` on integers: the differences are exactly `c`, so the variance of the
        /// paired difference, and the variance reduction, are exactly 0.
        #[test]
        fn perfectly_correlated_shifted_pairs_reduce_variance_to_zero(
            b in proptest::collection::vec(-1_000_000i64..1_000_000, 2..60),
            shift in -1_000i64..1_000,
        ) {
            prop_assume!(b.iter().any(|&x| x != b[0]));
            let bf: Vec<f64> = b.iter().map(|&x| x as f64).collect();
            let af: Vec<f64> = b.iter().map(|&x| (x + shift) as f64).collect();
            let c = PairedComparison::of(&af, &bf).unwrap();
            prop_assert_eq!(c.variance_reduction, Estimate::Value(0.0));
            prop_assert_eq!(c.paired.difference, Estimate::Value(shift as f64));
        }

        /// Perfect correlation with unequal spreads, `a = α·b`: `Var(a − b) = (α − 1)²·Var(b)`,
        /// so the reduction is `(α − 1)² / (α² + 1)` up to rounding.
        #[test]
        fn perfectly_correlated_scaled_pairs_follow_the_formula(
            seed in any::<u64>(), n in 2usize..200, alpha in -4.0f64..4.0,
        ) {
            let (_, b) = correlated(seed, n, 0.0, 1.0, 0.0);
            let a: Vec<f64> = b.iter().map(|x| alpha * x).collect();
            let c = PairedComparison::of(&a, &b).unwrap();
            let expected = (alpha - 1.0).powi(2) / (alpha * alpha + 1.0);
            let got = value(c.variance_reduction);
            prop_assert!((got - expected).abs() < 1e-12, "{} vs {}", got, expected);
        }

        /// Independent samples: `variance_reduction − 1 = −2·Cov(a, b)/(Var(a) + Var(b))`, whose
        /// standard deviation is at most `1/sqrt(n)` (equal spreads, sample correlation's sd
        /// ≈ 1/sqrt(n)). Tolerance: 6 of those (a false failure per case ~ 2e-9).
        #[test]
        fn independent_pairs_reduce_variance_by_about_nothing(
            seed in any::<u64>(), n in 500usize..3000, sd_b in 0.1f64..10.0, sd_a in 0.1f64..10.0,
        ) {
            let (a, b) = correlated(seed, n, 0.0, sd_b, sd_a);
            let c = PairedComparison::of(&a, &b).unwrap();
            let got = value(c.variance_reduction);
            prop_assert!((got - 1.0).abs() < 6.0 / (n as f64).sqrt(), "n {}: {}", n, got);
        }
    }
}
