//! A Poisson wake clock shared by the agents that wake at exponential gaps of a mean set in
//! seconds (momentum agents, ladder market makers): one draw per wake from the agent's own
//! `gaps` stream, in nanoseconds, at least 1 ns.

use crate::core::config_error::{ConfigError, require};
use crate::core::{Duration, Stream};
use rand_distr::{Distribution, Exp};

pub(crate) struct PoissonClock {
    /// `None` when the agent's arrivals are driven from outside (its population's Hawkes
    /// process in the simulator): then it sets no timer of its own.
    gap: Option<Exp<f64>>,
    draws: Stream,
}

impl PoissonClock {
    /// Gaps of mean `mean_s` seconds (validated by [`validate_wake_mean`]) from `draws`.
    pub fn new(mean_s: f64, draws: Stream) -> PoissonClock {
        PoissonClock {
            gap: Some(Exp::new(1.0 / mean_s).expect("validated wake mean")),
            draws,
        }
    }

    /// No clock of its own: the simulator wakes the agent.
    pub fn stop(&mut self) {
        self.gap = None;
    }

    /// The next gap; `None` when the clock is driven from outside.
    pub fn next_gap(&mut self) -> Option<Duration> {
        let secs: f64 = self.gap.as_ref()?.sample(&mut self.draws);
        Some(Duration(((secs * 1e9).round().min(1e18) as u64).max(1)))
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
