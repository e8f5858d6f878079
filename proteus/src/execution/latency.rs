//! Latency distributions and the per-agent latency profile.
//!
//! A sample is a whole number of nanoseconds. Continuous laws (log-normal, Pareto) are drawn in
//! `f64` nanoseconds, capped at `cap_ns`, then rounded to the nearest integer (halves away from
//! zero); the cap keeps heavy tails finite so that a run always ends.

use crate::core::config_error::{field_path, require, require_non_negative, require_positive};
use crate::core::{ConfigError, Duration};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// The law of one message's delay on one channel. Draws per sample: `constant` none, `uniform`
/// one integer range draw, `lognormal` one standard normal, `pareto` one uniform `f64`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum LatencyDist {
    /// Always `ns`.
    Constant { ns: u64 },
    /// Uniform on the integers `min_ns..=max_ns`.
    Uniform { min_ns: u64, max_ns: u64 },
    /// `median_ns · exp(sigma · Z)`, `Z ~ N(0, 1)`, capped at `cap_ns`.
    Lognormal {
        median_ns: u64,
        sigma: f64,
        cap_ns: u64,
    },
    /// Pareto (type I) with minimum `scale_ns` and tail index `shape`:
    /// `P(X > x) = (scale_ns / x)^shape`, drawn as `scale_ns · U^(−1/shape)`, `U ~ U(0, 1]`,
    /// capped at `cap_ns`. The mean is infinite for `shape <= 1`, hence the cap.
    Pareto {
        scale_ns: u64,
        shape: f64,
        cap_ns: u64,
    },
}

impl LatencyDist {
    /// The same law with every time parameter multiplied by `factor` (rounded to the nearest
    /// nanosecond); shape parameters are unchanged. Used by scenario grids (`latency_scale`).
    pub fn scaled(&self, factor: f64) -> LatencyDist {
        let s = |ns: u64| (ns as f64 * factor).round() as u64;
        match *self {
            LatencyDist::Constant { ns } => LatencyDist::Constant { ns: s(ns) },
            LatencyDist::Uniform { min_ns, max_ns } => LatencyDist::Uniform {
                min_ns: s(min_ns),
                max_ns: s(max_ns),
            },
            LatencyDist::Lognormal {
                median_ns,
                sigma,
                cap_ns,
            } => LatencyDist::Lognormal {
                median_ns: s(median_ns),
                sigma,
                cap_ns: s(cap_ns),
            },
            LatencyDist::Pareto {
                scale_ns,
                shape,
                cap_ns,
            } => LatencyDist::Pareto {
                scale_ns: s(scale_ns),
                shape,
                cap_ns: s(cap_ns),
            },
        }
    }

    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let f = |name| field_path(path, name);
        match *self {
            LatencyDist::Constant { .. } => Ok(()),
            LatencyDist::Uniform { min_ns, max_ns } => require(
                max_ns >= min_ns,
                &f("max_ns"),
                max_ns,
                &format!("must be >= min_ns ({min_ns})"),
            ),
            LatencyDist::Lognormal {
                median_ns,
                sigma,
                cap_ns,
            } => {
                require_non_negative(&f("sigma"), sigma)?;
                require(
                    cap_ns >= median_ns,
                    &f("cap_ns"),
                    cap_ns,
                    &format!("must be >= median_ns ({median_ns})"),
                )
            }
            LatencyDist::Pareto {
                scale_ns,
                shape,
                cap_ns,
            } => {
                require_positive(&f("shape"), shape)?;
                require(
                    cap_ns >= scale_ns,
                    &f("cap_ns"),
                    cap_ns,
                    &format!("must be >= scale_ns ({scale_ns})"),
                )
            }
        }
    }

    /// One delay.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let ns = match *self {
            LatencyDist::Constant { ns } => ns,
            LatencyDist::Uniform { min_ns, max_ns } => rng.random_range(min_ns..=max_ns),
            LatencyDist::Lognormal {
                median_ns,
                sigma,
                cap_ns,
            } => {
                let z: f64 = StandardNormal.sample(rng);
                capped_round(median_ns as f64 * (sigma * z).exp(), cap_ns)
            }
            LatencyDist::Pareto {
                scale_ns,
                shape,
                cap_ns,
            } => {
                let u = 1.0 - rng.random::<f64>();
                capped_round(scale_ns as f64 * u.powf(-1.0 / shape), cap_ns)
            }
        };
        Duration(ns)
    }
}

/// `min(x, cap)` rounded to the nearest integer nanosecond (halves away from zero, as
/// `f64::round`); exact at the cap even where `cap` is not representable as `f64`. `x` is a
/// latency, `>= 0` (a NaN gives 0, as before).
///
/// Rounded by hand rather than by `f64::round`, which is a call into libm on x86-64 (2.6 % of a
/// run in the profile), with the same result for every `x >= 0`: `t = ⌊y⌋` by the saturating
/// cast, and `y − t` is exact (the fractional part of a double is a double; from 2^52 on `y` is
/// whole and it is 0), so `y − t >= 0.5` is exactly the round-half-up test.
fn capped_round(x: f64, cap_ns: u64) -> u64 {
    let y = x.min(cap_ns as f64);
    let t = y as u64;
    let r = if y - t as f64 >= 0.5 { t + 1 } else { t };
    r.min(cap_ns)
}

/// An agent's three channels: submission (agent → venue), acknowledgement (venue → agent:
/// acks, rejects, fills and other private reports) and market data (venue → public feed, as this
/// agent receives it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyProfile {
    pub submit: LatencyDist,
    pub ack: LatencyDist,
    pub market_data: LatencyDist,
}

impl LatencyProfile {
    /// Every channel scaled by `factor` (see [`LatencyDist::scaled`]).
    pub fn scaled(&self, factor: f64) -> LatencyProfile {
        LatencyProfile {
            submit: self.submit.scaled(factor),
            ack: self.ack.scaled(factor),
            market_data: self.market_data.scaled(factor),
        }
    }

    /// The same constant delay on all three channels.
    pub fn constant(ns: u64) -> Self {
        let d = LatencyDist::Constant { ns };
        LatencyProfile {
            submit: d,
            ack: d,
            market_data: d,
        }
    }

    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        self.submit.validate(&field_path(path, "submit"))?;
        self.ack.validate(&field_path(path, "ack"))?;
        self.market_data.validate(&field_path(path, "market_data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    const N: usize = 200_000;

    fn samples(d: LatencyDist, seed: u64) -> Vec<u64> {
        let mut s = RepetitionSeed(seed).stream("test/latency");
        (0..N).map(|_| d.sample(&mut s).as_nanos()).collect()
    }

    fn mean(xs: &[u64]) -> f64 {
        xs.iter().map(|&x| x as f64).sum::<f64>() / xs.len() as f64
    }

    /// Asserts `median` is a median of the rounded law: `P(X < median) <= 1/2 <= P(X <= median)`,
    /// each side within 4 binomial standard errors (`√n / 2`).
    fn assert_median(xs: &[u64], median: f64) {
        let n = xs.len() as f64;
        let below = xs.iter().filter(|&&x| (x as f64) < median).count() as f64;
        let at_most = xs.iter().filter(|&&x| (x as f64) <= median).count() as f64;
        let tol = 4.0 * n.sqrt() / 2.0;
        assert!(below <= n / 2.0 + tol, "{below} below {median}");
        assert!(at_most >= n / 2.0 - tol, "{at_most} at most {median}");
    }

    /// The hand rounding agrees with `f64::round` on halves, near-halves, whole numbers, the
    /// largest doubles below 2^53 and 2^64, and at the cap.
    #[test]
    fn capped_round_agrees_with_f64_round() {
        let reference = |x: f64, cap: u64| (x.min(cap as f64).round() as u64).min(cap);
        let mut xs = vec![0.0, 0.25, 0.5, 1.5, 2.5, 0.49999999999999994, 1e6 + 0.5];
        xs.extend([4503599627370495.5, 4503599627370496.0, 9007199254740991.0]);
        xs.extend([
            f64::from_bits(0x43EF_FFFF_FFFF_FFFF), // the largest double below 2^64
            2f64.powi(64),
            f64::INFINITY,
            f64::NAN,
        ]);
        for i in 0..10_000u32 {
            xs.push(f64::from(i) * 0.125 + 1e-9 * f64::from(i % 7));
            xs.push(f64::from_bits(0x4130_0000_0000_0000 + u64::from(i) * 977));
        }
        for &x in &xs {
            for cap in [u64::MAX, 50_000_000, 3, 0] {
                assert_eq!(
                    capped_round(x, cap),
                    reference(x, cap),
                    "x = {x:e}, cap = {cap}"
                );
            }
        }
    }

    #[test]
    fn constant_is_exact() {
        let mut s = RepetitionSeed(1).stream("test/latency");
        let d = LatencyDist::Constant { ns: 1_234 };
        assert!((0..100).all(|_| d.sample(&mut s) == Duration(1_234)));
    }

    /// Discrete uniform on `a..=b`: mean (a+b)/2, variance ((b−a+1)² − 1)/12.
    #[test]
    fn uniform_stays_in_range_with_the_right_mean() {
        let (a, b) = (1_000u64, 5_000u64);
        let xs = samples(
            LatencyDist::Uniform {
                min_ns: a,
                max_ns: b,
            },
            2,
        );
        assert!(xs.iter().all(|&x| (a..=b).contains(&x)));
        assert!(xs.contains(&a) && xs.contains(&b));
        let var = (((b - a + 1) as f64).powi(2) - 1.0) / 12.0;
        let se = (var / N as f64).sqrt();
        assert!((mean(&xs) - (a + b) as f64 / 2.0).abs() <= 4.0 * se);
    }

    /// Log-normal: median m, mean m·e^{σ²/2}, variance m²·e^{σ²}(e^{σ²} − 1). The cap is far out
    /// of reach; rounding moves the mean by at most 0.5 ns.
    #[test]
    fn lognormal_median_and_mean_match_closed_forms() {
        let (m, sigma) = (100_000u64, 0.5f64);
        let xs = samples(
            LatencyDist::Lognormal {
                median_ns: m,
                sigma,
                cap_ns: u64::MAX,
            },
            3,
        );
        assert_median(&xs, m as f64);
        let s2 = sigma * sigma;
        let want = m as f64 * (s2 / 2.0).exp();
        let var = (m as f64).powi(2) * s2.exp() * (s2.exp() - 1.0);
        let se = (var / N as f64).sqrt();
        assert!(
            (mean(&xs) - want).abs() <= 4.0 * se + 0.5,
            "{} vs {want}",
            mean(&xs)
        );
    }

    /// Pareto: median s·2^{1/α}; for α > 2 mean αs/(α−1), variance s²α/((α−1)²(α−2)).
    #[test]
    fn pareto_median_and_mean_match_closed_forms() {
        let (s, alpha) = (10_000u64, 5.0f64);
        let xs = samples(
            LatencyDist::Pareto {
                scale_ns: s,
                shape: alpha,
                cap_ns: u64::MAX,
            },
            4,
        );
        assert!(xs.iter().all(|&x| x >= s));
        assert_median(&xs, s as f64 * 2f64.powf(1.0 / alpha));
        let sf = s as f64;
        let want = alpha * sf / (alpha - 1.0);
        let var = sf * sf * alpha / ((alpha - 1.0).powi(2) * (alpha - 2.0));
        let se = (var / N as f64).sqrt();
        assert!(
            (mean(&xs) - want).abs() <= 4.0 * se + 0.5,
            "{} vs {want}",
            mean(&xs)
        );
    }

    /// With an infinite-mean tail (α = 0.8) every sample respects the cap, and the share at the
    /// cap is `P(X >= cap − 0.5) = (s / (cap − 0.5))^α`, within 4 binomial standard errors.
    #[test]
    fn caps_are_respected_and_hit_as_often_as_the_tail_says() {
        let (s, alpha, cap) = (1_000u64, 0.8f64, 1_000_000u64);
        let xs = samples(
            LatencyDist::Pareto {
                scale_ns: s,
                shape: alpha,
                cap_ns: cap,
            },
            5,
        );
        assert!(xs.iter().all(|&x| (s..=cap).contains(&x)));
        let p = (s as f64 / (cap as f64 - 0.5)).powf(alpha);
        let at_cap = xs.iter().filter(|&&x| x == cap).count() as f64;
        let n = N as f64;
        assert!(
            (at_cap - n * p).abs() <= 4.0 * (n * p * (1.0 - p)).sqrt(),
            "{at_cap} vs {}",
            n * p
        );

        let ln = samples(
            LatencyDist::Lognormal {
                median_ns: 1_000,
                sigma: 3.0,
                cap_ns: 20_000,
            },
            6,
        );
        assert!(ln.iter().all(|&x| x <= 20_000));
        assert!(ln.contains(&20_000));
    }

    #[test]
    fn validation_names_the_field() {
        let p = LatencyProfile {
            submit: LatencyDist::Constant { ns: 5 },
            ack: LatencyDist::Uniform {
                min_ns: 10,
                max_ns: 9,
            },
            market_data: LatencyDist::Constant { ns: 5 },
        };
        let e = p.validate("agents.noise.latency").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`agents.noise.latency.ack.max_ns` = 9: must be >= min_ns (10)"
        );
        let bad = LatencyDist::Pareto {
            scale_ns: 10,
            shape: 0.0,
            cap_ns: 100,
        };
        assert_eq!(bad.validate("l").unwrap_err().path, "l.shape");
        let bad = LatencyDist::Pareto {
            scale_ns: 10,
            shape: 1.5,
            cap_ns: 9,
        };
        assert_eq!(bad.validate("l").unwrap_err().path, "l.cap_ns");
        let bad = LatencyDist::Lognormal {
            median_ns: 10,
            sigma: f64::NAN,
            cap_ns: 100,
        };
        assert_eq!(bad.validate("l").unwrap_err().path, "l.sigma");
        assert!(LatencyProfile::constant(3).validate("l").is_ok());
    }

    #[test]
    fn deserializes_tagged_and_rejects_unknown_fields() {
        let v = serde_json::json!({
            "submit": {"kind": "constant", "ns": 100},
            "ack": {"kind": "lognormal", "median_ns": 1000, "sigma": 0.3, "cap_ns": 100000},
            "market_data": {"kind": "pareto", "scale_ns": 500, "shape": 1.5, "cap_ns": 1000000}
        });
        let p: LatencyProfile = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(p.submit, LatencyDist::Constant { ns: 100 });
        let mut typo = v.clone();
        typo["ack"]["cap"] = serde_json::json!(5);
        assert!(serde_json::from_value::<LatencyProfile>(typo).is_err());
        let mut extra = v;
        extra["order_entry"] = serde_json::json!({"kind": "constant", "ns": 1});
        assert!(serde_json::from_value::<LatencyProfile>(extra).is_err());
    }
}
