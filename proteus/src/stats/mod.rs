//! Statistics of Monte Carlo repetitions: summaries with t intervals, paired comparisons on
//! common random numbers, unpaired (Welch) contrasts, effect sizes, a seeded percentile
//! bootstrap and Holm's multiple-comparison adjustment.
//!
//! `docs/statistics.md` states every formula, every degenerate-case rule and the measured
//! coverage of the intervals. The rules that hold throughout:
//!
//! * Inputs are slices in repetition order; every reduction runs left to right over them, so a
//!   result depends only on the values and their order (architecture invariant 6).
//! * Non-finite inputs are errors ([`StatsError`]) naming the sample and index.
//! * A statistic that is undefined for the data (empty sample, one observation, zero variance in
//!   a denominator, overflow) is an [`Estimate::Missing`] with a [`MissingReason`]; nothing this
//!   module returns or serializes is NaN or infinite.
//! * The 95% interval is always reported (`ci95_low`, `ci95_high`); other levels come from
//!   [`Summary::t_interval`] and [`DifferenceOfMeans::interval`].

mod bootstrap;
mod contrast;
mod difference;
mod effect_size;
mod error;
mod estimate;
mod holm;
mod interval;
mod moments;
mod paired;
pub(crate) mod student_t;
mod summary;

pub use bootstrap::{BootstrapInterval, bootstrap_mean_interval};
pub use contrast::Contrast;
pub use difference::DifferenceOfMeans;
pub use error::StatsError;
pub use estimate::{Estimate, MissingReason};
pub use holm::holm_adjust;
pub use interval::Interval;
pub use paired::{PairedComparison, paired_differences};
pub use summary::Summary;
