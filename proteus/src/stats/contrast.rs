//! The unpaired comparison of two independent cells (different seeds, or different scenarios).

use super::difference::DifferenceOfMeans;
use super::effect_size::hedges;
use super::error::{StatsError, require_finite};
use super::estimate::{Estimate, MissingReason};
use super::moments::Moments;
use super::summary::Summary;
use serde::Serialize;

/// Treatment `a` against reference `b`, two independent samples (sizes may differ).
///
/// * `welch`: `difference = mean(a) − mean(b)`, `se = sqrt(s_a²/n_a + s_b²/n_b)`,
///   Welch–Satterthwaite `df = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a − 1) +
///   (s_b²/n_b)²/(n_b − 1))`, 95% t interval and two-sided p-value on `df`.
/// * `hedges_g = J(n_a + n_b − 2) · (mean(a) − mean(b)) / s_pooled`, with
///   `s_pooled = sqrt(((n_a − 1)·s_a² + (n_b − 1)·s_b²) / (n_a + n_b − 2))` and
///   `J(df) = 1 − 3/(4·df − 1)`.
///
/// Degenerate cases: an empty sample makes everything but the other summary missing (`n = 0`);
/// Welch needs `n ≥ 2` in both samples (`n < 2`); `hedges_g` needs `n_a + n_b − 2 ≥ 2`
/// (a single observation in one cell is allowed: it contributes no variance) and
/// `s_pooled > 0` (`zero variance`). Two constant samples give a zero-width interval, p-value
/// 1 if the means are equal and 0 otherwise, and `df` missing (`zero variance`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Contrast {
    pub treatment: Summary,
    pub reference: Summary,
    pub welch: DifferenceOfMeans,
    pub hedges_g: Estimate,
}

impl Contrast {
    /// Compares two independent samples. Fails on the first non-finite observation.
    pub fn of(treatment: &[f64], reference: &[f64]) -> Result<Contrast, StatsError> {
        require_finite("treatment", treatment)?;
        require_finite("reference", reference)?;
        let (a, b) = (Moments::of(treatment), Moments::of(reference));
        let hedges_g = a.mean.and_then(|ma| {
            b.mean.and_then(|mb| {
                // Both n ≥ 1 here. A cell of one observation adds (n − 1)·s² = 0.
                let ss = |m: &Moments| {
                    if m.n == 1 {
                        Estimate::Value(0.0)
                    } else {
                        m.variance.map(|v| (m.n - 1) as f64 * v)
                    }
                };
                let df = a.n + b.n - 2;
                if df == 0 {
                    return Estimate::missing(MissingReason::TooFewObservations);
                }
                ss(&a).and_then(|sa| {
                    ss(&b).and_then(|sb| {
                        Estimate::finite(((sa + sb) / df as f64).sqrt())
                            .and_then(|pooled| hedges(ma - mb, pooled, df))
                    })
                })
            })
        });
        Ok(Contrast {
            treatment: Summary::from_moments(&a),
            reference: Summary::from_moments(&b),
            welch: DifferenceOfMeans::welch(&a, &b),
            hedges_g,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Estimate, expected: f64) {
        let a = actual
            .value()
            .unwrap_or_else(|| panic!("missing: {actual:?}"));
        assert!((a - expected).abs() <= 1e-12, "{a} vs {expected}");
    }

    /// a = [3, 5, 7, 9]: mean 6, Var 20/3; b = [2, 4, 3]: mean 3, Var 1.
    /// se = sqrt(20/12 + 1/3) = sqrt(2); df = 4 / ((5/3)²/3 + (1/3)²/2) = 216/53;
    /// s_pooled = sqrt((3·20/3 + 2·1)/5) = sqrt(4.4); J(5) = 16/19.
    #[test]
    fn small_example_by_hand() {
        let c = Contrast::of(&[3.0, 5.0, 7.0, 9.0], &[2.0, 4.0, 3.0]).unwrap();
        let q = 2.7562848743595723; // t_{0.975, 216/53}, mpmath
        let se = 2.0f64.sqrt();
        close(c.welch.difference, 3.0);
        close(c.welch.se, se);
        close(c.welch.df, 216.0 / 53.0);
        close(c.welch.ci95_low, 3.0 - q * se);
        close(c.welch.ci95_high, 3.0 + q * se);
        close(c.welch.t_statistic, 3.0 / se);
        close(c.welch.p_value, 0.09991286431180088);
        close(c.hedges_g, 16.0 / 19.0 * 3.0 / 4.4f64.sqrt());
        assert_eq!((c.treatment.n, c.reference.n), (4, 3));
    }

    #[test]
    fn welch_is_symmetric_in_its_arguments() {
        let ab = Contrast::of(&[3.0, 5.0, 7.0, 9.0], &[2.0, 4.0, 3.0]).unwrap();
        let ba = Contrast::of(&[2.0, 4.0, 3.0], &[3.0, 5.0, 7.0, 9.0]).unwrap();
        assert_eq!(ab.welch.df, ba.welch.df);
        assert_eq!(ab.welch.p_value, ba.welch.p_value);
        assert_eq!(
            ab.welch.difference.value().map(|d| -d),
            ba.welch.difference.value()
        );
    }

    #[test]
    fn degenerate_cells() {
        let empty = Contrast::of(&[], &[1.0, 2.0]).unwrap();
        assert_eq!(
            empty.welch.p_value.reason(),
            Some(MissingReason::EmptySample)
        );
        assert_eq!(empty.hedges_g.reason(), Some(MissingReason::EmptySample));
        assert!(empty.reference.mean.value().is_some());

        // One observation in a cell: no Welch (its variance is unknown), but Hedges' g pools
        // the other cell's variance on df = 1 + 3 − 2 = 2.
        let single = Contrast::of(&[5.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(single.welch.difference, Estimate::Value(3.0));
        assert_eq!(
            single.welch.se.reason(),
            Some(MissingReason::TooFewObservations)
        );
        close(single.hedges_g, (1.0 - 3.0 / 7.0) * 3.0 / 1.0);

        let pair = Contrast::of(&[5.0], &[1.0]).unwrap();
        assert_eq!(
            pair.hedges_g.reason(),
            Some(MissingReason::TooFewObservations)
        );
        let three = Contrast::of(&[5.0], &[1.0, 2.0]).unwrap();
        assert_eq!(
            three.hedges_g.reason(),
            Some(MissingReason::TooFewForCorrection)
        );

        let constant = Contrast::of(&[1.0, 1.0], &[1.0, 1.0, 1.0]).unwrap();
        assert_eq!(constant.welch.p_value, Estimate::Value(1.0));
        assert_eq!(constant.welch.ci95_low, Estimate::Value(0.0));
        assert_eq!(
            constant.hedges_g.reason(),
            Some(MissingReason::ZeroVariance)
        );

        assert!(matches!(
            Contrast::of(&[1.0], &[f64::NAN]),
            Err(StatsError::NonFinite {
                sample: "reference",
                index: 0,
                ..
            })
        ));
    }
}
