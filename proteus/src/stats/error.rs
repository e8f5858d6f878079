//! What the statistics functions reject.

use thiserror::Error;

/// An input the statistics layer refuses. Degenerate but valid inputs (empty samples, one
/// observation, zero variance) are not errors: they give [`Estimate::Missing`] values.
///
/// [`Estimate::Missing`]: super::Estimate::Missing
#[derive(Clone, Debug, Error, PartialEq)]
pub enum StatsError {
    #[error("{sample}[{index}] = {value}: observations must be finite")]
    NonFinite {
        /// Which input: `sample`, `treatment` or `reference`.
        sample: &'static str,
        index: usize,
        value: f64,
    },
    #[error(
        "paired samples differ in length: treatment has {treatment}, reference has {reference}; \
         pairs must come from the same repetitions"
    )]
    LengthMismatch { treatment: usize, reference: usize },
    #[error("treatment[{index}] - reference[{index}] overflows f64")]
    DifferenceOverflow { index: usize },
    #[error("confidence level {level}: must be strictly between 0 and 1")]
    InvalidLevel { level: f64 },
    #[error("bootstrap resamples = {resamples}: must be at least 1")]
    InvalidResamples { resamples: usize },
    #[error("p_values[{index}] = {value}: a p-value must be in [0, 1]")]
    PValueOutOfRange { index: usize, value: f64 },
}

/// Rejects the first non-finite observation of `sample`, naming it `name`.
pub(crate) fn require_finite(name: &'static str, sample: &[f64]) -> Result<(), StatsError> {
    match sample.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(index) => Err(StatsError::NonFinite {
            sample: name,
            index,
            value: sample[index],
        }),
    }
}

/// Rejects a confidence level outside the open interval (0, 1) (NaN included).
pub(crate) fn require_level(level: f64) -> Result<(), StatsError> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidLevel { level })
    }
}
