//! Inter-arrival gaps of a Poisson process on the integer-nanosecond clock.

use rand::Rng;
use rand_distr::{Distribution, Exp1};

/// The gap to the next arrival of a Poisson process with `rate_per_s` (> 0), in nanoseconds.
///
/// One `Exp1` draw, scaled to nanoseconds and rounded **up**, at least 1: arrival times are
/// strictly increasing, so two arrivals of one process never share a time. Rounding up lengthens
/// the mean gap by less than 1 ns. Saturates at `u64::MAX` for absurdly small rates.
pub(crate) fn gap_ns<R: Rng + ?Sized>(rate_per_s: f64, rng: &mut R) -> u64 {
    let e: f64 = Exp1.sample(rng);
    ((e * 1e9 / rate_per_s).ceil() as u64).max(1)
}
