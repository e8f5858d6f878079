//! A Hawkes (self-exciting) point process with an exponential kernel, simulated exactly.
//!
//! Intensity `λ(t) = μ + Σ_j Σ_{t_i < t} α_j e^(−δ_j(t − t_i))`: every event raises the rate by
//! α_j in each kernel component j, and each raise decays at its rate δ_j = 1/`decay_s_j`. One
//! component is the classic exponential kernel; several, with time constants spread over
//! decades, approximate a power-law kernel (Bacry, Mastromatteo and Muzy 2015), whose clusters
//! die slowly. The branching ratio `n = Σ_j α_j/δ_j` is the mean number of events one event
//! triggers directly; for `n < 1` the process is stationary with mean rate `μ / (1 − n)`. It is
//! parametrised here by that mean rate, so switching a population from Poisson to Hawkes
//! arrivals keeps its expected activity: `μ = rate · (1 − n)`, `α_j = n·w_j / decay_s_j` with
//! component weights `w_j` summing to 1. With `n = 0` it is a Poisson process of rate `rate`.
//!
//! Simulation: the exact method of Dassios and Zhao (2013, "Exact simulation of Hawkes process
//! with exponentially decaying intensity", *Electronic Communications in Probability* 18), one
//! uniform for the baseline and one per component, no thinning: with `E_j` component j's excess
//! intensity just after the last event, the next baseline arrival is `S₀ = −ln U₀ / μ`;
//! component j's next triggered one is `S_j = −ln(1 + δ_j ln U_j / E_j) / δ_j` when
//! `1 + δ_j ln U_j / E_j > 0` (else never). The intensity is the sum of independent parts, so
//! the next event is the first of them: the gap is `min_j S_j`, after which every
//! `E_j ← E_j e^(−δ_j·gap) + α_j`.
//!
//! Start: each component's excess starts at its stationary mean, `E_j = α_j/δ_j · rate =
//! rate·n·w_j`. The expected intensity is then `rate` at every t (the expected excesses obey
//! `dE[E_j]/dt = −δ_j E[E_j] + α_j E[λ]`, whose fixed point with `E[λ] = rate` is that start),
//! so a day's expected count is `rate × duration` with no warm-up deficit (started empty, the
//! first `decay_s / (1 − n)` would run below the rate).
//!
//! Time-rescaling (Brown et al. 2002): the compensator increments
//! `Λ(t_{i−1}, t_i) = μ·gap + Σ_j E_j(1 − e^(−δ_j·gap))/δ_j` of an exactly simulated process are
//! iid exponential of mean 1. The tests check that by a Kolmogorov–Smirnov statistic.

use super::config_error::{ConfigError, require};
use super::rng::Stream;
use rand::RngExt;

/// The most kernel components a process may have.
pub const MAX_COMPONENTS: usize = 8;

/// μ and the kernel components (α_j, δ_j) of a Hawkes process, per second.
#[derive(Clone, Debug, PartialEq)]
pub struct HawkesParams {
    pub baseline_per_s: f64,
    /// (α_j, δ_j) of each exponential component.
    pub components: Vec<(f64, f64)>,
}

impl HawkesParams {
    /// The process of mean rate `rate_per_s`, branching ratio `branching_ratio` in [0, 1),
    /// components of decay times `decay_s` sharing the branching ratio by `weights` (summing
    /// to 1; module docs).
    pub fn with_mean_rate(
        rate_per_s: f64,
        branching_ratio: f64,
        decay_s: &[f64],
        weights: &[f64],
    ) -> HawkesParams {
        HawkesParams {
            baseline_per_s: rate_per_s * (1.0 - branching_ratio),
            components: decay_s
                .iter()
                .zip(weights)
                .map(|(d, w)| (branching_ratio * w / d, 1.0 / d))
                .collect(),
        }
    }

    /// The branching ratio `Σ α_j/δ_j`.
    pub fn branching_ratio(&self) -> f64 {
        self.components.iter().map(|(a, d)| a / d).sum()
    }

    /// The stationary mean rate `μ / (1 − n)`.
    pub fn mean_rate(&self) -> f64 {
        self.baseline_per_s / (1.0 - self.branching_ratio())
    }
}

/// Checks a branching ratio, decay times and weights as a scenario gives them.
pub fn validate(
    path: &str,
    branching_ratio: f64,
    decay_s: &[f64],
    weights: &[f64],
) -> Result<(), ConfigError> {
    require(
        branching_ratio.is_finite() && (0.0..=0.99).contains(&branching_ratio),
        &format!("{path}.branching_ratio"),
        branching_ratio,
        "must be in [0, 0.99] (1 or more is explosive)",
    )?;
    require(
        (1..=MAX_COMPONENTS).contains(&decay_s.len()),
        &format!("{path}.decay_s"),
        format!("{} values", decay_s.len()),
        "must be one number or a list of 1 to 8",
    )?;
    for &d in decay_s {
        require(
            d.is_finite() && (1e-6..=1e6).contains(&d),
            &format!("{path}.decay_s"),
            d,
            "must be in [1e-6, 1e6] seconds",
        )?;
    }
    require(
        weights.len() == decay_s.len(),
        &format!("{path}.weights"),
        format!("{} values", weights.len()),
        "must have one weight per decay_s value",
    )?;
    for &w in weights {
        require(
            w.is_finite() && w > 0.0 && w <= 1.0,
            &format!("{path}.weights"),
            w,
            "must be in (0, 1]",
        )?;
    }
    let total: f64 = weights.iter().sum();
    require(
        (total - 1.0).abs() < 1e-9,
        &format!("{path}.weights"),
        total,
        "must sum to 1",
    )
}

/// The event times of one Hawkes process, one at a time, from its own stream.
pub struct HawkesProcess {
    p: HawkesParams,
    draws: Stream,
    /// Time of the last event, seconds.
    t: f64,
    /// Each component's excess intensity just after the last event.
    excess: Vec<f64>,
}

impl HawkesProcess {
    pub fn new(p: HawkesParams, draws: Stream) -> HawkesProcess {
        let rate = p.mean_rate();
        HawkesProcess {
            excess: p.components.iter().map(|(a, d)| rate * a / d).collect(),
            p,
            draws,
            t: 0.0,
        }
    }

    /// The next event time, in seconds from the start; infinite if no event can come.
    pub fn next_event_s(&mut self) -> f64 {
        let mu = self.p.baseline_per_s;
        // 1 − U is in (0, 1]: its logarithm is finite.
        let u0 = 1.0 - self.draws.random::<f64>();
        let mut gap = if mu > 0.0 {
            -u0.ln() / mu
        } else {
            f64::INFINITY
        };
        for (&(_, delta), &e) in self.p.components.iter().zip(&self.excess) {
            let u = 1.0 - self.draws.random::<f64>();
            if e > 0.0 {
                let d = 1.0 + delta * u.ln() / e;
                if d > 0.0 {
                    gap = gap.min(-d.ln() / delta);
                }
            }
        }
        if gap.is_finite() {
            for (&(alpha, delta), e) in self.p.components.iter().zip(&mut self.excess) {
                *e = *e * (-delta * gap).exp() + alpha;
            }
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

    fn times(p: &HawkesParams, horizon_s: f64, seed: u64) -> Vec<f64> {
        let mut h = HawkesProcess::new(p.clone(), RepetitionSeed(seed).stream("test/hawkes"));
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
    fn rescaled(p: &HawkesParams, t: &[f64]) -> Vec<f64> {
        let mu = p.baseline_per_s;
        let rate = p.mean_rate();
        let mut excess: Vec<f64> = p.components.iter().map(|(a, d)| rate * a / d).collect();
        let mut last = 0.0;
        let mut out = Vec::with_capacity(t.len());
        for &ti in t {
            let gap = ti - last;
            let mut inc = mu * gap;
            for (&(a, d), e) in p.components.iter().zip(&mut excess) {
                inc += *e * (1.0 - (-d * gap).exp()) / d;
                *e = *e * (-d * gap).exp() + a;
            }
            out.push(inc);
            last = ti;
        }
        out
    }

    fn one(rate: f64, n: f64, decay: f64) -> HawkesParams {
        HawkesParams::with_mean_rate(rate, n, &[decay], &[1.0])
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
            let p = one(2.0, n, decay);
            let t = times(&p, 20_000.0, 11);
            let ks = ks_exponential(rescaled(&p, &t));
            let crit = 1.63 / (t.len() as f64).sqrt();
            assert!(ks < crit, "n {n} decay {decay}: KS {ks} >= {crit}");
        }
        // Three components over three decades.
        let p = HawkesParams::with_mean_rate(2.0, 0.9, &[3.0, 30.0, 300.0], &[0.5, 0.3, 0.2]);
        let t = times(&p, 50_000.0, 12);
        let ks = ks_exponential(rescaled(&p, &t));
        let crit = 1.63 / (t.len() as f64).sqrt();
        assert!(ks < crit, "three components: KS {ks} >= {crit}");
    }

    #[test]
    fn a_wrong_kernel_fails_the_rescaling_check() {
        // The same times judged with a jump 20% too small: the check can fail.
        let p = one(2.0, 0.8, 30.0);
        let t = times(&p, 20_000.0, 11);
        let wrong = HawkesParams {
            components: vec![(p.components[0].0 * 0.8, p.components[0].1)],
            ..p.clone()
        };
        let ks = ks_exponential(rescaled(&wrong, &t));
        assert!(ks > 1.63 / (t.len() as f64).sqrt(), "KS {ks}");
    }

    #[test]
    fn the_mean_rate_is_the_one_asked_for() {
        // Var N(T) ≈ rate·T/(1 − n)² for T ≫ decay: the count is within 4 of its SEs.
        for (n, decay) in [(0.0, 10.0), (0.8, 20.0)] {
            let p = one(3.0, n, decay);
            assert!((p.mean_rate() - 3.0).abs() < 1e-12);
            let horizon = 50_000.0;
            let count = times(&p, horizon, 5).len() as f64;
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
        let p = one(2.0, 0.9, 50.0);
        let runs = 400;
        let total: usize = (0..runs).map(|s| times(&p, 50.0, 1000 + s).len()).sum();
        let mean = total as f64 / runs as f64;
        assert!(
            (85.0..115.0).contains(&mean),
            "{mean} events in the first 50 s, expected 100"
        );
    }

    #[test]
    fn counts_cluster_as_the_branching_ratio_says() {
        // The Fano factor of counts in windows much longer than the kernel is 1/(1 − n)².
        let p = one(5.0, 0.5, 1.0);
        let t = times(&p, 100_000.0, 9);
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
        let poisson = times(&one(5.0, 0.0, 1.0), 100_000.0, 9);
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
        let path = "agents.noise.arrivals";
        let e = validate(path, 1.0, &[10.0], &[1.0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.noise.arrivals.branching_ratio"), "{e}");
        let e = validate(path, 0.5, &[0.0], &[1.0]).unwrap_err().to_string();
        assert!(e.contains("agents.noise.arrivals.decay_s"), "{e}");
        let e = validate(path, 0.5, &[], &[]).unwrap_err().to_string();
        assert!(e.contains("agents.noise.arrivals.decay_s"), "{e}");
        let e = validate(path, 0.5, &[1.0, 10.0], &[0.5])
            .unwrap_err()
            .to_string();
        assert!(e.contains("agents.noise.arrivals.weights"), "{e}");
        let e = validate(path, 0.5, &[1.0, 10.0], &[0.5, 0.6])
            .unwrap_err()
            .to_string();
        assert!(e.contains("must sum to 1"), "{e}");
        assert!(validate("x", 0.99, &[1e6], &[1.0]).is_ok());
    }
}
