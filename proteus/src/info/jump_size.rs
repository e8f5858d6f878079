//! The law of a jump (of the fundamental, or of a news shift), in ticks.

use crate::core::ConfigError;
use crate::core::config_error::{field_path, require_ticks, require_ticks_non_negative};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, StandardNormal};
use serde::{Deserialize, Serialize};

/// Size of one jump in ticks. Draws per sample are fixed per variant (so a stream stays aligned):
///
/// * `normal { mean, std }`: `mean + std·Z`, one standard normal draw. A deterministic jump of
///   known sign is `normal` with `std = 0`.
/// * `laplace { scale }`: double exponential with mean 0 and variance `2·scale²`: a fair sign
///   (one `bool` draw) times `scale·E`, `E ~ Exp(1)` (one draw).
/// * `fixed { size }`: magnitude `size` with a fair random sign (one `bool` draw): up- and
///   down-moves equally likely, so the fundamental has no drift.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum JumpSizeLaw {
    Normal { mean: f64, std: f64 },
    Laplace { scale: f64 },
    Fixed { size: f64 },
}

impl JumpSizeLaw {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        match *self {
            JumpSizeLaw::Normal { mean, std } => {
                require_ticks(&field_path(path, "mean"), mean)?;
                require_ticks_non_negative(&field_path(path, "std"), std)
            }
            JumpSizeLaw::Laplace { scale } => {
                require_ticks_non_negative(&field_path(path, "scale"), scale)
            }
            JumpSizeLaw::Fixed { size } => {
                require_ticks_non_negative(&field_path(path, "size"), size)
            }
        }
    }

    /// One jump, in ticks.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            JumpSizeLaw::Normal { mean, std } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + std * z
            }
            JumpSizeLaw::Laplace { scale } => {
                let up = rng.random::<bool>();
                let e: f64 = Exp1.sample(rng);
                if up { scale * e } else { -scale * e }
            }
            JumpSizeLaw::Fixed { size } => {
                if rng.random::<bool>() {
                    size
                } else {
                    -size
                }
            }
        }
    }

    /// Mean of one jump, in ticks.
    pub fn mean(&self) -> f64 {
        match *self {
            JumpSizeLaw::Normal { mean, .. } => mean,
            JumpSizeLaw::Laplace { .. } | JumpSizeLaw::Fixed { .. } => 0.0,
        }
    }

    /// Variance of one jump, in ticks².
    pub fn variance(&self) -> f64 {
        match *self {
            JumpSizeLaw::Normal { std, .. } => std * std,
            JumpSizeLaw::Laplace { scale } => 2.0 * scale * scale,
            JumpSizeLaw::Fixed { size } => size * size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::RepetitionSeed;

    /// Sample mean and variance of `n` draws against the law's closed form, within 4 standard
    /// errors (mean: sqrt(var/n); variance: sqrt((m4 - var²)/n) with the law's fourth moment).
    fn check_moments(law: JumpSizeLaw, fourth_moment: f64) {
        let mut s = RepetitionSeed(11).stream("test/jump_size");
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| law.sample(&mut s)).collect();
        let nf = n as f64;
        let mean = xs.iter().sum::<f64>() / nf;
        let var_pop = xs.iter().map(|x| (x - law.mean()).powi(2)).sum::<f64>() / nf;
        let se_mean = (law.variance() / nf).sqrt();
        assert!(
            (mean - law.mean()).abs() <= 4.0 * se_mean,
            "{law:?}: mean {mean}"
        );
        let se_var = ((fourth_moment - law.variance().powi(2)) / nf).sqrt();
        assert!(
            (var_pop - law.variance()).abs() <= 4.0 * se_var,
            "{law:?}: var {var_pop}"
        );
    }

    #[test]
    fn moments_match_closed_forms() {
        // Central fourth moments: normal 3σ⁴, Laplace 24b⁴ (= 6·var²).
        check_moments(
            JumpSizeLaw::Normal {
                mean: 1.5,
                std: 2.0,
            },
            3.0 * 16.0,
        );
        check_moments(JumpSizeLaw::Laplace { scale: 0.5 }, 24.0 * 0.0625);
    }

    #[test]
    fn fixed_is_plus_or_minus_size_with_fair_sign() {
        let law = JumpSizeLaw::Fixed { size: 3.0 };
        let mut s = RepetitionSeed(3).stream("test/jump_size");
        let n = 100_000;
        let mut ups = 0u32;
        for _ in 0..n {
            let x = law.sample(&mut s);
            assert!(x == 3.0 || x == -3.0, "{x}");
            ups += u32::from(x > 0.0);
        }
        // Binomial(n, 1/2): standard error sqrt(n)/2.
        let dev = (f64::from(ups) - n as f64 / 2.0).abs();
        assert!(dev <= 4.0 * (n as f64).sqrt() / 2.0, "{ups}");
    }

    #[test]
    fn deserializes_tagged_and_rejects_unknown_fields() {
        let law: JumpSizeLaw =
            serde_json::from_value(serde_json::json!({"kind": "laplace", "scale": 2.0})).unwrap();
        assert_eq!(law, JumpSizeLaw::Laplace { scale: 2.0 });
        let bad = serde_json::json!({"kind": "laplace", "scale": 2.0, "mean": 0.0});
        assert!(serde_json::from_value::<JumpSizeLaw>(bad).is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let e = JumpSizeLaw::Normal {
            mean: 0.0,
            std: -1.0,
        }
        .validate("news.jump_size")
        .unwrap_err();
        assert_eq!(e.path, "news.jump_size.std");
        let e = JumpSizeLaw::Fixed { size: f64::NAN }
            .validate("j")
            .unwrap_err();
        assert_eq!(e.path, "j.size");
    }
}
