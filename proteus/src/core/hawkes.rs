//! A Hawkes (self-exciting) point process with an exponential kernel, simulated exactly.
//!
//! Intensity `λ(t) = μ + Σ_{t_i < t} α e^(−δ(t − t_i))`: every event raises the rate by α, and
//! the raise decays at rate δ = 1/`decay_s`. The branching ratio `n = α/δ` is the mean number of
//! events one event triggers directly; for `n < 1` the process is stationary with mean rate
//! `μ / (1 − n)`. It is parametrised here by that mean rate, so switching a population from
//! Poisson to Hawkes arrivals keeps its expected activity: `μ = rate · (1 − n)`, `α = n / decay_s`.
//! With `n = 0` it is a Poisson process of rate `rate`.
//!
//! Simulation: the exact method of Dassios and Zhao (2013, "Exact simulation of Hawkes process
//! with exponentially decaying intensity", *Electronic Communications in Probability* 18), two
//! uniforms per event, no thinning: with `E` the excess intensity `λ − μ` just after the last
//! event, the next baseline arrival is `S₁ = −ln U₁ / μ`; the next triggered one is
//! `S₂ = −ln(1 + δ ln U₂ / E) / δ` when `1 + δ ln U₂ / E > 0` (else never); the gap is
//! `min(S₁, S₂)`, after which `E ← E e^(−δ·gap) + α`.
//!
//! Start: the excess intensity starts at its stationary mean, `E₀ = μn/(1 − n) = rate·n`. The
//! expected intensity obeys `dE[λ]/dt = δμ − δ(1 − n)E[λ]`, whose fixed point is `rate`; started
//! there, `E[λ(t)] = rate` at every t, so a day's expected count is `rate × duration` with no
//! warm-up deficit (started empty, the first `decay_s / (1 − n)` would run below the rate).
//!
//! Time-rescaling (Brown et al. 2002): the compensator increments
//! `Λ(t_{i−1}, t_i) = μ·gap + E(1 − e^(−δ·gap))/δ` of an exactly simulated process are iid
//! exponential of mean 1. The tests check that by a Kolmogorov–Smirnov statistic.

use super::config_error::{ConfigError, require};
use super::rng::Stream;
use rand::RngExt;

/// μ, α and δ of a Hawkes process with exponential kernel, per second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HawkesParams {
    pub baseline_per_s: f64,
    pub jump_per_s: f64,
    pub decay_per_s: f64,
}

impl HawkesParams {
    /// The process of mean rate `rate_per_s`, branching ratio `branching_ratio` in [0, 1) and
    /// kernel decay time `decay_s` (module docs).
    pub fn with_mean_rate(rate_per_s: f64, branching_ratio: f64, decay_s: f64) -> HawkesParams {
        let decay_per_s = 1.0 / decay_s;
        HawkesParams {
            baseline_per_s: rate_per_s * (1.0 - branching_ratio),
            jump_per_s: branching_ratio * decay_per_s,
            decay_per_s,
        }
    }

    /// The stationary mean rate `μ / (1 − α/δ)`.
    pub fn mean_rate(&self) -> f64 {
        self.baseline_per_s / (1.0 - self.jump_per_s / self.decay_per_s)
    }
}

/// Checks a branching ratio and decay time as a scenario gives them.
pub fn validate(path: &str, branching_ratio: f64, decay_s: f64) -> Result<(), ConfigError> {
    require(
        branching_ratio.is_finite() && (0.0..=0.99).contains(&branching_ratio),
        &format!("{path}.branching_ratio"),
        branching_ratio,
        "must be in [0, 0.99] (1 or more is explosive)",
    )?;
    require(
        decay_s.is_finite() && (1e-6..=1e6).contains(&decay_s),
        &format!("{path}.decay_s"),
        decay_s,
        "must be in [1e-6, 1e6] seconds",
    )
}

/// The event times of one Hawkes process, one at a time, from its own stream.
pub struct HawkesProcess {
    p: HawkesParams,
    draws: Stream,
    /// Time of the last event, seconds.
    t: f64,
    /// Excess intensity λ − μ just after the last event.
    excess: f64,
}

impl HawkesProcess {
    pub fn new(p: HawkesParams, draws: Stream) -> HawkesProcess {
        HawkesProcess {
            excess: p.mean_rate() - p.baseline_per_s,
            p,
            draws,
            t: 0.0,
        }
    }

    /// The next event time, in seconds from the start; infinite if no event can come.
    pub fn next_event_s(&mut self) -> f64 {
        let (mu, delta) = (self.p.baseline_per_s, self.p.decay_per_s);
        // 1 − U is in (0, 1]: its logarithm is finite.
        let u1 = 1.0 - self.draws.random::<f64>();
        let u2 = 1.0 - self.draws.random::<f64>();
        let baseline = if mu > 0.0 {
            -u1.ln() / mu
        } else {
            f64::INFINITY
        };
        let triggered = if self.excess > 0.0 {
            let d = 1.0 + delta * u2.ln() / self.excess;
            if d > 0.0 {
                -d.ln() / delta
            } else {
                f64::INFINITY
            }
        } else {
            f64::INFINITY
        };
        let gap = baseline.min(triggered);
        if gap.is_finite() {
            self.excess = self.excess * (-delta * gap).exp() + self.p.jump_per_s;
            self.t += gap;
        } else {
            self.t = f64::INFINITY;
        }
        self.t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    fn times(p: HawkesParams, horizon_s: f64, seed: u64) -> Vec<f64> {
        let mut h = HawkesProcess::new(p, RepetitionSeed(seed).stream("test/hawkes"));
        let mut out = Vec::new();
        loop {
            let t = h.next_event_s();
            if t > horizon_s {
                return out;
            }
            out.push(t);
        }
    }

    /// The compensator increments between events (module docs).
    fn rescaled(p: HawkesParams, t: &[f64]) -> Vec<f64> {
        let (mu, a, d) = (p.baseline_per_s, p.jump_per_s, p.decay_per_s);
        let (mut last, mut excess) = (0.0, p.mean_rate() - mu);
        let mut out = Vec::with_capacity(t.len());
        for &ti in t {
            let gap = ti - last;
            out.push(mu * gap + excess * (1.0 - (-d * gap).exp()) / d);
            excess = excess * (-d * gap).exp() + a;
            last = ti;
        }
        out
    }

    /// Kolmogorov–Smirnov distance of `x` from the unit exponential.
    fn ks_exponential(mut x: Vec<f64>) -> f64 {
        x.sort_by(f64::total_cmp);
        let n = x.len() as f64;
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let f = 1.0 - (-v).exp();
                (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn time_rescaled_gaps_are_unit_exponential() {
        // 1% critical value of the KS statistic: 1.63/√n.
        for (n, decay) in [(0.0, 10.0), (0.5, 2.0), (0.8, 30.0), (0.95, 5.0)] {
            let p = HawkesParams::with_mean_rate(2.0, n, decay);
            let t = times(p, 20_000.0, 11);
            let ks = ks_exponential(rescaled(p, &t));
            let crit = 1.63 / (t.len() as f64).sqrt();
            assert!(ks < crit, "n {n} decay {decay}: KS {ks} >= {crit}");
        }
    }

    #[test]
    fn a_wrong_kernel_fails_the_rescaling_check() {
        // The same times judged with a jump 20% too small: the check can fail.
        let p = HawkesParams::with_mean_rate(2.0, 0.8, 30.0);
        let t = times(p, 20_000.0, 11);
        let wrong = HawkesParams {
            jump_per_s: p.jump_per_s * 0.8,
            ..p
        };
        let ks = ks_exponential(rescaled(wrong, &t));
        assert!(ks > 1.63 / (t.len() as f64).sqrt(), "KS {ks}");
    }

    #[test]
    fn the_mean_rate_is_the_one_asked_for() {
        // Var N(T) ≈ rate·T/(1 − n)² for T ≫ decay: the count is within 4 of its SEs.
        for (n, decay) in [(0.0, 10.0), (0.8, 20.0)] {
            let p = HawkesParams::with_mean_rate(3.0, n, decay);
            assert!((p.mean_rate() - 3.0).abs() < 1e-12);
            let horizon = 50_000.0;
            let count = times(p, horizon, 5).len() as f64;
            let se = (3.0 * horizon).sqrt() / (1.0 - n);
            assert!(
                (count - 3.0 * horizon).abs() < 4.0 * se,
                "n {n}: {count} events, expected {} ± {se}",
                3.0 * horizon
            );
        }
    }

    #[test]
    fn it_starts_at_the_stationary_rate() {
        // Counts in the first kernel time, over many independent starts: rate × decay_s on
        // average (started empty it would be about (1 − n) of that).
        let p = HawkesParams::with_mean_rate(2.0, 0.9, 50.0);
        let runs = 400;
        let total: usize = (0..runs).map(|s| times(p, 50.0, 1000 + s).len()).sum();
        let mean = total as f64 / runs as f64;
        assert!(
            (85.0..115.0).contains(&mean),
            "{mean} events in the first 50 s, expected 100"
        );
    }

    #[test]
    fn counts_cluster_as_the_branching_ratio_says() {
        // The Fano factor of counts in windows much longer than the kernel is 1/(1 − n)².
        let p = HawkesParams::with_mean_rate(5.0, 0.5, 1.0);
        let t = times(p, 100_000.0, 9);
        let window = 100.0;
        let mut counts = vec![0.0f64; 1000];
        for &ti in &t {
            counts[((ti / window) as usize).min(999)] += 1.0;
        }
        let m = counts.iter().sum::<f64>() / 1000.0;
        let v = counts.iter().map(|c| (c - m).powi(2)).sum::<f64>() / 999.0;
        let fano = v / m;
        // 1/(1 − 0.5)² = 4; the window is 100 kernel times, so the limit is nearly reached.
        assert!((3.3..4.7).contains(&fano), "Fano factor {fano}");
        let poisson = times(HawkesParams::with_mean_rate(5.0, 0.0, 1.0), 100_000.0, 9);
        let mut c0 = vec![0.0f64; 1000];
        for &ti in &poisson {
            c0[((ti / window) as usize).min(999)] += 1.0;
        }
        let m0 = c0.iter().sum::<f64>() / 1000.0;
        let v0 = c0.iter().map(|c| (c - m0).powi(2)).sum::<f64>() / 999.0;
        assert!(
            (0.85..1.15).contains(&(v0 / m0)),
            "Poisson Fano {}",
            v0 / m0
        );
    }

    #[test]
    fn bad_parameters_are_refused_with_the_field() {
        let e = validate("agents.noise.arrivals", 1.0, 10.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.noise.arrivals.branching_ratio"), "{e}");
        let e = validate("agents.noise.arrivals", 0.5, 0.0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.noise.arrivals.decay_s"), "{e}");
        assert!(validate("x", 0.99, 1e6).is_ok());
    }
}
