//! A Poisson wake clock shared by the agents that wake at exponential gaps of a mean set in
//! seconds (momentum agents, ladder market makers): one draw per wake from the agent's own
//! `gaps` stream, in nanoseconds, at least 1 ns.

use crate::core::config_error::{ConfigError, require};
use crate::core::{Duration, Stream};
use rand_distr::{Distribution, Exp};

pub(crate) struct PoissonClock {
    gap: Exp<f64>,
    draws: Stream,
}

impl PoissonClock {
    /// Gaps of mean `mean_s` seconds (validated by [`validate_wake_mean`]) from `draws`.
    pub fn new(mean_s: f64, draws: Stream) -> PoissonClock {
        PoissonClock {
            gap: Exp::new(1.0 / mean_s).expect("validated wake mean"),
            draws,
        }
    }

    /// The next gap.
    pub fn next_gap(&mut self) -> Duration {
        let secs: f64 = self.gap.sample(&mut self.draws);
        Duration(((secs * 1e9).round().min(1e18) as u64).max(1))
    }
}

/// The range of a mean wake gap: [1e-6, 1e6] seconds.
pub(crate) fn validate_wake_mean(path: &str, mean_s: f64) -> Result<(), ConfigError> {
    require(
        mean_s.is_finite() && (1e-6..=1e6).contains(&mean_s),
        path,
        mean_s,
        "must be in [1e-6, 1e6] seconds",
    )
}
