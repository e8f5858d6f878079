//! Holm–Bonferroni adjustment of a family of p-values.

use super::error::StatsError;
use super::estimate::Estimate;

/// Holm's step-down adjustment (Holm 1979), returned in the input order.
///
/// With the `m` present p-values sorted ascending, `p_(1) ≤ … ≤ p_(m)` (ties kept in input
/// order), the adjusted values are
/// `p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) · p_(j))`: monotone in the sorted order, at least the
/// raw value, at most 1. Rejecting every hypothesis with `p̃ ≤ α` controls the family-wise error
/// rate at `α`.
///
/// Missing p-values pass through unchanged (same reason) and do not count in `m`: a metric that
/// is undefined in a comparison is not a hypothesis tested. Callers should pass the family in a
/// fixed order (e.g. metric names sorted) so that the output order is reproducible; the values do
/// not depend on the order. Fails on a value outside [0, 1].
pub fn holm_adjust(p_values: &[Estimate]) -> Result<Vec<Estimate>, StatsError> {
    let mut present: Vec<(usize, f64)> = Vec::with_capacity(p_values.len());
    for (index, p) in p_values.iter().enumerate() {
        if let Estimate::Value(value) = *p {
            if !(0.0..=1.0).contains(&value) {
                return Err(StatsError::PValueOutOfRange { index, value });
            }
            present.push((index, value));
        }
    }
    present.sort_by(|(i, p), (j, q)| p.total_cmp(q).then(i.cmp(j)));
    let m = present.len();
    let mut adjusted = p_values.to_vec();
    let mut running = 0.0f64;
    for (rank, &(index, p)) in present.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p).min(1.0));
        adjusted[index] = Estimate::Value(running);
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::MissingReason;
    use proptest::prelude::*;

    fn values(ps: &[f64]) -> Vec<Estimate> {
        ps.iter().map(|&p| Estimate::Value(p)).collect()
    }

    #[test]
    fn textbook_example() {
        // Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06.
        let got = holm_adjust(&values(&[0.01, 0.04, 0.03, 0.005])).unwrap();
        let expected = [0.03, 0.06, 0.06, 0.02];
        for (g, e) in got.iter().zip(expected) {
            assert!((g.value().unwrap() - e).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn capped_at_one_and_ties() {
        let got = holm_adjust(&values(&[0.5, 0.5, 0.2])).unwrap();
        assert_eq!(got, values(&[1.0, 1.0, 0.6000000000000001]));
        assert_eq!(holm_adjust(&[]).unwrap(), vec![]);
    }

    #[test]
    fn missing_values_pass_through_and_do_not_count() {
        let gap = Estimate::missing(MissingReason::ZeroVariance);
        let got = holm_adjust(&[Estimate::Value(0.01), gap, Estimate::Value(0.02)]).unwrap();
        // m = 2: 0.01·2 = 0.02, max(0.02·1, 0.02) = 0.02.
        assert_eq!(got, vec![Estimate::Value(0.02), gap, Estimate::Value(0.02)]);
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(
            holm_adjust(&values(&[0.1, 1.5])),
            Err(StatsError::PValueOutOfRange {
                index: 1,
                value: 1.5
            })
        );
        assert!(holm_adjust(&values(&[-0.0, 0.0, 1.0])).is_ok());
    }

    proptest! {
        #[test]
        fn adjusted_values_are_monotone_bounded_and_at_least_raw(
            raw in proptest::collection::vec(proptest::option::weighted(0.9, 0.0f64..=1.0), 0..40)
        ) {
            let input: Vec<Estimate> = raw
                .iter()
                .map(|p| p.map_or(Estimate::missing(MissingReason::EmptySample), Estimate::Value))
                .collect();
            let adjusted = holm_adjust(&input).unwrap();
            prop_assert_eq!(adjusted.len(), input.len());
            let mut pairs = Vec::new();
            for (r, a) in input.iter().zip(&adjusted) {
                match (r.value(), a.value()) {
                    (Some(r), Some(a)) => {
                        prop_assert!(a >= r && a <= 1.0, "raw {r}, adjusted {a}");
                        pairs.push((r, a));
                    }
                    (None, None) => prop_assert_eq!(r, a),
                    _ => prop_assert!(false, "presence changed: {:?} -> {:?}", r, a),
                }
            }
            // Monotone: a smaller raw p-value never gets a larger adjusted one.
            for &(r1, a1) in &pairs {
                for &(r2, a2) in &pairs {
                    if r1 < r2 {
                        prop_assert!(a1 <= a2, "raw {r1} < {r2} but adjusted {a1} > {a2}");
                    }
                }
            }
            // Holm is never less powerful than Bonferroni: p̃ ≤ min(1, m·p).
            let m = pairs.len() as f64;
            for &(r, a) in &pairs {
                prop_assert!(a <= (m * r).min(1.0), "raw {r}, adjusted {a}, m {m}");
            }
        }
    }
}
