//! Hedges' small-sample correction of standardized mean differences.

use super::estimate::{Estimate, MissingReason};

/// `J(df) = 1 − 3 / (4·df − 1)`, the usual approximation to the exact bias correction
/// `Γ(df/2) / (sqrt(df/2) · Γ((df − 1)/2))` of Cohen's d (Hedges 1981; Borenstein et al. 2009,
/// §4). `J(1) = 0`, so `df ≥ 2` is required; below that the result is missing.
pub(crate) fn hedges_correction(df: usize) -> Result<f64, MissingReason> {
    match df {
        0 => Err(MissingReason::TooFewObservations),
        1 => Err(MissingReason::TooFewForCorrection),
        df => Ok(1.0 - 3.0 / (4.0 * df as f64 - 1.0)),
    }
}

/// `J(df) · difference / standardizer`, missing when the standardizer is 0 (or when `J` is).
pub(crate) fn hedges(difference: f64, standardizer: f64, df: usize) -> Estimate {
    match hedges_correction(df) {
        Err(reason) => Estimate::missing(reason),
        Ok(_) if standardizer == 0.0 => Estimate::missing(MissingReason::ZeroVariance),
        Ok(j) => Estimate::finite(j * difference / standardizer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_values() {
        assert_eq!(hedges_correction(2), Ok(1.0 - 3.0 / 7.0));
        assert_eq!(hedges_correction(38), Ok(1.0 - 3.0 / 151.0));
        assert_eq!(
            hedges_correction(1),
            Err(MissingReason::TooFewForCorrection)
        );
        assert_eq!(hedges_correction(0), Err(MissingReason::TooFewObservations));
    }
}
