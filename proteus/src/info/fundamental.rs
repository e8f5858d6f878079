//! Configuration of the fundamental value process.

use super::jump_size::JumpSizeLaw;
use crate::core::ConfigError;
use crate::core::config_error::{
    MAX_TICKS, field_path, number, require, require_price_level, require_rate,
    require_ticks_non_negative,
};
use serde::{Deserialize, Serialize};

/// The fundamental value process, in ticks. The diffusions evolve on a fixed time grid of
/// `step_ns`; the binary value is drawn once per run and moves only with news (see
/// [`super::FundamentalPath`] for the exact update rules).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FundamentalConfig {
    /// Arithmetic Brownian motion plus compound-Poisson jumps:
    /// `dX = σ dW + J dN`, `N` a Poisson process of rate `jump_rate_per_s`, `J ~ jump_size`.
    JumpDiffusion {
        initial_ticks: f64,
        sigma_ticks_per_sqrt_s: f64,
        jump_rate_per_s: f64,
        jump_size: JumpSizeLaw,
        step_ns: u64,
    },
    /// Ornstein–Uhlenbeck: `dX = κ (μ − X) dt + σ dW`, sampled exactly on the grid.
    MeanReverting {
        initial_ticks: f64,
        mean_ticks: f64,
        kappa_per_s: f64,
        sigma_ticks_per_sqrt_s: f64,
        step_ns: u64,
    },
    /// Glosten–Milgrom (1985): `high_ticks` with probability `prob_high`, else `low_ticks`,
    /// drawn once per run from the run's `fundamental/binary` stream, then constant (news still
    /// shift it). Nobody is told the draw: the public value at time 0 is the prior mean
    /// `prob_high·high_ticks + (1 − prob_high)·low_ticks`; only agents the simulator gives the
    /// value (sequential traders) know it.
    Binary {
        low_ticks: f64,
        high_ticks: f64,
        prob_high: f64,
    },
}

/// Largest value of a binary (Glosten–Milgrom) fundamental, in ticks: the bound of the Bayesian
/// dealer's `v_high_ticks` (the Glosten–Milgrom case puts 10^6 ticks in a price unit), above the
/// [`MAX_TICKS`] of the diffusions.
pub const MAX_BINARY_TICKS: f64 = 1e15;

const _: () = assert!(MAX_BINARY_TICKS >= MAX_TICKS);

impl FundamentalConfig {
    pub fn validate(&self, path: &str) -> Result<(), ConfigError> {
        let f = |name| field_path(path, name);
        match *self {
            FundamentalConfig::JumpDiffusion {
                initial_ticks,
                sigma_ticks_per_sqrt_s,
                jump_rate_per_s,
                jump_size,
                step_ns,
            } => {
                require_price_level(&f("initial_ticks"), initial_ticks)?;
                require_ticks_non_negative(&f("sigma_ticks_per_sqrt_s"), sigma_ticks_per_sqrt_s)?;
                require_rate(&f("jump_rate_per_s"), jump_rate_per_s)?;
                jump_size.validate(&f("jump_size"))?;
                require(step_ns >= 1, &f("step_ns"), step_ns, "must be >= 1")
            }
            FundamentalConfig::MeanReverting {
                initial_ticks,
                mean_ticks,
                kappa_per_s,
                sigma_ticks_per_sqrt_s,
                step_ns,
            } => {
                require_price_level(&f("initial_ticks"), initial_ticks)?;
                require_price_level(&f("mean_ticks"), mean_ticks)?;
                require_rate(&f("kappa_per_s"), kappa_per_s)?;
                require_ticks_non_negative(&f("sigma_ticks_per_sqrt_s"), sigma_ticks_per_sqrt_s)?;
                require(step_ns >= 1, &f("step_ns"), step_ns, "must be >= 1")
            }
            FundamentalConfig::Binary {
                low_ticks,
                high_ticks,
                prob_high,
            } => {
                require(
                    low_ticks.is_finite() && low_ticks > 0.0 && low_ticks <= MAX_BINARY_TICKS,
                    &f("low_ticks"),
                    number(low_ticks),
                    "must be in (0, 1e15]",
                )?;
                require(
                    high_ticks.is_finite()
                        && high_ticks > low_ticks
                        && high_ticks <= MAX_BINARY_TICKS,
                    &f("high_ticks"),
                    number(high_ticks),
                    "must be above low_ticks and at most 1e15",
                )?;
                require(
                    (0.0..=1.0).contains(&prob_high),
                    &f("prob_high"),
                    prob_high,
                    "must be in [0, 1]",
                )
            }
        }
    }

    /// The `kind` a scenario names this process by: `jump_diffusion`, `mean_reverting`, `binary`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            FundamentalConfig::JumpDiffusion { .. } => "jump_diffusion",
            FundamentalConfig::MeanReverting { .. } => "mean_reverting",
            FundamentalConfig::Binary { .. } => "binary",
        }
    }

    /// The configured starting value of a diffusion (`None` for a binary value, which is drawn).
    pub fn initial_ticks(&self) -> Option<f64> {
        match *self {
            FundamentalConfig::JumpDiffusion { initial_ticks, .. }
            | FundamentalConfig::MeanReverting { initial_ticks, .. } => Some(initial_ticks),
            FundamentalConfig::Binary { .. } => None,
        }
    }

    /// The value everybody knows at time 0, in ticks: the initial value of a diffusion, the
    /// prior mean of a binary value (whose draw is private).
    pub fn public_initial_ticks(&self) -> f64 {
        match *self {
            FundamentalConfig::JumpDiffusion { initial_ticks, .. }
            | FundamentalConfig::MeanReverting { initial_ticks, .. } => initial_ticks,
            FundamentalConfig::Binary {
                low_ticks,
                high_ticks,
                prob_high,
            } => prob_high * high_ticks + (1.0 - prob_high) * low_ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_serialized_tags() {
        for text in [
            r#"{"kind": "binary", "low_ticks": 90.0, "high_ticks": 110.0, "prob_high": 0.25}"#,
            r#"{"kind": "mean_reverting", "initial_ticks": 100.0, "mean_ticks": 100.0, "kappa_per_s": 1.0, "sigma_ticks_per_sqrt_s": 1.0, "step_ns": 10}"#,
        ] {
            let f: FundamentalConfig = serde_json::from_str(text).unwrap();
            let v = serde_json::to_value(f).unwrap();
            assert_eq!(v["kind"], f.kind_name());
            assert_eq!(v["initial_ticks"].as_f64(), f.initial_ticks());
        }
    }

    fn jump_diffusion() -> FundamentalConfig {
        FundamentalConfig::JumpDiffusion {
            initial_ticks: 10_000.0,
            sigma_ticks_per_sqrt_s: 1.0,
            jump_rate_per_s: 0.1,
            jump_size: JumpSizeLaw::Normal {
                mean: 0.0,
                std: 5.0,
            },
            step_ns: 1_000_000,
        }
    }

    #[test]
    fn validation_errors_name_the_full_field_path() {
        assert!(jump_diffusion().validate("fundamental").is_ok());
        let FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_size,
            step_ns,
            ..
        } = jump_diffusion()
        else {
            unreachable!()
        };
        let bad_rate = FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_rate_per_s: -0.5,
            jump_size,
            step_ns,
        };
        let e = bad_rate.validate("fundamental").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`fundamental.jump_rate_per_s` = -0.5: must be in [0, 1e6]"
        );

        let bad_jump = FundamentalConfig::JumpDiffusion {
            initial_ticks,
            sigma_ticks_per_sqrt_s,
            jump_rate_per_s: 1.0,
            jump_size: JumpSizeLaw::Normal {
                mean: 0.0,
                std: f64::INFINITY,
            },
            step_ns,
        };
        assert_eq!(
            bad_jump.validate("fundamental").unwrap_err().path,
            "fundamental.jump_size.std"
        );

        // Values must be positive prices: 100 ticks here.
        let ou = FundamentalConfig::MeanReverting {
            initial_ticks: 100.0,
            mean_ticks: 100.0,
            kappa_per_s: 1.0,
            sigma_ticks_per_sqrt_s: 1.0,
            step_ns: 0,
        };
        let e = ou.validate("scenario.fundamental").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`scenario.fundamental.step_ns` = 0: must be >= 1"
        );
        let ou = FundamentalConfig::MeanReverting {
            initial_ticks: 100.0,
            mean_ticks: f64::NAN,
            kappa_per_s: 1.0,
            sigma_ticks_per_sqrt_s: 1.0,
            step_ns: 1,
        };
        assert_eq!(
            ou.validate("fundamental").unwrap_err().path,
            "fundamental.mean_ticks"
        );
    }

    #[test]
    fn binary_values_are_checked_and_public_at_their_prior_mean() {
        let v = serde_json::json!({
            "kind": "binary", "low_ticks": 90.0, "high_ticks": 110.0, "prob_high": 0.25
        });
        let cfg: FundamentalConfig = serde_json::from_value(v).unwrap();
        assert!(cfg.validate("fundamental").is_ok());
        assert_eq!(cfg.public_initial_ticks(), 95.0);
        let bad = FundamentalConfig::Binary {
            low_ticks: 90.0,
            high_ticks: 90.0,
            prob_high: 0.5,
        };
        assert_eq!(
            bad.validate("fundamental").unwrap_err().path,
            "fundamental.high_ticks"
        );
        let bad = FundamentalConfig::Binary {
            low_ticks: 90.0,
            high_ticks: 110.0,
            prob_high: 1.5,
        };
        assert_eq!(
            bad.validate("fundamental").unwrap_err().to_string(),
            "`fundamental.prob_high` = 1.5: must be in [0, 1]"
        );
    }

    #[test]
    fn deserializes_from_a_scenario_shape_and_rejects_unknown_fields() {
        let v = serde_json::json!({
            "kind": "mean_reverting", "initial_ticks": 100.0, "mean_ticks": 100.0,
            "kappa_per_s": 0.5, "sigma_ticks_per_sqrt_s": 2.0, "step_ns": 1000000
        });
        let cfg: FundamentalConfig = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(cfg.public_initial_ticks(), 100.0);
        let mut typo = v;
        typo["kapa_per_s"] = serde_json::json!(0.5);
        assert!(serde_json::from_value::<FundamentalConfig>(typo).is_err());
    }
}
